"""Shared by the property-based tests of every API: schemathesis failures as findings.

One generated response can break several checks at once, and one operation can break
the same check in several distinct ways; each becomes its own finding, with a detail
made of what stays the same from run to run (the check, the status, the member path
and schema keyword), never the generated values. The tests report them and go on
(ConformanceRun.report), so that an operation's first failure does not hide the others.
"""

from __future__ import annotations

from typing import Any, Callable

from schemathesis.core.failures import Failure, FailureGroup

from conformance.checks import violate
from conformance.failures import RequirementViolation
from conformance.http import Exchange


def _path(parts: Any) -> str:
    out = "$"
    for p in parts or ():
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def stable_detail(failure: Failure) -> str:
    """The parts of a schemathesis failure that identify the defect, not the generated data."""
    kind = type(failure).__name__
    if hasattr(failure, "schema_path"):  # JsonSchemaError: where in the body, which schema keyword
        keyword = str(list(failure.schema_path)[-1]) if failure.schema_path else ""
        return f"{kind} at {_path(failure.instance_path)} ({keyword})"
    for attr in ("status_code", "content_type", "missing_headers", "header_name", "method"):
        if getattr(failure, attr, None) is not None:
            value = getattr(failure, attr)
            return f"{kind} {attr}={sorted(value) if isinstance(value, (list, set, tuple)) else value}"
    return f"{kind} {failure.title}"


def violations(exc: Failure | FailureGroup, operation: str, default_requirement: str,
               exchange: Exchange, label: str = "generated") -> list[RequirementViolation]:
    """Every distinct failure of one response: a registered check of ours names its own
    requirement; a stock schemathesis check is the schema requirement's."""
    out: list[RequirementViolation] = []
    for failure in exc.exceptions if isinstance(exc, FailureGroup) else (exc,):
        inner = getattr(failure, "exception", None)
        if isinstance(inner, RequirementViolation):
            out.append(violate(inner.requirement, f"{operation} ({label}): {inner.message}", exchange,
                               operation=operation, check=inner.check or failure.title,
                               detail=inner.detail or inner.message))
            continue
        check = type(failure).__name__
        where = f" at {_path(failure.instance_path)}" if hasattr(failure, "instance_path") else ""
        first, _, rest = (failure.message or "").strip().partition("\n")
        text = f"{operation} ({label}): {failure.title}: {first}{where}" + (f"\n{rest}" if rest else "")
        out.append(violate(default_requirement, text[:1500], exchange, operation=operation, check=check,
                           detail=stable_detail(failure)))
    return out


def report_all(report: Callable[[RequirementViolation], Any], exc: Failure | FailureGroup, operation: str,
               default_requirement: str, exchange: Exchange, label: str = "generated") -> None:
    for v in violations(exc, operation, default_requirement, exchange, label):
        report(v)
