"""Per-requirement outcomes, deviations and the gating verdict (DESIGN.md,
"Outcomes" and "Gating"); the shape of results.json is a public contract.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from conformance import findings as findings_mod
from conformance import requirements
from conformance.target import Target

OUTCOMES = ("passed", "failed", "warning", "deviation", "unexpectedly-passed", "skipped", "omitted", "broken")
GATING = {"failed", "broken"}
# 2: each requirement lists its findings (fingerprint, operation, check, detail, message, level, evidence,
# flaky); deviations may name a finding fingerprint
RESULTS_VERSION = 2


@dataclass
class TestRecord:
    __test__ = False  # a record, not a pytest test class
    """What one test said about the requirements it declares."""

    nodeid: str
    requirements: tuple[str, ...]
    outcome: str  # passed | violated | broken | skipped | omitted
    violated: str | None = None  # the requirement a violation named
    message: str = ""
    exchanges: list[str] = field(default_factory=list)
    duration: float = 0.0
    # every distinct finding the test made (conformance.findings.Finding as dicts); a violated test
    # has at least one
    findings: list[dict[str, Any]] = field(default_factory=list)
    stopped: bool = True  # the test stopped at its finding (False: it went on to the end)

    def all_findings(self) -> list[dict[str, Any]]:
        """Its findings; a record from before findings existed has one, made from its message."""
        if self.findings or self.outcome != "violated" or not self.violated:
            return self.findings
        return [findings_mod.make("", self.violated, self.message, self.exchanges, test=self.nodeid).as_dict()]


@dataclass
class RequirementResult:
    id: str
    level: str
    family: str
    topic: str
    sentence: str
    source: str
    outcome: str = "omitted"
    messages: list[str] = field(default_factory=list)
    observations: dict[str, Any] = field(default_factory=dict)
    exchanges: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    deviation: dict[str, Any] | None = None
    findings: dict[str, findings_mod.Finding] = field(default_factory=dict)  # by fingerprint

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome, "level": self.level, "family": self.family, "topic": self.topic,
            "sentence": self.sentence, "source": self.source, "messages": self.messages[:20],
            "observations": self.observations, "exchanges": self.exchanges[:50], "tests": self.tests,
            "deviation": self.deviation,
            "findings": [{**f.as_dict(), "level": self.level} for f in self.findings.values()],
        }


def add_observation(observations: dict[str, dict[str, Any]], requirement: str, key: str, value: Any,
                    first_only: bool = False) -> None:
    """Record what the server did; distinct answers to the same question are all kept (one server
    answered differently at different times)."""
    bucket = observations.setdefault(requirement, {})
    if first_only and key in bucket:
        return
    if key in bucket and bucket[key] != value:
        previous = bucket[key] if isinstance(bucket[key], list) else [bucket[key]]
        if value not in previous:
            bucket[key] = previous + [value]
    else:
        bucket[key] = value


def aggregate(target: Target, records: Iterable[TestRecord],
              observations: dict[str, dict[str, Any]], today: dt.date | None = None) -> dict[str, RequirementResult]:
    results = {
        r.id: RequirementResult(r.id, r.level, r.family, r.topic, r.sentence, r.source)
        for r in requirements.for_api(target.api)
    }
    seen: dict[str, list[str]] = {rid: [] for rid in results}
    for rec in records:
        found = rec.all_findings()
        by_req: dict[str, list[dict[str, Any]]] = {}
        for f in found:
            by_req.setdefault(f["requirement"], []).append(f)
        named = set(rec.requirements) | set(by_req)
        for rid in named:
            if rid not in results:
                continue
            res = results[rid]
            res.tests.append(rec.nodeid)
            if rec.outcome == "violated":
                if rid in by_req:
                    seen[rid].append("violated")
                    for f in by_req[rid]:
                        if f["fingerprint"] not in res.findings:
                            res.messages.append(f["message"])
                        findings_mod.merge(res.findings, findings_mod.Finding.from_dict(f))
                        res.exchanges.extend(e for e in f["exchanges"] if e not in res.exchanges)
                elif rec.stopped:
                    seen[rid].append("not-reached")
                    blocking = ", ".join(f"{f['requirement']} finding {f['fingerprint']}" for f in found)
                    res.messages.append(f"{rec.nodeid}: not reached, stopped by {blocking}")
                else:
                    seen[rid].append("passed")  # the test went on to the end; its other findings are elsewhere
            else:
                seen[rid].append(rec.outcome)
                if rec.outcome in {"broken", "skipped", "omitted"} and rec.message:
                    res.messages.append(rec.message)
                if rec.outcome == "passed":
                    res.exchanges.extend(rec.exchanges[:5])
    for rid, res in results.items():
        res.observations = dict(observations.get(rid, {}))
        marks = seen[rid]
        if "violated" in marks:
            res.outcome = "warning" if res.level == "SHOULD" else "failed"
        elif "broken" in marks:
            res.outcome = "broken"
        elif "passed" in marks:
            res.outcome = "passed"
        elif "skipped" in marks or "not-reached" in marks:
            res.outcome = "skipped"
        else:
            res.outcome = "omitted"
        _apply_deviation(target, res, today)
    return results


def _entry(entry: Any, today: dt.date | None) -> dict[str, Any]:
    return {"reason": entry.reason, "reference": entry.reference, "expires": entry.expires.isoformat(),
            "expired": entry.expired(today), **({"finding": entry.finding} if entry.finding else {})}


def _apply_deviation(target: Target, res: RequirementResult, today: dt.date | None) -> None:
    """Known deviations (DESIGN.md, Outcomes): an entry for the requirement accepts all of its findings;
    an entry naming a fingerprint accepts that finding only, so a new defect still fails."""
    per_finding = target.finding_deviations(res.id)
    for fp, f in res.findings.items():
        if fp in per_finding:
            f.deviation = _entry(per_finding[fp], today)
    entry = target.deviation_for(res.id)
    if entry is None and per_finding:
        res.deviation = {"findings": [_entry(e, today) for e in per_finding.values()]}
        if res.outcome in {"failed", "warning"}:
            open_ = [f for fp, f in res.findings.items() if fp not in per_finding]
            expired = [e for fp, e in per_finding.items() if fp in res.findings and e.expired(today)]
            if expired:
                res.outcome = "failed"
                res.messages += [f"known deviation for finding {e.finding} expired on {e.expires.isoformat()} "
                                 f"({e.reference})" for e in expired]
            elif not open_:
                res.outcome = "deviation"
        elif res.outcome == "passed":
            res.outcome = "unexpectedly-passed"
        return
    if entry is None:
        return
    res.deviation = _entry(entry, today)
    if entry.expired(today):
        if res.outcome in {"failed", "warning"}:
            res.outcome = "failed"  # DESIGN.md: expired deviation entries count as failed
            res.messages.append(f"known deviation expired on {entry.expires.isoformat()} ({entry.reference})")
        return
    if res.outcome in {"failed", "warning"}:
        res.outcome = "deviation"
    elif res.outcome == "passed":
        res.outcome = "unexpectedly-passed"


def verdict(results: dict[str, RequirementResult], fail_on: str = "failed") -> tuple[bool, list[str]]:
    gating = set(GATING) | ({"warning"} if fail_on == "warning" else set())
    blocking = sorted(rid for rid, r in results.items() if r.outcome in gating)
    return (not blocking, blocking)


def counts(results: dict[str, RequirementResult]) -> dict[str, int]:
    out = {o: 0 for o in OUTCOMES}
    for r in results.values():
        out[r.outcome] += 1
    return out


def document(target: Target, results: dict[str, RequirementResult], started: dt.datetime, finished: dt.datetime,
             fail_on: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    ok, blocking = verdict(results, fail_on)
    return {
        "version": RESULTS_VERSION,
        "target": {"name": target.name, "api": target.api, "base_url": target.base_url},
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "verdict": {"passed": ok, "fail_on": fail_on, "blocking": blocking},
        "counts": counts(results),
        "requirements": {rid: r.as_dict() for rid, r in sorted(results.items())},
        **(extra or {}),
    }


def write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


GOOD = {"passed", "unexpectedly-passed"}


def regressions(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What got worse since the baseline run: a requirement that passed and no longer does, a test
    that ran before and is gone (a vanished test proves nothing), and every finding that is new (a
    second defect under a requirement that already failed is a regression too). A finding that the
    baseline had, flaky or not, or that a known deviation accepts, is not new."""
    found: list[str] = []
    now = current["requirements"]
    for rid, before in sorted(baseline["requirements"].items()):
        after = now.get(rid)
        if before["outcome"] in GOOD and (after is None or after["outcome"] not in GOOD):
            found.append(f"{rid}: {before['outcome']} -> {after['outcome'] if after else 'missing'}")
        if after is not None:
            gone = sorted(set(before.get("tests", [])) - set(after.get("tests", [])))
            found += [f"{rid}: test vanished: {t}" for t in gone]
    for kind, finding in diff(baseline, current):
        if kind == "new" and not _accepted(finding, now.get(finding["requirement"], {})):
            found.append(f"{finding['requirement']}: new finding {finding['fingerprint']}"
                         f"{' (flaky)' if finding.get('flaky') else ''}: {finding['message'][:300]}")
    return found


