"""The `conformance` command: run, demo, emulate, report, requirements, specs.

Exit codes (DESIGN.md, "What machines read"): 0 pass, 1 gating failure,
2 usage or target-file error, 3 the run itself broke (no server, no token).
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance import apis, requirements
from conformance.failures import SuiteBroken


def _lazy(name: str) -> Any:
    """A module imported when first used (importlib.util.LazyLoader, the standard library's recipe).
    Commands that test nothing start sooner: `emulate`, which every prove trial, test and bench step
    starts, needs neither pytest (console), httpx and authlib (preflight) nor pydantic (target,
    results), which took most of the command's start-up (python -X importtime)."""
    import importlib.util

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # `from conformance import x` elsewhere finds it unloaded
    return module


preflight = _lazy("conformance.preflight")
results = _lazy("conformance.results")
run_console = _lazy("conformance.console")
_target = _lazy("conformance.target")
if TYPE_CHECKING:
    from conformance.target import Target

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_BROKEN = 0, 1, 2, 3
# soft_wrap: a long line (a finding, a curl line) stays one line in CI logs; a terminal wraps it itself
console = Console(stderr=False, highlight=False, soft_wrap=True)



def _default_out(target: Target) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return Path("reports") / f"{target.name}-{stamp}"


def execute(target: Target, out: Path, fail_on: str = "failed", pytest_args: tuple[str, ...] = (),
            quiet: bool = False, allure_results: bool = True, workers: int = 1,
            finding_results: bool = True, verbose: bool = False,
            before_tests: Any = None) -> tuple[int, dict[str, Any] | None]:
    """`quiet`: no progress and no warnings (the caller prints what it needs); `verbose`: pytest's own
    output with tracebacks, instead of the progress display."""
    """Run the suite for `target` in-process; returns (exit code, results document)."""
    import pytest

    from conformance import plugin
    from conformance.suites import SUITES

    out.mkdir(parents=True, exist_ok=True)
    run = plugin.ConformanceRun(target, out, fail_on=fail_on)
    try:
        run.session.tokens.header()  # DESIGN.md flow step 2: acquire a token first
    except SuiteBroken as exc:
        console.print(f"[bold red]run broken:[/] {escape(preflight.token_problem(target, exc))}", highlight=False)
        run.session.close()
        return EXIT_BROKEN, None
    # base URL, credentials, fixtures: GETs only; a run not quiet hears when --workers would help
    if not preflight.passes(target, run.session, console, verbose, workers=None if quiet else workers):
        run.session.close()
        return EXIT_BROKEN, None
    if not quiet:
        _warn_capabilities(target, run.session)
    if before_tests is not None:
        before_tests(run)  # e.g. `run --traffic`: traffic judged into the run before its tests

    class Activate:
        @pytest.hookimpl(tryfirst=True)
        def pytest_configure(self, config: pytest.Config) -> None:
            plugin.activate(config, run)

        # Garbage collection (the profile of a zero-latency run, docs/benchmarks.md): what exists once the
        # tests are collected (every module, the parsed spec, each operation's strategies) lives until the
        # run ends, yet every full collection of the run scanned it again (3.1 s of a 74 s Pega run), and
        # pytest's own two full collections at its end (unraisableexception plugin) scanned it once more.
        # Frozen, those passes see only what the tests make; `execute` unfreezes when pytest returns.
        @pytest.hookimpl(trylast=True)
        def pytest_collection_finish(self, session: pytest.Session) -> None:
            gc.freeze()

        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(self, session: pytest.Session) -> None:
            gc.freeze()

    # An empty ini of our own: the suite must not inherit the caller's pytest settings.
    ini = out / "pytest.ini"
    ini.write_text("[pytest]\nxfail_strict = true\n", encoding="utf-8")
    allure_dir = out / "allure-results"
    args = ["-c", str(ini), "--rootdir", str(out), "-p", "no:cacheprovider", "--pyargs", SUITES[target.api],
            f"--junitxml={out / 'junit.xml'}", "-o", "junit_family=xunit2",
            "-q", "--no-header", "-rN", "--tb=short" if verbose else "--tb=no",
            # findings are RequirementViolations, not asserts: rewriting the asserts of every plugin's
            # modules cost ~3 s per run (the profile of a Pega run) and buys nothing here
            "--assert=plain", *pytest_args]
    if target.property.seed is not None:
        # property.seed: every generated test draws from this seed (hypothesis' own pytest option) instead
        # of the seed each test derives from its name; without it the examples are the same every run
        args.append(f"--hypothesis-seed={target.property.seed}")
    if allure_results:
        args.append(f"--alluredir={allure_dir}")
    if workers > 1:
        # pytest-xdist: whole test files per worker (their session fixtures are set up once per worker);
        # the plugin hands each worker the target and merges their records back (plugin.py)
        args += ["-n", str(workers), "--dist", "loadfile"]
    progress = run_console.RunProgress(console if not quiet else Console(file=io.StringIO()), run, verbose)
    previous = _defer_interrupts(run)
    try:
        code = pytest.main(args, plugins=[Activate(), progress])
    finally:
        gc.unfreeze()  # an in-process caller (a test, `demo`) gets its collector back
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    doc = run.document or run.finish()
    if allure_results:
        _allure_extras(allure_dir, target, doc, run.server_headers)
        if finding_results:
            _allure_findings(allure_dir, target, doc, out)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        # pytest itself failed: what it said is the only explanation there is
        console.print(progress.buffered_output()[-6000:], markup=False, highlight=False)
        console.print(f"[bold red]run broken:[/] pytest exited with {int(code)} ({code.name})")
        return EXIT_BROKEN, doc
    return (EXIT_OK if doc["verdict"]["passed"] else EXIT_GATE), doc


def _warn_capabilities(target: Target, session: Any) -> None:
    """DESIGN.md flow step 3: a declared capability that looks absent is said before the first test
    (its requirements will fail: a capability is a promise)."""
    from conformance.probe import probe

    for v in probe(target, session):
        if v.declared and v.seen == "absent":
            console.print(f"[yellow]warning:[/] capabilities.{v.capability} is declared, but the server does not "
                          f"seem to offer it ({escape(v.evidence)}); its requirements will fail. "
                          f"`conformance probe --target FILE` suggests a [capabilities] block.", highlight=False)


def _defer_interrupts(run: Any) -> Any:
    """First Ctrl-C: finish the request in flight, stop before the next one, then clean up (a
    request cut off mid-flight could create a case nobody records). Second Ctrl-C: stop now."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        if run.session.stop_requested:
            raise KeyboardInterrupt
        run.session.stop_requested = True
        console.print("[yellow]interrupted: stopping after the current request, then cleaning up "
                      "(Ctrl-C again to stop at once)[/]")

    return signal.signal(signal.SIGINT, handler)


def _ids_regex(ids: list[str]) -> str:
    # a violation's message starts with "[REQUIREMENT-ID]" (failures.RequirementViolation)
    return r"(?s).*\[(" + "|".join(re.escape(i) for i in ids) + r")\].*"


def _allure_extras(allure_dir: Path, target: Target, doc: dict[str, Any], server: dict[str, str]) -> None:
    """Categories (first match wins) and environment for the Allure report (cross-target comparison)."""
    allure_dir.mkdir(parents=True, exist_ok=True)
    known = [d.requirement for d in target.deviations if not d.expired()]
    should = [r.id for r in requirements.for_api(target.api) if r.level == "SHOULD"]
    must = [r.id for r in requirements.for_api(target.api) if r.level == "MUST"]
    categories = []
    if known:
        categories.append({"name": "Known deviation (target file, not gating)", "matchedStatuses": ["failed"],
                           "messageRegex": _ids_regex(known)})
    if should:
        categories.append({"name": "Documented ambiguity (SHOULD, warning)", "matchedStatuses": ["failed"],
                           "messageRegex": _ids_regex(should)})
    categories += [
        {"name": "Product defect (MUST broken)", "matchedStatuses": ["failed"], "messageRegex": _ids_regex(must)},
        {"name": "Suite or network broken", "matchedStatuses": ["broken"]},
    ]
    (allure_dir / "categories.json").write_text(json.dumps(categories, indent=2), encoding="utf-8")
    parts = urlsplit(target.base_url)
    base_url = urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""), parts.path, "", ""))
    env = {"target": target.name, "api": target.api, "base_url": base_url, "run_id": doc.get("run_id", ""),
           **{f"server.{k}": v for k, v in server.items()}}
    (allure_dir / "environment.properties").write_text(
        "".join(f"{k}={str(v).replace(chr(10), ' ')}\n" for k, v in env.items()), encoding="utf-8")


def _allure_findings(allure_dir: Path, target: Target, doc: dict[str, Any], out: Path) -> None:
    """One Allure result per finding, beside the per-test results: its history id is the fingerprint,
    so Allure's history follows each distinct defect across runs, not the test that happened to see it
    (with the target's name, so that the same defect of two targets merged into one report stays two)."""
    import time
    import uuid as uuid_mod

    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Attachment, Label, Parameter, Status, StatusDetails, TestResult

    logger = AllureFileLogger(str(allure_dir))
    now = int(time.time() * 1000)
    wanted = {e for r in doc["requirements"].values() for f in r.get("findings", []) for e in f["exchanges"][:3]}
    evidence: dict[str, dict[str, Any]] = {}
    for log in [out / "exchanges.jsonl", *sorted((out / "workers").glob("*/exchanges.jsonl"))]:
        if wanted and log.is_file():
            with log.open(encoding="utf-8") as fh:
                for line in fh:
                    if any(e in line[:40] for e in wanted):
                        record = json.loads(line)
                        evidence[record["id"]] = record
    for rid, req in doc["requirements"].items():
        for f in req.get("findings", []):
            accepted = bool(f.get("deviation")) and not f["deviation"].get("expired")
            status = Status.SKIPPED if accepted else (Status.FAILED if req["level"] == "MUST" else Status.BROKEN)
            attachments = []
            for ex_id in f.get("exchanges", [])[:3]:
                ex = evidence.get(ex_id)
                if ex is None:
                    continue
                source = f"{uuid_mod.uuid4()}-attachment.txt"
                logger.report_attached_data(ex["curl"], source)
                attachments.append(Attachment(name=f"{ex_id} {ex['method']} → {ex['status']} curl", source=source,
                                              type="text/plain"))
            name = f"{rid} · {f['detail'][:160] or f.get('operation') or 'finding'}"
            logger.report_result(TestResult(
                name=name, uuid=str(uuid_mod.uuid4()), historyId=f"{f['fingerprint']}:{target.name}", testCaseId=f["fingerprint"],
                fullName=f"finding {f['fingerprint']}", status=status, start=now, stop=now, stage="finished",
                statusDetails=StatusDetails(message=f"[{rid}] {f['message']}", flaky=bool(f.get("flaky")),
                                            trace="evidence: " + ", ".join(f.get("exchanges", [])[:10])),
                description=f"**{rid}** ({req['level']}): {req['sentence']}\n\nSource: {req['source']}\n\n"
                            f"Finding `{f['fingerprint']}`, seen {f.get('occurrences', 1)} time(s)"
                            f"{' (flaky)' if f.get('flaky') else ''}.",
                labels=[Label("epic", target.api), Label("feature", req["family"]), Label("story", rid),
                        Label("parentSuite", target.name), Label("suite", "findings"), Label("tag", req["level"]),
                        Label("requirement", rid), Label("finding", f["fingerprint"])],
                parameters=[Parameter("target", target.name)], attachments=attachments))


def find_allure() -> str | None:
    explicit = os.environ.get("CONFORMANCE_ALLURE")
    if explicit:
        return explicit
    here = Path.cwd().resolve()
    for folder in (here, *here.parents, Path(__file__).resolve().parents[1]):
        candidate = folder / "node_modules" / ".bin" / "allure"
        if candidate.exists():
            return str(candidate)
    return shutil.which("allure")


def generate_report(result_dirs: list[Path], out: Path, name: str = "Conformance", single_file: bool = True) -> Path:
    """The Allure HTML report of `result_dirs` in `out`. `single_file` (the default): one index.html with its
    data inside, which opens from disk (file://); the multi-file report loads its data with fetch(), which a
    browser allows only over HTTP (`conformance report --serve`)."""
    allure = find_allure()
    if allure is None:
        raise click.ClickException("the Allure tool is not installed: run `make setup` (npm ci installs the pinned "
                                   "allure), or set CONFORMANCE_ALLURE")
    dirs = [str(d) for d in result_dirs if d.exists()]
    if not dirs:
        raise click.ClickException("no allure-results folders to build a report from")
    # history and trend carry over between reports built into the same reports/ folder
    config = out.parent / f".{out.name}-allurerc.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({
        "name": name,
        "historyPath": str((out.parent / ".allure-history.jsonl").resolve()),
        # tree: target > requirement family > requirement id (labels set by the plugin)
        "plugins": {"awesome": {"options": {"reportName": name, "groupBy": ["parentSuite", "feature", "story"],
                                            "singleFile": single_file}}},
    }), encoding="utf-8")
    index = out / "index.html"
    if index.is_file() and "allure" in index.read_text(encoding="utf-8", errors="replace")[:20000].lower():
        shutil.rmtree(out)  # an earlier report: Allure writes over it but leaves its other files behind
    proc = subprocess.run([allure, "generate", *dirs, "-o", str(out), "--config", str(config)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not (out / "index.html").exists():
        raise click.ClickException(f"allure generate failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    _strip_analytics(out / "index.html")
    return out


# The report template loads Google's tag manager with the report's id: a conformance report of a staging
# server opens offline and tells nobody that it was opened.
_ANALYTICS = re.compile(r'\s*<script async src="https://www\.googletagmanager\.com/[^"]*"></script>\s*<script>'
                        r'(?:(?!</script>).)*?gtag\((?:(?!</script>).)*?</script>', re.S)


def _strip_analytics(index: Path) -> None:
    text = index.read_text(encoding="utf-8")
    stripped = _ANALYTICS.sub("", text, count=1)
    if stripped != text:
        index.write_text(stripped, encoding="utf-8")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="conformance")
def main() -> None:
    """Contract-testing and conformance suite for case-management REST APIs."""


@main.command()
@click.option("--target", "target_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="target file (TOML)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="run folder (default reports/<target>-<time>)")
@click.option("--fail-on", type=click.Choice(["failed", "warning"]), default="failed",
              help="gate on failed/broken only, or on warnings too")
@click.option("--report/--no-report", default=False, help="also build the Allure HTML report")
@click.option("--pytest-arg", "pytest_args", multiple=True, help="extra pytest argument (repeatable), e.g. -k etag")
@click.option("--baseline", type=click.Path(exists=True, path_type=Path), default=None,
              help="an earlier run folder or results.json: gate only on regressions against it")
@click.option("--shard", default=None, metavar="K/N", help="run only shard K of N (merge shards with compare/gate)")
@click.option("--allure/--no-allure", "allure_results", default=True,
              help="write allure-results (on by default; results.json, JUnit and the exchange log are always written)")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="test processes side by side (pytest-xdist; more than the cores helps against a server far "
                   "away); at most safety.max_in_flight; max_requests, rate_limit and max_in_flight are shared out")
@click.option("--requirement", "only", multiple=True, metavar="ID",
              help="run only the tests of this requirement id or id prefix, e.g. PM-PAGE (repeatable); "
                   "the others are reported as not run")
@click.option("-v", "--verbose", is_flag=True, help="pytest's own output, with tracebacks, instead of the progress")
@click.option("-q", "--quiet", is_flag=True, help="print the verdict line only")
@click.option("--rerun-failures", default=0, show_default=True, type=click.IntRange(0, 10),
              help="run the tests that made findings N more times; a finding seen on some attempts and not on "
                   "others is marked flaky")
@click.option("--traffic", "traffic", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a HAR file or exchanges.jsonl to judge alongside the tests (repeatable; docs/passive.md)")
def run(target_path: Path, out: Path | None, fail_on: str, report: bool, pytest_args: tuple[str, ...],
        baseline: Path | None, shard: str | None, allure_results: bool, workers: int, only: tuple[str, ...],
        verbose: bool, quiet: bool, rerun_failures: int, traffic: tuple[Path, ...]) -> None:
    """Run the suite for one target file and gate on the result."""
    try:
        target = _target.load(target_path)
    except _target.TargetError as exc:
        console.print(f"[bold red]target error:[/] {exc}")
        sys.exit(EXIT_USAGE)
    if workers > target.safety.max_in_flight:
        # each worker has a request open most of the time: more workers would break the bound
        raise click.BadParameter(f"{workers} workers exceed safety.max_in_flight={target.safety.max_in_flight} "
                                 f"of {target_path}", param_hint="--workers")
    out = out or _default_out(target)
    if shard:
        pytest_args = (*pytest_args, f"--conformance-shard={_shard(shard)}")
    if only:
        known = [r.id for r in requirements.for_api(target.api)]
        for prefix in only:
            if not any(rid.startswith(prefix) for rid in known):
                raise click.BadParameter(f"{prefix!r} matches no requirement of {target.api}", param_hint="--requirement")
        pytest_args = (*pytest_args, f"--conformance-only={','.join(only)}")
    base_doc = _load_baseline(baseline) if baseline else None
    passive: list[Any] = []
    try:
        code, doc = execute(target, out, fail_on, pytest_args, allure_results=allure_results, workers=workers,
                            finding_results=not rerun_failures, verbose=verbose, quiet=quiet,
                            before_tests=_traffic_hook(traffic, passive) if traffic else None)
    except _traffic_error() as exc:
        console.print(f"[bold red]traffic error:[/] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    if passive and doc is not None:
        _traffic_into(out, target, doc, passive[0], allure_results)
    if doc is not None and rerun_failures and code in (EXIT_OK, EXIT_GATE):
        rerun(target, out, doc, rerun_failures, fail_on, pytest_args)
        code = EXIT_OK if doc["verdict"]["passed"] else EXIT_GATE
        if allure_results:
            _allure_findings(out / "allure-results", target, doc, out)
    if doc is not None:
        if code == EXIT_BROKEN:
            console.print(f"[bold red]{target.name}: BROKEN[/]: the run did not complete, so there is no verdict "
                          f"(what it found so far is in {out / 'results.json'})")
        elif quiet:
            console.print(run_console.verdict_line(doc))
        else:
            run_console.print_findings(console, doc, out)
            run_console.print_summary(console, doc)
            console.print(f"results: {out / 'results.json'}")
        if base_doc is not None and code in (EXIT_OK, EXIT_GATE):
            code = _gate_on_baseline(base_doc, doc)
    if report and doc is not None and allure_results:
        path = generate_report([out / "allure-results"], out / "allure-report", f"Conformance: {target.name}")
        console.print(f"Allure report: {path / 'index.html'}")
    sys.exit(code)


def _traffic_error() -> type[Exception]:
    from conformance.traffic import TrafficError

    return TrafficError


def _traffic_hook(files: tuple[Path, ...], passive: list[Any]) -> Any:
    def hook(run: Any) -> None:
        from conformance.traffic import judge_into_run

        passive.append(judge_into_run(run, list(files)))
    return hook


def _traffic_into(out: Path, target: Target, doc: dict[str, Any], passive: Any, allure_results: bool) -> None:
    """`run --traffic`: the traffic's coverage in results.json, its records in junit.xml and Allure."""
    from conformance import traffic

    doc["source"] = "active+traffic"
    doc["traffic"] = passive.summary()
    results.write(out / "results.json", doc)
    records = passive.records()
    traffic.append_junit(out / "junit.xml", target, records)
    if allure_results:
        traffic.write_allure(out / "allure-results", target, records)
    traffic.print_coverage(console, doc["traffic"])


@main.command("check-traffic")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--api", "api", required=True, type=click.Choice(apis.names()), help="the API the traffic speaks")
@click.option("--target", "target_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="target file: its base_url says where the API lives, its deviations apply")
@click.option("--base-url", default=None, help="where the API lives (default: the target's, the spec's servers, "
                                               "or found from the traffic)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="run folder (default reports/<api>-traffic-<time>)")
@click.option("--fail-on", type=click.Choice(["failed", "warning"]), default="failed")
@click.option("--allure/--no-allure", "allure_results", default=True)
@click.option("-q", "--quiet", is_flag=True, help="print the verdict line only")
def check_traffic_cmd(files: tuple[str, ...], api: str, target_path: Path | None, base_url: str | None,
                      out: Path | None, fail_on: str, allure_results: bool, quiet: bool) -> None:
    """Judge recorded traffic (HAR files, exchanges.jsonl; - for standard input) requirement by requirement,
    without sending a request; writes a run folder like `run` (docs/passive.md)."""
    from conformance import traffic

    target = None
    if target_path is not None:
        try:
            target = _target.load(target_path)
        except _target.TargetError as exc:
            console.print(f"[bold red]target error:[/] {exc}")
            sys.exit(EXIT_USAGE)
        if target.api != api:
            console.print(f"[bold red]usage error:[/] {target_path} is a {target.api} target, not {api}")
            sys.exit(EXIT_USAGE)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    out = out or Path("reports") / f"{target.name if target else api}-traffic-{stamp}"
    sources: list[Any] = [sys.stdin.buffer if f == "-" else Path(f) for f in files]
    for f in sources:
        if isinstance(f, Path) and not f.is_file():
            console.print(f"[bold red]traffic error:[/] {f}: no such file")
            sys.exit(EXIT_USAGE)

    def live(f: Any) -> None:
        if not quiet:
            console.print(f"[bold red]{f.requirement}[/] {escape(f.message[:300])}", highlight=False)

    try:
        doc = traffic.check_traffic(api, sources, target=target, out=out, base_url=base_url, fail_on=fail_on,
                                    on_finding=live, allure=allure_results)
    except traffic.TrafficError as exc:
        console.print(f"[bold red]traffic error:[/] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    if allure_results:
        shown = target or traffic.passive_target(api, doc["target"]["base_url"])
        _allure_extras(out / "allure-results", shown, doc, {})
        _allure_findings(out / "allure-results", shown, doc, out)
    if quiet:
        console.print(run_console.verdict_line(doc))
    else:
        run_console.print_findings(console, doc, out)
        run_console.print_summary(console, doc)
        traffic.print_coverage(console, doc["traffic"])
        console.print(f"results: {out / 'results.json'}")
    sys.exit(EXIT_OK if doc["verdict"]["passed"] else EXIT_GATE)


@main.command("proxy")
@click.option("--target", "target_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="target file: the server to forward to (its base_url) and the API to judge")
@click.option("--port", default=8899, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="run folder written on Ctrl-C (default reports/<target>-proxy-<time>)")
@click.option("--fail-on", type=click.Choice(["failed", "warning"]), default="failed")
def proxy_cmd(target_path: Path, port: int, host: str, out: Path | None, fail_on: str) -> None:
    """A recording reverse proxy: clients use it as the server; it forwards unchanged, prints findings as they
    happen, and on Ctrl-C writes the run folder (docs/passive.md)."""
    from conformance import proxy, traffic

    try:
        target = _target.load(target_path)
    except _target.TargetError as exc:
        console.print(f"[bold red]target error:[/] {exc}")
        sys.exit(EXIT_USAGE)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    out = out or Path("reports") / f"{target.name}-proxy-{stamp}"

    def ready(url: str) -> None:
        console.print(f"recording proxy on {url} -> {target.base_url} ({target.api}); Ctrl-C writes {out}")

    def live(f: Any) -> None:
        console.print(f"[bold red]{f.requirement}[/] {escape(f.message[:300])}", highlight=False)

    doc = proxy.serve(target, port, out, host, on_finding=live, on_ready=ready, fail_on=fail_on)
    _allure_extras(out / "allure-results", target, doc, {})
    _allure_findings(out / "allure-results", target, doc, out)
    run_console.print_summary(console, doc)
    traffic.print_coverage(console, doc["traffic"])
    console.print(f"results: {out / 'results.json'}")
    sys.exit(EXIT_OK if doc["verdict"]["passed"] else EXIT_GATE)


def rerun(target: Target, out: Path, doc: dict[str, Any], attempts: int, fail_on: str,
          pytest_args: tuple[str, ...]) -> None:
    """Run the tests that made findings `attempts` more times (each in out/reruns/K) and mark every
    finding that was not seen on every attempt flaky, in results.json. A flaky finding still counts:
    a defect seen once (a race, say) is a defect; it only does not count as new against a baseline
    that had it flaky too."""
    tests = sorted({t for r in doc["requirements"].values() for f in r.get("findings", []) for t in f["tests"]})
    if not tests:
        return
    listing = out / "reruns" / "tests.txt"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("\n".join(tests) + "\n", encoding="utf-8")
    seen: list[dict[str, dict[str, Any]]] = []
    for k in range(1, attempts + 1):
        console.print(f"rerun {k}/{attempts} of {len(tests)} test(s) that made findings")
        _, again = execute(target, out / "reruns" / str(k), fail_on, (*pytest_args, f"--conformance-tests={listing}"),
                           quiet=True, allure_results=False)
        if again is not None:
            seen.append(results.findings_of(again))
    if not seen:
        return
    for rid, req in doc["requirements"].items():
        have = {f["fingerprint"] for f in req.get("findings", [])}
        for f in req.get("findings", []):
            f["flaky"] = f.get("flaky", False) or not all(f["fingerprint"] in s for s in seen)
        # seen on a rerun only: a finding all the same, and flaky by definition
        for extra in {fp: f for s in seen for fp, f in s.items() if f["requirement"] == rid and fp not in have}.values():
            req.setdefault("findings", []).append({**extra, "flaky": True})
            if req["outcome"] in {"passed", "unexpectedly-passed"}:
                req["outcome"] = "failed" if req["level"] == "MUST" else "warning"
    doc["counts"] = {o: sum(1 for r in doc["requirements"].values() if r["outcome"] == o) for o in results.OUTCOMES}
    gating = set(results.GATING) | ({"warning"} if fail_on == "warning" else set())
    blocking = sorted(rid for rid, r in doc["requirements"].items() if r["outcome"] in gating)
    doc["verdict"] = {**doc["verdict"], "passed": not blocking, "blocking": blocking}
    doc["reruns"] = {"attempts": len(seen), "tests": tests}
    results.write(out / "results.json", doc)


def _shard(value: str) -> str:
    k, sep, n = value.partition("/")
    if not sep or not k.isdigit() or not n.isdigit() or not 1 <= int(k) <= int(n):
        raise click.BadParameter(f"{value!r}: use K/N with 1 <= K <= N", param_hint="--shard")
    return f"{int(k)}/{int(n)}"


def _load_baseline(path: Path) -> dict[str, Any]:
    file = path / "results.json" if path.is_dir() else path
    try:
        return results.read(file)
    except (OSError, ValueError, KeyError) as exc:
        console.print(f"[bold red]baseline error:[/] {file}: {exc}")
        sys.exit(EXIT_USAGE)


def _gate_on_baseline(baseline: dict[str, Any], doc: dict[str, Any]) -> int:
    """--baseline: only regressions gate; everything that was already failing is reported, not gated."""
    found = results.regressions(baseline, doc)
    if found:
        console.print(f"[bold red]{len(found)} regression(s) against the baseline:[/]")
        for line in found:
            console.print(f"  {line}")
        return EXIT_GATE
    console.print("[green]no regression against the baseline[/]")
    return EXIT_OK


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: use NAME=VALUE", param_hint=option)
        chosen[key] = value
    return chosen


def _latency(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, float] | None:
    """`emulate --latency MS[:JITTER_MS]` -> seconds; a negative or non-numeric value is a usage error."""
    if value is None:
        return None
    from conformance.emulators.common import parse_latency

    try:
        return parse_latency(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.argument("api", type=click.Choice(apis.names()))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8811, show_default=True, type=int)
@click.option("--db", default=None, help="SQLite file (default .conformance/<api>.sqlite3; ':memory:' for none)")
@click.option("--fault", "faults", multiple=True, help="inject a fault (repeatable); see --list-faults")
@click.option("--variant", "variants", multiple=True, help="documented variant NAME=CHOICE (repeatable)")
@click.option("--token-lifetime", default=3600, show_default=True, type=int, help="access token lifetime, seconds")
@click.option("--chaos", "chaos", multiple=True, help="hostile-server behaviour (repeatable); see --list-faults")
@click.option("--upload-limit", default=2 * 1024 * 1024, show_default=True, type=click.IntRange(min=1),
              help="largest accepted upload, bytes")
@click.option("--data-rows", default=3000, show_default=True, type=click.IntRange(min=0),
              help="rows behind the data view D_ConformanceRecords")
@click.option("--categories", "categories_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="JSON list of attachment categories ({ID, name, type File|URL, canCreate, canView, ...})")
@click.option("--cases", default=None, type=click.IntRange(min=0, max=100_000),
              help="cases to seed (processmaker-3; default: the emulator's fixture set)")
@click.option("--set", "options", multiple=True, metavar="KEY=VALUE",
              help="emulator-specific setting (repeatable); see --list-faults")
@click.option("--latency", default=None, metavar="MS[:JITTER_MS]", callback=_latency,
              help="delay every response by MS milliseconds (+/- JITTER_MS), like a server far away")
@click.option("--list-faults", is_flag=True, help="list faults, variants and chaos modes, then exit")
def emulate(api: str, host: str, port: int, db: str | None, faults: tuple[str, ...], variants: tuple[str, ...],
            token_lifetime: int, chaos: tuple[str, ...], upload_limit: int, data_rows: int,
            categories_file: str | None, cases: int | None, options: tuple[str, ...],
            latency: tuple[float, float] | None, list_faults: bool) -> None:
    """Serve an emulator on loopback (its token endpoint included)."""
    import uvicorn

    from conformance.emulators import common

    module = apis.emulator(api)
    FAULTS, VARIANTS, create_app = module.FAULTS, module.VARIANTS, module.create_app

    if list_faults:
        console.print("[bold]faults[/] (name: requirement it breaks - what it does)")
        for f in FAULTS.values():
            console.print(f"  {f.name}: {f.breaks} - {f.description}")
        console.print("[bold]variants[/] (documented choices; each conforms)")
        for v in VARIANTS.values():
            console.print(f"  {v.name}={'|'.join(v.choices)} (default {v.default}) - {v.description}")
        from conformance.emulators.chaos import CHAOS

        console.print("[bold]chaos modes[/] (a hostile server, to prove the suite survives it)")
        for name, what in CHAOS.items():
            console.print(f"  {name} - {what}")
        settings = getattr(module, "OPTIONS", {})  # emulator-specific --set KEY=VALUE
        if settings:
            console.print("[bold]settings[/] (--set KEY=VALUE)")
        for name, what in settings.items():
            console.print(f"  {name} - {what}")
        return
    chosen = _pairs(variants, "--variant")
    categories = None
    if categories_file:
        try:
            categories = json.loads(Path(categories_file).read_text(encoding="utf-8"))
            if not isinstance(categories, list) or not all(
                    isinstance(c, dict) and {"ID", "name", "type"} <= set(c) for c in categories):
                raise ValueError("expected a list of objects with ID, name and type")
        except ValueError as exc:
            raise click.BadParameter(f"{categories_file}: {exc}", param_hint="--categories") from None
    config = common.EmulatorConfig(db_path=db or f".conformance/{api}.sqlite3", faults=frozenset(faults),
                                   upload_limit=upload_limit, data_rows=data_rows, categories=categories,
                                   variants=chosen, token_lifetime=token_lifetime, chaos=frozenset(chaos),
                                   client_secret=os.environ.get("CONFORMANCE_EMULATOR_CLIENT_SECRET",
                                                                common.DEMO_CLIENT_SECRET),
                                   cases=cases, options=_pairs(options, "--set"))
    try:
        app = create_app(config)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if latency is not None and latency != (0.0, 0.0):
        app = common.LatencyMiddleware(app, *latency)
    console.print(f"{api} emulator on http://{host}:{port} (db {config.db_path}; faults: {', '.join(faults) or 'none'})")
    if config.client_secret == common.DEMO_CLIENT_SECRET:
        # demo credentials (marked in emulators/common.py), printed so a user can try the emulator by hand
        console.print(getattr(module, "DEMO_CREDENTIALS", None) or
                      f"demo credentials: client {common.DEMO_CLIENT_ID} / {common.DEMO_CLIENT_SECRET}; "
                      f"user {common.DEMO_USER} / {common.DEMO_PASSWORD}")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=common.KEEP_ALIVE_SECONDS)


def bundled_target(name: str, url: str) -> Target:
    """A bundled emulator target with its host and port replaced by `url`."""
    import tomllib

    path = Path(__file__).resolve().parent / "targets" / f"{name}.toml"
    text = path.read_text(encoding="utf-8").replace("http://127.0.0.1:8811", url)
    return _target.parse(tomllib.loads(text), str(path))


# (api, target name, variants): each API's clean emulator and its documented variants
DEMO_SERVERS = tuple((info.name, name, variants) for info in apis.available() for name, variants in info.demo)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/demo"),
              show_default=True)
@click.option("--report/--no-report", default=True, help="build the Allure HTML report at the end")
def demo(out: Path, report: bool) -> None:
    """Start the bundled emulators, run the suite against each, build the Allure report."""
    from conformance.emulators.common import EmulatorProcess

    if out.exists():  # start clean, but keep the Allure history so the trend grows run after run
        for child in out.iterdir():
            if child.name != ".allure-history.jsonl":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    worst = EXIT_OK
    result_dirs = []
    for api, name, variants in DEMO_SERVERS:
        db = out / f"{name}.sqlite3"
        with EmulatorProcess(api, db=str(db), variants=variants) as server:
            target = bundled_target(name, server.url)
            console.rule(f"{name}: {target.api} emulator at {server.url} {variants or '(defaults)'}")
            code, doc = execute(target, out / name, quiet=True)
            if doc is not None:
                run_console.print_summary(console, doc)
            worst = max(worst, code)
            result_dirs.append(out / name / "allure-results")
    from conformance import compare

    runs = compare.load_runs([d.parent for d in result_dirs if (d.parent / "results.json").exists()])
    if runs:
        paths = compare.write(runs, out / "compare", "Bundled emulators: defaults vs documented variants")
        console.rule("comparison")
        console.print(compare.markdown(runs), markup=False)
        console.print(f"comparison: {paths['html']} (also .md, .json)")
    if report:
        path = generate_report(result_dirs, out / "allure-report", "Conformance demo: bundled emulators")
        console.print(f"Allure report: {path / 'index.html'}")
    sys.exit(worst)


@main.command("compare")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/compare"),
              show_default=True)
@click.option("--title", default="Conformance comparison", show_default=True)
def compare_cmd(paths: tuple[Path, ...], out: Path, title: str) -> None:
    """Matrix of requirement x target from run folders (shards of one target are merged)."""
    from conformance import compare

    try:
        runs = compare.load_runs(list(paths))
    except (FileNotFoundError, ValueError, KeyError) as exc:
        console.print(f"[bold red]compare error:[/] {exc}")
        sys.exit(EXIT_USAGE)
    written = compare.write(runs, out, title)
    click.echo(compare.markdown(runs))
    console.print(f"written: {written['html']}, {written['md']}, {written['json']}")


@main.command("gate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--fail-on", type=click.Choice(["failed", "warning"]), default="failed")
@click.option("--baseline", type=click.Path(exists=True, path_type=Path), default=None)
def gate_cmd(paths: tuple[Path, ...], fail_on: str, baseline: Path | None) -> None:
    """Gate on run folders (shards of one target are merged first), as `run` would have."""
    from conformance import compare

    runs = compare.load_runs(list(paths))
    code = EXIT_OK
    for r in runs:
        doc = {"requirements": r.requirements, "target": {"name": r.name, "api": r.api}}
        if baseline is not None:
            code = max(code, _gate_on_baseline(_load_baseline(baseline), doc))
            continue
        gating = set(results.GATING) | ({"warning"} if fail_on == "warning" else set())
        blocking = sorted(rid for rid, req in r.requirements.items() if req["outcome"] in gating)
        console.print(f"{r.name}: {'[green]PASS[/]' if not blocking else '[bold red]FAIL[/] ' + ', '.join(blocking)}")
        code = max(code, EXIT_GATE if blocking else EXIT_OK)
    sys.exit(code)


@main.command("probe")
@click.option("--target", "target_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="target file (TOML)")
@click.option("--max-requests", default=16, show_default=True, type=click.IntRange(1, 100),
              help="at most this many GET requests")
def probe_cmd(target_path: Path, max_requests: int) -> None:
    """Ask the server cheaply (GETs only) which capabilities it shows; print a suggested [capabilities] block."""
    from conformance.http import ExchangeLog, Session
    from conformance.probe import probe, suggested_block

    try:
        target = _target.load(target_path)
    except _target.TargetError as exc:
        console.print(f"[bold red]target error:[/] {exc}")
        sys.exit(EXIT_USAGE)
    session = Session(target, ExchangeLog(None))
    try:
        session.tokens.header()
        verdicts = probe(target, session, max_requests)
    except SuiteBroken as exc:
        console.print(f"[bold red]probe broken:[/] {exc}")
        sys.exit(EXIT_BROKEN)
    finally:
        session.close()
    if not verdicts:
        console.print(f"{target.api} has no optional operation groups to probe.")
        return
    table = Table(title=f"{target.name} ({target.api}): capabilities")
    for col in ("capability", "declared", "server", "evidence"):
        table.add_column(col)
    for v in verdicts:
        style = "bold red" if v.mismatch else ""
        table.add_row(v.capability, str(v.declared).lower(), f"[{style}]{v.seen}[/]" if style else v.seen,
                      escape(v.evidence))
    console.print(table)
    click.echo(suggested_block(target, verdicts))


@main.command("diff")
@click.argument("before", type=click.Path(exists=True, path_type=Path))
@click.argument("after", type=click.Path(exists=True, path_type=Path))
def diff_cmd(before: Path, after: Path) -> None:
    """New, fixed and unchanged findings between two runs of one API (run folders or results.json);
    exits like `gate --baseline BEFORE AFTER`: 1 on any regression or new finding."""
    a, b = _load_baseline(before), _load_baseline(after)
    if a["target"]["api"] != b["target"]["api"]:
        console.print(f"[bold red]diff error:[/] {before} is a {a['target']['api']} run, {after} a "
                      f"{b['target']['api']} run: findings of different APIs cannot be compared")
        sys.exit(EXIT_USAGE)
    changes = results.diff(a, b)
    style = {"new": "bold red", "fixed": "green", "unchanged": "dim"}
    for kind in ("new", "fixed", "unchanged"):
        chosen = [f for k, f in changes if k == kind]
        console.print(f"[{style[kind]}]{kind}: {len(chosen)}[/]")
        for f in sorted(chosen, key=lambda f: (f["requirement"], f.get("operation") or "")):
            flaky = " [yellow](flaky)[/]" if f.get("flaky") else ""
            console.print(f"  {f['fingerprint']}  {f['requirement']}{flaky}  {escape(f['message'][:200])}",
                          highlight=False)
    sys.exit(_gate_on_baseline(a, b))


@main.command("report")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/allure-report"),
              show_default=True)
@click.option("--single-file/--multi-file", default=True, show_default=True,
              help="one index.html that opens from disk, or Allure's multi-file report (open it with --serve)")
@click.option("--serve", is_flag=True, help="then serve --out on http://127.0.0.1:PORT until Ctrl-C (without DIRS: "
                                           "serve a report built before)")
@click.option("--port", default=8808, show_default=True, type=click.IntRange(0, 65535), help="with --serve (0: any free)")
def report_cmd(dirs: tuple[Path, ...], out: Path, single_file: bool, serve: bool, port: int) -> None:
    """Build one Allure HTML report from run folders (or allure-results folders)."""
    if dirs:
        result_dirs = [d / "allure-results" if (d / "allure-results").is_dir() else d for d in dirs]
        path = generate_report(result_dirs, out, single_file=single_file)
        console.print(f"Allure report: {path / 'index.html'}")
    elif not serve:
        raise click.UsageError("name the run folders to build the report from (or --serve a report built before)")
    if serve:
        from conformance.serve import serve_folder

        if not (out / "index.html").is_file():
            raise click.UsageError(f"{out} holds no report (index.html); build one first: conformance report RUN... "
                                   f"--out {out}")
        def ready(url: str) -> None:
            console.print(f"serving {out} on {url} (Ctrl-C stops)")
            sys.stdout.flush()  # a pipe (a script waiting for the URL) gets the line now

        try:
            serve_folder(out, port, ready)
        except OSError as exc:
            raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}") from None


@main.command("requirements")
@click.option("--api", default=None, help="only this API")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table")
def requirements_cmd(api: str | None, fmt: str) -> None:
    """Print the requirements catalogue."""
    items = [r for r in requirements.CATALOGUE if api is None or r.api == api]
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in items], indent=2))
    elif fmt == "markdown":
        click.echo("| id | level | requirement | source |\n|---|---|---|---|")
        for r in items:
            click.echo(f"| {r.id} | {r.level} | {r.sentence} | {r.source} |")
    else:
        table = Table()
        for col in ("id", "level", "family", "requirement"):
            table.add_column(col)
        for r in items:
            table.add_row(r.id, r.level, r.family, r.sentence)
        console.print(table)


@main.command("prove")
@click.option("--api", "api_names", multiple=True, type=click.Choice([*apis.names(), "all"]), default=("all",),
              show_default=True, help="the API(s) to prove (repeatable)")
@click.option("--fault", "faults", multiple=True, help="only these faults (repeatable); default all")
@click.option("--jobs", default=2, show_default=True, type=int, help="trials run side by side")
@click.option("--variants/--no-variants", default=True, help="also run the clean emulator and each variant")
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="also fail when a fault is reported under more than its declared requirements, or breaks a test")
@click.option("--passive/--no-passive", default=True, show_default=True,
              help="also judge each trial's exchange log with check-traffic: a fault visible in traffic must be "
                   "caught, a conforming emulator's traffic must flag nothing (docs/proving.md)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/prove"),
              show_default=True, help="where each API's matrix (markdown and JSON) is written")
