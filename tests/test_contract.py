"""conformance.contract: loading a document once, finding operations, judging responses,
and clear errors (file, line and column, JSON pointer) for the user's mistakes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from conformance import contract
from conformance.contract import (
    NO_BODY, Contract, ContractError, Problem, RecordingError, SpecError, UnknownOperation, load, read_json,
)

SPECS = Path(__file__).resolve().parents[1] / "specs"

# A small document with every feature the module reads: a server base path, literal and
# templated paths, $ref'd and inline responses, headers, a range and a default status.
DOC = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "https://example.test/api/v2"}],
    "paths": {
        "/items": {
            "post": {
                "responses": {
                    "201": {
                        "description": "created",
                        "headers": {
                            "ETag": {"$ref": "#/components/headers/ETag"},
                            "Location": {"required": False, "schema": {"type": "string"}},
                        },
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    },
                    "4XX": {"$ref": "#/components/responses/Error"},
                },
            },
        },
        "/items/next": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/items/{itemID}": {
            "parameters": [{"$ref": "#/components/parameters/ItemID"}],
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}},
                            "text/*": {"schema": {"type": "string"}},
                        },
                    },
                    "default": {"$ref": "#/components/responses/Error"},
                },
            },
            "put": {"responses": {"204": {"description": "no body"}}},
        },
        "/items/{itemID}/parts/{partID}": {
            "parameters": [{"$ref": "#/components/parameters/ItemID"},
                           {"name": "partID", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": {"200": {"description": "ok"}}},
        },
        "/items/{itemID}/parts/first": {
            "parameters": [{"$ref": "#/components/parameters/ItemID"}],
            "get": {"responses": {"200": {"description": "ok"}}},
        },
    },
    "components": {
        "parameters": {"ItemID": {"name": "itemID", "in": "path", "required": True, "schema": {"type": "string"}}},
        "headers": {
            "ETag": {"required": True, "schema": {"type": "string", "pattern": '^"[0-9]+"$'}},
        },
        "responses": {
            "Error": {
                "description": "error",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}},
            },
        },
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["ID", "stages"],
                "properties": {
                    "ID": {"type": "string"},
                    "count": {"type": ["integer", "string"]},
                    "stages": {"type": "array", "items": {"$ref": "#/components/schemas/Stage"}},
                    "links": {"type": "object", "additionalProperties": {"type": "string"}},
                    "kind": {"anyOf": [{"type": "integer"}, {"type": "object", "required": ["name"]}]},
                },
            },
            "Stage": {
                "type": "object",
                "required": ["ID"],
                "properties": {"ID": {"type": "string"}, "status": {"enum": ["past", "active"]}},
            },
        },
    },
}

GOOD_ITEM = {"ID": "I-1", "stages": [{"ID": "S1", "status": "active"}]}


def _write(tmp_path: Path, doc: object, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def c(tmp_path_factory: pytest.TempPathFactory) -> Contract:
    """Read-only for the tests: a Contract holds no state a test could change."""
    return Contract.from_file(_write(tmp_path_factory.mktemp("doc"), DOC))


def _doc(**changes: object) -> dict:
    import copy
    doc = copy.deepcopy(DOC)
    for dotted, value in changes.items():
        node = doc
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return doc


def _no_traceback_context(exc: BaseException) -> None:
    """A user's mistake is said in one message: no chained library exception behind it."""
    assert exc.__suppress_context__ and exc.__cause__ is None


# --------------------------------------------------------------------------- public surface


def test_public_surface_is_pinned():
    assert sorted(contract.__all__) == sorted([
        "Contract", "ContractError", "NO_BODY", "Operation", "Problem", "RecordingError", "SpecError",
        "UnknownOperation", "load", "pointer", "read_json",
    ])
    assert issubclass(SpecError, ContractError) and issubclass(RecordingError, ContractError)
    assert issubclass(UnknownOperation, ContractError)


@pytest.mark.parametrize("spec", sorted(p.name for p in SPECS.glob("*.yaml")))
def test_the_projects_specs_load_and_pass_the_checks(spec):
    c = load(SPECS / spec)
    assert c.operations() and c.base_paths


