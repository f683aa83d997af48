"""Case lifecycle scenarios (seed 004: New Case, Route, Pause/Unpause, Cancel, Delete, Reassign,
Batch reassign). The state machine in test_stateful.py combines the same steps at random;
these fix one path each, so every rule is exercised whatever the budget."""

from __future__ import annotations

import pytest

from conformance.checks.processmaker_3 import app_number
from conformance.failures import PreconditionFailed
from conformance.suites.processmaker_3.client import SORT_NUMBER, batch_results, ok, require

pytestmark = pytest.mark.writes


def status_of(pm, app_uid: str) -> tuple[str | None, dict, object]:
    info, ex = pm.info(app_uid)
    return info.get("app_status"), info, ex


@pytest.mark.requirement("PM-LIFE-001")
def test_new_case_is_draft_for_the_caller(pm):
    ex = pm.create()
    body = ex.json()
    # seed 004: 200 {"app_uid", "app_number"}; VF: no explicit status, so 200
    require(ex.status == 200, "PM-LIFE-001", f"POST /cases must answer 200, got {ex.status}", ex)
    require(isinstance(body, dict) and isinstance(body.get("app_uid"), str) and body.get("app_number") is not None,
            "PM-LIFE-001", f"POST /cases must answer {{app_uid, app_number}}, got {ex.body[:200]!r}", ex)
    app_uid, number, _ = pm.new_case()
    status, info, got = status_of(pm, app_uid)
    # seed 004: "the new case's status will be set to DRAFT, not TO_DO"; assigned to the logged-in user
    require(status == "DRAFT", "PM-LIFE-001", f"a new case must be DRAFT, it is {status!r}", got)
    user = pm.current(info).get("usr_uid")
    require(user == pm.fx.caller_user_uid, "PM-LIFE-001",
            f"a new case must be assigned to the caller {pm.fx.caller_user_uid}, it is assigned to {user!r}", got)
    listed, lx = pm.listed("draft", number)
    require(all(listed), "PM-LIFE-001", f"new case {number} is not in the caller's Draft list (list, paged: {listed})",
            *lx)


@pytest.mark.requirement("PM-LIFE-002")
def test_route_moves_the_case_on(pm):
    app_uid, number, _ = pm.new_case()
    before, _ = pm.info(app_uid)
    ex = pm.route(app_uid)
    require(ok(ex), "PM-LIFE-002", f"routing a new case by its user must succeed, got {ex.status}", ex)
    after, got = pm.info(app_uid)
    # seed 004: del_index is incremented each time the case is routed; or the case ends (COMPLETED)
    moved = after.get("app_status") == "COMPLETED" or (
        (pm.del_index(after) or 0) > (pm.del_index(before) or 0) and after.get("app_status") != "DRAFT")
    require(moved, "PM-LIFE-002", f"after route-case the case is {after.get('app_status')!r} at delegation "
            f"{pm.del_index(after)} (was {before.get('app_status')!r} at {pm.del_index(before)})", ex, got)
    listed, lx = pm.listed("draft", number)
    require(not any(listed), "PM-LIFE-002", f"routed case {number} is still in the caller's Draft list "
            f"(list, paged: {listed})", *lx)


def pause_round(pm, app_uid: str, number: int, observe) -> None:  # noqa: ANN001
    before, _, _ = status_of(pm, app_uid)
    ex = pm.pause(app_uid)
    require(ok(ex), "PM-LIFE-003", f"pausing a {before} case by its user must succeed, got {ex.status}", ex)
    status, info, got = status_of(pm, app_uid)
    # seed 004: the case becomes PAUSED; the 3.5.8 server keeps app_status (CC:4082-4091) and closes the
    # delegation, shown as delStatus PAUSED in current_task (WS:1097-1123; vendor audit F4): both admitted
    kept = status == before and pm.paused(info)
    require(status == "PAUSED" or kept, "PM-LIFE-003", f"a paused case must be PAUSED (seed 004) or keep its "
            f"status {before} with its delegation shown paused (3.5.8); it is {status!r}", ex, got)
    observe("PM-LIFE-003", "paused_status", "PAUSED" if status == "PAUSED" else "kept (3.5.8)", first_only=True)
    for kind in ("draft", "todo"):
        listed, lx = pm.listed(kind, number)
        require(not any(listed), "PM-LIFE-003", f"paused case {number} is still in the {kind} list "
                f"(list, paged: {listed})", *lx)
    listed, lx = pm.listed("paused", number)
    require(all(listed), "PM-LIFE-003", f"paused case {number} is not in the Paused list (list, paged: {listed})", *lx)
    task = pm.current_task(app_uid)
    # seed 004: current-task of a PAUSED case answers the 400 error object
    require(task.status == 400, "PM-LIFE-003", f"current-task of a paused case must answer 400, got {task.status}",
            task)
    ex = pm.unpause(app_uid)
    require(ok(ex), "PM-LIFE-003", f"unpausing a paused case must succeed, got {ex.status}", ex)
    status, _, got = status_of(pm, app_uid)
    require(status == before, "PM-LIFE-003", f"an unpaused case must be back to {before}, it is {status!r}", ex, got)
    back = {"DRAFT": "draft", "TO_DO": "todo"}.get(str(before))
    if back:
        listed, lx = pm.listed(back, number)
        require(all(listed), "PM-LIFE-003", f"unpaused case {number} is not back in the {back} list "
                f"(list, paged: {listed})", *lx)


