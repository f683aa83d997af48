"""The stage, form refresh and step navigation operations as the suite uses them, on top of PegaApi.

GET /cases/{caseID}/stages is in the SW operation list (vendor-facts); the refresh and navigation
operations are listed by the documents only by name, and the corpus of responses real Pega servers
sent (tests/corpus/pega-dx-v2) shows them answered. The request bodies are those real clients send:
{content, pageInstructions} with If-Match (marco-looy/pega-dx-mcp; Pega's web embed for refresh).
"""

from __future__ import annotations

from typing import Any

from conformance.checks import violate
from conformance.failures import PreconditionFailed
from conformance.http import Exchange
from conformance.suites.pega_dx_v2.client import PegaApi, seg

STAGES = "GET /cases/{caseID}/stages"
REFRESH_ASSIGNMENT = "PATCH /assignments/{assignmentID}/actions/{actionID}/refresh"
REFRESH_VIEW = "PATCH /cases/{caseID}/views/{viewID}/refresh"
PREVIOUS = "PATCH /assignments/{assignmentID}/navigation_steps/previous"
# a case's details view: the root of the uiResources a GET of the case answers, else Pega's own name for it
DEFAULT_VIEW = "pyDetails"


def _if_match(etag: str | None) -> dict[str, str]:
    return {"If-Match": etag} if etag is not None else {}


def _body(content: dict[str, Any] | None) -> dict[str, Any]:
    return {"content": content or {}, "pageInstructions": []}


def stages(pega: PegaApi, case_id: str) -> Exchange:
    return pega.s.request("GET", f"/cases/{seg(case_id)}/stages")


def refresh_assignment(pega: PegaApi, assignment_id: str, action_id: str, etag: str | None,
                       content: dict[str, Any] | None = None) -> Exchange:
    return pega.s.request("PATCH", f"/assignments/{seg(assignment_id)}/actions/{seg(action_id)}/refresh",
                          json_body=_body(content), headers=_if_match(etag))


def refresh_view(pega: PegaApi, case_id: str, view_id: str, etag: str | None,
                 content: dict[str, Any] | None = None) -> Exchange:
    return pega.s.request("PATCH", f"/cases/{seg(case_id)}/views/{seg(view_id)}/refresh",
                          json_body=_body(content), headers=_if_match(etag))


def previous_step(pega: PegaApi, assignment_id: str, etag: str | None,
                  content: dict[str, Any] | None = None) -> Exchange:
    return pega.s.request("PATCH", f"/assignments/{seg(assignment_id)}/navigation_steps/previous",
                          json_body=_body(content), headers=_if_match(etag))


def view_of(read: Exchange) -> str:
    """The case's view as the GET named it (uiResources.root.config.name, VF REC), else pyDetails."""
    body = read.json()
    ui = body.get("uiResources") if isinstance(body, dict) else None
    root = ui.get("root") if isinstance(ui, dict) else None
    config = root.get("config") if isinstance(root, dict) else None
    name = config.get("name") if isinstance(config, dict) else None
    return name if isinstance(name, str) and name else DEFAULT_VIEW


def expect_status(ex: Exchange, expected: set[int], requirement: str, operation: str, what: str) -> None:
    """The status is one of `expected`; the finding names the operation and the status it got."""
    if ex.status not in expected:
        raise violate(requirement, f"{what}: expected {' or '.join(map(str, sorted(expected)))}, got {ex.status}",
                      ex, operation=operation, detail=f"status {ex.status}")


def assignment_id_of(info: dict[str, Any]) -> str:
    """The ID of the case's open assignment: all that navigation needs (its actions are not). With
    assignments declared, a new case's assignment must carry its ID (PEGA-ASSIGN-001; VF REC:
    caseInfo.assignments[].ID)."""
    items = info.get("assignments")
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    if not isinstance(first.get("ID"), str):
        raise PreconditionFailed(f"case {info.get('ID')} lists no open assignment with an ID", "PEGA-ASSIGN-001",
                                 operation="GET /cases/{caseID}", detail="no assignment")
    return first["ID"]


