"""Request-level rules every operation shares: TargetObjectStore (VF, seed 003), HTTP Basic
auth (VF), unknown resources (seed 003, VF), malformed bodies (seed 003) and the error body (VF).
"""

from __future__ import annotations

import uuid

import pytest

from conformance.checks import violate
from conformance.checks.ibm_caserest_v1 import error_element, ibm_error_body
from conformance.failures import PreconditionFailed
from conformance.suites.ibm_caserest_v1.client import folder_of, norm, ok, seg, task_enabled, task_items

# every operation of the spec; `needs` a case/task where the path does
OPERATIONS = [
    pytest.param("GET /solutions", id="solutions"),
    pytest.param("GET /solution/{name}/casetypes", id="solution-casetypes"),
    pytest.param("GET /casetype/{name}", id="get-casetype"),
    pytest.param("POST /casetype/{name}", id="post-casetype", marks=pytest.mark.writes),  # a POST, though it only reads
    pytest.param("POST /cases", id="create-case", marks=pytest.mark.writes),
    pytest.param("GET /case/{id}", id="get-case"),
    pytest.param("PUT /case/{id}", id="put-case", marks=pytest.mark.writes),
    pytest.param("GET /case/{id}/status", id="case-status"),
    pytest.param("GET /case/{id}/tasks", id="case-tasks", marks=pytest.mark.needs("tasks")),
    pytest.param("PUT /task/{id}", id="put-task", marks=[pytest.mark.needs("tasks"), pytest.mark.writes]),
    pytest.param("POST /deletecase", id="delete-case", marks=[pytest.mark.needs("delete_case"), pytest.mark.writes]),
    pytest.param("GET /case/{id}/comments", id="get-comments", marks=pytest.mark.needs("comments")),
    pytest.param("GET /case/{id}/history", id="history", marks=pytest.mark.needs("history")),
    pytest.param("GET /solution/{name}", id="solution", marks=pytest.mark.needs("definitions")),
    pytest.param("POST /case/{id}/tasks", id="create-task", marks=[pytest.mark.needs("discretionary_tasks"),
                                                                   pytest.mark.writes]),
    pytest.param("POST /case/{id}", id="case-operation", marks=[pytest.mark.needs("case_operations"),
                                                                pytest.mark.writes]),
    pytest.param("GET /case/{id}/cases", id="related-cases", marks=pytest.mark.needs("case_operations")),
    pytest.param("GET /case/{id}/stages", id="stages", marks=pytest.mark.needs("stages")),
    pytest.param("GET /case/{id}/tasktype/{name}", id="launch-info", marks=pytest.mark.needs("discretionary_tasks")),
    pytest.param("GET /case/{id}/casedocumentslist", id="documents", marks=pytest.mark.needs("documents")),
    pytest.param("POST /case/{id}/stages", id="stage-action", marks=[pytest.mark.needs("stages"), pytest.mark.writes]),
    pytest.param("GET /solution/{name}/documenttypes", id="document-types", marks=pytest.mark.needs("definitions")),
    pytest.param("GET /casetype/{name}/viewdefinitions", id="view-definitions", marks=pytest.mark.needs("definitions")),
    pytest.param("GET /casetype/{name}/page", id="case-page", marks=pytest.mark.needs("definitions")),
    pytest.param("GET /casetype/{name}/discretionarytasktypes", id="discretionary-task-types",
                 marks=pytest.mark.needs("definitions")),
    pytest.param("POST /case/{id}/comments", id="add-comment", marks=[pytest.mark.needs("comments"),
                                                                      pytest.mark.writes]),
]


def first_task(ibm, folder: str, enabled: bool = False) -> str:
    """The first activity of the case (an enabled one with `enabled`); IBM groups them (acmdv125)."""
    ex = ibm.tasks(folder)
    tasks = [t for g, t in task_items(ex.json()) if not enabled or task_enabled(g, t)]
    if ex.status != 200 or not tasks:
        # the case's activities are IBM-TASK-001's (capability tasks declared)
        raise PreconditionFailed(f"could not find {'an enabled' if enabled else 'a'} task of case {folder}: "
                                 f"{ex.summary()}", requirement="IBM-TASK-001", exchanges=[ex.id])
    return tasks[0]["TaskId"]


