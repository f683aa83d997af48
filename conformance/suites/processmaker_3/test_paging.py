"""Paging of the case lists (seed 004 "Filters for listing cases", "Returning a page of cases";
VF: what PMSRC does with `start`).

Cost model (the cost grows with the pages walked, not with the server's data):
a walk fetches at most `fixtures.max_pages` pages, and the oracle is ONE request to the
same /paged endpoint with `limit = fixtures.oracle_cap` (seed 004's own recipe: "call the endpoint
a second time, with the limit set to the size of the total"). When the list holds fewer
cases than the cap, that answer is the full listing and `total` is checked against it;
otherwise it is a capped window (the first oracle_cap cases) and the walk is drawn inside
it, while `total` is checked by probing the list's tail (test_total_ends_the_list), which
costs two requests whatever the size. So a server with 100,000 cases costs the same as one
with 300.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import violate
from conformance.checks.processmaker_3 import app_number, order_problem, pm_bare_array
from conformance.failures import PreconditionFailed
from conformance.suites.processmaker_3.client import (
    LIST_PATHS, SORT_DOCUMENTED, SORT_FIELDS, SORT_NUMBER, replaying,
)
from conformance.suites.processmaker_3.conftest import largest_list

# `exclusive` (conformance/gate.py): the tests that compare several reads of a list (pages with one
# large read, a total with the list's tail) run while no other test may move the list; the tests that
# judge each answer alone (order, echo, shape, sort fields) run beside the others
EXCLUSIVE = pytest.mark.exclusive

DEFAULT_LIMIT = 25  # seed 004: "will return by default up to 25 cases"
# advanced-search/paged's own members (seed 004); the 3.5.8 server echoes none of them (BM:342-349, audit F10)
ADVANCED_ECHO = ("app_status", "usr_uid", "date_from", "date_to")


def numbers(cases) -> list[int | None]:
    return [app_number(c) for c in cases]


def echoed(page: dict, key: str):
    """A filter echoed by the page; seed 004's draft/paged sample says `process`/`category` (VF)."""
    alias = {"pro_uid": "process", "cat_uid": "category"}.get(key)
    if key in page:
        return page[key]
    return page.get(alias) if alias else None


def check_echo(page: dict, params: dict, ex) -> None:
    """seed 004 page object: limit, dir, cat_uid, pro_uid, search (+ advanced-search members) echo the request."""
    if "limit" in params and str(page.get("limit")) != str(params["limit"]):
        raise violate("PM-PAGE-006", f"the page echoes limit {page.get('limit')!r}, the request said {params['limit']}",
                      ex)
    if params.get("dir") and str(page.get("dir", "")).upper() != params["dir"].upper():
        raise violate("PM-PAGE-006", f"the page echoes dir {page.get('dir')!r}, the request said {params['dir']!r}", ex)
    for key in ("cat_uid", "pro_uid", "search", *ADVANCED_ECHO):
        if key in ADVANCED_ECHO and key not in page:
            continue  # the 3.5.8 form (audit F10); test_page_echoes_the_request records which form a server shows
        if params.get(key) and echoed(page, key) != params[key]:
            raise violate("PM-PAGE-006", f"the page echoes {key} {echoed(page, key)!r}, the request said "
                          f"{params[key]!r}", ex)


def countable_list(pm) -> tuple[str, dict, int] | None:
    """A (list, filters, total) with more than 25 cases and at most oracle_cap, counted with limit=1 pages.

    Without `limit`, seed 004 serves 25 cases and the 3.5.8 server every case (Api:228 `$limit = 0`; vendor
    audit F1). Only a list of known, bounded size tells the two apart without downloading a whole list, so the
    limit-less requests go to such a list only: at most oracle_cap rows each, as the oracle's own requests."""
    fx = pm.fx
    kinds = [k for k in (largest_list(pm), "participated", "todo", "draft")
             if k != "advanced-search" or pm.target.capabilities.advanced_search]
    for filters in ({}, {"pro_uid": fx.process_uid}, {"search": fx.search_term}):
        for kind in dict.fromkeys(kinds):
            page, _ = pm.page(kind, {**filters, "limit": 1})
            total = page.get("total")
            if isinstance(total, int) and not isinstance(total, bool) and DEFAULT_LIMIT < total <= fx.oracle_cap:
                return kind, filters, total
    return None


