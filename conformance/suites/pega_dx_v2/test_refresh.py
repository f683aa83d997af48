"""Form refresh and step navigation: operations the documents list only by name, which real clients
use and real servers answer (tests/corpus/pega-dx-v2: assignments/refresh/*.json,
cases/views/*-Refresh-*.json, assignments/NextPreviousTest-4/5-*.json).

A refresh recalculates the form for content the user has typed and commits nothing (the recorded
answers carry only data.caseInfo.content; marco-looy/pega-dx-mcp: "refresh assignment action form
data with updated values after property changes"). Navigation back is a write, eTag-locked like the
others (pega-dx-mcp sends the eTag in If-Match "for optimistic locking").
"""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.checks.pega import error_body_v2
from conformance.failures import PreconditionFailed
from conformance.suites.pega_dx_v2 import flows
from conformance.suites.pega_dx_v2.client import case_info, content_value, same_etag

pytestmark = pytest.mark.writes
STALE = {409, 412}  # VF: SW lists both on every If-Match operation; v1 answers 412 Pega_API_021


def refreshed_content(requirement, operation, ex) -> None:
    """200 with data.caseInfo.content, an object (corpus assignments/refresh/DataReferenceTest-Refresh-1.json)."""
    flows.expect_status(ex, {200}, requirement, operation, "refresh with the posted content")
    body = ex.json()
    data = body.get("data") if isinstance(body, dict) else None
    info = data.get("caseInfo") if isinstance(data, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("content"), dict):
        raise violate(requirement, "refresh answered no data.caseInfo.content", ex, operation=operation,
                      detail="no data.caseInfo.content")


def nothing_committed(pega, requirement, operation, case_id, etag_before, value_before, attempt, ex) -> None:
    """After a refresh the case is as it was: same eTag, the stored content not the refreshed one."""
    after, info, read = pega.read(case_id)
    if not same_etag(after, etag_before):
        raise violate(requirement, f"the case's eTag moved from {etag_before!r} to {after!r} after a refresh",
                      ex, read, operation=operation, detail="eTag changed")
    stored = content_value(info, pega.field)
    if stored != value_before or stored == attempt:
        raise violate(requirement, f"content.{pega.field} is {stored!r} after a refresh that posted {attempt!r} "
                      f"(it was {value_before!r})", ex, read, operation=operation, detail="content stored")


REFRESHES = [
    pytest.param("assignment-action", id="assignment-action",
                 marks=pytest.mark.needs("assignments", "refresh_navigation")),
    pytest.param("case-view", id="case-view", marks=pytest.mark.needs("refresh_navigation")),
    # marco-looy/pega-dx-mcp client-v2.js refreshCaseAction: the case action's form, recalculated, not saved
    pytest.param("case-action", id="case-action", marks=pytest.mark.needs("refresh_navigation")),
]


def refresh(pega, kind, case_id, info, read, etag, content):
    """(operation, exchange): Pega's web embed sends the case's eTag with a refresh; the corpus shows the answer."""
    if kind == "assignment-action":
        assignment_id, action_id = pega.assignment_of(info)
        return flows.REFRESH_ASSIGNMENT, flows.refresh_assignment(pega, assignment_id, action_id, etag, content)
    if kind == "case-action":
        return flows.REFRESH_CASE_ACTION, flows.refresh_case_action(pega, case_id, etag, content)
    return flows.REFRESH_VIEW, flows.refresh_view(pega, case_id, flows.view_of(read), etag, content)


@pytest.mark.requirement("PEGA-REFRESH-001")
@pytest.mark.parametrize("kind", REFRESHES)
def test_refresh_commits_nothing(pega, kind):
    case_id, _ = pega.new_case()
    etag, info, read = pega.read(case_id)
    before = content_value(info, pega.field)
    attempt = pega.label("refreshed")
    operation, ex = refresh(pega, kind, case_id, info, read, etag, {pega.field: attempt})
    refreshed_content("PEGA-REFRESH-001", operation, ex)
    nothing_committed(pega, "PEGA-REFRESH-001", operation, case_id, etag, before, attempt, ex)


FIRST_STEP_REFUSED = {400, 409, 422}  # a validation error: what pega-dx-mcp's notes report at the first step