def send(ibm, operation: str, tos: bool, auth=True):
    """One request of `operation`, with or without TargetObjectStore."""
    kw = {"auth": auth}
    if operation == "GET /solutions":
        return ibm.solutions(params=ibm.tos if tos else None, **kw)
    if operation == "GET /solution/{name}/casetypes":
        return ibm.casetypes(params=ibm.tos if tos else None, **kw)
    if operation == "GET /casetype/{name}":
        return ibm.get_casetype(params=ibm.tos if tos else None, **kw)
    if operation == "POST /casetype/{name}":
        return ibm.post_casetype({"RequestMode": "initialNewObject"}, tos=tos, **kw)
    if operation in ("GET /solution/{name}", "GET /solution/{name}/documenttypes"):
        path = operation.split(" ", 1)[1].replace("{name}", seg(ibm.target.fixtures.solution))
        return ibm.s.request("GET", path, params=ibm.tos if tos else None, **kw)
    if operation in ("GET /casetype/{name}/viewdefinitions", "GET /casetype/{name}/discretionarytasktypes"):
        path = operation.split(" ", 1)[1].replace("{name}", seg(ibm.target.fixtures.case_type))
        return ibm.s.request("GET", path, params=ibm.tos if tos else None, **kw)
    if operation == "GET /casetype/{name}/page":
        return ibm.case_page("CasePage", tos=tos, **kw)
    if operation == "POST /cases":
        return ibm.create_case(tos=tos, **kw)
    folder = ibm.some_case()
    if operation == "GET /case/{id}":
        return ibm.get_case(folder, tos=tos, **kw)
    if operation == "PUT /case/{id}":
        return ibm.put_case(folder, {ibm.target.fixtures.title_property: ibm.label("put")}, tos=tos, **kw)
    if operation == "GET /case/{id}/status":
        return ibm.status(folder, tos=tos, **kw)
    if operation == "GET /case/{id}/tasks":
        return ibm.tasks(folder, tos=tos, **kw)
    if operation == "POST /deletecase":
        return ibm.delete_case(folder, tos=tos, **kw)
    if operation == "POST /case/{id}/tasks":
        return ibm.create_task(folder, ibm.discretionary_type(), ibm.label("activity"), tos=tos, **kw)
    if operation == "POST /case/{id}":
        return ibm.case_operation(folder, {"Operation": "fetchProperties"}, tos=tos, **kw)
    if operation == "GET /case/{id}/cases":
        return ibm.related(folder, tos=tos, **kw)
    if operation == "GET /case/{id}/tasktype/{name}":
        return ibm.launch_info(folder, ibm.discretionary_type(), tos=tos, **kw)
    if operation == "GET /case/{id}/casedocumentslist":
        return ibm.documents(folder, tos=tos, **kw)
    if operation == "GET /case/{id}/stages":
        return ibm.stages(folder, tos=tos, **kw)
    if operation == "POST /case/{id}/stages":
        return ibm.stages(folder, "placeCurrentStageOnHold", tos=tos, method="POST", **kw)
    if operation == "GET /case/{id}/history":
        return ibm.history(folder, tos=tos, **kw)
    if operation == "GET /case/{id}/comments":
        return ibm.comments(folder, tos=tos, **kw)
    if operation == "POST /case/{id}/comments":
        return ibm.add_comment(folder, ibm.label("comment"), tos=tos, **kw)
    return ibm.put_task(first_task(ibm, folder), "start", tos=tos, **kw)


@pytest.mark.requirement("IBM-TOS-001")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_without_target_object_store_answers_400(ibm, observe, operation):
    ex = send(ibm, operation, tos=False)
    if operation == "GET /solutions":
        # VF: 'required on every call'; acmdv112 has no parameter table and lists the solutions of all object
        # stores (audit row 1): 200 or 400, recorded
        if ex.status not in (200, 400):
            raise violate("IBM-TOS-001", f"{operation} without TargetObjectStore: expected 400 (VF) or 200 "
                          f"(acmdv112), got {ex.status}", ex)
        observe("IBM-TOS-001", "solutions_without_tos", ex.status)
        return
    # VF: 'TargetObjectStore is required on every call'; seed 003: a missing required parameter is 400;
    # acmdv121delcase: tos "Required? Yes"
    if ex.status != 400:
        raise violate("IBM-TOS-001", f"{operation} without TargetObjectStore: expected 400, got {ex.status}", ex)


@pytest.mark.requirement("IBM-AUTH-001")
@pytest.mark.parametrize("operation", ["GET /solutions", "GET /casetype/{name}",
                                       pytest.param("POST /casetype/{name}", marks=pytest.mark.writes),
                                       "GET /case/{id}"])
