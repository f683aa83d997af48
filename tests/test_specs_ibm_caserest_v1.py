"""specs/ibm-caserest-v1.yaml: a valid OpenAPI 3.1 document whose every example validates
against its schema (the generic walk in tests/test_specs.py), and whose schemas reject what
the documents rule out."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate

from test_specs import Example, _ptr, collect_examples, validate_example

SPEC = Path(__file__).resolve().parents[1] / "specs" / "ibm-caserest-v1.yaml"
DOC = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
EXAMPLES = collect_examples(DOC, SPEC.name)


def test_spec_is_valid_openapi():
    validate(DOC)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: ex.where)
def test_example_matches_schema(example):
    validate_example(DOC, example)


def _example(where: str) -> Example:
    found = [ex for ex in EXAMPLES if ex.where == where]
    assert len(found) == 1, where
    return found[0]


def test_seed_samples_are_embedded():
    # seed 003's request and response samples, made valid JSON
    req = _example(_ptr("paths", "/casetype/{caseType}", "post", "requestBody", "content", "application/json",
                        "examples", "seed003Dependent"))
    assert {p["SymbolicName"] for p in req.value["Properties"]} >= {"DH2_State", "DH2_City", "DH2_MVInt"}
    res = _example(_ptr("paths", "/casetype/{caseType}", "post", "responses", "200", "content", "application/json",
                        "examples", "seed003"))
    assert [c["value"] for c in res.value["properties"][0]["choiceList"]["choices"]] == [
        "Los Angeles", "San Diego", "San Francisco"]


def test_validator_rejects_created_case_without_folder_id():
    good = _example(_ptr("paths", "/cases", "post", "responses", "201", "content", "application/json",
                         "examples", "vf"))
    bad = copy.deepcopy(good.value)
    del bad["CaseFolderId"]
    with pytest.raises(jsonschema.ValidationError, match="CaseFolderId"):
        validate_example(DOC, Example(good.spec, good.where, good.schema_pointer, bad))


def test_validator_rejects_error_without_text_and_admits_both_spellings():
    good = _example(_ptr("components", "responses", "Error", "content", "application/json", "examples", "vf"))
    camel = _example(_ptr("components", "responses", "Error", "content", "application/json", "examples",
                          "statusTables"))
    assert "userMessage" in camel.value  # VF: both spellings are documented
    bad = copy.deepcopy(good.value)
    del bad["UserMessage"]["Text"]
    with pytest.raises(jsonschema.ValidationError):
        validate_example(DOC, Example(good.spec, good.where, good.schema_pointer, bad))


def test_every_operation_requires_target_object_store_and_declares_400_401_404():
    problems = []
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put"}:
                continue
            params = [p.get("$ref", "") for p in op.get("parameters", []) + item.get("parameters", [])]
            body_ref = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                        .get("schema", {}).get("$ref", ""))
            body_tos = body_ref and "TargetObjectStore" in DOC["components"]["schemas"][body_ref.rsplit("/", 1)[1]].get(
                "required", [])
            # acmdv112: GET /solutions lists no parameter; acmdv121delcase: POST /deletecase's is `tos`, in the body
            if (method, path) in {("get", "/solutions"), ("post", "/deletecase")}:
                body_tos = True
            if "#/components/parameters/TargetObjectStore" not in params and not body_tos:
                problems.append(f"{method.upper()} {path}: TargetObjectStore not required")
            if not {"400", "401", "404", "500"} <= set(op["responses"]):
                problems.append(f"{method.upper()} {path}: 400/401/404/500 not all declared")
    assert not problems, problems
