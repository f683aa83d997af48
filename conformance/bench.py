"""`make bench` (issue 9): speed, finding power and scale, measured side by side in one run
on one machine, written to reports/bench/bench.{json,md} and into README's bench block.

Sections (each can be chosen with --section):
  overhead   our full run vs the same requests replayed raw with one httpx client
  stock      our property-based tests vs stock `schemathesis run` on the same spec and budget
  finding    each fault injected: our suite vs stock schemathesis vs Dredd (requests, seconds)
  parallel   one run vs two shards side by side (and their merge)
  growth     ProcessMaker paging tests at 1,000 / 10,000 / 100,000 cases: time and peak memory
  emulator   requests/s and p50/p99 latency of each emulator vs Prism mocking the same spec (autocannon)

Every server is a bundled emulator on loopback; every loop is bounded in count and time.
The stock tools come from bench/package.json (npm ci), pinned, not needed by the suite itself.
"""

from __future__ import annotations

import json
import os
import platform
import re
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

from conformance import apis, prove, requirements
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


def _stock_schemathesis(api: str, target, folder: Path, workers: int = 1) -> dict[str, Any]:
    report = folder / "st-report"
    cmd = [str(Path(sys.executable).parent / "schemathesis"), "run", str(spec_path(api)), "--url", target.base_url,
           *_auth_args(target), "-n", str(EXAMPLES), "--generation-deterministic", "--no-shrink",
           "--workers", str(workers), "--report", "json", "--report-dir", str(report), "--no-color",
           "--request-timeout", "15"]
    proc, seconds = _run(cmd, timeout=1800)
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