def assignments_state(info: dict[str, Any]) -> list[tuple[Any, tuple[Any, ...]]]:
    """What a step navigation may change: each open assignment's ID and its action IDs."""
    items = info.get("assignments")
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            actions = item.get("actions") if isinstance(item.get("actions"), list) else []
            out.append((item.get("ID"), tuple(a.get("ID") for a in actions if isinstance(a, dict))))
    return out


# -- step jumps, recalculation, lock release, bulk actions (marco-looy/pega-dx-mcp src/api/v2/client-v2.js) ------
JUMP = "PATCH /assignments/{assignmentID}/navigation_steps/{stepID}"
REFRESH_CASE_ACTION = "PATCH /cases/{caseID}/actions/{actionID}/refresh"
RECALC_CASE = "PATCH /cases/{caseID}/actions/{actionID}/recalculate"
RECALC_ASSIGNMENT = "PATCH /assignments/{assignmentID}/actions/{actionID}/recalculate"
RELEASE = "DELETE /cases/{caseID}/updates"
BULK = "PATCH /cases"


def refresh_case_action(pega: PegaApi, case_id: str, etag: str | None,
                        content: dict[str, Any] | None = None) -> Exchange:
    """MCP refreshCaseAction: {content, pageInstructions} with If-Match."""
    return pega.s.request("PATCH", f"/cases/{seg(case_id)}/actions/{seg(pega.target.fixtures.update_action_id)}/refresh",
                          json_body=_body(content), headers=_if_match(etag))


def jump_step(pega: PegaApi, assignment_id: str, step_id: str, etag: str | None) -> Exchange:
    """MCP jumpToAssignmentStep: If-Match, no body when nothing is posted."""
    return pega.s.request("PATCH", f"/assignments/{seg(assignment_id)}/navigation_steps/{seg(step_id)}",
                          json_body={}, headers=_if_match(etag))


def recalculate(pega: PegaApi, path: str, etag: str | None, content: dict[str, Any]) -> Exchange:
    """MCP recalculate*Fields: {calculations: {fields: [{name, context}]}, content} with If-Match."""
    body = {"calculations": {"fields": [{"name": pega.field, "context": "content"}]}, "content": content}
    return pega.s.request("PATCH", path, json_body=body, headers=_if_match(etag))


def release_lock(pega: PegaApi, case_id: str) -> Exchange:
    return pega.s.request("DELETE", f"/cases/{seg(case_id)}/updates")


def bulk_update(pega: PegaApi, case_ids: list[str], content: dict[str, Any]) -> Exchange:
    """MCP patchCasesBulk: PATCH /cases?actionID=X with {cases: [{ID}], content}; no If-Match (VF SW)."""
    return pega.s.request("PATCH", "/cases", params={"actionID": pega.target.fixtures.update_action_id},
                          json_body={"cases": [{"ID": i} for i in case_ids], "content": content})


def navigation_step_ids(ex: Exchange) -> list[str]:
    """The step IDs an assignment's answer lists in uiResources.navigation.steps (corpus
    assignments/NextPreviousTest-4-Step3.json)."""
    body = ex.json()
    ui = body.get("uiResources") if isinstance(body, dict) else None
    nav = ui.get("navigation") if isinstance(ui, dict) else None
    steps = nav.get("steps") if isinstance(nav, dict) else None
    return [s["ID"] for s in steps or [] if isinstance(s, dict) and isinstance(s.get("ID"), str)]


def steer(case: Any, pega: PegaApi) -> None:
    """Real IDs for the client operations' generated requests (test_property): the target's case type, and its
    update action where a case-wide action is asked for (a case action's refresh or recalculation, a case
    type's bulk action, the bulk PATCH /cases)."""
    params = case.path_parameters or {}
    fixtures = pega.target.fixtures
    if "caseTypeID" in params:
        params["caseTypeID"] = fixtures.case_type_id
    if "actionID" in params and (case.path.startswith("/cases/{caseID}/actions/") or "/bulk-actions/" in case.path):
        params["actionID"] = fixtures.update_action_id
    if case.method == "PATCH" and case.path == "/cases" and isinstance(case.query, dict):
        case.query["actionID"] = fixtures.update_action_id
