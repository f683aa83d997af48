"""Small pure checks over one exchange, one module per family.

A check is a function `(exchange, ...) -> None` registered under its own
name with the requirement it verifies; it raises RequirementViolation naming
that requirement, or returns nothing (STYLE.md, after schemathesis' checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from conformance.failures import RequirementViolation
from conformance.http import Exchange


@dataclass(frozen=True)
class Check:
    name: str
    requirement: str
    func: Callable[..., None]
    doc: str


REGISTRY: dict[str, Check] = {}


def check(requirement: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a check under its function name for `requirement`."""

    def wrap(func: Callable[..., None]) -> Callable[..., None]:
        if func.__name__ in REGISTRY:
            raise ValueError(f"check {func.__name__} registered twice")
        REGISTRY[func.__name__] = Check(func.__name__, requirement, func, (func.__doc__ or "").strip())
        func.requirement = requirement  # type: ignore[attr-defined]
        return func

    return wrap


def violate(requirement: str, message: str, *exchanges: Exchange, operation: str | None = None,
            check: str | None = None, detail: str | None = None) -> RequirementViolation:
    """A violation of `requirement` shown by `exchanges`. `operation`, `check` and `detail` make
    its finding's fingerprint (see RequirementViolation); `detail` defaults to the message."""
    summary = "; ".join(ex.summary() for ex in exchanges)
    text = f"{message} ({summary})" if summary else message
    return RequirementViolation(requirement, text, [ex.id for ex in exchanges], operation=operation, check=check,
                                detail=detail if detail is not None else message)


def status_in(exchange: Exchange, expected: set[int] | frozenset[int], requirement: str, what: str) -> None:
    """Generic: the status is one of `expected`."""
    if exchange.status not in expected:
        raise violate(requirement, f"{what}: expected {' or '.join(map(str, sorted(expected)))}, "
                      f"got {exchange.status}", exchange)
