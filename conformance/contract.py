"""Response contracts: does a response fit what an OpenAPI 3.1 document says of it?

One small public API, used by the suite's own tests (tests/test_corpus.py judges real
recorded traffic with it) and meant for passive runs, which judge traffic that real
clients already exchanged with a server:

    contract = load("specs/pega-dx-v2.yaml")            # parsed and checked once, cached
    op = contract.operation("PATCH", "/assignments/{assignmentID}/actions/{actionID}")
    op = contract.match("GET", "/prweb/api/application/v2/cases/W-1")   # a concrete URL
    problems = op.validate(200, body, headers={"ETag": '"20250117T144833.923 GMT"'})
    for p in problems:
        print(p)            # $.data.caseInfo.status: expected string, got integer (type)

`validate` answers a list of `Problem`s, empty when the response conforms: is the status
documented (exact code, else an `2XX`-style range, else `default`), are the declared
headers there and valid, is the media type documented, and does the body fit the schema
of that status and media type (JSON Schema 2020-12 through `jsonschema` and
`referencing`, `#/...` references resolved inside the same document; one validator per
schema, built once). A body is first tried on a compiled validator of the same schema
(`jsonschema_rs`, the Rust validator schemathesis itself ships), which only answers "valid";
every problem, and every verdict of "invalid", comes from `jsonschema`, so the problems and
their messages are the same with or without the fast path.

Mistakes in the input are `ContractError`s whose message names the file and where in it:
`SpecError` for a document that cannot be read, parsed (line and column), or used (the
JSON pointer of a bad schema or a dangling `$ref`), `RecordingError` for a recorded body
that is not JSON (line and column), `UnknownOperation` for a (method, template) pair the
document does not have.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import quote, unquote, urlsplit

import yaml
from jsonschema import Draft202012Validator

try:  # the compiled fast path; without it every body goes through jsonschema alone
    import jsonschema_rs
except ImportError:  # pragma: no cover - a dependency of schemathesis, so normally there
    jsonschema_rs = None
from jsonschema.exceptions import SchemaError, ValidationError
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

__all__ = [
    "Contract", "ContractError", "NO_BODY", "Operation", "Problem", "RecordingError", "SpecError",
    "UnknownOperation", "load", "pointer", "read_json",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keys under which a document holds data, not OpenAPI or JSON Schema structure: a "$ref"
# or "schema" inside an example is only a value.
_DATA_KEYS = frozenset({"example", "examples", "default", "const", "enum"})

_MESSAGE_LIMIT = 200


class ContractError(Exception):
    """A spec, recording or request the contract cannot work with; the message says which and where."""


class SpecError(ContractError):
    """The OpenAPI document cannot be read, parsed, or used."""


class RecordingError(ContractError):
    """A recorded response body cannot be read or is not JSON."""


class UnknownOperation(ContractError, KeyError):
    """The document has no such (method, path template)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class _NoBody:
    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Any = _NoBody()
"""`validate(..., body=NO_BODY)` (the default): the body is not judged, only status and headers."""


@dataclass(frozen=True)
class Problem:
    """One way a response departs from the document.

    `location` is "status", "header", "content-type" or "body"; `path` is the JSON path of
    the offending body member (`$.data.caseInfo.stages[0].visited_status`; for a missing
    required member, the member's own path), the header's name, or "$"; `keyword` is the
    JSON Schema keyword that failed (or "status", "content", "required" for a header);
    `message` is one line."""

    location: str
    path: str
    keyword: str
    message: str

    def __str__(self) -> str:
        where = self.path if self.location == "body" else f"{self.location} {self.path}".rstrip(" $")
        return f"{where}: {self.message} ({self.keyword})"


# --------------------------------------------------------------------------- reading input


def _read_text(p: Path, error: type[ContractError]) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise error(f"{p}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{p}: cannot read: {exc.strerror}") from None