@pytest.mark.parametrize("credentials", ["none", "wrong-password"])
def test_operation_without_valid_credentials_answers_401(ibm, target, observe, operation, credentials):
    import base64

    if credentials == "none":
        auth = False
    else:  # the target's user with a password that is certainly not theirs
        user = getattr(target.auth, "username", "conformance")
        auth = "Basic " + base64.b64encode(f"{user}:wrong-{uuid.uuid4().hex}".encode()).decode()
    if operation == "GET /case/{id}":
        folder = ibm.some_case()
        ex = ibm.get_case(folder, auth=auth)
    else:
        ex = send(ibm, operation, tos=True, auth=auth)
    # VF: 'Auth in the field is HTTP Basic or the container's login'; no CASEREST page lists 401: the application
    # server or the SSO login answers (acmdv100, acmdv101), with a 401 or a redirect to its login page
    login = ex.header("Location") if ex.status in (302, 303, 307) else None
    if ex.status != 401 and not login:
        raise violate("IBM-AUTH-001", f"{operation} with {credentials} credentials: expected 401 or a redirect to a "
                      f"login page, got {ex.status}", ex)
    # which answer this server gives, and whether a 401 carries the CASEREST error body (audit rows 29, 30)
    observe("IBM-AUTH-001", "unauthenticated_answer",
            "redirect to login" if login else "401 with CASEREST body" if error_element(ex) else "401 (container)")


UNKNOWN = [
    pytest.param("GET /casetype/{unknown}", id="get-casetype"),
    pytest.param("POST /casetype/{unknown}", id="post-casetype", marks=pytest.mark.writes),
    pytest.param("POST /cases CaseType=unknown", id="create-case", marks=pytest.mark.writes),
    pytest.param("GET /case/{unknown}", id="get-case"),
]


def unknown_request(ibm, what: str):
    name = f"CONF_NoSuchType_{uuid.uuid4().hex[:8]}"
    if what == "GET /casetype/{unknown}":
        return ibm.get_casetype(name)
    if what == "POST /casetype/{unknown}":
        return ibm.post_casetype({"RequestMode": "initialNewObject"}, name=name)
    if what == "POST /cases CaseType=unknown":
        return ibm.create_case(body={**ibm.tos, "CaseType": name, "Properties": []})
    return ibm.get_case("{" + str(uuid.uuid4()).upper() + "}")


@pytest.mark.requirement("IBM-ERR-001")
@pytest.mark.parametrize("what", UNKNOWN)
def test_unknown_resource_answers_404(ibm, what):
    ex = unknown_request(ibm, what)
    # seed 003: 404 'The case type that was specified in the request was not found'; VF: 404 on every operation
    if ex.status != 404:
        raise violate("IBM-ERR-001", f"{what}: expected 404, got {ex.status}", ex)


@pytest.mark.requirement("IBM-ERR-002")
@pytest.mark.writes
@pytest.mark.parametrize("body", [
    pytest.param(b'{"TargetObjectStore": ', id="not-json"),
    pytest.param(None, id="no-case-type"),
])
def test_create_case_malformed_body_answers_400(ibm, body):
    payload = body if body is not None else {**ibm.tos, "Properties": [
        {"SymbolicName": ibm.target.fixtures.title_property, "Value": ibm.label("malformed")}]}
    ex = ibm.create_case(body=payload)
    # seed 003: 400 'One of the required parameters was missing, or a parameter value was invalid';
    # VF: POST /cases: CaseType and TargetObjectStore required
    if ex.status != 400:
        raise violate("IBM-ERR-002", f"POST /cases with {'a body that is not JSON' if body else 'no CaseType'}: "
                      f"expected 400, got {ex.status}", ex)


@pytest.mark.requirement("IBM-ERR-003")
# the answer without credentials is not among the causes: it comes from the application server or the SSO
# login, not from CASEREST (no CASEREST page lists 401; acmdv100, acmdv101; audit row 29); IBM-AUTH-001
# records its form
@pytest.mark.parametrize("cause", ["no-target-object-store", "unknown-case-type", "unknown-case",
                                   pytest.param("not-json", marks=pytest.mark.writes),
                                   pytest.param("wrong-type", marks=pytest.mark.writes)])
def test_error_answer_carries_user_message_text(ibm, observe, cause):
    if cause == "no-target-object-store":
        ex = ibm.casetypes()  # acmdv113: TargetObjectStore required (acmdv112's GET /solutions has none)
    elif cause == "unknown-case-type":
        ex = unknown_request(ibm, "GET /casetype/{unknown}")
    elif cause == "unknown-case":
        ex = unknown_request(ibm, "GET /case/{unknown}")
    elif cause == "not-json":
        ex = ibm.s.request("POST", f"/casetype/{ibm.target.fixtures.case_type}", content=b"{not json",
                           headers={"Content-Type": "application/json"}, params=ibm.tos)
    elif cause == "wrong-type":
        meta = next(iter(ibm.writable_single().values()), None)
        if meta is None:
            raise PreconditionFailed("the case type has no writable SINGLE property to send a wrong value for")
        from conformance.suites.ibm_caserest_v1.client import WRONG, ptype

        ex = ibm.changes({meta["SymbolicName"]: WRONG.get(ptype(meta), {"x": 1})}, ibm.edi())
    if ex.status is None or not 400 <= ex.status < 500:
        raise PreconditionFailed(f"{cause}: the server answered {ex.status}, not an error; the status is "
                                 "another requirement's")
    ibm_error_body(ex)  # VF: UserMessage {UniqueId, Text, Severity}
    observe("IBM-ERR-003", "error_element", error_element(ex))


