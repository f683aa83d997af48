"""`make bench`, section "passive", at a tiny size so that it cannot rot (no timing is asserted): the real
Pega recordings of tests/corpus and one answer that breaks the schema, judged by check-traffic and, where
bench/node_modules has it, by Prism's proxy."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner
from traffic_har import corpus_har  # tests/ is on sys.path

from conformance import bench, bench_passive

CORPUS = Path(__file__).resolve().parent / "corpus" / "pega-dx-v2"
ORIGIN = "http://127.0.0.1:9"


def _log(path: Path) -> None:
    """The corpus HAR as a suite's exchanges.jsonl, plus one case whose status is an integer."""
    records = []
    for e in corpus_har(CORPUS)["log"]["entries"]:
        url = urlsplit(e["request"]["url"])
        if not url.path.startswith("/prweb/api/application/v2") or 300 <= e["response"]["status"] < 400:
            continue
        content = e["response"]["content"]
        text = base64.b64decode(content["text"]).decode() if content.get("encoding") == "base64" else content.get(
            "text", "")
        records.append({"method": e["request"]["method"], "url": ORIGIN + url.path,
                        "request_headers": {h["name"]: h["value"] for h in e["request"]["headers"]},
                        "request_body": (e["request"].get("postData") or {}).get("text", ""),
                        "status": e["response"]["status"],
                        "response_headers": {h["name"]: h["value"] for h in e["response"]["headers"]},
                        "response_body": text, "elapsed_ms": 1.0, "error": None})
    case = next(r for r in records if r["method"] == "GET" and '"caseInfo"' in r["response_body"])
    broken = json.loads(case["response_body"])
    broken["data"]["caseInfo"]["status"] = 7
    records.append({**case, "response_body": json.dumps(broken)})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_the_passive_section_measures_both_tools_on_the_same_traffic(tmp_path, monkeypatch):
    log = tmp_path / "exchanges.jsonl"
    _log(log)
    templates = bench_passive.templates_from_log(log, ORIGIN + "/prweb/api/application/v2")
    monkeypatch.setattr(bench_passive, "suite_traffic",
                        lambda api, work: (templates, "/prweb/api/application/v2"))
    size = 2 * len(templates)
    result = CliRunner().invoke(bench.main, ["--section", "passive", "--api", "pega-dx-v2", "--passive-size",
                                             f"{size},{len(templates)}", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    row = json.loads((tmp_path / "out" / "bench.json").read_text())["passive"][0]
    small, large = row["check_traffic"]
    assert (small["entries"], large["entries"]) == (size // 10, size) and large["exit"] in (0, 1)
    # the broken case is found (twice in two cycles), under one finding
    assert large["schema_findings"] >= 1 and large["schema_occurrences"] >= 2, large
    assert f"| pega-dx-v2 | check-traffic | {size} |" in result.output
    if (bench.TOOLS / "prism").exists():
        assert row["prism"]["entries"] == len(templates) and row["prism"]["flagged"] >= 1, row["prism"]
        agreed = row["agreement"]
        assert agreed["distinct"] == len(templates) and agreed["both"] >= 1, agreed
    else:
        assert "prism not installed" in row["prism"]["error"]


def test_prisms_violations_header_counts_response_violations_only_and_survives_a_header_that_is_not_json():
    header = json.dumps([{"location": ["request"], "severity": "Warning", "message": "Selected route not found"},
                         {"location": ["response", "body", "status"], "severity": "Error", "message": "must be string"}])
    assert bench_passive._response_violations(header) == ["must be string"]
    assert bench_passive._response_violations(None) == [] and bench_passive._response_violations("") == []
    assert bench_passive._response_violations("oops")[0].startswith("(sl-violations not JSON")