def test_load_parses_a_file_once_and_again_after_it_changes(tmp_path):
    path = _write(tmp_path, DOC)
    first = load(path)
    assert load(path) is first
    path.write_text(yaml.safe_dump(_doc(info={"title": "t2", "version": "2"})), encoding="utf-8")
    os.utime(path, ns=(first_ns := path.stat().st_mtime_ns + 10_000_000, first_ns))
    assert load(path) is not first


# --------------------------------------------------------------------------- bad documents


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    path = _write(tmp_path, "openapi: 3.1.0\npaths:\n  /x: [unclosed\n", "broken.yaml")
    with pytest.raises(SpecError) as err:
        load(path)
    assert str(path) in str(err.value)
    assert ":4:1:" in str(err.value) or ":3:" in str(err.value)
    assert "not valid YAML" in str(err.value)
    _no_traceback_context(err.value)


def test_json_syntax_error_names_file_and_position(tmp_path):
    path = _write(tmp_path, '{"openapi": "3.1.0",\n "paths": {,}}\n', "broken.json")
    with pytest.raises(SpecError, match=r"broken\.json:2:\d+: not valid YAML or JSON"):
        load(path)


@pytest.mark.parametrize(("text", "message"), [
    ("- a list\n", "top level is not a mapping"),
    ("openapi: 3.0.3\npaths: {}\n", "only OpenAPI 3.1"),
    ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n", "/paths: missing"),
])
def test_document_that_is_not_openapi_31_is_refused_by_name(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(SpecError, match=message) as err:
        load(path)
    assert str(path) in str(err.value)


def test_missing_spec_file_is_named(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load(tmp_path / "absent.yaml")


def test_invalid_schema_is_reported_at_its_json_pointer(tmp_path):
    doc = _doc()
    doc["components"]["schemas"]["Stage"]["properties"]["ID"]["type"] = "strng"
    with pytest.raises(SpecError) as err:
        load(_write(tmp_path, doc))
    assert "/components/schemas/Stage/properties/ID/type: not a valid JSON Schema" in str(err.value)
    _no_traceback_context(err.value)


def test_invalid_inline_schema_is_reported_at_its_json_pointer(tmp_path):
    doc = _doc()
    doc["paths"]["/items/{itemID}"]["get"]["responses"]["200"]["content"]["text/*"]["schema"] = {"minLength": -1}
    with pytest.raises(SpecError, match=r"/paths/~1items~1\{itemID\}/get/responses/200/content/text~1\*/schema/minLength"):
        load(_write(tmp_path, doc))


def test_dangling_ref_is_reported_where_it_is_written(tmp_path):
    doc = _doc()
    doc["components"]["schemas"]["Item"]["properties"]["stages"]["items"]["$ref"] = "#/components/schemas/Nope"
    with pytest.raises(SpecError) as err:
        load(_write(tmp_path, doc))
    assert "/components/schemas/Item/properties/stages/items: $ref '#/components/schemas/Nope' does not resolve" in str(err.value)
    _no_traceback_context(err.value)


def test_reference_to_another_file_is_refused(tmp_path):
    doc = _doc()
    doc["components"]["schemas"]["Stage"] = {"$ref": "other.yaml#/Stage"}
    with pytest.raises(SpecError, match="only references inside the same document"):
        load(_write(tmp_path, doc))


def test_openapi_structure_error_names_its_pointer(tmp_path):
    doc = _doc()
    del doc["paths"]["/items/next"]["get"]["responses"]["200"]["description"]
    with pytest.raises(SpecError, match=r"/paths/~1items~1next/get/responses/200: not valid OpenAPI 3.1: .*description"):
        load(_write(tmp_path, doc))


def test_a_ref_in_an_example_is_data_not_a_reference(tmp_path):
    doc = _doc()
    doc["components"]["schemas"]["Stage"]["example"] = {"ID": "S", "$ref": "#/nowhere"}
    load(_write(tmp_path, doc))


# --------------------------------------------------------------------------- recordings


def test_read_json_names_file_line_and_column(tmp_path):
    path = tmp_path / "rec.json"
    path.write_text('{\n  "a": 1,\n  "b": oops\n}\n', encoding="utf-8")
    with pytest.raises(RecordingError, match=r"rec\.json:3:8: not JSON: Expecting value") as err:
        read_json(path)
    _no_traceback_context(err.value)


def test_read_json_missing_and_undecodable_files(tmp_path):
    with pytest.raises(RecordingError, match=r"absent\.json: no such file"):
        read_json(tmp_path / "absent.json")
    (tmp_path / "latin1.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(RecordingError, match=r"latin1\.json: not UTF-8 text"):
        read_json(tmp_path / "latin1.json")


def test_read_json_reads_json(tmp_path):
    (tmp_path / "ok.json").write_text('{"a": [1, "x"]}', encoding="utf-8")
    assert read_json(tmp_path / "ok.json") == {"a": [1, "x"]}


# --------------------------------------------------------------------------- finding operations


def test_operation_by_method_and_template(c):
    op = c.operation("post", "/items")
    assert (op.method, op.path, op.pointer) == ("POST", "/items", "/paths/~1items/post")


def test_unknown_operation_names_the_document_and_its_paths(c):
    with pytest.raises(UnknownOperation) as err:
        c.operation("PATCH", "/items")
    assert "no operation PATCH /items" in str(err.value) and str(c.source) in str(err.value)
    with pytest.raises(UnknownOperation, match="its GET paths: /items/next"):
        c.operation("GET", "/nothing")


@pytest.mark.parametrize(("method", "url", "template"), [
    ("POST", "/api/v2/items", "/items"),
    ("GET", "/api/v2/items/next", "/items/next"),  # a literal segment beats {itemID}
    ("GET", "/api/v2/items/I-1", "/items/{itemID}"),
    ("PUT", "/api/v2/items/next", "/items/{itemID}"),  # /items/next has no PUT
    ("GET", "https://host.test/api/v2/items/A%2FB?view=page", "/items/{itemID}"),  # encoded "/" stays in one segment
    ("GET", "/api/v2/items/A%20B/parts/first", "/items/{itemID}/parts/first"),
    ("GET", "/api/v2/items/A/parts/P-2", "/items/{itemID}/parts/{partID}"),
])
def test_match_concrete_urls_most_specific_wins(c, method, url, template):
    op = c.match(method, url)
    assert op is not None and op.path == template


@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/items/I-1"),  # not under the server's base path
    ("GET", "/api/v2/items/I-1/extra/x/y"),
    ("DELETE", "/api/v2/items/I-1"),
    ("GET", "/api/v2"),
])
def test_match_answers_none_for_what_the_document_does_not_have(c, method, url):
    assert c.match(method, url) is None


# --------------------------------------------------------------------------- statuses


def test_status_exact_range_and_default(c):
    post = c.operation("POST", "/items")
    assert post.response_key(201) == "201"
    assert post.response_key(404) == "4XX"
    assert post.response_key(500) is None
    assert c.operation("GET", "/items/{itemID}").response_key(503) == "default"


def test_undocumented_status_is_a_problem(c):
    problems = c.operation("POST", "/items").validate(299, GOOD_ITEM)
    assert problems == [Problem("status", "$", "status",
                                "POST /items does not document status 299 (documented: 201, 4XX)")]


def test_range_and_default_bodies_are_judged(c):
    assert c.operation("POST", "/items").validate(409, {"message": "stale"}) == []
    assert [p.path for p in c.operation("POST", "/items").validate(409, {})] == ["$.message"]
    assert [p.keyword for p in c.operation("GET", "/items/{itemID}").validate(502, {"message": 1})] == ["type"]


# --------------------------------------------------------------------------- bodies


def test_conforming_body_has_no_problems(c):
    assert c.operation("POST", "/items").validate(201, GOOD_ITEM) == []


def test_missing_required_member_is_named_by_its_own_path(c):
    body = {"ID": "I-1", "stages": [{"ID": "S1"}, {"status": "past"}]}
    problems = c.operation("GET", "/items/{itemID}").validate(200, body)
    assert problems == [Problem("body", "$.stages[1].ID", "required", "required member 'ID' is missing")]


def test_every_missing_member_is_named_once(c):
    problems = c.operation("GET", "/items/{itemID}").validate(200, {})
    assert [(p.path, p.keyword) for p in problems] == [("$.ID", "required"), ("$.stages", "required")]


def test_type_problem_names_expected_and_actual_json_types(c):
    body = dict(GOOD_ITEM, count=[1], ID={"big": "object"})
    problems = c.operation("GET", "/items/{itemID}").validate(200, body)
    assert [str(p) for p in problems] == [
        "$.ID: expected string, got object (type)",
        "$.count: expected integer or string, got array (type)",
    ]


def test_enum_problem_at_nested_array_member(c):
    body = {"ID": "I", "stages": [{"ID": "S", "status": "completed"}]}
    (problem,) = c.operation("GET", "/items/{itemID}").validate(200, body)
    assert (problem.path, problem.keyword) == ("$.stages[0].status", "enum")
    assert "'completed' is not one of ['past', 'active']" in problem.message


def test_odd_member_names_are_quoted_in_the_path(c):
    body = dict(GOOD_ITEM, links={"download/delete": 5})
    (problem,) = c.operation("GET", "/items/{itemID}").validate(200, body)
    assert problem.path == "$.links['download/delete']"


def test_anyof_with_one_alternative_of_the_right_type_reports_its_problems(c):
    problems = c.operation("GET", "/items/{itemID}").validate(200, dict(GOOD_ITEM, kind={}))
    assert problems == [Problem("body", "$.kind.name", "required", "required member 'name' is missing")]


def test_anyof_of_like_alternatives_names_each_ones_first_problem(c):
    body = {"ID": "I", "stages": [{"ID": "S", "status": "active"}], "kind": "text"}
    (problem,) = c.operation("GET", "/items/{itemID}").validate(200, body)
    assert (problem.path, problem.keyword) == ("$.kind", "anyOf")
    assert problem.message == ("fits none of its 2 alternatives: [0] $.kind: expected integer, got string (type); "
                               "[1] $.kind: expected object, got string (type)")


def test_messages_are_one_short_line(c):
    long = "x" * 5000
    body = {"ID": "I", "stages": [{"ID": "S", "status": long + "\n" + long}]}
    (problem,) = c.operation("GET", "/items/{itemID}").validate(200, body)
    assert "\n" not in problem.message and len(problem.message) <= 200


def test_body_not_judged_without_body_or_without_declared_content(c):
    assert c.operation("POST", "/items").validate(201) == []
    assert c.operation("POST", "/items").validate(201, NO_BODY) == []
    assert c.operation("PUT", "/items/{itemID}").validate(204, {"anything": 1}) == []


def test_json_null_is_a_body(c):
    assert [p.keyword for p in c.operation("POST", "/items").validate(201, None)] == ["type"]


# --------------------------------------------------------------------------- media types and headers


def test_media_type_parameters_and_wildcards(c):
    op = c.operation("GET", "/items/{itemID}")
    assert op.validate(200, GOOD_ITEM, content_type="application/json; charset=UTF-8") == []
    assert op.validate(200, "plain text", content_type="text/plain") == []
    (problem,) = op.validate(200, GOOD_ITEM, content_type="application/xml")
    assert (problem.location, problem.keyword) == ("content-type", "content")
    assert "application/xml not documented for 200" in problem.message


def test_headers_required_case_insensitive_and_schema_checked(c):
    op = c.operation("POST", "/items")
    assert op.validate(201, GOOD_ITEM, headers={"etag": '"123"'}) == []
    assert op.validate(201, GOOD_ITEM, headers={"Location": "/x"}) == [
        Problem("header", "ETag", "required", "required header ETag is missing")]
    (problem,) = op.validate(201, headers={"ETag": "123"})
    assert (problem.location, problem.path, problem.keyword) == ("header", "ETag", "pattern")
    assert str(problem).startswith("header ETag: ")


def test_validators_are_built_once_per_schema(c):
    op = c.operation("POST", "/items")
    at = op.schema_pointer(201)
    assert at == "/paths/~1items/post/responses/201/content/application~1json/schema"
    assert c.validator(at) is c.validator(at)
    assert c.operation("POST", "/items").schema_pointer(404) == "/components/responses/Error/content/application~1json/schema"
    assert op.schema_pointer(500) is None


def test_lookup_by_pointer(c):
    assert c.lookup("/components/schemas/Stage")["required"] == ["ID"]
    with pytest.raises(SpecError, match="/components/schemas/Nope does not exist"):
        c.lookup("/components/schemas/Nope")


def test_a_member_named_like_a_data_keyword_is_still_checked(tmp_path):
    doc = _doc()
    doc["components"]["schemas"]["Stage"]["properties"]["default"] = {"type": "strng"}
    with pytest.raises(SpecError, match="/components/schemas/Stage/properties/default/type"):
        load(_write(tmp_path, doc))