@pytest.mark.requirement("IBM-TYPE-002")
def test_solution_and_case_type_are_listed(ibm, target):
    f = target.fixtures
    ex = ibm.solutions(params=ibm.tos)
    body = norm(ex.json())
    items = body.get("Solutions") if isinstance(body, dict) else None
    # VF: GET /solutions 200
    if ex.status != 200 or not isinstance(items, list):
        raise violate("IBM-TYPE-002", f"GET /solutions: expected 200 with a Solutions array, got {ex.status}", ex)
    names = [i.get("SolutionName") for i in items if isinstance(i, dict)]
    if f.solution not in names:
        raise violate("IBM-TYPE-002", f"GET /solutions lists {names}, not the solution {f.solution!r}", ex)
    ex = ibm.casetypes(params=ibm.tos)
    body = norm(ex.json())
    items = body.get("CaseTypes") if isinstance(body, dict) else None
    # VF: GET /solution/{name}/casetypes 200
    if ex.status != 200 or not isinstance(items, list):
        raise violate("IBM-TYPE-002", f"GET /solution/{f.solution}/casetypes: expected 200 with a CaseTypes array, "
                      f"got {ex.status}", ex)
    types = [i.get("CaseType") for i in items if isinstance(i, dict)]
    if f.case_type not in types:
        raise violate("IBM-TYPE-002", f"GET /solution/{f.solution}/casetypes lists {types}, not {f.case_type!r}", ex)




@pytest.mark.requirement("IBM-TASK-001")
@pytest.mark.needs("tasks")
@pytest.mark.writes
def test_enabling_an_enabled_task_answers_200(ibm):
    """acmdv128: PUT /task/{id}?TargetObjectStore=...&Grouping=ROD; 'the PUT method does not return an error when
    a request is made to enable an activity that is already enabled'."""
    folder = ibm.some_case()
    task = first_task(ibm, folder, enabled=True)
    ex = ibm.put_task(task, "enable")
    if ex.status != 200:
        raise violate("IBM-TASK-001", f"enabling the enabled activity {task} (TargetObjectStore and Grouping in the "
                      f"query, acmdv128): expected 200, got {ex.status}", ex)
    after = ibm.tasks(folder)
    state = next(((g, t) for g, t in task_items(after.json()) if t["TaskId"] == task), None)
    if state is None or not task_enabled(*state):
        raise violate("IBM-TASK-001", f"after enabling the enabled activity {task}, GET tasks shows "
                      f"{state[1] if state else 'no such activity'} {state[0] if state else ''}", ex, after)


@pytest.mark.requirement("IBM-DEL-001")
@pytest.mark.needs("delete_case")
@pytest.mark.writes
def test_delete_case_removes_the_case(ibm):
    """acmdv121delcase: POST /deletecase {connectionpoint, caseid, tos} 'deletes the case and all associated
    activity processes'; afterwards the case is not found (acmdv120: 404 'The specified case folder was not
    found')."""
    created = ibm.create_case()
    folder = folder_of(created)
    if not ok(created) or folder is None:
        raise PreconditionFailed(f"could not create a case to delete: {created.summary()}",
                                 requirement="IBM-CASE-001", exchanges=[created.id])
    ex = ibm.delete_case(folder)
    if ok(ex):
        ibm.ledger.forget("case", folder)
    if ex.status != 200:
        raise violate("IBM-DEL-001", f"POST /deletecase for a case of this run: expected 200, got {ex.status}", ex)
    after = ibm.get_case(folder)
    if after.status != 404:
        raise violate("IBM-DEL-001", f"after POST /deletecase answered 200, GET /case/{{id}} answers {after.status}, "
                      "not 404", ex, after)


