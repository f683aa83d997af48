"""Batches: the 50-item limit, the end of the initial load, malformed items, and a property
test over generated batches (sizes 0 to 60, mixed POST/PUT, duplicate IDs, malformed items).

Sources: VF ("at most 50 items per batch"; batch envelope {"requests": [{"method", "body"}]};
"The initial load ends with a batch call carrying preactivationData=true&preactivationDataLast=true
and no body"; no error body documented); the suite's Fabric Hub brief (malformed items: refused
alone or the whole batch refused; the suite records which).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import violate
from conformance.failures import PreconditionFailed
from conformance.http import Exchange
from conformance.suites.pega_fabric_hub_sync_v1 import payloads
from conformance.suites.pega_fabric_hub_sync_v1.client import ACTIVE, KINDS, HubApi, SyncClient, sync_error_count

LIMIT = 50  # VF: at most 50 items per batch
# the suite's Fabric Hub brief: 400; Pega names no status for an oversized batch (audit row 19):
# RFC 9110's 413 and 422 are admitted
OVERSIZE = (400, 413, 422)
MALFORMED = ("not-an-object", "bad-method", "no-id", "id-not-string", "body-not-object", "label-not-string")


def malformed_item(form: str, record_id: str) -> Any:
    good = payloads.task(record_id)
    return {
        "not-an-object": lambda: 42,
        "bad-method": lambda: {"method": "DELETE", "body": good},
        "no-id": lambda: {"method": "POST", "body": {k: v for k, v in good.items() if k != "ID"}},
        "id-not-string": lambda: {"method": "POST", "body": {**good, "ID": 12345}},
        "body-not-object": lambda: {"method": "POST", "body": f"{record_id} as text"},
        "label-not-string": lambda: {"method": "POST", "body": {**good, "label": 7}},
    }[form]()


def error_indices(ex: Exchange) -> set[int] | None:
    body = ex.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return None
    return {e["index"] for e in errors if isinstance(e, dict) and isinstance(e.get("index"), int)}


def stored_by_id(hub: HubApi, client: SyncClient, kind: str, ids: set[str]) -> tuple[dict[str, list[dict]], Exchange]:
    records, ex = hub.stored(client.registration, kind)
    found: dict[str, list[dict]] = {}
    for r in records:
        if isinstance(r.get("ID"), str) and r["ID"] in ids:
            found.setdefault(r["ID"], []).append(r)
    return found, ex


def check_malformed_answer(ex: Exchange, malformed: set[int], observe, hub: HubApi, client: SyncClient,
                           errors_before: int | None) -> str:
    """-> "per-item", "sync-errors" or "whole-batch"; raises HUB-BATCH-004 otherwise."""
    if ex.status == 202 and not ex.body.strip():
        # Pega's batch pages: 202 "Response body Not applicable"; the item errors show up later in the
        # registration's syncErrors (audit row 21): it must count at least these items, soon
        body, read = hub.settled(client.registration,
                                 lambda b: (sync_error_count(b) or 0) >= (errors_before or 0) + len(malformed))
        now = sync_error_count(body)
        if errors_before is None or now is None or now < errors_before + len(malformed):
            raise violate("HUB-BATCH-004", f"batch with malformed items at {sorted(malformed)} answered 202 without "
                          f"a body, and the registration's syncErrors went from {errors_before!r} to {now!r}: the "
                          f"{len(malformed)} refused item(s) are reported nowhere", ex, read)
        mode = "sync-errors"
    elif ex.status == 202:
        named = error_indices(ex)
        # the suite's Fabric Hub brief: refused "with a clear error": the answer names each refused item
        # (and no other)
        if named != malformed:
            raise violate("HUB-BATCH-004", f"batch with malformed items at {sorted(malformed)} answered 202 naming "
                          f"{sorted(named) if named is not None else 'no items'}; a per-item refusal must name "
                          "exactly the malformed items", ex)
        mode = "per-item"
    elif ex.status == 400:
        if not ex.body.strip():
            raise violate("HUB-BATCH-004", "whole batch refused with 400 but without an error body", ex)
        mode = "whole-batch"
    else:
        raise violate("HUB-BATCH-004", f"batch with malformed items at {sorted(malformed)}: expected 202 (refused "
                      f"alone) or 400 (whole batch refused), got {ex.status}", ex)
    observe("HUB-BATCH-004", "malformed_mode", mode)
    return mode


def sync_errors_now(hub: HubApi, client: SyncClient) -> int | None:
    read = hub.get(client.registration)
    return sync_error_count(read.json()) if read.status == 200 else None


@pytest.mark.requirement("HUB-BATCH-001")
@pytest.mark.writes
def test_batch_of_1_and_50_accepted_for_every_resource(hub, sync):
    for kind in KINDS:
        for size in (1, LIMIT):
            items = [{"method": "POST", "body": payloads.body_for(kind, hub.new_id(kind[:2].upper()))}
                     for _ in range(size)]
            ex = hub.batch(sync, kind, items)
            if ex.status != 202:  # VF: 202, at most 50 items
                raise violate("HUB-BATCH-001", f"{kind} batch of {size}: expected 202, got {ex.status}", ex)


@pytest.mark.requirement("HUB-BATCH-002")
@pytest.mark.writes
def test_batch_of_51_refused_and_not_stored(hub, sync, target, observe):
    ids = [hub.new_id("OVER") for _ in range(LIMIT + 1)]
    ex = hub.batch(sync, "tasks", [{"method": "POST", "body": payloads.task(i)} for i in ids])
    # VF: at most 50 items per batch; the suite's Fabric Hub brief: 51 -> 400; Pega names no status
    # (413 and 422 admitted)
    if ex.status not in OVERSIZE:
        raise violate("HUB-BATCH-002", f"batch of {LIMIT + 1}: expected {' or '.join(map(str, OVERSIZE))}, got "
                      f"{ex.status}", ex)
    observe("HUB-BATCH-002", "oversize_status", ex.status)
    if target.capabilities.inspection:
        found, read = stored_by_id(hub, sync, "tasks", set(ids))
        if found:
            raise violate("HUB-BATCH-002", f"a refused batch of {LIMIT + 1} left {len(found)} stored task(s)", ex, read)


@pytest.mark.requirement("HUB-BATCH-003")
@pytest.mark.writes
def test_initial_load_ends_with_a_bodiless_last_call(hub):
    client = hub.syncing_registration()
    # VF: initial load of work queues and operators (preactivationData=true), then tasks
    queue = hub.new_id("WQ")
    loads = [hub.batch(client, "workqueues", [{"method": "POST", "body": payloads.workqueue(queue)}]),
             hub.batch(client, "operators", [{"method": "POST", "body": payloads.operator(hub.new_id("OP"), [queue])}]),
             hub.batch(client, "tasks", [{"method": "POST", "body": payloads.task(hub.new_id("T"))}])]
    for ex in loads:
        if ex.status != 202:
            raise PreconditionFailed(f"the initial load itself was not accepted: {ex.summary()}")
    ends = hub.finish_initial_load(client)
    for last in ends:
        if last.request_body:
            raise AssertionError("the suite sent a body on the last initial-load call")
        # VF: "ends with a batch call carrying preactivationData=true&preactivationDataLast=true and no body"
        if last.status != 202:
            raise violate("HUB-BATCH-003", f"the bodiless preactivationDataLast=true call of {last.url}: expected "
                          f"202, got {last.status}", last)
    # Pega's enablesync page: "After the synchronization finishes, the application moves to the Active status";
    # batch associations page: once tasks, work queues and operators are synced it "automatically moves to the
    # active state" (audit row 14). Asynchronous: a few reads, half a second apart
    body, read = hub.settled(client.registration, lambda b: b.get("status") == ACTIVE)
    if body.get("status") != ACTIVE:
        raise violate("HUB-BATCH-003", f"after tasks, work queues and operators ended their initial load the "
                      f"registration is {body.get('status')!r}, expected {ACTIVE}", *ends, read)


@pytest.mark.requirement("HUB-BATCH-004")
@pytest.mark.writes
def test_malformed_items_refused_with_a_clear_error(hub, sync, target, observe):
    good = [hub.new_id("GOOD") for _ in range(4)]
    bad_ids = [hub.new_id("BAD") for _ in MALFORMED]
    items: list[Any] = [{"method": "POST", "body": payloads.task(i)} for i in good]
    positions = set()
    for form, rid in zip(MALFORMED, bad_ids):
        positions.add(len(items))
        items.append(malformed_item(form, rid))
    before = sync_errors_now(hub, sync)
    ex = hub.batch(sync, "tasks", items)
    mode = check_malformed_answer(ex, positions, observe, hub, sync, before)
    if target.capabilities.inspection:
        found, read = stored_by_id(hub, sync, "tasks", set(good) | set(bad_ids))
        wrong = sorted(set(found) & set(bad_ids))
        if wrong:
            raise violate("HUB-BATCH-004", f"malformed items were stored: {wrong}", ex, read)
        kept = sorted(set(found) & set(good))
        if mode in ("per-item", "sync-errors") and kept != sorted(good):
            raise violate("HUB-BATCH-004", f"the malformed items poisoned their batch: of the well-formed items "
                          f"{sorted(good)} only {kept} were stored after a 202", ex, read)
        if mode == "whole-batch" and kept:
            raise violate("HUB-BATCH-004", f"the whole batch was refused (400) but {kept} were stored", ex, read)


# -- property: generated batches ---------------------------------------------------------------
@st.composite
def batch_plans(draw) -> list[tuple]:
    """A plan of a batch: ("ok", id slot, method, version) or ("bad", form)."""
    size = draw(st.integers(min_value=0, max_value=LIMIT + 10))
    slots = draw(st.integers(min_value=1, max_value=max(1, size)))
    plan = []
    for version in range(size):
        if draw(st.integers(min_value=0, max_value=7)) == 0:
            plan.append(("bad", draw(st.sampled_from(MALFORMED))))
        else:
            plan.append(("ok", draw(st.integers(min_value=0, max_value=slots - 1)),
                         draw(st.sampled_from(["POST", "PUT"])), version))
    return plan


@pytest.mark.requirement("HUB-BATCH-001", "HUB-BATCH-002", "HUB-BATCH-004")
@pytest.mark.writes
def test_generated_batches(hub, sync, target, observe):
    @given(plan=batch_plans())
    def run(plan):
        base = hub.new_id("P")
        items: list[Any] = []
        last: dict[str, dict] = {}
        malformed: set[int] = set()
        bad_ids: set[str] = set()
        for i, step in enumerate(plan):
            if step[0] == "bad":
                rid = f"{base}-bad{i}"
                bad_ids.add(rid)
                malformed.add(i)
                items.append(malformed_item(step[1], rid))
            else:
                _, slot, method, version = step
                body = payloads.task(f"{base}-{slot}", label=f"v{version}")
                last[body["ID"]] = body
                items.append({"method": method, "body": body})
        size = len(items)
        before = sync_errors_now(hub, sync) if malformed and size <= LIMIT else None
        ex = hub.batch(sync, "tasks", items)
        if size > LIMIT:
            if ex.status not in OVERSIZE:  # VF: at most 50 items per batch
                raise violate("HUB-BATCH-002", f"generated batch of {size}: expected "
                              f"{' or '.join(map(str, OVERSIZE))}, got {ex.status}", ex)
            mode = "refused"
        elif size == 0:
            # an empty batch is within the limit; the documents do not say: record the answer
            observe("HUB-BATCH-001", "empty_batch_status", ex.status)
            return
        elif malformed:
            mode = check_malformed_answer(ex, malformed, observe, hub, sync, before)
        else:
            if ex.status != 202:  # VF: 202
                raise violate("HUB-BATCH-001", f"generated batch of {size} well-formed requests (mixed POST/PUT, "
                              f"{size - len(last)} repeated IDs): expected 202, got {ex.status}", ex)
            mode = "accepted"
        if not target.capabilities.inspection:
            return
        found, read = stored_by_id(hub, sync, "tasks", set(last) | bad_ids)
        if mode in ("refused", "whole-batch"):
            if found:
                rid = "HUB-BATCH-002" if mode == "refused" else "HUB-BATCH-004"
                raise violate(rid, f"a refused batch of {size} ({ex.status}) left {len(found)} record(s) stored",
                              ex, read)
            return
        if set(found) & bad_ids:
            raise violate("HUB-BATCH-004", f"malformed items were stored: {sorted(set(found) & bad_ids)}", ex, read)
        for rid, body in last.items():
            copies = found.get(rid, [])
            if len(copies) > 1:  # the suite's Fabric Hub brief: the same ID twice leaves one record
                raise violate("HUB-SYNC-003", f"{rid} was published {sum(1 for s in plan if s[0] == 'ok')} time(s) "
                              f"in one batch and is stored {len(copies)} times", ex, read)
            if not copies and malformed:
                raise violate("HUB-BATCH-004", f"the malformed items at {sorted(malformed)} poisoned their batch: "
                              f"the well-formed {rid} was not stored after a 202", ex, read)
            if not copies or not payloads.same_as_published(body, copies[0]):
                # seed 002: the Hub reflects accurate data: the last version of each accepted ID is stored
                raise violate("HUB-STORE-001", f"{rid}: accepted in a 202 batch, last version {body['label']!r}; "
                              f"stored: {[c.get('label') for c in copies] or 'nothing'}", ex, read)

    run()
