"""The benchmark's own parsing and output (the measurements themselves run in `make bench`)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conformance import bench

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


def test_readme_block_is_replaced_and_a_missing_block_is_an_error(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench:start -->\nold\n<!-- bench:end -->\noutro\n")
    doc = {"date": "2026-11-23", "machine": {"cores": 2, "python": "3.11"}, "seconds": 1.0,
           "parallel": [{"api": "x", "one_process": 10.0, "xdist_2": 6.0, "two_shards": 7.0, "speedup_xdist": 1.67,
                         "speedup_shards": 1.43, "xdist_equal": True, "shards_equal": False}]}
    text = bench.markdown(doc)
    assert "| x | 10.0 | 6.0 | 1.67 | yes | 7.0 | 1.43 | NO |" in text
    monkeypatch.setattr(bench, "overhead", lambda *a: pytest.fail("not chosen"))
    monkeypatch.setattr(bench, "parallel", lambda api, work: doc["parallel"][0])
    result = CliRunner().invoke(bench.main, ["--section", "parallel", "--api", "pega-dx-v2", "--out",
                                             str(tmp_path / "out"), "--readme", str(readme)])
    assert result.exit_code == 0, result.output
    body = readme.read_text()
    assert body.startswith("intro\n<!-- bench:start -->\nMeasured") and body.endswith("<!-- bench:end -->\noutro\n")
    assert "old" not in body and (tmp_path / "out" / "bench.json").exists()
    readme.write_text("no block here\n")
    result = CliRunner().invoke(bench.main, ["--section", "parallel", "--api", "pega-dx-v2", "--out",
                                             str(tmp_path / "out"), "--readme", str(readme)])
    assert result.exit_code != 0 and "bench:start" in result.output
