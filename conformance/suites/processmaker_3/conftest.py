from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from conformance.checks.processmaker_3 import app_number
from conformance.http import Exchange
from conformance.suites.processmaker_3.client import SORT_NUMBER, PmApi


@pytest.fixture(scope="session")
def pm(api, target, ledger, run_tag) -> PmApi:
    return PmApi(api, target, ledger, run_tag)


@dataclass
class StartBase:
    """How the server reads `start` (PM-PAGE-007): "1-based" (seed 004), "0-based" (VF PMSRC) or None."""

    base: str | None
    kind: str
    detail: str
    exchanges: list[Exchange] = field(default_factory=list)

    def start_for(self, offset: int) -> int:
        """The `start` that begins a list at 0-based position `offset`."""
        return offset + 1 if self.base == "1-based" else offset


def largest_list(pm: PmApi) -> str:
    """The list the paging tests walk by default: advanced search when offered (every status)."""
    return "advanced-search" if pm.target.capabilities.advanced_search else "participated"


@pytest.fixture(scope="session")
def start_base(pm) -> StartBase:
    """Compare start=0 and start=1 with a list read without `start` (seed 004: both mean the first
    case; VF PMSRC: start is a 0-based offset, so start=1 is the second)."""
    kind = largest_list(pm)
    order = {"sort": SORT_NUMBER, "dir": "DESC"}
    ref, ex_ref = pm.bare(kind, {**order, "limit": 4}, strict=False)
    numbers = [app_number(c) for c in ref]
    if len(numbers) < 4:
        return StartBase(None, kind, f"the {kind} list holds fewer than 4 cases", [ex_ref])
    ex0 = pm.list(kind, {**order, "start": 0, "limit": 3})
    ex1 = pm.list(kind, {**order, "start": 1, "limit": 3})
    seen = []
    for ex in (ex0, ex1):
        body = ex.json()
        seen.append([app_number(c) for c in body] if ex.status == 200 and isinstance(body, list) else None)
    if seen[0] == numbers[:3] and seen[1] == numbers[:3]:
        return StartBase("1-based", kind, "start=0 and start=1 both begin with the first case", [ex0, ex1])
    if seen[0] == numbers[:3] and seen[1] == numbers[1:4]:
        return StartBase("0-based", kind, "start=0 begins with the first case, start=1 with the second", [ex0, ex1])
    return StartBase(None, kind, f"the list without start begins {numbers[:3]}; start=0 gave "
                     f"{seen[0] if seen[0] is not None else ex0.status}, start=1 gave "
                     f"{seen[1] if seen[1] is not None else ex1.status}", [ex_ref, ex0, ex1])
