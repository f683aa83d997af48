"""The cross-target comparison, shard merging and baseline gating."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conformance import compare, results


def req(outcome, topic, family="etag", level="MUST", observations=None, exchanges=(), tests=("t1",)):
    return {"outcome": outcome, "level": level, "family": family, "topic": topic, "sentence": f"{topic} sentence",
            "source": "seed", "messages": [] if outcome == "passed" else ["[X] broke"],
            "observations": observations or {}, "exchanges": list(exchanges), "tests": list(tests), "deviation": None}


def write_run(folder: Path, name: str, api: str, reqs: dict, exchanges=()) -> Path:
    folder.mkdir(parents=True)
    doc = {"version": 1, "target": {"name": name, "api": api, "base_url": f"http://{name}"}, "started": "s",
           "finished": "f", "verdict": {"passed": True, "blocking": []}, "counts": {}, "requirements": reqs}
    (folder / "results.json").write_text(json.dumps(doc))
    (folder / "exchanges.jsonl").write_text("".join(json.dumps(e) + "\n" for e in exchanges))
    return folder


EX = {"id": "ex-00007", "method": "PATCH", "url": "http://a/cases/1", "status": 409, "response_headers": {},
      "response_body": "<script>alert(1)</script>", "curl": "curl -X PATCH http://a/cases/1"}


def test_rows_line_up_across_apis_by_topic(tmp_path):
    a = write_run(tmp_path / "a", "pega-staging", "pega-dx-v2", {
        "PEGA-ETAG-003": req("passed", "locking.stale-write-refused", observations={"stale_if_match_status": 409},
                             exchanges=["ex-00007"]),
        "PEGA-ETAG-001": req("failed", "locking.version-token")}, [EX])
    b = write_run(tmp_path / "b", "ibm-staging", "ibm-caserest-v1", {
        "IBM-LOCK-001": req("passed", "locking.stale-write-refused", observations={"lost_update_possible": "yes"})})
    runs = compare.load_runs([a, b])
    m = compare.matrix(runs)
    row = next(r for r in m["rows"] if r["topic"] == "locking.stale-write-refused")
    assert row["cells"]["pega-staging"]["requirement"] == "PEGA-ETAG-003"
    assert row["cells"]["ibm-staging"]["requirement"] == "IBM-LOCK-001"
    assert m["rows"][0] is row  # rows shared by several APIs come first
    md = compare.markdown(runs)
    assert "stale_if_match_status=409" in md and "lost_update_possible=yes" in md
    page = compare.render_html(runs)
    # self-contained: nothing fetched from elsewhere; server data escaped (the one script is the filters')
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]*\bsrc=", page)
    assert page.count("<script") == 1 and "<select id=f-api>" in page and "<select id=f-outcome>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # evidence one click away: the link's anchor exists and holds the exchange
    anchor = re.search(r"href='#(ev-0-PEGA-ETAG-003)'", page).group(1)
    assert f"id='{anchor}'" in page and "curl -X PATCH http://a/cases/1" in page
    assert "not in this API" in page


def test_shards_of_one_target_merge_worst_first(tmp_path):
    s1 = write_run(tmp_path / "s1", "pega", "pega-dx-v2", {"PEGA-ETAG-003": req("passed", "x", tests=["a"]),
                                                           "PEGA-ETAG-004": req("omitted", "y", tests=[])})
    s2 = write_run(tmp_path / "s2", "pega", "pega-dx-v2", {"PEGA-ETAG-003": req("failed", "x", tests=["b"]),
                                                           "PEGA-ETAG-004": req("passed", "y", tests=["c"])})
    [run] = compare.load_runs([s1, s2])
    assert run.requirements["PEGA-ETAG-003"]["outcome"] == "failed"
    assert run.requirements["PEGA-ETAG-004"]["outcome"] == "passed"
    assert run.requirements["PEGA-ETAG-003"]["tests"] == ["a", "b"]
    assert run.verdict["passed"] is False and run.verdict["blocking"] == ["PEGA-ETAG-003"]


def test_regressions_against_a_baseline():
    before = {"requirements": {"A": req("passed", "a", tests=["t1", "t2"]), "B": req("failed", "b"),
                               "C": req("passed", "c"), "D": req("unexpectedly-passed", "d")}}
    after = {"requirements": {"A": req("passed", "a", tests=["t1"]), "B": req("failed", "b"),
                              "C": req("deviation", "c"), "D": req("passed", "d")}}
    found = results.regressions(before, after)
    assert found == ["A: test vanished: t2", "C: passed -> deviation"]
    assert results.regressions(before, before) == []


def _finding(fp, message, flaky=False):
    return {"fingerprint": fp, "requirement": "PEGA-AUTH-001", "operation": "GET /cases/{caseID}", "check": None,
            "detail": message, "message": message, "exchanges": [], "occurrences": 1, "tests": [], "flaky": flaky}


def test_cells_show_their_findings_and_what_differs_from_the_column_before(tmp_path):
    one, two, three = _finding("a" * 16, "no token: 200"), _finding("b" * 16, "bad token: 200"), \
        _finding("c" * 16, "attachments: 200", flaky=True)
    old = write_run(tmp_path / "old", "pega-8.8", "pega-dx-v2", {
        "PEGA-AUTH-001": {**req("failed", "auth.token"), "findings": [one, two]}})
    new = write_run(tmp_path / "new", "pega-24.1", "pega-dx-v2", {
        "PEGA-AUTH-001": {**req("failed", "auth.token"), "findings": [two, three]}})
    runs = compare.load_runs([old, new])
    cell = compare.matrix(runs)["rows"][0]["cells"]["pega-24.1"]
    assert [f["fingerprint"] for f in cell["findings"]] == ["b" * 16, "c" * 16]
    assert cell["versus"] == {"target": "pega-8.8", "new": ["c" * 16], "gone": ["a" * 16]}
    assert "versus" not in compare.matrix(runs)["rows"][0]["cells"]["pega-8.8"]
    md = compare.markdown(runs)
    assert "2 findings (vs pega-8.8: +1 -1)" in md
    page = compare.render_html(runs)
    assert page.count("<details class=findings>") == 2 and "<b>new</b>" in page and "<i>flaky</i>" in page
    assert "+1 new, −1 gone" in page


def test_shards_merge_findings_by_fingerprint(tmp_path):
    f = _finding("d" * 16, "no token: 200")
    s1 = write_run(tmp_path / "s1", "pega", "pega-dx-v2", {"PEGA-AUTH-001": {**req("failed", "x"), "findings": [f]}})
    s2 = write_run(tmp_path / "s2", "pega", "pega-dx-v2", {"PEGA-AUTH-001": {**req("failed", "x"), "findings": [f]}})
    [run] = compare.load_runs([s1, s2])
    [merged] = run.requirements["PEGA-AUTH-001"]["findings"]
    assert merged["occurrences"] == 2
