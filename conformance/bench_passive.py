"""`make bench`, section "passive": `conformance check-traffic` on a large HAR, side by side with Prism's proxy.

The traffic is the suite's own against the emulators (`conformance run` on the clean emulator and on one
whose responses break the schema, for Pega DX v2 and ProcessMaker 3): every answered exchange becomes a
HAR 1.2 entry (a *template*), and a HAR of any size repeats the templates in order, written as it is made
(never whole in memory). Valid and invalid bodies are mixed as the two runs mixed them.

* **check-traffic** reads the HAR in a child process; its wall time gives exchanges/s, the child's peak RSS
  (`resource.getrusage(RUSAGE_CHILDREN)`, through bench._peak_rss_of) its memory.
* **Prism** (`prism proxy SPEC UPSTREAM`, bench/package.json) sees the same exchanges: a client replays each
  entry's request to Prism, Prism forwards it to a replay server that answers the recorded response of that
  entry (the entry's number travels in a request header), and Prism validates request and response against
  the same spec. Without `--errors` Prism passes every answer through and names what it found in the
  `sl-violations` response header, a JSON array of {location, severity, code, message} (as Prism 5.16 answers
  here); a violation whose location starts with "response" is what it judges of the server.
* **Agreement**: for each template (one cycle), whether check-traffic's schema requirement found a problem in
  it, and whether Prism reported a response violation; the counts of both, of each alone, and examples.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.suites import spec_path

HOST = "https://api.bench.example"
ENTRY_HEADER = "X-Bench-Entry"
# the replay's request headers a client would not send or the replay server sets itself
_DROP = {"host", "content-length", "connection", "accept-encoding", "transfer-encoding", "date", "server",
         "content-encoding", "keep-alive", "user-agent"}
BENCH_TOKEN = "Bearer bench-client-token-0001"  # the logs say [REDACTED]; a real client sent some token


# -- the traffic ------------------------------------------------------------------------------------
def templates_from_log(log: Path, base_url: str) -> list[dict[str, Any]]:
    """The answered exchanges of a suite run's exchanges.jsonl as HAR entries on HOST, bodies whole."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    out = []
    with log.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("status") is None or not rec["url"].startswith(origin):
                continue
            if re.search(r"\.\.\. \[\d+ more bytes\]\Z", rec.get("response_body") or "") or \
                    re.search(r"\.\.\. \[\d+ more bytes\]\Z", rec.get("request_body") or ""):
                continue  # a body the log cut: not the server's answer
            if _unparsable_json(rec["request_headers"], rec.get("request_body") or ""):
                continue  # Prism's proxy never answers such a request (it waits; seen with 5.16): both judge without
            headers = {k: (BENCH_TOKEN if v == "[REDACTED]" and k.lower() == "authorization" else v)
                       for k, v in rec["request_headers"].items() if k.lower() not in _DROP}
            out.append(_entry(rec["method"], HOST + rec["url"][len(origin):], headers, rec.get("request_body") or "",
                              rec["status"], {k: v for k, v in rec["response_headers"].items()
                                              if k.lower() not in _DROP},
                              rec.get("response_body") or "", rec.get("elapsed_ms") or 1.0))
    return out


def _unparsable_json(headers: dict[str, str], body: str) -> bool:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if "json" not in ctype.lower():
        return False
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


def _entry(method: str, url: str, request_headers: dict[str, str], request_body: str, status: int,
           response_headers: dict[str, str], body: str, elapsed: float) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
                               "queryString": [], "headersSize": -1, "bodySize": len(request_body.encode()),
                               "headers": [{"name": k, "value": v} for k, v in request_headers.items()]}
    if request_body:
        request["postData"] = {"mimeType": request_headers.get("content-type", "application/json"),
                               "text": request_body}
    mime = next((v for k, v in response_headers.items() if k.lower() == "content-type"), "")
    return {"startedDateTime": "2026-01-05T09:00:00.000Z", "time": elapsed, "request": request,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
                         "headers": [{"name": k, "value": v} for k, v in response_headers.items()],
                         "content": {"size": len(body.encode()), "mimeType": mime, "text": body},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(body.encode())},
            "cache": {}, "timings": {"send": 0, "wait": elapsed, "receive": 0}}


def write_har(path: Path, templates: list[dict[str, Any]], size: int) -> int:
    """A HAR of `size` entries, the templates over and over, written entry by entry; its bytes."""
    encoded = [json.dumps(t).encode() for t in templates]
    with path.open("wb") as fh:
        fh.write(b'{"log": {"version": "1.2", "creator": {"name": "conformance bench", "version": "1"}, '
                 b'"entries": [\n')
        for i in range(size):
            fh.write((b",\n" if i else b"") + encoded[i % len(encoded)])
        fh.write(b"\n]}}\n")
    return path.stat().st_size


