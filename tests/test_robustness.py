"""Safe on a shared server, robust against a hostile one (issue 8).

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
SUBSET = ("--pytest-arg=-k", "--pytest-arg=etag_is_last_update or unknown_resource or (conform_to_spec and GET)")

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
    t = prove.trial(API, workdir=tmp_path, token_lifetime=2)
    assert t.exit_code == 0, {r: o for r, o in t.outcomes.items() if o != "passed"}
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    assert doc["tokens_fetched"] > 1  # the run outlived its first token and carried on


def test_no_secret_leaves_the_run(tmp_path):
    secret = "Zq-distinctive-CLIENT-secret-7731"
    db = tmp_path / "emu.sqlite3"
    t = prove.trial(API, workdir=tmp_path / "w", db=str(db), client_secret=secret,
                    replace={'client_secret = "${PEGA_CLIENT_SECRET:-conformance-demo-secret}"':
                             f'client_secret = "${{PEGA_CLIENT_SECRET:-{secret}}}"'})
    assert t.exit_code == 0
    tokens = [row[0] for row in sqlite3.connect(db).execute("SELECT token FROM tokens")]
    assert tokens
    blob = "\n".join(p.read_text(errors="replace") for p in (tmp_path / "w").rglob("*")
                     if p.is_file() and p.name != "target.toml")
    assert secret not in blob
    assert not [tok for tok in tokens if tok in blob]
