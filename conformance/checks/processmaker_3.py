"""Checks of ProcessMaker 3 responses: the error object, bare lists, case order.

Sources: seed 004 (error object `{"error": {"code": 400, "message": "Bad Request: ..."}}`
on every endpoint; non-paged lists are arrays of case objects; default order app_number
descending) and vendor-facts "ProcessMaker 3" (PMSRC: handlers answer 400 with that object).
"""

from __future__ import annotations

from typing import Any

from conformance.checks import check, violate
from conformance.http import Exchange


def app_number(case: Any) -> int | None:
    """A case object's app_number as a number (seed 004 samples send it as a string, "66")."""
    value = case.get("app_number") if isinstance(case, dict) else None
    if isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


@check("PM-ERR-003")
def pm_error_object(exchange: Exchange) -> None:
    """An error answer carries {"error": {"code": <the status>, "message": <non-empty text>}} (seed 004)."""
    body = exchange.json()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise violate("PM-ERR-003", f"a {exchange.status} answer must carry {{\"error\": {{\"code\", \"message\"}}}}; "
                      f"the body is {exchange.body[:200]!r}", exchange)
    code, message = error.get("code"), error.get("message")
    if isinstance(code, bool) or not isinstance(code, int) or code != exchange.status:
        raise violate("PM-ERR-003", f"error.code must be the HTTP status {exchange.status} as a number, "
                      f"got {code!r}", exchange)
    if not isinstance(message, str) or not message.strip():
        raise violate("PM-ERR-003", f"error.message must be a non-empty text, got {message!r}", exchange)


@check("PM-LIST-001")
def pm_bare_array(exchange: Exchange) -> None:
    """A list endpoint without /paged answers a JSON array of case objects (seed 004)."""
    body = exchange.json()
    if not isinstance(body, list) or not all(isinstance(c, dict) for c in body):
        shape = type(body).__name__ if body is not None else "no JSON"
        raise violate("PM-LIST-001", f"expected a bare JSON array of case objects, got {shape}"
                      + (f" with keys {sorted(body)[:8]}" if isinstance(body, dict) else ""), exchange)


def order_problem(cases: list[dict[str, Any]], descending: bool) -> str | None:
    """Where a list breaks strict app_number order, as a sentence, or None."""
    numbers = [app_number(c) for c in cases]
    for i in range(1, len(numbers)):
        a, b = numbers[i - 1], numbers[i]
        if a is None or b is None:
            return f"case {i} has no numeric app_number"
        if (a <= b) if descending else (a >= b):
            word = "descending" if descending else "ascending"
            return f"app_number {a} is followed by {b} (expected strictly {word}, positions {i}-{i + 1})"
    return None
