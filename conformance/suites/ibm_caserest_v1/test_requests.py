"""Request-level rules every operation shares: TargetObjectStore (VF, seed 003), HTTP Basic
auth (VF), unknown resources (seed 003, VF), malformed bodies (seed 003) and the error body (VF).
"""

from __future__ import annotations

import uuid

import pytest

from conformance.checks import violate
from conformance.checks.ibm_caserest_v1 import error_element, ibm_error_body
from conformance.failures import PreconditionFailed
from conformance.suites.ibm_caserest_v1.client import norm

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
]


def first_task(ibm, folder: str) -> str:
    ex = ibm.tasks(folder)
    body = norm(ex.json())
    tasks = body.get("Tasks") if isinstance(body, dict) else None
    if ex.status != 200 or not isinstance(tasks, list) or not tasks or not isinstance(tasks[0], dict) \
            or not isinstance(tasks[0].get("TaskId"), str):
        raise PreconditionFailed(f"could not find a task of case {folder}: {ex.summary()}")
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
    return ibm.put_task(first_task(ibm, folder), "start", tos=tos, **kw)


@pytest.mark.requirement("IBM-TOS-001")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_without_target_object_store_answers_400(ibm, operation):
    ex = send(ibm, operation, tos=False)
    # VF: 'TargetObjectStore is required on every call'; seed 003: a missing required parameter is 400
    if ex.status != 400:
        raise violate("IBM-TOS-001", f"{operation} without TargetObjectStore: expected 400, got {ex.status}", ex)


@pytest.mark.requirement("IBM-AUTH-001")
@pytest.mark.parametrize("operation", ["GET /solutions", "GET /casetype/{name}",
                                       pytest.param("POST /casetype/{name}", marks=pytest.mark.writes),
                                       "GET /case/{id}"])
@pytest.mark.parametrize("credentials", ["none", "wrong-password"])
def test_operation_without_valid_credentials_answers_401(ibm, target, operation, credentials):
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
    # VF: 'Auth in the field is HTTP Basic or the container's login'
    if ex.status != 401:
        raise violate("IBM-AUTH-001", f"{operation} with {credentials} credentials: expected 401, got {ex.status}",
                      ex)


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
@pytest.mark.parametrize("cause", ["no-target-object-store", "unknown-case-type", "unknown-case",
                                   pytest.param("not-json", marks=pytest.mark.writes),
                                   pytest.param("wrong-type", marks=pytest.mark.writes), "no-credentials"])
def test_error_answer_carries_user_message_text(ibm, observe, cause):
    if cause == "no-target-object-store":
        ex = ibm.solutions()
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

        ex = ibm.changes({meta["SymbolicName"]: WRONG.get(ptype(meta), {"x": 1})}, None)
    else:
        ex = ibm.solutions(params=ibm.tos, auth=False)
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


