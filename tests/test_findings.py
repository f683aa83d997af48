"""Findings and their fingerprints (conformance.findings), and how results, gating and diff use them."""

from __future__ import annotations

import datetime as dt
import string
import tomllib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import findings, results
from conformance.findings import fingerprint, normalise
from conformance.target import parse

# --- the normaliser: volatile values never change a fingerprint ---------------------------------------

_word = st.text(string.ascii_letters, min_size=1, max_size=8)
_case_id = st.builds(lambda a, b, n: f"{a.upper()}-{b.upper()}-WORK {a[:1].upper()}-{n}", _word, _word,
                     st.integers(1, 10**7))
_iso = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
    lambda d: d.isoformat(timespec="milliseconds") + "Z")
_stamp = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
    lambda d: d.strftime("%Y%m%dT%H%M%S.") + f"{d.microsecond // 1000:03d} GMT")  # seed 000 eTag form
_uuid = st.uuids().map(str)
_token = st.text(string.ascii_letters + string.digits + "-_", min_size=24, max_size=64)
_host = st.builds(lambda h, p: f"http://{h.lower()}.example:{p}/prweb/api/application/v2/cases/X-1", _word,
                  st.integers(1, 65535))
_exchange = st.builds(lambda w, n: f"ex-gw{w}-{n:05d}" if w else f"ex-{n:05d}", st.integers(0, 8), st.integers(1, 99999))
_run_tag = st.builds(lambda d, h: f"CONF-{d.strftime('%Y%m%dT%H%M%S')}-{h}",
                     st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
                     st.text("0123456789abcdef", min_size=6, max_size=6))
VOLATILE = st.one_of(_case_id, _iso, _stamp, _uuid, _token, _host, _exchange, _run_tag, st.integers(1000, 10**9).map(str))

TEMPLATES = [
    "GET /cases/{{caseID}} with no token: expected 401, got 200 ({v} -> 200)",
    "case {v} still in stage PRIM0 after a successful submit",
    "PATCH /cases/{{caseID}}/actions/{{actionID}} answered eTag {v} that was sent",
    "upload of {v} answered 500",
    "the list of {v} shows attachment {v2} of another case at $.attachments[{n}].ID",
]


@settings(max_examples=200, deadline=None)
@given(template=st.sampled_from(TEMPLATES), a=VOLATILE, b=VOLATILE, c=VOLATILE, d=VOLATILE, n=st.integers(0, 99))
def test_volatile_values_never_change_a_fingerprint(template, a, b, c, d, n):
    one = template.format(v=a, v2=b, n=n)
    two = template.format(v=c, v2=d, n=n + 1)
    assert normalise(one) == normalise(two), (one, two)
    assert fingerprint("pega-dx-v2", "PEGA-X-001", "GET /x", None, one) == \
        fingerprint("pega-dx-v2", "PEGA-X-001", "GET /x", None, two)


@pytest.mark.parametrize("a,b", [
    ("expected 401, got 200", "expected 401, got 404"),  # a status is what a finding is about
    ("JsonSchemaError at $.data.caseInfo.status (type)", "JsonSchemaError at $.data.caseInfo.urgency (type)"),
    ("GET /cases/{caseID} with no token", "GET /cases/{caseID}/attachments with no token"),
])
def test_what_identifies_a_defect_changes_the_fingerprint(a, b):
    assert fingerprint("api", "R-1", None, None, a) != fingerprint("api", "R-1", None, None, b)


def test_the_other_parts_of_a_finding_change_the_fingerprint():
    base = ("pega-dx-v2", "PEGA-AUTH-001", "GET /cases/{caseID}", "status", "expected 401, got 200")
    assert len(fingerprint(*base)) == findings.FINGERPRINT_LENGTH
    for i, other in enumerate(("processmaker-3", "PEGA-ERR-001", "GET /assignments/{assignmentID}", "schema")):
        changed = list(base)
        changed[i] = other
        assert fingerprint(*changed) != fingerprint(*base)


