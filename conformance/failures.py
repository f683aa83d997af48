"""The typed failures a check raises.

A check never returns a verdict: it returns nothing, or raises one of these,
naming the requirement id it proves broken (STYLE.md: one failure type per
property, the id as the single handle everywhere).
"""

from __future__ import annotations

from typing import Callable


class ConformanceError(Exception):
    """Base of every outcome-bearing exception the suite raises."""


# Set by the run (plugin.activate) to its Redactor.text: a violation message may quote
# a response body, and pytest, JUnit and Allure all print the message verbatim.
redact: Callable[[str], str] = lambda text: text  # noqa: E731


class RequirementViolation(ConformanceError, AssertionError):
    """The server broke the named requirement; the exchange ids show it."""

    def __init__(self, requirement: str, message: str, exchanges: list[str] | None = None) -> None:
        message = redact(message)
        self.requirement = requirement
        self.message = message
        self.exchanges = list(exchanges or [])
        super().__init__(f"[{requirement}] {message}")


class PreconditionFailed(ConformanceError):
    """A step a test needs (not the one it verifies) did not work, so the test could not run.

    Reported as `skipped` with the reason; the step's own requirement has its own test,
    which reports the defect."""


class SuiteBroken(ConformanceError):
    """The suite or the network failed; nothing was learnt about the contract."""


class BudgetExceeded(SuiteBroken):
    """The target's max_requests budget is spent."""


class ResponseTooLarge(SuiteBroken):
    """A response body exceeded the size cap; it was not read further."""


class ReadOnlyRefused(SuiteBroken):
    """A mutating request was attempted against a read-only target."""


class TokenError(SuiteBroken):
    """The token endpoint refused or failed: the run cannot authenticate."""