@pytest.mark.requirement("PM-PAGE-001")
@EXCLUSIVE
def test_default_limit_is_25_or_none(pm, observe):
    found = countable_list(pm)
    if found is None:
        raise PreconditionFailed(f"no list (alone, by pro_uid or by search) holds between {DEFAULT_LIMIT + 1} and "
                                 f"oracle_cap={pm.fx.oracle_cap} cases: the default limit cannot be seen without "
                                 "downloading a whole list")
    kind, filters, total = found
    page, ex = pm.page(kind, {**filters, "limit": None})
    size, echo = len(page["data"]), str(page.get("limit"))
    if size == DEFAULT_LIMIT and echo == str(DEFAULT_LIMIT):
        default = "25"  # seed 004: default limit 25; the page object says "limit": 25
    elif size == total and echo == "0":
        default = "none"  # PMSRC Api:228, Apps:799 (no LIMIT), BM:344 echoes 0 (audit F1)
    else:
        raise violate("PM-PAGE-001", f"{LIST_PATHS[kind]}/paged with {filters} and no limit holds {size} of {total} "
                      f"cases and says limit {page.get('limit')!r}: neither the documented default (25 cases, "
                      "limit 25) nor the 3.5.8 server's (every case, limit 0)", ex)
    cases, bare = pm.bare(kind, {**filters, "limit": None}, strict=False)
    expected = DEFAULT_LIMIT if default == "25" else total
    if len(cases) != expected:
        raise violate("PM-PAGE-001", f"{LIST_PATHS[kind]} with {filters} and no limit holds {len(cases)} cases; its "
                      f"/paged twin showed the default {default} ({expected} cases)", ex, bare)
    observe("PM-PAGE-001", "default_limit", default)


@pytest.mark.requirement("PM-PAGE-002")
def test_default_order_is_app_number_descending(pm):
    kind = largest_list(pm)
    page, ex = pm.page(kind)
    # seed 004: sort APP_CACHE_VIEW.APP_NUMBER and dir DESC by default ("most recent first")
    problem = order_problem(page["data"], descending=True)
    if problem:
        raise violate("PM-PAGE-002", f"{LIST_PATHS[kind]}/paged without sort/dir: {problem}", ex)
    cases, bare = pm.bare(kind, {"limit": 10}, strict=False)
    problem = order_problem(cases, descending=True)
    if problem:
        raise violate("PM-PAGE-002", f"{LIST_PATHS[kind]} without sort/dir: {problem}", bare)
    for direction in ("ASC", "DESC"):
        page, ex = pm.page(kind, {"sort": SORT_NUMBER, "dir": direction, "limit": 10})
        problem = order_problem(page["data"], descending=direction == "DESC")
        if problem:
            raise violate("PM-PAGE-002", f"sort={SORT_NUMBER}&dir={direction}: {problem}", ex)
    # the oldest cases by title: where number order and title order part ("#9" before "#10" by number only)
    title = "APP_CACHE_VIEW.APP_TITLE"
    page, ex = pm.page(kind, {"sort": title, "dir": "ASC", "limit": 12})
    problem = title_order_problem(page["data"], descending=False)
    if problem:
        raise violate("PM-PAGE-002", f"sort={title}&dir=ASC: {problem}", ex)