@pytest.mark.requirement("PM-LIFE-003")
@pytest.mark.needs("pause")
def test_pause_and_unpause(pm, observe):
    app_uid, number, _ = pm.new_case()
    pause_round(pm, app_uid, number, observe)  # a DRAFT case
    # a TO_DO case too, when routing leaves the case with the caller (as the emulator's processes do)
    if ok(pm.route(app_uid)):
        info, _ = pm.info(app_uid)
        if info.get("app_status") == "TO_DO" and pm.current(info).get("usr_uid") == pm.fx.caller_user_uid:
            pause_round(pm, app_uid, number, observe)


@pytest.mark.requirement("PM-LIFE-004")
def test_cancel_then_cancel_again(pm, observe):
    app_uid, _, _ = pm.new_case()
    ex = pm.cancel(app_uid)
    if ex.status == 400:
        # seed 004: any case can be cancelled; the 3.5.8 server cancels only TO_DO cases and answers 400 "This
        # case is in status DRAFT" (WS:3150; vendor audit F6): admitted, and a TO_DO case must then be cancellable
        status, _, got = status_of(pm, app_uid)
        require(status == "DRAFT", "PM-LIFE-004", f"a refused cancel changed the case to {status!r}", ex, got)
        observe("PM-LIFE-004", "cancel_draft", "refused (3.5.8: TO_DO only)", first_only=True)
        step = pm.route(app_uid)
        status, _, got = status_of(pm, app_uid)
        if not ok(step) or status != "TO_DO":
            raise PreconditionFailed(f"could not route a case to TO_DO to cancel it ({step.summary()}, now "
                                     f"{status!r}); PM-LIFE-002 reports a broken route")
        ex = pm.cancel(app_uid)
        require(ok(ex), "PM-LIFE-004", f"cancelling a TO_DO case must succeed, got {ex.status}", ex)
    else:
        require(ok(ex), "PM-LIFE-004", f"cancelling a new case must succeed (or answer 400, as the 3.5.8 server "
                f"does for DRAFT), got {ex.status}", ex)
        observe("PM-LIFE-004", "cancel_draft", "cancelled", first_only=True)
    status, _, got = status_of(pm, app_uid)
    require(status == "CANCELLED", "PM-LIFE-004", f"a cancelled case must be CANCELLED, it is {status!r}", ex, got)
    again = pm.cancel(app_uid)
    # seed 004: 400 "The case '...' is already canceled"
    require(again.status == 400, "PM-LIFE-004", f"cancelling a cancelled case must answer 400, got {again.status}",
            again)


@pytest.mark.requirement("PM-LIFE-005")
@pytest.mark.needs("delete_case")
def test_delete_only_in_the_initial_task(pm, observe):
    app_uid, _, _ = pm.new_case()
    ex = pm.delete(app_uid)
    require(ok(ex), "PM-LIFE-005", f"DELETE of a case in its initial task must succeed, got {ex.status}", ex)
    pm.ledger.forget("case", app_uid)
    gone = pm.get(app_uid)
    # a 5xx here is PM-ERR-001's finding, not this one's
    require(gone.status is None or not 200 <= gone.status < 300, "PM-LIFE-005",
            f"a deleted case still answers {gone.status}", ex, gone)
    routed, _, _ = pm.new_case()
    before, _ = pm.info(routed)
    step = pm.route(routed)
    after, _ = pm.info(routed)
    if not ok(step) or (after.get("app_status") == "DRAFT" and pm.del_index(after) == pm.del_index(before)):
        raise PreconditionFailed(f"could not route a case past its initial task ({step.summary()}); "
                                 "PM-LIFE-002 reports it")
    refused = pm.delete(routed)
    # seed 004: "Only cases in their initial task may be deleted"
    require(refused.status is not None and 400 <= refused.status < 500, "PM-LIFE-005",
            f"DELETE of a case past its initial task must be refused with 4xx, got {refused.status}", refused)
    observe("PM-LIFE-005", "delete_refused_status", refused.status)
    kept = pm.get(routed)
    require(kept.status == 200, "PM-LIFE-005", f"a refused DELETE must keep the case; GET answers {kept.status}",
            refused, kept)


