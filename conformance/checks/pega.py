"""Checks of Pega DX v2 responses: the eTag form and the error body.

Sources: seed 000 (eTag "20250117T144833.923 GMT" for lastUpdateTime
2025-01-17T14:48:33.923Z), vendor-facts "Pega DX API v2" (error body v2,
errorDetails[0].localizedValue read by Pega's own UI), seed 001 (403 sample).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from conformance.checks import check, violate
from conformance.http import Exchange

# A quoted Pega timestamp; a weak validator prefix (W/) is tolerated because
# RFC 9110 8.8.3 allows it and intermediaries add it.
PEGA_ETAG = re.compile(r'^(?:W/)?"(\d{8}T\d{6}\.\d{3}) GMT"$')
# Some servers omit the quotes although RFC 9110 requires them; admitted, recorded.
PEGA_ETAG_UNQUOTED = re.compile(r"^(\d{8}T\d{6}\.\d{3}) GMT$")


def etag_stamp(value: str | None) -> str | None:
    """The Pega timestamp inside an ETag value, or None when it is not one."""
    if value is None:
        return None
    match = PEGA_ETAG.match(value.strip()) or PEGA_ETAG_UNQUOTED.match(value.strip())
    return match.group(1) if match else None


def iso_to_pega(value: str) -> str | None:
    """seed 000: 2025-01-17T14:48:33.923Z -> 20250117T144833.923"""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%S.") + f"{moment.microsecond // 1000:03d}"


@check("PEGA-ETAG-001")
def etag_is_pega_timestamp(exchange: Exchange) -> None:
    """The ETag header holds a Pega timestamp "YYYYMMDDTHHMMSS.mmm GMT"."""
    value = exchange.header("ETag")
    if value is None:
        raise violate("PEGA-ETAG-001", "no ETag header", exchange)
    if etag_stamp(value) is None:
        raise violate("PEGA-ETAG-001", f"ETag {value!r} is not a Pega timestamp like "
                      '"20250117T144833.923 GMT"', exchange)


@check("PEGA-ETAG-001")
def etag_matches_last_update_time(exchange: Exchange) -> None:
    """The ETag is the body's caseInfo.lastUpdateTime converted (seed 000)."""
    etag_is_pega_timestamp(exchange)
    body = exchange.json()
    data = body.get("data") if isinstance(body, dict) else None  # a broken server's data may be any JSON
    info = data.get("caseInfo", {}) if isinstance(data, dict) else {}
    last = info.get("lastUpdateTime") if isinstance(info, dict) else None
    if not isinstance(last, str):
        raise violate("PEGA-ETAG-001", "body has no data.caseInfo.lastUpdateTime to compare the ETag with",
                      exchange)
    converted = iso_to_pega(last)
    stamp = etag_stamp(exchange.header("ETag"))
    if converted != stamp:
        raise violate("PEGA-ETAG-001", f"ETag {exchange.header('ETag')!r} does not correspond to lastUpdateTime "
                      f"{last!r} (expected \"{converted} GMT\")", exchange)


@check("PEGA-ERR-001")
def error_body_v2(exchange: Exchange, requirement: str = "PEGA-ERR-001") -> None:
    """The body is the DX v2 error body: errorClassification and localizedValue strings."""
    body = exchange.json()
    if not isinstance(body, dict):
        raise violate(requirement, "error response body is not a JSON object", exchange)
    missing = [k for k in ("errorClassification", "localizedValue") if not isinstance(body.get(k), str)]
    if missing:
        raise violate(requirement, f"error body lacks string {', '.join(missing)} (DX v2 error body)", exchange)
    details = body.get("errorDetails")
    if details is not None and not isinstance(details, list):
        raise violate(requirement, "errorDetails is not an array", exchange)


@check("PEGA-ERR-003")
def error_body_has_details(exchange: Exchange) -> None:
    """errorDetails has an item with a non-empty localizedValue (what Pega's UI shows)."""
    body = exchange.json()
    details = body.get("errorDetails") if isinstance(body, dict) else None
    if not isinstance(details, list) or not details:
        raise violate("PEGA-ERR-003", "error body has no errorDetails", exchange)
    first = details[0]
    if not isinstance(first, dict) or not isinstance(first.get("localizedValue"), str) or \
            not first["localizedValue"].strip():
        raise violate("PEGA-ERR-003", "errorDetails[0].localizedValue is missing or empty", exchange)


# -- the same checks, registered with schemathesis for the property-based tests ----------
import schemathesis  # noqa: E402

from conformance.http import Exchange as _Exchange  # noqa: E402


def _as_exchange(response: Any, case: Any) -> Exchange:
    # schemathesis keeps every header as a list of values
    headers = {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in dict(response.headers).items()}
    return _Exchange("ex-generated", case.method, case.formatted_path, {}, b"", response.status_code, headers,
                     response.content or b"")


@schemathesis.check
def pega_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """404 answers carry the v2 error body (PEGA-ERR-001); 400/422 ones too (PEGA-ERR-002)."""
    status = response.status_code
    if status == 404:
        error_body_v2(_as_exchange(response, case), "PEGA-ERR-001")
    elif status in (400, 422):
        error_body_v2(_as_exchange(response, case), "PEGA-ERR-002")
    return None


@schemathesis.check
def pega_etag_header(ctx: Any, response: Any, case: Any) -> bool | None:
    """An ETag, wherever one is sent, is a Pega timestamp; on a case GET it is lastUpdateTime (PEGA-ETAG-001)."""
    ex = _as_exchange(response, case)
    if ex.header("ETag") is None:
        return None
    etag_is_pega_timestamp(ex)
    if case.method.upper() == "GET" and case.path == "/cases/{caseID}" and response.status_code == 200:
        etag_matches_last_update_time(ex)
    return None
