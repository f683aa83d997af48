"""Property-based: schemathesis generates requests for every operation of specs/processmaker-3.yaml,
writes included, and every response must be one the document allows (PM-SCHEMA-001, the nearest
requirement: seed 004 documents the statuses and bodies of each operation, and a 5xx is never one a
client can act on); an error answer must also carry the error object (PM-ERR-003).

Requests go through the instrumented Session (auth, budget, exchange log, redaction). Half of the
generated IDs are swapped for real ones, so that success answers are exercised, not only 400s: read
operations get a case of this run (a listed case on a read-only target), and each write on a case
gets a fresh case of its own, so that one operation's success (a delete, a cancel) does not turn the
next operation's requests into refusals. Every case the run creates carries the run tag in its
variables (seed 004 'Format of Variables') and goes into the ledger. The token endpoint is left out:
it lives outside the API's base path, every run exercises it, and fuzzing it would send wrong
passwords to a real login.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import httpx
import pytest
import schemathesis
from hypothesis import reject
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.checks.processmaker_3 import pm_error_object
from conformance.failures import PreconditionFailed
from conformance.http import READ_ONLY_METHODS, Exchange
from conformance.spec_cache import openapi_schema
from conformance.suites.processmaker_3.client import LIMIT, LIST_PATHS, PmApi, ok, seg
from conformance.suites.processmaker_3.model import OPERATION_CAPABILITIES
from conformance.suites.schema_cases import body_only_negative, judge, operation_params, pick, positive, wrong_type_cases


@schemathesis.check
def pm_error_object_generated(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis adapter: every generated error answer carries the error object (PM-ERR-003, seed 004)."""
    if response.status_code >= 400:
        pm_error_object(Exchange("ex-generated", case.method, str(response.request.url), {}, b"",
                                 response.status_code, dict(response.headers), response.content))
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, pm_error_object_generated]

schema = openapi_schema("processmaker-3").exclude(path="/oauth2/token")
# examples and fuzzing: the coverage phase builds every boundary case of every operation while collecting
# (seconds in every run, scoped ones included); fuzzing still draws boundary values
schema.config.phases.update(phases=["examples", "fuzzing"])

# operations whose fresh case is paused first (seed 004: only a paused case can be unpaused)
NEEDS_PAUSED = {("PUT", "/cases/{app_uid}/unpause")}


class RealCases:
    """Real cases to steer generated IDs to: one for the reads, a fresh one per write operation."""

    def __init__(self, pm: PmApi) -> None:
        self.pm = pm
        self.read_only = pm.target.safety.read_only
        self._shared: list[dict[str, Any] | None] = []  # empty until the first read asks
        self._own: dict[tuple[str, str], dict[str, Any] | None] = {}

    def _new(self) -> dict[str, Any] | None:
        """A case of this run (DRAFT, in the start task, assigned to the caller: seed 004 New Case)."""
        try:
            app_uid, _, _ = self.pm.new_case()
        except PreconditionFailed:
            return None  # PM-LIFE-001's tests report it; the generated requests go on with their own IDs
        return {"app_uid": app_uid, "del_index": 1, "documents": []}

    def _listed(self) -> dict[str, Any] | None:
        """A read-only target: a case the caller may read, from its lists."""
        kind = "advanced-search" if self.pm.target.capabilities.advanced_search else "participated"
        try:
            cases, _ = self.pm.bare(kind, {"limit": 20}, strict=False)
        except PreconditionFailed:
            return None
        for c in cases:
            if isinstance(c.get("app_uid"), str):
                try:
                    del_index = int(str(c.get("del_index")))
                except ValueError:
                    del_index = 1
                return {"app_uid": c["app_uid"], "del_index": del_index, "documents": []}
        return None

    def fresh(self, key: Any) -> dict[str, Any] | None:
        """A case of this run for `key` alone, created on first use."""
        if key not in self._own:
            self._own[key] = self._new()
        return self._own[key]

    def for_operation(self, method: str, path: str) -> dict[str, Any] | None:
        if method in READ_ONLY_METHODS:
            if not self._shared:
                self._shared.append(self._listed() if self.read_only else self._new())
            return self._shared[0]
        key = (method, path)
        if key not in self._own:
            real = self.fresh(key)
            if real is not None and key in NEEDS_PAUSED and not ok(self.pm.pause(real["app_uid"])):
                self._own[key] = None  # PM-LIFE-003's tests report it
        return self._own[key]


@pytest.fixture(scope="module")
def real_cases(pm) -> RealCases:
    return RealCases(pm)


def _tag(case, pm: PmApi) -> None:
    """Every case a generated create may start carries the run tag in its variables (staging safety)."""
    body = case.body
    if case.method.upper() != "POST" or case.path not in ("/cases", "/cases/impersonate") or not isinstance(body, dict):
        return
    variables = body.get("variables")
    if variables is None:
        body["variables"] = [{"conformance_run": pm.tag}]
    elif isinstance(variables, list) and variables and isinstance(variables[0], dict):
        variables[0]["conformance_run"] = pm.tag
    elif isinstance(variables, list):
        variables.insert(0, {"conformance_run": pm.tag})


