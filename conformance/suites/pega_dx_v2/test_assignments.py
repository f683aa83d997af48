"""Assignments move a case on (VF SW: GET /assignments/{ID} 200 + ETag, PATCH
.../actions/{actionID} 200 + ETag; REC: nextAssignmentInfo, confirmationNote)."""

from __future__ import annotations

import pytest

from conformance.checks import status_in, violate
from conformance.suites.pega_dx_v2.client import case_info, same_etag

pytestmark = [pytest.mark.needs("assignments"), pytest.mark.writes]


@pytest.mark.requirement("PEGA-ASSIGN-001")
def test_assignment_submit_current_etag_moves_case_on(pega):
    case_id, created = pega.new_case()
    etag, info, read = pega.read(case_id)
    items = info.get("assignments")
    if not isinstance(items, list) or not items:
        raise violate("PEGA-ASSIGN-001", "a new case lists no open assignment", created, read)
    assignment_id, action_id = pega.assignment_of(info)
    opened = pega.get_assignment(assignment_id)
    status_in(opened, {200}, "PEGA-ASSIGN-001", "GET /assignments/{ID}")
    if not opened.header("ETag"):
        raise violate("PEGA-ASSIGN-001", "GET /assignments/{ID} answered no ETag", opened)
    submitted = pega.submit(assignment_id, action_id, opened.header("ETag"), {pega.field: pega.label("submitted")})
    status_in(submitted, {200}, "PEGA-ASSIGN-001", "submitting the assignment action with the current eTag")
    body = submitted.json() if isinstance(submitted.json(), dict) else {}
    if not (body.get("nextAssignmentInfo") or body.get("confirmationNote") or case_info(submitted)):
        raise violate("PEGA-ASSIGN-001", "submit answered neither nextAssignmentInfo nor confirmationNote", submitted)
    after, info_after, read_after = pega.read(case_id)
    moved_stage = info_after.get("stageID") != info.get("stageID")
    next_items = info_after.get("assignments") or []
    next_id = next_items[0].get("ID") if next_items and isinstance(next_items[0], dict) else None
    if not moved_stage and next_id == assignment_id:
        raise violate("PEGA-ASSIGN-001", f"case still in stage {info.get('stageID')} with the same assignment after "
                      "a successful submit", submitted, read_after)
    if same_etag(after, etag):
        raise violate("PEGA-ASSIGN-001", "case eTag unchanged after the assignment was submitted", submitted,
                      read_after)