# -- the replay: an upstream that answers each entry's recorded response ------------------------------
class ReplayUpstream:
    """A loopback HTTP server that answers a request carrying `X-Bench-Entry: N` with entry N's recorded
    status, headers and body (the HAR's entries are the templates over and over, so N picks the template)."""

    def __init__(self, templates: list[dict[str, Any]]) -> None:
        answers = []
        for t in templates:
            r = t["response"]
            headers = [(h["name"], h["value"]) for h in r["headers"] if h["name"].lower() not in _DROP]
            answers.append((r["status"], headers, r["content"].get("text", "").encode("utf-8")))
        self.answers = answers
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                n = int(self.headers.get(ENTRY_HEADER) or 0)
                status, headers, body = outer.answers[n % len(outer.answers)]
                self.send_response_only(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._handler = Handler
        self._proc: Any = None
        self.url = ""

    def _serve(self, ports: Any) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler)
        server.daemon_threads = True
        ports.put(server.server_address[1])
        server.serve_forever()

    def __enter__(self) -> "ReplayUpstream":
        # its own process (forked: the answers are not copied through a pipe), so that the replaying client
        # and the upstream do not share one interpreter
        ctx = multiprocessing.get_context("fork")
        ports = ctx.Queue()
        self._proc = ctx.Process(target=self._serve, args=(ports,), daemon=True)
        self._proc.start()
        self.url = f"http://127.0.0.1:{ports.get(timeout=30)}"
        return self

    def __exit__(self, *exc: Any) -> None:
        self._proc.terminate()
        self._proc.join(10)


# -- the two tools ------------------------------------------------------------------------------------
# an emulator fault whose answers break the schema (conformance/emulators/<api>/faults.py), for the invalid mix
SCHEMA_FAULTS = {"pega-dx-v2": "schema-status-int", "processmaker-3": "schema-app-number-int"}
CHUNK = 100
_SERVER_ERROR = re.compile(r": server error \d{3}\Z")  # check-traffic's 5xx rule: not a schema judgement


def suite_traffic(api: str, work: Path) -> tuple[list[dict[str, Any]], str]:
    """(templates, the API's base path): the suite's traffic on the clean emulator, then on the faulty one."""
    from conformance import bench
    from conformance.emulators.common import EmulatorProcess

    runs: list[list[dict[str, Any]]] = []
    base_path = ""
    for fault in (None, SCHEMA_FAULTS[api]):
        folder = work / f"passive-{api}-{fault or 'clean'}"
        with EmulatorProcess(api, db=str(folder / "emu.sqlite3"), faults=[fault] if fault else []) as emu:
            target = bench._target_file(api, emu.url, folder)
            bench._run(bench._conformance(target, folder / "run"))
        base_url = json.loads((folder / "run" / "results.json").read_text())["target"]["base_url"]
        base_path = urlsplit(base_url).path.rstrip("/")
        runs.append(templates_from_log(folder / "run" / "exchanges.jsonl", base_url))
    # the two runs in turns of CHUNK exchanges (each turn a stretch of one client's session), so that any
    # prefix of the HAR (the part Prism replays) mixes valid and invalid answers as the whole does
    templates = [t for start in range(0, max(map(len, runs)), CHUNK) for run in runs for t in run[start:start + CHUNK]]
    return templates, base_path


def check_traffic_speed(api: str, har: Path, out: Path, entries: int) -> dict[str, Any]:
    """`conformance check-traffic` on the HAR in a child process: seconds, exchanges/s, peak RSS, findings."""
    from conformance import bench

    cmd = [sys.executable, "-m", "conformance.cli", "check-traffic", "--api", api, "--out", str(out), str(har)]
    proc, seconds, rss = bench._peak_rss_of(cmd)
    row: dict[str, Any] = {"entries": entries, "seconds": round(seconds, 2), "per_second": round(entries / seconds),
                           "peak_rss_mib": round(rss / 1024, 1), "exit": proc.returncode}
    try:
        doc = json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return {**row, "error": (proc.stderr or proc.stdout)[-300:]}
    schema = bench._schema_requirement(api)
    found = [f for r in doc["requirements"].values() for f in r.get("findings") or []
             if f["requirement"] == schema and not _SERVER_ERROR.search(f["message"])]
    row.update(schema_findings=len(found), schema_occurrences=sum(f.get("occurrences", 1) for f in found))
    return row


