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
    ("POST", "/cases", b'{"caseTypeID": "CONF-Demo-Work-Request", "content": {"pyLabel": ["a list"]}}'),
    ("POST", "/cases", b'{"caseTypeID": "CONF-Demo-Work-Request", "parentCaseID": {"ID": "x"}}'),
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


# -- what real servers send (tests/corpus/pega-dx-v2), refresh and navigation, switchable groups, faults ----

def seg(value: str) -> str:
    return quote(value, safe="")


def wizard(client: httpx.Client) -> tuple[str, str, str]:
    """A case of the multi-step form case type: (case ID, assignment ID, eTag)."""
    r = client.post(f"{BASE}/cases", json={"caseTypeID": "CONF-Demo-Work-Wizard", "content": {"pyLabel": "w"}})
    assert r.status_code == 201, r.text
    return r.json()["ID"], r.json()["data"]["caseInfo"]["assignments"][0]["ID"], r.headers["ETag"]


def test_shapes_follow_the_recorded_responses(emulator):
    with authed(emulator.url) as c:
        case_id = create(c)
        created = c.get(f"{BASE}/cases/{seg(case_id)}")
        info = created.json()["data"]["caseInfo"]
        item = info["assignments"][0]
        # flags are strings; each action links submit, save and open (corpus assignments/NextPreviousTest-4-Step3.json)
        assert item["canPerform"] == "true" and item["isMultiStep"] == "false"
        assert set(item["actions"][0]["links"]) == {"submit", "save", "open"}
        r = c.patch(f"{BASE}/assignments/{seg(item['ID'])}/actions/{item['actions'][0]['ID']}", json={},
                    headers={"If-Match": created.headers["ETag"]})
        assert r.status_code == 200 and r.json()["nextAssignmentInfo"]["context"] == "self"
        # a stage the case left is "completed" and keeps its entryTime (corpus cases/KeysAndCiphers-POST.json)
        stages = c.get(f"{BASE}/cases/{seg(case_id)}/stages").json()["stages"]
        assert [s["visited_status"] for s in stages] == ["completed", "active", "future"]
        assert "entryTime" in stages[0] and "entryTime" in stages[1] and "entryTime" not in stages[2]
        ui = r.json()["uiResources"]
        assert ui["root"]["config"] == {"type": "view", "name": "Approve", "context": "caseInfo.content"}
        assert [b["actionID"] for b in ui["actionButtons"]["main"]] == ["submit"]


def test_single_record_data_view_answers_the_record(emulator):
    with authed(emulator.url) as c:
        record = c.get(f"{BASE}/data_views/D_ConformanceConfig")
        # corpus data_views/D_pxBootstrapConfig.json: the record itself, no data[] envelope
        assert record.status_code == 200 and set(record.json()) == {"pzLoadTime", "pyConfigJSON"}
        assert isinstance(record.json()["pyConfigJSON"], str)
        assert isinstance(c.get(f"{BASE}/data_views/D_ConformanceRecords").json()["data"], list)
        for path in ("/data_views/D_ConformanceConfig", "/data_views/D_ConformanceConfig/count"):
            refused = c.post(BASE + path, json={})
            assert refused.status_code == 400 and refused.json()["errorDetails"]


@pytest.mark.parametrize("kind", ["assignment-action", "case-view"])
def test_refresh_answers_the_content_and_commits_nothing(emulator, kind):
    with authed(emulator.url) as c:
        case_id = create(c)
        before = c.get(f"{BASE}/cases/{seg(case_id)}")
        item = before.json()["data"]["caseInfo"]["assignments"][0]
        path = (f"{BASE}/assignments/{seg(item['ID'])}/actions/{item['actions'][0]['ID']}/refresh"
                if kind == "assignment-action" else f"{BASE}/cases/{seg(case_id)}/views/pyDetails/refresh")
        r = c.patch(path, json={"content": {"pyLabel": "typed", "Extra": "x"}})
        assert r.status_code == 200
        assert set(r.json()) == {"data", "uiResources"}
        assert r.json()["data"] == {"caseInfo": {"content": {"pyLabel": "typed", "Extra": "x"}}}
        assert "Extra" in r.json()["uiResources"]["resources"]["fields"]
        after = c.get(f"{BASE}/cases/{seg(case_id)}")
        assert after.headers["ETag"] == before.headers["ETag"]
        assert after.json()["data"]["caseInfo"]["content"] == {"pyLabel": "t"}
        bad = c.patch(path, content=b"{not json", headers={"Content-Type": "application/json"})
        assert bad.status_code == 400 and bad.json()["errorDetails"]
        unknown = c.patch(f"{BASE}/cases/{seg(case_id)}/views/NoSuchView/refresh", json={})
        assert unknown.status_code == 404 and unknown.json()["errorClassification"] == "Not found"


