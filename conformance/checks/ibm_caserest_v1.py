"""Checks of CASEREST v1 responses: the error body.

Source: vendor-facts "IBM Case Manager / BAW CASEREST v1" (error body
{"UserMessage": {"UniqueId", "Text", "Severity"}, "UnderlyingDetails": {...}}; the
status tables and external-data pages spell it userMessage); seed 003 (500: 'see the
userMessage element in the JSON response').
"""

from __future__ import annotations

from typing import Any

import schemathesis

from conformance.checks import check, violate
from conformance.http import Exchange

ERROR_ELEMENTS = ("UserMessage", "userMessage")  # VF: both spellings are documented


def error_element(exchange: Exchange) -> str | None:
    """Which spelling of the error element an answer uses, or None."""
    body = exchange.json()
    if not isinstance(body, dict):
        return None
    return next((name for name in ERROR_ELEMENTS if isinstance(body.get(name), dict)), None)


@check("IBM-ERR-003")
def ibm_error_body(exchange: Exchange) -> None:
    """A 4xx answer carries UserMessage (or userMessage) with a non-empty Text."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        return
    name = error_element(exchange)
    if name is None:
        raise violate("IBM-ERR-003", f"a {exchange.status} answer: expected a JSON body with a UserMessage (or "
                      f"userMessage) object, got {exchange.body[:120]!r}", exchange)
    message = exchange.json()[name]
    text = message.get("Text", message.get("text"))
    if not isinstance(text, str) or not text.strip():
        raise violate("IBM-ERR-003", f"a {exchange.status} answer: expected {name}.Text to be a non-empty string, "
                      f"got {text!r}", exchange)


@schemathesis.check
def ibm_error_body_generated(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis adapter: every generated 4xx answer carries the error body (IBM-ERR-003)."""
    ex = Exchange("ex-generated", case.method, str(response.request.url), {}, b"", response.status_code,
                  dict(response.headers), response.content)
    ibm_error_body(ex)
    return None
