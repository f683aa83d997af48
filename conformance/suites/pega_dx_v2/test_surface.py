"""Step jumps, recalculation, lock release and bulk actions: operations of the public client
marco-looy/pega-dx-mcp (src/api/v2/client-v2.js), which sends If-Match "for optimistic locking" on the
step jump and on both recalculations, and of seed 000's and VF SW's operation lists (DELETE
/cases/{caseID}/updates: 200; bulk PATCH /cases: 207, a result per case).
"""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.checks.pega import error_body_v2
from conformance.failures import PreconditionFailed
from conformance.suites.pega_dx_v2 import collab, flows
from conformance.suites.pega_dx_v2.client import case_info, content_value, same_etag, seg
from conformance.suites.pega_dx_v2.test_refresh import _case_at_second_step, nothing_committed

pytestmark = pytest.mark.writes
STALE = {409, 412}  # VF: SW lists both on every If-Match operation; v1 answers 412 Pega_API_021
MISSING = {428, 403}  # VF: 428 documented for v2; field reports for v1 show 403 Pega_API_020
UNKNOWN_CASE = "CONF-NO-SUCH-WORK X-1"


def _stale_etag(pega, case_id):
    """(stale eTag, current eTag, caseInfo now): the eTag goes stale the way it does in the field, another
    writer updates the case first (that write succeeding with a new eTag is PEGA-ETAG-002's)."""
    stale, _, _ = pega.read(case_id)
    other = pega.update(case_id, stale, {pega.field: pega.label("other-writer")})
    current, info, _ = pega.read(case_id)
    if other.status is None or not 200 <= other.status < 300 or same_etag(current, stale):
        raise PreconditionFailed(f"could not make the eTag stale: the other writer's update answered "
                                 f"{other.summary()}", "PEGA-ETAG-002", [other.id],
                                 operation="PATCH /cases/{caseID}/actions/{actionID}", detail=f"status {other.status}")
    return stale, current, info


# -- PATCH /assignments/{assignmentID}/navigation_steps/{stepID} ----------------------------------------------
def _at_second_step(pega, target):
    """(case, assignment, first step's ID): a multi-step form moved on one step, whose answer lists its steps."""
    multistep = target.fixtures.multistep_case_type_id
    if not multistep:
        pytest.skip("a step jump needs a multi-step form: set fixtures.multistep_case_type_id")
    case_id, _, info = _case_at_second_step(pega, multistep)
    assignment_id = flows.assignment_id_of(info)
    read = pega.get_assignment(assignment_id)
    steps = flows.navigation_step_ids(read)
    if read.status != 200 or not steps:
        raise PreconditionFailed(f"the assignment of {case_id} lists no navigation steps: {read.summary()}",
                                 "PEGA-NAV-002", [read.id], operation="GET /assignments/{assignmentID}",
                                 detail="no uiResources.navigation.steps")
    return case_id, assignment_id, steps[0]


@pytest.mark.requirement("PEGA-NAV-002")
@pytest.mark.needs("assignments", "refresh_navigation")
def test_jump_to_step_with_current_etag_answers_the_step(pega, target):
    case_id, assignment_id, step_id = _at_second_step(pega, target)
    etag, _, _ = pega.read(case_id)
    ex = flows.jump_step(pega, assignment_id, step_id, etag)
    flows.expect_status(ex, {200}, "PEGA-NAV-002", flows.JUMP, "jump to a step with the current eTag")
    # MCP jump-to-step.js: the step's assignment; an eTag-locked write answers the ETag to send next
    if not (ex.header("ETag") or "").strip():
        raise violate("PEGA-NAV-002", "the step jump answered no ETag", ex, operation=flows.JUMP, detail="no ETag")
    if case_info(ex) is None:
        raise violate("PEGA-NAV-002", "the step jump answered no data.caseInfo", ex, operation=flows.JUMP,
                      detail="no data.caseInfo")


@pytest.mark.requirement("PEGA-NAV-002")
@pytest.mark.needs("assignments", "refresh_navigation")
def test_jump_to_step_with_stale_etag_is_refused(pega, target, observe):
    case_id, assignment_id, step_id = _at_second_step(pega, target)
    stale, current, info = _stale_etag(pega, case_id)
    ex = flows.jump_step(pega, assignment_id, step_id, stale)
    if ex.status not in STALE:
        raise violate("PEGA-NAV-002", f"a step jump with stale eTag {stale!r} answered {ex.status}, expected 409 or "
                      "412", ex, operation=flows.JUMP, detail=f"stale status {ex.status}")
    observe("PEGA-NAV-002", "stale_jump_status", ex.status)
    after, info_after, read = pega.read(case_id)
    if not same_etag(after, current) or flows.assignments_state(info_after) != flows.assignments_state(info):
        raise violate("PEGA-NAV-002", "the refused step jump changed the case", ex, read, operation=flows.JUMP,
                      detail="refused jump changed the case")


