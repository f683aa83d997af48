"""Property-based: schemathesis generates requests from specs/pega-dx-v2.yaml
and every response must be one the document allows (PEGA-SCHEMA-001).

Requests go through the instrumented Session (auth, budget, exchange log);
schemathesis only generates them and judges the responses. Half of the
generated IDs are swapped for a real case of this run, so that success
responses are exercised, not only 404s.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import reject
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.checks.pega import pega_error_body, pega_etag_header
from conformance.failures import PreconditionFailed
from conformance.http import READ_ONLY_METHODS
from conformance.spec_cache import openapi_schema
from conformance.suites.pega_dx_v2 import collab, flows
from conformance.suites.pega_dx_v2.model import OPERATION_CAPABILITIES
from conformance.suites.schema_cases import body_only_negative, judge, operation_params, pick, wrong_type_cases

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, pega_error_body, pega_etag_header]


# Loaded at import (one test item per operation). schemathesis.pytest.from_fixture
# would defer it, but schemathesis 4.32.5's lazy loader sets Function._nodeid,
# which pytest 9.2 no longer has.
schema = openapi_schema("pega-dx-v2")
# examples and fuzzing: the coverage phase builds every boundary case while collecting, ~4 s in every
# run, scoped ones included (the profile of a Pega run); fuzzing still draws boundary values
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture
def real_case(pega, target):
    """A real case (and its assignment) to steer generated IDs to. A step that fails here is
    its own requirement's finding, reported by that requirement's tests; the generated
    requests go on with the IDs they have, so no requirement is skipped for it."""
    if target.safety.read_only and not target.fixtures.existing_case_id:
        return None
    try:
        case_id = pega.some_case()
        etag, info, _ = pega.read(case_id)
    except PreconditionFailed:
        return None
    assignment = None
    if target.capabilities.assignments and info.get("assignments"):
        try:
            assignment = pega.assignment_of(info)
        except PreconditionFailed:
            pass
    return {"case": case_id, "etag": etag, "assignment": assignment}


def _sendable_files(files):
    """Negative generation can put an integer or null in a form part; on the wire every part is text."""
    if not files:
        return None
    items = files.items() if isinstance(files, dict) else files
    out = []
    for name, value in items:
        if isinstance(value, tuple):
            head, content, *rest = value
            content = content if isinstance(content, (bytes, str)) else json.dumps(content)
            out.append((name, (head, content, *rest)))
        else:
            out.append((name, value if isinstance(value, (bytes, str)) else json.dumps(value)))
    return out


def observe_negative(case, ex, observe) -> None:
    """A body that violates the schema and is accepted is recorded, not failed: our schema is
    stricter than the documents in places (PEGA-ERR-002's own tests cover the documented shapes)."""
    if body_only_negative(case) and ex.status is not None and 200 <= ex.status < 300:
        observe("PEGA-SCHEMA-001", f"accepted_invalid_body {case.method} {case.path}", ex.id, first_only=True)


def _steer(case, pega, real) -> bool:
    """Real IDs in place of generated ones (half of the cases); True when a path parameter may now name a
    resource of the run, whose state other requests of the test read or change."""
    if body_only_negative(case):
        return False  # keep the generated (invalid) body and IDs as they are
    params = case.path_parameters or {}
    steered = real is not None and pick(params)
    if steered:
        if "caseID" in params:
            params["caseID"] = real["case"]
        if "assignmentID" in params and real["assignment"]:
            params["assignmentID"], action = real["assignment"]
            if "actionID" in params:
                params["actionID"] = action
        collab.steer(case, pega, real)  # the collaboration operations' sub-resource IDs (collab.py)
        flows.steer(case, pega)  # case type and case-wide action of the client operations (flows.py)
        if case.headers and "If-Match" in case.headers:
            case.headers["If-Match"] = real["etag"]
    if case.method == "POST" and case.path == "/cases" and isinstance(case.body, dict):
        if pick(case.body):
            case.body["caseTypeID"] = pega.target.fixtures.case_type_id
        # every case the run may create carries the run tag (staging safety)
        if isinstance(case.body.get("content"), dict):
            case.body["content"][pega.field] = pega.label("property")
    return steered and bool(params)  # without path parameters: a create, or a bulk write of generated IDs


def _send(case, pega, target, then, independent: bool = False) -> bool:
    """Send a schemathesis case through the instrumented Session; `then(exchange)` judges the answer (now,
    or for a read or an `independent` write sent side by side, when the test ends, in order:
    Session.submit). False when HTTP/1.1 cannot carry the request (found while building it, before
    anything is sent)."""
    kwargs = case.as_transport_kwargs(base_url=target.base_url)
    body = kwargs.get("json")
    raw = kwargs.get("data")
    files = _sendable_files(kwargs.get("files"))  # multipart (POST /attachments/upload)
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    if files:
        headers.pop("Content-Type", None)  # httpx sets the multipart boundary

    def tracked(ex):
        pega.track(ex)
        then(ex)

    try:
        pega.s.submit(tracked, kwargs["method"], kwargs["url"], json_body=body,
                      content=raw if isinstance(raw, (bytes, str)) else None,
                      data=raw if isinstance(raw, dict) else None, files=files or None,
                      headers=headers, params=kwargs.get("params"), independent=independent)
    except (UnicodeEncodeError, httpx.InvalidURL, httpx.LocalProtocolError, TypeError, ValueError, AttributeError):
        return False
    return True


@schema.parametrize()
@pytest.mark.requirement("PEGA-SCHEMA-001")
def test_responses_conform_to_spec(case, pega, target, real_case, observe, conformance_run):
    if target.safety.read_only:
        if case.operation.method.upper() not in READ_ONLY_METHODS:
            pytest.skip(f"read_only target: {case.operation.method.upper()} is not a read-only method")
        if case.method.upper() not in READ_ONLY_METHODS:
            reject()  # schemathesis probing an undocumented method on a read-only operation
    steered = _steer(case, pega, real_case)

    def judged(ex):
        # each distinct failure is a finding (ours name their own requirement); generation goes on, so that
        # this operation's first failure does not hide the others
        if judge(case, ex, CHECKS, conformance_run.report, "PEGA-SCHEMA-001", "generated"):
            observe_negative(case, ex, observe)

    # a write whose IDs were generated names nothing of this run (an answer the same whenever it arrives:
    # 404, or a refusal of its body), and a create adds a resource no other request of the test names
    if not _send(case, pega, target, judged, independent=not steered):
        reject()  # not sendable over HTTP/1.1 at all: nothing to learn from it


# -- members of the wrong JSON type (conformance/suites/schema_cases.py says why) ------------------------
WRONG_TYPE_OPERATIONS = (("POST", "/cases"), ("PATCH", "/cases/{caseID}/actions/{actionID}"),
                         ("POST", "/cases/{caseID}/attachments"), ("POST", "/data_views/{dataViewID}"))


def _valid(operation, pega, target, case_id):
    """(body, path parameters) the operation accepts for a case of this run (seed 000 create payload,
    seed 001 URL attachment, VF data view paging)."""
    fx = target.fixtures
    return {
        ("POST", "/cases"): ({"caseTypeID": fx.case_type_id, "content": {pega.field: pega.label("wrong types")}}, {}),
        ("PATCH", "/cases/{caseID}/actions/{actionID}"): (
            {"content": {pega.field: pega.label("wrong types")}}, {"caseID": case_id, "actionID": fx.update_action_id}),
        ("POST", "/cases/{caseID}/attachments"): (
            {"attachments": [{"type": "URL", "category": fx.url_category, "url": "https://example.com/conformance",
                              "name": pega.label("wrong types")}]}, {"caseID": case_id}),
        ("POST", "/data_views/{dataViewID}"): ({"paging": {"pageNumber": 1, "pageSize": 5}},
                                             {"dataViewID": fx.data_view_id or ""}),
    }[operation]


@pytest.mark.requirement("PEGA-SCHEMA-001")
@pytest.mark.writes
@pytest.mark.parametrize("operation", operation_params(WRONG_TYPE_OPERATIONS, OPERATION_CAPABILITIES))
def test_members_of_the_wrong_type_are_refused(operation, pega, target, observe, conformance_run):
    """Each write's valid body with each member, in turn, a JSON list and an object: a documented refusal
    (400/422 with the error body) or an acceptance, never a 5xx (stock schemathesis found POST /cases
    answering 500 to an ID member sent as a list, on a server that passed everything else)."""
    method, path = operation
    case_id = pega.new_case()[0] if "{caseID}" in path else None
    body, params = _valid(operation, pega, target, case_id)
    for what, case in wrong_type_cases(schema, operation, body, path_parameters=params):
        if method == "PATCH":  # an eTag-locked write: with the current eTag, so that only the body is wrong
            case.headers = {**(case.headers or {}), "If-Match": pega.read(case_id)[0]}

        def judged(ex, case=case, what=what):
            if judge(case, ex, CHECKS, conformance_run.report, "PEGA-SCHEMA-001", what) \
                    and ex.status is not None and 200 <= ex.status < 300:
                # a server may coerce the value; recorded, not failed
                observe("PEGA-SCHEMA-001", f"accepted_wrong_type {method} {path}", ex.id, first_only=True)

        # a create, and a data view query (POST, but a read: VF data view paging), answer the same
        # whenever they arrive; the writes to the test's case go one after another
        _send(case, pega, target, judged, independent=case_id is None)
