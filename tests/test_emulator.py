"""The Pega DX v2 emulator itself: real HTTP, OAuth2, SQLite persistence,
documented error bodies for bad input, atomic eTag compare-and-set."""

from __future__ import annotations

import contextlib
import threading
from urllib.parse import quote

import httpx
import pytest

from conformance.emulators.common import (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USER,
                                          EmulatorConfig, EmulatorProcess, ServerThread)
from conformance.emulators.pega_dx_v2 import create_app

BASE = "/prweb/api/application/v2"
TOKEN = "/prweb/PRRestService/oauth2/v1/token"


def token(client: httpx.Client, **form) -> httpx.Response:
    return client.post(TOKEN, data={"grant_type": "client_credentials", **form},
                       auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))


@contextlib.contextmanager
def authed(url: str):
    with httpx.Client(base_url=url, timeout=10) as client:
        client.headers["Authorization"] = "Bearer " + token(client).json()["access_token"]
        yield client


def create(client: httpx.Client) -> str:
    r = client.post(f"{BASE}/cases", json={"caseTypeID": "CONF-Demo-Work-Request", "content": {"pyLabel": "t"}})
    assert r.status_code == 201, r.text
    return r.json()["ID"]


@pytest.fixture(scope="module")
def emulator():
    with ServerThread(create_app(EmulatorConfig())) as srv:
        yield srv


def test_token_endpoint_grants_and_rfc6749_errors(emulator):
    with httpx.Client(base_url=emulator.url) as c:
        ok = token(c)
        assert ok.status_code == 200 and ok.json()["token_type"] == "bearer" and ok.json()["expires_in"] > 0
        pw = c.post(TOKEN, data={"grant_type": "password", "username": DEMO_USER, "password": DEMO_PASSWORD,
                                 "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET})
        assert pw.status_code == 200
        wrong_pw = c.post(TOKEN, data={"grant_type": "password", "username": DEMO_USER, "password": "x"},
                          auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        assert wrong_pw.status_code == 400 and wrong_pw.json()["error"] == "invalid_grant"
        bad_client = c.post(TOKEN, data={"grant_type": "client_credentials"}, auth=(DEMO_CLIENT_ID, "nope"))
        assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
        assert token(c, grant_type="authorization_code").json()["error"] == "unsupported_grant_type"
        assert c.post(TOKEN, json={"grant_type": "client_credentials"}).json()["error"] == "invalid_request"


def test_expired_token_refused():
    with ServerThread(create_app(EmulatorConfig(token_lifetime=-1))) as srv, authed(srv.url) as c:
        r = c.get(f"{BASE}/assignments/next")
        assert r.status_code == 401 and r.json()["errorClassification"] == "Authentication failure"


BAD_INPUTS = [
    ("POST", "/cases", b"\xff\xfe not utf8"),
    ("POST", "/cases", b"null"),
    ("POST", "/cases", b'{"caseTypeID": ["a"]}'),
    ("POST", "/cases", b'{"caseTypeID": "CONF-Demo-Work-Request", "pageInstructions": [{"instruction": {}}]}'),
    ("POST", "/cases", b'{"caseTypeID": "CONF-Demo-Work-Request", "pageInstructions": {"a": 1}}'),
    ("POST", "/cases", b'{"caseTypeID": "CONF-Demo-Work-Request", "processID": 5}'),
    ("POST", "/cases", b'{"caseTypeID": "CONF-Demo-Work-Request", "attachments": "x"}'),
    ("POST", "/cases", b'{"caseTypeID": "No-Such-Type"}'),
    ("POST", "/cases", b'{"caseTypeID": "CONF-Demo-Work-Request", "pageInstructions": '
                       b'[{"instruction": "UPDATE", "target": "L", "listIndex": "x", "content": {}}]}'),
    ("GET", "/cases/%00", None),
    ("GET", "/assignments/" + quote("ASSIGN-WORKLIST !!!", safe=""), None),
    ("PUT", "/cases/X/stages/PRIM9", b"{}"),
    ("PATCH", "/cases", b"{}"),
]


@pytest.mark.parametrize("method,path,body", BAD_INPUTS)
def test_bad_input_gets_the_documented_error_body_never_500(emulator, method, path, body):
    with authed(emulator.url) as c:
        r = c.request(method, BASE + path, content=body, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert {"errorClassification", "localizedValue", "errorDetails"} <= set(r.json())


def test_concurrent_writers_exactly_one_wins(emulator):
    with authed(emulator.url) as c:
        case_id = create(c)
        path = f"{BASE}/cases/{quote(case_id)}"
        etag = c.get(path).headers["ETag"]
        barrier = threading.Barrier(50)
        statuses: list[int] = []

        def writer(i: int) -> None:
            barrier.wait()
            statuses.append(c.patch(f"{path}/actions/pyUpdateCaseDetails", json={"content": {"pyLabel": f"w{i}"}},
                                    headers={"If-Match": etag}).status_code)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses).count(200) == 1 and set(statuses) == {200, 409}


def test_acknowledged_writes_survive_a_kill_and_restart(tmp_path):
    db = str(tmp_path / "pega.sqlite3")
    emu = EmulatorProcess("pega-dx-v2", db=db).start()
    try:
        with authed(emu.url) as c:
            case_id = create(c)
            path = f"{BASE}/cases/{quote(case_id)}"
            etag = c.get(path).headers["ETag"]
            r = c.patch(f"{path}/actions/pyUpdateCaseDetails", json={"content": {"pyLabel": "kept"}},
                        headers={"If-Match": etag})
            assert r.status_code == 200
            new_etag = r.headers["ETag"]
        emu.proc.kill()  # no graceful shutdown
        emu.proc.wait()
    finally:
        emu.stop()
    with EmulatorProcess("pega-dx-v2", db=db, port=emu.port) as again, authed(again.url) as c:
        r = c.get(path)
        assert r.status_code == 200 and r.json()["data"]["caseInfo"]["content"]["pyLabel"] == "kept"
        assert r.headers["ETag"] == new_etag


def test_unknown_fault_or_variant_is_refused():
    with pytest.raises(ValueError, match="unknown fault"):
        create_app(EmulatorConfig(faults=frozenset({"no-such-fault"})))
    with pytest.raises(ValueError, match="choose one of 409, 412"):
        create_app(EmulatorConfig(variants={"stale": "410"}))
