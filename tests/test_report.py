"""`conformance report`: the Allure report as one file that opens from disk (or Allure's multi-file
layout), history kept beside it, no analytics, and `--serve` for a report folder on localhost.
tests/test_browser.py opens the reports in a browser."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from conformance.cli import find_allure, generate_report

pytestmark = pytest.mark.skipif(find_allure() is None, reason="the pinned Allure is not installed (make setup)")


def _results(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{uuid.uuid4()}-result.json").write_text(json.dumps({
            "uuid": str(uuid.uuid4()), "historyId": f"h{i}", "name": f"test_{i}", "fullName": f"m.test_{i}",
            "status": "passed" if i else "failed", "stage": "finished", "start": 1, "stop": 2,
            "labels": [{"name": "parentSuite", "value": "t"}, {"name": "story", "value": f"PEGA-CASE-00{i + 1}"}]}))
    return folder


def test_one_file_with_history_and_no_analytics(tmp_path):
    results = _results(tmp_path / "allure-results")
    out = tmp_path / "reports" / "allure-report"
    generate_report([results], out, "t")
    generate_report([results], out, "t")  # a second report into the same folder: the trend grows
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == []  # nothing to fetch() beside index.html
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "googletagmanager" not in page and "gtag(" not in page
    assert "window.allureReportData" in page  # the results are inside the page, not beside it
    history = (tmp_path / "reports" / ".allure-history.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(history) == 2


def test_multi_file_then_single_file_leaves_nothing_stale(tmp_path):
    results = _results(tmp_path / "allure-results")
    out = tmp_path / "allure-report"
    generate_report([results], out, "t", single_file=False)
    assert (out / "data").is_dir()
    generate_report([results], out, "t")
    assert not (out / "data").exists() and not list(out.glob("app-*.js"))


@pytest.fixture(scope="module")
def multi_file_report(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("served")
    out = tmp / "allure-report"
    generate_report([_results(tmp / "allure-results")], out, "t", single_file=False)  # the layout that needs HTTP
    return out


# A parent that ignores and blocks SIGINT and SIGTERM, then execs the server: SIG_IGN and the signal mask
# survive exec (a shell's background job, nohup, a supervisor), and the server must stop all the same.
_IGNORING_PARENT = ("import os, signal, sys; stops = {signal.SIGINT, signal.SIGTERM}; "
                    "signal.pthread_sigmask(signal.SIG_BLOCK, stops); "
                    "[signal.signal(s, signal.SIG_IGN) for s in stops]; "
                    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


def _signal_state(pid: int) -> str:
    """What a server that did not stop shows: its signal masks, where it waits, its children."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        wchan = Path(f"/proc/{pid}/wchan").read_text()
        children = subprocess.run(["ps", "-o", "pid,stat,args", "--ppid", str(pid)], capture_output=True,
                                  text=True).stdout
    except OSError as exc:
        return f"(no /proc state: {exc})"
    return " ".join(line for line in status if line.startswith(("State", "Sig", "Shd"))) + \
        f" wchan={wchan} children: {children}"


@pytest.mark.parametrize("sig,inherited", [(signal.SIGINT, ""), (signal.SIGINT, "ignored"),
                                           (signal.SIGTERM, "ignored")],
                         ids=["ctrl_c", "ctrl_c_parent_ignored_it", "sigterm_parent_ignored_it"])
def test_serve_gives_the_report_over_http_and_stops_on_ctrl_c(multi_file_report, sig, inherited):
    out = multi_file_report
    shim = [sys.executable, "-c", _IGNORING_PARENT] if inherited else [sys.executable]
    proc = subprocess.Popen([*shim, "-m", "conformance.cli", "report", "--serve", "--port", "0", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if "serving" not in line or "http://127.0.0.1:" not in line:
            proc.kill()  # not serving: what it said (reading stderr of a live server would wait forever)
            pytest.fail(line + proc.communicate(timeout=60)[1])
        url = line.split()[3]
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        data = httpx.get(url.rsplit("/", 1)[0] + "/summary.json", timeout=10)
        assert data.status_code == 200 and data.json()
    finally:
        if proc.returncode is None:
            proc.send_signal(sig)
        try:
            out_text, err_text = proc.communicate(timeout=60)  # generous: a loaded machine is slow, not broken
        except subprocess.TimeoutExpired:
            state = _signal_state(proc.pid)
            proc.kill()
            proc.communicate()
            pytest.fail(f"report --serve did not stop within 60 s of {signal.Signals(sig).name}: {state}")
    assert proc.returncode == 0 and "Traceback" not in err_text, err_text


def test_serve_without_a_report_is_a_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "report", "--serve", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "holds no report" in proc.stderr and "Traceback" not in proc.stderr