CREATES = ("/cases", "/cases/impersonate")


def _steer(case, pm: PmApi, real: dict[str, Any] | None) -> bool:
    """Half of the requests (a coin from their generated data) get real IDs in their valid parts; an
    invalid part is sent as generated, next to real IDs, so that it meets the server past its lookups.
    True when the request may now name a case of the run (a create names none: it starts a new one)."""
    coin = pick((case.path_parameters, case.body))  # before the run tag joins the body: the same in every run
    _tag(case, pm)
    if not coin:
        return False
    steered = case.path not in CREATES
    fx = pm.fx
    params = case.path_parameters or {}
    if real is not None and positive(case, "path"):
        if "app_uid" in params:
            params["app_uid"] = real["app_uid"]
        if "del_index" in params:
            params["del_index"] = real["del_index"]
        if "app_doc_uid" in params and real["documents"]:
            params["app_doc_uid"] = real["documents"][-1]
    body = case.body if isinstance(case.body, dict) and positive(case, "body") else None
    if body is None:
        return steered
    path = case.path
    if path in CREATES:
        body.update(pro_uid=fx.process_uid, tas_uid=fx.task_uid)  # where the caller may start cases
    if path == "/cases/impersonate":
        body["usr_uid"] = fx.reassign_user_uid  # in the start task's pool (seed 004)
    elif path == "/cases/{app_uid}/input-document":
        body["tas_uid"] = fx.task_uid  # the case of this run is in its start task
        if fx.input_document_uid:
            body["inp_doc_uid"] = fx.input_document_uid
    elif path == "/cases/{app_uid}/reassign-case":
        # the case of this run is the caller's; the target is in its task's pool (seed 004)
        body.update(usr_uid_source=fx.caller_user_uid, usr_uid_target=fx.reassign_user_uid)
        if "del_index" in body and real is not None:
            body["del_index"] = real["del_index"]
    elif path == "/cases/{app_uid}/route-case" and "del_index" in body and real is not None:
        body["del_index"] = real["del_index"]
    elif path == "/cases/reassign" and real is not None:
        body["cases"] = [{"APP_UID": real["app_uid"], "DEL_INDEX": real["del_index"]}]
        body["usr_uid_target"] = fx.reassign_user_uid
    return steered


# the case lists and their /paged twins (seed 004): paths whose limit-less request is the whole list
_LISTS = {p + s for p in LIST_PATHS.values() for s in ("", "/paged")}


def _bounded(case) -> None:  # noqa: ANN001
    """A generated list request always names a small `limit`: the 3.5.8 server has no default and reads 0 as
    no limit at all (Api:228, Apps:799; vendor audit F1, M13), so a generated one missing, 0 or huge would
    download the whole list from a real server. Other generated values are sent as they are."""
    if case.method.upper() != "GET" or case.path not in _LISTS:
        return
    query = case.query if isinstance(case.query, dict) else {}
    raw = query.get("limit")
    limit = int(raw) if isinstance(raw, int) and not isinstance(raw, bool) or str(raw).isdigit() else None
    # a negative or non-numeric one too: PHP reads it as 0 or below, and the server's LIMIT clause only
    # applies `if ($limit > 0)` (thirdparty/creole MySQLConnection.php:178)
    if limit is None or not 0 < limit <= LIMIT:
        query["limit"] = LIMIT
        case.query = query


def _send(case, pm: PmApi, then: Callable[[Exchange], Any], independent: bool = False) -> None:
    """Send a case; `then(exchange)` judges the answer (now, or for a read or an `independent` write sent
    side by side, when the test ends, in order: Session.submit). A request HTTP/1.1 cannot carry raises
    here, before anything is sent."""
    _bounded(case)
    kwargs = case.as_transport_kwargs(base_url=pm.target.base_url)
    raw = kwargs.get("data")
    files = kwargs.get("files")
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    if files:
        headers.pop("Content-Type", None)  # httpx sets the multipart boundary
        files = [(name, value if isinstance(value, (bytes, str, tuple)) else json.dumps(value))
                 for name, value in (files.items() if isinstance(files, dict) else files)]
    pm.s.submit(then, kwargs["method"], kwargs["url"], json_body=kwargs.get("json"),
                content=raw if isinstance(raw, (bytes, str)) else None,
                data=raw if isinstance(raw, dict) else None, files=files or None,
                headers=headers, params=kwargs.get("params"), independent=independent)


