"""Findings end to end: real emulator processes, real `conformance run` processes.

A fingerprint is the same across runs, emulator instances with different data, `--workers 2`
and two shards; it differs for two different faults under the same requirement; and a
baseline run with one fault gates a second run that adds another fault under that same
requirement, naming the new finding only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import prove
from conformance.emulators.common import EmulatorProcess

pytestmark = pytest.mark.matrix
API = "pega-dx-v2"
SCOPE = ("--requirement", "PEGA-AUTH-001")


def _run(tmp: Path, name: str, emu: EmulatorProcess, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    (tmp / f"{name}.toml").write_text(prove.target_text(API, emu.url))
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--target", str(tmp / f"{name}.toml"),
                           "--out", str(tmp / name), "--no-allure", *SCOPE, *extra],
                          capture_output=True, text=True, timeout=600)
    doc = json.loads((tmp / name / "results.json").read_text())
    return proc, doc


def _fps(*docs: dict) -> set[str]:
    return {f["fingerprint"] for doc in docs for f in doc["requirements"]["PEGA-AUTH-001"].get("findings", [])}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("findings")
    out = {}
    with EmulatorProcess(API, faults=["auth-optional-get"]) as emu:
        out["first"] = _run(tmp, "first", emu)
        out["again"] = _run(tmp, "again", emu)  # the same instance, now holding the first run's cases
        out["workers"] = _run(tmp, "workers", emu, "--workers", "2")
        out["shard1"] = _run(tmp, "shard1", emu, "--shard", "1/2")
        out["shard2"] = _run(tmp, "shard2", emu, "--shard", "2/2")
    # another instance with other data: other cases, other case numbers
    with EmulatorProcess(API, faults=["auth-optional-get"]) as emu:
        for _ in range(1):  # move the case numbering on
            _run(tmp, "warm", emu)
        out["other"] = _run(tmp, "other", emu)
    with EmulatorProcess(API, faults=["attachments-auth-ignored"]) as emu:
        out["different"] = _run(tmp, "different", emu)
    with EmulatorProcess(API, faults=["auth-optional-get", "attachments-auth-ignored"]) as emu:
        out["both"] = _run(tmp, "both", emu, "--baseline", str(tmp / "first"))
    out["tmp"] = tmp
    return out


def test_fingerprints_are_the_same_across_runs_instances_workers_and_shards(runs):
    first = _fps(runs["first"][1])
    assert first, runs["first"][0].stdout[-2000:]
    assert _fps(runs["again"][1]) == first
    assert _fps(runs["other"][1]) == first
    assert _fps(runs["workers"][1]) == first
    assert _fps(runs["shard1"][1], runs["shard2"][1]) == first


def test_two_faults_under_one_requirement_have_different_fingerprints(runs):
    assert _fps(runs["different"][1]) and not _fps(runs["different"][1]) & _fps(runs["first"][1])


def test_baseline_gate_names_the_new_finding_only(runs):
    proc, doc = runs["both"]
    assert doc["requirements"]["PEGA-AUTH-001"]["outcome"] == "failed"  # as in the baseline: outcome alone hides it
    assert proc.returncode == 1, proc.stdout[-3000:]
    new = _fps(doc) - _fps(runs["first"][1])
    assert new == _fps(runs["different"][1])
    # the gate's verdict (after the run's own list of every finding) names the new findings, and only them
    text = " ".join(proc.stdout.split())
    gate = text[text.index("regression(s) against the baseline"):]
    assert all(fp in gate for fp in new)
    assert not any(fp in gate for fp in _fps(runs["first"][1]))


def test_diff_prints_new_fixed_unchanged_and_exits_like_gate(runs):
    tmp = runs["tmp"]
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "diff", str(tmp / "first"), str(tmp / "both")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "new: 2" in proc.stdout and "unchanged: 2" in proc.stdout and "fixed: 0" in proc.stdout
    back = subprocess.run([sys.executable, "-m", "conformance.cli", "diff", str(tmp / "both"), str(tmp / "first")],
                          capture_output=True, text=True, timeout=120)
    assert back.returncode == 0 and "fixed: 2" in back.stdout and "new: 0" in back.stdout


def test_rerun_marks_an_intermittent_finding_flaky_and_a_baseline_that_had_it_does_not_gate(tmp_path):
    """The emulator's auth-optional-get-once serves the first GET /cases/{ID} without a token only: the
    run sees the finding, its rerun does not. It stays a finding (a defect seen once is a defect), marked
    flaky; against a baseline that had it, a later run that sees it again is not a regression."""
    with EmulatorProcess(API, faults=["auth-optional-get-once"]) as emu:
        proc, doc = _run(tmp_path, "flaky", emu, "--rerun-failures", "1")
    found = doc["requirements"]["PEGA-AUTH-001"]["findings"]
    assert proc.returncode == 1 and found, proc.stdout[-2000:]
    assert all(f["flaky"] for f in found), found
    assert doc["reruns"]["attempts"] == 1 and doc["reruns"]["tests"]
    with EmulatorProcess(API, faults=["auth-optional-get-once"]) as emu:
        proc, again = _run(tmp_path, "again", emu, "--baseline", str(tmp_path / "flaky"))
    assert _fps(again) == _fps(doc) and proc.returncode == 0, proc.stdout[-2000:]
