"""`conformance emulate --latency MS[:JITTER_MS]`: a server far away, with the same answers, that
keeps serving other connections while one response waits."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from click.testing import CliRunner

from conformance import cli
from conformance.emulators.common import (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig, LatencyMiddleware,
                                          ServerThread, parse_latency)
from conformance.emulators.pega_dx_v2 import create_app

TOKEN = "/prweb/PRRestService/oauth2/v1/token"
CASETYPES = "/prweb/api/application/v2/casetypes"


@pytest.mark.parametrize("value", ["-1", "abc", "10:-5", "10:x", "", "1:2:3", "nan", "inf"])
def test_a_negative_or_non_numeric_latency_is_a_usage_error(value):
    result = CliRunner().invoke(cli.main, ["emulate", "pega-dx-v2", "--latency", value])
    assert result.exit_code == 2, result.output
    assert "--latency" in result.output


def test_latency_parses_milliseconds_and_jitter():
    assert parse_latency("100") == (0.1, 0.0)
    assert parse_latency("20:5") == (0.02, 0.005)
    assert parse_latency("0") == (0.0, 0.0)


def _token(client: httpx.Client) -> str:
    r = client.post(TOKEN, data={"grant_type": "client_credentials"}, auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def test_a_delayed_emulator_answers_the_same_and_serves_connections_side_by_side():
    delay = 0.4
    with ServerThread(create_app(EmulatorConfig())) as plain, \
            ServerThread(LatencyMiddleware(create_app(EmulatorConfig()), delay)) as far:
        with httpx.Client(base_url=plain.url) as c:
            near = c.get(CASETYPES, headers={"Authorization": f"Bearer {_token(c)}"})
        with httpx.Client(base_url=far.url) as c:
            started = time.perf_counter()
            bearer = _token(c)
            assert time.perf_counter() - started >= delay  # the token endpoint is far away too
        headers = {"Authorization": f"Bearer {bearer}"}

        def one(_: int) -> httpx.Response:
            with httpx.Client(base_url=far.url, timeout=10) as client:  # a connection of its own each
                return client.get(CASETYPES, headers=headers)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(one, range(6)))
        seconds = time.perf_counter() - started
    assert [a.status_code for a in answers] == [near.status_code] * 6
    assert all(a.json() == near.json() for a in answers)  # the same answer, only later
    # six requests one after another would take 6 x 0.4 s; side by side they take about one delay
    assert delay <= seconds < 3 * delay, seconds


def test_jitter_stays_within_its_bounds_and_never_below_zero():
    import random

    middleware = LatencyMiddleware(None, 0.01, 0.05, rng=random.Random(7))
    draws = [middleware._draw() for _ in range(500)]
    assert min(draws) == 0.0 and max(draws) <= 0.06
    assert len(set(draws)) > 100  # it does vary


def test_an_idle_keep_alive_connection_outlives_uvicorns_five_seconds():
    """A worker that waits at the gate keeps its connection, as against Tomcat (20 s), not uvicorn's 5 s."""
    from conformance.emulators.common import KEEP_ALIVE_SECONDS
    from conformance.http import Session
    from conformance.target import parse

    assert KEEP_ALIVE_SECONDS > 5
    with ServerThread(create_app(EmulatorConfig())) as srv:
        target = parse({"name": "t", "api": "pega-dx-v2", "base_url": srv.url, "auth": {"type": "none"},
                        "fixtures": {"case_type_id": "X"}}, env={})
        with Session(target) as s:
            s.request("GET", TOKEN, auth=False)
            time.sleep(5.5)  # idle past uvicorn's default
            s.request("GET", TOKEN, auth=False)
            assert s.connections_opened == 1
