"""The Fabric Hub suite's client over a real emulator socket: the sync token flow goes through
the one Session (logged, redacted), cleanup disables registrations and deletes associations,
and the target model's cross-field rules."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from conformance.emulators.common import EmulatorConfig, ServerThread
from conformance.emulators.pega_fabric_hub_sync_v1 import create_app
from conformance.http import ExchangeLog, Session
from conformance.ledger import Ledger
from conformance.suites.pega_fabric_hub_sync_v1 import payloads
from conformance.suites.pega_fabric_hub_sync_v1.client import HubApi, credentials
from conformance.suites.pega_fabric_hub_sync_v1.test_property import tag_ids
from conformance.target import TargetError, parse

TARGET = Path(__file__).resolve().parents[1] / "conformance" / "targets" / "fabric-hub-emulator.toml"
SECRET = "Distinctive-Admin-Secret-42"


def target_for(url: str, **caps):
    data = tomllib.loads(TARGET.read_text().replace("http://127.0.0.1:8811", url))
    data["capabilities"].update(caps)
    return parse(data, env={"HUB_CLIENT_SECRET": SECRET})


@pytest.fixture(scope="module")
def server():
    with ServerThread(create_app(EmulatorConfig(client_secret=SECRET))) as srv:
        yield srv


def test_sync_flow_is_logged_and_redacted_and_cleanup_retires(server, tmp_path):
    target = target_for(server.url)
    log = ExchangeLog(tmp_path / "ex.jsonl")
    with Session(target, log) as session:
        ledger = Ledger(session)
        hub = HubApi(session, target, ledger, "CONF-test")
        client = hub.syncing_registration()
        assoc = hub.new_id("A")
        assert hub.publish(client, "associations", payloads.association(assoc), method="PUT").status == 202
        assert hub.batch(client, "tasks", [{"method": "POST", "body": payloads.task(hub.new_id("T"))}]).status == 202
        assert [r["ID"] for r in hub.stored(client.registration, "associations")[0]] == [assoc]
        cleanup = ledger.cleanup()
        # Pega's delete page: DELETE /registrations/{ID} after disablesync (Pending-Activation here)
        assert hub.get(client.registration).status == 404
    assert not cleanup["remaining"] and len(cleanup["retired"]) == 1
    how = cleanup["retired"][0]["how"]
    assert how.startswith("deleted") and "deleted 1 association" in how
    text = (tmp_path / "ex.jsonl").read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert any(r["method"] == "PUT" and f"/associations/{assoc}" in r["url"] for r in records)
    assert any(r["url"].endswith("/oauth2/v1/token") and "client_id=SYNC-" in r["request_body"] for r in records)
    # neither secret nor any token reaches the log
    assert SECRET not in text and client.secret not in text and client.token not in text
    assert "[REDACTED]" in text


def test_cleanup_without_delete_disables_an_active_registration_and_reports_what_remains(server, tmp_path):
    target = target_for(server.url, registration_delete=False)
    with Session(target, ExchangeLog(tmp_path / "ex.jsonl")) as session:
        ledger = Ledger(session)
        hub = HubApi(session, target, ledger, "CONF-test")
        client = hub.activate()
        assert hub.batch(client, "tasks", [{"method": "POST", "body": payloads.task(hub.new_id("T"))}]).status == 202
        pending, _ = hub.new_registration()
        cleanup = ledger.cleanup()
        assert hub.status(client.registration)[0] == "Pending-Activation" and hub.status(pending)[0] == "Pending-Activation"
    assert not cleanup["retired"] and len(cleanup["remaining"]) == 2
    hows = " | ".join(r["how"] for r in cleanup["remaining"])
    assert "1 tasks remain" in hows and "no delete" in hows and "left Pending-Activation" in hows


def test_credentials_accepts_the_spellings_and_refuses_incomplete_answers():
    assert credentials({"clientID": "a", "clientSecret": "b"}) == ("a", "b")
    assert credentials({"client_id": "a", "secret": "b"}) == ("a", "b")
    assert credentials({"clientID": "a"}) is None and credentials("text") is None


def test_generated_ids_get_the_run_tag():
    body = {"requests": [{"method": "POST", "body": {"ID": "x", "actions": [{"ID": "y"}]}}], "ID": 5}
    tagged = tag_ids(body, "CONF-r")
    assert tagged["requests"][0]["body"]["ID"] == "CONF-r-x"
    assert tagged["requests"][0]["body"]["actions"][0]["ID"] == "CONF-r-y"
    assert tagged["ID"] == 5
    assert payloads.PEGA_TIME.match(payloads.pega_time()) and payloads.PEGA_TIME.match("20210112T101328.528 GMT")


def test_target_model_names_the_bad_keys():
    with pytest.raises(TargetError, match="inspection_url"):
        data = tomllib.loads(TARGET.read_text())
        del data["fixtures"]["inspection_url"]
        parse(data, env={})
    with pytest.raises(TargetError, match="sync_client_auth"):
        data = tomllib.loads(TARGET.read_text())
        data["fixtures"]["sync_client_auth"] = "cookie"
        parse(data, env={})


def test_every_requirement_is_verified_by_a_test():
    import re

    from conformance.requirements import for_api

    suite = Path(__file__).resolve().parents[1] / "conformance" / "suites" / "pega_fabric_hub_sync_v1"
    text = "\n".join(p.read_text() for p in suite.glob("test_*.py"))
    marked = {rid for args in re.findall(r"@pytest\.mark\.requirement\(([^)]*)\)", text)
              for rid in re.findall(r'"([A-Z]+-[A-Z]+-\d{3})"', args)}
    assert marked == {r.id for r in for_api("pega-fabric-hub-sync-v1")}