def _accepted(finding: dict[str, Any], requirement: dict[str, Any]) -> bool:
    if finding.get("deviation") and not finding["deviation"].get("expired"):
        return True
    whole = requirement.get("deviation") or {}
    return requirement.get("outcome") == "deviation" and "findings" not in whole


def findings_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """fingerprint -> finding, over every requirement of a results document (empty before version 2)."""
    return {f["fingerprint"]: f for r in doc["requirements"].values() for f in r.get("findings", [])}


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(new | fixed | unchanged, finding) between two results documents of the same API. A requirement
    the earlier document did not verify (not run, or written before findings existed) is left out:
    there is nothing to compare its findings with (its outcome is still compared by regressions)."""
    a, b = findings_of(before), findings_of(after)
    comparable = {rid for rid, r in before["requirements"].items() if "findings" in r
                  and r.get("outcome") not in {"skipped", "omitted"}}
    out: list[tuple[str, dict[str, Any]]] = []
    for fp, f in b.items():
        if fp in a:
            out.append(("unchanged", f))
        elif f["requirement"] in comparable:
            out.append(("new", f))
    ran_now = {rid for rid, r in after["requirements"].items() if r.get("outcome") not in {"skipped", "omitted"}}
    out += [("fixed", f) for fp, f in a.items() if fp not in b and f["requirement"] in ran_now]
    return out