def read_json(path: str | os.PathLike[str]) -> Any:
    """A recorded body from a file; RecordingError naming the file (and line, column) otherwise."""
    p = Path(path)
    text = _read_text(p, RecordingError)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordingError(f"{p}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None


def _read_document(p: Path) -> dict[str, Any]:
    text = _read_text(p, SpecError)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # YAML is a superset of JSON: .json specs too
    try:
        doc = yaml.load(text, Loader=loader)  # noqa: S506 -- a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        what = " ".join(filter(None, (exc.context, exc.problem)))
        raise SpecError(f"{p}{where}: not valid YAML or JSON: {what}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{p}: not valid YAML or JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise SpecError(f"{p}: not an OpenAPI document (the top level is not a mapping)")
    version = str(doc.get("openapi", ""))
    if not version.startswith("3.1"):
        raise SpecError(f"{p}: openapi {version or '(missing)'}: only OpenAPI 3.1 documents are read")
    if not isinstance(doc.get("paths"), dict):
        raise SpecError(f"{p}: /paths: missing or not a mapping")
    return doc


# --------------------------------------------------------------------------- pointers


def pointer(*parts: Any) -> str:
    """JSON pointer (RFC 6901) from raw path segments."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _walk(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, node) of the document's structure, examples and defaults left out
    (a member *named* "example" under `properties` is structure, and is walked)."""
    yield here, node
    if isinstance(node, dict):
        names = bool(here) and here[-1] in ("properties", "patternProperties")
        for key, value in node.items():
            if names or key not in _DATA_KEYS:
                yield from _walk(value, here + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, here + (i,))


def _is_schema_position(path: tuple[Any, ...]) -> bool:
    """Where OpenAPI 3.1 puts a Schema Object: components/schemas/<name> or a `schema` member."""
    if len(path) == 3 and path[:2] == ("components", "schemas"):
        return True
    return bool(path) and path[-1] == "schema" and not (len(path) >= 2 and path[-2] == "properties")


# --------------------------------------------------------------------------- the contract


@dataclass(frozen=True)
class _Template:
    path: str
    segments: tuple[re.Pattern[str] | str, ...]  # a literal, or a pattern for a templated segment
    rank: tuple[int, ...]  # 1 per literal segment, 0 per templated one: more literal (earlier) wins

    @classmethod
    def parse(cls, path: str) -> "_Template":
        segments: list[re.Pattern[str] | str] = []
        for raw in path.strip("/").split("/") if path.strip("/") else []:
            if "{" in raw:
                parts = re.split(r"(\{[^}/]+\})", raw)
                segments.append(re.compile("".join(
                    ".+" if part.startswith("{") else re.escape(part) for part in parts if part) + r"\Z"))
            else:
                segments.append(raw)
        return cls(path, tuple(segments), tuple(int(isinstance(s, str)) for s in segments))

    def matches(self, segments: list[str]) -> bool:
        if len(segments) != len(self.segments):
            return False
        return all(s == mine if isinstance(mine, str) else mine.match(s) is not None
                   for s, mine in zip(segments, self.segments))


class Contract:
    """An OpenAPI 3.1 document, loaded and checked once, that judges responses."""

    def __init__(self, document: dict[str, Any], source: str = "<document>", *, check: bool = True) -> None:
        self.document = document
        self.source = source
        self._base = f"urn:conformance:contract:{id(self)}"
        self._registry = Registry().with_resource(self._base, Resource.from_contents(
            document, default_specification=DRAFT202012))
        self._resolver = self._registry.resolver(self._base)
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, Any] = {}  # schema pointer -> a compiled validator's is_valid, or None
        self._fast_registry: Any = None
        self._operations: dict[tuple[str, str], Operation] = {}
        if check:
            self._check()
        for path, item in (document.get("paths") or {}).items():
            item, at = self.locate(item, pointer("paths", path))
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    self._operations[(method.upper(), path)] = Operation(
                        self, method.upper(), path, item[method], at + pointer(method))
        self._templates = [_Template.parse(path) for path in document.get("paths") or {}]
        # the templates `match` tries for (method, segment count): only those can match a path of that length
        self._by_shape: dict[tuple[str, int], list[_Template]] = {}
        for t in self._templates:
            for m in HTTP_METHODS:
                if (m.upper(), t.path) in self._operations:
                    self._by_shape.setdefault((m.upper(), len(t.segments)), []).append(t)
        self.base_paths = self._server_paths()

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, check: bool = True) -> "Contract":
        p = Path(path)
        return cls(_read_document(p), str(p), check=check)

    # ----------------------------------------------------------------- lookup

    def operations(self) -> list["Operation"]:
        return list(self._operations.values())

    def operation(self, method: str, path: str) -> "Operation":
        """The operation at (method, path template exactly as the document spells it)."""
        try:
            return self._operations[(method.upper(), path)]
        except KeyError:
            known = sorted(p for (m, p) in self._operations if m == method.upper())
            hint = f"; its {method.upper()} paths: {', '.join(known)}" if known else ""
            raise UnknownOperation(f"{self.source}: no operation {method.upper()} {path}{hint}") from None

    def match(self, method: str, url: str) -> "Operation | None":
        """The operation a concrete request would reach, or None.

        `url` is a path under one of the document's server base paths (a full URL and a
        query string are allowed and ignored). Among the templates that define `method`,
        the most specific wins: a literal segment beats a templated one, leftmost first
        (`/assignments/next` before `/assignments/{assignmentID}`). Each segment is
        compared percent-decoded, so an ID with an encoded "/" stays one segment."""
        raw = urlsplit(url).path
        for base in self.base_paths:
            if base and not (raw == base or raw.startswith(base + "/")):
                continue
            rest = raw[len(base):].strip("/")
            segments = [unquote(s) for s in rest.split("/")] if rest else []
            found = [t for t in self._by_shape.get((method.upper(), len(segments)), ()) if t.matches(segments)]
            if found:
                best = max(found, key=lambda t: t.rank)
                return self._operations[(method.upper(), best.path)]
        return None

    # ----------------------------------------------------------------- building blocks

    def resolve(self, obj: Any, where: str = "") -> Any:
        """Follow local `$ref`s of a non-schema object (response, header, path item)."""
        return self.locate(obj, where)[0]

    def locate(self, obj: Any, where: str) -> tuple[Any, str]:
        """(object, its JSON pointer) after following local `$ref`s from `obj`, found at `where`."""
        seen: set[str] = set()
        while isinstance(obj, dict) and isinstance(obj.get("$ref"), str):
            ref = obj["$ref"]
            if ref in seen:
                raise SpecError(f"{self.source}: {where}: $ref cycle through {ref!r}")
            seen.add(ref)
            try:
                obj = self._resolver.lookup(ref).contents
            except Unresolvable:
                raise SpecError(f"{self.source}: {where}: $ref {ref!r} does not resolve") from None
            where = ref[1:] if ref.startswith("#") else ref
        return obj, where

    def lookup(self, ref: str) -> Any:
        """The node at a JSON pointer ("/components/schemas/X") or local reference ("#/...")."""
        try:
            return self._resolver.lookup(ref if ref.startswith("#") else "#" + ref).contents
        except Unresolvable:
            raise SpecError(f"{self.source}: {ref} does not exist") from None

    def validator(self, schema_pointer: str) -> Draft202012Validator:
        """The validator of the schema at a JSON pointer of the document (built once)."""
        found = self._validators.get(schema_pointer)
        if found is None:
            found = Draft202012Validator({"$ref": f"{self._base}#{schema_pointer}"}, registry=self._registry)
            self._validators[schema_pointer] = found
        return found

    def _fast_check(self, schema_pointer: str) -> Any:
        """`is_valid` of a compiled (jsonschema_rs) validator of the schema at a pointer, built once; None
        where there is none (the library missing, or a schema it cannot compile: jsonschema judges alone)."""
        if schema_pointer in self._fast:
            return self._fast[schema_pointer]
        check = None
        if jsonschema_rs is not None:
            try:
                if self._fast_registry is None:
                    # YAML may have given dates and other non-JSON values (in examples): the compiled
                    # validator takes JSON, so the document goes through JSON once
                    plain = json.loads(json.dumps(self.document, default=str))
                    self._fast_registry = jsonschema_rs.Registry([(self._base, plain)])
                # formats are annotations only, as in the jsonschema validator (no format_checker)
                check = jsonschema_rs.Draft202012Validator(
                    # a JSON pointer in a URI fragment is percent-encoded (RFC 6901, 6): "{id}" is not URI text
                    {"$ref": f"{self._base}#{quote(schema_pointer, safe='/~')}"}, registry=self._fast_registry,
                    validate_formats=False).is_valid
            except Exception:  # noqa: BLE001 - any failure to compile leaves the schema to jsonschema
                check = None
        self._fast[schema_pointer] = check
        return check

    def body_problems(self, schema_pointer: str, body: Any) -> list[Problem]:
        """Problems of a body against the schema at `schema_pointer`, ordered by path."""
        fast = self._fast_check(schema_pointer)
        if fast is not None:
            try:
                if fast(body):
                    return []
            except Exception:  # noqa: BLE001 - a value it cannot take (a lone surrogate): jsonschema decides
                pass
        try:
            errors = list(self.validator(schema_pointer).iter_errors(body))
        except Unresolvable as exc:
            ref = getattr(exc, "ref", "?")
            raise SpecError(f"{self.source}: {schema_pointer}: $ref {ref!r} does not resolve") from None
        problems: list[Problem] = []
        seen: set[tuple[str, str, str]] = set()
        for error in errors:
            problems.extend(_problems_of(error, seen))
        return sorted(problems, key=lambda p: p.path)

    # ----------------------------------------------------------------- checking the document

    def _check(self) -> None:
        """Every schema valid under 2020-12, every local $ref resolvable, then the OpenAPI shape."""
        doc = self.document
        for path, node in _walk(doc):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str):
                ref = node["$ref"]
                if not ref.startswith("#"):
                    raise SpecError(f"{self.source}: {pointer(*path)}: $ref {ref!r}: only references "
                                    "inside the same document are read")
                try:
                    self._resolver.lookup(ref)
                except Unresolvable:
                    raise SpecError(f"{self.source}: {pointer(*path)}: $ref {ref!r} does not resolve") from None
            if _is_schema_position(path) and isinstance(node, (dict, bool)):
                try:
                    Draft202012Validator.check_schema(node)
                except SchemaError as exc:
                    at = pointer(*path, *exc.absolute_path)
                    raise SpecError(f"{self.source}: {at}: not a valid JSON Schema: "
                                    f"{_one_line(exc.message)}") from None
        try:
            validate_openapi(doc)
        except OpenAPIValidationError as exc:
            raise SpecError(f"{self.source}: {pointer(*exc.absolute_path) or '/'}: not valid OpenAPI 3.1: "
                            f"{_one_line(exc.message)}") from None

    def _server_paths(self) -> list[str]:
        """Base paths of the document's servers (variables at their defaults); "" without servers."""
        paths = []
        for server in self.document.get("servers") or [{"url": "/"}]:
            url = str(server.get("url", "/"))
            for name, var in (server.get("variables") or {}).items():
                url = url.replace("{" + name + "}", str(var.get("default", "")))
            paths.append(urlsplit(url).path.rstrip("/"))
        return sorted(set(paths), key=len, reverse=True)


