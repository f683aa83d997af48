"""Outcomes per requirement, deviations and gating (DESIGN.md "Outcomes", "Gating")."""

from __future__ import annotations

import datetime as dt

from conformance import results
from conformance.results import TestRecord
from conformance.target import parse

TODAY = dt.date(2026, 11, 23)


def target(deviations=()):
    return parse({"name": "t", "api": "pega-dx-v2", "base_url": "http://x", "auth": {"type": "none"},
                  "fixtures": {"case_type_id": "X"}, "deviations": list(deviations)}, env={})


def dev(req, expires="2027-01-01"):
    return {"requirement": req, "reason": "known", "reference": "J-1", "expires": expires}


def outcomes(tgt, records, obs=None):
    return {k: v.outcome for k, v in results.aggregate(tgt, records, obs or {}, TODAY).items()}


def test_violation_fails_must_and_warns_should():
    out = outcomes(target(), [
        TestRecord("a", ("PEGA-ETAG-003",), "violated", "PEGA-ETAG-003", "stale accepted"),
        TestRecord("b", ("PEGA-ERR-003",), "violated", "PEGA-ERR-003", "no details"),
        TestRecord("c", ("PEGA-ETAG-002",), "passed"),
    ])
    assert out["PEGA-ETAG-003"] == "failed"
    assert out["PEGA-ERR-003"] == "warning"
    assert out["PEGA-ETAG-002"] == "passed"
    assert out["PEGA-V1-001"] == "omitted"  # no test said anything about it


def test_a_failure_wins_over_other_passing_tests_and_broken_over_pass():
    out = outcomes(target(), [
        TestRecord("a", ("PEGA-ETAG-003",), "passed"),
        TestRecord("b", ("PEGA-ETAG-002", "PEGA-ETAG-003"), "violated", "PEGA-ETAG-003", "x"),
        TestRecord("c", ("PEGA-CASE-001",), "passed"),
        TestRecord("d", ("PEGA-CASE-001",), "broken", message="timeout"),
    ])
    assert out["PEGA-ETAG-003"] == "failed"
    assert out["PEGA-ETAG-002"] == "skipped"  # its only test stopped at another requirement
    assert out["PEGA-CASE-001"] == "broken"


def test_deviation_unexpected_pass_and_expiry():
    tgt = target([dev("PEGA-ETAG-004"), dev("PEGA-ETAG-003"), dev("PEGA-CASE-001", "2026-01-01")])
    out = outcomes(tgt, [
        TestRecord("a", ("PEGA-ETAG-004",), "violated", "PEGA-ETAG-004", "x"),
        TestRecord("b", ("PEGA-ETAG-003",), "passed"),
        TestRecord("c", ("PEGA-CASE-001",), "violated", "PEGA-CASE-001", "x"),
    ])
    assert out["PEGA-ETAG-004"] == "deviation"
    assert out["PEGA-ETAG-003"] == "unexpectedly-passed"
    assert out["PEGA-CASE-001"] == "failed"  # expired entries count as failed


def test_gating_verdict():
    agg = results.aggregate(target([dev("PEGA-ETAG-004")]), [
        TestRecord("a", ("PEGA-ETAG-004",), "violated", "PEGA-ETAG-004", "x"),
        TestRecord("b", ("PEGA-ERR-003",), "violated", "PEGA-ERR-003", "x"),
    ], {}, TODAY)
    assert results.verdict(agg) == (True, [])
    assert results.verdict(agg, "warning") == (False, ["PEGA-ERR-003"])
    agg["PEGA-CASE-001"].outcome = "broken"
    assert results.verdict(agg) == (False, ["PEGA-CASE-001"])


def test_results_document_shape(tmp_path):
    tgt = target()
    agg = results.aggregate(tgt, [TestRecord("a", ("PEGA-ETAG-003",), "passed", exchanges=["ex-00001"])],
                            {"PEGA-ETAG-003": {"stale_if_match_status": 409}}, TODAY)
    now = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
    doc = results.document(tgt, agg, now, now, "failed")
    results.write(tmp_path / "r.json", doc)
    back = results.read(tmp_path / "r.json")
    assert set(back) >= {"version", "target", "started", "finished", "verdict", "counts", "requirements"}
    req = back["requirements"]["PEGA-ETAG-003"]
    assert req["outcome"] == "passed" and req["level"] == "MUST"
    assert req["observations"] == {"stale_if_match_status": 409} and req["exchanges"] == ["ex-00001"]
    assert sum(back["counts"].values()) == len(back["requirements"])
