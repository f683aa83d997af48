"""The pytest plugin: target fixtures, requirement markers -> Allure labels,
capabilities and read-only -> skips, outcomes and observations -> results.json.

It is loaded through the `pytest11` entry point and stays inert unless a run
is configured (`--conformance-target FILE`, or `conformance run`, which
registers a ConformanceRun itself).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import json
import threading
import uuid
import zlib
from pathlib import Path
from typing import Any, Callable

import pytest

from conformance import findings, requirements, results
from conformance.failures import FindingsReported, PreconditionFailed, RequirementViolation, SuiteBroken
from conformance.http import Exchange, ExchangeLog, Session
from conformance.gate import MARKER as GATE_MARKER, Gate
from conformance.ledger import Ledger
from conformance.target import Target, TargetError, load

STATE_KEY = pytest.StashKey["ConformanceRun"]()
MAX_ATTACHED_EXCHANGES = 12


class ConformanceRun:
    """Everything one run shares: target, HTTP session, ledger, records, observations."""

    def __init__(self, target: Target, out: Path | None = None, run_id: str | None = None,
                 fail_on: str = "failed", worker: str | None = None, run_in_flight: int | None = None) -> None:
        self.target = target
        self.out = out
        self.fail_on = fail_on
        self.worker = worker  # the xdist worker id when this run is one worker of a parallel run
        self.run_id = run_id or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.tag = f"{target.safety.run_prefix}-{self.run_id}"
        self.log = ExchangeLog(out / "exchanges.jsonl" if out else None, id_prefix=f"ex-{worker}-" if worker else "ex-")
        # what the workers of a parallel run sent back (records arrive in self.records)
        self.worker_totals: dict[str, Any] = {"requests_sent": 0, "tokens_fetched": 0, "connections_opened": 0,
                                              "retired": [], "remaining": []}
        # a worker's target holds its share of max_in_flight; run_in_flight is the whole run's
        self.session = Session(target, self.log, run_in_flight=run_in_flight)
        self.ledger = Ledger(self.session)
        self.records: list[results.TestRecord] = []
        self.observations: dict[str, dict[str, Any]] = {}
        self.started = dt.datetime.now(dt.timezone.utc)
        self._current: list[str] | None = None
        # findings a test reported and went on (a property test keeps going after an operation's
        # first failure, so that every distinct finding is reported), by test node id
        self._soft: dict[str, list[findings.Finding]] = {}
        self._current_test: str | None = None
        self._lock = threading.Lock()
        self.log.listener = self._on_exchange
        self.document: dict[str, Any] | None = None
        self.server_headers: dict[str, str] = {}
        # exclusive tests (a list walk) run while no other test of this server's runs does (gate.py)
        self.gate = Gate(target.base_url)
        # the gate held alone from one exclusive test to the next (pytest_runtest_protocol)
        self.alone: contextlib.ExitStack | None = None

    # exchanges made while a test runs belong to that test
    def _on_exchange(self, exchange: Exchange) -> None:
        if not self.server_headers and exchange.status is not None:
            # what the server says it is, for the report's environment (never a secret header)
            self.server_headers = {k.lower(): v for k, v in exchange.response_headers.items()
                                   if k.lower() in {"server", "x-powered-by"} or "version" in k.lower()}
        current = self._current
        if current is not None:
            current.append(exchange.id)

    def observe(self, requirement: str, key: str, value: Any, first_only: bool = False) -> None:
        """Record what the server did; distinct answers to the same question are all kept."""
        requirements.get(requirement)
        with self._lock:
            results.add_observation(self.observations, requirement, key, value, first_only)

    def report(self, violation: RequirementViolation) -> findings.Finding:
        """A finding the current test reports without stopping; the test fails at its end."""
        found = findings.from_violation(self.target.api, violation, self._current_test)
        with self._lock:
            self._soft.setdefault(self._current_test or "", []).append(found)
        return found

    def take_soft(self, nodeid: str) -> list[findings.Finding]:
        with self._lock:
            return self._soft.pop(nodeid, [])

    def finish(self) -> dict[str, Any]:
        self.session.stop_requested = False  # cleanup must run even after a Ctrl-C
        with self.gate.hold(exclusive=False):  # cleanup changes the server too: never under a list walk
            cleanup = self.ledger.cleanup()
        cleanup["retired"] += self.worker_totals["retired"]
        cleanup["remaining"] += self.worker_totals["remaining"]
        finished = dt.datetime.now(dt.timezone.utc)
        agg = results.aggregate(self.target, self.records, self.observations)
        self.document = results.document(
            self.target, agg, self.started, finished, self.fail_on,
            extra={"run_id": self.run_id, "run_tag": self.tag,
                   "requests_sent": self.session.requests_sent + self.worker_totals["requests_sent"],
                   "tokens_fetched": self.session.tokens.fetched + self.worker_totals["tokens_fetched"],
                   "connections_opened": self.session.connections_opened + self.worker_totals["connections_opened"],
                   "cleanup": cleanup, **({"worker": self.worker} if self.worker else {})},
        )
        if self.out:
            results.write(self.out / "results.json", self.document)
        self.session.close()
        return self.document


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption("--conformance-target", default=None, help="target file (TOML) to run the suites against")
    group.addoption("--conformance-out", default=None, help="folder for results.json and the exchange log")
    group.addoption("--conformance-shard", default=None, help="K/N: keep only the tests of shard K of N")
    group.addoption("--conformance-tests", default=None,
                    help="a file listing test node ids, one a line: keep only those tests (reruns of failures)")
    group.addoption("--conformance-only", default=None,
                    help="comma-separated requirement ids or id prefixes: keep only the tests that verify them")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(*ids): the requirement ids a test verifies")
    config.addinivalue_line("markers", "needs(*capabilities): target capabilities a test needs")
    config.addinivalue_line("markers", "writes: the test sends mutating requests (skipped when read_only)")
    config.addinivalue_line("markers", "exclusive: the test compares reads of state other tests change (a list "
                            "walk) or needs the run's whole max_in_flight (the eTag race); it runs while no other "
                            "test against the same server does (conformance/gate.py)")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "conformance_target" in workerinput and STATE_KEY not in config.stash:
        # one worker of a parallel run (`conformance run --workers N`, pytest-xdist): its own session,
        # ledger and exchange log; its records go back to the controller, which writes results.json
        from conformance.target import from_dump

        worker = str(workerinput["workerid"])
        out = Path(workerinput["conformance_out"]) / "workers" / worker
        activate(config, ConformanceRun(from_dump(json.loads(workerinput["conformance_target"])), out,
                                        run_id=workerinput["conformance_run_id"], worker=worker,
                                        run_in_flight=workerinput.get("conformance_run_in_flight")))
        return
    path = config.getoption("--conformance-target", default=None)
    if path and STATE_KEY not in config.stash:
        try:
            target = load(path)
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from None
        out = config.getoption("--conformance-out")
        activate(config, ConformanceRun(target, Path(out) if out else None))


def activate(config: pytest.Config, run: ConformanceRun) -> None:
    from conformance import failures

    config.stash[STATE_KEY] = run
    failures.redact = run.session.redactor.text
    _hypothesis_profile(run.target)


def _hypothesis_profile(target: Target) -> None:
    # STYLE.md: budgets come from settings profiles, never edited per test.
    from hypothesis import HealthCheck, Phase, settings

    from conformance import spec_cache

    spec_cache.seed = target.property.seed

    settings.register_profile(
        "conformance",
        max_examples=target.property.max_examples,
        deadline=None,
        # reproducible verdicts for release gates: each test's seed comes from its name, or from
        # property.seed (hypothesis' own tests: cli.execute passes --hypothesis-seed; schemathesis': spec_cache)
        derandomize=target.property.seed is None,
        database=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        stateful_step_count=8,
    )
    settings.load_profile("conformance")


def current(config: pytest.Config) -> ConformanceRun | None:
    return config.stash.get(STATE_KEY, None)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    run = current(session.config)
    if run is not None and run.worker:
        # a worker of a parallel run keeps what collection built to its end: frozen, the run's full garbage
        # collections leave it alone (cli.execute does the same for a one-process run, and says why)
        gc.freeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = current(config)
    if run is None:
        return
    shard = config.getoption("--conformance-shard", default=None)
    if shard:
        # a stable split by test id: the same test always lands in the same shard
        k, n = (int(x) for x in shard.split("/"))
        keep = [i for i in items if zlib.crc32(i.nodeid.encode()) % n == k - 1]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    listed = config.getoption("--conformance-tests", default=None)
    if listed:
        wanted_ids = set(Path(listed).read_text(encoding="utf-8").split("\n")) - {""}
        keep = [i for i in items if i.nodeid in wanted_ids]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    only = config.getoption("--conformance-only", default=None)
    if only:
        wanted = tuple(w.strip() for w in only.split(",") if w.strip())
        keep = [i for i in items if any(r.startswith(wanted) for r in _requirements_of(i))]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    caps = run.target.capabilities
    by_operation = operation_capabilities(run.target.api)
    for item in items:
        operation = _operation_of_item(item)
        if operation in by_operation and by_operation[operation]:
            # a generated test of one operation (schemathesis names it "[METHOD /path]") needs what that
            # operation's group needs: an undeclared group's operations are left out, naming it
            item.add_marker(pytest.mark.needs(*by_operation[operation]))
        for mark in item.iter_markers("needs"):
            missing = [c for c in mark.args if not getattr(caps, c)]
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"capability {', '.join(missing)} not declared by the target"))
        if run.target.safety.read_only and item.get_closest_marker("writes"):
            item.add_marker(pytest.mark.skip(reason="read_only target: this test needs mutating requests"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Setup, call and teardown of each test inside its server's gate (conformance/gate.py): an
    `exclusive` test alone, the others side by side, so that parallel workers and shards reach the
    outcomes of one process."""
    run = current(item.config)
    if run is None:
        return (yield)
    if item.get_closest_marker(GATE_MARKER) is None:
        with run.gate.hold(exclusive=False):
            return (yield)
    # alone against the server: this worker may use the run's whole in-flight bound (the eTag race). The
    # gate stays held while the next test of this worker is exclusive too: taking it means waiting until
    # every other worker's test under way has ended, and a ProcessMaker run at 100 ms under --workers 8
    # spent most of its time in those waits, once for each of its forty-odd list tests.
    if run.alone is None:
        alone = contextlib.ExitStack()
        alone.enter_context(run.gate.hold(exclusive=True))
        alone.enter_context(run.session.whole_bound())
        run.alone = alone
    try:
        return (yield)
    finally:
        if nextitem is None or nextitem.get_closest_marker(GATE_MARKER) is None:
            run.alone.close()
            run.alone = None


