"""Filters of the case lists (seed 004 "Filters for listing cases" and advanced search).

"Exactly the matching cases" is checked in two halves, both at bounded cost (two requests of
at most oracle_cap cases each, whatever the server's size):
- sound: every case the filtered list returns matches the filter;
- complete: the cases of the unfiltered list (its first oracle_cap by app_number DESC) that
  match are exactly the filtered list's cases in the same app_number range.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from conformance.checks import violate
from conformance.checks.processmaker_3 import app_number
from conformance.failures import RequirementViolation
from conformance.suites.processmaker_3.client import LIST_PATHS, SORT_NUMBER
from conformance.suites.processmaker_3.conftest import largest_list

# a filtered list is compared with the unfiltered one: no other test may move the lists meanwhile
pytestmark = pytest.mark.exclusive  # conformance/gate.py

ORDER = {"sort": SORT_NUMBER, "dir": "DESC"}


def exact_filter(pm, kind: str, params: dict[str, Any], match: Callable[[dict], bool], rid: str,
                 sound: bool = True) -> None:
    """The list and its /paged twin, each against the unfiltered answer of the same endpoint."""
    for paged in (False, True):
        _exact(pm, kind, params, match, rid, sound, paged)


def _fetch(pm, kind: str, params: dict[str, Any], paged: bool):
    """(cases, exchange, whether the answer holds every matching case)."""
    if paged:
        page, ex = pm.page(kind, params)
        total = page.get("total")
        # whole: shorter than its limit, and not shorter than its total (a page cut short is not whole)
        whole = len(page["data"]) < params["limit"] and (not isinstance(total, int) or len(page["data"]) >= total)
        return page["data"], ex, whole
    cases, ex = pm.bare(kind, params, strict=False)
    return cases, ex, len(cases) < params["limit"]


def _exact(pm, kind: str, params: dict[str, Any], match: Callable[[dict], bool], rid: str, sound: bool,
           paged: bool) -> None:
    cap = pm.fx.oracle_cap
    everything, ex_all, all_whole = _fetch(pm, kind, {**ORDER, "limit": cap}, paged)
    chosen, ex, chosen_whole = _fetch(pm, kind, {**ORDER, **params, "limit": cap}, paged)
    if sound:
        for case in chosen:
            if not match(case):
                raise violate(rid, f"{LIST_PATHS[kind]}{'/paged' * paged} with {params} returned case {case.get('app_number')!r} "
                              f"that does not match it", ex)
    # the app_number range both answers cover completely
    floor = None
    if not all_whole and everything:
        floor = app_number(everything[-1])
    if not chosen_whole and chosen:
        low = app_number(chosen[-1])
        floor = low if floor is None or (low is not None and low > floor) else floor
    def in_range(case: dict) -> bool:
        n = app_number(case)
        return n is not None and (floor is None or n >= floor)
    expected = [app_number(c) for c in everything if in_range(c) and match(c)]
    got = [app_number(c) for c in chosen if in_range(c)]
    if sound and got != expected or not sound and not set(expected) <= set(got):
        missing = sorted(set(expected) - set(got), reverse=True)[:10]
        extra = sorted(set(got) - set(expected), reverse=True)[:10]
        raise violate(rid, f"{LIST_PATHS[kind]}{'/paged' * paged} with {params} is not exactly the matching cases of the unfiltered "
                      f"list: missing {missing}, unexpected {extra}", ex, ex_all)


@pytest.mark.requirement("PM-FILTER-001")
def test_pro_uid_selects_exactly_its_cases(pm):
    pro = pm.fx.process_uid
    exact_filter(pm, largest_list(pm), {"pro_uid": pro}, lambda c: c.get("pro_uid") == pro, "PM-FILTER-001")


@pytest.mark.requirement("PM-FILTER-001")
def test_cat_uid_selects_exactly_its_processes(pm):
    # fixtures.category_processes lists every process of the category; without it only completeness is checked
    procs = set(pm.fx.category_processes) or {pm.fx.process_uid}
    exact_filter(pm, largest_list(pm), {"cat_uid": pm.fx.category_uid}, lambda c: c.get("pro_uid") in procs,
                 "PM-FILTER-001", sound=bool(pm.fx.category_processes))


@pytest.mark.requirement("PM-FILTER-002")
@pytest.mark.parametrize("letters", ["lower", "upper", "title"])
def test_search_ignores_case_over_both_titles(pm, letters):
    term = pm.fx.search_term
    value = getattr(term, letters)()
    # seed 004: "Case insensitive search for cases in the case's title and current task title"
    needle = term.lower()
    exact_filter(pm, largest_list(pm), {"search": value},
                 lambda c: needle in f"{c.get('app_title', '')} {c.get('app_tas_title', '')}".lower(),
                 "PM-FILTER-002")


def same_cases(pm, kind: str, params: dict[str, Any], other: str, other_params: dict[str, Any]) -> str | None:
    """None when `kind` with `params` lists the same cases, in the same order, as `other` with `other_params`
    (list and /paged twin, the first oracle_cap each); else what differs."""
    for paged in (False, True):
        ours, _, _ = _fetch(pm, kind, {**ORDER, **params, "limit": pm.fx.oracle_cap}, paged)
        theirs, _, _ = _fetch(pm, other, {**ORDER, **other_params, "limit": pm.fx.oracle_cap}, paged)
        a, b = [app_number(c) for c in ours], [app_number(c) for c in theirs]
        if a != b:
            return f"{LIST_PATHS[kind]}{'/paged' * paged} with {params} lists {a[:8]}..., " \
                   f"{LIST_PATHS[other]}{'/paged' * paged} with {other_params} {b[:8]}..."
    return None


def seed_or_vendor(rid: str, seed_check: Callable[[], None], vendor_problem: Callable[[], str | None], observe,
                   key: str, seed_label: str, vendor_label: str) -> None:
    """The seed's exact filter, or else the 3.5.8 server's documented-by-code behaviour; neither is a finding
    (the seed's, with what the other shows), both admitted and the one seen recorded."""
    try:
        seed_check()
    except RequirementViolation as seed_failure:
        problem = vendor_problem()
        if problem is not None:
            raise RequirementViolation(rid, f"{seed_failure.message}; nor does it behave as the 3.5.8 server "
                                       f"({vendor_label}): {problem}", seed_failure.exchanges,
                                       operation=seed_failure.operation) from None
        observe(rid, key, vendor_label)
        return
    observe(rid, key, seed_label)


@pytest.mark.requirement("PM-FILTER-003")
@pytest.mark.needs("advanced_search")
@pytest.mark.parametrize("status", ["TO_DO", "DRAFT", "PAUSED", "CANCELLED", "COMPLETED"])
def test_advanced_search_app_status(pm, status, observe):
    def seed() -> None:
        exact_filter(pm, "advanced-search", {"app_status": status}, lambda c: c.get("app_status") == status,
                     "PM-FILTER-003")
    if status != "PAUSED":
        seed()
        return
    # seed 004: the PAUSED cases; the 3.5.8 server: Apps:342-343 getPausedListCriteria($userUid), the caller's
    # Paused list, whose cases keep TO_DO/DRAFT (vendor audit F4, F12)
    seed_or_vendor("PM-FILTER-003", seed, lambda: same_cases(pm, "advanced-search", {"app_status": "PAUSED"},
                                                             "paused", {}),
                   observe, "app_status_paused", "cases with app_status PAUSED", "the caller's Paused list (3.5.8)")


@pytest.mark.requirement("PM-FILTER-003")
@pytest.mark.needs("advanced_search")
def test_advanced_search_usr_uid(pm, observe):
    user = pm.fx.reassign_user_uid

    def seed() -> None:
        exact_filter(pm, "advanced-search", {"usr_uid": user}, lambda c: c.get("usr_uid") == user, "PM-FILTER-003")
    # the 3.5.8 server ignores usr_uid (Api:754 sets `user`, getList never reads it; vendor audit F11): the
    # answer is then the unfiltered list, exactly
    seed_or_vendor("PM-FILTER-003", seed, lambda: same_cases(pm, "advanced-search", {"usr_uid": user},
                                                             "advanced-search", {}),
                   observe, "usr_uid", "selects the user's cases", "ignored (3.5.8)")


@pytest.mark.requirement("PM-FILTER-003")
@pytest.mark.needs("advanced_search")
def test_advanced_search_date_range_is_inclusive(pm):
    cases, _ = pm.bare("advanced-search", {**ORDER, "limit": 60}, strict=False)
    days = sorted({str(c.get("del_delegate_date") or "")[:10] for c in cases} - {""})
    if len(days) < 3:
        pytest.skip("fewer than three delegation dates among the newest cases")
    # bounds taken from the data itself, so each bound day holds at least one case (inclusive on both ends)
    low, high = days[len(days) // 3], days[2 * len(days) // 3]
    exact_filter(pm, "advanced-search", {"date_from": low, "date_to": high},
                 lambda c: low <= str(c.get("del_delegate_date") or "")[:10] <= high, "PM-FILTER-003")


@pytest.mark.requirement("PM-FILTER-004")
@pytest.mark.parametrize("paged", [False, True], ids=["list", "paged"])
def test_unknown_category_is_refused_or_empty(pm, paged, observe):
    ex = pm.list("todo", {"cat_uid": pm.fx.unknown_category_uid}, paged=paged)
    body = ex.json()
    # seed 004: 400 "The category with $cat_uid: '...' does not exist."
    if ex.status == 400:
        observe("PM-FILTER-004", "unknown_category", "400")
        return
    # the 3.5.8 server filters on it without checking it (Apps:505-508; vendor audit F2): 200, no case
    cases = body.get("data") if paged and isinstance(body, dict) else body
    empty = ex.status == 200 and cases == [] and (not paged or body.get("total") in (0, "0"))
    if not empty:
        raise violate("PM-FILTER-004", f"an unknown cat_uid must be refused with 400 (seed 004) or list no case "
                      f"(200, empty, total 0: the 3.5.8 server); got {ex.status} with "
                      f"{len(cases) if isinstance(cases, list) else ex.body[:120]!r} case(s)", ex)
    observe("PM-FILTER-004", "unknown_category", "200 empty (3.5.8)")
