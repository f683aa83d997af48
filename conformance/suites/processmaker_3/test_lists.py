"""Lists by status (seed 004: Get To Do Cases, /cases/draft, /cases/paused, /cases/unassigned)."""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.suites.processmaker_3.client import LIST_PATHS

# seed 004: the status each list holds; To do, Draft and Paused are the logged-in user's own cases
STATUS_OF = {"todo": "TO_DO", "draft": "DRAFT", "paused": "PAUSED", "unassigned": "UNASSIGNED"}
OWN = ("todo", "draft", "paused")
# the 3.5.8 server keeps a paused case's status and lists it by its APP_DELAY row (CC:4082, ACV:508; vendor
# audit F4, F5): its Paused list holds TO_DO and DRAFT cases
KEPT_WHILE_PAUSED = ("TO_DO", "DRAFT")
KEPT_PROBES = 3  # the Paused list's cases of that form whose information is read (one GET each)


@pytest.mark.requirement("PM-LIST-002")
@pytest.mark.parametrize("kind", sorted(STATUS_OF))
def test_status_list_holds_only_its_status(pm, kind, observe):
    # the list and its /paged twin, each one request of at most oracle_cap cases (cost independent of size)
    cases, bx = pm.bare(kind, {"limit": pm.fx.oracle_cap}, strict=False)
    page, px = pm.page(kind, {"limit": pm.fx.oracle_cap})
    observe("PM-LIST-002", f"{kind}_cases_read", len(cases))
    kept_checked = 0
    for case, ex in [(c, bx) for c in cases] + [(c, px) for c in page["data"]]:
        if kind == "paused" and case.get("app_status") in KEPT_WHILE_PAUSED and isinstance(case.get("app_uid"), str):
            if kept_checked < KEPT_PROBES:
                # a few requests, not one per case: these cases' information must show their pause
                # (delStatus PAUSED, WS:1097-1123), or the list holds open cases that are not paused
                info, ix = pm.info(case["app_uid"])
                if not pm.paused(info):
                    raise violate("PM-LIST-002", f"{LIST_PATHS[kind]} holds case {case.get('app_number')!r} with "
                                  f"app_status {case.get('app_status')!r}, and its case information shows no pause",
                                  ex, ix)
                kept_checked += 1
                observe("PM-LIST-002", "paused_status", "kept (3.5.8)", first_only=True)  # as PM-LIFE-003 records it
            if case.get("usr_uid") != pm.fx.caller_user_uid:
                raise violate("PM-LIST-002", f"{LIST_PATHS[kind]} holds case {case.get('app_number')!r} assigned to "
                              f"{case.get('usr_uid')!r}, not to the caller {pm.fx.caller_user_uid}", ex)
            continue
        if kind == "unassigned" and case.get("app_status") == "TO_DO" and not case.get("usr_uid"):
            # seed 004: UNASSIGNED = unclaimed self service; ProcessMaker itself stores them as TO_DO with no user
            observe("PM-LIST-002", "unassigned_status", "TO_DO without a user", first_only=True)
            continue
        if case.get("app_status") != STATUS_OF[kind]:
            raise violate("PM-LIST-002", f"{LIST_PATHS[kind]} holds case {case.get('app_number')!r} with app_status "
                          f"{case.get('app_status')!r}; the list is the {STATUS_OF[kind]} cases", ex)
        if kind in OWN and case.get("usr_uid") != pm.fx.caller_user_uid:
            raise violate("PM-LIST-002", f"{LIST_PATHS[kind]} holds case {case.get('app_number')!r} assigned to "
                          f"{case.get('usr_uid')!r}, not to the caller {pm.fx.caller_user_uid}", ex)