def our_verdicts(api: str, har: Path) -> list[str | None]:
    """For each entry of a (one-cycle) HAR: check-traffic's first schema problem with it, or None."""
    from conformance.traffic import TrafficRun, discover, read_traffic

    run = TrafficRun(api)
    if run.needs_discovery():
        discover(run, [har])

    def counts() -> dict[str, tuple[int, str]]:
        return {fp: (f.occurrences, f.message) for (check, _), t in run.judge.tallies.items()
                if check == "response_conformance" for fp, f in t.found.items() if not _SERVER_ERROR.search(f.message)}

    out: list[str | None] = []
    for ex in read_traffic([har]):
        before = counts()
        run.add(ex)
        grown = [m for fp, (n, m) in counts().items() if n > before.get(fp, (0, ""))[0]]
        out.append(grown[0] if grown else None)
    return out


def _replay(url: str, templates: list[dict[str, Any]], size: int, base_path: str, workers: int,
            ) -> tuple[float, list[list[str]], int, Counter[str]]:
    """Send entries 0..size-1 to `url`: (seconds, the response violations of the first cycle's entries, the
    entries of all cycles with a response violation, the violations by message)."""
    requests = []
    for t in templates:
        r = t["request"]
        path = r["url"][len(HOST):]
        path = path[len(base_path):] if base_path and path.startswith(base_path) else path
        requests.append((r["method"], path, {h["name"]: h["value"] for h in r["headers"]},
                         (r.get("postData") or {}).get("text", "").encode("utf-8")))
    first: list[list[str]] = [[] for _ in templates]
    flagged = 0
    kinds: Counter[str] = Counter()
    unanswered: list[str] = []
    lock = threading.Lock()

    def lane(k: int) -> None:
        nonlocal flagged
        with httpx.Client(base_url=url, timeout=10) as client:
            for i in range(k, size, workers):
                method, path, headers, body = requests[i % len(requests)]
                try:
                    answer = client.request(method, path, headers={**headers, ENTRY_HEADER: str(i)}, content=body)
                except httpx.HTTPError as exc:
                    with lock:
                        kinds[f"(no answer: {exc.__class__.__name__})"] += 1
                        unanswered.append(f"{method} {path[:80]}")
                    continue
                found = _response_violations(answer.headers.get("sl-violations"))
                if found:
                    with lock:
                        flagged += 1
                        kinds.update(found)
                if i < len(requests):
                    first[i] = found

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lane, range(workers)))
    kinds.update({"(unanswered) " + u: 0 for u in unanswered[:3]})  # named in the results, not counted
    return time.perf_counter() - started, first, flagged, kinds


def _response_violations(raw: str | None) -> list[str]:
    """The messages of the response violations in Prism's sl-violations header (a JSON array; a header that is
    not one, seen on some ProcessMaker answers, is named as it is)."""
    if not raw:
        return []
    try:
        violations = json.loads(raw)
    except ValueError:
        return [f"(sl-violations not JSON: {raw[:80]})"]
    return [v.get("message", "?") for v in violations if isinstance(v, dict)
            and (v.get("location") or [""])[0] == "response"]


