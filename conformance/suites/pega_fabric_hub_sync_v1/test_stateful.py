"""The registration life cycle as a state machine checked against a model (STYLE.md 6).

Model (VF table and Pega's Process Fabric Hub pages, as the vendor audit quotes them): a new
registration is Pending-Activation; enablesync moves it to syncing (Sync-InProgress; samples:
Open-SyncProgress); once tasks, work queues and operators have ended their initial load it is
Active; disablesync stops syncing ("Disabled - Sync Stopped" on Pega's pages; which state is
recorded); disable applies only to an Active registration and hides it, enable brings it back;
PATCH is refused while syncing or Resolved and applied in any other state. Transitions the
documents do not describe may be refused or applied: the machine records what the server did
(observe) and follows it. The invariant: GET /registrations lists every registration except
Pending-Details and Resolved ones (VF), judged on the status the server itself answers.
"""

from __future__ import annotations

from typing import Callable

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from conformance.checks import violate
from conformance.suites.pega_fabric_hub_sync_v1.client import ACTIVE, PENDING, SYNCING, HubApi, ok, resolved
from conformance.suites.stateful import parts, run_part

# what the documents say a transition does from a status: None = not described (recorded, either way)
Expect = Callable[[str], "Callable[[str], bool] | None"]


class RegistrationLifecycle(RuleBasedStateMachine):
    hub: HubApi
    observe = staticmethod(lambda *a: None)
    regs = Bundle("registrations")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, str] = {}  # registration -> the status the server last answered

    @rule(target=regs)
    def create(self):
        reg, ex = self.hub.new_registration()
        status, read = self.hub.status(reg)
        if status != PENDING:  # VF: "new app is Pending-Activation"
            raise violate("HUB-REG-001", f"a new registration is {status!r}, expected {PENDING}", ex, read)
        self.model[reg] = status
        return reg

    def transition(self, reg: str, action: str, expect: Expect, requirement: str = "HUB-REG-004") -> None:
        """Send `action`; where the documents say what follows from the current status, the server must do
        it (2xx and the new status, or a 4xx refusal leaving it unchanged); elsewhere it may refuse or apply
        it, and what it did is recorded."""
        before = self.model[reg]
        ex = self.hub.act(reg, action)
        now, read = self.hub.status(reg)
        arrived = expect(before)
        if arrived is not None:
            if not ok(ex) or not arrived(now):
                raise violate(requirement, f"{action} on a {before!r} registration: expected 2xx and the documented "
                              f"state, got {ex.status} and status {now!r}", ex, read)
            self.observe("HUB-REG-004", f"{action}_from_{before}", now)
        elif ok(ex):
            self.observe("HUB-REG-004", f"{action}_from_{before}", f"applied -> {now}")
        else:
            if ex.status is None or not 400 <= ex.status < 500:
                raise violate(requirement, f"{action} on a {before!r} registration: expected 2xx or a 4xx refusal, "
                              f"got {ex.status}", ex)
            if now != before:
                raise violate(requirement, f"a refused {action} ({ex.status}) changed the registration from "
                              f"{before!r} to {now!r}", ex, read)
            self.observe("HUB-REG-004", f"{action}_from_{before}", ex.status)
        self.model[reg] = now

    def refused(self, reg: str, action: str, why: str) -> None:
        """A transition the documents forbid from the current status: 4xx and the registration unchanged."""
        before = self.model[reg]
        ex = self.hub.act(reg, action)
        now, read = self.hub.status(reg)
        if ex.status is None or not 400 <= ex.status < 500 or now != before:
            raise violate("HUB-REG-004", f"{action} on a {before!r} registration: expected a 4xx refusal and the "
                          f"registration unchanged ({why}), got {ex.status} and status {now!r}", ex, read)

    @rule(reg=regs)
    def enablesync(self, reg):
        # VF: enablesync moves Pending-Activation to Sync-InProgress
        self.transition(reg, "enablesync", lambda s: (lambda n: n in SYNCING) if s == PENDING else None,
                        "HUB-REG-002")

    @rule(reg=regs)
    def disablesync(self, reg):
        # VF: afterwards every sync call gets 403; Pega's deactivate page: "Disabled - Sync Stopped" (recorded)
        self.transition(reg, "disablesync",
                        lambda s: (lambda n: n not in SYNCING and n != ACTIVE) if s in SYNCING else None)

    @rule(reg=regs)
    def finish_initial_load(self, reg):
        if self.model[reg] not in SYNCING or reg not in self.hub.syncs:
            return
        client = self.hub.token_for(self.hub.syncs[reg])
        ends = self.hub.finish_initial_load(client)
        body, read = self.hub.settled(reg, lambda b: b.get("status") == ACTIVE)
        # Pega's enablesync and batch associations pages: then the registration "moves to the Active status"
        if any(e.status != 202 for e in ends) or body.get("status") != ACTIVE:
            raise violate("HUB-BATCH-003", f"after the last initial-load call of tasks, work queues and operators "
                          f"({[e.status for e in ends]}) the registration is {body.get('status')!r}, expected "
                          f"{ACTIVE}", *ends, read)
        self.model[reg] = ACTIVE

    @rule(reg=regs)
    def disable(self, reg):
        # Pega's disable page: "only for applications that have the Active status" (audit row 8)
        if self.model[reg] == ACTIVE:
            self.transition(reg, "disable", lambda s: lambda n: n != ACTIVE)
        else:
            self.refused(reg, "disable", "Pega: disable applies only to Active registrations")

    @rule(reg=regs)
    def enable(self, reg):
        # VF: enable shows the registration again (which state is recorded)
        self.transition(reg, "enable", lambda s: (lambda n: not resolved(n)) if resolved(s) else None)

    @rule(reg=regs, label=st.sampled_from(["alpha", "beta", "gamma"]))
    def edit(self, reg, label):
        status = self.model[reg]
        before = self.hub.get(reg)
        ex = self.hub.edit(reg, {"applicationLabel": f"{self.hub.tag} {label}"})
        after = self.hub.get(reg)
        if status in SYNCING or resolved(status):
            # VF and Pega's edit page: PATCH refused in Sync-InProgress or Resolved
            if ex.status is None or not 400 <= ex.status < 500:
                raise violate("HUB-REG-003", f"PATCH on a {status!r} registration: expected a 4xx refusal, got "
                              f"{ex.status}", ex)
            b, a = before.json(), after.json()
            if isinstance(a, dict) and isinstance(b, dict) and a.get("applicationLabel") != b.get("applicationLabel"):
                raise violate("HUB-REG-003", f"a refused PATCH on a {status!r} registration changed it", ex, after)
        elif ex.status != 200:
            # Pega's edit page edits an Active registration with 200 (audit rows 4, 5): every other state edits
            raise violate("HUB-REG-003", f"PATCH on a {status!r} registration answered {ex.status}, expected 200",
                          ex)

    @precondition(lambda self: bool(self.model))
    @invariant()
    def list_leaves_out_exactly_pending_details_and_resolved(self):
        items, ex = self.hub.listed()
        listed = {i.get("ID") for i in items}
        for reg, status in self.model.items():
            # VF: GET /registrations "excludes Pending-Details and Resolved"
            want = not (status == "Pending-Details" or resolved(status))
            if (reg in listed) != want:
                raise violate("HUB-REG-004", f"registration {reg} is {status!r} but "
                              f"{'is' if reg in listed else 'is not'} listed by GET /registrations", ex)


@pytest.mark.requirement("HUB-REG-002", "HUB-REG-003", "HUB-REG-004", "HUB-BATCH-003")
@pytest.mark.writes
@parts(3)  # 53 s of a 72 s run at 100 ms under --workers 8, on one worker (conformance/suites/stateful.py)
def test_registration_lifecycle_matches_model(hub, observe, part):
    RegistrationLifecycle.hub = hub
    RegistrationLifecycle.observe = staticmethod(observe)
    run_part(RegistrationLifecycle, part)