def _case_at_second_step(pega, case_type_id):
    """A case of the multi-step case type, its form moved on by one step (corpus
    assignments/NextPreviousTest-1-Step2.json: submitting a step opens the next, same assignment ID)."""
    created = pega.create_case(body={"caseTypeID": case_type_id, "content": {pega.field: pega.label("steps")}})
    body = created.json()
    if created.status is None or not 200 <= created.status < 300 or not isinstance(body, dict) \
            or not isinstance(body.get("ID"), str):
        raise PreconditionFailed(f"could not create a case of {case_type_id} (fixtures.multistep_case_type_id): "
                                 f"{created.summary()}", "PEGA-CASE-001", [created.id], operation="POST /cases",
                                 detail=f"status {created.status}")
    case_id = body["ID"]
    etag, info, _ = pega.read(case_id)
    assignment_id, action_id = pega.assignment_of(info)
    step = pega.submit(assignment_id, action_id, etag, {})
    if step.status is None or not 200 <= step.status < 300:
        raise PreconditionFailed(f"submitting the first step of {case_id} answered {step.summary()}",
                                 "PEGA-ASSIGN-001", [step.id], operation="PATCH /assignments/{assignmentID}/actions/"
                                 "{actionID}", detail=f"status {step.status}")
    etag, info, _ = pega.read(case_id)
    return case_id, etag, info


@pytest.mark.requirement("PEGA-NAV-001")
@pytest.mark.needs("assignments", "refresh_navigation")
def test_assignment_previous_step_current_etag_answers_case(pega, target, observe):
    multistep = target.fixtures.multistep_case_type_id
    if multistep:
        case_id, etag, info = _case_at_second_step(pega, multistep)
    else:
        case_id, _ = pega.new_case()
        etag, info, _ = pega.read(case_id)
    assignment_id = flows.assignment_id_of(info)
    ex = flows.previous_step(pega, assignment_id, etag)
    if not multistep and ex.status in FIRST_STEP_REFUSED:
        # at a first step there is no step to go back to: the sources do not say what a server answers, so a
        # validation error is admitted (with the DX v2 error body) and recorded beside 200
        error_body_v2(ex, "PEGA-NAV-001")
        observe("PEGA-NAV-001", "first_step_previous_status", ex.status)
        return
    if not multistep:
        observe("PEGA-NAV-001", "first_step_previous_status", ex.status)
    # corpus assignments/NextPreviousTest-5-Step2.json: 200 with data.caseInfo; an eTag-locked write answers
    # the ETag to send next (pega-dx-mcp shows it as the "new eTag for subsequent operations")
    flows.expect_status(ex, {200}, "PEGA-NAV-001", flows.PREVIOUS, "navigation back with the current eTag")
    if not (ex.header("ETag") or "").strip():
        raise violate("PEGA-NAV-001", "navigation back answered no ETag", ex, operation=flows.PREVIOUS,
                      detail="no ETag")
    if case_info(ex) is None:
        raise violate("PEGA-NAV-001", "navigation back answered no data.caseInfo", ex, operation=flows.PREVIOUS,
                      detail="no data.caseInfo")


@pytest.mark.requirement("PEGA-NAV-001")
@pytest.mark.needs("assignments", "refresh_navigation")
def test_assignment_previous_step_stale_etag_refused(pega, observe):
    case_id, _ = pega.new_case()
    stale, info, _ = pega.read(case_id)
    assignment_id = flows.assignment_id_of(info)
    # the eTag goes stale the way it does in the field: another writer updates the case first
    other = pega.update(case_id, stale, {pega.field: pega.label("other-writer")})
    current, info_current, _ = pega.read(case_id)
    if other.status is None or not 200 <= other.status < 300 or same_etag(current, stale):
        # a write with the current eTag must succeed with a new eTag: that step is PEGA-ETAG-002's
        raise PreconditionFailed(f"could not make the eTag stale: the other writer's update answered "
                                 f"{other.summary()}", "PEGA-ETAG-002", [other.id],
                                 operation="PATCH /cases/{caseID}/actions/{actionID}",
                                 detail=f"status {other.status}")
    ex = flows.previous_step(pega, assignment_id, stale)
    # VF: 409 or 412 on every If-Match operation
    if ex.status not in STALE:
        raise violate("PEGA-NAV-001", f"navigation back with stale eTag {stale!r} answered {ex.status}, expected "
                      "409 or 412", other, ex, operation=flows.PREVIOUS, detail=f"stale status {ex.status}")
    observe("PEGA-NAV-001", "stale_previous_status", ex.status)
    after, info_after, read = pega.read(case_id)
    if not same_etag(after, current) or \
            flows.assignments_state(info_after) != flows.assignments_state(info_current):
        raise violate("PEGA-NAV-001", "the refused navigation changed the case", ex, read, operation=flows.PREVIOUS,
                      detail="refused navigation changed the case")
