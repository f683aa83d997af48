"""`make bench`: speed, finding power, breadth and scale, measured side by side in one run
on one machine, written to reports/bench/bench.{json,md} and into the bench block of docs/benchmarks.md (--readme).

Sections (each can be chosen with --section; a run of some sections replaces only theirs in that block):
  overhead   our full run vs the same requests replayed raw with one httpx client
  stock      our property-based tests vs stock `schemathesis run` on the same spec and budget
  finding    each fault injected: our suite vs stock schemathesis vs Dredd (requests, seconds)
  parallel   one run vs two shards side by side (and their merge)
  growth     ProcessMaker paging tests at 1,000 / 10,000 / 100,000 cases: time and peak memory
  emulator   requests/s and p50/p99 latency of each emulator vs Prism mocking the same spec (autocannon)
  schemathesis-breadth
             the clean emulator and each fault: every (check, operation) stock `schemathesis run
             --continue-on-failure` reports, and whether our run reports it too (or why it is no defect)
  passive    `conformance check-traffic` on a 100,000-exchange HAR vs Prism's proxy on the same traffic:
             exchanges/s, peak memory, and which exchanges each finds in breach of the schema (bench_passive.py)

Every server is a bundled emulator on loopback; every loop is bounded in count and time.
The stock tools come from bench/package.json (npm ci), pinned, not needed by the suite itself.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import click
import httpx
import tomllib

from conformance import apis, bench_passive, prove, requirements
from conformance.emulators.common import EmulatorProcess, free_port
from conformance.http import Session
from conformance.suites import spec_path
from conformance.target import parse

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "bench" / "node_modules" / ".bin"
BLOCK = re.compile(r"<!-- bench:start -->.*?<!-- bench:end -->", re.S)
EXAMPLES = 20  # the example budget of every property-based comparison (the bundled targets' default)


# -- helpers ----------------------------------------------------------------------------------
def _run(cmd: list[str], timeout: float = 1800, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run a command, bounded in time; returns (process, wall seconds)."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        proc = subprocess.CompletedProcess(cmd, -9, str(exc.stdout or ""), f"timed out after {timeout} s")
    return proc, time.perf_counter() - started


def _peak_rss_of(cmd: list[str], timeout: float = 1800) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Peak RSS of exactly this command (KiB), measured by a fresh interpreter that only waits for it."""
    probe = ("import json,os,resource,subprocess,sys,time;t=time.perf_counter();"
             "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
             "print(json.dumps({'code':p.returncode,'out':p.stdout[-4000:],'err':p.stderr[-4000:],"
             "'seconds':time.perf_counter()-t,'rss':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
    proc = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, timeout=timeout)
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    return subprocess.CompletedProcess(cmd, doc["code"], doc["out"], doc["err"]), doc["seconds"], doc["rss"]


def wait_until_up(port: int, seconds: float) -> None:
    """Until a server on loopback answers anything (Prism takes seconds to read a spec), at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)


def _target_file(api: str, url: str, folder: Path, edits: dict[str, str] | None = None) -> Path:
    text = prove.target_text(api, url)
    for old, new in (edits or {}).items():
        text = text.replace(old, new)
    path = folder / "target.toml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _target(path: Path):
    return parse(tomllib.loads(path.read_text(encoding="utf-8")), str(path))


def _conformance(target: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "conformance.cli", "run", "--target", str(target), "--out", str(out),
            "--no-allure", *extra]


def _schema_requirement(api: str) -> str | None:
    """The requirement the schemathesis-driven tests report under (topic contract.schema)."""
    for r in requirements.for_api(api):
        if r.topic == "contract.schema":
            return r.id
    return None


def _authorization(target) -> str | None:
    """The Authorization header value the suite itself would send (TokenSource: Basic, bearer or OAuth2)."""
    session = Session(target)
    try:
        return session.tokens.header()
    finally:
        session.close()


def _auth_args(target) -> list[str]:
    """The stock tools' auth, as a ready Authorization header."""
    header = _authorization(target)
    return ["-H", f"Authorization: {header}"] if header else []


def _stock_command(api: str, target, report: Path, workers: int = 1, formats: str = "json",
                   *extra: str) -> list[str]:
    """Stock `schemathesis run` over our spec, with the Authorization header the suite itself would send."""
    return [str(Path(sys.executable).parent / "schemathesis"), "run", str(spec_path(api)), "--url", target.base_url,
            *_auth_args(target), "-n", str(EXAMPLES), "--generation-deterministic", "--no-shrink",
            "--workers", str(workers), "--report", formats, "--report-dir", str(report), "--no-color",
            "--request-timeout", "15", *extra]


def _stock_schemathesis(api: str, target, folder: Path, workers: int = 1) -> dict[str, Any]:
    report = folder / "st-report"
    proc, seconds = _run(_stock_command(api, target, report, workers), timeout=1800)
    files = sorted(report.glob("json-*.json"))
    doc = json.loads(files[-1].read_text()) if files else {}
    signatures = sorted({f"{f['code']} {op}" for f in doc.get("failures", []) for op in f.get("operations", [])})
    return {"seconds": round(seconds, 2), "exit": proc.returncode,
            "requests": doc.get("test_cases", {}).get("generated"), "failures": signatures,
            "error": None if files else (proc.stderr or proc.stdout)[-500:]}


def _dredd(api: str, target, folder: Path) -> dict[str, Any]:
    dredd = TOOLS / "dredd"
    if not dredd.exists():
        return {"error": "dredd not installed (cd bench && npm ci)"}
    value = _authorization(target)
    header = ["--header", f"Authorization: {value}"] if value else []
    folder.mkdir(parents=True, exist_ok=True)
    proc, seconds = _run([str(dredd), str(spec_path(api)), target.base_url, *header], timeout=600, cwd=folder)
    parsed = parse_dredd(proc.stdout + proc.stderr)
    if parsed is None:
        return {"seconds": round(seconds, 2), "exit": proc.returncode, "error": (proc.stdout + proc.stderr).strip()[-400:]}
    return {"seconds": round(seconds, 2), "exit": proc.returncode, **parsed}


