"""Every operation refuses a missing or an invalid bearer token with 401
(seed 000: OAuth 2.0 client credentials / password grant protect the API)."""

from __future__ import annotations

import pytest

from conformance.checks import status_in
from conformance.failures import PreconditionFailed
from conformance.suites.pega_dx_v2.client import seg

# (method, path template, mutating?) for every operation in specs/pega-dx-v2.yaml
OPERATIONS = [
    ("POST", "/cases", True),
    ("GET", "/cases/{case}", False),
    ("DELETE", "/cases/{case}", True),
    ("GET", "/cases/{case}/actions/{action}", False),
    ("PATCH", "/cases/{case}/actions/{action}", True),
    ("GET", "/cases/{case}/stages", False),
    ("POST", "/cases/{case}/stages/next", True),
    ("PUT", "/cases/{case}/stages/{stage}", True),
    ("GET", "/assignments/next", False),
    ("GET", "/assignments/{assignment}", False),
    ("GET", "/assignments/{assignment}/actions/{assignment_action}", False),
    ("PATCH", "/assignments/{assignment}/actions/{assignment_action}", True),
    ("PATCH", "/assignments/{assignment}/actions/{assignment_action}/save", True),
    ("POST", "/attachments/upload", True),
    ("POST", "/cases/{case}/attachments", True),
    ("GET", "/cases/{case}/attachments", False),
    ("GET", "/cases/{case}/attachment_categories", False),
    ("GET", "/attachments/{attachment}", False),
    ("PATCH", "/attachments/{attachment}", True),
    ("DELETE", "/attachments/{attachment}", True),
    ("GET", "/data_views/{data_view}", False),
    ("POST", "/data_views/{data_view}", True),
    ("POST", "/data_views/{data_view}/count", True),
]
TOKENS = {"missing": False, "invalid": "Bearer conformance-invalid-token-0000"}


def _params():
    for method, path, mutating in OPERATIONS:
        for token in TOKENS:
            marks = [pytest.mark.writes] if mutating else []
            if "assignment" in path:
                marks.append(pytest.mark.needs("assignments"))
            if "attachment" in path:
                marks.append(pytest.mark.needs("attachments"))
            if "data_view" in path:
                marks.append(pytest.mark.needs("data_views"))
            yield pytest.param(method, path, token, id=f"{method} {path} {token}-token", marks=marks)


@pytest.fixture(scope="module")
def real_ids(pega, target):
    """IDs of a real case, so that a 404 cannot stand in for the 401."""
    if target.safety.read_only:
        return {"case": "CONF-NO-SUCH-WORK X-1", "assignment": "ASSIGN-WORKLIST CONF-NO-SUCH-WORK X-1!FLOW",
                "action": target.fixtures.update_action_id, "assignment_action": "Submit", "stage": "PRIM0",
                "attachment": "LINK-ATTACHMENT none", "data_view": target.fixtures.data_view_id or "none"}
    case_id, _ = pega.new_case()
    etag, info, _ = pega.read(case_id)
    assignment_id, action_id = pega.assignment_of(info) if target.capabilities.assignments else ("none", "none")
    stages = info.get("stages") or [{}]
    attachment = "LINK-ATTACHMENT none"
    if target.capabilities.attachments:
        try:
            attachment = pega.attach_file(case_id, "auth-probe.txt", b"probe", "text/plain")[0]["ID"]
        except PreconditionFailed:
            pass  # a 401 must come before any lookup: an unknown ID still tests the token check
    return {"case": case_id, "assignment": assignment_id, "action": target.fixtures.update_action_id,
            "assignment_action": action_id, "stage": str(stages[0].get("ID", "PRIM0")), "etag": etag,
            "attachment": attachment, "data_view": target.fixtures.data_view_id or "none"}


@pytest.mark.requirement("PEGA-AUTH-001")
@pytest.mark.parametrize("method,path,token", list(_params()))
def test_operation_without_valid_token_answers_401(pega, real_ids, method, path, token):
    url = path.format(**{k: seg(v) for k, v in real_ids.items() if k != "etag"})
    body = {"caseTypeID": pega.target.fixtures.case_type_id, "content": {pega.field: pega.label("no-token")}} \
        if method == "POST" and path == "/cases" else ({"content": {}} if method in {"PATCH", "PUT", "POST"} else None)
    headers = {"If-Match": real_ids["etag"]} if "etag" in real_ids and method in {"PATCH", "PUT", "POST"} else {}
    ex = pega.s.request(method, url, json_body=body, headers=headers, auth=TOKENS[token])
    pega.track(ex)
    status_in(ex, {401}, "PEGA-AUTH-001", f"{method} {path} with a {token} token")
