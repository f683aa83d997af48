"""Pega Process Fabric Hub data synchronization emulator (`conformance emulate pega-fabric-hub-sync-v1`)."""

from conformance.emulators.common import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from conformance.emulators.pega_fabric_hub_sync_v1.app import HubEmulator, create_app
from conformance.emulators.pega_fabric_hub_sync_v1.faults import FAULTS, VARIANTS

__all__ = ["DEMO_CREDENTIALS", "FAULTS", "VARIANTS", "HubEmulator", "create_app"]

DEMO_CREDENTIALS = (f"demo registration credentials: client {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET} "
                    "(sync credentials are issued by POST .../registrations/{ID}/actions/enablesync); "
                    "emulator-only read-back: GET /__emulator__/registrations/{ID}/{kind}")
