"""The cleanup ledger retires side by side within max_in_flight, stage by stage, and reports in add order."""

from __future__ import annotations

import _thread
import signal
import threading
import time
from types import SimpleNamespace

import pytest

from conformance.failures import SuiteBroken
from conformance.ledger import NOT_ATTEMPTED, Ledger


def fake_session(max_in_flight: int) -> SimpleNamespace:
    return SimpleNamespace(target=SimpleNamespace(safety=SimpleNamespace(max_in_flight=max_in_flight)),
                           stop_requested=False)


class Meter:
    """Counts the retirements under way at once; each waits (2 s at most) for `full` of them to be
    under way, or all that are left."""

    def __init__(self, full: int, total: int = 0) -> None:
        self.full = full
        self.left = total
        self.now = 0
        self.peak = 0
        self.order: list[str] = []
        self.threads: set[int] = set()
        self._cond = threading.Condition()

    def retire(self, name: str):
        def run() -> tuple[bool, str]:
            with self._cond:
                self.now += 1
                self.peak = max(self.peak, self.now)
                self.threads.add(threading.get_ident())
                self._cond.notify_all()
                self._cond.wait_for(lambda: self.now >= min(self.full, self.left), timeout=2.0)
            with self._cond:
                self.now -= 1
                self.left -= 1
                self.order.append(name)
            return True, f"retired {name}"
        return run


def test_entries_are_retired_side_by_side_up_to_max_in_flight_and_never_beyond():
    meter = Meter(full=3, total=10)
    ledger = Ledger(fake_session(3))
    for i in range(10):
        ledger.add("case", f"C-{i}", meter.retire(f"C-{i}"))
    result = ledger.cleanup()
    assert meter.peak == 3  # the bound reached (each waits for three under way) and never passed
    assert [r["id"] for r in result["retired"]] == [f"C-{i}" for i in range(10)]
    assert result["remaining"] == []


def test_max_in_flight_1_retires_one_after_another_in_the_calling_thread():
    meter = Meter(full=1)
    ledger = Ledger(fake_session(1))
    for i in range(5):
        ledger.add("case", f"C-{i}", meter.retire(f"C-{i}"))
    ledger.cleanup()
    assert meter.peak == 1
    assert meter.order == [f"C-{i}" for i in range(5)]
    assert meter.threads == {threading.get_ident()}


def test_a_lower_stage_is_retired_before_any_entry_of_a_higher_one_and_results_keep_the_add_order():
    meter = Meter(full=1)
    ledger = Ledger(fake_session(4))
    # cases added first, their attachments after: the attachments (stage 0) still go first
    for i in range(3):
        ledger.add("case", f"C-{i}", meter.retire(f"C-{i}"), stage=2)
    ledger.add("case", "CHILD", meter.retire("CHILD"), stage=1)
    last_done = threading.Event()
    first = meter.retire("A-0")
    last = meter.retire("A-2")
    # the first added finishes after the last one: the result must not follow the threads' order
    ledger.add("attachment", "A-0", lambda: (last_done.wait(2.0), first())[1], stage=0)
    ledger.add("attachment", "A-1", meter.retire("A-1"), stage=0)
    ledger.add("attachment", "A-2", lambda: (last(), last_done.set())[0], stage=0)
    result = ledger.cleanup()
    assert set(meter.order[:3]) == {"A-0", "A-1", "A-2"}
    assert meter.order[3] == "CHILD"
    assert set(meter.order[4:]) == {"C-0", "C-1", "C-2"}
    assert meter.order[:3] != ["A-0", "A-1", "A-2"]  # they did finish out of add order
    assert [r["id"] for r in result["retired"]] == ["C-0", "C-1", "C-2", "CHILD", "A-0", "A-1", "A-2"]


@pytest.mark.parametrize("bound", [1, 4])
def test_a_retire_that_raises_leaves_the_others_retired_and_is_reported_with_why(bound):
    def broken() -> tuple[bool, str]:
        raise RuntimeError("boom")

    def refused() -> tuple[bool, str]:
        raise SuiteBroken("DELETE /cases/X: timeout after 5s")

    ledger = Ledger(fake_session(bound))
    ledger.add("case", "A", lambda: (True, "deleted"))
    ledger.add("case", "B", broken)
    ledger.add("case", "C", refused)
    ledger.add("case", "D", lambda: (False, "DELETE answered 403"))
    ledger.add("case", "E", lambda: (True, "deleted"))
    result = ledger.cleanup()
    assert [r["id"] for r in result["retired"]] == ["A", "E"]
    assert result["remaining"] == [
        {"kind": "case", "id": "B", "how": "cleanup raised RuntimeError: boom"},
        {"kind": "case", "id": "C", "how": "cleanup request failed: DELETE /cases/X: timeout after 5s"},
        {"kind": "case", "id": "D", "how": "DELETE answered 403"},
    ]
    assert len(ledger) == 0


