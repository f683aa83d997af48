"""conformance/suites/schema_cases.py: the coin, bodies with one member of the wrong JSON type, and
judging a response to a schemathesis case (findings reported, the test goes on)."""

from __future__ import annotations

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from conformance.http import Exchange
from conformance.suites.schema_cases import (
    judge,
    mutants,
    operation_params,
    pick,
    positive,
    replaced,
    scalar_members,
    wrong_type_cases,
)

BODY = {"cases": [{"APP_UID": "a", "DEL_INDEX": 2}, {"APP_UID": "b"}], "usr_uid_target": "u", "flag": True,
        "variables": [{"conformance_run": "CONF-1"}]}


def test_scalar_members_skip_booleans_later_items_and_named_members():
    assert scalar_members(BODY, frozenset({"variables"})) == [
        ("cases", 0, "APP_UID"), ("cases", 0, "DEL_INDEX"), ("usr_uid_target",)]
    assert ("variables", 0, "conformance_run") in scalar_members(BODY)


def test_replaced_changes_a_copy():
    out = replaced(BODY, ("cases", 0, "APP_UID"), lambda v: [v])
    assert out["cases"][0]["APP_UID"] == ["a"] and BODY["cases"][0]["APP_UID"] == "a"


def test_mutants_make_each_member_a_list_and_an_object():
    got = mutants({"pro_uid": "p", "n": 1})
    assert [what for what, _ in got] == ["pro_uid as a JSON list", "pro_uid as a JSON object",
                                         "n as a JSON list", "n as a JSON object"]
    assert got[1][1] == {"pro_uid": {"value": "p"}, "n": 1}


SPEC = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/things": {"post": {
    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
    "responses": {"200": {"description": "ok"}, "400": {"description": "refused"}}}}}}


def _exchange(status: int) -> Exchange:
    return Exchange(f"ex-{status}", "POST", "http://x/things", {}, b"{}", status, {"Content-Type": "application/json"},
                    b"{}")


def test_judge_reports_every_failure_and_goes_on():
    case = schemathesis.openapi.from_dict(SPEC)["/things"]["POST"].Case(body={"a": [1]}, media_type="application/json")
    found = []
    checks = [not_a_server_error, status_code_conformance]
    assert judge(case, _exchange(400), checks, found.append, "X-SCHEMA-001", "a as a JSON list")
    assert not found
    assert not judge(case, _exchange(500), checks, found.append, "X-SCHEMA-001", "a as a JSON list")
    assert {v.requirement for v in found} == {"X-SCHEMA-001"} and len(found) == 2  # 5xx, and undocumented
    assert all("a as a JSON list" in v.message and v.operation == "POST /things" for v in found)


def test_pick_is_a_reproducible_coin_and_positive_defaults_to_true():
    assert pick({"a": 1}) == pick({"a": 1})
    assert {pick(i) for i in range(20)} == {True, False}
    case = schemathesis.openapi.from_dict(SPEC)["/things"]["POST"].Case(body={})
    assert positive(case, "body") and positive(case, "path")  # no generation metadata: as sent, valid


def test_wrong_type_cases_are_cases_of_the_operation_with_the_other_parts():
    schema = schemathesis.openapi.from_dict(SPEC)
    cases = list(wrong_type_cases(schema, ("POST", "/things"), {"a": "x", "keep": "y"}, frozenset({"keep"}),
                                  query={"q": "1"}))
    assert [what for what, _ in cases] == ["a as a JSON list", "a as a JSON object"]
    assert [c.body for _, c in cases] == [{"a": ["x"], "keep": "y"}, {"a": {"value": "x"}, "keep": "y"}]
    assert all(c.query == {"q": "1"} and c.path == "/things" for _, c in cases)


def test_operation_params_are_named_like_schemathesis_items_and_carry_their_capabilities():
    params = operation_params((("GET", "/a"), ("PUT", "/b")), {("PUT", "/b"): ("writes_b",)})
    assert [p.id for p in params] == ["GET /a", "PUT /b"]
    assert [m.args for p in params for m in p.marks] == [(), ("writes_b",)]