# -- PATCH .../actions/{actionID}/recalculate (case action, assignment action) ---------------------------------
RECALCS = [
    pytest.param("case-action", id="case-action", marks=pytest.mark.needs("recalculate")),
    pytest.param("assignment-action", id="assignment-action", marks=pytest.mark.needs("assignments", "recalculate")),
]


def _recalc_target(pega, kind, case_id, info):
    """(operation, path) of the recalculation of the case's update action or its assignment's action."""
    if kind == "case-action":
        return flows.RECALC_CASE, f"/cases/{seg(case_id)}/actions/{seg(pega.target.fixtures.update_action_id)}/recalculate"
    assignment_id, action_id = pega.assignment_of(info)
    return flows.RECALC_ASSIGNMENT, f"/assignments/{seg(assignment_id)}/actions/{seg(action_id)}/recalculate"


@pytest.mark.requirement("PEGA-RECALC-001")
@pytest.mark.parametrize("kind", RECALCS)
def test_recalculate_with_current_etag_commits_nothing(pega, kind):
    case_id, _ = pega.new_case()
    etag, info, _ = pega.read(case_id)
    before = content_value(info, pega.field)
    operation, path = _recalc_target(pega, kind, case_id, info)
    attempt = pega.label("recalculated")
    ex = flows.recalculate(pega, path, etag, {pega.field: attempt})
    flows.expect_status(ex, {200}, "PEGA-RECALC-001", operation, "recalculation with the current eTag")
    nothing_committed(pega, "PEGA-RECALC-001", operation, case_id, etag, before, attempt, ex)


# a stale eTag: 409 or 412 (VF); no If-Match: 428 (VF SW) or 403 (VF, v1 field reports)
REFUSALS = {"stale": (STALE, "stale_recalculate_status"), "missing": (MISSING, "missing_if_match_recalculate_status")}


@pytest.mark.requirement("PEGA-RECALC-001")
@pytest.mark.parametrize("which", sorted(REFUSALS))
@pytest.mark.parametrize("kind", RECALCS)
def test_recalculate_without_the_current_etag_is_refused(pega, kind, which, observe):
    case_id, _ = pega.new_case()
    if which == "stale":
        sent, _, info = _stale_etag(pega, case_id)
    else:
        sent, (_, info, _) = None, pega.read(case_id)
    operation, path = _recalc_target(pega, kind, case_id, info)
    ex = flows.recalculate(pega, path, sent, {pega.field: pega.label(f"{which}-recalc")})
    expected, key = REFUSALS[which]
    if ex.status not in expected:
        raise violate("PEGA-RECALC-001", f"a recalculation with {'stale eTag ' + repr(sent) if sent else 'no If-Match'} "
                      f"answered {ex.status}, expected {' or '.join(map(str, sorted(expected)))}", ex,
                      operation=operation, detail=f"{which} If-Match status {ex.status}")
    observe("PEGA-RECALC-001", key, ex.status)


# -- DELETE /cases/{caseID}/updates ------------------------------------------------------------------------------
@pytest.mark.requirement("PEGA-LOCK-001")
@pytest.mark.needs("lock_release")
def test_releasing_the_lock_keeps_what_was_committed(pega):
    case_id, _ = pega.new_case()
    etag, info, _ = pega.read(case_id)
    ex = flows.release_lock(pega, case_id)
    flows.expect_status(ex, {200}, "PEGA-LOCK-001", flows.RELEASE, "release the lock of an existing case")
    after, info_after, read = pega.read(case_id)
    if not same_etag(after, etag) or info_after.get("content") != info.get("content"):
        raise violate("PEGA-LOCK-001", f"releasing the lock changed the case (eTag {etag!r} -> {after!r})", ex, read,
                      operation=flows.RELEASE, detail="release changed the case")


@pytest.mark.requirement("PEGA-LOCK-001")
@pytest.mark.needs("lock_release")
def test_releasing_the_lock_of_an_unknown_case_answers_404(pega):
    ex = flows.release_lock(pega, UNKNOWN_CASE)
    flows.expect_status(ex, {404}, "PEGA-LOCK-001", flows.RELEASE, "release the lock of an unknown case")


# -- PATCH /cases?actionID= (bulk) ----------------------------------------------------------------------------
def _results(ex) -> list[dict]:
    body = ex.json()
    items = body.get("results") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise violate("PEGA-BULK-001", "the bulk answer has no results list", ex, operation=flows.BULK,
                      detail="no results[]")
    return [i for i in items if isinstance(i, dict)]


def _status(item: dict) -> int | None:
    try:
        return int(item.get("status"))  # MCP shows it as "HTTP ${status}": a number, possibly sent as text
    except (TypeError, ValueError):
        return None


