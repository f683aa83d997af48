"""Stateful: the case lifecycle against a small model (STYLE.md, hypothesis RuleBasedStateMachine).

The model is what seed 004 promises: a new case is DRAFT and assigned to the caller
in its initial task; route moves it on (a new delegation, or COMPLETED); pause makes it
PAUSED and unpause restores the status it had; cancel makes it CANCELLED and a second
cancel answers 400; DELETE works only in the initial task; reassign gives it to the
target user. After every step the server's GET /cases/{app_uid} must agree.
Where the 3.5.8 server's own code does otherwise (vendor audit F4, F6, F13), the model admits it too:
a paused case may keep its status with its delegation shown paused, and a DRAFT case's cancel may
be refused with 400 (only TO_DO cases can be cancelled there).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from conformance.checks import violate
from conformance.suites.processmaker_3.client import ok, replaying
from conformance.suites.stateful import parts, run_part

OPEN = ("DRAFT", "TO_DO")


class CaseLifecycle(RuleBasedStateMachine):
    pm = None  # set by the test: the PmApi of this run
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        # app_uid -> {status, task (0 = initial), user, paused_from, del_index}
        self.model: dict[str, dict] = {}
        self.last: str | None = None

    def mine(self, status=OPEN, task=None):  # noqa: ANN001, ANN201
        # creation order (the model dict's), never uid order: uids differ when hypothesis replays a run
        return [u for u, m in self.model.items() if m["status"] in status and m["user"] == self.pm.fx.caller_user_uid
                and (task is None or m["task"] == task)]

    def check(self, app_uid: str, rid: str, *evidence) -> None:  # noqa: ANN002
        info, ex = self.pm.info(app_uid)
        m = self.model[app_uid]
        status = info.get("app_status")
        if m["status"] == "PAUSED":
            # seed 004: PAUSED; the 3.5.8 server keeps the status it had, the pause shown on its delegation
            # (CC:4082-4091, WS:1097-1123; vendor audit F4)
            right = status == "PAUSED" or (status == m["paused_from"] and self.pm.paused(info))
        else:
            right = status == m["status"]
        if not right:
            raise violate(rid, f"case {app_uid} is {status!r}; after the steps so far it must be {m['status']}"
                          + (f" (or {m['paused_from']}, paused by its delegation)" if m["status"] == "PAUSED" else ""),
                          *evidence, ex)
        if m["status"] in OPEN + ("PAUSED",):
            user = self.pm.current(info).get("usr_uid")
            if user != m["user"]:
                raise violate(rid, f"case {app_uid} is assigned to {user!r}; it must be {m['user']}", *evidence, ex)
        m["del_index"] = self.pm.del_index(info)

    @rule(target=cases)
    def create(self):
        app_uid, _, ex = self.pm.new_case()
        self.model[app_uid] = {"status": "DRAFT", "task": 0, "user": self.pm.fx.caller_user_uid, "paused_from": None,
                               "del_index": 1}
        self.check(app_uid, "PM-LIFE-001", ex)  # seed 004: DRAFT, assigned to the logged-in user
        return app_uid

    @precondition(lambda self: self.mine())
    @rule(data=st.data())
    def route(self, data):
        app_uid = data.draw(st.sampled_from(self.mine()))
        m = self.model[app_uid]
        before = m["del_index"] or 0
        ex = self.pm.route(app_uid)
        if not ok(ex):
            raise violate("PM-LIFE-002", f"routing an open case by its user answered {ex.status}", ex)
        info, got = self.pm.info(app_uid)
        status = info.get("app_status")
        # seed 004: the next task (a new, higher del_index) or the end of the process
        if status == "COMPLETED":
            m.update(status="COMPLETED", task=m["task"] + 1)
        elif status in OPEN and (self.pm.del_index(info) or 0) > before:
            m.update(status=status, task=m["task"] + 1, user=self.pm.current(info).get("usr_uid"))
        else:
            raise violate("PM-LIFE-002", f"after route-case the case is {status!r} at delegation "
                          f"{self.pm.del_index(info)} (was {before})", ex, got)
        self.check(app_uid, "PM-LIFE-002", ex)

    @precondition(lambda self: self.pm.target.capabilities.pause and self.mine())
    @rule(data=st.data())
    def pause(self, data):
        app_uid = data.draw(st.sampled_from(self.mine()))
        ex = self.pm.pause(app_uid)
        if not ok(ex):
            raise violate("PM-LIFE-003", f"pausing an open case by its user answered {ex.status}", ex)
        m = self.model[app_uid]
        m.update(paused_from=m["status"], status="PAUSED")
        self.check(app_uid, "PM-LIFE-003", ex)
        task = self.pm.current_task(app_uid)
        if task.status != 400:  # seed 004: current-task of a PAUSED case -> 400
            raise violate("PM-LIFE-003", f"current-task of a paused case answered {task.status}", task)

    @precondition(lambda self: self.mine(status=("PAUSED",)))
    @rule(data=st.data())
    def unpause(self, data):
        app_uid = data.draw(st.sampled_from(self.mine(status=("PAUSED",))))
        ex = self.pm.unpause(app_uid)
        if not ok(ex):
            raise violate("PM-LIFE-003", f"unpausing a paused case answered {ex.status}", ex)
        m = self.model[app_uid]
        m.update(status=m["paused_from"], paused_from=None)
        self.check(app_uid, "PM-LIFE-003", ex)

    @precondition(lambda self: self.mine())
    @rule(data=st.data())
    def cancel(self, data):
        app_uid = data.draw(st.sampled_from(self.mine()))
        ex = self.pm.cancel(app_uid)
        if ex.status == 400 and self.model[app_uid]["status"] == "DRAFT":
            # the 3.5.8 server cancels only TO_DO cases (WS:3150, "This case is in status DRAFT"; vendor audit F6)
            self.check(app_uid, "PM-LIFE-004", ex)
            return
        if not ok(ex):
            raise violate("PM-LIFE-004", f"cancelling an open case answered {ex.status}", ex)
        self.model[app_uid]["status"] = "CANCELLED"
        self.check(app_uid, "PM-LIFE-004", ex)

    @precondition(lambda self: any(m["status"] == "CANCELLED" for m in self.model.values()))
    @rule(data=st.data())
    def cancel_again(self, data):
        app_uid = data.draw(st.sampled_from([u for u, m in self.model.items() if m["status"] == "CANCELLED"]))
        ex = self.pm.cancel(app_uid)
        if ex.status != 400:  # seed 004: "is already canceled" -> 400
            raise violate("PM-LIFE-004", f"cancelling a cancelled case answered {ex.status}, expected 400", ex)

    @precondition(lambda self: self.pm.target.capabilities.delete_case and self.mine(task=0))
    @rule(data=st.data())
    def delete_initial(self, data):
        app_uid = data.draw(st.sampled_from(self.mine(task=0)))
        ex = self.pm.delete(app_uid)
        if not ok(ex):  # seed 004: deletable in its initial task by its user
            raise violate("PM-LIFE-005", f"DELETE of a case in its initial task answered {ex.status}", ex)
        self.pm.ledger.forget("case", app_uid)
        del self.model[app_uid]
        gone = self.pm.get(app_uid)
        if gone.status is not None and 200 <= gone.status < 300:  # a 5xx here is PM-ERR-001's finding
            raise violate("PM-LIFE-005", f"a deleted case still answers {gone.status}", ex, gone)

    @precondition(lambda self: self.pm.target.capabilities.delete_case
                  and any(m["task"] > 0 for m in self.model.values()))
    @rule(data=st.data())
    def delete_later(self, data):
        app_uid = data.draw(st.sampled_from([u for u, m in self.model.items() if m["task"] > 0]))
        ex = self.pm.delete(app_uid)
        if ex.status is None or not 400 <= ex.status < 500:  # seed 004: only in the initial task
            raise violate("PM-LIFE-005", f"DELETE of a case past its initial task answered {ex.status}", ex)
        self.check(app_uid, "PM-LIFE-005", ex)

    @precondition(lambda self: self.pm.target.capabilities.reassign and self.mine(task=0))
    @rule(data=st.data())
    def reassign(self, data):
        app_uid = data.draw(st.sampled_from(self.mine(task=0)))
        ex = self.pm.reassign(app_uid, self.pm.fx.caller_user_uid, self.pm.fx.reassign_user_uid)
        if not ok(ex):
            raise violate("PM-LIFE-006", f"reassigning an open case to a pool user answered {ex.status}", ex)
        self.model[app_uid]["user"] = self.pm.fx.reassign_user_uid
        self.check(app_uid, "PM-LIFE-006", ex)

    @invariant()
    def bounded(self):
        # a run never holds more than a handful of live cases (the ledger retires them all)
        assert len(self.model) <= 64


@pytest.mark.requirement("PM-LIFE-001", "PM-LIFE-002", "PM-LIFE-003", "PM-LIFE-004", "PM-LIFE-005", "PM-LIFE-006")
@pytest.mark.writes
@parts(3)  # 31 s of an 87 s run at 100 ms under --workers 8, on one worker (conformance/suites/stateful.py)
def test_case_lifecycle_matches_model(pm, part):
    CaseLifecycle.pm = pm
    replaying(lambda: run_part(CaseLifecycle, part))
