"""The console of a run, for people (STYLE.md 11): progress while it runs, then every finding
once (requirement, what broke, the exchange, a curl line), then the table and the verdict.

Python frames of the suite's own code appear only when asked for (`run -v`): pytest's own
terminal output is kept aside and shown only when pytest itself failed (a usage or internal
error), when nothing else would say what happened. A terminal gets a live progress bar; a CI
log (no TTY) gets plain lines without control codes.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

OUTCOME_STYLE = {
    "passed": "green", "failed": "bold red", "warning": "yellow", "deviation": "magenta",
    "unexpectedly-passed": "cyan", "skipped": "dim", "omitted": "dim", "broken": "bold red",
}
CURL_LIMIT = 600
# headers every HTTP client sends: a curl line to reproduce a finding is clearer without them
_NOISE = re.compile(r" -H '(?:host|accept-encoding|connection|user-agent|content-length|x-schemathesis-testcaseid)"
                    r": [^']*'", re.I)


class RunProgress:
    """A pytest plugin: tests done of total, requests sent, elapsed; pytest's own output kept aside."""

    def __init__(self, console: Console, run: Any, verbose: bool = False) -> None:
        self.console = console
        self.run = run
        self.verbose = verbose
        self.pytest_output = io.StringIO()
        self.progress: Progress | None = None
        self.task: Any = None
        self.total = 0
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self._module: str | None = None
        self._module_counts: dict[str, int] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        if self.verbose:
            return
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            from _pytest.terminal import TerminalWriter

            # pytest's dots, tracebacks and summary go to a buffer, shown only if pytest itself fails
            reporter._tw = TerminalWriter(self.pytest_output)  # noqa: SLF001 - no public way to redirect it

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        if self.verbose or not self.total:
            return
        if self.console.is_terminal:
            self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[requests]} requests"),
                                     TextColumn("{task.fields[failed]}"), TimeElapsedColumn(),
                                     console=self.console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.run.target.name, total=self.total, requests=0, failed="")
        else:
            self.console.print(f"{self.run.target.name}: {self.total} tests")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.when == "setup" and not report.passed):
            return
        self.done += 1
        self.failed += int(report.failed)
        if self.verbose:
            return
        requests = self.run.session.requests_sent + self.run.worker_totals["requests_sent"]
        if self.progress is not None:
            self.progress.update(self.task, completed=self.done, requests=requests,
                                 failed=f"[red]{self.failed} with findings[/]" if self.failed else "")
            return
        module = report.nodeid.split("::", 1)[0]
        if module != self._module:
            self._flush_module(requests)
            self._module = module
        key = "failed" if report.failed else ("skipped" if report.skipped else "passed")
        self._module_counts[key] = self._module_counts.get(key, 0) + 1

    def _flush_module(self, requests: int) -> None:
        if self._module and self._module_counts:
            counts = ", ".join(f"{n} {k}" for k, n in sorted(self._module_counts.items()))
            self.console.print(f"  {self._module}: {counts} ({self.done}/{self.total} tests, {requests} requests, "
                               f"{time.monotonic() - self.started:.0f} s)")
        self._module_counts = {}

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.progress is not None:
            self.progress.stop()
        elif not self.verbose:
            self._flush_module(self.run.session.requests_sent + self.run.worker_totals["requests_sent"])

    def buffered_output(self) -> str:
        return self.pytest_output.getvalue()


def _evidence(out: Path | None, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """The exchanges with these ids, from the run's log (and its workers' logs)."""
    found: dict[str, dict[str, Any]] = {}
    if out is None or not wanted:
        return found
    for log in [out / "exchanges.jsonl", *sorted((out / "workers").glob("*/exchanges.jsonl"))]:
        if not log.is_file():
            continue
        with log.open(encoding="utf-8") as fh:
            for line in fh:
                if any(e in line[:40] for e in wanted):
                    record = json.loads(line)
                    if record.get("id") in wanted:
                        found[record["id"]] = record
    return found


def print_findings(console: Console, doc: dict[str, Any], out: Path | None) -> None:
    """Every finding once, grouped by requirement: what broke, the exchange, a curl line (redacted)."""
    reqs = [(rid, r) for rid, r in doc["requirements"].items() if r.get("findings")]
    if not reqs:
        return
    wanted = {f["exchanges"][0] for _, r in reqs for f in r["findings"] if f.get("exchanges")}
    evidence = _evidence(out, wanted)
    total = sum(len(r["findings"]) for _, r in reqs)
    console.print(f"\n[bold]{total} finding{'s' if total != 1 else ''}[/] under {len(reqs)} requirement"
                  f"{'s' if len(reqs) != 1 else ''}:")
    for rid, r in reqs:
        style = OUTCOME_STYLE.get(r["outcome"], "")
        console.print(f"\n[{style}]{rid}[/] ({r['level']}, {r['outcome']}): {escape(r['sentence'])}")
        for i, f in enumerate(r["findings"], 1):
            tags = "".join(f" [{t}]" for t in (["flaky"] if f.get("flaky") else []) +
                           (["accepted"] if f.get("deviation") else []))
            seen = f" (seen {f['occurrences']} times)" if f.get("occurrences", 1) > 1 else ""
            message = f["message"].split("\n", 1)[0]
            console.print(f"  {i}. {escape(message[:400])}{seen}{escape(tags)}  [dim]{f['fingerprint']}[/]")
            ex = evidence.get(f["exchanges"][0]) if f.get("exchanges") else None
            if ex is not None:
                curl = _NOISE.sub("", ex.get("curl", ""))
                curl = curl if len(curl) <= CURL_LIMIT else curl[:CURL_LIMIT] + " ..."
                console.print(f"     {escape(ex['id'])}: {escape(ex['method'])} {escape(ex['url'])} -> {ex['status']}",
                              soft_wrap=True)
                console.print(f"     [dim]{escape(curl)}[/]", soft_wrap=True)


def print_summary(console: Console, doc: dict[str, Any], title: str | None = None) -> None:
    """The requirements table (omitted ones counted, not listed) and the verdict line."""
    table = Table(title=title or f"{doc['target']['name']} ({doc['target']['api']})", show_lines=False)
    for col in ("requirement", "level", "outcome", "findings", "observed"):
        table.add_column(col)
    for rid, r in doc["requirements"].items():
        if r["outcome"] == "omitted":
            continue
        observed = ", ".join(f"{k}={v}" for k, v in r["observations"].items())
        count = len(r.get("findings", [])) or ""
        table.add_row(rid, r["level"], f"[{OUTCOME_STYLE.get(r['outcome'], '')}]{r['outcome']}[/]", str(count),
                      escape(observed))
    if table.row_count:
        console.print(table)
    console.print(verdict_line(doc))
    remaining = doc.get("cleanup", {}).get("remaining", [])
    if remaining:
        console.print(f"[yellow]{len(remaining)} resource(s) could not be removed[/] (see results.json cleanup)")


def verdict_line(doc: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {o}" for o, n in doc["counts"].items() if n)
    blocking = doc["verdict"]["blocking"]
    verdict = "[green]PASS[/]" if doc["verdict"]["passed"] else f"[bold red]FAIL[/] ({', '.join(blocking)})"
    return f"{doc['target']['name']}: {counts}; {doc['requests_sent']} requests; verdict {verdict}"
