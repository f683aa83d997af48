"""The registration life cycle as a state machine checked against a model (STYLE.md 6).

Model (VF table): a new registration is Pending-Activation; enablesync moves it to syncing
(Sync-InProgress, samples: Open-SyncProgress); disablesync ends syncing; disable resolves it
(hides its assignments), enable brings it back; PATCH is refused while syncing or resolved.
Transitions the documents do not describe (disable while syncing, enable of an open one, ...)
may be refused or applied: the machine records what the server did (observe) and follows it.
The invariant: GET /registrations lists exactly the open registrations (it "excludes
Pending-Details and Resolved", VF).
"""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from conformance.checks import violate
from conformance.suites.pega_fabric_hub_sync_v1.client import HubApi, ok

PENDING = "Pending-Activation"
SYNCING = ("Sync-InProgress", "Open-SyncProgress")


def kind(status: str) -> str:
    if status in SYNCING:
        return "syncing"
    if status.startswith("Resolved"):
        return "resolved"
    if status == PENDING:
        return "pending"
    return status


class RegistrationLifecycle(RuleBasedStateMachine):
    hub: HubApi
    observe = staticmethod(lambda *a: None)
    regs = Bundle("registrations")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, str] = {}  # registration -> pending | syncing | resolved

    def read(self, reg: str):
        status, ex = self.hub.status(reg)
        return kind(status), status, ex

    @rule(target=regs)
    def create(self):
        reg, ex = self.hub.new_registration()
        now, status, read = self.read(reg)
        if now != "pending":  # VF: "new app is Pending-Activation"
            raise violate("HUB-REG-001", f"a new registration is {status!r}, expected {PENDING}", ex, read)
        self.model[reg] = "pending"
        return reg

    def transition(self, reg: str, action: str, documented: dict[str, str], requirement: str = "HUB-REG-004"):
        """Send `action`; from a state in `documented` the server must move to the mapped state,
        from any other state it may refuse (4xx, unchanged) or apply it (recorded)."""
        before = self.model[reg]
        ex = self.hub.act(reg, action)
        now, status, read = self.read(reg)
        if before in documented:
            want = documented[before]
            # "not-X": the documents say the state is left, not which one comes next (recorded)
            arrived = now != want[4:] if want.startswith("not-") else now == want
            if want.startswith("not-"):
                self.observe("HUB-REG-004", f"{action}_from_{before}", status)
            if not ok(ex) or not arrived:
                raise violate(requirement, f"{action} on a {before} registration: expected 2xx and {want}, got "
                              f"{ex.status} and status {status!r}", ex, read)
        elif ok(ex):
            self.observe("HUB-REG-004", f"{action}_from_{before}", f"applied -> {now}")
        else:
            if ex.status is None or not 400 <= ex.status < 500:
                raise violate("HUB-REG-004", f"{action} on a {before} registration: expected 2xx or a 4xx refusal, "
                              f"got {ex.status}", ex)
            if now != before:
                raise violate("HUB-REG-004", f"a refused {action} ({ex.status}) changed the registration from "
                              f"{before} to {status!r}", ex, read)
            self.observe("HUB-REG-004", f"{action}_from_{before}", ex.status)
        self.model[reg] = now

    @rule(reg=regs)
    def enablesync(self, reg):
        # VF: enablesync moves Pending-Activation to Sync-InProgress
        self.transition(reg, "enablesync", {"pending": "syncing"}, "HUB-REG-002")

    @rule(reg=regs)
    def disablesync(self, reg):
        # VF: disablesync ends syncing (our emulator: back to Pending-Activation; recorded)
        self.transition(reg, "disablesync", {"syncing": "not-syncing"})

    @rule(reg=regs)
    def disable(self, reg):
        # VF: disable hides the registration (resolved: it leaves the list)
        self.transition(reg, "disable", {"pending": "resolved"})

    @rule(reg=regs)
    def enable(self, reg):
        # VF: enable shows it again (open, listed; which open state is recorded)
        self.transition(reg, "enable", {"resolved": "not-resolved"})

    @rule(reg=regs, label=st.sampled_from(["alpha", "beta", "gamma"]))
    def edit(self, reg, label):
        state = self.model[reg]
        before = self.hub.get(reg)
        ex = self.hub.edit(reg, {"applicationLabel": f"{self.hub.tag} {label}"})
        after = self.hub.get(reg)
        if state == "pending":
            if ex.status != 200:
                raise violate("HUB-REG-003", f"PATCH on a Pending-Activation registration answered {ex.status}", ex)
        else:
            # VF: PATCH refused in Sync-InProgress or Resolved
            if ex.status is None or not 400 <= ex.status < 500:
                raise violate("HUB-REG-003", f"PATCH on a {state} registration: expected a 4xx refusal, got "
                              f"{ex.status}", ex)
            b, a = before.json(), after.json()
            if isinstance(a, dict) and isinstance(b, dict) and a.get("applicationLabel") != b.get("applicationLabel"):
                raise violate("HUB-REG-003", f"a refused PATCH on a {state} registration changed it", ex, after)

    @invariant()
    def list_shows_exactly_the_open_ones(self):
        if not self.model:
            return
        items, ex = self.hub.listed()
        listed = {i.get("ID") for i in items}
        for reg, state in self.model.items():
            # VF: GET /registrations "excludes Pending-Details and Resolved"
            if (reg in listed) == (state == "resolved"):
                raise violate("HUB-REG-004", f"registration {reg} is {state} but "
                              f"{'is' if reg in listed else 'is not'} listed by GET /registrations", ex)


@pytest.mark.requirement("HUB-REG-002", "HUB-REG-003", "HUB-REG-004")
@pytest.mark.writes
def test_registration_lifecycle_matches_model(hub, observe):
    RegistrationLifecycle.hub = hub
    RegistrationLifecycle.observe = staticmethod(observe)
    run_state_machine_as_test(RegistrationLifecycle, settings=settings())
