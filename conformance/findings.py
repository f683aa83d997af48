"""Findings: each distinct way a requirement is broken, with a stable fingerprint.

A requirement's outcome says whether it holds; a finding says *how* it does not:
the requirement, the operation (the spec's path template), the check that saw it
and the normalised detail (statuses, member paths). Its fingerprint hashes those
four and nothing volatile (IDs, timestamps, tokens, hosts, exchange ids, run tags),
so the same defect has the same fingerprint across runs, machines, shards,
workers and targets of the same API, and a second, different defect under a
requirement that already fails is *new* against a baseline (DESIGN.md, Outcomes).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any

FINGERPRINT_LENGTH = 16

# What changes from run to run and never identifies a defect, each replaced by one placeholder "<v>"
# (one for all kinds, so that a slot holding a UUID on one server and a number on another reads the
# same). Order matters: URLs and timestamps go before the generic "word with a digit" rule.
_V = "<v>"
_VOLATILE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.I), _V),  # whole URLs: host, port, base path, IDs
    (re.compile(r"(?<![\w$.\[])[A-Za-z0-9+/_-]{24,}={0,2}"), _V),  # long opaque strings: tokens, hashes, base64
    (re.compile(r"\[\s*\d+\s*\]"), "[*]"),  # array indexes in member paths first: stages[3] -> stages[*]
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), _V),  # UUIDs
    # ISO 8601 date-times and dates; Pega stamps "20250117T144833.923 GMT" (seed 000)
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"), _V),
    (re.compile(r"\b\d{8}T\d{6}(?:\.\d+)?(?: ?GMT)?"), _V),
    (re.compile(r"\b(?:Bearer|Basic)\s+\S+", re.I), _V),  # credentials (already redacted; never in a fingerprint)
    (re.compile(r"(?<![\w.-])[0-9a-f]{8,}(?![\w.-])", re.I), _V),  # hex strings standing alone
    # any other word holding a digit (case IDs "R-1042", exchange ids, run tags, counts, sizes, indexes),
    # except a standalone HTTP status (100-599), which is what a finding is often about
    (re.compile(r"(?<![\w.-])(?![1-5]\d\d(?![\w.-]))[\w.-]*\d[\w.-]*"), _V),
    # the class prefix of a Pega case ID before its number ("CONF-DEMO-WORK R-1042", seed 000 / REC)
    (re.compile(r"\b(?:[A-Z][A-Z0-9]*-)+[A-Z0-9]+ (?=<v>)"), ""),
    (re.compile(r"\[\s*<v>\s*\]"), "[*]"),  # array indexes in member paths: stages[3] -> stages[*]
    # a quoted value that held a volatile part is a value, not a name
    (re.compile(r"'[^'\n]*<v>[^'\n]*'|\"[^\"\n]*<v>[^\"\n]*\""), _V),
    (re.compile(r"<v>(?:[\s\-:/.,%]*<v>)+"), _V),  # runs of placeholders are one value
    (re.compile(r"\s+"), " "),
)


def normalise(text: str | None) -> str:
    """The stable part of a finding's detail: volatile values replaced by placeholders."""
    out = (text or "").strip()
    for pattern, repl in _VOLATILE:
        out = pattern.sub(repl, out)
    return out.strip()


def fingerprint(api: str, requirement: str, operation: str | None, check: str | None, detail: str | None) -> str:
    key = "\x1f".join((api, requirement, operation or "", check or "", normalise(detail)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


_OPERATION = re.compile(r"\b(GET|PUT|POST|PATCH|DELETE|HEAD|OPTIONS) (/[^\s:()]*)")


def operation_of(text: str) -> str | None:
    """The operation a message names near its start ('PATCH /cases/{caseID}/actions/{actionID}: ...'),
    or None; a path with concrete IDs is normalised like any detail."""
    m = _OPERATION.search(text or "")
    return normalise(f"{m.group(1)} {m.group(2)}") if m and m.start() < 40 else None


@dataclass
class Finding:
    """One distinct way one requirement is broken (a part of results.json's public contract)."""

    fingerprint: str
    requirement: str
    operation: str | None
    check: str | None
    detail: str  # normalised
    message: str  # the first occurrence's message, as the user reads it (redacted)
    exchanges: list[str] = field(default_factory=list)  # evidence: exchange ids of the occurrences
    occurrences: int = 1
    tests: list[str] = field(default_factory=list)
    flaky: bool = False  # seen on some attempts of a rerun and not on others
    deviation: dict[str, Any] | None = None  # the target's entry that accepts this finding, if any

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["exchanges"] = d["exchanges"][:10]
        d["tests"] = d["tests"][:10]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def make(api: str, requirement: str, message: str, exchanges: list[str] | None = None, *,
         operation: str | None = None, check: str | None = None, detail: str | None = None,
         test: str | None = None) -> Finding:
    operation = operation or operation_of(message)
    stable = detail if detail is not None else message
    return Finding(fingerprint(api, requirement, operation, check, stable), requirement, operation, check,
                   normalise(stable), message, list(exchanges or []), 1, [test] if test else [])


def from_violation(api: str, violation: Any, test: str | None = None) -> Finding:
    """A Finding from a RequirementViolation (or a PreconditionFailed that names its requirement)."""
    return make(api, violation.requirement, getattr(violation, "message", None) or str(violation),
                getattr(violation, "exchanges", None), operation=getattr(violation, "operation", None),
                check=getattr(violation, "check", None) or ("prerequisite" if not hasattr(violation, "message")
                                                            else None),
                detail=getattr(violation, "detail", None), test=test)


def merge(into: dict[str, Finding], finding: Finding) -> Finding:
    """Add one occurrence; the first message stays, evidence and tests accumulate."""
    have = into.get(finding.fingerprint)
    if have is None:
        into[finding.fingerprint] = finding
        return finding
    have.occurrences += finding.occurrences
    have.exchanges += [e for e in finding.exchanges if e not in have.exchanges]
    have.tests += [t for t in finding.tests if t not in have.tests]
    have.flaky = have.flaky or finding.flaky
    return have
