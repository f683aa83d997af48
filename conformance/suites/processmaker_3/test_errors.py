"""Errors and auth (seed 004 error object; VF PMSRC: errors re-thrown as 400, 401 without permission)."""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.checks.processmaker_3 import pm_error_object
from conformance.failures import PreconditionFailed
from conformance.suites.processmaker_3.client import ok

UNKNOWN_CASE = "37213410154d375de3e3620044382558"  # seed 004's own sample of a case that does not exist


def unknown_case_requests(pm):
    return {
        "case": pm.get(UNKNOWN_CASE),
        "current-task": pm.s.request("GET", f"/cases/{UNKNOWN_CASE}/current-task"),
        "tasks": pm.s.request("GET", f"/cases/{UNKNOWN_CASE}/tasks"),
    }


@pytest.mark.requirement("PM-ERR-001")
def test_unknown_case_is_refused(pm, observe):
    for what, ex in unknown_case_requests(pm).items():
        # seed 004: 400 "The Application row '...' doesn't exist!"; VF PMSRC re-throws as 400; 404 admitted.
        # GET /cases/{app_uid} on the 3.5.8 server: 403, its access check (Api:768 `@class AccessControl`,
        # Api:205 `return false` -> AC:59; vendor audit F3); current-task and tasks answer 400 (BM:712, BM:2162)
        admitted = (400, 403, 404) if what == "case" else (400, 404)
        if ex.status not in admitted:
            raise violate("PM-ERR-001", f"GET {what} of an unknown case must be refused with "
                          f"{' or '.join(map(str, admitted))}, got {ex.status}", ex)
        observe("PM-ERR-001", "unknown_case_status" if what != "case" else "unknown_case_info_status", ex.status)


@pytest.mark.requirement("PM-ERR-001")
@pytest.mark.writes
def test_unknown_case_write_is_refused(pm):
    ex = pm.cancel(UNKNOWN_CASE)
    if ex.status not in (400, 404):
        raise violate("PM-ERR-001", f"cancel of an unknown case must be refused with 400 (or 404), got {ex.status}",
                      ex)


@pytest.mark.requirement("PM-ERR-002")
@pytest.mark.writes
def test_create_without_task_is_refused(pm):
    ex = pm.create({"pro_uid": pm.fx.process_uid})
    # seed 004: 400 "`tas_uid` is required but missing."
    if ex.status != 400:
        raise violate("PM-ERR-002", f"POST /cases without tas_uid must answer 400, got {ex.status}", ex)


@pytest.mark.requirement("PM-ERR-002")
@pytest.mark.writes
def test_create_with_malformed_json_is_refused(pm):
    ex = pm.create(b'{"pro_uid": "' + pm.fx.process_uid.encode() + b'", "tas_uid": ')
    if ex.status != 400:
        raise violate("PM-ERR-002", f"POST /cases with a body that is not JSON must answer 400, got {ex.status}", ex)


@pytest.mark.requirement("PM-ERR-003")
def test_error_answers_carry_the_error_object(pm):
    answers = list(unknown_case_requests(pm).values())
    answers.append(pm.list("todo", {"cat_uid": pm.fx.unknown_category_uid}))
    answers.append(pm.s.request("GET", f"/cases/{UNKNOWN_CASE}", auth=False))
    errors = [ex for ex in answers if ex.status is not None and ex.status >= 400]
    if not errors:
        raise PreconditionFailed("none of the error-provoking requests was refused")
    for ex in errors:
        pm_error_object(ex)  # seed 004: {"error": {"code": 400, "message": "Bad Request: ..."}}


@pytest.mark.requirement("PM-ERR-003")
@pytest.mark.writes
def test_write_errors_carry_the_error_object(pm):
    """Refusals of every kind of write: a bad create, a second cancel, current-task of a closed case,
    a DELETE past the initial task (seed 004 shows the error object for each)."""
    answers = [pm.create({"pro_uid": pm.fx.process_uid})]
    cancelled, _, _ = pm.new_case()
    if ok(pm.cancel(cancelled)):
        answers += [pm.cancel(cancelled), pm.current_task(cancelled)]
    routed, _, _ = pm.new_case()
    if ok(pm.route(routed)):
        answers.append(pm.delete(routed))
    errors = [ex for ex in answers if ex.status is not None and ex.status >= 400]
    if not errors:
        raise PreconditionFailed("none of the error-provoking writes was refused")
    for ex in errors:
        pm_error_object(ex)


@pytest.mark.requirement("PM-AUTH-001")
@pytest.mark.parametrize("path", ["/cases", "/cases/paged", "/cases/draft", f"/cases/{UNKNOWN_CASE}"])
@pytest.mark.parametrize("token", ["missing", "unknown"])
def test_requests_without_a_valid_token_are_refused(pm, path, token):
    auth = False if token == "missing" else "Bearer conformance-not-a-token"
    # a list is asked with limit=1: a server that served it without a token would send the whole list otherwise
    ex = pm.s.request("GET", path, auth=auth, params=None if path.endswith(UNKNOWN_CASE) else {"limit": 1})
    # VF: OAuth2 bearer tokens from /{workspace}/oauth2/token; PMSRC answers 401
    if ex.status != 401:
        raise violate("PM-AUTH-001", f"GET {path} with a {token} token must answer 401, got {ex.status}", ex)
