"""Documented variants and injectable faults of the Fabric Hub sync emulator.

A variant is a behaviour the sources allow (each choice conforms); a fault violates
exactly the requirement it names (tests/test_fault_matrix_pega_fabric_hub_sync_v1.py
proves the suite reports it there and nowhere outside `also`).
"""

from __future__ import annotations

from conformance.emulators.common import Fault, Variant

_SCHEMA = frozenset({"HUB-SCHEMA-001"})

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        # issue 6 / VF (no error body documented): a malformed item is refused alone, or the whole batch is
        Variant("malformed", ("per-item", "whole-batch"), "per-item",
                "malformed batch items: refused alone (202, rest stored) or the whole batch refused (400)"),
        # VF: status becomes Sync-InProgress; the samples show Open-SyncProgress
        Variant("sync-status", ("Sync-InProgress", "Open-SyncProgress"), "Sync-InProgress",
                "status name of a syncing registration"),
        # VF: POST /registrations answers 201/200
        Variant("create-status", ("201", "200"), "201", "status answered by POST /registrations"),
    )
}

FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault("create-pending-details", "HUB-REG-001", "a new registration starts Pending-Details",
              frozenset({"HUB-REG-004", "HUB-REG-003"})),
        Fault("enablesync-status-unchanged", "HUB-REG-002",
              "enablesync answers credentials but the registration stays Pending-Activation",
              frozenset({"HUB-REG-003", "HUB-REG-004"})),
        Fault("enablesync-registration-client", "HUB-REG-002",
              "enablesync answers the registration's own clientID as the sync clientID"),
        Fault("edit-while-syncing", "HUB-REG-003", "PATCH is applied while the registration is syncing"),
        Fault("edit-resolved", "HUB-REG-003", "PATCH is applied to a resolved (disabled) registration"),
        Fault("list-shows-resolved", "HUB-REG-004", "GET /registrations lists resolved registrations too"),
        Fault("enable-noop", "HUB-REG-004", "enable answers 200 but the registration stays Resolved-Disabled"),
        Fault("unknown-registration-500", "HUB-REG-005", "an unknown registration ID answers 500", _SCHEMA),
        Fault("registrations-no-auth", "HUB-AUTH-001", "GET /registrations is served without a token"),
        Fault("sync-accepts-registration-token", "HUB-AUTH-002",
              "sync endpoints accept a token of the registration (admin) credentials"),
        Fault("disablesync-keeps-access", "HUB-AUTH-003", "the sync token keeps working after disablesync"),
        Fault("batch-limit-40", "HUB-BATCH-001", "batches of more than 40 requests are refused with 400",
              frozenset({"HUB-STORE-001", "HUB-SYNC-003"})),
        Fault("batch-no-limit", "HUB-BATCH-002", "batches of any size are accepted"),
        Fault("initial-load-end-needs-body", "HUB-BATCH-003",
              "the bodiless call that ends the initial load answers 400"),
        Fault("malformed-poisons-batch", "HUB-BATCH-004",
              "a malformed item is reported, but the well-formed rest of its batch is silently dropped (202)"),
        Fault("malformed-accepted", "HUB-BATCH-004", "malformed items are dropped without any error"),
        Fault("realtime-200", "HUB-SYNC-001", "real-time publications answer 200 instead of 202", _SCHEMA),
        Fault("put-ignored-after-batch", "HUB-SYNC-002",
              "a real-time PUT of a task or case a batch published answers 202 but keeps the batch version"),
        Fault("duplicate-ids-doubled", "HUB-SYNC-003", "publishing an ID again adds a second record",
              frozenset({"HUB-STORE-001", "HUB-ASSOC-001", "HUB-SYNC-002"})),
        Fault("store-drops-item", "HUB-STORE-001",
              "the tenth item of each batch is acknowledged but not stored",
              frozenset({"HUB-SYNC-003", "HUB-BATCH-004"})),
        Fault("assoc-delete-ignored", "HUB-ASSOC-001", "the association action delete answers 202 but keeps it"),
        Fault("time-iso", "HUB-TIME-001", "lastTaskSyncedDateTime is an ISO 8601 time", _SCHEMA),
        Fault("schema-syncerrors-object", "HUB-SCHEMA-001", "a registration's syncErrors is an object"),
        # found by stock schemathesis on an independent server (ProcessMaker): an ID member sent as a JSON list
        Fault("id-list-500", "HUB-SCHEMA-001",
              "real-time publications (POST /tasks, POST /cases, PUT /associations, PUT .../{ID}) answer 500 "
              "when the body's ID is a JSON list"),
    )
}