@pytest.mark.requirement("PM-PAGE-007")
@EXCLUSIVE
def test_start_is_one_based_or_zero_offset(start_base, observe):
    # seed 004: "If set to 0 or 1, then begins with the first case"; VF PMSRC: a 0-based offset
    if start_base.base is None:
        raise violate("PM-PAGE-007", f"`start` is neither 1-based (0 and 1 = the first case) nor a 0-based "
                      f"offset: {start_base.detail}", *start_base.exchanges)
    observe("PM-PAGE-007", "start_base", start_base.base)


@pytest.mark.requirement("PM-PAGE-005")
@EXCLUSIVE
def test_total_ends_the_list(pm, start_base):
    """The case at position `total` is the last one: two requests whatever the list's size."""
    if start_base.base is None:
        raise PreconditionFailed(f"`start` semantics unknown ({start_base.detail})")
    kind = largest_list(pm)
    order = {"sort": SORT_NUMBER, "dir": "DESC"}
    first, ex = pm.page(kind, {**order, "limit": 5})
    total = first.get("total")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise violate("PM-PAGE-005", f"the page's total is {total!r}, not a count", ex)
    if total == 0:
        if first["data"]:
            raise violate("PM-PAGE-005", f"total is 0 but the page holds {len(first['data'])} cases", ex)
        return
    # the probe relies on `start`: check first that a page at position 3 continues the first page,
    # else the paging itself is wrong and PM-PAGE-004 reports it
    head, ex_head = pm.page(kind, {**order, "limit": 4})
    if len(head["data"]) == 4:
        mid, ex_mid = pm.page(kind, {**order, "limit": 2, "start": start_base.start_for(2)})
        if numbers(mid["data"]) != numbers(head["data"])[2:4]:
            raise PreconditionFailed(f"a page from position 3 does not continue the first page "
                                     f"({ex_head.id}, {ex_mid.id}); PM-PAGE-004 reports it")
    last, ex_last = pm.page(kind, {**order, "limit": 2, "start": start_base.start_for(total - 1)})
    if len(last["data"]) != 1:
        raise violate("PM-PAGE-005", f"total says {total}, but the page at position {total} (limit 2) holds "
                      f"{len(last['data'])} cases (expected exactly the last one)", ex, ex_last)
    after, ex_after = pm.page(kind, {**order, "limit": 2, "start": start_base.start_for(total)})
    if after["data"]:
        raise violate("PM-PAGE-005", f"total says {total}, but {len(after['data'])} case(s) follow position {total}",
                      ex, ex_after)
    for page, x in ((last, ex_last), (after, ex_after)):
        if page.get("total") != total:
            raise violate("PM-PAGE-005", f"total changed from {total} to {page.get('total')!r} between pages", ex, x)


@pytest.mark.requirement("PM-LIST-001")
@pytest.mark.parametrize("kind", sorted(LIST_PATHS))
def test_non_paged_list_is_a_bare_array(pm, kind):
    if kind == "advanced-search" and not pm.target.capabilities.advanced_search:
        pytest.skip("capability advanced_search not declared by the target")
    ex = pm.list(kind, {"limit": 3})
    if ex.status != 200:
        raise PreconditionFailed(f"{LIST_PATHS[kind]} answered {ex.summary()}")
    pm_bare_array(ex)  # seed 004: "an array of case objects"


ECHO_CASES = {
    "filters": lambda fx: {"pro_uid": fx.process_uid, "search": fx.search_term, "limit": 7, "dir": "ASC"},
    "category": lambda fx: {"cat_uid": fx.category_uid, "limit": 3, "dir": "DESC"},
}


