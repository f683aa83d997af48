"""The Fabric Hub suite's property test: what it generates, which writes also get members of
the wrong JSON type, and which of its generated writes go side by side."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conformance.suites.pega_fabric_hub_sync_v1.test_property import (WRONG_TYPE_OPERATIONS, _independent, _names,
                                                                      _steer_registration, schema)

ROOT = Path(__file__).resolve().parents[1]


def test_property_test_generates_every_operation_but_the_token():
    spec = yaml.safe_load((ROOT / "specs" / "pega-fabric-hub-sync-v1.yaml").read_text(encoding="utf-8"))
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item
                  if m in {"get", "post", "put", "delete", "patch"}}
    generated = {(op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())}
    # the token endpoint lives under another base path and every run exercises it
    assert generated == documented - {("POST", "/token")}
    assert set(WRONG_TYPE_OPERATIONS) <= generated


def _case(path: str, params: dict | None = None, body=None, query: dict | None = None) -> SimpleNamespace:
    return SimpleNamespace(path=path, path_parameters=params, body=body, query=query)


BATCH = {"requests": [{"method": "POST", "body": {"ID": "T-1"}}, {"method": "PUT", "body": {"ID": "T-2"}}]}


@pytest.mark.parametrize(("case", "steered", "sent", "side_by_side"), [
    (_case("/registrations", body={"applicationName": "A"}), False, set(), True),  # the Hub picks the new ID
    (_case("/registrations/{ID}", {"ID": "x9"}), False, set(), True),  # a generated ID: 404 whenever it arrives
    (_case("/registrations/{ID}", {"ID": "x9"}), False, {("registrations", "x9")}, False),  # drawn twice
    (_case("/registrations/{ID}/actions/disable", {"ID": "REG-1"}), True, set(), False),  # the run's own
    (_case("/tasks/batch", body=BATCH), False, {("tasks", "T-3")}, True),
    (_case("/tasks/batch", body=BATCH), False, {("tasks", "T-2")}, False),  # one of its records was sent
    (_case("/cases/{ID}", {"ID": "C-1"}, {"ID": "C-1"}), True, set(), False),  # a record this run published
    (_case("/workqueues/batch", query={"preactivationDataLast": "true"}), False, set(), False),  # a load's end
    (_case("/operators/batch", body={"requests": []}, query={"preactivationData": "true"}), False, set(), True),
])
def test_only_generated_writes_that_name_nothing_of_the_run_go_side_by_side(case, steered, sent, side_by_side):
    assert _independent(case, steered, sent) is side_by_side


def test_a_write_names_its_path_id_and_every_record_of_its_body():
    assert _names(_case("/tasks/batch", body=BATCH)) == {("tasks", "T-1"), ("tasks", "T-2")}
    assert _names(_case("/tasks/{ID}", {"ID": "T-9"}, {"ID": 7})) == {("tasks", "T-9"), ("tasks", "7")}
    assert _names(_case("/registrations", body={"ID": "R"})) == set()  # a registration body names no record


@pytest.mark.parametrize(("method", "sent_id", "goes_to"), [
    ("DELETE", "REG-22951", "CONF-T-REG-1"),  # the spec's example may be someone's registration on a shared Hub
    ("POST", "REG-7", "CONF-T-REG-1"),  # .../actions/disable
    ("GET", "REG-22951", "REG-22951"),  # a read changes nothing
    ("DELETE", "x9", "x9"),  # a generated ID that names no registration stays as generated
])
def test_a_write_to_a_registration_not_of_this_run_goes_to_an_id_with_the_run_tag(method, sent_id, goes_to):
    case = SimpleNamespace(method=method, path="/registrations/{ID}", path_parameters={"ID": sent_id}, body=None,
                           meta=None)
    hub = SimpleNamespace(new_id=lambda what: f"CONF-T-{what}-1")
    assert _steer_registration(case, hub, own=None) is False
    assert case.path_parameters["ID"] == goes_to