def overhead(api: str, work: Path) -> dict[str, Any]:
    folder = work / f"overhead-{api}"
    with EmulatorProcess(api, db=":memory:") as emu:
        target_path = _target_file(api, emu.url, folder)
        proc, wall = _run(_conformance(target_path, folder / "run"))
        doc = json.loads((folder / "run" / "results.json").read_text())
    with EmulatorProcess(api, db=":memory:") as emu:
        # "before": the run as it was before the profile of issue 9 (pytest's assert rewriting of every
        # plugin module on; `conformance run` now passes --assert=plain, and a later argument wins)
        _, wall_before = _run(_conformance(_target_file(api, emu.url, folder / "before"), folder / "before" / "run",
                                           "--pytest-arg=--assert=rewrite"))
    run_seconds = _span(doc)
    with EmulatorProcess(api, db=":memory:") as emu:
        target = _target(_target_file(api, emu.url, folder / "replay"))
        authorization = _authorization(target)
        old = re.match(r"https?://[^/]+", doc["target"]["base_url"]).group(0)
        raw = replay(folder / "run" / "exchanges.jsonl", re.match(r"https?://[^/]+", emu.url).group(0), old,
                     authorization)
    return {"api": api, "requests": doc["requests_sent"], "suite_wall": round(wall, 2),
            "suite_run": round(run_seconds, 2), "raw_requests": raw["requests"], "raw_seconds": round(raw["seconds"], 2),
            "ratio_wall": round(wall / raw["seconds"], 2), "ratio_run": round(run_seconds / raw["seconds"], 2),
            "suite_wall_before": round(wall_before, 2), "ratio_wall_before": round(wall_before / raw["seconds"], 2),
            "replayed_same_status": raw["same_status"], "verdict": doc["verdict"]["passed"]}


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
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        rows["prism"] = _autocannon(f"http://127.0.0.1:{port}{path}", header or ["Authorization=Bearer x"], seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


# -- output -------------------------------------------------------------------------------------
def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    out = [f"Measured {doc['date']} on {m['cores']} cores, Python {m['python']}, in one `make bench` run "
           f"({doc['seconds']:.0f} s). Raw figures: reports/bench/bench.json.", ""]
    if doc.get("overhead"):
        out += ["**Harness overhead** (target: at most 1.3). Our whole run vs the same requests replayed raw, in "
                "order, by one httpx client against a fresh emulator. *wall* includes interpreter start-up and "
                "collection; *run* is the test session alone.", "",
                "| API | requests | our wall s | our run s | raw s | ratio wall | ratio run | before: wall s, ratio |",
                "|---|---|---|---|---|---|---|---|"]
        out += [f"| {r['api']} | {r['requests']} | {r['suite_wall']} | {r['suite_run']} | {r['raw_seconds']} | "
                f"{r['ratio_wall']} | {r['ratio_run']} | {r['suite_wall_before']}, {r['ratio_wall_before']} |"
                for r in doc["overhead"]]
        out.append("")
    if doc.get("stock"):
        out += [f"**Against stock schemathesis** (target: at least as fast). Our property-based tests vs "
                f"`schemathesis run` on the same spec, emulator and budget ({EXAMPLES} examples per operation, "
                "deterministic, 1 worker).", "",
                "| API | ours s | ours requests | ours req/s | schemathesis s | its requests | its req/s |",
                "|---|---|---|---|---|---|---|"]
        for r in doc["stock"]:
            o, t = r["ours"], r["schemathesis"]
            out.append(f"| {r['api']} | {o['seconds']} | {o['requests']} | {o['rps']} | {t['seconds']} | "
                       f"{t.get('requests')} | {t.get('rps')} |")
        out.append("")
    for f in doc.get("finding", []):
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
    if doc.get("parallel"):
        out += ["**Parallelism**: one `conformance run` vs `--workers 2` (pytest-xdist; the controller merges the "
                "workers' records) vs two `--shard K/2` processes merged by `conformance compare`/`gate`. "
                "*same* = every requirement's outcome equals the single run's.", "",
                "| API | 1 process s | xdist 2 workers s | speed-up | same | 2 shards s | speed-up | same |",
                "|---|---|---|---|---|---|---|---|"]
        out += [f"| {r['api']} | {r['one_process']} | {r['xdist_2']} | {r['speedup_xdist']} | "
                f"{'yes' if r['xdist_equal'] else 'NO'} | {r['two_shards']} | {r['speedup_shards']} | "
                f"{'yes' if r['shards_equal'] else 'NO'} |" for r in doc["parallel"]]
        out.append("")
    if doc.get("growth"):
        out += ["**Growth** (ProcessMaker paging tests, `--requirement` on the paging family): cost must follow "
                "the pages walked, memory stay flat.", "",
                "| cases | seconds | requests | peak RSS MiB | emulator start s | passed |", "|---|---|---|---|---|---|"]
        out += [f"| {r['cases']:,} | {r['seconds']} | {r['requests']} | {r['peak_rss_mib']} | "
                f"{r['emulator_start_seconds']} | {r['passed']} |" for r in doc["growth"]]
        out.append("")
    if doc.get("emulator"):
        out += ["**Emulator speed** (autocannon, 10 connections): the most frequent successful GET of a run, on the "
                "emulator and on Prism mocking the same spec.", "",
                "| API | path | emulator req/s | p50 ms | p99 ms | Prism req/s | p50 ms | p99 ms |",
                "|---|---|---|---|---|---|---|---|"]
        for r in doc["emulator"]:
            e, p = r.get("emulator", {}), r.get("prism", {})
            out.append(f"| {r['api']} | `{r.get('path', '-')}` | {e.get('rps', e.get('error', '-'))} | {e.get('p50_ms', '-')}"
                       f" | {e.get('p99_ms', '-')} | {p.get('rps', p.get('error', '-'))} | {p.get('p50_ms', '-')} | "
                       f"{p.get('p99_ms', '-')} |")
        out.append("")
    return "\n".join(out)


SECTIONS = ("overhead", "stock", "finding", "parallel", "growth", "emulator")


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/bench"), show_default=True)
@click.option("--readme", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the tables into this file's <!-- bench:start --> ... <!-- bench:end --> block")
@click.option("--api", "api_names", multiple=True, help="only these APIs (default: all available)")
@click.option("--section", "sections", multiple=True, type=click.Choice(SECTIONS), help="only these sections")
@click.option("--fault", "faults", multiple=True, help="finding power: only these faults (default all)")
@click.option("--jobs", default=2, show_default=True, help="finding power: faults measured side by side")
@click.option("--load-seconds", default=10, show_default=True, help="emulator speed: seconds of load per server")
@click.option("--sizes", default="1000,10000,100000", show_default=True, help="growth: case counts")
def main(out: Path, readme: Path | None, api_names: tuple[str, ...], sections: tuple[str, ...],
         faults: tuple[str, ...], jobs: int, load_seconds: int, sizes: str) -> None:
    """Measure the suite against raw httpx, stock schemathesis, Dredd and Prism (issue 9)."""
    chosen = list(api_names) or apis.names()
    wanted = set(sections or SECTIONS)
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
    doc["seconds"] = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    table = markdown(doc)
    (out / "bench.md").write_text(table + "\n", encoding="utf-8")
    click.echo(table)
    if readme is not None:
        text = readme.read_text(encoding="utf-8")
        block = f"<!-- bench:start -->\n{table}\n<!-- bench:end -->"
        if not BLOCK.search(text):
            raise click.ClickException(f"{readme} has no <!-- bench:start --> ... <!-- bench:end --> block")
        readme.write_text(BLOCK.sub(lambda _: block, text), encoding="utf-8")
        click.echo(f"written into {readme}", err=True)
    mismatch = [r["api"] for r in doc.get("parallel") or [] if not (r["xdist_equal"] and r["shards_equal"])]
    if mismatch:  # keep the run folders so the differing outcomes can be read
        click.echo(f"parallel outcomes differ for {', '.join(mismatch)}: run folders kept in {work}", err=True)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
