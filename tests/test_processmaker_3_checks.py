"""The ProcessMaker 3 checks: the error object, bare arrays, app_number order (seed 004)."""

from __future__ import annotations

import json

import pytest

from conformance.checks.processmaker_3 import app_number, order_problem, pm_bare_array, pm_error_object
from conformance.failures import RequirementViolation
from conformance.http import Exchange


def ex(status: int, body) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange("ex-00001", "GET", "http://h/x", {}, b"", status=status, body=raw)


def test_error_object():
    pm_error_object(ex(400, {"error": {"code": 400, "message": "Bad Request: x"}}))
    for status, body in [(400, {"code": 400, "message": "x"}), (400, {"error": {"code": "400", "message": "x"}}),
                         (401, {"error": {"code": 400, "message": "x"}}), (400, {"error": {"code": 400, "message": ""}}),
                         (400, b"<html>Bad Request</html>"), (400, {"error": {"code": True, "message": "x"}})]:
        with pytest.raises(RequirementViolation) as info:
            pm_error_object(ex(status, body))
        assert info.value.requirement == "PM-ERR-003" and "ex-00001" in info.value.message


def test_bare_array():
    pm_bare_array(ex(200, [{"app_uid": "a"}]))
    with pytest.raises(RequirementViolation, match="keys"):
        pm_bare_array(ex(200, {"total": 1, "data": []}))
    with pytest.raises(RequirementViolation, match="no JSON"):
        pm_bare_array(ex(200, b"nope"))


def test_app_number_and_order():
    assert app_number({"app_number": "66"}) == 66 and app_number({"app_number": 7}) == 7
    assert app_number({"app_number": True}) is None and app_number({"app_number": "x"}) is None
    assert order_problem([{"app_number": "3"}, {"app_number": "2"}], descending=True) is None
    assert "followed by" in order_problem([{"app_number": "2"}, {"app_number": "3"}], descending=True)
    assert "followed by" in order_problem([{"app_number": "2"}, {"app_number": "2"}], descending=False)
    assert "no numeric" in order_problem([{"app_number": "2"}, {}], descending=False)
