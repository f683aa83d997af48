"""Stateful: a case's participants under random adds, updates, removals and stale writes, checked
against a small in-memory model (STYLE.md, hypothesis RuleBasedStateMachine).

The model is what the sources promise (marco-looy/pega-dx-mcp src/api/v2/client-v2.js L1813-2036):
the list shows exactly the participants added and not yet removed, a participant's GET shows the
last accepted update, every write needs the case's current eTag in If-Match, and a write with an
eTag an earlier write made stale is refused with 409 or 412 (VF SW) and changes nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conformance.checks import violate
from conformance.suites.pega_dx_v2.collab import PARTICIPANT, STALE, Collaboration, holds, ok
from conformance.suites.stateful import parts, run_part

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


class Participants(RuleBasedStateMachine):
    pega = None  # set by the test: the PegaApi of this run

    def __init__(self) -> None:
        super().__init__()
        self.collab = Collaboration(self.pega)
        self.model: dict[str, str] = {}  # participant ID -> the last name last set
        self.old_etags: list[str] = []

    @initialize()
    def case(self):
        self.case_id, _ = self.pega.new_case()
        self.role = self.collab.role(self.case_id)

    def current(self) -> str:
        etag, _, _ = self.pega.read(self.case_id)
        return etag

    def written(self, before: str) -> None:
        self.old_etags.append(before)

    @rule(name=NAMES)
    def add(self, name):
        before = self.current()
        value = self.pega.label(name)
        participant_id, _ = self.collab.new_participant(
            self.case_id, self.role, {"pyFirstName": "Conformance", "pyLastName": value})
        self.written(before)
        self.model[participant_id] = value

    @precondition(lambda self: self.model)
    @rule(data=st.data(), name=NAMES)
    def update(self, data, name):
        participant_id = data.draw(st.sampled_from(sorted(self.model)))
        before = self.current()
        value = self.pega.label(name)
        ex = self.collab.update_participant(self.case_id, participant_id, before, {"pyLastName": value})
        if not ok(ex):
            raise violate("PEGA-PART-001", f"update of a listed participant with the current eTag answered {ex.status}",
                          ex, operation=f"PATCH {PARTICIPANT}", detail=f"status {ex.status}")
        self.written(before)
        self.model[participant_id] = value

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove(self, data):
        participant_id = data.draw(st.sampled_from(sorted(self.model)))
        before = self.current()
        ex = self.collab.delete_participant(self.case_id, participant_id, before)
        if not ok(ex):
            raise violate("PEGA-PART-001",
                          f"removal of a listed participant with the current eTag answered {ex.status}", ex,
                          operation=f"DELETE {PARTICIPANT}", detail=f"status {ex.status}")
        self.written(before)
        del self.model[participant_id]

    @precondition(lambda self: self.model and self.old_etags)
    @rule(data=st.data(), name=NAMES)
    def stale_update(self, data, name):
        participant_id = data.draw(st.sampled_from(sorted(self.model)))
        stale = data.draw(st.sampled_from(self.old_etags))
        ex = self.collab.update_participant(self.case_id, participant_id, stale, {"pyLastName": self.pega.label(name)})
        if ex.status not in STALE:
            raise violate("PEGA-ETAG-003", f"participant update with stale eTag {stale!r} answered {ex.status}", ex,
                          operation=f"PATCH {PARTICIPANT}", detail=f"status {ex.status}")

    @invariant()
    def listed_as_modelled(self):
        if not hasattr(self, "case_id"):
            return
        listed, ex = self.collab.participant_ids(self.case_id)
        if listed != set(self.model):
            raise violate("PEGA-PART-001", f"the list shows {sorted(listed)!r}; added and not removed are "
                          f"{sorted(self.model)!r}", ex, detail="list differs from the participants added")

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def read(self, data):
        participant_id = data.draw(st.sampled_from(sorted(self.model)))
        ex = self.collab.get_participant(self.case_id, participant_id)
        if ex.status != 200 or not holds(ex.json(), self.model[participant_id]):
            raise violate("PEGA-PART-001", f"GET of participant {participant_id} answered {ex.status} without the last "
                          f"accepted update {self.model[participant_id]!r}", ex, operation=f"GET {PARTICIPANT}",
                          detail="participant not as last updated")


@pytest.mark.requirement("PEGA-PART-001", "PEGA-ETAG-003")
@pytest.mark.writes
@pytest.mark.needs("participants")
@parts(4)  # the run's longest test at 100 ms (68 s of 133 under --workers 8): four parts spread over workers
def test_participants_match_model(pega, part):
    Participants.pega = pega
    run_part(Participants, part, stateful_step_count=8)
