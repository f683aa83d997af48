"""Shared by the schemathesis tests of ProcessMaker 3, CASEREST v1 and the Fabric Hub: which parts
of a generated case are valid (and may be steered to real IDs), a reproducible coin, request bodies
with one member of the wrong JSON type, and judging a response to a case.

Wrong types: the defect class stock schemathesis found on a real server: a member the document types as a
string (an ID above all) sent as a JSON list answered 500. Random generation reaches one member
of one type only by luck at a small budget, so each API's property test also sends each write's
valid body with each of its members, in turn, made a list and an object holding its value.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any, Callable, Iterator

import httpx
import pytest
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation

from conformance.http import Exchange
from conformance.suites.generated import report_all

def pick(value: object) -> bool:
    """A deterministic coin from generated data (keeps runs reproducible)."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


def _modes(case: Any) -> dict[Any, GenerationMode]:
    meta = case.meta
    return {loc: info.mode for loc, info in meta.components.items()} if meta is not None else {}


def positive(case: Any, location: str) -> bool:
    """Whether the case's `location` ("path", "query", "header", "body") holds valid data: only those parts
    are steered to real IDs, so a negative part is still sent as generated, next to real IDs."""
    return _modes(case).get(ParameterLocation(location), GenerationMode.POSITIVE) == GenerationMode.POSITIVE


def body_only_negative(case: Any) -> bool:
    """The body is invalid and every other part valid: a 2xx then means the body was accepted."""
    modes = _modes(case)
    return modes.get(ParameterLocation.BODY) == GenerationMode.NEGATIVE and all(
        m == GenerationMode.POSITIVE for loc, m in modes.items() if loc != ParameterLocation.BODY)


WRONG_TYPES: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("list", lambda v: [v]),
    ("object", lambda v: {"value": v}),
)


def scalar_members(value: Any, skip: frozenset[str] = frozenset(), path: tuple = ()) -> list[tuple]:
    """Paths of the string and number members of a body; the first item of an array stands for all,
    members named in `skip` (values of any type, the run tag) are left alone."""
    if isinstance(value, dict):
        return [p for k, v in value.items() if k not in skip for p in scalar_members(v, skip, (*path, k))]
    if isinstance(value, list):
        return scalar_members(value[0], skip, (*path, 0)) if value else []
    return [path] if isinstance(value, (str, int)) and not isinstance(value, bool) else []


def replaced(body: Any, path: tuple, make: Callable[[Any], Any]) -> Any:
    """A copy of `body` with the member at `path` replaced by make(its value)."""
    copy = json.loads(json.dumps(body))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = make(node[path[-1]])
    return copy


def mutants(body: Any, skip: frozenset[str] = frozenset()) -> list[tuple[str, Any]]:
    """(what was changed, the changed body) for every scalar member and every wrong type."""
    return [(f"{'.'.join(map(str, where))} as a JSON {kind}", replaced(body, where, make))
            for where in scalar_members(body, skip) for kind, make in WRONG_TYPES]


def wrong_type_cases(schema: Any, operation: tuple[str, str], body: Any, skip: frozenset[str] = frozenset(),
                     **parts: Any) -> Iterator[tuple[str, Any]]:
    """(what was changed, a schemathesis case of `operation`) for every mutant of `body`; `parts` are the
    case's other parts (path_parameters, query)."""
    method, path = operation
    for what, changed in mutants(body, skip):
        yield what, schema[path][method].Case(body=changed, media_type="application/json", **parts)


def operation_params(operations: tuple[tuple[str, str], ...],
                     needs: dict[tuple[str, str], tuple[str, ...]] | None = None) -> list[Any]:
    """One pytest parameter per operation, named like schemathesis' items ("POST /cases"), marked with the
    capabilities it needs (the API model's OPERATION_CAPABILITIES)."""
    return [pytest.param(op, id=f"{op[0]} {op[1]}", marks=[pytest.mark.needs(*(needs or {}).get(op, ()))])
            for op in operations]


def judge(case: Any, exchange: Exchange, checks: list[Any], report: Callable[..., Any], requirement: str,
          label: str) -> bool:
    """Judge the response to a schemathesis case with `checks`; every distinct failure is reported as a
    finding (the test goes on) under its own requirement or `requirement`. True when none failed."""
    response = httpx.Response(exchange.status, headers=list(exchange.response_headers.items()),
                              content=exchange.body, request=httpx.Request(exchange.method, exchange.url))
    response.elapsed = dt.timedelta(milliseconds=exchange.elapsed_ms)
    try:
        case.validate_response(response, checks=checks)
    except (Failure, FailureGroup) as exc:  # one check failure, or several distinct ones
        report_all(report, exc, f"{case.method} {case.path}", requirement, exchange, label)
        return False
    return True
