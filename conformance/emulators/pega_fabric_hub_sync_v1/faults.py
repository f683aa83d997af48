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
        # the suite's Fabric Hub brief / VF (no error body documented): a malformed item is refused alone,
        # or the whole batch is
        Variant("malformed", ("per-item", "whole-batch"), "per-item",
                "malformed batch items: refused alone (202, rest stored) or the whole batch refused (400)"),
        # VF: status becomes Sync-InProgress; the samples show Open-SyncProgress
        Variant("sync-status", ("Sync-InProgress", "Open-SyncProgress"), "Sync-InProgress",
                "status name of a syncing registration"),
        # VF: POST /registrations answers 201/200
        Variant("create-status", ("201", "200"), "201", "status answered by POST /registrations"),
        # -- Pega's Process Fabric Hub pages (../shared/reference/vendor-audits/pega-fabric-hub-sync-v1.md) --
        # deactivate page: after disablesync the application shows "Disabled - Sync Stopped" (audit row 7);
        # no document names the default's state (back to Pending-Activation)
        Variant("sync-stopped-status", ("Pending-Activation", "Disabled - Sync Stopped"), "Pending-Activation",
                "status of a registration after disablesync"),
        # every publication page: "Response status 202 / Response body Not applicable" (audit row 22)
        Variant("accepted-body", ("errors", "empty"), "errors",
                "body of a 202: the emulator's {errors: [...]} or none"),
        # batch pages: 202 without a body; item errors show up in the registration's syncErrors (audit row 21)
        Variant("item-errors", ("answer", "sync-errors"), "answer",
                "where a per-item batch reports its malformed items: in the 202's body or in syncErrors"),
        # no status is documented for a batch over 50 (audit row 19): the suite's Fabric Hub brief says 400;
        # 413 is RFC 9110's
        Variant("oversize-status", ("400", "413"), "400", "status refusing a batch of more than 50 requests"),
        # real-time associations page: create on PUT /associations, update or delete on PUT /associations/{ID}
        # (audit rows 28, 29); VF: "PUT /associations[/{ID}] with action create/update/delete"
        Variant("associations", ("any-path", "split"), "any-path",
                "real-time association actions: any action on either path, or only the documented pairs"),
        # Get Registration sample: a syncing registration shows lastTaskSyncedDateTime "" (audit row 32)
        Variant("last-synced", ("on-publish", "on-activation"), "on-publish",
                "when lastTaskSyncedDateTime is set: at each task publication, or once the registration is Active"),
        # Pega's delete page documents DELETE /registrations/{ID} (audit row 11); a server may lack it
        # (capability registration_delete)
        Variant("registration-delete", ("on", "off"), "on", "offer DELETE /registrations/{ID}"),
    )
}

# The product as Pega's Process Fabric Hub pages document it, every documented choice at once (one trial of
# `conformance prove`; each of these variants is proven only here, in this set)
JOINT_VARIANT_SETS: tuple[dict[str, str], ...] = (
    {"sync-stopped-status": "Disabled - Sync Stopped", "accepted-body": "empty", "item-errors": "sync-errors",
     "oversize-status": "413", "associations": "split", "last-synced": "on-activation"},
)

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
        Fault("disable-any-state", "HUB-REG-004", "disable is applied to a registration that is not Active"),
        Fault("disable-stops-sync", "HUB-REG-004",
              "disable revokes the sync client: publications answer 403 afterwards"),
        Fault("delete-any-state", "HUB-REG-006", "DELETE /registrations/{ID} deletes a syncing registration"),
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
        Fault("no-activation", "HUB-BATCH-003",
              "the registration stays syncing after tasks, work queues and operators ended their initial load"),
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
        # the accept half of HUB-AUTH-002 publishes an association the documented way too
        Fault("assoc-create-refused", "HUB-SYNC-001", "PUT /associations refuses the action create (400)",
              frozenset({"HUB-AUTH-002"})),
        Fault("time-iso", "HUB-TIME-001", "lastTaskSyncedDateTime is an ISO 8601 time", _SCHEMA),
        Fault("schema-syncerrors-object", "HUB-SCHEMA-001", "a registration's syncErrors is an object"),
        # found by stock schemathesis on an independent server (ProcessMaker): an ID member sent as a JSON list
        Fault("id-list-500", "HUB-SCHEMA-001",
              "real-time publications (POST /tasks, POST /cases, PUT /associations, PUT .../{ID}) answer 500 "
              "when the body's ID is a JSON list"),
    )
}
