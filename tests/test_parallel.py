"""One target, run in one process and in parallel, must reach the same verdict on every requirement.

The emulator stands in for a server far away (`--latency`), so that the tests of the parallel run
really overlap. The ProcessMaker scope pairs tests that change the case lists (the case life
cycle: creates, routes, deletes) with tests that compare several reads of those lists (filters
and paging walks): without the gate of conformance/gate.py, a case created by one worker between
two reads of another made the merged outcomes of `--workers 2` and of two shards differ from the
single run's (make bench, parallel section).
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conformance import compare
from conformance.emulators.common import EmulatorProcess

# the life cycle writes; filters and the default paging read lists over several requests
PM_SCOPE = ("PM-LIFE-001", "PM-LIFE-002", "PM-LIFE-004", "PM-FILTER-001", "PM-PAGE-007")
TARGETS = Path(__file__).resolve().parents[1] / "conformance" / "targets"


def _target(folder: Path, url: str) -> Path:
    text = (TARGETS / "processmaker-emulator.toml").read_text(encoding="utf-8")
    path = folder / "target.toml"
    path.write_text(text.replace("http://127.0.0.1:8811", url), encoding="utf-8")
    return path


def _run(target: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "conformance.cli", "run", "--target", str(target), "--out", str(out),
           "--no-allure", "-q", *(a for rid in PM_SCOPE for a in ("--requirement", rid)), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def verdicts(*folders: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """requirement -> (outcome, fingerprints of its findings), shards merged as `conformance compare` does."""
    run = compare.load_runs(list(folders))[0]
    return {rid: (r["outcome"], tuple(sorted(f.get("fingerprint", "") for f in r.get("findings", []))))
            for rid, r in run.requirements.items()}


def test_workers_and_shards_reach_the_single_runs_outcomes(tmp_path):
    with EmulatorProcess("processmaker-3", latency="15") as emu:
        target = _target(tmp_path, emu.url)
        single = _run(target, tmp_path / "single")
        assert single.returncode in (0, 1), single.stdout + single.stderr
        workers = _run(target, tmp_path / "workers", "--workers", "3")
        assert workers.returncode in (0, 1), workers.stdout + workers.stderr
        with ThreadPoolExecutor(max_workers=2) as pool:
            shards = list(pool.map(lambda k: _run(target, tmp_path / f"shard-{k}", "--shard", f"{k}/2"), (1, 2)))
        assert all(s.returncode in (0, 1) for s in shards), [s.stdout + s.stderr for s in shards]
    one = verdicts(tmp_path / "single")
    assert {r for r, (outcome, _) in one.items() if outcome == "passed"} >= set(PM_SCOPE), one  # a real comparison
    assert verdicts(tmp_path / "workers") == one
    assert verdicts(tmp_path / "shard-1", tmp_path / "shard-2") == one
    # the workers really ran side by side: both sent requests
    sent = [json.loads((tmp_path / "workers" / "workers" / w / "results.json").read_text())["requests_sent"]
            for w in ("gw0", "gw1", "gw2")]
    assert sum(1 for n in sent if n > 0) >= 2, sent
