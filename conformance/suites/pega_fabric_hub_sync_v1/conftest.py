from __future__ import annotations

import pytest

from conformance.suites.pega_fabric_hub_sync_v1.client import HubApi, SyncClient


@pytest.fixture(scope="session")
def hub(api, target, ledger, run_tag) -> HubApi:
    return HubApi(api, target, ledger, run_tag)


@pytest.fixture(scope="session")
def sync(hub) -> SyncClient:
    """One registration of this run, syncing, with a token of its sync client (shared by the
    publication tests; the life-cycle tests make their own)."""
    return hub.syncing_registration()