def _peak_rss_kib(pid: int) -> int:
    """The peak RSS of a live process (Linux: VmHWM in /proc/PID/status), KiB; 0 where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def prism_speed(api: str, templates: list[dict[str, Any]], size: int, base_path: str,
                workers: int = 4) -> dict[str, Any]:
    """Prism's proxy between a replaying client and the replay upstream: seconds, exchanges/s, peak RSS, and
    the replay alone (client to upstream, no Prism) as the ceiling this setup allows."""
    from conformance import bench
    from conformance.emulators.common import free_port

    prism = bench.TOOLS / "prism"
    if not prism.exists():
        return {"error": "prism not installed (cd bench && npm ci)"}
    with ReplayUpstream(templates) as upstream:
        alone, _, _, _ = _replay(upstream.url, templates, min(size, 20 * len(templates)), base_path, workers)
        alone_rate = min(size, 20 * len(templates)) / alone
        port = free_port()
        proc = subprocess.Popen([str(prism), "proxy", str(spec_path(api)), upstream.url, "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            bench.wait_until_up(port, 90)
            seconds, first, flagged, kinds = _replay(f"http://127.0.0.1:{port}", templates, size, base_path, workers)
            rss = _peak_rss_kib(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {"entries": size, "seconds": round(seconds, 2), "per_second": round(size / seconds),
            "peak_rss_mib": round(rss / 1024, 1), "flagged": flagged, "replay_alone_per_second": round(alone_rate),
            "clients": workers, "kinds": dict(kinds.most_common(8)),
            "unanswered": [k for k in kinds if k.startswith("(unanswered) ")], "first": first}


def agreement(templates: list[dict[str, Any]], ours: list[str | None], prisms: list[list[str]],
              base_path: str) -> dict[str, Any]:
    """Which of the distinct exchanges (one cycle) each tool finds a schema violation in, and examples where
    they differ."""
    both = ours_only = prism_only = 0
    examples: dict[str, list[str]] = {"ours_only": [], "prism_only": []}
    for t, mine, theirs in zip(templates, ours, prisms):
        if mine and theirs:
            both += 1
            continue
        if not (mine or theirs):
            continue
        r = t["request"]
        what = f"{r['method']} {r['url'][len(HOST) + len(base_path):][:80]} -> {t['response']['status']}"
        if mine:
            ours_only += 1
            bucket, said = "ours_only", mine
        else:
            prism_only += 1
            bucket, said = "prism_only", theirs[0]
        if len(examples[bucket]) < 4 and not any(said[:60] in e for e in examples[bucket]):
            examples[bucket].append(f"{what}: {said[:160]}")
    return {"distinct": len(templates), "ours": sum(1 for m in ours if m), "prism": sum(1 for p in prisms if p),
            "both": both, "ours_only": ours_only, "prism_only": prism_only, "examples": examples}


def passive(api: str, work: Path, size: int, prism_size: int) -> dict[str, Any]:
    """The section's row for one API: check-traffic at size/10 and size, Prism on the first `prism_size`
    entries (Prism is slow enough that a whole 100,000 would take most of an hour here), their agreement."""
    templates, base_path = suite_traffic(api, work)
    folder = work / f"passive-{api}"
    folder.mkdir(parents=True, exist_ok=True)
    one = folder / "one-cycle.har"
    write_har(one, templates, len(templates))
    row: dict[str, Any] = {"api": api, "templates": len(templates), "check_traffic": []}
    for n in sorted({max(1, size // 10), size}):
        har = folder / f"traffic-{n}.har"
        har_bytes = write_har(har, templates, n)
        result = check_traffic_speed(api, har, folder / f"run-{n}", n)
        row["check_traffic"].append({**result, "har_mib": round(har_bytes / 2**20, 1)})
        if n != size:
            har.unlink()
    row["prism"] = prism_speed(api, templates, min(size, prism_size), base_path)
    (folder / f"traffic-{size}.har").unlink()
    if "first" in row["prism"]:
        seen = min(row["prism"]["entries"], len(templates))  # the distinct exchanges Prism was shown
        row["agreement"] = agreement(templates[:seen], our_verdicts(api, one)[:seen],
                                     row["prism"].pop("first")[:seen], base_path)
    return row


def markdown(rows: list[dict[str, Any]]) -> list[str]:
    out = ["**Passive conformance** (`conformance check-traffic`) vs Prism's proxy (`prism proxy SPEC UPSTREAM`) "
           "judging the same HAR: the suite's own traffic on the clean emulator and on one whose answers break "
           "the schema, repeated to the size shown. check-traffic reads the file in a child process (wall time "
           "from start to exit, peak RSS of that process); Prism sees each entry's request replayed through it "
           "(4 client threads) to an upstream answering the recorded response (peak RSS of the Prism process; "
           "*replay alone* is the same client and upstream without Prism, the ceiling of this setup).", "",
           "| API | tool | exchanges | HAR MiB | seconds | exchanges/s | peak RSS MiB | schema findings |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for c in r["check_traffic"]:
            found = (f"{c['schema_findings']} distinct, {c['schema_occurrences']:,} occurrences"
                     if "schema_findings" in c else c.get("error", "-"))
            out.append(f"| {r['api']} | check-traffic | {c['entries']:,} | {c['har_mib']} | {c['seconds']} | "
                       f"{c['per_second']:,} | {c['peak_rss_mib']} | {found} |")
        p = r["prism"]
        if "error" in p:
            out.append(f"| {r['api']} | Prism proxy | - | - | - | - | - | {p['error']} |")
        else:
            out.append(f"| {r['api']} | Prism proxy | {p['entries']:,} | - | {p['seconds']} | {p['per_second']:,} "
                       f"(replay alone {p['replay_alone_per_second']:,}) | {p['peak_rss_mib']} | "
                       f"{p['flagged']:,} exchanges with a response violation |")
    out += ["", "**Agreement** on the distinct exchanges (one cycle of the traffic): in how many each tool finds a "
            "response that breaks the spec (check-traffic: its schema requirement, 5xx rule left out; Prism: a "
            "`response` violation in `sl-violations`).", "",
            "| API | distinct exchanges | check-traffic | Prism | both | check-traffic only | Prism only |",
            "|---|---|---|---|---|---|---|"]
    notes = []
    for r in rows:
        a = r.get("agreement")
        if not a:
            continue
        out.append(f"| {r['api']} | {a['distinct']} | {a['ours']} | {a['prism']} | {a['both']} | {a['ours_only']} | "
                   f"{a['prism_only']} |")
        notes += [f"- {r['api']}, check-traffic only: {e}" for e in a["examples"]["ours_only"]]
        notes += [f"- {r['api']}, Prism only: {e}" for e in a["examples"]["prism_only"]]
    return out + (["", "Examples where they differ:", *notes] if notes else [])
