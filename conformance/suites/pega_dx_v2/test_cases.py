"""Cases: create, read back, delete in the create stage (seed 000; VF SW table)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from conformance.checks import status_in, violate
from conformance.suites.pega_dx_v2.client import case_info, content_value

pytestmark = pytest.mark.writes


@pytest.mark.requirement("PEGA-CASE-001")
def test_case_create_answers_201_with_etag_and_location(pega, observe):
    ex = pega.create_case()
    # VF SW: POST /cases -> 201, headers Location + ETag
    status_in(ex, {201}, "PEGA-CASE-001", "POST /cases")
    body = ex.json()
    case_id = body.get("ID") if isinstance(body, dict) else None
    if not isinstance(case_id, str) or not case_id:
        raise violate("PEGA-CASE-001", "201 body carries no case ID", ex)
    if not (ex.header("ETag") or "").strip():
        raise violate("PEGA-CASE-001", "201 without an ETag header", ex)
    location = ex.header("Location")
    if not location:
        raise violate("PEGA-CASE-001", "201 without a Location header", ex)
    if case_id not in unquote(location):
        raise violate("PEGA-CASE-001", f"Location {location!r} does not name case {case_id!r}", ex)
    observe("PEGA-CASE-001", "location_form", "absolute" if urlsplit(location).scheme else "path")


@pytest.mark.requirement("PEGA-CASE-002")
def test_case_delete_in_create_stage_succeeds(pega, ledger, observe):
    case_id, _ = pega.new_case()
    ex = pega.delete_case(case_id)
    # VF SW: DELETE /cases/{caseID} -> 200 (204 admitted: a success without body)
    status_in(ex, {200, 204}, "PEGA-CASE-002", "DELETE of a case in its create stage")
    observe("PEGA-CASE-002", "delete_status", ex.status)
    ledger.forget("case", case_id)
    after = pega.get_case(case_id)
    # gone means not readable; whether the answer is a proper 404 is PEGA-ERR-001's business
    if after.status is not None and 200 <= after.status < 300:
        raise violate("PEGA-CASE-002", f"case still readable after a successful DELETE (GET answered "
                      f"{after.status})", ex, after)


@pytest.mark.requirement("PEGA-CASE-002")
@pytest.mark.needs("assignments", "delete_case")
def test_case_delete_after_create_stage_refused(pega, observe):
    case_id, _ = pega.new_case()
    etag, info, _ = pega.read(case_id)
    assignment_id, action_id = pega.assignment_of(info)
    moved = pega.submit(assignment_id, action_id, etag)
    _, info_after, _ = pega.read(case_id)
    if not (moved.status and 200 <= moved.status < 300) or info_after.get("stageID") == info.get("stageID"):
        pytest.skip("could not move the case out of its create stage (see PEGA-ASSIGN-001)")
    ex = pega.delete_case(case_id)
    # seed 000: delete only in the create stage; VF SW documents 403 (423 for a locked case)
    if ex.status is None or not 400 <= ex.status < 500 or ex.status in {401, 404}:
        raise violate("PEGA-CASE-002", f"DELETE outside the create stage answered {ex.status}, expected a refusal "
                      "(403 documented)", moved, ex)
    observe("PEGA-CASE-002", "delete_refused_status", ex.status)
    kept = pega.get_case(case_id)
    if kept.status != 200:
        raise violate("PEGA-CASE-002", f"case gone after a refused DELETE (GET answered {kept.status})", ex, kept)


@pytest.mark.requirement("PEGA-CASE-003")
def test_case_get_shows_last_written_content(pega):
    first = pega.label("created")
    case_id, created = pega.new_case({pega.field: first})
    etag, info, read1 = pega.read(case_id)
    if content_value(info, pega.field) != first:
        raise violate("PEGA-CASE-003", f"content.{pega.field} is {content_value(info, pega.field)!r} after create, "
                      f"expected {first!r}", created, read1)
    second = pega.label("updated")
    upd = pega.update(case_id, etag, {pega.field: second})
    if upd.status is None or not 200 <= upd.status < 300:
        pytest.skip(f"the update was not accepted ({upd.status}); PEGA-ETAG-002 reports it")
    _, info2, read2 = pega.read(case_id)
    if content_value(info2, pega.field) != second:
        raise violate("PEGA-CASE-003", f"content.{pega.field} is {content_value(info2, pega.field)!r} after an "
                      f"accepted update, expected {second!r}", upd, read2)
    response_info = case_info(upd)
    if response_info is not None and content_value(response_info, pega.field) not in (None, second):
        raise violate("PEGA-CASE-003", "the update response shows other content than was written", upd)
