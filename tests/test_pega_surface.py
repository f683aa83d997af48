"""The Pega emulator's case types, hierarchy, refresh/recalculate, lock release, bulk actions, optional
processes, views, step jumps, data objects and savable records (conformance/emulators/pega_dx_v2/surface.py),
over real HTTP, and the faults of those requirements."""

from __future__ import annotations

import json

import pytest

from conformance.emulators.common import EmulatorConfig, ServerThread
from conformance.emulators.pega_dx_v2 import create_app
from test_emulator import BASE, authed, create, seg, wizard  # tests/ is on sys.path


@pytest.fixture(scope="module")
def emulator():
    with ServerThread(create_app(EmulatorConfig())) as srv:
        yield srv


def test_case_types_and_their_forms(emulator):
    with authed(emulator.url) as c:
        types = c.get(f"{BASE}/casetypes").json()["caseTypes"]
        assert "CONF-Demo-Work-Request" in {t["ID"] for t in types}
        form = c.get(f"{BASE}/casetypes/CONF-Demo-Work-Request/actions/Submit")
        assert form.status_code == 200 and form.json()["uiResources"]["root"]["config"]["name"] == "Submit"
        assert c.get(f"{BASE}/casetypes/CONF-Demo-Work-Wizard/actions/Create").status_code == 200
        assert c.get(f"{BASE}/casetypes/Nope/actions/Submit").status_code == 404
        bulk = c.get(f"{BASE}/casetypes/CONF-Demo-Work-Request/bulk-actions/pyUpdateCaseDetails")
        assert bulk.status_code == 200 and bulk.json()["actionMetadata"]["enabled"] is True


def test_ancestors_and_descendants_follow_parent_case_id(emulator):
    with authed(emulator.url) as c:
        top = create(c)
        mid = c.post(f"{BASE}/cases", json={"caseTypeID": "CONF-Demo-Work-Request", "parentCaseID": top}).json()["ID"]
        low = c.post(f"{BASE}/cases", json={"caseTypeID": "CONF-Demo-Work-Request", "parentCaseID": mid}).json()["ID"]
        assert [a["ID"] for a in c.get(f"{BASE}/cases/{seg(low)}/ancestors").json()["ancestors"]] == [mid, top]
        tree = c.get(f"{BASE}/cases/{seg(top)}/descendants").json()["childCases"]
        assert [t["ID"] for t in tree] == [mid] and [t["ID"] for t in tree[0]["childCases"]] == [low]
        assert c.get(f"{BASE}/cases/{seg(top)}/ancestors").json()["ancestors"] == []
        assert c.get(f"{BASE}/cases/{seg('X-1')}/descendants").status_code == 404


def test_refresh_and_recalculate_commit_nothing_and_recalculate_is_etag_locked(emulator):
    with authed(emulator.url) as c:
        case_id = create(c)
        read = c.get(f"{BASE}/cases/{seg(case_id)}")
        etag = read.headers["ETag"]
        action = f"{BASE}/cases/{seg(case_id)}/actions/pyUpdateCaseDetails"
        r = c.patch(f"{action}/refresh", json={"content": {"pyLabel": "typed"}}, headers={"If-Match": etag})
        assert r.status_code == 200 and r.json()["data"]["caseInfo"]["content"]["pyLabel"] == "typed"
        calc = {"calculations": {"fields": [{"name": ".pyLabel", "context": "content"}]}, "content": {"pyLabel": "x"}}
        r = c.patch(f"{action}/recalculate", json=calc, headers={"If-Match": etag})
        assert r.status_code == 200 and r.json()["data"]["caseInfo"]["content"] == {"pyLabel": "x"}
        assert c.patch(f"{action}/recalculate", json=calc).status_code == 428
        assert c.patch(f"{action}/recalculate", json={"content": {}}, headers={"If-Match": etag}).status_code == 400
        aid = read.json()["data"]["caseInfo"]["assignments"][0]["ID"]
        r = c.patch(f"{BASE}/assignments/{seg(aid)}/actions/Submit/recalculate", json=calc,
                    headers={"If-Match": '"20200101T000000.000 GMT"'})
        assert r.status_code == 409
        r = c.post(f"{BASE}/cases/{seg(case_id)}/views/pyDetails/calculated_fields", json=calc)
        assert r.status_code == 200
        after = c.get(f"{BASE}/cases/{seg(case_id)}")
        assert after.headers["ETag"] == etag and after.json()["data"]["caseInfo"]["content"]["pyLabel"] == "t"