def _remember(case, ex: Exchange, real: dict[str, Any] | None) -> None:
    """An input document this run uploaded is one the delete operation may be steered to."""
    body = ex.json()
    if real is not None and ok(ex) and case.path == "/cases/{app_uid}/input-document" and isinstance(body, dict) \
            and isinstance(body.get("app_doc_uid"), str) and ex.url.rstrip("/").endswith(
                f"/cases/{seg(real['app_uid'])}/input-document"):
        real["documents"].append(body["app_doc_uid"])


@schema.parametrize()
@pytest.mark.requirement("PM-SCHEMA-001")
def test_responses_conform_to_spec(case, pm, target, real_cases, observe, conformance_run):
    operation = case.operation.method.upper()
    if target.safety.read_only:
        if operation not in READ_ONLY_METHODS:
            pytest.skip(f"read_only target: {operation} is not a read-only method")
        if case.method.upper() not in READ_ONLY_METHODS:
            reject()  # schemathesis probing an undocumented method on a read-only operation
    real = real_cases.for_operation(operation, case.operation.path)
    steered = _steer(case, pm, real)

    def judged(ex):
        pm.track(ex)  # a case a generated create started is retired with the others
        _remember(case, ex, real)
        # each distinct failure is a finding; generation goes on, so that this operation's first failure
        # does not hide the others
        if judge(case, ex, CHECKS, conformance_run.report, "PM-SCHEMA-001", "generated") \
                and body_only_negative(case) and ex.status is not None and 200 <= ex.status < 300:
            # our schema is stricter than the documents in places: recorded, not failed
            observe("PM-SCHEMA-001", f"accepted_invalid_body {case.method} {case.path}", ex.id, first_only=True)

    try:
        # a write with generated IDs names no case of this run (404 or a refusal whenever it arrives), and
        # a create starts a case no other request of the test names: both go side by side
        _send(case, pm, judged, independent=not steered)
    except (UnicodeEncodeError, httpx.InvalidURL, httpx.LocalProtocolError, TypeError, ValueError, AttributeError):
        reject()  # not sendable over HTTP/1.1 at all: nothing to learn from it


# -- members of the wrong JSON type (conformance/suites/schema_cases.py says why) ------------------------
def valid_body(operation: tuple[str, str], pm: PmApi, real: dict[str, Any]) -> dict[str, Any]:
    """A body the operation accepts for the case of this run (seed 004 request samples)."""
    fx = pm.fx
    create = {"pro_uid": fx.process_uid, "tas_uid": fx.task_uid, "variables": [{"conformance_run": pm.tag}]}
    return {
        ("POST", "/cases"): create,
        ("POST", "/cases/impersonate"): {**create, "usr_uid": fx.reassign_user_uid},
        ("POST", "/cases/reassign"): {"cases": [{"APP_UID": real["app_uid"], "DEL_INDEX": real["del_index"]}],
                                      "usr_uid_target": fx.reassign_user_uid},
        ("PUT", "/cases/{app_uid}/reassign-case"): {"usr_uid_source": fx.caller_user_uid,
                                                    "usr_uid_target": fx.reassign_user_uid},
        ("PUT", "/cases/{app_uid}/route-case"): {"del_index": real["del_index"]},
        ("PUT", "/cases/{app_uid}/pause"): {"unpaused_date": ""},
        ("POST", "/cases/{app_uid}/note"): {"note_content": f"{pm.tag} wrong-type probe"},
    }[operation]


WRONG_TYPE_OPERATIONS = (("POST", "/cases"), ("POST", "/cases/impersonate"), ("POST", "/cases/reassign"),
                         ("PUT", "/cases/{app_uid}/reassign-case"), ("PUT", "/cases/{app_uid}/route-case"),
                         ("PUT", "/cases/{app_uid}/pause"), ("POST", "/cases/{app_uid}/note"))


@pytest.mark.requirement("PM-SCHEMA-001")
@pytest.mark.writes
@pytest.mark.parametrize("operation", operation_params(WRONG_TYPE_OPERATIONS, OPERATION_CAPABILITIES))
def test_members_of_the_wrong_type_are_refused(operation, pm, real_cases, observe, conformance_run):
    method, path = operation
    real = real_cases.fresh("wrong types")
    if real is None:
        raise PreconditionFailed("no case of this run to send the bodies to (PM-LIFE-001's tests say why)")
    body = valid_body(operation, pm, real)
    params = {"app_uid": real["app_uid"]} if "{app_uid}" in path else {}
    # the run tag in a new case's variables stays as it is (staging safety)
    for what, case in wrong_type_cases(schema, operation, body, frozenset({"variables"}), path_parameters=params):
        def judged(ex, case=case, what=what):
            pm.track(ex)
            if judge(case, ex, CHECKS, conformance_run.report, "PM-SCHEMA-001", what) and ok(ex):
                # a server may coerce the value; the schema refuses it: recorded, not failed
                observe("PM-SCHEMA-001", f"accepted_wrong_type {method} {path}", ex.id, first_only=True)

        _send(case, pm, judged)
