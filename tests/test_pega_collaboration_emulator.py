"""The Pega DX v2 emulator's case collaboration operations (participants and roles, followers, tags,
related cases, documents): stateful in SQLite, eTag-locked participant writes, documented error
bodies for bad input, each group switched off by its variant."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from conformance.emulators.common import EmulatorConfig, ServerThread
from conformance.emulators.pega_dx_v2 import create_app
from test_emulator import BASE, authed, create  # tests/ is on sys.path


@pytest.fixture(scope="module")
def emulator():
    with ServerThread(create_app(EmulatorConfig())) as srv:
        yield srv


def case_url(case_id: str) -> str:
    return f"{BASE}/cases/{quote(case_id, safe='')}"


def etag_of(client, case_id: str) -> str:
    return client.get(case_url(case_id)).headers["ETag"]


def test_participants_round_trip_with_etag_lock(emulator):
    with authed(emulator.url) as c:
        case_id = create(c)
        url = case_url(case_id)
        roles = c.get(f"{url}/participant_roles").json()["participantRoles"]
        role = roles[0]["ID"]
        assert c.get(f"{url}/participant_roles/{role}").json()["data"]["participantRoleInfo"]["ID"] == role
        assert "uiResources" not in c.get(f"{url}/participant_roles/{role}", params={"viewType": "none"}).json()
        body = {"content": {"pyFirstName": "Ada", "pyLastName": "Lovelace"}, "participantRoleID": role}
        assert c.post(f"{url}/participants", json=body).status_code == 428  # no If-Match
        stale = etag_of(c, case_id)
        added = c.post(f"{url}/participants", json=body, headers={"If-Match": stale})
        assert added.status_code == 201, added.text
        assert added.headers["ETag"] != stale
        pid = added.json()["data"]["participantInfo"]["ID"]
        # the old eTag is stale now: refused, nothing added
        assert c.post(f"{url}/participants", json=body, headers={"If-Match": stale}).status_code == 409
        assert [p["ID"] for p in c.get(f"{url}/participants").json()["participants"]] == [pid]
        patched = c.patch(f"{url}/participants/{pid}", json={"content": {"pyEmail1": "ada@example.com"}},
                          headers={"If-Match": etag_of(c, case_id)})
        assert patched.status_code == 200
        info = c.get(f"{url}/participants/{pid}").json()["data"]["participantInfo"]
        assert info["content"] == {"pyFirstName": "Ada", "pyLastName": "Lovelace", "pyEmail1": "ada@example.com"}
        gone = c.delete(f"{url}/participants/{pid}", headers={"If-Match": etag_of(c, case_id)})
        assert gone.status_code == 200 and gone.headers["ETag"]
        assert c.get(f"{url}/participants").json()["participants"] == []
        assert c.get(f"{url}/participants/{pid}").status_code == 404


@pytest.mark.parametrize("body,status", [
    ({"content": {}}, 400),                                       # no participantRoleID
    ({"participantRoleID": "Owner"}, 400),                        # no content
    ({"content": [], "participantRoleID": "Owner"}, 400),         # content not an object
    ({"content": {}, "participantRoleID": "NoSuchRole"}, 422),    # not a role of the case type
    ({"content": {"pyFirstName": 5}, "participantRoleID": "Owner"}, 422),
])
def test_participant_bad_input_is_refused_with_the_error_body(emulator, body, status):
    with authed(emulator.url) as c:
        case_id = create(c)
        r = c.post(f"{case_url(case_id)}/participants", json=body, headers={"If-Match": etag_of(c, case_id)})
        assert r.status_code == status and r.json()["errorDetails"]


def test_followers_multi_status_and_round_trip(emulator):
    with authed(emulator.url) as c:
        case_id = create(c)
        url = case_url(case_id)
        user = c.get(url).json()["data"]["caseInfo"]["createdBy"]
        r = c.post(f"{url}/followers", json={"users": [{"ID": user}, {"ID": "nobody-here"}]})
        assert r.status_code == 207
        assert [(i["ID"], i["status"]) for i in r.json()] == [(user, "201"), ("nobody-here", "400")]
        assert c.post(f"{url}/followers", json={"users": [{"ID": user}]}).json()[0]["status"] == "409"
        assert [f["ID"] for f in c.get(f"{url}/followers").json()["followers"]] == [user]
        assert c.delete(f"{url}/followers/{quote(user, safe='')}").status_code == 200
        assert c.get(f"{url}/followers").json()["followers"] == []
        assert c.delete(f"{url}/followers/{quote(user, safe='')}").status_code == 404
        assert c.post(f"{url}/followers", json={"users": []}).status_code == 400


def test_tags_and_related_cases_round_trip(emulator):
    with authed(emulator.url) as c:
        case_id, other, third = create(c), create(c), create(c)
        url = case_url(case_id)
        added = c.post(f"{url}/tags", json={"tags": [{"Name": "urgent"}]})
        assert added.status_code == 207 and added.json()[0]["status"] == "201"
        tag_id = c.get(f"{url}/tags").json()["tags"][0]["ID"]
        deleted = c.delete(f"{url}/tags/{tag_id}")
        assert deleted.status_code == 200 and deleted.headers["content-type"].startswith("text/plain")
        assert c.get(f"{url}/tags").json()["tags"] == []
        assert c.post(f"{url}/tags", json={"tags": [{"Name": f"t{i}"} for i in range(51)]}).status_code == 400
        r = c.post(f"{url}/related_cases", json={"cases": [{"ID": other}, {"ID": third}, {"ID": "NO SUCH CASE"}]})
        assert [i["status"] for i in r.json()] == ["201", "201", "404"]
        assert c.delete(f"{url}/related_cases/{quote(other, safe='')}").status_code == 200
        assert [i["ID"] for i in c.get(f"{url}/related_cases").json()["relatedCases"]] == [third]


def test_documents_are_served_and_unlinked_per_case(emulator):
    with authed(emulator.url) as c:
        case_id = create(c)
        r = c.get(f"{BASE}/documents/DOC-CONF-0001")
        assert r.status_code == 200 and base64.b64decode(r.text).startswith(b"Welcome")
        assert c.get(f"{BASE}/documents/NO-SUCH-DOC").status_code == 404
        assert c.delete(f"{case_url(case_id)}/documents/DOC-CONF-0001").status_code == 200
        assert c.delete(f"{case_url(case_id)}/documents/DOC-CONF-0001").status_code == 404


def test_groups_off_are_not_routed():
    off = {g: "off" for g in ("participants", "followers", "tags", "related-cases", "documents")}
    with ServerThread(create_app(EmulatorConfig(variants=off))) as srv, authed(srv.url) as c:
        url = case_url(create(c))
        for path in ("participants", "participant_roles", "followers", "tags", "related_cases"):
            assert c.get(f"{url}/{path}").status_code == 404
        assert c.get(f"{BASE}/documents/DOC-CONF-0001").status_code == 404
