"""Stateful: create, read, update (current and stale eTag), delete, checked
against a small in-memory model (STYLE.md, hypothesis RuleBasedStateMachine).

The model is what the documents promise: a GET shows the last accepted
content (seed 000) and the eTag the last write answered (VF eTag); a write
with the current eTag succeeds with a new eTag; a stale one is refused with
409/412 (VF SW); DELETE works in the create stage (seed 000).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, precondition, rule

from conformance.checks import violate
from conformance.suites.pega_dx_v2.client import case_info, content_value, same_etag
from conformance.suites.stateful import parts, run_part

LABELS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -", min_size=1, max_size=16)


class CaseLifecycle(RuleBasedStateMachine):
    pega = None  # set by the test: the PegaApi of this run
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, dict] = {}

    @rule(target=cases, label=LABELS)
    def create(self, label):
        value = self.pega.label(label)
        case_id, _ = self.pega.new_case({self.pega.field: value})
        etag, _, _ = self.pega.read(case_id)
        self.model[case_id] = {"value": value, "etag": etag, "old": []}
        return case_id

    @rule(case=cases)
    def read(self, case):
        ex = self.pega.get_case(case)
        expected = self.model[case]
        info = case_info(ex)
        if ex.status != 200 or info is None:
            raise violate("PEGA-CASE-003", f"GET of a live case answered {ex.status}", ex)
        if content_value(info, self.pega.field) != expected["value"]:
            raise violate("PEGA-CASE-003", f"content.{self.pega.field} is {content_value(info, self.pega.field)!r}, "
                          f"the last accepted write set {expected['value']!r}", ex)
        if not same_etag(ex.header("ETag"), expected["etag"]):
            raise violate("PEGA-ETAG-002", f"GET shows eTag {ex.header('ETag')!r}, the last write answered "
                          f"{expected['etag']!r}", ex)

    @rule(case=cases, label=LABELS)
    def update_current(self, case, label):
        state = self.model[case]
        value = self.pega.label(label)
        ex = self.pega.update(case, state["etag"], {self.pega.field: value})
        if ex.status is None or not 200 <= ex.status < 300:
            raise violate("PEGA-ETAG-002", f"write with the current eTag {state['etag']!r} answered {ex.status}", ex)
        new = ex.header("ETag")
        if not new or same_etag(new, state["etag"]):
            raise violate("PEGA-ETAG-002", f"write answered eTag {new!r}; a new, different one is required", ex)
        state["old"].append(state["etag"])
        state.update(value=value, etag=new)

    @precondition(lambda self: any(s["old"] for s in self.model.values()))
    @rule(data=st.data(), label=LABELS)
    def update_stale(self, data, label):
        case = data.draw(st.sampled_from(sorted(c for c, s in self.model.items() if s["old"])))
        state = self.model[case]
        stale = data.draw(st.sampled_from(state["old"]))
        ex = self.pega.update(case, stale, {self.pega.field: self.pega.label(label)})
        if ex.status not in (409, 412):
            raise violate("PEGA-ETAG-003", f"write with stale eTag {stale!r} answered {ex.status}", ex)

    @rule(case=consumes(cases))
    def delete(self, case):
        ex = self.pega.delete_case(case)
        if ex.status is None or not 200 <= ex.status < 300:
            raise violate("PEGA-CASE-002", f"DELETE in the create stage answered {ex.status}", ex)
        self.pega.ledger.forget("case", case)
        del self.model[case]
        gone = self.pega.get_case(case)
        if gone.status is not None and 200 <= gone.status < 300:
            raise violate("PEGA-CASE-002", f"deleted case still answers {gone.status}", ex, gone)


@pytest.mark.requirement("PEGA-ETAG-002", "PEGA-ETAG-003", "PEGA-CASE-002", "PEGA-CASE-003")
@pytest.mark.writes
@pytest.mark.needs("delete_case")
@parts(2)  # 28 s at 100 ms under --workers 8, the run's second longest test (conformance/suites/stateful.py)
def test_case_lifecycle_matches_model(pega, part):
    CaseLifecycle.pega = pega
    run_part(CaseLifecycle, part)