@pytest.mark.parametrize("bound", [1, 2])
def test_a_ctrl_c_flag_during_cleanup_stops_it_and_every_entry_is_still_reported(bound):
    """The run's first Ctrl-C raises the session's flag; the session then refuses to send (KeyboardInterrupt)."""
    session = fake_session(bound)

    def interrupted() -> tuple[bool, str]:
        session.stop_requested = True
        raise KeyboardInterrupt("interrupted: stopping between requests")

    ledger = Ledger(session)
    ledger.add("attachment", "A-0", lambda: (True, "deleted"), stage=0)
    ledger.add("attachment", "A-1", interrupted, stage=0)
    for i in range(4):
        ledger.add("case", f"C-{i}", lambda: (True, "deleted"), stage=1)
    result = ledger.cleanup()
    everything = {r["id"]: r["how"] for r in result["retired"] + result["remaining"]}
    assert sorted(everything) == ["A-0", "A-1", "C-0", "C-1", "C-2", "C-3"]  # nothing lost
    assert everything["A-1"].startswith("interrupted (Ctrl-C)")
    assert [r["id"] for r in result["remaining"] if r["how"] == NOT_ATTEMPTED] == ["C-0", "C-1", "C-2", "C-3"]


def test_a_ctrl_c_in_the_waiting_thread_cancels_what_has_not_started_and_reports_it():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("a signal reaches only the main thread")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # plain Python: Ctrl-C raises
    session = fake_session(2)

    def first() -> tuple[bool, str]:
        _thread.interrupt_main()  # as a Ctrl-C would: KeyboardInterrupt in the thread waiting for the pool
        return under_way()

    def under_way() -> tuple[bool, str]:
        deadline = time.monotonic() + 5
        while not session.stop_requested and time.monotonic() < deadline:
            time.sleep(0.01)
        return True, "deleted (its request was answered)"

    ledger = Ledger(session)
    ledger.add("case", "C-0", first)
    ledger.add("case", "C-1", under_way)
    for i in range(2, 6):
        ledger.add("case", f"C-{i}", lambda: (True, "deleted"))
    ledger.add("case", "LATER", lambda: (True, "deleted"), stage=1)
    try:
        result = ledger.cleanup()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert session.stop_requested  # the retirements under way stop before their next request
    # C-1 is retired when it was handed to the pool before the Ctrl-C landed (the signal's moment decides)
    retired = [r["id"] for r in result["retired"]]
    assert retired in (["C-0", "C-1"], ["C-0"])
    reported = [r["id"] for r in result["remaining"]]
    assert reported == ["C-1", "C-2", "C-3", "C-4", "C-5", "LATER"][len(retired) - 1:]  # nothing lost
    assert {r["how"] for r in result["remaining"]} == {NOT_ATTEMPTED}


def test_pega_retires_attachments_then_child_cases_then_cases():
    from conformance.http import Exchange
    from conformance.suites.pega_dx_v2 import client

    ledger = Ledger(fake_session(4))
    pega = client.PegaApi(ledger.session, SimpleNamespace(fixtures=SimpleNamespace(content_field="pyLabel")),
                          ledger, "CONF-test")

    def created(case_id: str, body: bytes) -> Exchange:
        return Exchange("ex-1", "POST", "http://x/cases", {}, body, status=201, body=f'{{"ID": "{case_id}"}}'.encode())

    pega.track(created("C-1", b'{"caseTypeID": "T", "parentCaseID": "", "content": {}}'))
    pega.track(created("C-2", b'{"caseTypeID": "T", "parentCaseID": "C-1", "content": {}}'))
    pega.track(created("C-3", b"not JSON"))
    pega.track_attachment("A-1")
    stages = {e.id: e.stage for e in ledger._entries.values()}
    assert stages == {"C-1": client.CASES, "C-2": client.CHILD_CASES, "C-3": client.CASES, "A-1": client.ATTACHMENTS}
    assert client.ATTACHMENTS < client.CHILD_CASES < client.CASES