def parse_dredd(output: str) -> dict[str, Any] | None:
    """Dredd's transactions from its output: one line each ("pass: GET (200) /path duration: 3ms").
    Its closing "complete:" line is often lost when stdout is a pipe, so the lines are counted; the
    failing ones are listed again in the closing summary, so each is counted once."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", output)  # Dredd colours its output
    lines = {kind: sorted(set(re.findall(rf"^{kind}: (\S+ \(\d+\) \S+)", text, re.M)))
             for kind in ("pass", "fail", "error")}
    total = sum(len(v) for v in lines.values())
    if not total:
        return None
    return {"requests": total, "counts": {k: len(v) for k, v in lines.items()},
            "failures": sorted(set(lines["fail"] + lines["error"]))}


# -- 1. harness overhead ------------------------------------------------------------------------
def replay(log: Path, url: str, old_url: str, authorization: str | None) -> dict[str, Any]:
    """Send the logged requests again, in order, with one httpx client: the raw cost of the same requests."""
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    drop = {"host", "content-length", "authorization", "connection", "accept-encoding", "user-agent"}
    started = time.perf_counter()
    statuses_matched = 0
    with httpx.Client(timeout=15) as client:
        for rec in records:
            headers = {k: v for k, v in rec["request_headers"].items() if k.lower() not in drop}
            if authorization and rec["request_headers"].get("authorization"):
                headers["Authorization"] = authorization
            body = rec.get("request_body") or ""
            body = re.sub(r"\.\.\. \[\d+ more bytes\]$", "", body)
            try:
                resp = client.request(rec["method"], rec["url"].replace(old_url, url), headers=headers,
                                      content=body.encode("utf-8") if body else None)
                resp.read()
                statuses_matched += resp.status_code == rec.get("status")
            except httpx.HTTPError:
                pass
    return {"requests": len(records), "seconds": time.perf_counter() - started, "same_status": statuses_matched}


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of a live process (Linux /proc/PID/stat); None without /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _used(before: Any, who: int) -> float:
    after = resource.getrusage(who)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def overhead(api: str, work: Path) -> dict[str, Any]:
    """Besides the wall-clock ratio, a CPU ratio: our run's CPU and its emulator's over the raw replay's client and
    its emulator's. On an idle machine the two processes alternate, so this is what the wall ratio is there; on a
    loaded one the wall ratio mostly measures the load (the same code measured 5.9 to 30 under load 8 to 12,
    the CPU ratio 4.5 to 11 with a spread of about 10% per API)."""
    folder = work / f"overhead-{api}"
    with EmulatorProcess(api, db=":memory:") as emu:
        target_path = _target_file(api, emu.url, folder)
        emu_start, ours_start = _cpu_seconds(emu.proc.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
        proc, wall = _run(_conformance(target_path, folder / "run"))
        ours_cpu, emu_end = _used(ours_start, resource.RUSAGE_CHILDREN), _cpu_seconds(emu.proc.pid)
        doc = json.loads((folder / "run" / "results.json").read_text())
    with EmulatorProcess(api, db=":memory:") as emu:
        # "before": the run as it was before it was profiled (pytest's assert rewriting of every
        # plugin module on; `conformance run` now passes --assert=plain, and a later argument wins)
        _, wall_before = _run(_conformance(_target_file(api, emu.url, folder / "before"), folder / "before" / "run",
                                           "--pytest-arg=--assert=rewrite"))
    run_seconds = _span(doc)
    with EmulatorProcess(api, db=":memory:") as emu:
        target = _target(_target_file(api, emu.url, folder / "replay"))
        authorization = _authorization(target)
        old = re.match(r"https?://[^/]+", doc["target"]["base_url"]).group(0)
        raw_emu_start, raw_start = _cpu_seconds(emu.proc.pid), resource.getrusage(resource.RUSAGE_SELF)
        raw = replay(folder / "run" / "exchanges.jsonl", re.match(r"https?://[^/]+", emu.url).group(0), old,
                     authorization)
        raw_cpu, raw_emu_end = _used(raw_start, resource.RUSAGE_SELF), _cpu_seconds(emu.proc.pid)
    cpu = None
    if None not in (emu_start, emu_end, raw_emu_start, raw_emu_end):
        cpu = {"ours": round(ours_cpu, 2), "emulator": round(emu_end - emu_start, 2), "raw": round(raw_cpu, 2),
               "raw_emulator": round(raw_emu_end - raw_emu_start, 2)}
        cpu["ratio"] = round((cpu["ours"] + cpu["emulator"]) / max(0.01, cpu["raw"] + cpu["raw_emulator"]), 2)
    return {"api": api, "requests": doc["requests_sent"], "suite_wall": round(wall, 2),
            "suite_run": round(run_seconds, 2), "raw_requests": raw["requests"], "raw_seconds": round(raw["seconds"], 2),
            "ratio_wall": round(wall / raw["seconds"], 2), "ratio_run": round(run_seconds / raw["seconds"], 2),
            "suite_wall_before": round(wall_before, 2), "ratio_wall_before": round(wall_before / raw["seconds"], 2),
            "replayed_same_status": raw["same_status"], "verdict": doc["verdict"]["passed"], "cpu": cpu}


def _span(doc: dict[str, Any]) -> float:
    import datetime as dt

    started, finished = (dt.datetime.fromisoformat(doc[k]) for k in ("started", "finished"))
    return (finished - started).total_seconds()


# -- 2. against stock schemathesis --------------------------------------------------------------
def stock(api: str, work: Path) -> dict[str, Any] | None:
    rid = _schema_requirement(api)
    if rid is None:
        return None
    folder = work / f"stock-{api}"
    with EmulatorProcess(api, db=":memory:") as emu:
        target_path = _target_file(api, emu.url, folder)
        proc, wall = _run(_conformance(target_path, folder / "ours", "--requirement", rid))
        doc = json.loads((folder / "ours" / "results.json").read_text())
    with EmulatorProcess(api, db=":memory:") as emu:
        target = _target(_target_file(api, emu.url, folder / "st"))
        theirs = _stock_schemathesis(api, target, folder)
    ours = {"seconds": round(wall, 2), "run_seconds": round(_span(doc), 2), "requests": doc["requests_sent"]}
    for side in (ours, theirs):
        side["rps"] = round(side["requests"] / side["seconds"], 1) if side.get("requests") else None
    return {"api": api, "requirement": rid, "ours": ours, "schemathesis": theirs}


# -- 3. finding power ---------------------------------------------------------------------------
def finding(api: str, work: Path, jobs: int, only: list[str] | None) -> dict[str, Any]:
    faults, _ = prove.emulator_registry(api)
    names = [f for f in sorted(faults) if not only or f in only]
    folder = work / f"finding-{api}"

    def clean_baselines() -> dict[str, Any]:
        with EmulatorProcess(api, db=":memory:") as emu:
            target = _target(_target_file(api, emu.url, folder / "clean"))
            return {"schemathesis": _stock_schemathesis(api, target, folder / "clean"),
                    "dredd": _dredd(api, target, folder / "clean")}

    base = clean_baselines()

    def one(fault: str) -> dict[str, Any]:
        sub = folder / fault
        ours = prove.trial(api, (fault,), workdir=sub / "ours")
        detected, exact = prove.judge_fault(api, ours)
        with EmulatorProcess(api, db=":memory:", faults=(fault,)) as emu:
            target = _target(_target_file(api, emu.url, sub / "stock"))
            st = _stock_schemathesis(api, target, sub / "stock")
            dr = _dredd(api, target, sub / "stock")
        st_new = sorted(set(st.get("failures", [])) - set(base["schemathesis"].get("failures", [])))
        dr_new = sorted(set(dr.get("failures", [])) - set(base["dredd"].get("failures", [])))
        dr_found = bool(dr_new)
        return {"fault": fault, "breaks": faults[fault].breaks,
                "ours": {"found": detected, "exact": exact, "requests": ours.requests, "seconds": round(ours.seconds, 2)},
                "schemathesis": {"found": bool(st_new), "new_failures": st_new[:5], "requests": st.get("requests"),
                                 "seconds": st.get("seconds"), "error": st.get("error")},
                "dredd": {"found": dr_found if "error" not in dr else None, "requests": dr.get("requests"),
                          "seconds": dr.get("seconds"), "error": dr.get("error")}}

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(one, names))
    return {"api": api, "baseline": base, "faults": rows}


# -- 4. parallelism -----------------------------------------------------------------------------
def parallel(api: str, work: Path) -> dict[str, Any]:
    """One process, `--workers 2` (pytest-xdist; the controller merges the workers' records), and two
    `--shard K/2` processes merged afterwards by compare/gate: wall time, and whether the merged
    outcomes are the single run's."""
    from conformance import compare

    folder = work / f"parallel-{api}"

    def timed(label: str, runner: Callable[[Path], Any]) -> float:
        with EmulatorProcess(api, db=":memory:") as emu:
            target_path = _target_file(api, emu.url, folder / label)
            started = time.perf_counter()
            runner(target_path)
            return time.perf_counter() - started

    one = timed("single", lambda t: _run(_conformance(t, folder / "single" / "run")))
    xdist = timed("workers", lambda t: _run(_conformance(t, folder / "workers" / "run", "--workers", "2")))

    def shards(t: Path) -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda k: _run(_conformance(t, folder / "sharded" / f"shard-{k}", "--shard", f"{k}/2")),
                          (1, 2)))

    sharded = timed("sharded", shards)

    def outcomes(*dirs: Path) -> dict[str, str]:
        return {rid: r["outcome"] for rid, r in compare.load_runs(list(dirs))[0].requirements.items()}

    single = outcomes(folder / "single" / "run")
    return {"api": api, "one_process": round(one, 2), "xdist_2": round(xdist, 2), "two_shards": round(sharded, 2),
            "speedup_xdist": round(one / xdist, 2), "speedup_shards": round(one / sharded, 2),
            "xdist_equal": outcomes(folder / "workers" / "run") == single,
            "shards_equal": outcomes(folder / "sharded" / "shard-1", folder / "sharded" / "shard-2") == single}


