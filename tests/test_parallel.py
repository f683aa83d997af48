"""One target, run in one process and in parallel, must reach the same verdict on every requirement.

The emulator stands in for a server far away (`--latency`), so that the tests of the parallel run
really overlap. The ProcessMaker scope pairs tests that change the case lists (the case life
cycle: creates, routes, deletes) with tests that compare several reads of those lists (filters
and paging walks): without the gate of conformance/gate.py, a case created by one worker between
two reads of another made the merged outcomes of `--workers 2` and of two shards differ from the
single run's (make bench, parallel section).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance import cli, compare
from conformance.emulators.common import EmulatorProcess, ServerThread
from conformance.gate import Gate
from conformance.http import Session
from conformance.target import parse

# the life cycle writes; filters and the default paging read lists over several requests
PM_SCOPE = ("PM-LIFE-001", "PM-LIFE-002", "PM-LIFE-004", "PM-FILTER-001", "PM-PAGE-007")
TARGETS = Path(__file__).resolve().parents[1] / "conformance" / "targets"


def _target(folder: Path, url: str) -> Path:
    text = (TARGETS / "processmaker-emulator.toml").read_text(encoding="utf-8")
    path = folder / "target.toml"
    path.write_text(text.replace("http://127.0.0.1:8811", url), encoding="utf-8")
    return path


def _run(target: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "conformance.cli", "run", "--target", str(target), "--out", str(out),
           "--no-allure", "-q", *(a for rid in PM_SCOPE for a in ("--requirement", rid)), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def verdicts(*folders: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """requirement -> (outcome, fingerprints of its findings), shards merged as `conformance compare` does."""
    run = compare.load_runs(list(folders))[0]
    return {rid: (r["outcome"], tuple(sorted(f.get("fingerprint", "") for f in r.get("findings", []))))
            for rid, r in run.requirements.items()}


@pytest.mark.proof  # four end-to-end runs (~1-2 min): run by `make prove` beside the unscoped fault matrix
def test_workers_and_shards_reach_the_single_runs_outcomes(tmp_path):
    with EmulatorProcess("processmaker-3", latency="15") as emu:
        target = _target(tmp_path, emu.url)
        single = _run(target, tmp_path / "single")
        assert single.returncode in (0, 1), single.stdout + single.stderr
        workers = _run(target, tmp_path / "workers", "--workers", "3")
        assert workers.returncode in (0, 1), workers.stdout + workers.stderr
        with ThreadPoolExecutor(max_workers=2) as pool:
            shards = list(pool.map(lambda k: _run(target, tmp_path / f"shard-{k}", "--shard", f"{k}/2"), (1, 2)))
        assert all(s.returncode in (0, 1) for s in shards), [s.stdout + s.stderr for s in shards]
    one = verdicts(tmp_path / "single")
    assert {r for r, (outcome, _) in one.items() if outcome == "passed"} >= set(PM_SCOPE), one  # a real comparison
    assert verdicts(tmp_path / "workers") == one
    assert verdicts(tmp_path / "shard-1", tmp_path / "shard-2") == one
    # the workers really ran side by side: both sent requests
    sent = [json.loads((tmp_path / "workers" / "workers" / w / "results.json").read_text())["requests_sent"]
            for w in ("gw0", "gw1", "gw2")]
    assert sum(1 for n in sent if n > 0) >= 2, sent


@pytest.mark.proof  # eight workers started (~20-30 s): run by `make prove`
def test_the_etag_race_keeps_its_writers_under_eight_workers_and_the_console_shows_no_traceback(tmp_path):
    """With `--workers 8` a worker's share of max_in_flight is one request: the race test holds the
    gate alone and uses the run's whole bound, so its writers still meet at the server and a lost
    update is found. The console of a passing or failing parallel run shows no traceback (xdist
    interrupts a worker that is still running at its teardown, and Python prints one)."""
    from conformance.prove import target_text

    with EmulatorProcess("pega-dx-v2", faults=("race-lost-update",)) as emu:
        target = tmp_path / "target.toml"
        target.write_text(target_text("pega-dx-v2", emu.url), encoding="utf-8")
        cmd = [sys.executable, "-m", "conformance.cli", "run", "--target", str(target), "--out", str(tmp_path / "run"),
               "--no-allure", "--workers", "8", "--requirement", "PEGA-ETAG-005"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    console = done.stdout + done.stderr
    assert done.returncode == 1, console
    doc = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert doc["requirements"]["PEGA-ETAG-005"]["outcome"] == "failed", doc["requirements"]["PEGA-ETAG-005"]
    assert "Traceback" not in console and "Exception ignored" not in console, console


@pytest.mark.proof  # two scoped Pega runs (~2-3 min): run by `make prove`
def test_requests_side_by_side_reach_the_findings_of_one_request_at_a_time(tmp_path):
    """The default (a test's independent requests open side by side, up to max_in_flight) and
    max_in_flight = 1 (one request after another) send the same requests and report the same
    findings, in the same order with the same messages: the generated property tests, where the
    side-by-side requests are, against a server whose case bodies break the schema."""
    from conformance.prove import target_text

    def run(folder: Path, edit: str) -> dict:
        target = folder / "target.toml"
        folder.mkdir()
        target.write_text(target_text("pega-dx-v2", emu.url).replace("[safety]\n", "[safety]\n" + edit),
                          encoding="utf-8")
        cmd = [sys.executable, "-m", "conformance.cli", "run", "--target", str(target), "--out", str(folder / "run"),
               "--no-allure", "-q", "--requirement", "PEGA-SCHEMA-001"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        assert done.returncode == 1, done.stdout + done.stderr
        return json.loads((folder / "run" / "results.json").read_text(encoding="utf-8"))

    with EmulatorProcess("pega-dx-v2", faults=("schema-status-int",), latency="5") as emu:
        one = run(tmp_path / "one", "max_in_flight = 1\n")
    with EmulatorProcess("pega-dx-v2", faults=("schema-status-int",), latency="5") as emu:
        side = run(tmp_path / "side", "")
    def findings(doc: dict) -> list[tuple[str, str]]:  # each emulator has its own port; the rest must be equal
        return [(f["fingerprint"], f["message"].replace(doc["target"]["base_url"].split("/prweb")[0], "<server>"))
                for f in doc["requirements"]["PEGA-SCHEMA-001"]["findings"]]

    found = findings(one)
    assert found  # a real comparison: the fault is found
    assert findings(side) == found
    assert {r: v["outcome"] for r, v in side["requirements"].items()} == \
        {r: v["outcome"] for r, v in one["requirements"].items()}
    assert side["requests_sent"] == one["requests_sent"]
    assert one["connections_opened"] == 1 < side["connections_opened"]  # the default really overlapped


class Busy:
    """A server that counts the requests it holds open at once."""

    def __init__(self) -> None:
        self.open = self.most = 0

    async def slow(self, request) -> JSONResponse:
        self.open += 1
        self.most = max(self.most, self.open)
        await asyncio.sleep(0.05)
        self.open -= 1
        return JSONResponse({"ok": True})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/slow", self.slow)])


def _session(url: str, **safety) -> Session:
    return Session(parse({"name": "t", "api": "pega-dx-v2", "base_url": url, "auth": {"type": "none"},
                          "fixtures": {"case_type_id": "X"}, "safety": safety}, env={}))


def test_max_in_flight_bounds_open_requests_and_connections_are_kept_alive():
    busy = Busy()
    with ServerThread(busy.app()) as srv, _session(srv.url, max_in_flight=3) as s:
        for _ in range(5):  # one after another: one connection, kept alive
            assert s.request("GET", "/slow", auth=False).status == 200
        assert s.connections_opened == 1
        with ThreadPoolExecutor(max_workers=10) as pool:  # ten threads, at most three requests open
            statuses = list(pool.map(lambda _: s.request("GET", "/slow", auth=False).status, range(30)))
        assert statuses == [200] * 30 and s.requests_sent == 35
        assert busy.most == 3, busy.most
        assert s.connections_opened <= 3  # the pool's connections, reused


class Counter(Busy):
    """Busy, also answering a write (POST /write) that says how many requests were open when it arrived."""

    async def write(self, request) -> JSONResponse:
        return JSONResponse({"open_at_write": self.open})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/slow", self.slow, methods=["GET", "POST"]),
                                 Route("/write", self.write, methods=["POST"])])


@pytest.mark.parametrize("independent,most", [(True, 4), (False, 1)])
def test_only_writes_called_independent_go_side_by_side(independent, most):
    busy = Counter()
    with ServerThread(busy.app()) as srv, _session(srv.url, max_in_flight=4) as s:
        judged: list[int] = []
        with s.pipelined():
            for i in range(8):
                s.submit(lambda ex, i=i: judged.append(i), "POST", "/slow", auth=False, independent=independent)
        assert judged == list(range(8)) and busy.most == most


def test_pipelined_reads_go_side_by_side_and_are_judged_in_order_after_the_writes_before_them():
    busy = Counter()
    with ServerThread(busy.app()) as srv, _session(srv.url, max_in_flight=4, max_requests=40) as s:
        judged: list[tuple[str, int]] = []
        with s.pipelined():
            for i in range(12):
                s.submit(lambda ex, i=i: judged.append(("read", i)), "GET", f"/slow?i={i}", auth=False)
            assert judged == []  # judged when the test ends, not as the answers arrive
            s.submit(lambda ex: judged.append(("write", ex.json()["open_at_write"])), "POST", "/write", auth=False)
            for i in range(12, 16):
                s.submit(lambda ex, i=i: judged.append(("read", i)), "GET", f"/slow?i={i}", auth=False)
        assert judged == [("read", i) for i in range(12)] + [("write", 0)] + [("read", i) for i in range(12, 16)]
        assert busy.most == 4  # side by side, within max_in_flight
        assert s.requests_sent == 17 and len(s.log) == 17


def test_one_in_flight_sends_and_judges_each_request_before_the_next():
    busy = Counter()
    with ServerThread(busy.app()) as srv, _session(srv.url, max_in_flight=1) as s:
        judged: list[int] = []
        with s.pipelined():
            for i in range(3):
                s.submit(lambda ex, i=i: judged.append(i), "GET", "/slow", auth=False)
                assert judged == list(range(i + 1))  # judged at once, before the next request
        assert busy.most == 1


def test_the_budget_stops_a_pipelined_test_at_the_same_request_and_earlier_answers_are_still_judged():
    from conformance.failures import BudgetExceeded

    busy = Counter()
    with ServerThread(busy.app()) as srv, _session(srv.url, max_in_flight=4, max_requests=5) as s:
        judged: list[int] = []
        with pytest.raises(BudgetExceeded):
            with s.pipelined():
                for i in range(8):
                    s.submit(lambda ex, i=i: judged.append(i), "GET", "/slow", auth=False)
        assert judged == [0, 1, 2, 3, 4] and s.requests_sent == 5 and len(s.log) == 5


def test_an_earlier_reads_error_is_raised_in_its_place_and_later_reads_are_not_sent_or_counted():
    from conformance.failures import SuiteBroken

    busy = Counter()
    with ServerThread(busy.app()) as srv, _session(srv.url, max_in_flight=2, timeout=5) as s:
        judged: list[int] = []
        dead = "http://127.0.0.1:9/slow"  # the discard port: connection refused
        with pytest.raises(SuiteBroken, match="ConnectError"):
            with s.pipelined():
                s.submit(lambda ex: judged.append(0), "GET", "/slow", auth=False)
                s.submit(lambda ex: judged.append(1), "GET", dead, auth=False)
                try:
                    for i in range(2, 40):
                        s.submit(lambda ex, i=i: judged.append(i), "GET", "/slow", auth=False)
                except SuiteBroken:
                    pass  # a later request of the test sees that the run cannot go on
        assert judged == [0]
        assert s.requests_sent == len(s.log) < 40  # what was not sent is not counted


def test_more_workers_than_max_in_flight_is_a_usage_error(tmp_path):
    target = tmp_path / "t.toml"
    text = (TARGETS / "processmaker-emulator.toml").read_text(encoding="utf-8")
    target.write_text(text.replace("[safety]\n", "[safety]\nmax_in_flight = 4\n"), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["run", "--target", str(target), "--workers", "5"])
    assert result.exit_code == 2 and "max_in_flight=4" in result.output, result.output


def test_an_exclusive_test_waits_for_the_shared_ones_and_holds_them_off(tmp_path):
    gate, seen, shared_in = Gate(f"http://gate-test/{tmp_path.name}"), [], threading.Event()
    release = threading.Event()

    def shared(name: str) -> None:
        with gate.hold(exclusive=False):
            seen.append(f"{name} in")
            shared_in.set()
            release.wait(5)
            seen.append(f"{name} out")

    def exclusive() -> None:
        with gate.hold(exclusive=True):
            seen.append("exclusive")

    first = threading.Thread(target=shared, args=("a",))
    first.start()
    shared_in.wait(5)
    waiting = threading.Thread(target=exclusive)
    waiting.start()
    waiting.join(0.2)  # the exclusive test is at the gate
    late = threading.Thread(target=shared, args=("b",))  # arrives after the exclusive one: waits behind it
    late.start()
    late.join(0.2)
    assert waiting.is_alive() and seen == ["a in"]  # the exclusive test waits for the shared one
    release.set()
    for t in (first, waiting, late):
        t.join(5)
    assert seen == ["a in", "a out", "exclusive", "b in", "b out"], seen


def test_the_latency_table_says_plainly_where_outcomes_differ_and_shows_the_overhead():
    from conformance import bench

    rows = [{"api": "x", "latency_ms": 0, "mode": "one process (default)", "seconds": 10.0, "requests": 100,
             "connections": 1, "passed": True, "identical": True, "speedup": 1.0, "raw_seconds": 5.0, "overhead": 2.0},
            {"api": "x", "latency_ms": 100, "mode": "--workers 8", "seconds": 4.0, "requests": 108,
             "connections": 9, "passed": True, "identical": False, "speedup": 5.5},
            {"api": "x", "latency_ms": 100, "mode": "--workers 8", "error": "boom"}]
    lines = bench._latency_md({"latency": rows})
    assert "| x | 0 | one process (default) | 10.0 | 1.0 | 100 | 1 | yes | 2.0 (5.0 s raw) |" in lines
    assert "| x | 100 | --workers 8 | 4.0 | 5.5 | 108 | 9 | NO |  |" in lines
    assert "| x | 100 | --workers 8 | run broken | | | | | |" in lines


def test_a_worker_keeps_the_gate_alone_from_one_exclusive_test_to_the_next():
    # each take of the gate alone waits until every other worker's test under way has ended: consecutive
    # exclusive tests of one worker (ProcessMaker's list tests) take it once
    import contextlib
    from types import SimpleNamespace

    from conformance import plugin

    events: list[str] = []

    @contextlib.contextmanager
    def hold(exclusive: bool):
        events.append("alone" if exclusive else "shared")
        try:
            yield
        finally:
            events.append("released")

    @contextlib.contextmanager
    def whole_bound():
        yield

    run = SimpleNamespace(gate=SimpleNamespace(hold=hold), session=SimpleNamespace(whole_bound=whole_bound), alone=None)
    config = SimpleNamespace(stash={plugin.STATE_KEY: run})

    def item(name: str, exclusive: bool):
        return SimpleNamespace(name=name, config=config,
                               get_closest_marker=lambda m: object() if exclusive and m == "exclusive" else None)

    items = [item("walk", True), item("filter", True), item("create", False), item("race", True)]
    for i, it in enumerate(items):
        protocol = plugin.pytest_runtest_protocol(it, items[i + 1] if i + 1 < len(items) else None)
        next(protocol)
        events.append(f"ran {it.name}")
        with pytest.raises(StopIteration):
            protocol.send(None)
    assert events == ["alone", "ran walk", "ran filter", "released", "shared", "ran create", "released",
                      "alone", "ran race", "released"], events
    assert run.alone is None