def test_normalise_keeps_names_and_statuses():
    text = "GET /cases/CONF-DEMO-WORK R-1042 answered 500 at $.data.caseInfo.stages[3].visited_status"
    assert normalise(text) == "GET /cases/<v> answered 500 at $.data.caseInfo.stages[*].visited_status"
    # an index is an index, even one that reads like a status
    assert normalise("at $.attachments[100].ID") == normalise("at $.attachments[7].ID") == "at $.attachments[*].ID"


# --- results: findings per requirement, gating, diff, deviations ------------------------------------

TARGET = """
name = "t"
api = "pega-dx-v2"
base_url = "http://127.0.0.1:1/prweb/api/application/v2"
[auth]
type = "bearer"
token = "x"
[fixtures]
case_type_id = "C"
"""


def _target(extra: str = ""):
    return parse(tomllib.loads(TARGET + extra), "t.toml")


def _record(nodeid, reqs, found=(), outcome=None, stopped=True):
    fs = [findings.make("pega-dx-v2", rid, msg, [f"ex-{i:05d}"], operation=op, test=nodeid).as_dict()
          for i, (rid, op, msg) in enumerate(found)]
    return results.TestRecord(nodeid, reqs, outcome or ("violated" if fs else "passed"),
                              fs[0]["requirement"] if fs else None, fs[0]["message"] if fs else "",
                              findings=fs, stopped=stopped)


def _doc(records, extra=""):
    target = _target(extra)
    agg = results.aggregate(target, records, {}, today=dt.date(2026, 1, 1))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    return results.document(target, agg, now, now, "failed")


AUTH_GET = ("PEGA-AUTH-001", "GET /cases/{caseID}", "GET /cases/{caseID} with no token: expected 401, got 200")
AUTH_ATT = ("PEGA-AUTH-001", "GET /cases/{caseID}/attachments",
            "GET /cases/{caseID}/attachments with no token: expected 401, got 200")


def test_results_list_each_requirements_findings_with_their_fingerprints():
    doc = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET]), _record("t::b", ("PEGA-AUTH-001",), [AUTH_ATT]),
                _record("t::c", ("PEGA-AUTH-001",), [AUTH_GET])])
    req = doc["requirements"]["PEGA-AUTH-001"]
    assert doc["version"] == results.RESULTS_VERSION == 2
    assert req["outcome"] == "failed"
    assert len(req["findings"]) == 2
    by_op = {f["operation"]: f for f in req["findings"]}
    assert by_op["GET /cases/{caseID}"]["occurrences"] == 2
    assert set(by_op["GET /cases/{caseID}"]["tests"]) == {"t::a", "t::c"}
    assert all(f["level"] == "MUST" and f["exchanges"] for f in req["findings"])


def test_a_test_that_went_on_after_a_finding_of_another_requirement_still_verified_its_own():
    went_on = _record("t::p", ("PEGA-SCHEMA-001",), [("PEGA-ERR-003", "GET /x", "no errorDetails")], stopped=False)
    stopped = _record("t::q", ("PEGA-ETAG-002",), [("PEGA-CASE-001", "POST /cases", "create answered 500")])
    doc = _doc([went_on, stopped])
    assert doc["requirements"]["PEGA-SCHEMA-001"]["outcome"] == "passed"
    assert doc["requirements"]["PEGA-ERR-003"]["outcome"] == "warning"
    # the stopped test's own requirement is not reached, and says which finding stopped it
    etag = doc["requirements"]["PEGA-ETAG-002"]
    fp = doc["requirements"]["PEGA-CASE-001"]["findings"][0]["fingerprint"]
    assert etag["outcome"] == "skipped" and any(fp in m for m in etag["messages"])


def test_a_second_finding_under_a_failing_requirement_is_a_regression():
    before = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET])])
    after = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET]), _record("t::b", ("PEGA-AUTH-001",), [AUTH_ATT])])
    assert before["requirements"]["PEGA-AUTH-001"]["outcome"] == after["requirements"]["PEGA-AUTH-001"]["outcome"]
    found = results.regressions(before, after)
    new_fp = fingerprint("pega-dx-v2", AUTH_ATT[0], AUTH_ATT[1], None, AUTH_ATT[2])
    assert len(found) == 1 and new_fp in found[0], found
    kinds = sorted(k for k, _ in results.diff(before, after))
    assert kinds == ["new", "unchanged"]
    assert [k for k, _ in results.diff(after, before)] == ["unchanged", "fixed"]


