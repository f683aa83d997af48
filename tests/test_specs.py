"""Static checks of the hand-authored OpenAPI documents in ``specs/``.

* every YAML file in ``specs/`` is a valid OpenAPI document;
* every example embedded in a document (media-type ``example``/``examples``,
  parameter and header examples, schema-level ``example``/``examples``) validates
  against its schema, with ``#/components/...`` references resolved inside the
  same document (JSON Schema Draft 2020-12);
* the example walk found something, and the example validator demonstrably
  rejects a broken example.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import jsonschema
import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPECS_DIR = Path(__file__).resolve().parents[1] / "specs"
SPEC_FILES = sorted(p for p in SPECS_DIR.glob("*") if p.suffix in {".yaml", ".yml"})

# Base URI under which a whole OpenAPI document is registered as one JSON Schema
# resource, so that "#/components/schemas/X" inside any of its schemas resolves.
_BASE_URI = "urn:conformance:spec"

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# JSON Schema keywords whose value is a single subschema / a list / a map of them.
_SCHEMA_SINGLE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties",
)
_SCHEMA_LIST = ("prefixItems", "allOf", "anyOf", "oneOf")
_SCHEMA_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _ptr(*parts: Any) -> str:
    """JSON pointer (RFC 6901) from raw path segments."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _get(doc: Any, pointer: str) -> Any:
    node = doc
    for raw in pointer.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


@dataclass(frozen=True)
class Example:
    spec: str  # file name in specs/
    where: str  # JSON pointer of the example value's owner in the document
    schema_pointer: str  # JSON pointer of the schema it must satisfy
    value: Any

    @property
    def test_id(self) -> str:
        return f"{self.spec}#{self.where}"


# --------------------------------------------------------------------------- walk


def _walk_schema(doc: dict, spec: str, pointer: str, schema: Any) -> Iterator[Example]:
    """Schema-level ``example`` / ``examples`` in a schema and its subschemas."""
    if not isinstance(schema, dict) or "$ref" in schema:
        # A $ref'd target is walked where it is defined (components/schemas).
        return
    if "example" in schema:
        yield Example(spec, _ptr_join(pointer, "example"), pointer, schema["example"])
    if isinstance(schema.get("examples"), list):
        for i, value in enumerate(schema["examples"]):
            yield Example(spec, _ptr_join(pointer, "examples", i), pointer, value)
    for key in _SCHEMA_SINGLE:
        if isinstance(schema.get(key), dict):
            yield from _walk_schema(doc, spec, _ptr_join(pointer, key), schema[key])
    for key in _SCHEMA_LIST:
        for i, sub in enumerate(schema.get(key) or []):
            yield from _walk_schema(doc, spec, _ptr_join(pointer, key, i), sub)
    for key in _SCHEMA_MAP:
        for name, sub in (schema.get(key) or {}).items():
            yield from _walk_schema(doc, spec, _ptr_join(pointer, key, name), sub)


def _ptr_join(pointer: str, *parts: Any) -> str:
    return pointer + _ptr(*parts)


def _resolve_local(doc: dict, obj: Any) -> Any:
    """Follow local ``$ref``s of non-schema objects (Example Objects)."""
    seen = set()
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), f"only local references are supported: {ref}"
        assert ref not in seen, f"reference cycle at {ref}"
        seen.add(ref)
        obj = _get(doc, ref[1:])
    return obj


def _walk_holder(doc: dict, spec: str, pointer: str, holder: Any) -> Iterator[Example]:
    """A Media Type, Parameter or Header Object: has a schema and examples."""
    if not isinstance(holder, dict) or "$ref" in holder:
        return  # walked where it is defined (components/...)
    if "schema" in holder:
        schema_pointer = _ptr_join(pointer, "schema")
        if "example" in holder:
            yield Example(spec, _ptr_join(pointer, "example"), schema_pointer, holder["example"])
        for name, ex in (holder.get("examples") or {}).items():
            resolved = _resolve_local(doc, ex)
            if "value" in resolved:
                yield Example(spec, _ptr_join(pointer, "examples", name), schema_pointer, resolved["value"])
        yield from _walk_schema(doc, spec, schema_pointer, holder["schema"])
    # Parameters and headers may carry a content map instead of a schema.
    for media, mt in (holder.get("content") or {}).items():
        yield from _walk_holder(doc, spec, _ptr_join(pointer, "content", media), mt)