@dataclass(eq=False)
class Operation:
    """One operation of a Contract: (method, path template) and what it may answer."""

    contract: Contract
    method: str
    path: str
    definition: dict[str, Any]
    pointer: str
    _responses: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict, repr=False)
    _headers: dict[str, list[tuple[str, Any, str]]] = field(default_factory=dict, repr=False)

    @property
    def operation_id(self) -> str | None:
        return self.definition.get("operationId")

    def __repr__(self) -> str:
        return f"<Operation {self.method} {self.path}>"

    def response_key(self, status: int) -> str | None:
        """The `responses` key that documents `status`: exact, else its range ("2XX"), else "default"."""
        keys = {str(k).upper(): str(k) for k in (self.definition.get("responses") or {})}
        for key in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
            if key in keys:
                return keys[key]
        return None

    def documented_statuses(self) -> list[str]:
        return [str(k) for k in self.definition.get("responses") or {}]

    def validate(self, status: int, body: Any = NO_BODY, *, headers: Mapping[str, str] | None = None,
                 content_type: str | None = "application/json") -> list[Problem]:
        """Problems of one response; [] when it conforms.

        `body` is the parsed JSON (NO_BODY: not judged); `headers` (optional) are checked
        against the declared response headers (names case-insensitive); `content_type`
        picks the media type (parameters ignored; `type/*` and `*/*` entries match too).
        A response that declares no content, or a media type without a schema, leaves the
        body unjudged."""
        key = self.response_key(status)
        if key is None:
            return [Problem("status", "$", "status",
                            f"{self.method} {self.path} does not document status {status} "
                            f"(documented: {', '.join(self.documented_statuses())})")]
        response, where = self._response(key)
        problems: list[Problem] = []
        if headers is not None:
            problems.extend(self._header_problems(response, where, headers))
        if body is NO_BODY:
            return problems
        content = response.get("content") or {}
        if not content:
            return problems
        media = _pick_media(content, content_type or "application/json")
        if media is None:
            return problems + [Problem("content-type", "$", "content",
                                       f"media type {content_type} not documented for {status} "
                                       f"(documented: {', '.join(content)})")]
        if "schema" not in content[media]:
            return problems
        return problems + self.contract.body_problems(where + pointer("content", media, "schema"), body)

    def schema_pointer(self, status: int, content_type: str = "application/json") -> str | None:
        """JSON pointer of the body schema for `status` and `content_type`; None where none is declared."""
        key = self.response_key(status)
        if key is None:
            return None
        response, where = self._response(key)
        media = _pick_media(response.get("content") or {}, content_type)
        if media is None or "schema" not in response["content"][media]:
            return None
        return where + pointer("content", media, "schema")

    def _response(self, key: str) -> tuple[dict[str, Any], str]:
        found = self._responses.get(key)
        if found is None:  # resolved once per documented status: traffic asks again for every exchange
            responses = {str(k): v for k, v in self.definition["responses"].items()}  # YAML may give 200 as an int
            found = self._responses[key] = self.contract.locate(responses[key], self.pointer + pointer("responses", key))
        return found

    def _header_problems(self, response: dict, where: str, headers: Mapping[str, str]) -> Iterator[Problem]:
        given = {str(k).lower(): v for k, v in headers.items()}
        declared = self._headers.get(where)
        if declared is None:  # resolved once per response
            declared = self._headers[where] = [
                (name, *self.contract.locate(header, where + pointer("headers", name)))
                for name, header in (response.get("headers") or {}).items()
                # OpenAPI 3.1, Response Object: a Content-Type header is ignored
                if name.lower() != "content-type"]
        for name, header, at in declared:
            value = given.get(name.lower())
            if value is None:
                if header.get("required"):
                    yield Problem("header", name, "required", f"required header {name} is missing")
                continue
            if "schema" in header:
                for p in self.contract.body_problems(at + "/schema", value):
                    yield Problem("header", name, p.keyword, p.message)


