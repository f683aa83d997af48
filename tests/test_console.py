"""The console of a run, as a person (or a CI log) sees it: every finding once, with its exchange
and a curl line, no Python frames of the suite's own code, no control codes without a TTY."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conformance import prove
from conformance.emulators.common import EmulatorProcess

pytestmark = pytest.mark.matrix
API = "pega-dx-v2"
FAULTS = ["auth-optional-get", "create-no-location", "assignment-no-actions"]
SCOPE = ("--requirement", "PEGA-AUTH-001", "--requirement", "PEGA-CASE-001", "--requirement", "PEGA-ASSIGN-001")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    out = {}
    with EmulatorProcess(API, faults=FAULTS) as emu:
        (tmp / "t.toml").write_text(prove.target_text(API, emu.url))
        for name, extra in (("normal", ()), ("quiet", ("--quiet",)), ("verbose", ("-v",))):
            out[name] = subprocess.run(
                [sys.executable, "-m", "conformance.cli", "run", "--target", str(tmp / "t.toml"), "--out",
                 str(tmp / name), "--no-allure", *SCOPE, *extra], capture_output=True, text=True, timeout=600)
    out["doc"] = json.loads((tmp / "normal" / "results.json").read_text())
    return out


def test_each_finding_once_with_its_exchange_and_a_curl_line(faulty):
    proc, doc = faulty["normal"], faulty["doc"]
    assert proc.returncode == 1
    text = proc.stdout
    found = [f for r in doc["requirements"].values() for f in r.get("findings", [])]
    assert {f["requirement"] for f in found} == {"PEGA-AUTH-001", "PEGA-CASE-001", "PEGA-ASSIGN-001"}
    for f in found:
        assert text.count(f["fingerprint"]) == 1, f["fingerprint"]
    assert text.count("curl -sS") >= len({f["requirement"] for f in found})
    assert "authorization: [REDACTED]" in text and "conformance-demo-secret" not in text
    # the summary and the verdict come after the findings
    assert text.index("findings under") < text.index("verdict FAIL")


def test_no_traceback_of_the_suites_own_code_and_no_control_codes(faulty):
    text = faulty["normal"].stdout + faulty["normal"].stderr
    assert "Traceback" not in text and "conformance/suites/" not in text and "INTERNALERROR" not in text
    assert "\x1b[" not in text  # not a TTY: plain lines


def test_quiet_prints_the_verdict_line_only(faulty):
    lines = [line for line in faulty["quiet"].stdout.splitlines() if line.strip()]
    assert faulty["quiet"].returncode == 1
    assert len(lines) == 1 and re.search(r"verdict FAIL", lines[0]), lines


def test_verbose_adds_the_pytest_detail(faulty):
    assert "conformance/suites/pega_dx_v2/" in faulty["verbose"].stdout
    assert faulty["verbose"].returncode == 1