@pytest.mark.requirement("PM-PAGE-006")
@pytest.mark.parametrize("case", sorted(ECHO_CASES))
def test_page_echoes_the_request(pm, case, observe):
    params = ECHO_CASES[case](pm.fx)
    kind = "participated"
    page, ex = pm.page(kind, params)
    check_echo(page, params, ex)
    observe("PM-PAGE-006", "filter_keys", "process/category" if "process" in page else "pro_uid/cat_uid",
            first_only=True)
    if pm.target.capabilities.advanced_search:
        adv = {**params, "app_status": "TO_DO", "usr_uid": pm.fx.caller_user_uid, "date_from": "2000-01-01",
               "date_to": "2099-12-31"}
        page, ex = pm.page("advanced-search", adv)
        check_echo(page, adv, ex)
        shown = [k for k in ADVANCED_ECHO if k in page]
        if shown and len(shown) < len(ADVANCED_ECHO):
            raise violate("PM-PAGE-006", f"advanced-search/paged echoes {shown} but not the rest of {ADVANCED_ECHO}: "
                          "seed 004 echoes all four, the 3.5.8 server none", ex)
        observe("PM-PAGE-006", "advanced_echo", "all" if shown else "none", first_only=True)


# -- the property: any (endpoint, start, limit, sort, dir, filters) walk agrees with the oracle -----------
def _kinds(pm) -> list[str]:
    return [k for k in sorted(LIST_PATHS) if k != "advanced-search" or pm.target.capabilities.advanced_search]


@st.composite
def list_queries(draw, pm):
    fx = pm.fx
    kind = draw(st.sampled_from(_kinds(pm)), label="endpoint")
    params: dict = {}
    what = draw(st.sampled_from(["none", "pro_uid", "cat_uid", "search"]
                                + (["app_status", "usr_uid"] if kind == "advanced-search" else [])), label="filter")
    if what == "pro_uid":
        params["pro_uid"] = fx.process_uid
    elif what == "cat_uid":
        params["cat_uid"] = fx.category_uid
    elif what == "search":
        term = fx.search_term
        params["search"] = draw(st.sampled_from([term.lower(), term.upper(), term.title()]), label="search")
    elif what == "app_status":
        params["app_status"] = draw(st.sampled_from(["TO_DO", "DRAFT", "PAUSED", "CANCELLED", "COMPLETED"]))
    elif what == "usr_uid":
        params["usr_uid"] = draw(st.sampled_from([fx.caller_user_uid, fx.reassign_user_uid]))
    # only app_number sorts are walked: other sort keys tie, and ties may legally shuffle between requests
    params["sort"] = draw(st.sampled_from([None, SORT_NUMBER]), label="sort")
    params["dir"] = draw(st.sampled_from([None, "ASC", "DESC"]), label="dir")
    limit = draw(st.integers(1, 40), label="limit")
    pages = draw(st.integers(1, fx.max_pages), label="pages")
    return kind, params, limit, pages, draw(st.data())