def test_previous_step_moves_back_one_step_under_the_etag(emulator):
    with authed(emulator.url) as c:
        case_id, aid, etag = wizard(c)
        back = f"{BASE}/assignments/{seg(aid)}/navigation_steps/previous"
        # at the first step the assignment stays where it is
        first = c.patch(back, json={}, headers={"If-Match": etag})
        assert first.status_code == 200 and first.headers["ETag"] == etag
        step = c.patch(f"{BASE}/assignments/{seg(aid)}/actions/Create", json={"content": {"pyLabel": "one"}},
                       headers={"If-Match": etag})
        assert step.status_code == 200
        assert step.json()["data"]["caseInfo"]["assignments"][0]["actions"][0]["ID"] == "Step2"
        assert step.json()["data"]["caseInfo"]["stageID"] == "PRIM0"
        assert c.patch(back, json={}, headers={"If-Match": etag}).status_code == 409  # stale
        assert c.patch(back, json={}).status_code == 428  # missing
        assert c.get(f"{BASE}/cases/{seg(case_id)}").headers["ETag"] == step.headers["ETag"]
        r = c.patch(back, json={"content": {}, "pageInstructions": []}, headers={"If-Match": step.headers["ETag"]})
        # corpus assignments/NextPreviousTest-5-Step2.json: data, uiResources (steps, buttons), nextAssignmentInfo
        assert r.status_code == 200 and r.headers["ETag"] != step.headers["ETag"]
        assert set(r.json()) == {"data", "uiResources", "nextAssignmentInfo"}
        assert r.json()["data"]["caseInfo"]["assignments"][0]["actions"][0]["ID"] == "Create"
        assert [s["visited_status"] for s in r.json()["uiResources"]["navigation"]["steps"]] == \
            ["current", "future", "future"]
        assert r.json()["nextAssignmentInfo"]["ID"] == aid


def test_previous_step_refusals_follow_the_variants():
    config = EmulatorConfig(variants={"stale": "412", "missing-if-match": "403"})
    with ServerThread(create_app(config)) as srv, authed(srv.url) as c:
        _, aid, etag = wizard(c)
        back = f"{BASE}/assignments/{seg(aid)}/navigation_steps/previous"
        assert c.patch(back, json={}, headers={"If-Match": '"20200101T000000.000 GMT"'}).status_code == 412
        assert c.patch(back, json={}).status_code == 403
        assert c.patch(f"{BASE}/assignments/{seg('ASSIGN-WORKLIST X-1!F')}/navigation_steps/previous", json={},
                       headers={"If-Match": etag}).status_code == 404


GROUP_PATHS = {
    "stages": [("GET", "/cases/{case}/stages"), ("POST", "/cases/{case}/stages/next"),
               ("PUT", "/cases/{case}/stages/PRIM1")],
    "refresh-navigation": [("PATCH", "/cases/{case}/views/pyDetails/refresh"),
                           ("PATCH", "/assignments/{assignment}/actions/Submit/refresh"),
                           ("PATCH", "/assignments/{assignment}/navigation_steps/previous")],
    "attachments": [("GET", "/cases/{case}/attachments"), ("POST", "/attachments/upload"),
                    ("GET", "/cases/{case}/attachment_categories")],
    "data-views": [("GET", "/data_views/D_ConformanceRecords"), ("POST", "/data_views/D_ConformanceRecords/count")],
}


@pytest.mark.parametrize("group", sorted(GROUP_PATHS))
def test_a_group_switched_off_is_not_there(group):
    with ServerThread(create_app(EmulatorConfig(variants={group: "off"}))) as srv, authed(srv.url) as c:
        case_id = create(c)
        etag = c.get(f"{BASE}/cases/{seg(case_id)}").headers["ETag"]
        ids = {"case": seg(case_id), "assignment": seg(f"ASSIGN-WORKLIST {case_id}!CREATE_FLOW")}
        for method, path in GROUP_PATHS[group]:
            r = c.request(method, BASE + path.format(**ids), json={}, headers={"If-Match": etag})
            # what a server without the route answers: the not-found error body
            assert r.status_code == 404 and r.json()["errorClassification"] == "Not found", (method, path)
        # nothing else changes
        assert c.get(f"{BASE}/cases/{seg(case_id)}").status_code == 200


def test_target_edits_declare_what_the_variant_offers():
    from conformance import prove

    text = prove.target_text("pega-dx-v2", "http://127.0.0.1:1", variants={"stages": "off", "data-views": "off"})
    assert "\nstages = false" in text and "\ndata_views = false" in text
    assert "\nrefresh_navigation = true" in text and "\nattachments = true" in text and "\nv1_update = true" in text


def test_faults_of_stages_refresh_navigation_and_assignment_actions():
    faults = frozenset({"stages-missing", "refresh-commits", "nav-accepts-stale", "assignment-no-actions"})
    with ServerThread(create_app(EmulatorConfig(faults=faults))) as srv, authed(srv.url) as c:
        case_id = create(c)
        read = c.get(f"{BASE}/cases/{seg(case_id)}")
        assert "actions" not in read.json()["data"]["caseInfo"]["assignments"][0]
        assert c.get(f"{BASE}/cases/{seg(case_id)}/stages").status_code == 404
        refreshed = c.patch(f"{BASE}/cases/{seg(case_id)}/views/pyDetails/refresh",
                            json={"content": {"pyLabel": "kept"}})
        after = c.get(f"{BASE}/cases/{seg(case_id)}")
        assert refreshed.status_code == 200 and after.headers["ETag"] != read.headers["ETag"]
        assert after.json()["data"]["caseInfo"]["content"]["pyLabel"] == "kept"
        aid = f"ASSIGN-WORKLIST {case_id}!CREATE_FLOW"
        stale = c.patch(f"{BASE}/assignments/{seg(aid)}/navigation_steps/previous", json={},
                        headers={"If-Match": read.headers["ETag"]})
        assert stale.status_code == 200