def test_lock_release_bulk_and_processes(emulator):
    with authed(emulator.url) as c:
        a, b = create(c), create(c)
        etag = c.get(f"{BASE}/cases/{seg(a)}").headers["ETag"]
        assert c.delete(f"{BASE}/cases/{seg(a)}/updates").status_code == 200
        assert c.get(f"{BASE}/cases/{seg(a)}").headers["ETag"] == etag
        assert c.delete(f"{BASE}/cases/{seg('X-1')}/updates").status_code == 404
        cases = [{"ID": a}, {"ID": "X-1"}, {"ID": b}]
        assert c.post(f"{BASE}/cases/bulk-actions", json={"cases": [{"ID": a}, {"ID": b}]}).json()["actions"]
        r = c.patch(f"{BASE}/cases", params={"actionID": "pyUpdateCaseDetails"},
                    json={"cases": cases, "content": {"pyLabel": "bulk"}})
        assert r.status_code == 207
        assert [(x["ID"], x["status"]) for x in r.json()["results"]] == [(a, 200), ("X-1", 404), (b, 200)]
        assert c.get(f"{BASE}/cases/{seg(b)}").json()["data"]["caseInfo"]["content"]["pyLabel"] == "bulk"
        assert c.patch(f"{BASE}/cases", json={"cases": cases}).status_code == 400
        etag = c.get(f"{BASE}/cases/{seg(a)}").headers["ETag"]
        r = c.post(f"{BASE}/cases/{seg(a)}/processes/CONF_FollowUp")
        assert r.status_code == 200 and r.headers["ETag"] != etag
        assert c.post(f"{BASE}/cases/{seg(a)}/processes/CONF_FollowUp",
                      headers={"If-Match": etag}).status_code == 409
        assert c.get(f"{BASE}/cases/{seg(a)}/views/pyDetails").status_code == 200
        assert c.get(f"{BASE}/cases/{seg(a)}/views/Nope").status_code == 404


def test_step_jump_and_assignment_action_removal(emulator):
    with authed(emulator.url) as c:
        case_id, aid, etag = wizard(c)
        step3 = f"{BASE}/assignments/{seg(aid)}/navigation_steps/AssignmentSF3"
        assert c.patch(step3, json={}).status_code == 428
        r = c.patch(step3, json={}, headers={"If-Match": etag})
        assert r.status_code == 200 and r.json()["data"]["caseInfo"]["assignments"][0]["actions"][0]["ID"] == "Step3"
        assert c.patch(step3, json={}, headers={"If-Match": etag}).status_code == 409  # now stale
        assert c.patch(f"{BASE}/assignments/{seg(aid)}/navigation_steps/Nope", json={},
                       headers={"If-Match": r.headers["ETag"]}).status_code == 404
        assert c.delete(f"{BASE}/assignments/{seg(aid)}/actions/Step3").status_code == 200
        assert c.delete(f"{BASE}/assignments/{seg(aid)}/actions/Step2").status_code == 404


