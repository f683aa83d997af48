"""The benchmark's own parsing and output (the measurements themselves run in `make bench`)."""

from __future__ import annotations

import base64
import json
import re

import pytest
import yaml
from click.testing import CliRunner

from conformance import apis, bench
from conformance.suites import spec_path

DREDD = """\x1b[32mpass\x1b[39m: GET (200) /cases/A duration: 3ms
fail: POST (201) /cases?viewType=none duration: 55ms
error: DELETE (200) /cases/A duration: 2ms
\x1b[31mfail\x1b[39m: POST (201) /cases?viewType=none duration: 55ms
"""


def test_dredd_output_counts_each_transaction_once():
    parsed = bench.parse_dredd(DREDD)
    assert parsed == {"requests": 3, "counts": {"pass": 1, "fail": 1, "error": 1},
                      "failures": ["DELETE (200) /cases/A", "POST (201) /cases?viewType=none"]}
    assert bench.parse_dredd("error: Error connecting to server under test!") is None


def test_readme_block_is_replaced_whole_by_a_full_run_and_a_missing_block_is_an_error(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench:start -->\nold\n<!-- bench:end -->\noutro\n")
    doc = {"date": "2026-11-23", "machine": {"cores": 2, "python": "3.11"}, "seconds": 1.0,
           "parallel": [{"api": "x", "one_process": 10.0, "xdist_2": 6.0, "two_shards": 7.0, "speedup_xdist": 1.67,
                         "speedup_shards": 1.43, "xdist_equal": True, "shards_equal": False}]}
    text = bench.markdown(doc)
    assert "| x | 10.0 | 6.0 | 1.67 | yes | 7.0 | 1.43 | NO |" in text
    merged = bench.merge_block(readme.read_text(), doc, whole=True)
    assert merged.startswith("intro\n<!-- bench:start -->\nMeasured") and merged.endswith("<!-- bench:end -->\noutro\n")
    assert "old" not in merged and "<!-- bench:parallel:start -->" in merged
    monkeypatch.setattr(bench, "parallel", lambda *a: pytest.fail("measured for a README it cannot write"))
    readme.write_text("no block here\n")
    result = CliRunner().invoke(bench.main, ["--section", "parallel", "--api", "pega-dx-v2", "--out",
                                             str(tmp_path / "out"), "--readme", str(readme)])
    assert result.exit_code != 0 and "bench:start" in result.output


def test_a_run_of_some_sections_replaces_only_theirs(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench:start -->\nMeasured long ago.\n\n<!-- bench:growth:start -->\ngrowth table\n"
                      "<!-- bench:growth:end -->\n\n<!-- bench:parallel:start -->\nold parallel\n"
                      "<!-- bench:parallel:end -->\n<!-- bench:end -->\noutro\n")
    row = {"api": "x", "one_process": 10.0, "xdist_2": 6.0, "two_shards": 7.0, "speedup_xdist": 1.67,
           "speedup_shards": 1.43, "xdist_equal": True, "shards_equal": True}
    monkeypatch.setattr(bench, "overhead", lambda *a: pytest.fail("not chosen"))
    monkeypatch.setattr(bench, "parallel", lambda api, work: row)
    result = CliRunner().invoke(bench.main, ["--section", "parallel", "--api", "pega-dx-v2", "--out",
                                             str(tmp_path / "out"), "--readme", str(readme)])
    assert result.exit_code == 0, result.output
    body = readme.read_text()
    assert "Measured long ago." in body and "growth table" in body and "old parallel" not in body
    assert "| x | 10.0 | 6.0 | 1.67 | yes |" in body and "--section parallel" in body
    assert body.count("<!-- bench:parallel:start -->") == 1 and body.endswith("<!-- bench:end -->\noutro\n")
    # a section the block does not have yet goes in at its end
    doc = {"date": "2026-11-30", "seconds": 5.0, "growth": None, "parallel": None,
           "schemathesis-breadth": [{"api": "x", "rows": []}]}
    merged = bench.merge_block(body, doc, whole=False)
    assert merged.index("<!-- bench:schemathesis-breadth:start -->") > merged.index("<!-- bench:parallel:end -->")
    assert merged.index("<!-- bench:schemathesis-breadth:end -->") < merged.index("<!-- bench:end -->")
    assert "<!-- bench:parallel:end -->\n\n<!-- bench:schemathesis-breadth:start -->" in merged
    assert "growth table" in merged


# -- stock schemathesis against ours, per (check, operation) ----------------------------------------------
def _b64(text: str) -> dict[str, str]:
    return {"$base64": base64.b64encode(text.encode()).decode()}


def _scenario(label: str, checks: dict[str, list[dict]], statuses: dict[str, int], phase: str = "coverage",
              body: str = "{}") -> str:
    interactions = {cid: {"request": {"method": "GET", "uri": "http://127.0.0.1:1/api/cases/C-1?viewType=x",
                                      "body": _b64(body)},
                          "response": {"status_code": status, "content": _b64('{"ok": true}')}}
                    for cid, status in statuses.items()}
    return json.dumps({"ScenarioFinished": {"phase": phase, "status": "failure", "recorder": {
        "label": label, "checks": checks, "interactions": interactions}}})


def _failed(name: str, kind: str, operation: str, message: str) -> dict:
    return {"name": name, "status": "failure",
            "failure_info": {"failure": {"type": kind, "code": "ST000", "operation": operation, "message": message}}}


NDJSON = "\n".join([
    json.dumps({"Initialize": {"schemathesis_version": "4.32.5"}}),
    _scenario("GET /cases/{caseID}", {
        "a": [{"name": "not_a_server_error", "status": "success"},
              _failed("not_a_server_error", "ServerError", "GET /cases/{caseID}", ""),
              _failed("content_type_conformance", "UndefinedContentType", "GET /cases/{caseID}",
                      "Received: text/plain\nDocumented: application/json")],
        "b": [_failed("not_a_server_error", "ServerError", "GET /cases/{caseID}", "")]}, {"a": 500, "b": 500}),
    # stateful failures are filed under "Stateful tests"; the failure itself names the operation
    _scenario("Stateful tests", {"c": [_failed("negative_data_rejection", "AcceptedNegativeData", "GET /cases/{caseID}",
                                               "Invalid data should have been rejected\nExpected: 400\n"
                                               "Invalid component: parameter `viewType` in query")]},
              {"c": 200}, phase="stateful"),
    _scenario("POST /cases", {"d": [_failed("negative_data_rejection", "AcceptedNegativeData", "POST /cases",
                                            "Invalid component: in body - maxResultsToFetch: Incorrect type")],
                              "e": [_failed("negative_data_rejection", "AcceptedNegativeData", "POST /cases",
                                            "Invalid component: in body - paging: Incorrect type")]},
              {"d": 200, "e": 200}, body='{"maxResultsToFetch": null}'),
    "",
])


def test_schemathesis_ndjson_gives_each_check_and_operation_once_with_distinct_examples():
    reports = bench.parse_schemathesis_ndjson(NDJSON)
    assert [(r["check"], r["operation"], r["count"], len(r["examples"])) for r in reports] == [
        ("content_type_conformance", "GET /cases/{caseID}", 1, 1),
        ("negative_data_rejection", "GET /cases/{caseID}", 1, 1),
        ("not_a_server_error", "GET /cases/{caseID}", 2, 1),  # the same message and status: one example
        ("negative_data_rejection", "POST /cases", 2, 2),
    ]
    first = reports[0]["examples"][0]
    assert first["status"] == 500 and first["message"] == "Received: text/plain | Documented: application/json"
    assert first["request"] == {"method": "GET", "url": "http://127.0.0.1:1/api/cases/C-1?viewType=x", "body": "{}"}
    assert first["answer"] == '{"ok": true}' and reports[1]["examples"][0]["phase"] == "stateful"
    assert len(bench.parse_schemathesis_ndjson(NDJSON, per_report=1)[3]["examples"]) == 1


def _finding(operation, check, detail, requirement="PEGA-SCHEMA-001"):
    return {"requirement": requirement, "operation": operation, "check": check, "detail": detail}


def test_a_stock_report_is_covered_by_the_mapped_kind_or_by_a_finding_naming_its_status_on_that_operation():
    server_error, = [r for r in bench.parse_schemathesis_ndjson(NDJSON) if r["check"] == "not_a_server_error"]
    assert bench.covering(server_error, [_finding("GET /cases/{caseID}", "ServerError", "ServerError status_code=500")])
    assert not bench.covering(server_error, [_finding("DELETE /cases/{caseID}", "ServerError", "status_code=500")])
    assert not bench.covering(server_error, [_finding("GET /cases/{caseID}", "JsonSchemaError", "at $.data (type)")])
    # a scenario finding on the same operation that names the status stock saw
    scenario = _finding("GET /cases/{caseID}", None, "unknown case: expected 404, got 500", "PEGA-ERR-001")
    assert bench.covering(server_error, [scenario]) is scenario
    assert not bench.covering(server_error, [_finding("GET /cases/{caseID}", None, "case W-1500 expected 404, got 4")])
    # our findings come from results.json, each under its requirement
    results = {"requirements": {"PEGA-ERR-001": {"findings": [{"operation": None, "check": None, "detail": "x"}]},
                                "PEGA-CASE-001": {"outcome": "passed", "findings": []}}}
    assert bench.our_findings(results) == [{"operation": None, "check": None, "detail": "x",
                                            "requirement": "PEGA-ERR-001"}]
    # the checks with a counterpart map to the failure kinds our generated tests report
    assert bench.STOCK_CHECKS["status_code_conformance"] == {"UndefinedStatusCode"}
    assert {"UndefinedContentType", "MalformedMediaType"} <= bench.STOCK_CHECKS["content_type_conformance"]
    assert "JsonSchemaError" in bench.STOCK_CHECKS["response_schema_conformance"]
    assert not bench.STOCK_CHECKS["negative_data_rejection"]


SPEC = {"paths": {"/token": {"servers": [{"url": "/oauth2/v1"}], "post": {"responses": {"200": {}}}},
                  "/cases": {"post": {"responses": {"200": {}}}}}}


def test_verdicts_cover_explain_every_example_or_say_missed(monkeypatch):
    monkeypatch.setattr(bench, "NOT_DEFECTS", (
        ("pega-dx-v2", "negative_data_rejection", "*", r"parameter `viewType`", "unknown viewType: default view"),
        ("pega-dx-v2", "negative_data_rejection", "POST /cases", r'"maxResultsToFetch": null', "null reads as absent"),
    ))
    reports = bench.parse_schemathesis_ndjson(NDJSON)
    verdicts = {(v["check"], v["operation"]): v for v in bench.breadth_verdicts(
        "pega-dx-v2", reports, [_finding("GET /cases/{caseID}", "ServerError", "status_code=500")], SPEC)}
    assert verdicts["not_a_server_error", "GET /cases/{caseID}"]["verdict"] == "covered"
    assert verdicts["not_a_server_error", "GET /cases/{caseID}"]["ours"] == "PEGA-SCHEMA-001 ServerError"
    # not the mapped kind, but a finding on that operation names the status stock saw (500)
    assert verdicts["content_type_conformance", "GET /cases/{caseID}"]["verdict"] == "covered"
    wrong = verdicts["negative_data_rejection", "GET /cases/{caseID}"]
    assert (wrong["verdict"], wrong["why"]) == ("wrong", ["unknown viewType: default view"])
    # the pattern is searched in the message, URL, body and answer: both examples of POST /cases send the null
    assert verdicts["negative_data_rejection", "POST /cases"]["verdict"] == "wrong"
    monkeypatch.setattr(bench, "NOT_DEFECTS", bench.NOT_DEFECTS[:1])
    missed = {(v["check"], v["operation"]): v for v in bench.breadth_verdicts("pega-dx-v2", reports, [], SPEC)}
    post = missed["negative_data_rejection", "POST /cases"]
    assert post["verdict"] == "missed" and "maxResultsToFetch" in post["unexplained"]["message"]
    assert missed["not_a_server_error", "GET /cases/{caseID}"]["verdict"] == "missed"
    # another API's entry explains nothing here
    assert missed["negative_data_rejection", "GET /cases/{caseID}"]["verdict"] == "wrong"
    assert bench.breadth_verdicts("ibm-caserest-v1", reports[1:2], [], SPEC)[0]["verdict"] == "missed"


def test_an_operation_with_its_own_servers_is_one_stock_cannot_reach():
    report = {"check": "status_code_conformance", "operation": "POST /token", "type": "UndefinedStatusCode",
              "examples": [{"message": "Received: 404", "status": 404, "request": {}, "answer": ""}]}
    verdict, = bench.breadth_verdicts("pega-fabric-hub-sync-v1", [report], [], SPEC)
    assert verdict["verdict"] == "wrong" and "/oauth2/v1" in verdict["why"][0]


def test_every_explanation_names_a_known_api_check_and_operation_of_its_spec():
    """The explanations are data checked against the spec's sources: an entry for an operation the spec no
    longer has, or a check stock no longer runs, would explain nothing and go stale unseen."""
    specs = {a: yaml.safe_load(spec_path(a).read_text(encoding="utf-8")) for a in apis.names()}
    for api, check, operation, pattern, why in bench.NOT_DEFECTS:
        assert api in specs and check in bench.STOCK_CHECKS, (api, check)
        re.compile(pattern)
        assert why and "\n" not in why
        if operation != "*":
            method, path = operation.split(" ", 1)
            assert method.lower() in specs[api]["paths"].get(path, {}), operation


def _row(fault, reports, breaks=None):
    return {"fault": fault, "breaks": breaks, "stock": {"seconds": 10.0, "error": None},
            "ours": {"findings": 2 if fault else 0, "seconds": 8.0, "exit": 1 if fault else 0},
            "reports": reports}


def _verdict(check, operation, verdict, why=None, ours=None, status=405):
    example = {"message": "TRACE returned 405 without required `Allow` header", "status": status,
               "request": {"method": "TRACE", "url": "http://127.0.0.1:1/api" + operation.split(" ")[1], "body": ""},
               "answer": ""}
    return {"check": check, "operation": operation, "type": "X", "count": 1, "verdict": verdict, "why": why,
            "ours": ours, "unexplained": example if verdict == "missed" else None}


def test_breadth_table_lists_what_we_miss_plainly_and_why_stock_is_wrong():
    allow = [_verdict("unsupported_method", f"GET /op{i}", "missed") for i in range(5)]
    clean = _row(None, [*allow, _verdict("negative_data_rejection", "GET /cases/{caseID}", "wrong",
                                         why=["unknown viewType: default view; and so on"])])
    fault = _row("unknown-case-500", [*allow, _verdict("not_a_server_error", "GET /cases/{caseID}", "covered",
                                                       ours="PEGA-SCHEMA-001 ServerError"),
                                      _verdict("not_a_server_error", "DELETE /cases/{caseID}", "missed", status=500)],
                 breaks="PEGA-ERR-001")
    doc = {"schemathesis-breadth": [{"api": "pega-dx-v2", "rows": [clean, fault]}]}
    text = "\n".join(bench._breadth_md(doc))
    assert "| pega-dx-v2 | clean | 6 | 0 | 0 | 1 | 5 | 10.0 | 8.0 |" in text
    assert "| pega-dx-v2 | `unknown-case-500` (PEGA-ERR-001) | 7 (+2) | 2 | 1 | 0 | 6 (1) | 10.0 | 8.0 |" in text
    assert ("- missed by us (pega-dx-v2, clean): `unsupported_method` on 5 operations: `GET /op0`, `GET /op1`, "
            "`GET /op2`, `GET /op3`, `GET /op4`; e.g. TRACE `/api/op0` -> 405") in text
    # a fault row lists only what the clean emulator did not already show
    assert "- missed by us (pega-dx-v2, unknown-case-500): `not_a_server_error` on `DELETE /cases/{caseID}`: " \
           "TRACE `/api/cases/{caseID}` -> 500" in text
    assert text.count("unsupported_method") == 2  # once in the summary, once in the list
    assert ("In all, 8 distinct (API, check, operation) stock reports: ours covers 1, 1 are no defect of the "
            "server, 6 are missed by us (`not_a_server_error`, `unsupported_method`).") in text
    assert "- unknown viewType: default view; and so on: pega-dx-v2 `negative_data_rejection` `GET /cases/{caseID}`" \
        in text