def test_a_finding_the_baseline_had_flaky_is_not_new_and_an_unrun_requirement_is_not_compared():
    before = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET])])
    before["requirements"]["PEGA-AUTH-001"]["findings"][0]["flaky"] = True
    after = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET])])
    assert results.regressions(before, after) == []
    skipped_before = _doc([_record("t::z", ("PEGA-AUTH-001",), outcome="skipped")])
    assert [k for k, _ in results.diff(skipped_before, after)] == []


def test_a_deviation_may_accept_one_finding_and_not_the_next():
    fp = fingerprint("pega-dx-v2", AUTH_GET[0], AUTH_GET[1], None, AUTH_GET[2])
    entry = (f'\n[[deviations]]\nrequirement = "PEGA-AUTH-001"\nfinding = "{fp}"\nreason = "known"\n'
             f'reference = "JIRA-1"\nexpires = 2099-01-01\n')
    known_only = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET])], entry)
    assert known_only["requirements"]["PEGA-AUTH-001"]["outcome"] == "deviation"
    assert known_only["verdict"]["passed"]
    both = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET]), _record("t::b", ("PEGA-AUTH-001",), [AUTH_ATT])],
                entry)
    assert both["requirements"]["PEGA-AUTH-001"]["outcome"] == "failed"
    accepted = {f["fingerprint"]: bool(f["deviation"]) for f in both["requirements"]["PEGA-AUTH-001"]["findings"]}
    assert accepted == {fp: True, fingerprint("pega-dx-v2", AUTH_ATT[0], AUTH_ATT[1], None, AUTH_ATT[2]): False}
    # against a baseline that had the known one, only the other is new
    found = results.regressions(known_only, both)
    assert [line for line in found if "new finding" in line] and fp not in " ".join(found)


def test_a_deviation_entry_names_a_fingerprint_of_the_right_form():
    from conformance.target import TargetError

    with pytest.raises(TargetError, match="finding"):
        _target('\n[[deviations]]\nrequirement = "PEGA-AUTH-001"\nfinding = "not-a-fingerprint"\nreason = "r"\n'
                'reference = "J"\nexpires = 2099-01-01\n')


def test_a_record_from_before_findings_existed_still_makes_one():
    rec = results.TestRecord("t::old", ("PEGA-CASE-001",), "violated", "PEGA-CASE-001", "POST /cases answered 200")
    doc = _doc([rec])
    assert len(doc["requirements"]["PEGA-CASE-001"]["findings"]) == 1


def test_finding_ids_are_stable_hex():
    f = findings.make("pega-dx-v2", "PEGA-CASE-001", f"case {uuid.uuid4()} gone")
    assert all(ch in "0123456789abcdef" for ch in f.fingerprint)


def test_allure_gets_one_result_per_finding_with_the_fingerprint_as_history(tmp_path):
    import json as json_mod

    from conformance.cli import _allure_findings

    doc = _doc([_record("t::a", ("PEGA-AUTH-001",), [AUTH_GET]), _record("t::b", ("PEGA-AUTH-001",), [AUTH_ATT])])
    (tmp_path / "exchanges.jsonl").write_text(json_mod.dumps(
        {"id": "ex-00000", "method": "GET", "status": 200, "curl": "curl -sS http://x/cases/1"}) + "\n")
    _allure_findings(tmp_path / "allure-results", _target(), doc, tmp_path)
    written = [json_mod.loads(p.read_text()) for p in (tmp_path / "allure-results").glob("*-result.json")]
    fps = {f["fingerprint"] for f in doc["requirements"]["PEGA-AUTH-001"]["findings"]}
    assert {r["testCaseId"] for r in written} == fps
    assert all(r["historyId"] == f"{r['testCaseId']}:t" and r["status"] == "failed" for r in written)
    assert any(r.get("attachments") for r in written)  # the evidence, as a curl line
