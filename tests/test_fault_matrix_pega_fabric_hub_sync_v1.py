"""Proving the Fabric Hub sync suite (DESIGN.md): each fault is reported under exactly its
requirement; the clean emulator and every documented variant pass.

Each trial is real: an emulator process on loopback, a `conformance run` process against it,
results.json read back. Fault trials run only the tests of the requirements the fault may show
up under ({breaks} | also) with a small hypothesis budget; the unscoped, full proof is
`conformance prove --api pega-fabric-hub-sync-v1` (CI, docs/proving.md's matrix).
"""

from __future__ import annotations

import pytest

from conformance import prove, requirements
from test_fault_matrix import assert_fault_reported
from conformance.emulators.pega_fabric_hub_sync_v1 import FAULTS, SWITCHES, VARIANTS

pytestmark = pytest.mark.matrix
API = "pega-fabric-hub-sync-v1"
EXAMPLES = 2


# faults one test of their requirement is there to catch: only that test runs (the generated items of
# HUB-SCHEMA-001 cost ~3 s a trial; the unscoped proof is `conformance prove`)
ONE_TEST = {"id-list-500": "members_of_the_wrong_type"}


def _scope(spec) -> tuple[str, ...]:
    # HUB-SCHEMA-001 as a mere `also` is left out of the scope: the schemathesis items cost ~5 s a
    # trial, and that the fault also shows there is proven unscoped by `conformance prove`
    ids = {spec.breaks, *spec.also} - ({"HUB-SCHEMA-001"} if spec.breaks != "HUB-SCHEMA-001" else set())
    only = (f"--pytest-arg=-k{ONE_TEST[spec.name]}",) if spec.name in ONE_TEST else ()
    return tuple(arg for rid in sorted(ids) for arg in ("--requirement", rid)) + only


# faults injected together, one trial per group (a trial costs ~5 s whatever it runs): distinct requirements,
# and none of them keeps another's test from running (no-activation stops every test that needs an Active
# registration, so it goes with faults whose tests need none); the unscoped one-fault proof is `conformance prove`
GROUPS: tuple[tuple[str, ...], ...] = (
    ("no-activation", "delete-any-state", "assoc-create-refused"),
    ("disable-any-state",),
    ("disable-stops-sync",),
)
GROUPED = {f for g in GROUPS for f in g}


def test_groups_name_known_faults_once_with_distinct_requirements():
    names = [f for g in GROUPS for f in g]
    assert set(names) <= set(FAULTS) and len(names) == len(set(names))
    for group in GROUPS:
        assert len({FAULTS[f].breaks for f in group}) == len(group), group


@pytest.mark.parametrize("fault", sorted(set(FAULTS) - GROUPED))
def test_fault_reported_under_its_requirement(fault, tmp_path):
    spec = FAULTS[fault]
    t = prove.trial(API, (fault,), workdir=tmp_path, max_examples=EXAMPLES, run_args=_scope(spec))
    assert_fault_reported(t, spec)


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: "+".join(g))
def test_grouped_faults_reported_under_their_requirements(group, tmp_path):
    allowed = {rid for f in group for rid in (FAULTS[f].breaks, *FAULTS[f].also)}
    scope = tuple(a for rid in sorted(allowed - {"HUB-SCHEMA-001"}) for a in ("--requirement", rid))
    t = prove.trial(API, group, workdir=tmp_path, max_examples=EXAMPLES, run_args=scope)
    for fault in group:
        assert t.outcomes[FAULTS[fault].breaks] == "failed", (fault, t.outcomes, t.messages)
    assert t.flagged <= allowed, f"also flagged: {t.flagged - allowed}"
    assert not t.broken, t.messages


@pytest.mark.parametrize("variants", prove.variant_sets(API),
                         ids=lambda v: ",".join(f"{k}={c}" for k, c in v.items()) or "defaults")
def test_clean_emulator_passes_every_requirement(variants, tmp_path):
    t = prove.trial(API, (), variants, workdir=tmp_path, max_examples=EXAMPLES)
    assert t.exit_code == 0, t.messages
    # a server without DELETE /registrations/{ID} does not declare it: its requirement is skipped, not failed
    off = {cap for name, cap in SWITCHES.items() if variants.get(name) == "off"}
    left_out = {"HUB-REG-006"} if "registration_delete" in off else set()
    assert t.outcomes == {r.id: "skipped" if r.id in left_out else "passed" for r in requirements.for_api(API)}, \
        t.messages
    # the observations record which documented behaviour this server shows
    obs = t.observations
    mode = variants.get("malformed", VARIANTS["malformed"].default)
    if mode == "per-item" and variants.get("item-errors") == "sync-errors":
        mode = "sync-errors"  # Pega's batch pages: no 202 body, the errors in syncErrors
    assert obs["HUB-BATCH-004"]["malformed_mode"] == mode
    assert obs["HUB-BATCH-002"]["oversize_status"] == int(variants.get("oversize-status", "400"))
    assert obs["HUB-REG-004"]["status_after_disablesync"] == variants.get("sync-stopped-status", "Pending-Activation")
    assert obs["HUB-REG-002"]["sync_status_name"] == variants.get("sync-status", VARIANTS["sync-status"].default)
    assert obs["HUB-REG-001"]["create_status"] == int(variants.get("create-status", VARIANTS["create-status"].default))


def test_every_requirement_has_a_fault():
    assert {f.breaks for f in FAULTS.values()} == {r.id for r in requirements.for_api(API)}


def test_without_inspection_read_back_tests_are_skipped_with_the_reason(tmp_path):
    # a real Hub only accepts data (seed 002): without the emulator-only view the read-back
    # requirements are skipped, saying why, and nothing fails
    t = prove.trial(API, (), workdir=tmp_path, max_examples=EXAMPLES,
                    replace={"inspection = true": "inspection = false"},
                    run_args=tuple(a for r in ("HUB-SYNC-002", "HUB-SYNC-003", "HUB-STORE-001", "HUB-ASSOC-001",
                                               "HUB-BATCH-002") for a in ("--requirement", r)))
    assert t.exit_code == 0
    for rid in ("HUB-SYNC-002", "HUB-SYNC-003", "HUB-STORE-001", "HUB-ASSOC-001"):
        assert t.outcomes[rid] == "skipped", (rid, t.outcomes[rid])
        assert any("capability inspection" in m for m in t.messages[rid]), t.messages[rid]
    assert t.outcomes["HUB-BATCH-002"] == "passed"  # its response part needs no read-back
