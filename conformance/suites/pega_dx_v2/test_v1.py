"""The v1-style update: PUT /prweb/api/v1/cases/{ID} with If-Match answers 204
with no body (seed 000: "response code is 204, hence it is a successful hit")."""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.suites.pega_dx_v2.client import content_value, seg

pytestmark = [pytest.mark.needs("v1_update"), pytest.mark.writes]


@pytest.mark.requirement("PEGA-V1-001")
def test_case_v1_put_current_etag_answers_204(pega, target):
    case_id, _ = pega.new_case()
    etag, _, _ = pega.read(case_id)
    value = pega.label("v1-put")
    # seed 000's sample payload: content plus pageInstructions
    ex = pega.s.request("PUT", f"/cases/{seg(case_id)}", base=target.fixtures.v1_base_url,
                        json_body={"content": {pega.field: value}}, headers={"If-Match": etag})
    if ex.status != 204:
        raise violate("PEGA-V1-001", f"v1 PUT answered {ex.status}, expected 204", ex)
    if ex.body:
        raise violate("PEGA-V1-001", f"v1 PUT 204 carried a body of {len(ex.body)} bytes", ex)
    _, info, read = pega.read(case_id)
    if content_value(info, pega.field) != value:
        raise violate("PEGA-V1-001", "the v1 PUT answered 204 but the content did not change", ex, read)
