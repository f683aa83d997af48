"""The ProcessMaker 3 suite's own pieces: the operation table against the spec and what the
property test generates."""

from __future__ import annotations

from pathlib import Path

import yaml

from conformance.suites.processmaker_3.model import OPERATION_CAPABILITIES, Capabilities
from conformance.suites.processmaker_3.test_property import WRONG_TYPE_OPERATIONS, schema

ROOT = Path(__file__).resolve().parents[1]
METHODS = {"get", "put", "post", "delete", "patch"}


def test_operation_capabilities_list_exactly_the_spec_operations():
    spec = yaml.safe_load((ROOT / "specs" / "processmaker-3.yaml").read_text(encoding="utf-8"))
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m in METHODS}
    assert set(OPERATION_CAPABILITIES) == documented
    assert {c for needs in OPERATION_CAPABILITIES.values() for c in needs} <= set(Capabilities.model_fields)


def test_property_test_generates_every_operation_but_the_token():
    generated = {(op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())}
    assert generated == set(OPERATION_CAPABILITIES) - {("POST", "/oauth2/token")}
    assert set(WRONG_TYPE_OPERATIONS) <= generated