def _walk_response(doc: dict, spec: str, pointer: str, response: Any) -> Iterator[Example]:
    if not isinstance(response, dict) or "$ref" in response:
        return
    for name, header in (response.get("headers") or {}).items():
        yield from _walk_holder(doc, spec, _ptr_join(pointer, "headers", name), header)
    for media, mt in (response.get("content") or {}).items():
        yield from _walk_holder(doc, spec, _ptr_join(pointer, "content", media), mt)


def _walk_request_body(doc: dict, spec: str, pointer: str, body: Any) -> Iterator[Example]:
    if not isinstance(body, dict) or "$ref" in body:
        return
    for media, mt in (body.get("content") or {}).items():
        yield from _walk_holder(doc, spec, _ptr_join(pointer, "content", media), mt)


def _walk_path_item(doc: dict, spec: str, pointer: str, item: Any) -> Iterator[Example]:
    if not isinstance(item, dict) or "$ref" in item:
        return
    for i, param in enumerate(item.get("parameters") or []):
        yield from _walk_holder(doc, spec, _ptr_join(pointer, "parameters", i), param)
    for method in _HTTP_METHODS:
        op = item.get(method)
        if not isinstance(op, dict):
            continue
        op_ptr = _ptr_join(pointer, method)
        for i, param in enumerate(op.get("parameters") or []):
            yield from _walk_holder(doc, spec, _ptr_join(op_ptr, "parameters", i), param)
        if "requestBody" in op:
            yield from _walk_request_body(doc, spec, _ptr_join(op_ptr, "requestBody"), op["requestBody"])
        for status, response in (op.get("responses") or {}).items():
            yield from _walk_response(doc, spec, _ptr_join(op_ptr, "responses", status), response)
        for cb_name, callback in (op.get("callbacks") or {}).items():
            for expr, cb_item in (callback or {}).items():
                yield from _walk_path_item(doc, spec, _ptr_join(op_ptr, "callbacks", cb_name, expr), cb_item)


def collect_examples(doc: dict, spec: str) -> list[Example]:
    found: list[Example] = []
    for key in ("paths", "webhooks"):
        for path, item in (doc.get(key) or {}).items():
            found.extend(_walk_path_item(doc, spec, _ptr(key, path), item))
    comps = doc.get("components") or {}
    for name, schema in (comps.get("schemas") or {}).items():
        found.extend(_walk_schema(doc, spec, _ptr("components", "schemas", name), schema))
    for section in ("parameters", "headers"):
        for name, holder in (comps.get(section) or {}).items():
            found.extend(_walk_holder(doc, spec, _ptr("components", section, name), holder))
    for name, body in (comps.get("requestBodies") or {}).items():
        found.extend(_walk_request_body(doc, spec, _ptr("components", "requestBodies", name), body))
    for name, response in (comps.get("responses") or {}).items():
        found.extend(_walk_response(doc, spec, _ptr("components", "responses", name), response))
    for name, item in (comps.get("pathItems") or {}).items():
        found.extend(_walk_path_item(doc, spec, _ptr("components", "pathItems", name), item))
    return found


# ---------------------------------------------------------------------- validate


