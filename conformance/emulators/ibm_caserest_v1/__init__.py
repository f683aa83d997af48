"""IBM Case Manager / BAW CASEREST v1 emulator (HTTP Basic, SQLite, an external data service)."""

from conformance.emulators.common import DEMO_PASSWORD, DEMO_USER
from conformance.emulators.ibm_caserest_v1.app import OPTIONS, CaseRestEmulator, create_app
from conformance.emulators.ibm_caserest_v1.faults import FAULTS, JOINT_VARIANT_SETS, VARIANTS

__all__ = ["DEMO_CREDENTIALS", "FAULTS", "JOINT_VARIANT_SETS", "OPTIONS", "SWITCHES", "VARIANTS", "CaseRestEmulator",
           "create_app", "target_edits"]

# the emulator's published demo credentials (emulators/common.py), not secrets
DEMO_CREDENTIALS = f"demo credentials (HTTP Basic): user {DEMO_USER} / {DEMO_PASSWORD}; TargetObjectStore CMTOSDH"

# variant -> the capability of the bundled target (conformance/targets/ibm-caserest-emulator.toml) it switches
SWITCHES = {"delete-case": "delete_case", "comments": "comments", "history": "history",
            "definitions": "definitions", "case-operations": "case_operations",
            "discretionary-tasks": "discretionary_tasks", "stages": "stages",
            "documents": "documents"}


def target_edits(variants: dict[str, str]) -> dict[str, str]:
    """Lines of the bundled target that change with a variant: a server without an operation group does not
    declare it (capabilities are promises)."""
    return {f"\n{cap} = true": f"\n{cap} = false" for name, cap in SWITCHES.items() if variants.get(name) == "off"}