@pytest.mark.requirement("PM-PAGE-002", "PM-PAGE-003", "PM-PAGE-004", "PM-PAGE-005", "PM-PAGE-006")
@EXCLUSIVE
def test_any_walk_agrees_with_the_oracle(pm, start_base):
    """Property-based: walk `pages` pages of `limit` from a drawn position; every page is exactly its
    slice of the oracle (one request of at most oracle_cap cases)."""
    if start_base.base is None:
        raise PreconditionFailed(f"`start` semantics unknown ({start_base.detail}); PM-PAGE-007 reports it")
    cap = pm.fx.oracle_cap

    @given(query=list_queries(pm))
    def walk(query):
        kind, params, limit, pages, data = query
        # the oracle: the same /paged endpoint from the first case with limit oracle_cap, so a fault
        # that the list and its twin share (a filter, a status) is not mistaken for a paging fault
        oracle_page, ex_oracle = pm.page(kind, {**params, "limit": cap})
        oracle = oracle_page["data"]
        descending = params["dir"] != "ASC"
        problem = order_problem(oracle, descending)
        if problem:  # seed 004: default DESC by app_number; dir ASC/DESC honoured
            raise violate("PM-PAGE-002", f"{LIST_PATHS[kind]}/paged with {params}: {problem}", ex_oracle)
        if len(oracle) > cap:
            raise violate("PM-PAGE-003", f"{LIST_PATHS[kind]}/paged with limit {cap} holds {len(oracle)} cases",
                          ex_oracle)
        truth = numbers(oracle)
        complete = len(oracle) < cap  # the whole list: total is checked against it
        # a walk inside the oracle's window: `pages` pages from a drawn position
        span = max(0, (len(truth) if complete else cap - pages * limit))
        offset = data.draw(st.integers(0, max(0, span)), label="offset")
        seen: dict[int, int] = {}
        total = None
        exchanges = [ex_oracle]
        for i in range(pages):
            at = offset + i * limit
            query_params = {**params, "limit": limit, "start": start_base.start_for(at)}
            page, ex = pm.page(kind, query_params)
            exchanges.append(ex)
            got = numbers(page["data"])
            if i == 0:
                check_echo(page, {k: v for k, v in query_params.items() if k != "start"}, ex)
            if len(got) > limit:  # seed 004: limit = the maximum number of cases in the list
                raise violate("PM-PAGE-003", f"page at position {at + 1} holds {len(got)} cases at limit {limit}", ex)
            if total is None:
                total = page.get("total")
                if complete and total != len(truth):
                    # the oracle page may itself be cut short: if cases follow it, the page broke its limit
                    # (PM-PAGE-003: exactly `limit` unless last), else the total is wrong
                    rest, ex_rest = pm.page(kind, {**params, "limit": cap, "start": start_base.start_for(len(truth))})
                    if rest["data"]:
                        raise violate("PM-PAGE-003", f"{LIST_PATHS[kind]}/paged with limit {cap} holds {len(truth)} "
                                      f"cases although {len(rest['data'])} more follow", ex_oracle, ex_rest)
                    raise violate("PM-PAGE-005", f"{LIST_PATHS[kind]}/paged with {params} says total {total!r}; "
                                  f"the full listing holds {len(truth)} cases", ex, ex_oracle)
            elif page.get("total") != total:
                raise violate("PM-PAGE-005", f"total changed from {total} to {page.get('total')!r} during a walk",
                              exchanges[1], ex)
            expected = truth[at: at + limit]
            for n in got:
                if n in seen:
                    raise violate("PM-PAGE-004", f"case {n} came back on page {i + 1} after page {seen[n] + 1} "
                                  f"(limit {limit}, {params})", exchanges[-2], ex)
                seen[n] = i
            if got != expected:
                raise violate("PM-PAGE-004", f"page {i + 1} of a walk from position {offset + 1} at limit {limit} "
                              f"({params}) holds cases {got}; the list holds {expected} there", ex, ex_oracle)
            if len(got) < limit:
                break  # the last page

    replaying(walk)


# -- the property: every sort field, on any drawn (endpoint, filters, dir, limit), serves its order -----------
# case object members holding the APP_CACHE_VIEW field of the same name (seed 004 Case Object table)
DATE_MEMBERS = {"APP_CACHE_VIEW.APP_UPDATE_DATE": "app_update_date",
                "APP_CACHE_VIEW.APP_CREATE_DATE": "app_create_date",
                "APP_CACHE_VIEW.DEL_DELEGATE_DATE": "del_delegate_date"}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")  # seed 004: "YYYY-MM-DD HH:MM:SS"


def date_order_problem(cases: list[dict], member: str, descending: bool) -> str | None:
    """Where a page breaks the (non-strict: equal dates may come in any order) order of a date member."""
    values = [c.get(member) for c in cases]
    if not all(isinstance(v, str) and DATETIME.match(v) for v in values):
        return None  # dates the suite cannot compare are not judged here (PM-SCHEMA-001 judges the case object)
    for i in range(1, len(values)):
        a, b = values[i - 1], values[i]
        if (a < b) if descending else (a > b):
            word = "non-increasing" if descending else "non-decreasing"
            return f"{member} {a!r} is followed by {b!r} (expected {word}, positions {i}-{i + 1})"
    return None