def example_validator(doc: dict, schema_pointer: str) -> Draft202012Validator:
    """Validator for the schema at ``schema_pointer`` inside ``doc``.

    The whole document is registered as one Draft 2020-12 resource, so local
    references (``#/components/schemas/...``) anywhere below the schema resolve
    against the document root.
    """
    registry = Registry().with_resource(_BASE_URI, DRAFT202012.create_resource(doc))
    fragment = quote(schema_pointer, safe="/~!$&'()*+,;=:@")
    return Draft202012Validator(
        {"$ref": f"{_BASE_URI}#{fragment}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def validate_example(doc: dict, example: Example) -> None:
    """Raise ``jsonschema.ValidationError`` if the example breaks its schema."""
    validator = example_validator(doc, example.schema_pointer)
    errors = sorted(validator.iter_errors(example.value), key=lambda e: list(e.absolute_path))
    if errors:
        raise errors[0]


_DOCS = {p.name: _load(p) for p in SPEC_FILES}
EXAMPLES = [ex for name, doc in _DOCS.items() for ex in collect_examples(doc, name)]


# ------------------------------------------------------------------------- tests


@pytest.mark.parametrize("spec_path", SPEC_FILES, ids=lambda p: p.name)
def test_spec_is_valid_openapi(spec_path: Path) -> None:
    validate(_load(spec_path))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: ex.test_id)
def test_example_matches_schema(example: Example) -> None:
    doc = _DOCS[example.spec]
    validator = example_validator(doc, example.schema_pointer)
    errors = list(validator.iter_errors(example.value))
    if errors:
        lines = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
        pytest.fail(f"{example.test_id} violates {example.schema_pointer}:\n" + "\n".join(lines))


def test_spec_files_present() -> None:
    assert SPEC_FILES, f"no YAML specs found in {SPECS_DIR}"


def test_example_walk_found_examples() -> None:
    # Guards against the parametrized example test passing vacuously.
    assert EXAMPLES, "the example walk found no examples in specs/*.yaml"


# --- negative tests: the validator really rejects broken examples (Pega DX v2) ---

PEGA = "pega-dx-v2.yaml"


def _pega_example(where: str) -> Example:
    matches = [ex for ex in EXAMPLES if ex.spec == PEGA and ex.where == where]
    assert len(matches) == 1, f"expected exactly one example at {where}, found {len(matches)}"
    return matches[0]


@pytest.mark.skipif(PEGA not in _DOCS, reason=f"{PEGA} not present")
def test_validator_rejects_case_example_missing_required_key() -> None:
    doc = _DOCS[PEGA]
    good = _pega_example(_ptr("paths", "/cases/{caseID}", "get", "responses", "200",
                              "content", "application/json", "examples", "seed000Case"))
    validate_example(doc, good)  # the untouched example passes

    broken_value = copy.deepcopy(good.value)
    del broken_value["data"]["caseInfo"]["lastUpdateTime"]
    assert good.value["data"]["caseInfo"]["lastUpdateTime"]  # original untouched
    with pytest.raises(jsonschema.ValidationError, match="lastUpdateTime"):
        validate_example(doc, Example(good.spec, good.where, good.schema_pointer, broken_value))


@pytest.mark.skipif(PEGA not in _DOCS, reason=f"{PEGA} not present")
def test_validator_rejects_create_request_example_missing_case_type() -> None:
    doc = _DOCS[PEGA]
    good = _pega_example(_ptr("paths", "/cases", "post", "requestBody",
                              "content", "application/json", "examples", "basic"))
    broken_value = copy.deepcopy(good.value)
    del broken_value["caseTypeID"]
    with pytest.raises(jsonschema.ValidationError, match="caseTypeID"):
        validate_example(doc, Example(good.spec, good.where, good.schema_pointer, broken_value))


@pytest.mark.skipif(PEGA not in _DOCS, reason=f"{PEGA} not present")
def test_validator_rejects_malformed_etag_example() -> None:
    doc = _DOCS[PEGA]
    good = _pega_example(_ptr("components", "headers", "ETag", "example"))
    validate_example(doc, good)
    broken = Example(good.spec, good.where, good.schema_pointer, "2025-01-17T14:48:33.923Z")
    with pytest.raises(jsonschema.ValidationError):
        validate_example(doc, broken)


@pytest.mark.skipif(PEGA not in _DOCS, reason=f"{PEGA} not present")
def test_pega_if_match_operations_declare_conflict_codes() -> None:
    """vendor-facts: every If-Match operation declares 409, 412 and 428; every
    operation declares 401 and the optional x-origin-channel header."""
    doc = _DOCS[PEGA]
    params = doc["components"]["parameters"]
    problems = []
    for path, item in doc["paths"].items():
        for method in _HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            names = {_resolve_local(doc, p)["name"].lower()
                     for p in (item.get("parameters") or []) + (op.get("parameters") or [])}
            codes = set(op["responses"])
            if "401" not in codes:
                problems.append(f"{method.upper()} {path}: no 401")
            if params["XOriginChannel"]["name"] not in names:
                problems.append(f"{method.upper()} {path}: no x-origin-channel header")
            if "if-match" in names and not {"409", "412", "428"} <= codes:
                problems.append(f"{method.upper()} {path}: If-Match without 409/412/428")
    assert not problems, "\n".join(problems)
