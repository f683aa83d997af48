"""ProcessMaker 3 cases API emulator (seed 004; VF "ProcessMaker 3")."""

from conformance.emulators.common import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USER
from conformance.emulators.processmaker_3.app import ProcessMakerEmulator, create_app
from conformance.emulators.processmaker_3.faults import FAULTS, JOINT_VARIANT_SETS, VARIANTS

__all__ = ["DEMO_CREDENTIALS", "FAULTS", "JOINT_VARIANT_SETS", "VARIANTS", "ProcessMakerEmulator", "create_app"]

# demo credentials (marked in emulators/common.py): not secrets
DEMO_CREDENTIALS = (f"demo credentials: client {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET} (client_id/client_secret in "
                    f"the form body or Basic); password grant user {DEMO_USER} / {DEMO_PASSWORD} (the admin, "
                    "usr_uid 00000000000000000000000000000001); token URL /workflow/oauth2/token, API "
                    "/api/1.0/workflow")
