"""Each check fails a non-conforming exchange and passes a conforming one."""

from __future__ import annotations

import json

import pytest

from conformance import checks
from conformance.checks import pega
from conformance.failures import RequirementViolation
from conformance.http import Exchange


def exchange(status=200, headers=None, body=None) -> Exchange:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    return Exchange("ex-00001", "GET", "http://h/cases/X", {}, b"", status, headers or {}, raw)


CASE = {"data": {"caseInfo": {"ID": "X", "lastUpdateTime": "2025-01-17T14:48:33.923Z"}}}
ERROR = {"errorClassification": "Not found", "localizedValue": "Gone",
         "errorDetails": [{"message": "m", "localizedValue": "Lack access to add apis.pdf."}]}


def test_registry_names_the_requirement():
    assert checks.REGISTRY["etag_matches_last_update_time"].requirement == "PEGA-ETAG-001"
    assert checks.REGISTRY["error_body_has_details"].requirement == "PEGA-ERR-003"


def test_iso_to_pega_is_seed_000_conversion():
    # seed 000: 2025-01-17T14:48:33.923Z -> 20250117T144833.923 GMT
    assert pega.iso_to_pega("2025-01-17T14:48:33.923Z") == "20250117T144833.923"
    assert pega.iso_to_pega("2025-01-17T15:48:33.923+01:00") == "20250117T144833.923"
    assert pega.iso_to_pega("not a time") is None and pega.iso_to_pega("2025-01-17T14:48:33") is None


@pytest.mark.parametrize("value", ['"20250117T144833.923 GMT"', 'W/"20250117T144833.923 GMT"',
                                   "20250117T144833.923 GMT"])
def test_etag_forms_admitted(value):
    pega.etag_matches_last_update_time(exchange(headers={"ETag": value}, body=CASE))


@pytest.mark.parametrize("headers,body,needle", [
    ({}, CASE, "no ETag"),
    ({"ETag": '"2025-01-17T14:48:33.923Z"'}, CASE, "not a Pega timestamp"),
    ({"ETag": '"20250117T144834.923 GMT"'}, CASE, "does not correspond"),
    ({"ETag": '"20250117T144833.923 GMT"'}, {"data": {}}, "no data.caseInfo.lastUpdateTime"),
])
def test_etag_check_catches(headers, body, needle):
    with pytest.raises(RequirementViolation) as err:
        pega.etag_matches_last_update_time(exchange(headers=headers, body=body))
    assert err.value.requirement == "PEGA-ETAG-001" and needle in err.value.message
    assert err.value.exchanges == ["ex-00001"]


def test_error_body_checks():
    pega.error_body_v2(exchange(404, body=ERROR))
    pega.error_body_has_details(exchange(404, body=ERROR))
    for bad in ({"message": "nope"}, b"<html>", {"errorClassification": 1, "localizedValue": "x"},
                {"errorClassification": "x", "localizedValue": "y", "errorDetails": {}}):
        with pytest.raises(RequirementViolation, match="PEGA-ERR-002"):
            pega.error_body_v2(exchange(400, body=bad), "PEGA-ERR-002")
    for bad in ({"errorClassification": "x", "localizedValue": "y"},
                {**ERROR, "errorDetails": []}, {**ERROR, "errorDetails": [{"message": "m", "localizedValue": " "}]}):
        with pytest.raises(RequirementViolation, match="PEGA-ERR-003"):
            pega.error_body_has_details(exchange(400, body=bad))


def test_status_in():
    checks.status_in(exchange(201), {201}, "PEGA-CASE-001", "create")
    with pytest.raises(RequirementViolation, match=r"create: expected 201, got 200"):
        checks.status_in(exchange(200), {201}, "PEGA-CASE-001", "create")
