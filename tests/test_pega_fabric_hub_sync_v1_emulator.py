"""The Fabric Hub sync emulator itself (in-process): two credential sets at one token endpoint,
the registration life cycle, batch rules and variants, the emulator-only read-back, bad input
never a 500, sync clients surviving a restart."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from conformance.emulators.common import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig
from conformance.emulators.pega_fabric_hub_sync_v1 import FAULTS, VARIANTS, create_app
from conformance.requirements import for_api

BASE = "/prweb/api/ppf/v1"
TOKEN = "/prweb/PRRestService/oauth2/v1/token"


def token(c: TestClient, client_id: str = DEMO_CLIENT_ID, secret: str = DEMO_CLIENT_SECRET):
    return c.post(TOKEN, data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def bearer(response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class Hub:
    def __init__(self, **config) -> None:
        self.c = TestClient(create_app(EmulatorConfig(**config)))
        self.admin = bearer(token(self.c))

    def register(self) -> str:
        r = self.c.post(f"{BASE}/registrations", json={"systemURL": "https://x.invalid", "applicationName": "app",
                                                       "productionLevel": 2}, headers=self.admin)
        assert r.status_code == 201 and r.json()["status"] == "Pending-Activation", r.text
        return r.json()["ID"]

    def act(self, reg: str, action: str):
        return self.c.post(f"{BASE}/registrations/{reg}/actions/{action}", headers=self.admin)

    def sync(self, reg: str | None = None) -> tuple[str, dict[str, str], dict]:
        reg = reg or self.register()
        creds = self.act(reg, "enablesync").json()
        return reg, bearer(token(self.c, creds["clientID"], creds["clientSecret"])), creds

    def stored(self, reg: str, kind: str = "tasks") -> list[dict]:
        r = self.c.get(f"/__emulator__/registrations/{reg}/{kind}", headers=self.admin)
        assert r.status_code == 200
        return r.json()["records"]


def items(n: int, prefix: str = "T") -> dict:
    return {"requests": [{"method": "POST", "body": {"ID": f"{prefix}{i}", "label": f"l{i}"}} for i in range(n)]}


def test_sync_credentials_are_issued_at_enablesync_and_differ():
    hub = Hub()
    reg, sync, creds = hub.sync()
    assert creds["clientID"] != DEMO_CLIENT_ID and creds["clientSecret"] != DEMO_CLIENT_SECRET
    assert hub.c.get(f"{BASE}/registrations/{reg}", headers=hub.admin).json()["status"] == "Sync-InProgress"
    assert hub.c.post(f"{BASE}/tasks/batch", json=items(1), headers=sync).status_code == 202
    assert hub.c.post(f"{BASE}/tasks/batch", json=items(1), headers=hub.admin).status_code == 403
    assert hub.c.get(f"{BASE}/registrations", headers=sync).status_code == 403  # sync client is no admin
    assert hub.c.post(f"{BASE}/tasks/batch", json=items(1)).status_code == 401


def test_disablesync_revokes_token_and_credentials():
    hub = Hub()
    reg, sync, creds = hub.sync()
    assert hub.act(reg, "disablesync").json()["status"] == "Pending-Activation"
    assert hub.c.put(f"{BASE}/tasks/T1", json={"label": "x"}, headers=sync).status_code == 403
    assert token(hub.c, creds["clientID"], creds["clientSecret"]).status_code == 401
    # a new enablesync issues new credentials that work
    _, sync2, creds2 = hub.sync(reg)
    assert creds2["clientID"] != creds["clientID"]
    assert hub.c.put(f"{BASE}/tasks/T1", json={"label": "x"}, headers=sync2).status_code == 202


def end_loads(hub: Hub, sync: dict, kinds=("workqueues", "operators", "tasks")) -> None:
    for kind in kinds:
        assert hub.c.post(f"{BASE}/{kind}/batch?preactivationData=true&preactivationDataLast=true",
                          headers=sync).status_code == 202


def test_life_cycle_and_edit_rules():
    hub = Hub()
    reg = hub.register()
    assert hub.c.patch(f"{BASE}/registrations/{reg}", json={"applicationLabel": "a"}, headers=hub.admin).status_code == 200
    assert hub.act(reg, "disablesync").status_code == 409
    assert hub.act(reg, "disable").status_code == 409  # only Active registrations
    _, sync, _ = hub.sync(reg)
    assert hub.c.patch(f"{BASE}/registrations/{reg}", json={"applicationLabel": "b"}, headers=hub.admin).status_code == 409
    end_loads(hub, sync, ("workqueues", "operators"))
    assert hub.c.get(f"{BASE}/registrations/{reg}", headers=hub.admin).json()["status"] == "Sync-InProgress"
    end_loads(hub, sync, ("tasks",))
    assert hub.c.get(f"{BASE}/registrations/{reg}", headers=hub.admin).json()["status"] == "Active"
    assert hub.c.patch(f"{BASE}/registrations/{reg}", json={"applicationLabel": "c"}, headers=hub.admin).status_code == 200
    assert hub.act(reg, "disable").json()["status"] == "Resolved-Disabled"
    assert hub.c.post(f"{BASE}/tasks", json={"ID": "T9"}, headers=sync).status_code == 202  # sync goes on
    assert hub.c.patch(f"{BASE}/registrations/{reg}", json={"applicationLabel": "b"}, headers=hub.admin).status_code == 409
    listed = {r["ID"] for r in hub.c.get(f"{BASE}/registrations", headers=hub.admin).json()["registrations"]}
    assert reg not in listed
    assert hub.act(reg, "enable").json()["status"] == "Active"
    assert hub.c.get(f"{BASE}/registrations/REG-0", headers=hub.admin).status_code == 404


def test_delete_only_in_the_documented_states_and_takes_the_data_along():
    hub = Hub()
    reg, sync, _ = hub.sync()
    hub.c.post(f"{BASE}/tasks/batch", json=items(2), headers=sync)
    assert hub.c.delete(f"{BASE}/registrations/{reg}", headers=hub.admin).status_code == 409
    assert hub.act(reg, "disablesync").json()["status"] == "Pending-Activation"
    gone = hub.c.delete(f"{BASE}/registrations/{reg}", headers=hub.admin)
    assert gone.status_code == 200 and gone.content == b""
    assert hub.c.get(f"{BASE}/registrations/{reg}", headers=hub.admin).status_code == 404
    assert hub.c.delete(f"{BASE}/registrations/{reg}", headers=hub.admin).status_code == 404
    assert hub.c.delete(f"{BASE}/registrations/{reg}").status_code == 401
    off = Hub(variants={"registration-delete": "off"})
    assert off.c.delete(f"{BASE}/registrations/{off.register()}", headers=off.admin).status_code == 405


def test_batch_limit_initial_load_end_and_read_back():
    hub = Hub()
    reg, sync, _ = hub.sync()
    assert hub.c.post(f"{BASE}/tasks/batch", json=items(50), headers=sync).status_code == 202
    over = hub.c.post(f"{BASE}/tasks/batch", json=items(51, "X"), headers=sync)
    assert over.status_code == 400 and "50" in over.json()["errors"][0]["message"]
    assert hub.c.post(f"{BASE}/tasks/batch?preactivationData=true&preactivationDataLast=true",
                      headers=sync).status_code == 202
    stored = hub.stored(reg)
    assert len(stored) == 50 and not any(r["ID"].startswith("X") for r in stored)
    assert hub.c.get(f"/__emulator__/registrations/{reg}/tasks").status_code == 401
    stamp = hub.c.get(f"{BASE}/registrations/{reg}", headers=hub.admin).json()["lastTaskSyncedDateTime"]
    assert stamp.endswith(" GMT") and stamp[8] == "T"


@pytest.mark.parametrize("mode,status,stored", [("per-item", 202, {"T0", "T2"}), ("whole-batch", 400, set())])
def test_malformed_items_per_variant(mode, status, stored):
    hub = Hub(variants={"malformed": mode})
    reg, sync, _ = hub.sync()
    batch = {"requests": [{"method": "POST", "body": {"ID": "T0"}}, {"method": "DELETE", "body": {"ID": "T1"}},
                          {"method": "PUT", "body": {"ID": "T2"}}, 7]}
    r = hub.c.post(f"{BASE}/tasks/batch", json=batch, headers=sync)
    assert r.status_code == status
    assert {e["index"] for e in r.json()["errors"]} == {1, 3}
    assert {s["ID"] for s in hub.stored(reg)} == stored


def test_same_id_one_record_put_replaces_and_association_actions():
    hub = Hub()
    reg, sync, _ = hub.sync()
    hub.c.post(f"{BASE}/tasks/batch", json={"requests": [{"method": "POST", "body": {"ID": "T", "label": "a"}},
                                                          {"method": "PUT", "body": {"ID": "T", "label": "b"}}]},
               headers=sync)
    hub.c.put(f"{BASE}/tasks/T", json={"label": "c"}, headers=sync)
    assert hub.stored(reg) == [{"ID": "T", "label": "c"}]
    # the default takes any action on either path (VF: "PUT /associations[/{ID}]")
    for action, category in (("create", "x"), ("update", "y")):
        hub.c.put(f"{BASE}/associations/A", json={"action": action, "category": category}, headers=sync)
        assert [a["category"] for a in hub.stored(reg, "associations")] == [category]
    hub.c.put(f"{BASE}/associations", json={"ID": "A", "action": "delete"}, headers=sync)
    assert hub.stored(reg, "associations") == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"requests": 5}', b'"text"'])
def test_bad_input_answers_400_never_500(body):
    hub = Hub()
    _, sync, _ = hub.sync()
    for path in ("/tasks/batch", "/tasks", "/cases/C1", "/registrations"):
        method = "PUT" if path == "/cases/C1" else "POST"
        if body.startswith(b'{"') and path != "/tasks/batch":
            continue  # an object with an ID from the path, or without required fields: not this test's input
        headers = hub.admin if path == "/registrations" else sync
        r = hub.c.request(method, BASE + path, content=body, headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["errors"], (path, r.status_code)


def test_an_id_that_is_a_list_is_refused_and_fault_id_list_500_fails_it():
    for faults, expected in ((frozenset(), 400), (frozenset({"id-list-500"}), 500)):
        hub = Hub(faults=faults)
        _, sync, _ = hub.sync()
        for method, path in (("POST", "/tasks"), ("POST", "/cases"), ("PUT", "/associations")):
            body = {"ID": ["T1"], "action": "create"} if path == "/associations" else {"ID": ["T1"]}
            assert hub.c.request(method, BASE + path, json=body, headers=sync).status_code == expected, path
        # the fault touches lists only
        assert hub.c.post(BASE + "/tasks", json={"ID": "T1"}, headers=sync).status_code == 202


def test_sync_clients_survive_a_restart(tmp_path):
    db = str(tmp_path / "hub.sqlite3")
    hub = Hub(db_path=db)
    reg, _, creds = hub.sync()
    again = TestClient(create_app(EmulatorConfig(db_path=db)))
    sync = bearer(token(again, creds["clientID"], creds["clientSecret"]))
    assert again.post(f"{BASE}/cases", json={"ID": "C"}, headers=sync).status_code == 202


def test_registry_covers_every_requirement_and_rejects_bad_variants():
    assert {f.breaks for f in FAULTS.values()} == {r.id for r in for_api("pega-fabric-hub-sync-v1")}
    assert all(v.default in v.choices for v in VARIANTS.values())
    with pytest.raises(ValueError, match="malformed"):
        create_app(EmulatorConfig(variants={"malformed": "sometimes"}))
    with pytest.raises(ValueError, match="unknown fault"):
        create_app(EmulatorConfig(faults=frozenset({"nope"})))


def test_chaos_modes_apply_and_spare_the_token_endpoint():
    c = TestClient(create_app(EmulatorConfig(chaos=frozenset({"wrong-content-type"}))))
    admin = bearer(token(c))
    r = c.get(f"{BASE}/registrations", headers=admin)
    assert r.headers["content-type"].startswith("text/html")


def test_a_deleted_registrations_id_is_never_given_out_again():
    hub = Hub()
    first = hub.register()
    assert hub.c.delete(f"{BASE}/registrations/{first}", headers=hub.admin).status_code == 200
    assert hub.register() != first
