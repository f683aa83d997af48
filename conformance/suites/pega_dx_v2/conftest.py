from __future__ import annotations

import pytest

from conformance.suites.pega_dx_v2.client import PegaApi


@pytest.fixture(scope="session")
def pega(api, target, ledger, run_tag) -> PegaApi:
    return PegaApi(api, target, ledger, run_tag)
