"""Pega Process Fabric Hub data synchronization emulator (`conformance emulate pega-fabric-hub-sync-v1`)."""

from conformance.emulators.common import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from conformance.emulators.pega_fabric_hub_sync_v1.app import HubEmulator, create_app
from conformance.emulators.pega_fabric_hub_sync_v1.faults import FAULTS, JOINT_VARIANT_SETS, VARIANTS

__all__ = ["DEMO_CREDENTIALS", "FAULTS", "JOINT_VARIANT_SETS", "SWITCHES", "VARIANTS", "HubEmulator", "create_app",
           "target_edits"]

# variant -> the capability of the bundled target (conformance/targets/fabric-hub-emulator.toml) it switches
SWITCHES = {"registration-delete": "registration_delete"}


def target_edits(variants: dict[str, str]) -> dict[str, str]:
    """Lines of the bundled target that change with a variant: a server without an operation does not
    declare it (capabilities are promises)."""
    return {f"\n{cap} = true": f"\n{cap} = false" for name, cap in SWITCHES.items() if variants.get(name) == "off"}

DEMO_CREDENTIALS = (f"demo registration credentials: client {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET} "
                    "(sync credentials are issued by POST .../registrations/{ID}/actions/enablesync); "
                    "emulator-only read-back: GET /__emulator__/registrations/{ID}/{kind}")