def _folded(text: str) -> str:
    """Case and accents folded, as MySQL's utf8_general_ci compares (é = E)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def title_order_problem(cases: list[dict], descending: bool) -> str | None:
    """Where a page breaks the order of app_title under every collation a server may use: byte order, letter
    case ignored, or letter case and accents ignored (MySQL's default utf8_general_ci; vendor audit C4)."""
    titles = [c.get("app_title") for c in cases]
    if not all(isinstance(t, str) for t in titles):
        return None  # PM-SCHEMA-001 judges the case object
    for key in (str, str.casefold, _folded):
        values = [key(t) for t in titles]
        if values == sorted(values, reverse=descending):
            return None
    word = "descending" if descending else "ascending"
    return f"app_title runs {titles[:6]}..., in {word} order neither byte-wise nor ignoring letter case"


@pytest.mark.requirement("PM-PAGE-002")
def test_every_sort_field_serves_its_order(pm):
    """Property-based: on a drawn list, filter, dir and limit, every sort field answers a page, never a 5xx
    (the documented ones never a refusal either), in its order: APP_NUMBER strictly, the dates by their
    case object members (ties allowed), APP_TITLE byte-wise or ignoring letter case (the database's
    collation; a server that sorts it by something else is caught: vendor audit L5, Apps:781-788 silently
    falls back to APP_NUMBER for a field its cases list does not select). Found missing by stock
    schemathesis: the emulator once answered 500 to seed 004's own example,
    sort=APP_CACHE_VIEW.APP_UPDATE_DATE."""

    @given(query=list_queries(pm))
    def probe(query):
        kind, params, limit, _, _ = query
        descending = params["dir"] != "ASC"  # seed 004: dir DESC by default
        baseline = None
        for field in SORT_FIELDS:
            asked = {**params, "sort": field, "limit": limit}
            ex = pm.list(kind, asked, paged=True)
            if ex.status is None:
                raise PreconditionFailed(f"no answer to {LIST_PATHS[kind]}/paged with {asked}: {ex.summary()}")
            if ex.status >= 500 or (field in SORT_DOCUMENTED and ex.status != 200):
                # is it the sort? the same request without it must then be served
                if baseline is None:
                    baseline = pm.list(kind, {k: v for k, v in asked.items() if k != "sort"}, paged=True)
                if baseline.status != 200:
                    raise PreconditionFailed(f"{LIST_PATHS[kind]}/paged fails without sort too ({baseline.summary()})")
                # seed 004: sort={field of APP_CACHE_VIEW}, default APP_NUMBER, example APP_UPDATE_DATE
                raise violate("PM-PAGE-002", f"{LIST_PATHS[kind]}/paged with sort={field} answered {ex.status}, "
                              f"without sort 200; expected a page sorted by {field} (seed 004 documents "
                              f"{' and '.join(SORT_DOCUMENTED)}; no APP_CACHE_VIEW field may fail)", ex, baseline)
            if ex.status != 200:
                continue  # a field this server does not offer, refused as bad input: allowed
            body = ex.json()
            if not isinstance(body, dict) or not isinstance(body.get("data"), list) \
                    or not all(isinstance(c, dict) for c in body["data"]):
                raise PreconditionFailed(f"not a page object: {ex.summary()}")  # PM-SCHEMA-001 reports it
            if field == SORT_NUMBER:
                problem = order_problem(body["data"], descending)
            elif field in DATE_MEMBERS:
                problem = date_order_problem(body["data"], DATE_MEMBERS[field], descending)
            else:
                problem = title_order_problem(body["data"], descending)
            if problem:
                raise violate("PM-PAGE-002", f"{LIST_PATHS[kind]}/paged with sort={field}, dir "
                              f"{params['dir'] or '(default DESC)'}: {problem}", ex)

    replaying(probe)