def prove_cmd(api_names: tuple[str, ...], faults: tuple[str, ...], jobs: int, variants: bool, strict: bool,
              passive: bool, out: Path) -> None:
    """Prove the suite: every fault reported under its requirement, clean emulators pass."""
    from conformance import prove

    chosen = apis.names() if "all" in api_names else list(dict.fromkeys(api_names))
    bad = 0
    out.mkdir(parents=True, exist_ok=True)
    for api in chosen:
        registry, _ = prove.emulator_registry(api)
        unknown = sorted(set(faults) - set(registry))
        wanted = [f for f in faults if f in registry]
        if faults and not wanted:
            continue  # the faults named belong to other APIs
        if unknown and len(chosen) == 1:
            raise click.BadParameter(f"unknown fault(s) {', '.join(unknown)} for {api}", param_hint="--fault")
        trials = prove.prove(api, wanted or None, jobs, variants, passive=passive)
        # a trial that fails its judgement is run once more: a second failure gates, a pass is
        # printed as flaky (a timing-dependent check on a loaded machine), never hidden
        for i, t in enumerate(trials):
            if _trial_ok(prove, api, t, strict):
                continue
            again = prove.trial(api, t.faults, t.variants, passive=passive)
            if _trial_ok(prove, api, again, strict):
                console.print(f"[yellow]{api} {t.label}: FLAKY - failed once, passed when run again[/]")
                trials[i] = again
        table = prove.markdown(api, trials)
        console.rule(f"{api}: {len(trials)} trials")
        click.echo(table)
        (out / f"{api}.md").write_text(table + "\n", encoding="utf-8")
        (out / f"{api}.json").write_text(json.dumps([prove.as_record(api, t) for t in trials], indent=2),
                                         encoding="utf-8")
        for t in trials:
            for problem in prove.problems(api, t, strict):
                bad += 1
                console.print(f"[bold red]{api} {t.label}: {escape(problem)}[/]", highlight=False)
    console.print(f"prove: {'[green]all faults proven, conforming emulators pass[/]' if not bad else f'[bold red]{bad} problem(s)[/]'}"
                  f" (matrices in {out})")
    sys.exit(EXIT_GATE if bad else EXIT_OK)


def _trial_ok(prove: Any, api: str, t: Any, strict: bool) -> bool:
    return not prove.problems(api, t, strict)


@main.command("specs")
def specs_cmd() -> None:
    """Validate the bundled OpenAPI documents."""
    import yaml
    from openapi_spec_validator import validate

    from conformance.suites import SUITES, spec_path

    bad = 0
    for api in SUITES:
        path = spec_path(api)
        try:
            validate(yaml.safe_load(path.read_text(encoding="utf-8")))
            console.print(f"[green]valid[/] {path}")
        except Exception as exc:  # the validator's own error types vary by version
            bad += 1
            console.print(f"[bold red]invalid[/] {path}: {exc}")
    sys.exit(EXIT_GATE if bad else EXIT_OK)


# `conformance init API`: a commented target file, filled by asking the server (conformance/init_target.py)
from conformance.init_target import init_cmd  # noqa: E402 - the command lives beside its helpers

main.add_command(init_cmd)

if __name__ == "__main__":
    main()
