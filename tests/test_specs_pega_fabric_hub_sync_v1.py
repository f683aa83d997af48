"""specs/pega-fabric-hub-sync-v1.yaml: valid OpenAPI 3.1, every example valid against its
schema, and the documentation's contradictions admitted (both forms validate)."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
from openapi_spec_validator import validate
from test_specs import _load, collect_examples, example_validator, validate_example  # tests/ is on sys.path

SPEC = Path(__file__).resolve().parents[1] / "specs" / "pega-fabric-hub-sync-v1.yaml"
DOC = _load(SPEC)
EXAMPLES = collect_examples(DOC, SPEC.name)


def test_spec_is_valid_openapi() -> None:
    validate(DOC)


def test_examples_found_for_every_publication_resource() -> None:
    where = " ".join(ex.test_id for ex in EXAMPLES)
    for path in ("/tasks/batch", "/workqueues/batch", "/operators/batch", "/cases/batch", "/associations/batch",
                 "/registrations", "/token"):
        assert path.replace("/", "~1") in where or path in where, path


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: ex.test_id)
def test_example_matches_schema(example) -> None:
    validate_example(DOC, example)


def _schema(name: str):
    return example_validator(DOC, f"/components/schemas/{name}")


def test_documented_contradictions_are_all_admitted() -> None:
    reg = {"ID": "REG-22951", "status": "Open-SyncProgress", "productionLevel": "2"}
    _schema("Registration").validate(reg)  # VF: string in responses, samples' status name
    _schema("Registration").validate({**reg, "status": "Sync-InProgress", "productionLevel": 2})
    _schema("RegistrationRequest").validate({"systemURL": "x", "applicationName": "a", "productionLevel": 2})
    for kind in ("GET", "Get"):  # VF: action type spelled both ways
        _schema("Task").validate({"ID": "T", "priority": "10.0", "actions": [{"type": kind}]})


def test_validator_rejects_broken_examples() -> None:
    with pytest.raises(jsonschema.ValidationError):
        _schema("Task").validate({"ID": "T", "createDateTime": "2021-01-12T10:13:28.528Z"})  # not the Pega form
    with pytest.raises(jsonschema.ValidationError):
        _schema("Association").validate({"ID": "A", "action": "remove"})
    body = copy.deepcopy(DOC["paths"]["/tasks/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert body["properties"]["requests"]["maxItems"] == 50  # VF: at most 50 per batch


def test_emulator_inspection_view_is_not_part_of_the_spec() -> None:
    assert not any(p.startswith("/__emulator__") for p in DOC["paths"])