@pytest.mark.requirement("PEGA-BULK-001")
@pytest.mark.needs("bulk_actions")
def test_bulk_action_answers_a_result_per_case_and_applies_it(pega):
    first, _ = pega.new_case()
    second, _ = pega.new_case()
    sent = [first, UNKNOWN_CASE, second]
    label = pega.label("bulk")
    ex = flows.bulk_update(pega, sent, {pega.field: label})
    flows.expect_status(ex, {207}, "PEGA-BULK-001", flows.BULK, "bulk action on two cases and an unknown one")
    by_case: dict[str, list[int | None]] = {}
    for item in _results(ex):
        by_case.setdefault(str(item.get("ID")), []).append(_status(item))
    if sorted(by_case) != sorted(sent) or any(len(v) != 1 for v in by_case.values()):
        raise violate("PEGA-BULK-001", f"the bulk answer's results name {sorted(by_case)}, expected one result for "
                      f"each of {sorted(sent)}", ex, operation=flows.BULK, detail="not one result per case")
    unknown = by_case[UNKNOWN_CASE][0]
    if unknown is not None and 200 <= unknown < 300:
        raise violate("PEGA-BULK-001", f"the unknown case {UNKNOWN_CASE} got status {unknown}", ex,
                      operation=flows.BULK, detail="unknown case reported 2xx")
    for case_id in (first, second):
        status = by_case[case_id][0]
        if status is None or not 200 <= status < 300:
            raise violate("PEGA-BULK-001", f"case {case_id} got status {status} in the bulk answer (an unknown case in "
                          "the batch must not keep the others from being updated)", ex, operation=flows.BULK,
                          detail="existing case not updated")
        _, info, read = pega.read(case_id)
        if content_value(info, pega.field) != label:
            raise violate("PEGA-BULK-001", f"case {case_id} was reported {status} but shows content.{pega.field} = "
                          f"{content_value(info, pega.field)!r}, not {label!r}", ex, read, operation=flows.BULK,
                          detail="reported update not applied")


# -- POST /attachments/upload in the public client's form ---------------------------------------------------
@pytest.mark.requirement("PEGA-ATT-013")
@pytest.mark.needs("attachments")
def test_upload_in_the_client_form_is_accepted_or_refused_for_its_context(pega, observe):
    """Seed 001 uploads {context, content} and says the creation fails without context; marco-looy/pega-dx-mcp
    (client-v2.js uploadAttachment) sends {file, appendUniqueIdToFileName} without it. Both are admitted."""
    ex = pega.s.request("POST", "/attachments/upload", files=[("file", ("client-form.txt", b"hello", "text/plain"))],
                        data={"appendUniqueIdToFileName": "true"})
    body = ex.json()
    if ex.status == 201 and isinstance(body, dict) and isinstance(body.get("ID"), str) and body["ID"]:
        observe("PEGA-ATT-013", "client_upload_form", "accepted")
        return
    if ex.status == 400:
        error_body_v2(ex, "PEGA-ATT-013")
        observe("PEGA-ATT-013", "client_upload_form", "refused")
        return
    raise violate("PEGA-ATT-013", f"an upload in the client's form answered {ex.status}, expected 201 with an ID "
                  "(accepted) or 400 with the error body (refused for its missing context)", ex,
                  operation="POST /attachments/upload", detail=f"status {ex.status}")


# -- GET /cases/{caseID}/ancestors, /descendants ------------------------------------------------------------
@pytest.mark.requirement("PEGA-HIER-001")
@pytest.mark.needs("case_hierarchy")
def test_a_child_case_is_in_its_parents_descendants_and_the_parent_in_its_ancestors(pega):
    """No source shows these answers' member names: the suite looks for the case IDs anywhere in them."""
    parent, _ = pega.new_case()
    created = pega.create_case(body={"caseTypeID": pega.target.fixtures.case_type_id, "parentCaseID": parent,
                                     "content": {pega.field: pega.label("child")}})
    child = created.json().get("ID") if isinstance(created.json(), dict) else None
    if created.status is None or not 200 <= created.status < 300 or not isinstance(child, str):
        raise PreconditionFailed(f"could not create a child case of {parent}: {created.summary()}", "PEGA-CASE-001",
                                 [created.id], operation="POST /cases", detail=f"status {created.status}")
    for path, owner, wanted in ((f"/cases/{seg(parent)}/descendants", parent, child),
                                (f"/cases/{seg(child)}/ancestors", child, parent)):
        ex = pega.s.request("GET", path)
        operation = "GET /cases/{caseID}/" + path.rsplit("/", 1)[-1]
        flows.expect_status(ex, {200}, "PEGA-HIER-001", operation, f"{operation} of {owner}")
        if wanted not in collab.ids(ex):
            raise violate("PEGA-HIER-001", f"{operation} of {owner} does not name {wanted}", created, ex,
                          operation=operation, detail="relative not listed")
