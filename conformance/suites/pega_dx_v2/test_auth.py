"""Every operation refuses a missing or an invalid bearer token with 401
(seed 000: OAuth 2.0 client credentials / password grant protect the API).

The operations are those of specs/pega-dx-v2.yaml (model.OPERATION_CAPABILITIES, which a
test keeps equal to the spec); an operation whose capability the target does not declare
is skipped, naming it, since a server without it answers 404, not 401.
"""

from __future__ import annotations

import re

import pytest

from conformance.checks import status_in
from conformance.failures import PreconditionFailed
from conformance.suites.pega_dx_v2.client import seg
from conformance.suites.pega_dx_v2.model import OPERATION_CAPABILITIES

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
TOKENS = {"missing": False, "invalid": "Bearer conformance-invalid-token-0000"}


def _params():
    for (method, path), needs in OPERATION_CAPABILITIES.items():
        for token in TOKENS:
            marks = [pytest.mark.writes] if method in MUTATING else []
            if needs:
                marks.append(pytest.mark.needs(*needs))
            yield pytest.param(method, path, token, id=f"{method} {path} {token}-token", marks=marks)


@pytest.fixture(scope="module")
def real_ids(pega, target):
    """IDs of a real case, so that a 404 cannot stand in for the 401. A step that fails here
    does not stop the test: the 401 must come before any lookup, so an unknown ID still tests
    the token check (the step's own requirement reports the defect)."""
    fake = {"caseID": "CONF-NO-SUCH-WORK X-1", "assignmentID": "ASSIGN-WORKLIST CONF-NO-SUCH-WORK X-1!FLOW",
            "case_action": target.fixtures.update_action_id, "assignment_action": "Submit", "stageID": "PRIM0",
            "viewID": "Create", "attachmentID": "LINK-ATTACHMENT none", "dataViewID": target.fixtures.data_view_id or "none",
            "caseTypeID": target.fixtures.case_type_id}
    if target.safety.read_only:
        return fake
    ids = dict(fake)
    try:
        case_id, _ = pega.new_case()
        etag, info, _ = pega.read(case_id)
    except PreconditionFailed:
        return fake
    ids.update(caseID=case_id, etag=etag)
    stages = info.get("stages") or [{}]
    if isinstance(stages[0], dict) and stages[0].get("ID"):
        ids["stageID"] = str(stages[0]["ID"])
    if target.capabilities.assignments:
        try:
            ids["assignmentID"], ids["assignment_action"] = pega.assignment_of(info)
        except PreconditionFailed:
            pass
    if target.capabilities.attachments:
        try:
            ids["attachmentID"] = pega.attach_file(case_id, "auth-probe.txt", b"probe", "text/plain")[0]["ID"]
        except PreconditionFailed:
            pass
    return ids


def _url(path: str, ids: dict[str, str]) -> str:
    action = ids["assignment_action"] if path.startswith("/assignments") else ids["case_action"]
    # an ID the run has no real value for (a process, a step, ...): any value, the 401 comes before any lookup
    return re.sub(r"\{(\w+)\}", lambda m: seg(action if m.group(1) == "actionID" else ids.get(m.group(1), "none")),
                  path)


@pytest.mark.requirement("PEGA-AUTH-001")
@pytest.mark.parametrize("method,path,token", list(_params()))
def test_operation_without_valid_token_answers_401(pega, real_ids, method, path, token):
    body = {"caseTypeID": pega.target.fixtures.case_type_id, "content": {pega.field: pega.label("no-token")}} \
        if method == "POST" and path == "/cases" else ({"content": {}} if method in {"PATCH", "PUT", "POST"} else None)
    headers = {"If-Match": real_ids["etag"]} if "etag" in real_ids and method in {"PATCH", "PUT", "POST"} else {}
    ex = pega.s.request(method, _url(path, real_ids), json_body=body, headers=headers, auth=TOKENS[token])
    pega.track(ex)
    status_in(ex, {401}, "PEGA-AUTH-001", f"{method} {path} with {'no' if token == 'missing' else 'an invalid'} token")
