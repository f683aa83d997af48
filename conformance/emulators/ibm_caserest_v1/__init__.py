"""IBM Case Manager / BAW CASEREST v1 emulator (HTTP Basic, SQLite, an external data service)."""

from conformance.emulators.common import DEMO_PASSWORD, DEMO_USER
from conformance.emulators.ibm_caserest_v1.app import OPTIONS, CaseRestEmulator, create_app
from conformance.emulators.ibm_caserest_v1.faults import FAULTS, VARIANTS

__all__ = ["DEMO_CREDENTIALS", "FAULTS", "OPTIONS", "VARIANTS", "CaseRestEmulator", "create_app"]

# the emulator's published demo credentials (emulators/common.py), not secrets
DEMO_CREDENTIALS = f"demo credentials (HTTP Basic): user {DEMO_USER} / {DEMO_PASSWORD}; TargetObjectStore CMTOSDH"
