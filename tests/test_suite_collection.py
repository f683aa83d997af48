"""The suite's shape: what pytest collects from conformance/suites/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from conformance import requirements

ROOT = Path(__file__).resolve().parents[1]


def collect(target: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "--pyargs",
         "conformance.suites.pega_dx_v2", f"--conformance-target={target}", "-c", "/dev/null",
         "--rootdir", str(ROOT)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [line for line in proc.stdout.splitlines() if "::" in line]


def test_property_items_one_per_operation_with_distinct_ids():
    ids = collect(ROOT / "conformance" / "targets" / "pega-emulator.toml")
    prop = [i for i in ids if "test_property.py::test_responses_conform_to_spec" in i]
    spec = yaml.safe_load((ROOT / "specs" / "pega-dx-v2.yaml").read_text())
    operations = {f"{m.upper()} {p}" for p, item in spec["paths"].items() for m in item
                  if m in {"get", "post", "put", "patch", "delete"}}
    assert len(prop) == len(set(prop)) == len(operations)
    assert {i.split("[", 1)[1].rstrip("]") for i in prop} == operations


def test_every_pega_requirement_has_a_test():
    text = "\n".join(p.read_text() for p in (ROOT / "conformance" / "suites" / "pega_dx_v2").glob("test_*.py"))
    for req in requirements.for_api("pega-dx-v2"):
        assert f'"{req.id}"' in text, f"{req.id} is verified by no test"


def test_auth_test_covers_every_spec_operation():
    from conformance.suites.pega_dx_v2.test_auth import TOKENS, _params

    spec = yaml.safe_load((ROOT / "specs" / "pega-dx-v2.yaml").read_text())
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item
                  if m in {"get", "post", "put", "patch", "delete"}}
    params = [p.values for p in _params()]
    assert {(m, path) for m, path, _ in params} == documented
    assert len(params) == len(documented) * len(TOKENS)  # each with a missing and an invalid token