# --------------------------------------------------------------------------- problems


# bool before int: True is an int to Python, a boolean to JSON
_JSON_TYPES = ((type(None), "null"), (bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
               (list, "array"), (dict, "object"))


def _json_type(value: Any) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), type(value).__name__)


def _one_line(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_path(parts: Iterable[Any]) -> str:
    """A JSON path in jsonschema's own notation ($.a.b[0]['odd key'])."""
    return ValidationError("", path=list(parts)).json_path


def _problems_of(error: ValidationError, seen: set[tuple[str, str, str]]) -> Iterable[Problem]:
    keyword = str(error.validator)
    if keyword in ("anyOf", "oneOf") and error.context:
        yield from _alternatives(error, keyword)
        return
    if keyword == "required":
        # jsonschema reports each missing member at its parent; a Problem points at the member
        key = (error.json_path, "/".join(map(str, error.relative_schema_path)), keyword)
        if key in seen:
            return
        seen.add(key)
        instance = error.instance if isinstance(error.instance, dict) else {}
        for name in error.validator_value:
            if name not in instance:
                yield Problem("body", _json_path([*error.absolute_path, name]), "required",
                              f"required member {name!r} is missing")
        return
    if keyword == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else str(expected)
        yield Problem("body", error.json_path, "type", f"expected {expected}, got {_json_type(error.instance)}")
        return
    yield Problem("body", error.json_path, keyword, _one_line(error.message))


def _alternatives(error: ValidationError, keyword: str) -> Iterable[Problem]:
    """Problems of a value that fits no alternative of an anyOf/oneOf.

    An alternative whose own `type` does not fit the value is no candidate. If one candidate
    is left, its problems are the value's (a missing member is named by its path); otherwise
    one problem at the value names the first problem of each alternative."""
    by_alternative: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        by_alternative.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    candidates = [errors for errors in by_alternative.values()
                  if not any(e.validator == "type" and not e.relative_path for e in errors)]
    if len(candidates) == 1:
        seen: set[tuple[str, str, str]] = set()
        for sub in candidates[0]:
            yield from _problems_of(sub, seen)
        return
    firsts = []
    for index, errors in sorted(by_alternative.items()):
        problems = sorted((p for e in errors for p in _problems_of(e, set())), key=lambda p: p.path)
        firsts.append(f"[{index}] {_one_line(str(problems[0]), 150)}" if problems else f"[{index}] ?")
    yield Problem("body", error.json_path, keyword,
                  f"fits none of its {len(by_alternative)} alternatives: " + "; ".join(firsts))


# --------------------------------------------------------------------------- loading once


def _pick_media(content: Mapping[str, Any], content_type: str) -> str | None:
    essence = content_type.split(";", 1)[0].strip().lower()
    by_lower = {k.lower(): k for k in content}
    for candidate in (essence, essence.split("/", 1)[0] + "/*", "*/*"):
        if candidate in by_lower:
            return by_lower[candidate]
    return None


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int, check: bool) -> Contract:
    return Contract.from_file(path, check=check)


def load(path: str | os.PathLike[str], *, check: bool = True) -> Contract:
    """The Contract of an OpenAPI 3.1 file, parsed and checked once per file version."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    return _load_cached(str(p), st.st_mtime_ns, st.st_size, check)
