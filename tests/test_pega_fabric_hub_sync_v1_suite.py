"""The Fabric Hub suite's property test: what it generates and which writes also get members of
the wrong JSON type."""

from __future__ import annotations

from pathlib import Path

import yaml

from conformance.suites.pega_fabric_hub_sync_v1.test_property import WRONG_TYPE_OPERATIONS, schema

ROOT = Path(__file__).resolve().parents[1]


def test_property_test_generates_every_operation_but_the_token():
    spec = yaml.safe_load((ROOT / "specs" / "pega-fabric-hub-sync-v1.yaml").read_text(encoding="utf-8"))
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item
                  if m in {"get", "post", "put", "delete", "patch"}}
    generated = {(op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())}
    # the token endpoint lives under another base path and every run exercises it
    assert generated == documented - {("POST", "/token")}
    assert set(WRONG_TYPE_OPERATIONS) <= generated
