"""Data view paging (VF: POST /data_views/{id} with paging{pageNumber, pageSize},
defaults 1/100, hasMoreResults, count, limits of 5000)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import status_in, violate
from conformance.checks.pega import error_body_v2
from conformance.suites.pega_dx_v2.client import PreconditionFailed

# POST /data_views is a query, but a read-only run sends no POST at all (staging safety)
pytestmark = [pytest.mark.needs("data_views"), pytest.mark.writes]
MAX_PAGES = 200  # a walk never goes further, whatever hasMoreResults says


def page(pega, number: int, size: int, total: bool = False):
    body = {"paging": {"pageNumber": number, "pageSize": size}}
    if total:
        body["includeTotalCount"] = True  # VF: includeTotalCount
    ex = pega.data_view(body)
    body = ex.json()
    if ex.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        # the walk itself is what PEGA-DV-001 verifies (VF data view paging)
        raise PreconditionFailed(f"data view page {number} (size {size}) answered {ex.summary()}", "PEGA-DV-001",
                                 [ex.id], operation="POST /data_views/{dataViewID}", detail=f"status {ex.status}")
    return body["data"], body.get("hasMoreResults"), ex


def key(row) -> str:
    return json.dumps(row, sort_keys=True)


@pytest.fixture(scope="module")
def walk(pega, target):
    """Every page from 1 while hasMoreResults, at fixtures.data_view_page_size."""
    size = target.fixtures.data_view_page_size
    pages = []
    for number in range(1, MAX_PAGES + 1):
        rows, more, ex = page(pega, number, size, total=number == 1)
        pages.append((rows, more, ex))
        # the walk ends on hasMoreResults false, or on a short page whatever the flag says
        if more is not True or len(rows) < size:
            break
    count = pega.data_view_count({})
    return size, pages, count


def total_from_page(pages) -> int | None:
    """totalCount of the first page (includeTotalCount), a source independent of /count."""
    body = pages[0][2].json()
    value = body.get("totalCount") if isinstance(body, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@pytest.mark.requirement("PEGA-DV-001")
def test_data_view_walk_returns_every_row_once(walk):
    _, pages, _ = walk
    rows = [key(r) for p in pages for r in p[0]]
    dupes = len(rows) - len(set(rows))
    if dupes:
        raise violate("PEGA-DV-001", f"{dupes} row(s) came back twice over {len(pages)} pages", *[p[2] for p in pages[:3]])
    total = total_from_page(pages)
    if total is not None and len(set(rows)) != total:
        raise violate("PEGA-DV-001", f"the walk returned {len(set(rows))} distinct rows; totalCount says {total}",
                      pages[0][2], pages[-1][2])


@pytest.mark.requirement("PEGA-DV-002")
def test_data_view_page_size_bounds_pages(walk):
    size, pages, _ = walk
    for number, (rows, _, ex) in enumerate(pages, 1):
        last = number == len(pages)
        if len(rows) > size or (not last and len(rows) != size):
            raise violate("PEGA-DV-002", f"page {number} of {len(pages)} holds {len(rows)} rows at pageSize {size}", ex)


@pytest.mark.requirement("PEGA-DV-003")
def test_data_view_has_more_results_false_exactly_on_last_page(walk, pega):
    size, pages, _ = walk
    if pages[-1][1] is True:
        raise violate("PEGA-DV-003", f"hasMoreResults is true on the last page ({len(pages)}, "
                      f"{len(pages[-1][0])} rows)", pages[-1][2])
    for number, (_, more, ex) in enumerate(pages[:-1], 1):
        if more is not True:
            raise violate("PEGA-DV-003", f"hasMoreResults is {more!r} on page {number}, not the last", ex)
    # the page after the last holds nothing and says so
    rows, more, ex = page(pega, len(pages) + 1, size)
    if rows or more is True:
        raise violate("PEGA-DV-003", f"the page after the last has {len(rows)} rows, hasMoreResults={more!r}", ex)


@pytest.mark.requirement("PEGA-DV-004")
def test_data_view_count_agrees_with_rows(walk, observe):
    _, pages, count = walk
    status_in(count, {200}, "PEGA-DV-004", "POST /data_views/{id}/count")
    total = count.json().get("totalCount") if isinstance(count.json(), dict) else None
    walked = sum(len(p[0]) for p in pages)
    observe("PEGA-DV-004", "rows", walked)
    if total != walked:
        raise violate("PEGA-DV-004", f"count says {total!r}, the pages returned {walked} rows", count, pages[-1][2])


@pytest.mark.requirement("PEGA-DV-001", "PEGA-DV-002", "PEGA-DV-003")
def test_data_view_any_page_is_its_slice(pega, walk):
    """Property-based: any (pageNumber, pageSize) gives exactly its slice of the walked rows."""
    _, pages, _ = walk
    truth = [key(r) for p in pages for r in p[0]]
    total = len(truth)

    @given(size=st.integers(1, 600), data=st.data())
    def check(size, data):
        last = max(1, math.ceil(total / size))
        number = data.draw(st.integers(1, last + 1), label="pageNumber")
        rows, more, ex = page(pega, number, size)
        if len(rows) > size:
            raise violate("PEGA-DV-002", f"page {number} at size {size} holds {len(rows)} rows", ex)
        expected = truth[(number - 1) * size: number * size]
        if [key(r) for r in rows] != expected:
            raise violate("PEGA-DV-001", f"page {number} at size {size} is not rows {(number - 1) * size + 1}.."
                          f"{min(number * size, total)} of the walk", ex)
        if (more is True) != (number * size < total):
            raise violate("PEGA-DV-003", f"hasMoreResults={more!r} on page {number} of {last} at size {size}", ex)

    check()


LIMITS = {
    "page-size-5001": {"paging": {"pageNumber": 1, "pageSize": 5001}},
    "paging-with-max-results": {"paging": {"pageNumber": 1, "pageSize": 10}, "maxResultsToFetch": 10},
}


@pytest.mark.requirement("PEGA-DV-005")
@pytest.mark.parametrize("kind", sorted(LIMITS))
def test_data_view_limits_refused(pega, kind, observe):
    ex = pega.data_view(LIMITS[kind])
    status_in(ex, {400, 422}, "PEGA-DV-005", kind)  # VF: a 422/400 validation error
    error_body_v2(ex, "PEGA-DV-005")
    observe("PEGA-DV-005", f"{kind}_status", ex.status)