def test_data_objects_metadata_and_savable_records(emulator):
    with authed(emulator.url) as c:
        assert {o["type"] for o in c.get(f"{BASE}/data_objects").json()["dataObjects"]} == {"data", "case"}
        assert c.get(f"{BASE}/data_objects", params={"type": "x"}).status_code == 400
        assert c.get(f"{BASE}/data_views/D_ConformanceRecords/metadata").json()["fields"]
        rec = f"{BASE}/data/D_ConformanceContact"
        assert c.put(rec, json={"data": {"ContactID": "c1", "Name": "A", "Email": "a@x"}}).status_code == 200
        assert c.patch(rec, json={"data": {"ContactID": "c1", "Name": "B"}}).json()["data"] == \
            {"ContactID": "c1", "Name": "B", "Email": "a@x"}
        key = {"dataViewParameters": json.dumps({"ContactID": "c1"})}
        assert c.delete(rec, params=key).status_code == 200
        assert c.delete(rec, params=key).status_code == 404
        assert c.patch(rec, json={"data": {"ContactID": "c1"}}).status_code == 404


def test_faults_of_the_new_requirements():
    faults = frozenset({"jump-accepts-stale", "recalc-accepts-missing-if-match", "lock-release-rollback",
                        "bulk-missing-result"})
    with ServerThread(create_app(EmulatorConfig(faults=faults))) as srv, authed(srv.url) as c:
        case_id, aid, etag = wizard(c)
        assert c.patch(f"{BASE}/assignments/{seg(aid)}/navigation_steps/AssignmentSF2", json={},
                       headers={"If-Match": '"20200101T000000.000 GMT"'}).status_code == 200
        calc = {"calculations": {"fields": [{"name": "pyLabel"}]}}
        assert c.patch(f"{BASE}/cases/{seg(case_id)}/actions/pyUpdateCaseDetails/recalculate",
                       json=calc).status_code == 200
        before = c.get(f"{BASE}/cases/{seg(case_id)}").headers["ETag"]
        c.delete(f"{BASE}/cases/{seg(case_id)}/updates")
        assert c.get(f"{BASE}/cases/{seg(case_id)}").headers["ETag"] != before
        other = create(c)
        r = c.patch(f"{BASE}/cases", params={"actionID": "pyUpdateCaseDetails"},
                    json={"cases": [{"ID": case_id}, {"ID": other}]})
        assert [x["ID"] for x in r.json()["results"]] == [case_id]


@pytest.mark.parametrize("group, method, path", [
    ("case-types", "GET", "/casetypes"), ("hierarchy", "GET", "/cases/{case}/ancestors"),
    ("lock-release", "DELETE", "/cases/{case}/updates"), ("bulk-actions", "POST", "/cases/bulk-actions"),
    ("optional-processes", "POST", "/cases/{case}/processes/CONF_FollowUp"),
    ("case-views", "GET", "/cases/{case}/views/pyDetails"),
    ("recalculate", "PATCH", "/cases/{case}/actions/pyUpdateCaseDetails/recalculate"),
    ("data-records", "GET", "/data_objects")])
def test_a_group_switched_off_answers_not_found(group, method, path):
    with ServerThread(create_app(EmulatorConfig(variants={group: "off"}))) as srv, authed(srv.url) as c:
        case_id = create(c)
        r = c.request(method, BASE + path.format(case=seg(case_id)), json={"cases": [{"ID": case_id}]})
        # what a server without the route answers: 404, or 405 where another route has the path
        assert r.status_code in (404, 405) and "errorClassification" in r.json(), (method, path)


@pytest.mark.parametrize("form, status", [("seed", 400), ("client", 201)])
def test_the_client_upload_form_per_variant(form, status):
    with ServerThread(create_app(EmulatorConfig(variants={"upload-form": form}))) as srv, authed(srv.url) as c:
        r = c.post(f"{BASE}/attachments/upload", files={"file": ("a.txt", b"x", "text/plain")},
                   data={"appendUniqueIdToFileName": "true"})
        assert r.status_code == status, r.text
        # seed 001's form without context is refused in both
        assert c.post(f"{BASE}/attachments/upload", files={"content": ("a.txt", b"x", "text/plain")}).status_code == 400
