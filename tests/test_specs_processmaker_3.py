"""specs/processmaker-3.yaml: valid OpenAPI 3.1, every example valid against its schema, every
seed 004 endpoint present, and the documentation's contradictions decided as info.description says
(admitted ones validate, the ID_DRAFT / ID_PRIORITY_N samples do not)."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
from openapi_spec_validator import validate
from test_specs import _load, collect_examples, example_validator, validate_example  # tests/ is on sys.path

SPEC = Path(__file__).resolve().parents[1] / "specs" / "processmaker-3.yaml"
DOC = _load(SPEC)
EXAMPLES = collect_examples(DOC, SPEC.name)


def test_spec_is_valid_openapi() -> None:
    validate(DOC)


def test_every_seed_endpoint_is_described() -> None:
    lists = ["/cases", "/cases/draft", "/cases/participated", "/cases/unassigned", "/cases/paused",
             "/cases/advanced-search"]
    expected = {(p, "get") for p in lists} | {(p + "/paged", "get") for p in lists} | {
        ("/cases/{app_uid}", "get"), ("/cases/{app_uid}/current-task", "get"), ("/cases/{app_uid}/tasks", "get"),
        ("/case/start-cases", "get"), ("/cases", "post"), ("/cases/impersonate", "post"),
        ("/cases/{app_uid}/reassign-case", "put"), ("/cases/reassign", "post"), ("/cases/{app_uid}/route-case", "put"),
        ("/cases/{app_uid}/cancel", "put"), ("/cases/{app_uid}/pause", "put"), ("/cases/{app_uid}/unpause", "put"),
        ("/cases/{app_uid}/execute-trigger/{tri_uid}", "put"), ("/cases/{app_uid}", "delete"),
        # VF: notes, variables, input documents
        ("/cases/{app_uid}/notes", "get"), ("/cases/{app_uid}/notes/paged", "get"), ("/cases/{app_uid}/note", "post"),
        ("/cases/{app_uid}/variables", "get"), ("/cases/{app_uid}/variable", "put"),
        ("/cases/{app_uid}/input-documents", "get"), ("/cases/{app_uid}/input-document", "post"),
        ("/cases/{app_uid}/{del_index}/input-document/{app_doc_uid}", "delete"), ("/oauth2/token", "post"),
    }
    present = {(p, m) for p, item in DOC["paths"].items() for m in item if m in ("get", "post", "put", "delete")}
    assert expected <= present, expected - present


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: ex.test_id)
def test_example_matches_schema(example) -> None:
    validate_example(DOC, example)


def _schema(name: str):
    return example_validator(DOC, f"/components/schemas/{name}")


CASE = DOC["components"]["schemas"]["CaseObject"]["example"]


def test_seed_samples_contradicting_the_text_are_refused() -> None:
    # inconsistencies 1 and 2: the draft/paged sample's ID_DRAFT and ID_PRIORITY_N
    for key, value in (("app_status", "ID_DRAFT"), ("app_status", "**ID_DRAFT**"), ("del_priority", "ID_PRIORITY_N")):
        with pytest.raises(jsonschema.ValidationError):
            _schema("CaseObject").validate({**CASE, key: value})


def test_documented_alternatives_are_admitted() -> None:
    # inconsistency 3: `process`/`category` and start 0; 6: start echoed as offset + 1
    _schema("Page").validate({"start": 0, "limit": 1, "total": 25, "process": "", "category": "", "search": "",
                              "data": [CASE]})
    # inconsistency 4: the batch reassign success sample is a JSON string
    _schema("BatchReassignResult").validate('{"cases": {"0": {"APP_UID": "x", "DEL_INDEX": 2}}}')
    _schema("BatchReassignResult").validate({"cases": [{"app_uid": "x", "del_index": 2, "result": 0,
                                                        "status": "DELEGATION_NOT_EXISTS"}]})


def test_case_numbers_are_strings_in_case_objects_and_numbers_on_create() -> None:
    with pytest.raises(jsonschema.ValidationError):
        _schema("CaseObject").validate({**CASE, "app_number": 1})
    _schema("NewCaseResult").validate({"app_uid": "72820966053275dc14650d6041630056", "app_number": 49})


def test_a_broken_example_is_rejected() -> None:
    page = copy.deepcopy(DOC["components"]["schemas"]["AdvancedSearchPage"]["example"])
    del page["data"][0]["app_uid"]
    with pytest.raises(jsonschema.ValidationError):
        _schema("AdvancedSearchPage").validate(page)


def test_info_lists_the_documented_inconsistencies() -> None:
    text = DOC["info"]["description"]
    assert "Documented inconsistencies" in text and "ID_DRAFT" in text and "0-based" in text