# -- latency: time to verdict against a server far away -----------------------------------------------
# (label, run arguments, target edits). The first row is the baseline the others are set against: one
# process sending one request at a time (`safety.max_in_flight = 1`), as every run did before a test's
# independent requests went out side by side. The default is one process with up to max_in_flight (8)
# requests open (Session.submit); `--workers N` shares max_in_flight out, so each of 8 workers sends one
# request at a time and the run's bound stays 8.
ONE_AT_A_TIME = {"[safety]\n": "[safety]\nmax_in_flight = 1\n"}
LATENCY_MODES = (("one process, one request at a time", (), ONE_AT_A_TIME),
                 ("one process, 8 in flight (default)", (), {}),
                 ("--workers 2, 4 in flight each", ("--workers", "2"), {}),
                 ("--workers 8, 1 in flight each", ("--workers", "8"), {}))


def _verdicts(folder: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """requirement -> (outcome, its findings' fingerprints): what must not depend on how the run was spread."""
    doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return {rid: (r["outcome"], tuple(sorted(f.get("fingerprint", "") for f in r.get("findings", []))))
            for rid, r in doc["requirements"].items()}


def latency(api: str, work: Path, latencies: tuple[int, ...], modes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Each latency (emulate --latency MS), each way of running (LATENCY_MODES, or those whose label starts
    with one of `modes`): time to verdict (the command's wall time), requests, TCP connections opened, and
    whether every requirement's outcome and findings equal the first mode's (one request at a time) at the
    same latency. At 0 ms, the default run is also set against the raw replay of its requests (the
    harness's overhead)."""
    rows = []
    chosen = [m for m in LATENCY_MODES if not modes or m is LATENCY_MODES[0] or m[0].startswith(modes)]
    for ms in latencies:
        single: dict[str, Any] | None = None
        for label, extra, edits in chosen:
            folder = work / f"latency-{api}-{ms}" / re.sub(r"[^a-z0-9]+", "-", label).strip("-")
            with EmulatorProcess(api, db=":memory:", latency=str(ms)) as emu:
                proc, wall = _run(_conformance(_target_file(api, emu.url, folder, edits), folder / "run", "-q",
                                               *extra))
            results_file = folder / "run" / "results.json"
            if not results_file.exists():
                rows.append({"api": api, "latency_ms": ms, "mode": label, "error": (proc.stdout + proc.stderr)[-500:]})
                continue
            doc = json.loads(results_file.read_text(encoding="utf-8"))
            row = {"api": api, "latency_ms": ms, "mode": label, "seconds": round(wall, 2),
                   "requests": doc["requests_sent"], "connections": doc.get("connections_opened"),
                   "passed": doc["verdict"]["passed"], "verdicts": _verdicts(folder / "run")}
            if single is None:
                single = row
            row["identical"] = row["verdicts"] == single["verdicts"]
            row["speedup"] = round(single["seconds"] / wall, 2)
            if ms == 0 and "(default)" in label:
                with EmulatorProcess(api, db=":memory:") as emu:
                    target = _target(_target_file(api, emu.url, folder / "replay"))
                    old = re.match(r"https?://[^/]+", doc["target"]["base_url"]).group(0)
                    raw = replay(folder / "run" / "exchanges.jsonl", re.match(r"https?://[^/]+", emu.url).group(0),
                                 old, _authorization(target))
                row["raw_seconds"] = round(raw["seconds"], 2)
                row["overhead"] = round(wall / raw["seconds"], 2)
            rows.append(row)
    for row in rows:
        row.pop("verdicts", None)
    return rows


def _latency_md(doc: dict[str, Any]) -> list[str]:
    out = ["**Latency** (time to verdict against a server far away): each API's emulator with `--latency MS`, "
           "run in one process sending one request at a time (`safety.max_in_flight = 1`, how every run went "
           "before; the baseline), in one process with up to 8 requests open (the default: a test's "
           "independent requests, above all the generated property tests' reads and their writes to IDs "
           "that name nothing of the run, go out side by side and are judged in order), and with "
           "`--workers N` (pytest-xdist: whole test files per worker, each operation's generated property "
           "test and each part of a long state machine apart, the parts first; max_in_flight shared out "
           "between the workers; exclusive tests such as list walks run alone, see docs/safety.md). *s* = the command's wall time; *speed-up* = the baseline's time "
           "over this one's; *conn* = TCP connections opened (keep-alive reuses them); *same* = every "
           "requirement's outcome and findings equal the baseline's at that latency. *overhead* (0 ms, the "
           "default) = our run's wall time over the raw replay of the same requests by one httpx client, one "
           "after another.", "",
           "| API | latency ms | mode | s | speed-up | requests | conn | same | overhead |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in doc["latency"]:
        if "error" in r:
            out.append(f"| {r['api']} | {r['latency_ms']} | {r['mode']} | run broken | | | | | |")
            continue
        over = f"{r['overhead']} ({r['raw_seconds']} s raw)" if "overhead" in r else ""
        out.append(f"| {r['api']} | {r['latency_ms']} | {r['mode']} | {r['seconds']} | {r['speedup']} | "
                   f"{r['requests']} | {r['connections']} | {'yes' if r['identical'] else 'NO'} | {over} |")
    return out


# -- 5. growth ----------------------------------------------------------------------------------
def growth(work: Path, sizes: tuple[int, ...]) -> list[dict[str, Any]] | None:
    api = "processmaker-3"
    if api not in apis.names():
        return None
    prefix = next((r.id.rsplit("-", 1)[0] for r in requirements.for_api(api) if r.topic.startswith("paging.")), None)
    if prefix is None:
        return None
    rows = []
    for n in sizes:
        folder = work / f"growth-{n}"
        started = time.perf_counter()
        with EmulatorProcess(api, db=str(folder / "emu.sqlite3"), cases=n) as emu:
            seeded = time.perf_counter() - started
            target_path = _target_file(api, emu.url, folder)
            proc, wall, rss = _peak_rss_of(_conformance(target_path, folder / "run", "--requirement", prefix))
            doc = json.loads((folder / "run" / "results.json").read_text())
        rows.append({"cases": n, "seconds": round(wall, 2), "requests": doc["requests_sent"],
                     "peak_rss_mib": round(rss / 1024, 1), "emulator_start_seconds": round(seeded, 2),
                     "passed": doc["verdict"]["passed"]})
    return rows


# -- 6. emulator speed --------------------------------------------------------------------------
def _read_path(api: str, work: Path) -> tuple[str, str] | None:
    """The most frequent successful GET of an overhead run: (path under the base URL, the URL seen)."""
    log = work / f"overhead-{api}" / "run" / "exchanges.jsonl"
    if not log.exists():
        return None
    counts: dict[str, int] = {}
    base = json.loads((work / f"overhead-{api}" / "run" / "results.json").read_text())["target"]["base_url"]
    for line in log.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["method"] == "GET" and rec.get("status") == 200 and rec["url"].startswith(base):
            counts[rec["url"][len(base):]] = counts.get(rec["url"][len(base):], 0) + 1
    if not counts:
        return None
    path = max(counts, key=counts.get)
    return path, base


def _autocannon(url: str, headers: list[str], seconds: int) -> dict[str, Any]:
    cmd = [str(TOOLS / "autocannon"), "-c", "10", "-d", str(seconds), "-j"]
    for h in headers:
        cmd += ["-H", h]
    proc, _ = _run([*cmd, url], timeout=seconds + 60)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return {"error": (proc.stderr or proc.stdout)[-300:]}
    return {"rps": round(doc["requests"]["average"], 1), "p50_ms": doc["latency"]["p50"],
            "p99_ms": doc["latency"]["p99"], "non2xx": doc.get("non2xx", 0), "errors": doc.get("errors", 0)}


def emulator_speed(api: str, work: Path, seconds: int) -> dict[str, Any] | None:
    if not (TOOLS / "autocannon").exists():
        return {"api": api, "error": "autocannon not installed (cd bench && npm ci)"}
    found = _read_path(api, work)
    if found is None:
        return None
    path, _ = found
    rows: dict[str, Any] = {"api": api, "path": path}
    # the emulator serves state the overhead run created, so replay its create first: a fresh emulator
    # with the suite's own clean run gives a real, existing resource to read
    with EmulatorProcess(api, db=str(work / f"speed-{api}.sqlite3")) as emu:
        folder = work / f"speed-{api}"
        target_path = _target_file(api, emu.url, folder)
        _run(_conformance(target_path, folder / "seed", "--pytest-arg=-x"))
        target = _target(target_path)
        value = _authorization(target)
        header = [f"Authorization={value}"] if value else []
        # a resource the run kept is not guaranteed (cleanup retires them); the read path is still routed
        rows["emulator"] = _autocannon(target.base_url + path, header, seconds)
    prism = TOOLS / "prism"
    port = free_port()
    proc = subprocess.Popen([str(prism), "mock", str(spec_path(api)), "-p", str(port), "--errors", "false"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port, 60)
        rows["prism"] = _autocannon(f"http://127.0.0.1:{port}{path}", header or ["Authorization=Bearer x"], seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


# -- 7. breadth: what stock schemathesis reports, and whether we report it too ----------------------------
# Stock `schemathesis run --continue-on-failure` runs its default checks, in every phase, against the same
# emulator as one `conformance run`. Each (check, operation) it reports is *covered* when our run has a
# finding of the same kind on that operation, *wrong* when it is not a defect of the server (the reason is
# said), and otherwise *missed by us*.

# stock check -> the `check` of our findings that reports the same property: our generated tests run
# schemathesis' own response checks, so their findings carry its failure class (e.g. ServerError).
# The stock checks with an empty set have no generated counterpart in ours: a scenario finding on the same
# operation that names the status stock saw covers them.
STOCK_CHECKS: dict[str, frozenset[str]] = {
    "not_a_server_error": frozenset({"ServerError", "ContentTypeServerError"}),
    "status_code_conformance": frozenset({"UndefinedStatusCode"}),
    "content_type_conformance": frozenset({"UndefinedContentType", "MalformedMediaType", "MissingContentType"}),
    "response_headers_conformance": frozenset({"MissingHeaders", "JsonSchemaError"}),
    "response_schema_conformance": frozenset({"JsonSchemaError", "MalformedJson", "ContentDeserializationError",
                                              "DiscriminatorMismatch"}),
    "negative_data_rejection": frozenset(),
    "positive_data_acceptance": frozenset(),
    "missing_required_header": frozenset(),
    "unsupported_method": frozenset(),
    "use_after_free": frozenset(),
    "ensure_resource_availability": frozenset(),
    "ignored_auth": frozenset(),
}


def _decoded(content: Any, limit: int = 2000) -> str:
    """A recorded body (schemathesis writes {"$base64": ...} or a string), as one short line of text."""
    if isinstance(content, dict) and "$base64" in content:
        content = base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    text = " ".join(str(content or "").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def parse_schemathesis_ndjson(text: str, per_report: int = 10) -> list[dict[str, Any]]:
    """Every distinct (check, operation) that a `schemathesis run --report ndjson` reports as failed, with up to
    `per_report` distinct examples (by message and status), each with its request (method, URL, body) and answer
    (status, body). Its JSON report only counts failure types per operation (and files stateful ones under
    "Stateful tests"); the NDJSON events carry each failed check with its operation and the exchange that shows it."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        recorder = event.get("recorder") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks or ():
                if check.get("status") != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                operation = failure.get("operation") or recorder.get("label")
                report = found.setdefault((check["name"], operation), {
                    "check": check["name"], "operation": operation, "type": failure.get("type"),
                    "code": failure.get("code"), "count": 0, "examples": []})
                report["count"] += 1
                exchange = (recorder.get("interactions") or {}).get(case_id) or {}
                request, response = exchange.get("request") or {}, exchange.get("response") or {}
                example = {"message": " | ".join(part.strip() for part in str(failure.get("message") or "").splitlines()
                                                 if part.strip())[:400],
                           "status": response.get("status_code"), "phase": event.get("phase"),
                           "request": {"method": request.get("method"), "url": request.get("uri"),
                                       "body": _decoded(request.get("body"))},
                           "answer": _decoded(response.get("content"))}
                seen = {(e["message"], e["status"]) for e in report["examples"]}
                if (example["message"], example["status"]) not in seen and len(report["examples"]) < per_report:
                    report["examples"].append(example)
    return sorted(found.values(), key=lambda r: (r["operation"], r["check"]))


def our_findings(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of one results.json (version 2), each with its requirement id."""
    return [{**f, "requirement": rid} for rid, r in (results.get("requirements") or {}).items()
            for f in r.get("findings") or ()]


def covering(report: dict[str, Any], findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Our finding that reports the same thing as a stock report: the mapped kind on the same operation, else
    any finding on that operation whose detail names the status stock saw (a scenario check, e.g. PEGA-ERR-001's
    "expected 404, got 500" for a stock not_a_server_error)."""
    same = [f for f in findings if f.get("operation") == report["operation"]]
    kinds = STOCK_CHECKS.get(report["check"], frozenset()) | {report.get("type")}
    statuses = {e["status"] for e in report.get("examples") or () if e.get("status") is not None}
    return (next((f for f in same if f.get("check") in kinds), None)
            or next((f for f in same if any(re.search(rf"(?<!\d){s}(?!\d)", str(f.get("detail") or ""))
                                             for s in statuses)), None))


# Stock reports that are not defects of the server, each with why, checked against the spec's sources.
# (api, stock check, operation or "*", a regular expression found in the example's message, request URL and
# body or answer, why). A report is `wrong` only when every one of its examples is explained.
NOT_DEFECTS: tuple[tuple[str, str, str, str, str], ...] = (
    # Pega DX v2
    ("pega-dx-v2", "negative_data_rejection", "*", r"parameter `viewType`",
     "an unknown viewType is answered with the default view: the documents list its values, never that others "
     "are refused"),
    ("pega-dx-v2", "negative_data_rejection", "POST /attachments/upload", "Invalid component: in body",
     "multipart parts are text on the wire, so the integer or array parts stock means to send are valid text; "
     "no document refuses extra parts"),
    ("pega-dx-v2", "negative_data_rejection", "*", r'"(?:maxResultsToFetch|paging)": null',
     "null for an optional member reads as absent (a string or an object there is refused with 400)"),
    ("pega-dx-v2", "positive_data_acceptance", "POST /attachments/upload", "context is required",
     "an upload without its `context` part MUST be refused with 400 (PEGA-ATT-002, seed 001)"),
    ("pega-dx-v2", "positive_data_acceptance", "POST /attachments/upload", "No file in the request",
     "an upload without a file is refused: 'no file' is one of the documented 400s (seed 001: multipart "
     "{context, content})"),
    ("pega-dx-v2", "positive_data_acceptance", "POST /cases", "case type could not be found",
     "the sample's case type does not exist on this server: 422 Validation fail, as documented"),
    ("pega-dx-v2", "positive_data_acceptance", "POST /cases/{caseID}/attachments", "is not an uploaded file",
     "an attachment names a file uploaded first (POST /attachments/upload); a generated ID names none: 400"),
    ("pega-dx-v2", "positive_data_acceptance", "*", "A page instruction points outside its list",
     "a page instruction's listIndex must name a row of its target list, which is data, not schema: 422 "
     "Validation fail, as documented"),
    ("pega-dx-v2", "positive_data_acceptance", "*", "paging cannot be combined",
     "paging together with maxResultsToFetch MUST be refused, 400 or 422 (PEGA-DV-005)"),
    # ProcessMaker 3
    ("processmaker-3", "positive_data_acceptance", "*", " exist",
     "the request names a case, process, user or category this server does not have: 400 as ProcessMaker codes "
     "it (PM-ERR-001, PM-FILTER-004, seed 004)"),
    ("processmaker-3", "positive_data_acceptance", "*",
     r"is not in its initial task|is already canceled|cannot be reassigned in status|is not paused"
     r"|Incorrect or unavailable information about this case",
     "the case is in a state that forbids the action (cancelled, not paused, routed on): 400 as seed 004 "
     "documents it (PM-LIFE-003, PM-LIFE-004, PM-LIFE-005)"),
    ("processmaker-3", "positive_data_acceptance", "POST /cases/{app_uid}/input-document",
     r"`inp_doc_uid` is required",
     "an empty inp_doc_uid names no input document of the process: 400, as for any ID the server lacks"),
    ("processmaker-3", "positive_data_acceptance", "*", r"Invalid value for \$sort",
     "a sort column the server does not have is refused with 400 (seed 004 names the columns; the spec leaves "
     "sort a free string)"),
    ("processmaker-3", "negative_data_rejection", "*", r"[?&]date_(?:from|to)=(?:&|\s|$)",
     "an empty date filter is no filter (the whole list comes back); no document says it is refused"),
    ("processmaker-3", "negative_data_rejection", "*", r"[?&]dir=(?:&|\s|$)",
     "an empty dir is no dir: the default order (DESC, seed 004); no document says it is refused"),
    ("processmaker-3", "negative_data_rejection", "POST /cases/reassign", "DELEGATION_NOT_EXISTS",
     "answered per case (DELEGATION_NOT_EXISTS), as documented: each case gets its own result"),
    # IBM CASEREST v1
    ("ibm-caserest-v1", "negative_data_rejection", "*",
     r'"(?:ClientContext|ReturnUpdates|ExternalDataIdentifier|Properties)": null',
     "null for an optional member reads as absent: IBM-ERR-002 asks 400 only of a body that is not JSON or "
     "lacks a required member"),
    ("ibm-caserest-v1", "negative_data_rejection", "*", '"SymbolicName": "0"',
     "a property of an unknown symbolic name MUST be ignored (200) or refused (400) (IBM-PROP-003), whatever its "
     "value"),
    ("ibm-caserest-v1", "negative_data_rejection", "*", '"SymbolicName": ""',
     "a property of an unknown symbolic name MUST be ignored (200) or refused (400) (IBM-PROP-003), whatever its "
     "value"),
    ("ibm-caserest-v1", "positive_data_acceptance", "POST /casetype/{caseType}", "Properties is missing",
     "RequestMode inProgressChanges sends the properties that changed (seed 003): without them there is nothing "
     "to answer"),
)


def _own_servers(spec: dict[str, Any], operation: str) -> str | None:
    """The `servers` an operation (or its path) declares for itself, e.g. a token endpoint on another host."""
    method, _, path = operation.partition(" ")
    item = (spec.get("paths") or {}).get(path) or {}
    servers = (item.get(method.lower()) or {}).get("servers") or item.get("servers")
    return servers[0].get("url") if servers else None


def not_a_defect(api: str, report: dict[str, Any], example: dict[str, Any], spec: dict[str, Any]) -> str | None:
    """Why one example of a stock report is not a defect of the server, or None when it may be one."""
    servers = _own_servers(spec, report["operation"])
    if servers:
        return (f"stock ignores the operation's own `servers` ({servers}) and sent the request under the API's "
                "base URL, where nothing is served")
    request = example.get("request") or {}
    seen = " ".join(str(part or "") for part in (example.get("message"), request.get("url"), request.get("body"),
                                                   example.get("answer")))
    for a, check, operation, pattern, why in NOT_DEFECTS:
        if (a == api and check == report["check"] and operation in ("*", report["operation"])
                and re.search(pattern, seen)):
            return why
    return None


def breadth_verdicts(api: str, reports: list[dict[str, Any]], findings: list[dict[str, Any]],
                     spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each stock report with its verdict: `covered` (by which finding of ours), `wrong` (every example of it is
    explained; `why` lists the reasons), or `missed` (with the first example nothing explains)."""
    out = []
    for report in reports:
        mine = covering(report, findings)
        whys = [] if mine else [not_a_defect(api, report, e, spec) for e in report["examples"]]
        unexplained = [e for e, why in zip(report["examples"], whys) if why is None]
        verdict = "covered" if mine else ("missed" if unexplained or not whys else "wrong")
        out.append({**report, "verdict": verdict,
                    "why": list(dict.fromkeys(w for w in whys if w)) if verdict == "wrong" else None,
                    "ours": f"{mine['requirement']} {mine.get('check') or ''}".strip() if mine else None,
                    "unexplained": unexplained[0] if verdict == "missed" and unexplained else None})
    return out


def _stock_breadth(api: str, target, folder: Path) -> dict[str, Any]:
    report = folder / "st-report"
    proc, seconds = _run(_stock_command(api, target, report, 1, "ndjson,json", "--continue-on-failure"),
                         timeout=1800)
    files = sorted(report.glob("ndjson-*.ndjson"))
    if not files:
        return {"seconds": round(seconds, 2), "exit": proc.returncode, "reports": [],
                "error": (proc.stderr or proc.stdout)[-500:]}
    summary = sorted(report.glob("json-*.json"))
    requests = json.loads(summary[-1].read_text())["test_cases"]["generated"] if summary else None
    return {"seconds": round(seconds, 2), "exit": proc.returncode, "requests": requests,
            "reports": parse_schemathesis_ndjson(files[-1].read_text(encoding="utf-8")), "error": None}


def _compact(verdict: dict[str, Any]) -> dict[str, Any]:
    """A verdict as bench.json keeps it: the example only where nothing explains it, its bodies cut short."""
    out = {k: verdict[k] for k in ("check", "operation", "type", "count", "verdict", "why", "ours")}
    example = verdict.get("unexplained")
    if example:
        request = dict(example.get("request") or {}, body=((example.get("request") or {}).get("body") or "")[:300])
        out["unexplained"] = {**example, "request": request, "answer": (example.get("answer") or "")[:300]}
    else:
        out["unexplained"] = None
    return out


def breadth(api: str, work: Path, jobs: int, only: list[str] | None) -> dict[str, Any]:
    """The clean emulator and each chosen fault: stock schemathesis and ours, each on a fresh instance."""
    import yaml

    faults, _ = prove.emulator_registry(api)
    names = [f for f in sorted(faults) if not only or f in only]
    folder = work / f"breadth-{api}"
    spec = yaml.safe_load(spec_path(api).read_text(encoding="utf-8"))

    def one(fault: str | None) -> dict[str, Any]:
        sub = folder / (fault or "clean")
        chosen = (fault,) if fault else ()
        with EmulatorProcess(api, db=":memory:", faults=chosen) as emu:
            stock_side = _stock_breadth(api, _target(_target_file(api, emu.url, sub / "stock")), sub / "stock")
        ours = prove.trial(api, chosen, workdir=sub / "ours")
        findings = our_findings(json.loads((sub / "ours" / "run" / "results.json").read_text(encoding="utf-8")))
        return {"fault": fault, "breaks": faults[fault].breaks if fault else None,
                "stock": {k: v for k, v in stock_side.items() if k != "reports"},
                "ours": {"findings": len(findings), "requests": ours.requests, "seconds": round(ours.seconds, 2),
                         "exit": ours.exit_code, "detected": prove.judge_fault(api, ours)[0] if fault else None},
                "reports": [_compact(v) for v in breadth_verdicts(api, stock_side["reports"], findings, spec)]}

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(one, [None, *names]))
    return {"api": api, "rows": rows}


# -- output -------------------------------------------------------------------------------------
def _overhead_md(doc: dict[str, Any]) -> list[str]:
    out = ["**Harness overhead** (target: at most 2). Our whole run vs the same requests replayed raw, in "
           "order, by one httpx client against a fresh emulator. *wall* includes interpreter start-up and "
           "collection; *run* is the test session alone; *ratio CPU* is our process's and its emulator's CPU "
           "seconds over the replay's and its emulator's, what the wall ratio is on an idle machine (the wall "
           "ratios grow with the machine's load).", "",
           "| API | requests | our wall s | our run s | raw s | ratio wall | ratio run | ratio CPU | before: wall s, ratio |",
           "|---|---|---|---|---|---|---|---|---|"]
    out += [f"| {r['api']} | {r['requests']} | {r['suite_wall']} | {r['suite_run']} | {r['raw_seconds']} | "
            f"{r['ratio_wall']} | {r['ratio_run']} | {(r.get('cpu') or {}).get('ratio', '-')} | "
            f"{r['suite_wall_before']}, {r['ratio_wall_before']} |"
            for r in doc["overhead"]]
    return out


def _stock_md(doc: dict[str, Any]) -> list[str]:
    out = [f"**Against stock schemathesis** (target: at least as fast). Our property-based tests vs "
           f"`schemathesis run` on the same spec, emulator and budget ({EXAMPLES} examples per operation, "
           "deterministic, 1 worker).", "",
           "| API | ours s | ours requests | ours req/s | schemathesis s | its requests | its req/s |",
           "|---|---|---|---|---|---|---|"]
    for r in doc["stock"]:
        o, t = r["ours"], r["schemathesis"]
        out.append(f"| {r['api']} | {o['seconds']} | {o['requests']} | {o['rps']} | {t['seconds']} | "
                   f"{t.get('requests')} | {t.get('rps')} |")
    return out


def _finding_md(doc: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for f in doc["finding"]:
        rows = f["faults"]
        found = {k: sum(1 for r in rows if r[k]["found"]) for k in ("ours", "schemathesis", "dredd")}
        out += [f"**Finding power, {f['api']}**: of {len(rows)} faults, ours found {found['ours']}, stock "
                f"schemathesis {found['schemathesis']}, Dredd {found['dredd']}"
                + (f" (Dredd could not run: {f['baseline']['dredd']['error'][:160]!r})"
                   if f["baseline"]["dredd"].get("error") else "") + ".", "",
                "| fault | breaks | ours (req, s) | schemathesis (req, s) | Dredd (req, s) |", "|---|---|---|---|---|"]
        for r in rows:
            def cell(side: dict[str, Any]) -> str:
                mark = "-" if side["found"] is None else ("found" if side["found"] else "missed")
                return f"{mark} ({side.get('requests')}, {side.get('seconds')})"
            out.append(f"| `{r['fault']}` | {r['breaks']} | {cell(r['ours'])} | {cell(r['schemathesis'])} | "
                       f"{cell(r['dredd'])} |")
        out.append("")
    return out[:-1]


def _parallel_md(doc: dict[str, Any]) -> list[str]:
    out = ["**Parallelism**: one `conformance run` vs `--workers 2` (pytest-xdist; the controller merges the "
           "workers' records) vs two `--shard K/2` processes merged by `conformance compare`/`gate`. "
           "*same* = every requirement's outcome equals the single run's.", "",
           "| API | 1 process s | xdist 2 workers s | speed-up | same | 2 shards s | speed-up | same |",
           "|---|---|---|---|---|---|---|---|"]
    out += [f"| {r['api']} | {r['one_process']} | {r['xdist_2']} | {r['speedup_xdist']} | "
            f"{'yes' if r['xdist_equal'] else 'NO'} | {r['two_shards']} | {r['speedup_shards']} | "
            f"{'yes' if r['shards_equal'] else 'NO'} |" for r in doc["parallel"]]
    return out


def _growth_md(doc: dict[str, Any]) -> list[str]:
    out = ["**Growth** (ProcessMaker paging tests, `--requirement` on the paging family): cost must follow "
           "the pages walked, memory stay flat.", "",
           "| cases | seconds | requests | peak RSS MiB | emulator start s | passed |", "|---|---|---|---|---|---|"]
    out += [f"| {r['cases']:,} | {r['seconds']} | {r['requests']} | {r['peak_rss_mib']} | "
            f"{r['emulator_start_seconds']} | {r['passed']} |" for r in doc["growth"]]
    return out


def _emulator_md(doc: dict[str, Any]) -> list[str]:
    out = ["**Emulator speed** (autocannon, 10 connections): the most frequent successful GET of a run, on the "
           "emulator and on Prism mocking the same spec.", "",
           "| API | path | emulator req/s | p50 ms | p99 ms | Prism req/s | p50 ms | p99 ms |",
           "|---|---|---|---|---|---|---|---|"]
    for r in doc["emulator"]:
        e, p = r.get("emulator", {}), r.get("prism", {})
        out.append(f"| {r['api']} | `{r.get('path', '-')}` | {e.get('rps', e.get('error', '-'))} | "
                   f"{e.get('p50_ms', '-')} | {e.get('p99_ms', '-')} | {p.get('rps', p.get('error', '-'))} | {p.get('p50_ms', '-')} | "
                   f"{p.get('p99_ms', '-')} |")
    return out


def _ops(operations: list[str], limit: int = 6) -> str:
    ops = sorted(set(operations))
    more = f" and {len(ops) - limit} more" if len(ops) > limit else ""
    return ", ".join(f"`{o}`" for o in ops[:limit]) + more


def _example_line(e: dict[str, Any]) -> str:
    """One example as a reader needs it: the request, what came back, and stock's complaint."""
    def code(text: str) -> str:  # a code span cannot hold a backtick
        return "`" + text.replace("`", "'") + "`"

    req = e.get("request") or {}
    url = re.sub(r"^https?://[^/]+", "", str(req.get("url") or ""))
    body = f" {code(req['body'][:90])}" if req.get("body") else ""
    said = re.sub(r"^(Invalid data should have been rejected|Valid data should have been accepted) \| "
                  r"Expected: [^|]*\|? ?", "", e.get("message") or "")
    answer = f", answer {code(e['answer'][:90])}" if e.get("answer") else ""
    return (f"{req.get('method')} {code(url[:110])}{body} -> {e.get('status')}{answer}"
            + (f" ({said[:150]})" if said else ""))


RANK = {"covered": 0, "wrong": 1, "missed": 2}  # a report missed on any emulator is missed


def _breadth_md(doc: dict[str, Any]) -> list[str]:
    mapped = ", ".join(f"{k} ~ {'/'.join(sorted(v))}" for k, v in STOCK_CHECKS.items() if v)
    out = [f"**Breadth against stock schemathesis**: stock `schemathesis run --continue-on-failure` (its default "
           f"checks and phases, {EXAMPLES} examples per operation, deterministic, the suite's own Authorization "
           "header) and one `conformance run`, each on a fresh instance of the same emulator. Each (check, "
           "operation) stock reports is *covered* when our run has a finding of the mapped kind on that operation "
           f"({mapped}) or a finding on it that names the same status; *stock wrong* when it is no defect of the "
           "server (why below); otherwise *missed by us*. *new* = not reported on the clean emulator.", "",
           "| API | emulator | stock reports (new) | our findings | covered | stock wrong | missed by us (new) | "
           "stock s | ours s |", "|---|---|---|---|---|---|---|---|---|"]
    missed: list[str] = []
    wrong: dict[str, list[str]] = {}
    for block in doc["schemathesis-breadth"]:
        api, rows = block["api"], block["rows"]
        clean = next((r for r in rows if r["fault"] is None), None)
        clean_pairs = {(x["check"], x["operation"]) for x in (clean or {}).get("reports", [])}
        clean_missed = {(x["check"], x["operation"]) for x in (clean or {}).get("reports", [])
                        if x["verdict"] == "missed"}
        for row in rows:
            reports = row["reports"]
            count = {k: sum(1 for x in reports if x["verdict"] == k) for k in ("covered", "wrong", "missed")}
            fresh = [x for x in reports if (x["check"], x["operation"]) not in clean_pairs]
            row_missed = [x for x in reports if x["verdict"] == "missed"
                          and (row["fault"] is None or (x["check"], x["operation"]) not in clean_missed)]
            name = "clean" if row["fault"] is None else f"`{row['fault']}` ({row['breaks']})"
            st, ours = row["stock"], row["ours"]
            stock_cell = f"{len(reports)}" + (f" (+{len(fresh)})" if row["fault"] else "")
            stock_cell += f" (error: {st['error'][:60]!r})" if st.get("error") else ""
            ours_cell = f"{ours['findings']}" + (f" (run broke: exit {ours['exit']})"
                                                 if ours.get("exit") not in (0, 1, None) else "")
            out.append(f"| {api} | {name} | {stock_cell} | {ours_cell} | {count['covered']} | "
                       f"{count['wrong']} | {count['missed']}" + (f" ({len(row_missed)})" if row["fault"] else "")
                       + f" | {st.get('seconds')} | {ours['seconds']} |")
            where = f"{api}, {'clean' if row['fault'] is None else row['fault']}"
            by_check: dict[str, list[dict[str, Any]]] = {}
            for x in row_missed:
                by_check.setdefault(x["check"], []).append(x)
            for check, xs in sorted(by_check.items()):
                if len(xs) > 3:  # one line for a check stock reports on many operations alike
                    missed.append(f"- missed by us ({where}): `{check}` on {len(xs)} operations: "
                                  f"{_ops([x['operation'] for x in xs])}; e.g. {_example_line(xs[0]['unexplained'])}")
                else:
                    missed += [f"- missed by us ({where}): `{check}` on `{x['operation']}`: "
                               f"{_example_line(x['unexplained'])}" for x in xs]
            for x in reports:
                if x["verdict"] == "wrong":
                    for why in x["why"]:
                        wrong.setdefault(why, []).append(f"{api} `{x['check']}` `{x['operation']}`")
    worst: dict[tuple[str, str, str], str] = {}  # each distinct (API, check, operation), its worst verdict
    for block in doc["schemathesis-breadth"]:
        for row in block["rows"]:
            for x in row["reports"]:
                key = (block["api"], x["check"], x["operation"])
                if RANK[x["verdict"]] > RANK.get(worst.get(key, ""), -1):
                    worst[key] = x["verdict"]
    total = {k: sum(1 for v in worst.values() if v == k) for k in RANK}
    apis_missed = sorted({f"`{c}`" for (_, c, _), v in worst.items() if v == "missed"})
    out += ["", f"In all, {len(worst)} distinct (API, check, operation) stock reports: ours covers {total['covered']}, "
            f"{total['wrong']} are no defect of the server, {total['missed']} are missed by us"
            + (f" ({', '.join(apis_missed)})" if apis_missed else "") + "."]
    out += ["", *missed] if missed else ["", "Missed by us: nothing."]
    if wrong:
        out += ["", "Stock wrong, and why:"]
        for why, where in wrong.items():
            seen = sorted(set(where))
            more = f" and {len(seen) - 4} more" if len(seen) > 4 else ""
            out.append(f"- {why}: {', '.join(seen[:4])}{more}")
    return out


# section name -> (its key in bench.json, its markdown)
RENDER: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "overhead": _overhead_md, "stock": _stock_md, "finding": _finding_md, "parallel": _parallel_md,
    "growth": _growth_md, "emulator": _emulator_md, "schemathesis-breadth": _breadth_md, "latency": _latency_md,
    "passive": lambda doc: bench_passive.markdown(doc["passive"])}


def section_markdown(doc: dict[str, Any], name: str, note: str = "") -> str | None:
    """One section, between its own markers, so that a run of some sections replaces only those."""
    if not doc.get(name):
        return None
    return "\n".join([f"<!-- bench:{name}:start -->", *([note, ""] if note else []), *RENDER[name](doc),
                      f"<!-- bench:{name}:end -->"])


def markdown(doc: dict[str, Any], whole: bool = True) -> str:
    m = doc["machine"]
    run = "one `make bench` run" if whole else "one `python -m conformance.bench --section ...` run"
    out = [f"Measured {doc['date']} on {m['cores']} cores, Python {m['python']}, in {run} "
           f"({doc['seconds']:.0f} s). Raw figures: reports/bench/bench.json."]
    out += ["\n" + part for name in RENDER if (part := section_markdown(doc, name))]
    return "\n".join(out)


def merge_block(text: str, doc: dict[str, Any], whole: bool) -> str:
    """README text with the bench block replaced (a whole run), or only the sections this run measured, each
    saying when and how it was measured (the others keep their figures)."""
    if not BLOCK.search(text):
        raise click.ClickException("no <!-- bench:start --> ... <!-- bench:end --> block")
    if whole:
        return BLOCK.sub(lambda _: f"<!-- bench:start -->\n{markdown(doc)}\n<!-- bench:end -->", text)
    cores = (doc.get("machine") or {}).get("cores")
    for name in RENDER:
        note = (f"*Measured {doc['date']} by `python -m conformance.bench --section {name}`"
                + (f" on {cores} cores" if cores else "") + f" ({doc['seconds']:.0f} s in all).*")
        part = section_markdown(doc, name, note)
        if part is None:
            continue
        sub = re.compile(rf"<!-- bench:{re.escape(name)}:start -->.*?<!-- bench:{re.escape(name)}:end -->", re.S)
        block = BLOCK.search(text).group(0)
        if sub.search(block):
            block = sub.sub(lambda _: part, block)
        else:  # a section the block does not have yet: at its end, after a blank line
            block = block[:-len("<!-- bench:end -->")].rstrip("\n") + f"\n\n{part}\n<!-- bench:end -->"
        text = BLOCK.sub(lambda _: block, text)
    return text


SECTIONS = ("overhead", "stock", "finding", "parallel", "growth", "emulator", "schemathesis-breadth", "latency",
            "passive")


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/bench"), show_default=True)
@click.option("--readme", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the tables into this file's <!-- bench:start --> ... <!-- bench:end --> block")
@click.option("--api", "api_names", multiple=True, help="only these APIs (default: all available)")
@click.option("--section", "sections", multiple=True, type=click.Choice(SECTIONS), help="only these sections")
@click.option("--fault", "faults", multiple=True,
              help="finding power and schemathesis-breadth: only these faults (default all)")
@click.option("--jobs", default=2, show_default=True,
              help="finding power and schemathesis-breadth: emulators measured side by side")
@click.option("--load-seconds", default=10, show_default=True, help="emulator speed: seconds of load per server")
@click.option("--sizes", default="1000,10000,100000", show_default=True, help="growth: case counts")
@click.option("--latencies", default="0,20,100", show_default=True, help="latency: emulator delays, ms")
@click.option("--latency-mode", "latency_modes", multiple=True,
              help="latency: only the modes whose label starts with this (the baseline always runs), e.g. "
                   "'one process, 8' or '--workers 8'")
@click.option("--passive-size", default="100000,3000", show_default=True,
              help="passive: exchanges in the HAR, and how many of them are replayed through Prism")
def main(out: Path, readme: Path | None, api_names: tuple[str, ...], sections: tuple[str, ...],
         faults: tuple[str, ...], jobs: int, load_seconds: int, sizes: str, latencies: str,
         latency_modes: tuple[str, ...], passive_size: str) -> None:
    """Measure the suite against raw httpx, stock schemathesis, Dredd and Prism."""
    chosen = list(api_names) or apis.names()
    wanted = set(sections or SECTIONS)
    if readme is not None and not BLOCK.search(readme.read_text(encoding="utf-8")):  # say so before measuring
        raise click.ClickException(f"{readme} has no <!-- bench:start --> ... <!-- bench:end --> block")
    work = Path(tempfile.mkdtemp(prefix="conformance-bench-"))
    started = time.perf_counter()
    doc: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": {
        "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}}

    def step(name: str, func: Callable[[], Any]) -> Any:
        click.echo(f"bench: {name} ...", err=True)
        t = time.perf_counter()
        value = func()
        click.echo(f"bench: {name} done in {time.perf_counter() - t:.0f} s", err=True)
        return value

    if "overhead" in wanted or "emulator" in wanted:
        doc["overhead"] = [step(f"overhead {a}", lambda a=a: overhead(a, work)) for a in chosen]
    if "stock" in wanted:
        doc["stock"] = [r for a in chosen if (r := step(f"stock {a}", lambda a=a: stock(a, work)))]
    if "finding" in wanted:
        doc["finding"] = [step(f"finding {a}", lambda a=a: finding(a, work, jobs, list(faults) or None)) for a in chosen]
    if "parallel" in wanted:
        doc["parallel"] = [step(f"parallel {a}", lambda a=a: parallel(a, work)) for a in chosen]
    if "growth" in wanted:
        doc["growth"] = step("growth", lambda: growth(work, tuple(int(s) for s in sizes.split(","))))
    if "emulator" in wanted:
        doc["emulator"] = [r for a in chosen if (r := step(f"emulator {a}", lambda a=a: emulator_speed(a, work, load_seconds)))]
    if "schemathesis-breadth" in wanted:
        doc["schemathesis-breadth"] = [step(f"schemathesis-breadth {a}",
                                            lambda a=a: breadth(a, work, jobs, list(faults) or None)) for a in chosen]
    if "latency" in wanted:
        delays = tuple(int(ms) for ms in latencies.split(","))
        doc["latency"] = [row for a in chosen for row in step(f"latency {a}", lambda a=a: latency(a, work, delays, latency_modes))]
    if "passive" in wanted:
        har_size, prism_size = (int(n) for n in passive_size.split(","))
        doc["passive"] = [step(f"passive {a}", lambda a=a: bench_passive.passive(a, work, har_size, prism_size))
                          for a in chosen if a in bench_passive.SCHEMA_FAULTS]
    doc["seconds"] = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    table = markdown(doc, whole=wanted == set(SECTIONS))
    (out / "bench.md").write_text(table + "\n", encoding="utf-8")
    click.echo(table)
    if readme is not None:
        text = readme.read_text(encoding="utf-8")
        readme.write_text(merge_block(text, doc, whole=wanted == set(SECTIONS)), encoding="utf-8")
        click.echo(f"written into {readme}", err=True)
    mismatch = [r["api"] for r in doc.get("parallel") or [] if not (r["xdist_equal"] and r["shards_equal"])]
    if mismatch:  # keep the run folders so the differing outcomes can be read
        click.echo(f"parallel outcomes differ for {', '.join(mismatch)}: run folders kept in {work}", err=True)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
