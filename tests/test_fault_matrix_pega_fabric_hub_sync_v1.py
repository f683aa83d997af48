"""Proving the Fabric Hub sync suite (DESIGN.md): each fault is reported under exactly its
requirement; the clean emulator and every documented variant pass.

Each trial is real: an emulator process on loopback, a `conformance run` process against it,
results.json read back. Fault trials inject several faults at once (GROUPS) and run only the tests
of the requirements they may show up under ({breaks} | also) with a small hypothesis budget; the
unscoped, one-fault-per-trial proof is
`conformance prove --api pega-fabric-hub-sync-v1` (CI, docs/proving.md's matrix).
"""

from __future__ import annotations

import pytest

from conformance import prove, requirements
from test_fault_matrix import assert_group_disjoint, prove_group
from conformance.emulators.pega_fabric_hub_sync_v1 import FAULTS, SWITCHES, VARIANTS

pytestmark = pytest.mark.matrix
API = "pega-fabric-hub-sync-v1"
EXAMPLES = 2


# A trial costs ~5-10 s whatever it runs, so every fault is injected in a group: distinct requirements, none of
# them another's `also` (checked below), and none of them keeping another's test from running (proven by the
# group's trial: every fault's requirement fails). The registration life cycle's faults decide which go
# together: no-activation, initial-load-end-needs-body, create-pending-details and the enablesync faults stop
# the tests that need a syncing or Active registration (the REG-004 life-cycle path among them), so they go
# with faults whose tests need neither, or alone. HUB-SCHEMA-001 runs only in the groups whose fault breaks
# it. The unscoped one-fault proof (detected AND exact) is `conformance prove`.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("no-activation", "delete-any-state", "assoc-create-refused", "batch-limit-40"),
    ("disable-stops-sync", "put-ignored-after-batch", "malformed-accepted", "time-iso", "edit-resolved",
     "sync-accepts-registration-token"),
    ("disable-any-state", "realtime-200", "batch-no-limit", "edit-while-syncing", "malformed-poisons-batch",
     "assoc-delete-ignored"),
    ("list-shows-resolved", "store-drops-item", "schema-syncerrors-object", "disablesync-keeps-access"),
    ("enable-noop", "duplicate-ids-doubled", "id-list-500"),
    ("create-pending-details", "registrations-no-auth"),
    ("initial-load-end-needs-body", "unknown-registration-500"),
    ("enablesync-registration-client",),
    ("enablesync-status-unchanged",),
)


def test_groups_cover_every_fault_once_with_disjoint_requirements():
    names = [f for g in GROUPS for f in g]
    assert sorted(names) == sorted(FAULTS) and len(names) == len(set(names))
    for group in GROUPS:
        assert_group_disjoint(FAULTS, group)


# this group's trial is also judged passively, as `conformance prove` judges every trial (about a second more):
# its fault visible in traffic is caught, the other is not visible (an unknown ID; traffic_matrix.NOT_VISIBLE)
PASSIVE_GROUP = ("initial-load-end-needs-body", "unknown-registration-500")


@pytest.mark.parametrize("group", [g for g in GROUPS if g != PASSIVE_GROUP], ids="+".join)
def test_faults_reported_under_their_requirements(group, tmp_path):
    prove_group(API, FAULTS, group, "HUB-SCHEMA-001", tmp_path, EXAMPLES)


def test_group_reported_and_judged_passively(tmp_path):
    assert PASSIVE_GROUP in GROUPS
    t = prove_group(API, FAULTS, PASSIVE_GROUP, "HUB-SCHEMA-001", tmp_path, EXAMPLES, passive=True)
    assert t.passive is not None and t.passive.exchanges > 0 and not t.passive.error
    assert prove.passive_verdict(API, t, "initial-load-end-needs-body") == "caught", t.passive.messages
    assert prove.passive_verdict(API, t, "unknown-registration-500").startswith(
        "not visible: whether an ID is unknown to the server"), t.passive.outcomes


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
