"""Capabilities are promises, both ways (DESIGN.md, Outcomes).

- Every operation of specs/pega-dx-v2.yaml belongs to a capability group (or to the core).
- A target that leaves a group undeclared skips exactly that group's operations, everywhere
  (scenario tests, PEGA-AUTH-001's matrix, PEGA-SCHEMA-001's generated tests), naming it.
- A target that declares a group the server does not have gets the owning requirement failed.
- `conformance probe` tells which groups a server shows, with GETs only.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance import prove
from conformance.emulators.common import EmulatorProcess
from conformance.suites.pega_dx_v2.model import Capabilities, OPERATION_CAPABILITIES

API = "pega-dx-v2"
SPEC = Path(__file__).resolve().parents[1] / "specs" / "pega-dx-v2.yaml"
METHODS = {"get", "put", "post", "patch", "delete"}


def test_every_operation_of_the_spec_has_its_capabilities_and_nothing_else():
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    ops = {(m.upper(), path) for path, item in spec["paths"].items() for m in item if m in METHODS}
    assert set(OPERATION_CAPABILITIES) == ops
    known = set(Capabilities.model_fields)
    assert {c for needs in OPERATION_CAPABILITIES.values() for c in needs} <= known


def _tests_by_outcome(folder: Path) -> dict[str, str]:
    """test node id -> outcome, from junit.xml (every test of the run, skipped ones with their reason)."""
    import xml.etree.ElementTree as ET

    out = {}
    for case in ET.parse(folder / "junit.xml").getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        skipped = case.find("skipped")
        failed = case.find("failure") if case.find("failure") is not None else case.find("error")
        out[name] = ("skipped: " + (skipped.get("message") or "")) if skipped is not None else \
            ("failed" if failed is not None else "passed")
    return out


def _run(tmp: Path, name: str, emu: EmulatorProcess, edits: dict[str, str], *extra: str):
    # 3 examples per generated operation: the property tests' skips are what is compared, not their depth
    text = prove.target_text(API, emu.url).replace("max_examples = 20", "max_examples = 3")
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    (tmp / f"{name}.toml").write_text(text)
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--target", str(tmp / f"{name}.toml"),
                           "--out", str(tmp / name), "--no-allure", *extra], capture_output=True, text=True, timeout=900)
    return proc, json.loads((tmp / name / "results.json").read_text()), _tests_by_outcome(tmp / name)


@pytest.mark.matrix
def test_an_undeclared_group_skips_exactly_its_operations(tmp_path):
    """stages = false against a server that has them: the stage operations are skipped everywhere,
    naming the capability; every other test runs as with the group declared."""
    scope = ("--requirement", "PEGA-AUTH-001", "--requirement", "PEGA-SCHEMA-001", "--requirement", "PEGA-STAGE-001",
             "--requirement", "PEGA-CASE-001")
    with EmulatorProcess(API) as emu:
        _, declared_doc, declared = _run(tmp_path, "declared", emu, {}, *scope)
        proc, doc, undeclared = _run(tmp_path, "undeclared", emu, {"stages = true": "stages = false"}, *scope)
    assert proc.returncode == 0, proc.stdout[-3000:]
    stage_ops = {path for (_, path), needs in OPERATION_CAPABILITIES.items() if "stages" in needs}
    newly_skipped = {t for t, o in undeclared.items() if o.startswith("skipped") and not declared[t].startswith("skipped")}
    assert newly_skipped, undeclared
    for test in newly_skipped:
        assert "stages" in undeclared[test], (test, undeclared[test])
        assert any(op in test for op in stage_ops) or "test_stages" in test, test
    # and nothing else changed: the other tests ran, and passed, as they did with the group declared
    for test, outcome in undeclared.items():
        if test not in newly_skipped:
            assert outcome == declared[test], (test, outcome, declared[test])
    assert doc["requirements"]["PEGA-STAGE-001"]["outcome"] == "skipped"
    assert declared_doc["requirements"]["PEGA-STAGE-001"]["outcome"] == "passed"
    assert {doc["requirements"][r]["outcome"] for r in ("PEGA-AUTH-001", "PEGA-SCHEMA-001", "PEGA-CASE-001")} == {"passed"}


@pytest.mark.matrix
def test_a_declared_group_the_server_lacks_fails_its_requirement(tmp_path):
    """stages = true (the bundled target) against a server without stage operations: PEGA-STAGE-001
    fails, naming what the server answered; the run warned before the first test."""
    with EmulatorProcess(API, variants={"stages": "off"}) as emu:
        proc, doc, _ = _run(tmp_path, "promised", emu, {}, "--requirement", "PEGA-STAGE-001")
    assert proc.returncode == 1
    req = doc["requirements"]["PEGA-STAGE-001"]
    assert req["outcome"] == "failed" and req["findings"], req
    assert "capabilities.stages is declared" in " ".join(proc.stdout.split())


@pytest.mark.matrix
def test_probe_suggests_what_the_server_shows_with_gets_only(tmp_path):
    import sqlite3

    db = tmp_path / "emu.sqlite3"
    with EmulatorProcess(API, db=str(db), variants={"stages": "off", "attachments": "off"}) as emu:
        (tmp_path / "t.toml").write_text(prove.target_text(API, emu.url))
        proc = subprocess.run([sys.executable, "-m", "conformance.cli", "probe", "--target", str(tmp_path / "t.toml")],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    block = proc.stdout[proc.stdout.index("[capabilities]"):]
    values = dict(re.findall(r"^(\w+) = (true|false)", block, re.M))
    assert values["stages"] == "false" and values["attachments"] == "false"
    assert values["assignments"] == "true" and values["data_views"] == "true"
    # the emulator's own request log: GETs only, besides the token request, and a bounded number
    seen = sqlite3.connect(db).execute("SELECT method, path FROM request_log").fetchall()
    assert {m for m, p in seen if not p.endswith("/token")} == {"GET"}
    assert len(seen) <= 17
