"""The stages of a case (VF SW table: GET /cases/{caseID}/stages answers 200; seed 000's create
response and the corpus show the stage items: ID, name, visited_status, entryTime)."""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.suites.pega_dx_v2 import flows

pytestmark = pytest.mark.needs("stages")


@pytest.mark.requirement("PEGA-STAGE-001")
def test_case_stages_list_the_current_stage(pega, observe):
    case_id = pega.some_case()
    _, info, read = pega.read(case_id)
    ex = flows.stages(pega, case_id)
    # VF SW table: GET /cases/{caseID}/stages | 200
    flows.expect_status(ex, {200}, "PEGA-STAGE-001", flows.STAGES, "GET of the stages of an existing case")
    body = ex.json()
    items = body.get("stages") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise violate("PEGA-STAGE-001", "the stages answer lists no stages", ex, operation=flows.STAGES,
                      detail="no stages listed")
    ids = [i.get("ID") for i in items if isinstance(i, dict)]
    current = info.get("stageID")
    # the case is in one of its stages (seed 000: caseInfo.stageID PRIM0 is the first item of stages[])
    if current is not None and current not in ids:
        raise violate("PEGA-STAGE-001", f"the case is in stage {current!r} but its stages are {ids!r}", read, ex,
                      operation=flows.STAGES, detail="current stage not listed")
    # which words a server uses for a stage's progress (corpus: "completed", "active", "future";
    # the documents' samples only "active" and "future")
    observe("PEGA-STAGE-001", "stage_visited_status",
            sorted({str(i.get("visited_status")) for i in items if isinstance(i, dict) and "visited_status" in i}))
