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
from conformance.suites.processmaker_3.client import LIST_PATHS, SORT_NUMBER
from conformance.suites.processmaker_3.conftest import largest_list

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


@pytest.mark.requirement("PM-FILTER-003")
@pytest.mark.needs("advanced_search")
@pytest.mark.parametrize("status", ["TO_DO", "DRAFT", "PAUSED", "CANCELLED", "COMPLETED"])
def test_advanced_search_app_status(pm, status):
    exact_filter(pm, "advanced-search", {"app_status": status}, lambda c: c.get("app_status") == status,
                 "PM-FILTER-003")


@pytest.mark.requirement("PM-FILTER-003")
@pytest.mark.needs("advanced_search")
def test_advanced_search_usr_uid(pm):
    user = pm.fx.reassign_user_uid
    exact_filter(pm, "advanced-search", {"usr_uid": user}, lambda c: c.get("usr_uid") == user, "PM-FILTER-003")


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
def test_unknown_category_is_refused(pm, paged):
    ex = pm.list("todo", {"cat_uid": pm.fx.unknown_category_uid}, paged=paged)
    # seed 004: 400 "The category with $cat_uid: '...' does not exist."
    if ex.status != 400:
        raise violate("PM-FILTER-004", f"an unknown cat_uid must be refused with 400, got {ex.status}", ex)