def operation_capabilities(api: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(method, path template) -> the capabilities it needs, where the API's model says so."""
    from conformance import apis

    return dict(getattr(apis.model(api), "OPERATION_CAPABILITIES", {}))


def _operation_of_item(item: pytest.Item) -> tuple[str, str] | None:
    if "[" not in item.name or hasattr(item, "callspec"):
        return None
    method, _, path = item.name.split("[", 1)[1].rstrip("]").partition(" ")
    return (method.upper(), path) if path.startswith("/") else None


def _requirements_of(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids.extend(mark.args)
    return tuple(dict.fromkeys(ids))


def _find_violation(exc: BaseException | None) -> RequirementViolation | None:
    if exc is None:
        return None
    if isinstance(exc, RequirementViolation):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _find_violation(inner)
            if found:
                return found
    return _find_violation(exc.__cause__) if isinstance(exc.__cause__, RequirementViolation) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    run = current(item.config)
    if run is None:
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        rec = _record(run, item, report, call)
        rec.duration = report.duration
        run.records.append(rec)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    run = current(pyfuncitem.config)
    if run is None:
        return (yield)
    # the requests a test sent with Session.submit go out side by side and are judged, in order, when
    # its function returns (conformance/http.py, Session.pipelined), before its findings are counted
    with run.session.pipelined():
        result = yield
    with run._lock:
        soft = list(run._soft.get(pyfuncitem.nodeid, []))
    if soft:
        # the test reported findings and went on to its end: now it fails, with all of them
        raise FindingsReported(list(dict.fromkeys(f.message for f in soft)))
    return result


def _record(run: ConformanceRun, item: pytest.Item, report: pytest.TestReport,
            call: pytest.CallInfo[None]) -> results.TestRecord:
    """What one test says: its outcome and every distinct finding it made, with fingerprints."""
    reqs = _requirements_of(item)
    api = run.target.api
    exchanges = list(getattr(item, "_conformance_exchanges", []))
    soft = run.take_soft(item.nodeid)
    if report.skipped and not soft:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        outcome = "omitted" if reason.startswith("omitted:") else "skipped"
        return results.TestRecord(item.nodeid, reqs, outcome, message=reason)
    found: dict[str, findings.Finding] = {}
    for f in soft:
        findings.merge(found, f)
    # (a skip after findings were reported leaves the findings, not an error)
    exc = call.excinfo.value if (call.excinfo and not report.passed and not report.skipped) else None
    if isinstance(exc, FindingsReported):
        exc = None  # its findings are the soft ones above
    violation = _find_violation(exc)
    if isinstance(exc, PreconditionFailed) and exc.requirement in _catalogue(api):
        # a prerequisite the server broke, for a capability the target declares: a finding under the
        # requirement that owns the step (DESIGN.md: a skip never hides a defect)
        evidence = exc.exchanges or exchanges[-3:]
        text = f"prerequisite broken: {exc}"
        if evidence and not any(e in text for e in evidence):
            text += f" (shown by {', '.join(evidence)})"
        text = run.session.redactor.text(text)[:2000]
        findings.merge(found, findings.make(api, exc.requirement, text, evidence,
                                            operation=exc.operation, check="prerequisite",
                                            detail=exc.detail if exc.detail is not None else str(exc),
                                            test=item.nodeid))
    elif isinstance(exc, PreconditionFailed):
        return results.TestRecord(item.nodeid, reqs, "skipped",
                                  message=run.session.redactor.text(f"could not run: {exc}")[:2000],
                                  exchanges=exchanges)
    elif violation is not None:
        violation.message = run.session.redactor.text(violation.message)
        findings.merge(found, findings.from_violation(api, violation, item.nodeid))
    elif exc is not None:
        kind = "suite or network" if isinstance(exc, SuiteBroken) else "unexpected error"
        return results.TestRecord(item.nodeid, reqs, "broken",
                                  message=run.session.redactor.text(f"{kind}: {type(exc).__name__}: {exc}")[:2000],
                                  exchanges=exchanges)
    if not found:
        return results.TestRecord(item.nodeid, reqs, "passed", exchanges=exchanges)
    first = next(iter(found.values()))
    # a stopped test (it raised) did not reach its own requirements; one that went on to the end did
    stopped = exc is not None
    item._conformance_failed_exchanges = [e for f in found.values() for e in f.exchanges]  # type: ignore[attr-defined]
    return results.TestRecord(item.nodeid, reqs, "violated", first.requirement, first.message,
                              list(first.exchanges), findings=[f.as_dict() for f in found.values()],
                              stopped=stopped)


def _catalogue(api: str) -> set[str]:
    return {r.id for r in requirements.for_api(api)}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = current(session.config)
    if run is not None and run.document is None:
        doc = run.finish()
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None and run.worker:
            workeroutput["conformance"] = json.dumps({
                "records": [dataclasses.asdict(r) for r in run.records], "observations": run.observations,
                "requests_sent": doc["requests_sent"], "tokens_fetched": doc["tokens_fetched"],
                "connections_opened": doc["connections_opened"], "cleanup": doc["cleanup"]})
            # After the run's last worker reports finished, xdist (execnet) gives each worker 5 s to end,
            # then interrupts it, and the KeyboardInterrupt reaches the console as a traceback ("Exception
            # ignored in" hypothesis' gc callback). What a worker still does then is mostly pytest's two
            # full garbage collections (unconfigure and cleanup of its unraisableexception plugin), which
            # over a worker's heap took a second each on a loaded machine. So collect here, while xdist
            # still waits for this worker without a deadline, and freeze what survives: those two passes
            # then see only the few objects made after this point.
            gc.collect()
            gc.freeze()


# -- parallel runs (pytest-xdist): the controller hands the target to each worker and merges back ----
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    run = current(node.config)
    if run is None:
        return
    n = max(1, int(node.config.getoption("numprocesses", 1) or 1))
    # the staging budget is the whole run's: each worker gets its share of requests and rate
    safety = run.target.safety.model_copy(update={"max_requests": max(1, run.target.safety.max_requests // n),
                                                   "rate_limit": run.target.safety.rate_limit / n,
                                                   "max_in_flight": max(1, run.target.safety.max_in_flight // n)})
    # sent over the execnet channel, never written to disk (the target may hold expanded secrets)
    node.workerinput["conformance_target"] = run.target.model_copy(update={"safety": safety}).model_dump_json()
    node.workerinput["conformance_out"] = str(run.out or Path("."))
    node.workerinput["conformance_run_id"] = run.run_id
    node.workerinput["conformance_run_in_flight"] = run.target.safety.max_in_flight


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Whole files per worker, each operation's generated property test apart (conformance/parallel.py)."""
    if current(config) is None:
        return None
    from conformance.parallel import make_scheduler

    return make_scheduler(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    run = current(node.config)
    payload = getattr(node, "workeroutput", {}).get("conformance")
    if run is None or payload is None:
        return
    data = json.loads(payload)
    run.records.extend(results.TestRecord(**{**r, "requirements": tuple(r["requirements"])}) for r in data["records"])
    for rid, bucket in data["observations"].items():
        for key, value in bucket.items():
            for one in (value if isinstance(value, list) else [value]):
                run.observe(rid, key, one)
    for key in ("requests_sent", "tokens_fetched", "connections_opened"):
        run.worker_totals[key] += data.get(key, 0)
    for key in ("retired", "remaining"):
        run.worker_totals[key] += data["cleanup"][key]


# -- fixtures -------------------------------------------------------------------
@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> ConformanceRun:
    run = current(request.config)
    if run is None:
        pytest.skip("no conformance target configured (use `conformance run` or --conformance-target)")
    return run


@pytest.fixture(scope="session")
def target(conformance_run: ConformanceRun) -> Target:
    return conformance_run.target


@pytest.fixture(scope="session")
def api(conformance_run: ConformanceRun) -> Session:
    return conformance_run.session


@pytest.fixture(scope="session")
def ledger(conformance_run: ConformanceRun) -> Ledger:
    return conformance_run.ledger


@pytest.fixture(scope="session")
def run_tag(conformance_run: ConformanceRun) -> str:
    return conformance_run.tag


@pytest.fixture
def observe(conformance_run: ConformanceRun) -> Callable[[str, str, Any], None]:
    return conformance_run.observe


@pytest.fixture(autouse=True)
def _conformance_test_context(request: pytest.FixtureRequest):
    run = current(request.config)
    if run is None:
        yield
        return
    item = request.node
    reqs = _requirements_of(item)
    allure_on = request.config.pluginmanager.hasplugin("allure_listener")
    if allure_on:
        _allure_labels(run, reqs)
    if allure_on and "[" in item.name and not hasattr(item, "callspec"):
        import allure

        # schemathesis' items (one per operation) carry no pytest parameters; without one
        # Allure gives all of them one history id and shows them as retries of each other
        allure.dynamic.parameter("operation", item.name.split("[", 1)[1].rstrip("]"))
    captured: list[str] = []
    item._conformance_exchanges = captured
    run._current = captured
    run._current_test = item.nodeid
    try:
        yield
    finally:
        run._current = None
        run._current_test = None
        if allure_on:
            _attach_exchanges(run, item, captured)


def _allure_labels(run: ConformanceRun, reqs: tuple[str, ...]) -> None:
    import allure

    # epic = API, feature = family, story = requirement id. The target is a parameter,
    # so that results of several targets merged into one report stay apart (Allure's history id
    # hashes the parameters) instead of collapsing into retries of one test.
    allure.dynamic.epic(run.target.api)
    allure.dynamic.parameter("target", run.target.name)
    allure.dynamic.parent_suite(run.target.name)
    allure.dynamic.label("target", run.target.name)
    for rid in reqs:
        req = requirements.get(rid)
        allure.dynamic.feature(req.family)
        allure.dynamic.story(rid)
        allure.dynamic.label("requirement", rid)
        allure.dynamic.tag(req.level)
    if reqs:
        lines = [f"**{rid}** ({requirements.get(rid).level}): {requirements.get(rid).sentence}\n\n"
                 f"Source: {requirements.get(rid).source}" for rid in reqs]
        allure.dynamic.description("\n\n".join(lines))


def _attach_exchanges(run: ConformanceRun, item: pytest.Item, captured: list[str]) -> None:
    import allure

    failed = list(getattr(item, "_conformance_failed_exchanges", []))
    chosen = list(dict.fromkeys(failed + captured[:MAX_ATTACHED_EXCHANGES]))
    for ex_id in chosen:
        ex = run.log.get(ex_id)
        if ex is None:
            continue
        allure.attach(json.dumps(ex.as_record(run.session.redactor), indent=2, ensure_ascii=False), name=f"{ex.summary()}",
                      attachment_type=allure.attachment_type.JSON)
        allure.attach(ex.curl(), name=f"{ex.id} curl", attachment_type=allure.attachment_type.TEXT)
    if len(captured) > MAX_ATTACHED_EXCHANGES:
        allure.attach(f"{len(captured)} exchanges in this test; all are in exchanges.jsonl",
                      name="more exchanges", attachment_type=allure.attachment_type.TEXT)