@pytest.mark.requirement("IBM-ACT-001")
@pytest.mark.needs("discretionary_tasks", "tasks")
@pytest.mark.writes
def test_discretionary_activity_is_added(ibm):
    """acmdv127: POST /case/{id}/tasks answers 201 (200 for a detected duplicate) and starts the activity's
    workflow; the case's activities (acmdv125) then include it."""
    folder = ibm.some_case()
    name = ibm.label("activity")
    ex = ibm.create_task(folder, ibm.discretionary_type(), name)
    if ex.status not in (200, 201):
        raise violate("IBM-ACT-001", f"POST /case/{{id}}/tasks: expected 201 (or 200 for a duplicate), got "
                      f"{ex.status}", ex)
    listed = ibm.tasks(folder)
    names = [t.get("TaskName") for _, t in task_items(listed.json())]
    if listed.status != 200 or name not in names:
        raise violate("IBM-ACT-001", f"after POST /case/{{id}}/tasks answered {ex.status}, the case's activities are "
                      f"{names}, without {name!r}", ex, listed)


@pytest.mark.requirement("IBM-STAGE-001")
@pytest.mark.needs("stages")
@pytest.mark.writes
def test_on_hold_stage_is_released(ibm):
    """acmdv149: Operation=releaseCurrentOnHoldStage answers {"removeStageOnHoldResult": true}; the stage is put on
    hold first (placeCurrentStageOnHold, acmpdh58), on a new case of this run whose first stage is current."""
    folder = ibm.some_case()
    hold = ibm.stages(folder, "placeCurrentStageOnHold", method="POST")
    if hold.status != 200:
        raise violate("IBM-STAGE-001", f"POST /case/{{id}}/stages?Operation=placeCurrentStageOnHold on a new case: "
                      f"expected 200, got {hold.status}", hold)
    release = ibm.stages(folder, "releaseCurrentOnHoldStage", method="POST")
    body = release.json()
    result = body.get("removeStageOnHoldResult") if isinstance(body, dict) else None  # acmdv149's spelling
    if release.status != 200 or result is not True:
        raise violate("IBM-STAGE-001", f"after placeCurrentStageOnHold answered 200, releaseCurrentOnHoldStage "
                      f"answered {release.status} with removeStageOnHoldResult {result!r}, not 200 with true", hold,
                      release)


@pytest.mark.requirement("IBM-DOC-001")
@pytest.mark.needs("documents")
def test_documents_list(ibm):
    """acmdv151: 200 with the case's folders, sub-folders and documents ({"docList": [...]}); 404 'The specified
    case folder was not found'."""
    folder = ibm.some_case()
    ex = ibm.documents(folder)
    body = ex.json()
    if ex.status != 200 or not isinstance(body, dict) or not isinstance(body.get("docList"), list):
        raise violate("IBM-DOC-001", f"GET /case/{{id}}/casedocumentslist for a case of this run: expected 200 with a "
                      f"docList, got {ex.summary()}", ex)
    unknown = ibm.documents("{" + str(uuid.uuid4()).upper() + "}")
    if unknown.status != 404:
        raise violate("IBM-DOC-001", f"GET /case/{{id}}/casedocumentslist for a case folder that does not exist: "
                      f"expected 404, got {unknown.status}", unknown)


@pytest.mark.requirement("IBM-ACT-002")
@pytest.mark.needs("discretionary_tasks")
def test_launch_info(ibm):
    """acmdv126: 200 with the activity type's launch step information; 404 'The case folder ID or the symbolic
    activity name specified in the request URI was not found'."""
    folder = ibm.some_case()
    ex = ibm.launch_info(folder, ibm.discretionary_type())
    if ex.status != 200:
        raise violate("IBM-ACT-002", f"GET /case/{{id}}/tasktype/{{name}} for a discretionary activity type: expected "
                      f"200, got {ex.status}", ex)
    unknown = ibm.launch_info(folder, ibm.label("no-such-activity-type"))
    if unknown.status != 404:
        raise violate("IBM-ACT-002", f"GET /case/{{id}}/tasktype/{{name}} for an activity type the case type does not "
                      f"define: expected 404, got {unknown.status}", unknown)


@pytest.mark.requirement("IBM-DEF-002")
@pytest.mark.needs("definitions")
def test_case_pages(ibm):
    """acmdv118: the page ID of the case type's Add Case page (CaseCreationPage) and Case Details page (CasePage)."""
    for page_type in ("CaseCreationPage", "CasePage"):
        ex = ibm.case_page(page_type)
        body = ex.json()
        page = body.get("PhysicalPageId") if isinstance(body, dict) else None
        if ex.status != 200 or not isinstance(page, str) or not page:
            raise violate("IBM-DEF-002", f"GET /casetype/{{name}}/page?PageType={page_type}: expected 200 with a "
                          f"PhysicalPageId, got {ex.summary()}", ex)
