"""Pre-flight (conformance/preflight.py): a wrong base URL, credentials or fixture ends a run at once
with exit 3 and a message naming the setting, after a few GETs; every bundled emulator passes it.

The run-level tests start a real emulator process and a real `conformance run` process; the rest
ask an in-process emulator through the run's own Session.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance import apis, preflight, prove
from conformance.emulators.common import EmulatorConfig, EmulatorProcess, ServerThread
from conformance.http import ExchangeLog, Session
from conformance.target import parse

SLOW_LIMIT = 20.0  # seconds a refused run may take, emulator start-up included


def _target(api: str, url: str, edits: dict[str, str] | None = None, variants: dict[str, str] | None = None):
    import tomllib

    text = prove.target_text(api, url, variants=variants)
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return parse(tomllib.loads(text), f"{api}.toml"), text


def _check(api: str, url: str, edits: dict[str, str] | None = None, variants: dict[str, str] | None = None):
    target, _ = _target(api, url, edits, variants)
    with Session(target, ExchangeLog(None)) as session:
        session.tokens.header()
        report = preflight.check(target, session)
        return report, session.requests_sent


def _serve(api: str, **config):
    return ServerThread(apis.emulator(api).create_app(EmulatorConfig(**config)))


def _run(tmp_path: Path, api: str, emu: EmulatorProcess, edits: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    _, text = _target(api, emu.url, edits)
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--target", str(tmp_path / "t.toml"),
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=120)
    return proc, time.monotonic() - started


def _requests_seen(db: Path) -> list[tuple[str, str]]:
    return sqlite3.connect(db).execute("SELECT method, path FROM request_log").fetchall()


# -- run-level: exit 3, the setting named, a few requests ---------------------------------------------------


def test_mistyped_base_path_ends_the_run_with_exit_3(tmp_path):
    db = tmp_path / "emu.sqlite3"
    with EmulatorProcess("pega-dx-v2", db=str(db)) as emu:
        proc, seconds = _run(tmp_path, "pega-dx-v2", emu,
                             {"/prweb/api/application/v2": "/prweb/api/application/v3"})
        seen = _requests_seen(db)
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "base_url: every request answers 404 application/json (GET /prweb/api/application/v3/cases/" in out
    assert "a route that cannot exist answers the same" in out and "the base path looks wrong" in out
    assert "nothing was tested" in out and "Traceback" not in proc.stdout + proc.stderr
    assert seconds < SLOW_LIMIT
    api_requests = [r for r in seen if not r[1].endswith("/token")]
    assert 2 <= len(api_requests) <= 6 and {m for m, _ in api_requests} == {"GET"}, seen
    assert not (tmp_path / "run" / "results.json").exists()


def test_wrong_client_secret_ends_the_run_with_exit_3(tmp_path):
    with EmulatorProcess("pega-dx-v2") as emu:
        proc, seconds = _run(tmp_path, "pega-dx-v2", emu, {"conformance-demo-secret}": "Zq-not-the-secret-41}"})
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "auth.client_id / auth.client_secret: the token endpoint refuses the client" in out
    assert "invalid_client" in out and "Zq-not-the-secret-41" not in proc.stdout + proc.stderr
    assert seconds < SLOW_LIMIT


def test_unknown_data_view_ends_the_run_with_exit_3(tmp_path):
    with EmulatorProcess("pega-dx-v2") as emu:
        proc, _ = _run(tmp_path, "pega-dx-v2", emu, {'data_view_id = "D_ConformanceRecords"': 'data_view_id = "D_Nope"'})
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert ("fixtures.data_view_id: the server has no data view 'D_Nope' "
            "(GET /prweb/api/application/v2/data_views/D_Nope -> 404 application/json") in out


def test_process_the_user_cannot_start_ends_the_run_with_exit_3(tmp_path):
    wrong = "28468941754ca473f9db401077958999"
    with EmulatorProcess("processmaker-3") as emu:
        proc, _ = _run(tmp_path, "processmaker-3", emu, {
            'process_uid = "28468941754ca473f9db401077958260"': f'process_uid = "{wrong}"',
            'category_processes = ["28468941754ca473f9db401077958260", ': f'category_processes = ["{wrong}", '})
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert f"fixtures.process_uid: the credentials' user may start no case of process {wrong}" in out
    assert "GET /case/start-cases lists 28468941754ca473f9db401077958260 (Invoice Approval Process" in out


# -- what pre-flight says, setting by setting (in-process emulators) ----------------------------------------


@pytest.mark.parametrize("api", apis.names())
def test_every_bundled_emulator_passes(api):
    with _serve(api) as srv:
        report, sent = _check(api, srv.url)
    assert report.ok, [str(p) for p in report.problems]
    assert sent <= preflight.MAX_REQUESTS


@pytest.mark.parametrize("api", apis.names())
def test_each_documented_variant_passes(api):
    for variants in prove.variant_sets(api)[1:]:
        with _serve(api, variants=variants) as srv:
            report, _ = _check(api, srv.url, variants=variants)
        assert report.ok, (variants, [str(p) for p in report.problems])


@pytest.mark.parametrize("api, base, wrong", [
    ("processmaker-3", "/api/1.0/workflow", "/api/1.0/workflo"),
    ("ibm-caserest-v1", "/CaseManager/CASEREST/v1", "/CaseManager/v1"),
    ("pega-fabric-hub-sync-v1", "/prweb/api/ppf/v1", "/prweb/api/ppf"),
])
def test_a_wrong_base_path_is_named_for_every_api(api, base, wrong):
    with _serve(api) as srv:
        report, _ = _check(api, srv.url, {f"{base}\"": f"{wrong}\""})
    assert [p.setting for p in report.problems] == ["base_url"], report
    assert "the base path looks wrong" in report.problems[0].message


@pytest.mark.parametrize("edit, setting, said", [
    ({'password = "${IBM_PASSWORD:-demo-password}"': 'password = "Zq-wrong-9"'}, "auth.username / auth.password",
     "the server refuses the credentials (GET /CaseManager/CASEREST/v1/case/"),
    ({'solution = "DH2"': 'solution = "DH9"'}, "fixtures.solution", "GET /solutions lists DH2, LA"),
    ({'case_type = "DH2_MyCase"': 'case_type = "DH2_Nope"'}, "fixtures.case_type",
     "GET /solution/DH2/casetypes lists DH2_MyCase, DH2_Simple"),
    ({'title_property = "DH2_Title"': 'title_property = "DH2_Titel"'}, "fixtures.title_property",
     "case type 'DH2_MyCase' has no property 'DH2_Titel'"),
])
def test_caserest_settings_are_named(edit, setting, said):
    with _serve("ibm-caserest-v1") as srv:
        report, _ = _check("ibm-caserest-v1", srv.url, edit)
    assert [p.setting for p in report.problems] == [setting], report
    assert said in report.problems[0].message


def test_a_start_task_of_another_process_is_named():
    with _serve("processmaker-3") as srv:
        report, _ = _check("processmaker-3", srv.url, {'task_uid = "7983935495320c1a75e1df6068322280"':
                                                       'task_uid = "7983935495320c1a75e1df6068322999"'})
    assert [p.setting for p in report.problems] == ["fixtures.task_uid"]
    assert "lists 7983935495320c1a75e1df6068322280" in report.problems[0].message


def _html_404_app():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": body})
    return app


def test_a_web_server_error_page_everywhere_is_a_wrong_base_path():
    """No JSON at all (a web server's own 404 page for an API route and a route that cannot exist alike):
    wrong even where nothing else can back the verdict."""
    with ServerThread(_html_404_app()) as srv:
        target = parse({"name": "t", "api": "pega-dx-v2", "base_url": f"{srv.url}/prweb/api/application/v2",
                        "auth": {"type": "bearer", "token": "t0k"}, "fixtures": {"case_type_id": "A-B-C"},
                        "capabilities": {"assignments": False}})
        with Session(target, ExchangeLog(None)) as session:
            report = preflight.check(target, session)
    assert len(report.problems) == 1, report
    assert str(report.problems[0]).startswith(
        "base_url: every request answers 404 text/html (GET /prweb/api/application/v2/cases/")
    assert '-> 404 text/html "404 Not Found"; a route that cannot exist answers the same): the base path looks wrong' \
        in str(report.problems[0])


def test_nothing_listening_is_a_wrong_base_url():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target, _ = _target("ibm-caserest-v1", f"http://127.0.0.1:{port}")
    with Session(target, ExchangeLog(None)) as session:
        report = preflight.check(target, session)
    assert [p.setting for p in report.problems] == ["base_url"]
    assert report.problems[0].message.startswith(f"nothing answers at http://127.0.0.1:{port}")


def test_a_hostile_server_is_left_to_the_tests():
    """Pre-flight judges only settings: a server that answers every API request with a redirect or a 5xx
    gets its findings from the tests (tests/test_robustness.py runs them), not exit 3."""
    for chaos in ("redirect-loop", "burst-5xx", "wrong-content-type", "malformed-json"):
        with _serve("pega-dx-v2", chaos=frozenset({chaos})) as srv:
            report, _ = _check("pega-dx-v2", srv.url)
        assert report.ok, (chaos, [str(p) for p in report.problems])


@pytest.mark.parametrize("api", apis.names())
def test_no_emulator_fault_is_taken_for_a_wrong_setting(api):
    """Every fault breaks a requirement the tests must report (tests/test_fault_matrix*.py); a pre-flight that
    stopped the run with exit 3 instead would hide it."""
    from concurrent.futures import ThreadPoolExecutor

    def problems(fault: str) -> list[str]:
        with _serve(api, faults=frozenset({fault})) as srv:
            report, _ = _check(api, srv.url)
        return [str(p) for p in report.problems]

    faults = sorted(apis.emulator(api).FAULTS)
    with ThreadPoolExecutor(max_workers=8) as pool:  # each server's shutdown mostly waits: side by side
        found = dict(zip(faults, pool.map(problems, faults)))
    assert {fault: said for fault, said in found.items() if said} == {}


def test_a_server_far_away_is_told_that_workers_would_help():
    with EmulatorProcess("ibm-caserest-v1", latency="30") as emu:
        far, _ = _check("ibm-caserest-v1", emu.url)
    assert far.ok and far.round_trip_ms >= 30
    hint = preflight.workers_hint(far, workers=1, max_in_flight=8)
    assert hint and "--workers 8" in hint and f"at least {far.round_trip_ms:.0f} ms" in hint
    assert "--workers 4" in preflight.workers_hint(far, workers=1, max_in_flight=4)
    # already spread, or bound to one request at a time: nothing to say
    assert preflight.workers_hint(far, workers=2, max_in_flight=8) is None
    assert preflight.workers_hint(far, workers=1, max_in_flight=1) is None
    with _serve("ibm-caserest-v1") as srv:  # on this machine: a few ms
        near, _ = _check("ibm-caserest-v1", srv.url)
    assert near.round_trip_ms is not None and preflight.workers_hint(near, workers=1, max_in_flight=8) is None
