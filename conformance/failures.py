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
    """The server broke the named requirement; the exchange ids show it.

    `operation` ("GET /cases/{caseID}", the spec's template) and `check` (the check's
    registered name) say where and how; `detail` is the stable part of what broke
    (statuses, member paths), from which the finding's fingerprint is made. Without
    `detail`, the normalised message stands in for it (conformance.findings)."""

    def __init__(self, requirement: str, message: str, exchanges: list[str] | None = None, *,
                 operation: str | None = None, check: str | None = None, detail: str | None = None) -> None:
        message = redact(message)
        self.requirement = requirement
        self.message = message
        self.exchanges = list(exchanges or [])
        self.operation = operation
        self.check = check
        self.detail = detail
        super().__init__(f"[{requirement}] {message}")


class FindingsReported(ConformanceError, AssertionError):
    """A test reported findings and went on to its end (ConformanceRun.report); it fails with all of them."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


class PreconditionFailed(ConformanceError):
    """A step a test needs (not the one it verifies) did not work, so the test could not run.

    With `requirement` (the requirement that owns the broken step, e.g. PEGA-CASE-001 for
    "could not create a case"), the server broke a promise the target made: the plugin
    reports a finding under that requirement, and the test names it (DESIGN.md: a skip
    never hides a defect). Without it, the step is outside the server's contract (no
    existing case configured for a read-only run, say) and the test is `skipped`."""

    def __init__(self, message: str, requirement: str | None = None, exchanges: list[str] | None = None, *,
                 operation: str | None = None, detail: str | None = None) -> None:
        self.requirement = requirement
        self.exchanges = list(exchanges or [])
        self.operation = operation
        self.detail = detail
        super().__init__(message)


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
