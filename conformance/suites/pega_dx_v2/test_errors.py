"""Error answers: unknown resources and malformed bodies (VF SW status codes,
VF "Error body v2", seed 001's error sample)."""

from __future__ import annotations

import uuid

import pytest

from conformance.checks import status_in
from conformance.checks.pega import error_body_has_details, error_body_v2
from conformance.suites.pega_dx_v2.client import seg


def unknown_case_id(pega) -> str:
    return f"CONF-NO-SUCH-WORK {pega.tag}-{uuid.uuid4().hex[:8]}"


def unknown_case(pega):
    return pega.get_case(unknown_case_id(pega))


def unknown_assignment(pega):
    return pega.get_assignment(f"ASSIGN-WORKLIST {unknown_case_id(pega)}!NO_SUCH_FLOW")


def unknown_case_action(pega):
    return pega.s.request("GET", f"/cases/{seg(unknown_case_id(pega))}/actions/"
                          f"{seg(pega.target.fixtures.update_action_id)}")


UNKNOWN = {"case": unknown_case, "assignment": unknown_assignment, "case-action": unknown_case_action}


@pytest.mark.requirement("PEGA-ERR-001")
@pytest.mark.parametrize("kind", sorted(UNKNOWN))
def test_unknown_resource_get_answers_404_error_body(pega, kind):
    ex = UNKNOWN[kind](pega)
    status_in(ex, {404}, "PEGA-ERR-001", f"GET of an unknown {kind}")
    error_body_v2(ex, "PEGA-ERR-001")


def not_json(pega):
    return pega.create_case(body=b'{"caseTypeID": "unterminated')


def content_not_object(pega):
    return pega.create_case(body={"caseTypeID": pega.target.fixtures.case_type_id, "content": ["not", "an", "object"]})


def case_type_not_string(pega):
    return pega.create_case(body={"caseTypeID": 12345, "content": {}})


def body_is_array(pega):
    return pega.create_case(body=[{"caseTypeID": pega.target.fixtures.case_type_id}])


def action_not_json(pega):
    case_id, _ = pega.new_case()
    etag, _, _ = pega.read(case_id)
    return pega.update(case_id, etag, body=b"{content: nope")


MALFORMED = {
    "create-not-json": not_json,
    "create-content-not-object": content_not_object,
    "create-case-type-not-string": case_type_not_string,
    "create-body-array": body_is_array,
    "action-not-json": action_not_json,
}


@pytest.mark.requirement("PEGA-ERR-002")
@pytest.mark.writes
@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_body_answers_400_or_422_error_body(pega, kind, observe):
    ex = MALFORMED[kind](pega)
    # VF SW: POST /cases and the action PATCHes list 400 and 422
    status_in(ex, {400, 422}, "PEGA-ERR-002", f"malformed body ({kind})")
    error_body_v2(ex, "PEGA-ERR-002")
    observe("PEGA-ERR-002", f"{kind}_status", ex.status)


@pytest.mark.requirement("PEGA-ERR-003")
def test_error_body_carries_localized_details(pega, target):
    # Pega's own UI reads errorDetails[0].localizedValue (VF); seed 001 shows it filled
    answers = [unknown_case(pega)]
    if not target.safety.read_only:
        answers.append(not_json(pega))
    for ex in answers:
        if ex.status is not None and ex.status >= 400 and isinstance(ex.json(), dict):
            error_body_has_details(ex)