@pytest.mark.requirement("PM-LIFE-006")
@pytest.mark.needs("reassign")
def test_reassign_moves_the_case_to_the_target(pm):
    app_uid, number, _ = pm.new_case()
    ex = pm.reassign(app_uid, pm.fx.caller_user_uid, pm.fx.reassign_user_uid)
    require(ok(ex), "PM-LIFE-006", f"reassigning a new case to a user of the pool must succeed, got {ex.status}", ex)
    info, got = pm.info(app_uid)
    user = pm.current(info).get("usr_uid")
    require(user == pm.fx.reassign_user_uid, "PM-LIFE-006",
            f"after reassign-case the current user is {user!r}, not {pm.fx.reassign_user_uid}", ex, got)
    listed, lx = pm.listed("draft", number)
    require(not any(listed), "PM-LIFE-006", f"reassigned case {number} is still in the caller's Draft list "
            f"(list, paged: {listed})", *lx)
    if pm.target.capabilities.advanced_search:
        # the case as advanced search lists it must name the target as its user: the list's own data, since
        # the 3.5.8 server ignores usr_uid (vendor audit F11, L3) and a filtered search would prove nothing there
        newest = {"pro_uid": pm.fx.process_uid, "sort": SORT_NUMBER, "dir": "DESC", "limit": 100}
        for paged in (False, True):
            if paged:
                page, lx = pm.page("advanced-search", newest)
                cases = page["data"]
            else:
                cases, lx = pm.bare("advanced-search", newest, strict=False)
            users = [c.get("usr_uid") for c in cases if app_number(c) == number]
            # `in`: a server listing one row per delegation (vendor audit C3) may list the closed one too
            require(pm.fx.reassign_user_uid in users, "PM-LIFE-006", f"advanced search{'/paged' * paged} lists "
                    f"reassigned case {number} with user(s) {users or '(not listed)'}, not {pm.fx.reassign_user_uid}",
                    ex, lx)


@pytest.mark.requirement("PM-LIFE-007")
@pytest.mark.needs("batch_reassign")
def test_batch_reassign_reports_each_case(pm):
    a, _, _ = pm.new_case()
    b, _, _ = pm.new_case()
    info_a, _ = pm.info(a)
    info_b, _ = pm.info(b)
    da, db = pm.del_index(info_a) or 1, pm.del_index(info_b) or 1
    bogus = "0" * 31 + "9"
    # a failing case first: it must not stop the others (seed 004)
    ex = pm.batch_reassign([(bogus, 1), (a, da), (b, db + 50)], pm.fx.reassign_user_uid)
    require(ex.status == 200, "PM-LIFE-007", f"batch reassign must answer 200, got {ex.status}", ex)
    results = batch_results(ex)
    require(results is not None, "PM-LIFE-007", f"batch reassign answered no per-case results: {ex.body[:300]!r}", ex)
    expected = {bogus: "DELEGATION_NOT_EXISTS", a: "SUCCESS", b: "DELEGATION_NOT_EXISTS"}
    for uid, status in expected.items():
        got = (results or {}).get(uid, {}).get("status")
        if status == "SUCCESS" and got is None:
            # seed 004's success sample lists the cases without a status: the move itself is the evidence
            continue
        require(got == status, "PM-LIFE-007", f"batch reassign result for {uid} is {got!r}, expected {status}", ex)
    moved, mx = pm.info(a)
    require(pm.current(moved).get("usr_uid") == pm.fx.reassign_user_uid, "PM-LIFE-007",
            "the valid case after a failing one was not reassigned", ex, mx)
    info_b, _ = pm.info(b)
    ex2 = pm.batch_reassign([(b, pm.del_index(info_b) or 1)], pm.fx.outsider_user_uid)
    results = batch_results(ex2) or {}
    got = results.get(b, {}).get("status")
    require(ex2.status == 200 and got == "USER_NOT_ASSIGNED_TO_TASK", "PM-LIFE-007",
            f"reassigning to a user outside the pool must report USER_NOT_ASSIGNED_TO_TASK, got {ex2.status} "
            f"{got!r}", ex2)
    kept, kx = pm.info(b)
    require(pm.current(kept).get("usr_uid") == pm.fx.caller_user_uid, "PM-LIFE-007",
            "a case refused by batch reassign changed its user", ex2, kx)

