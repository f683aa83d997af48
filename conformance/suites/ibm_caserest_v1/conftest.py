from __future__ import annotations

import pytest

from conformance.suites.ibm_caserest_v1.client import CaseRestApi


@pytest.fixture(scope="session")
def ibm(api, target, ledger, run_tag) -> CaseRestApi:
    return CaseRestApi(api, target, ledger, run_tag)
