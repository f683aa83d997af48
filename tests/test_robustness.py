"""Safe on a shared server, robust against a hostile one (staging safety).

Every trial is real: an emulator process (with a chaos mode, a short token
lifetime or a distinctive secret) and a `conformance run` process against it.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from conformance import prove
from conformance.emulators.chaos import CHAOS

pytestmark = pytest.mark.matrix
API = "pega-dx-v2"
QUICK = {"timeout = 15": "timeout = 1", "max_examples = 20": "max_examples = 3"}
SUBSET = ("--pytest-arg=-k", "--pytest-arg=etag_is_last_update or unknown_resource or "
          "(conform_to_spec and GET and not assignments and not attachment and not data_views)")

# what the findings must say for each hostile behaviour
NEEDLE = {
    "slow": "timeout after 1.0s",
    "malformed-json": "not a JSON object",
    "wrong-content-type": "Undocumented Content-Type",
    "truncated": "RemoteProtocolError",
    "reset": "RemoteProtocolError",
    "burst-5xx": "got 50",
    "huge-body": "exceeded max_response_bytes",
    "endless-chunked": "still arriving after timeout=1.0s",
    "redirect-loop": "got 302",
}


def test_every_chaos_mode_has_an_expectation():
    assert set(NEEDLE) == set(CHAOS)


@pytest.mark.parametrize("mode", sorted(CHAOS))
def test_hostile_server_gives_findings_not_crashes_or_hangs(mode, tmp_path):
    started = time.monotonic()
    t = prove.trial(API, chaos=(mode,), workdir=tmp_path, replace=QUICK, run_args=SUBSET)
    assert time.monotonic() - started < 180  # bounded: ~20 requests, each at most `timeout` long
    assert t.exit_code == 1  # a gating finding: failed or broken, never a crash (that would be 3 or a traceback)
    out = (tmp_path / "stdout.txt").read_text() + (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in out
    messages = " ".join(m for ms in t.messages.values() for m in ms)
    assert NEEDLE[mode] in messages, messages[:3000]
    assert t.flagged | t.broken


def test_expiring_tokens_are_refreshed(tmp_path):
    t = prove.trial(API, workdir=tmp_path, token_lifetime=2, max_examples=5,
                    run_args=("--pytest-arg=-k", "--pytest-arg=not conform_to_spec"))
    assert t.exit_code == 0, {r: o for r, o in t.outcomes.items() if o != "passed"}
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    assert doc["tokens_fetched"] > 1  # the run outlived its first token and carried on


def test_no_secret_leaves_the_run(tmp_path):
    secret = "Zq-distinctive-CLIENT-secret-7731"
    db = tmp_path / "emu.sqlite3"
    t = prove.trial(API, workdir=tmp_path / "w", db=str(db), client_secret=secret, max_examples=5,
                    replace={'client_secret = "${PEGA_CLIENT_SECRET:-conformance-demo-secret}"':
                             f'client_secret = "${{PEGA_CLIENT_SECRET:-{secret}}}"'})
    assert t.exit_code == 0
    tokens = [row[0] for row in sqlite3.connect(db).execute("SELECT token FROM tokens")]
    assert tokens
    blob = "\n".join(p.read_text(errors="replace") for p in (tmp_path / "w").rglob("*")
                     if p.is_file() and p.name != "target.toml")
    assert secret not in blob
    assert not [tok for tok in tokens if tok in blob]


def _open_cases(db) -> list[tuple[str, str, str]]:
    """Cases neither deleted nor resolved: what a run would leave behind on a shared server."""
    conn = sqlite3.connect(db)
    return [row for row in conn.execute("SELECT id, status, content FROM cases")
            if not str(row[1]).startswith("Resolved")]


@pytest.mark.parametrize("fault", [None, "race-lost-update"])
def test_run_leaves_nothing_behind(tmp_path, fault):
    db = tmp_path / "emu.sqlite3"
    # the clean run is the whole suite (property tests create many cases); the failing one is scoped
    scope = ("--pytest-arg=-k", "--pytest-arg=not conform_to_spec") if fault else ()
    t = prove.trial(API, (fault,) if fault else (), workdir=tmp_path / "w", db=str(db), max_examples=5,
                    run_args=scope)
    assert t.exit_code == (1 if fault else 0)
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM cases").fetchone()[0] > 0  # the run did resolve some
    assert _open_cases(db) == []
    doc = json.loads((tmp_path / "w" / "run" / "results.json").read_text())
    assert doc["cleanup"]["remaining"] == [] and doc["cleanup"]["retired"]
    # everything it created carried the run tag
    tag = doc["run_tag"]
    untagged = [r for r in sqlite3.connect(db).execute("SELECT id, content FROM cases") if tag not in r[1]]
    assert untagged == []


def test_interrupted_run_still_cleans_up(tmp_path):
    import signal
    import subprocess
    import sys

    from conformance.emulators.common import EmulatorProcess

    db = tmp_path / "emu.sqlite3"
    with EmulatorProcess(API, db=str(db)) as emu:
        (tmp_path / "t.toml").write_text(prove.target_text(API, emu.url))
        proc = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--target", str(tmp_path / "t.toml"),
                                 "--out", str(tmp_path / "run")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                if sqlite3.connect(db).execute("SELECT COUNT(*) FROM cases").fetchone()[0] >= 20:
                    break
            except sqlite3.OperationalError:
                pass  # the emulator is still creating its tables
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 3, out.decode()[-2000:]  # interrupted: the run broke, it did not pass
        assert _open_cases(db) == []
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    assert doc["cleanup"]["retired"]
