"""Pega Process Fabric Hub data synchronization requirements.

Sources: "seed 002" = ../shared/seeds/002_*.txt (the resources, batch and real-time
endpoints, the data-synchronization token); "VF" = ../shared/reference/vendor-facts.md,
section "Pega Process Fabric Hub data synchronization" (paths, the registration life
cycle, the batch envelope, payload fields, flags, the documentation's inconsistencies);
"audit row n" = a row of ../shared/reference/vendor-audits/pega-fabric-hub-sync-v1.md, which
quotes Pega's Process Fabric Hub pages (1.0 and 2.1) with their addresses.
"""

from __future__ import annotations

from conformance.requirements._model import Requirement

_HUB = "pega-fabric-hub-sync-v1"

CATALOGUE: tuple[Requirement, ...] = (
    # -- registrations --------------------------------------------------------------
    Requirement(
        "HUB-REG-001", _HUB, "registrations", "MUST",
        "POST /registrations MUST answer 201 or 200 with the new registration, carrying an ID and the status "
        "Pending-Activation.",
        "VF (table: POST /registrations 201/200, 'new app is Pending-Activation'; responses add ID 'REG-22951')",
        "create.status-and-headers",
    ),
    Requirement(
        "HUB-REG-002", _HUB, "registrations", "MUST",
        "POST /registrations/{ID}/actions/enablesync MUST answer 200 with a sync clientID and secret that differ "
        "from the registration's credentials, and move the registration to Sync-InProgress (samples: "
        "Open-SyncProgress).",
        "VF (table: enablesync 200, returns clientID + secret, status becomes Sync-InProgress; Token: the sync "
        "credentials come from the enablesync response); seed 002 (Enable Synchronize Registration API)",
        "lifecycle.advance",
    ),
    Requirement(
        "HUB-REG-003", _HUB, "registrations", "MUST",
        "PATCH /registrations/{ID} MUST be refused (4xx, registration unchanged) while the registration is "
        "syncing or resolved, and MUST answer 200 with the full, edited object in any other state (Pending-"
        "Activation, Active, after disablesync).",
        "VF (table: PATCH 200, full object; refused in Sync-InProgress or Resolved); Pega's edit page (audit rows "
        "4, 5: 'You cannot edit applications that have a Sync-InProgress or Resolved status'; its sample edits an "
        "Active one with 200)",
        "update.lifecycle-rule",
    ),
    Requirement(
        "HUB-REG-004", _HUB, "registrations", "MUST",
        "The registration life cycle MUST follow the documented transitions (enablesync, disablesync, disable, "
        "enable; others refused with 4xx, the registration unchanged): disable MUST be refused unless the "
        "registration is Active, and after it the registration's publications MUST still be accepted; enable "
        "MUST undo it; GET /registrations MUST list the registrations and leave out Pending-Details and "
        "Resolved ones.",
        "VF (table: disablesync, disable/enable 'hide or show assignments'; GET /registrations 'excludes "
        "Pending-Details and Resolved'); Pega's disable page (audit rows 8, 9: 'only for applications that have "
        "the Active status', 'without stopping data synchronization', 'your remote application continues to "
        "push data')",
        "lifecycle.state-machine",
    ),
    Requirement(
        "HUB-REG-006", _HUB, "registrations", "MUST",
        "DELETE /registrations/{ID} MUST answer 200 for a Pending-Activation registration, after which GET no "
        "longer answers it; it MUST be refused (4xx, the registration kept) while the registration is syncing.",
        "Pega's delete page (audit row 11: 'only if the application has one of the following statuses: Inactive, "
        "Pending-Activation, Activation-Failure'; 'returns an empty response with the status code of 200'); RFC "
        "9110 15.5.5 (404 once gone)",
        "delete.lifecycle-rule",
    ),
    Requirement(
        "HUB-REG-005", _HUB, "registrations", "MUST",
        "Operations on an unknown registration ID MUST answer 404.",
        "VF (GET /registrations/{ID}); RFC 9110 15.5.5 (no error body is documented, VF)",
        "errors.unknown-resource",
    ),
    # -- authentication ---------------------------------------------------------------
    Requirement(
        "HUB-AUTH-001", _HUB, "auth", "MUST",
        "Registration and sync endpoints MUST refuse a request without a bearer token with 401.",
        "seed 002 ('OAuth 2.0 authentication secures the Pega Process Fabric Hub REST APIs'); RFC 6750 3.1",
        "auth.refuses-missing-token",
    ),
    Requirement(
        "HUB-AUTH-002", _HUB, "auth", "MUST",
        "Sync endpoints MUST refuse a token obtained with the registration credentials (401 or 403) and MUST "
        "accept a token obtained at the token endpoint with the sync credentials from enablesync.",
        "seed 002 ('you must obtain a corresponding data synchronization access token'); VF (Token: the sync "
        "credentials come from the enablesync response, not from the registration credentials)",
        "auth.scoped-credentials",
    ),
    Requirement(
        "HUB-AUTH-003", _HUB, "auth", "MUST",
        "After POST /registrations/{ID}/actions/disablesync every sync call with that registration's sync "
        "token MUST answer 403.",
        "VF (table: disablesync 200, 'afterwards every sync call gets 403')",
        "auth.revoked-credentials",
    ),
    # -- batches --------------------------------------------------------------------
    Requirement(
        "HUB-BATCH-001", _HUB, "batch", "MUST",
        "A batch of 1 to 50 well-formed requests MUST be accepted with 202.",
        "VF (table: POST /tasks/batch 202, 'at most 50 items per batch'; batch envelope {requests: [...]})",
        "paging.limits",
    ),
    Requirement(
        "HUB-BATCH-002", _HUB, "batch", "MUST",
        "A batch of more than 50 requests MUST be refused (400, or 413 or 422), and none of its items stored.",
        "VF (table: 'at most 50 items per batch'); the suite's Fabric Hub brief ('refuses 51 with 400'); "
        "Pega's batch pages ('up to 50 request items', no status named, audit row 19); RFC 9110 15.5.14 (413), "
        "15.5.21 (422)",
        "batch.limit-refused",
    ),
    Requirement(
        "HUB-BATCH-003", _HUB, "batch", "MUST",
        "The call that ends the initial load, a batch POST with preactivationData=true&preactivationDataLast=true "
        "and no body, MUST be accepted with 202; once tasks, work queues and operators have each ended theirs, "
        "the registration MUST move to Active.",
        "VF ('The initial load ends with a batch call carrying preactivationData=true&preactivationDataLast=true "
        "and no body'); Pega's work-queue and operator batch pages (each type its own last call); enablesync page "
        "('After the synchronization finishes, the application moves to the Active status'); batch associations "
        "page 2.1 (audit row 14: 'the registration automatically moves to the active state')",
        "batch.initial-load-end",
    ),
    Requirement(
        "HUB-BATCH-004", _HUB, "batch", "MUST",
        "Malformed items in a batch MUST be refused, either alone (202, the well-formed rest stored; the 202 names "
        "exactly them, or, without a body, the registration's syncErrors counts them) or by refusing the whole "
        "batch (400 with an error body, nothing stored).",
        "VF (no error body is documented; 'some samples are not valid JSON'); the suite's Fabric Hub brief "
        "(both behaviours admitted, the suite records which); Pega's batch pages (audit row 21: 202 'Response "
        "body Not applicable'; syncErrors in the registration)",
        "errors.malformed-body",
    ),
    # -- publication ------------------------------------------------------------------
    Requirement(
        "HUB-SYNC-001", _HUB, "sync", "MUST",
        "Accepted real-time publications (POST /tasks, PUT /tasks/{ID}, POST /cases, PUT /cases/{ID}, "
        "PUT /associations with action create, PUT /associations/{ID} with action update or delete) MUST answer "
        "202.",
        "VF (table: POST /tasks, PUT /tasks/{ID} 202; cases 202; associations 202); seed 002 (real-time "
        "publishing endpoints); Pega's real-time associations page (audit row 28: 'PUT /associations, action = "
        "\"create\"', 'PUT /associations/{associationID}, action = \"update\" or \"delete\"')",
        "create.status-and-headers",
    ),
    Requirement(
        "HUB-SYNC-002", _HUB, "sync", "MUST",
        "A real-time PUT of a record MUST replace what a batch published for the same ID.",
        "seed 002 ('the remote application can immediately publish any changes'; 'Pega Process Fabric Hub "
        "reflects accurate data'); VF (PUT /tasks/{ID})",
        "update.persisted",
    ),
    Requirement(
        "HUB-SYNC-003", _HUB, "sync", "MUST",
        "Publishing the same ID twice (in one batch or in two) MUST leave exactly one record, holding the last "
        "published version.",
        "seed 002 ('Pega Process Fabric Hub and your remote application are always in sync'); the suite's "
        "Fabric Hub brief (idempotent publication)",
        "create.idempotent",
    ),
    Requirement(
        "HUB-STORE-001", _HUB, "store", "MUST",
        "Every item the Hub accepted MUST be stored as published, for tasks, work queues, operators, cases and "
        "associations (verified through a read-back view where the server offers one).",
        "seed 002 ('Pega Process Fabric Hub only accepts data'; 'reflects accurate data about assignments')",
        "create.persisted",
    ),
    Requirement(
        "HUB-ASSOC-001", _HUB, "associations", "MUST",
        "Association actions MUST behave as named: create adds the association, update changes it, delete "
        "removes it.",
        "VF (PUT /associations[/{ID}] with action create/update/delete; Association: fromType, fromID, toType, "
        "toID, action, category, ID)",
        "associations.actions",
    ),
    Requirement(
        "HUB-TIME-001", _HUB, "time", "MUST",
        "Timestamps the Hub answers (a registration's lastTaskSyncedDateTime, once set) MUST use the Pega form "
        "'YYYYMMDDTHHMMSS.mmm GMT'.",
        "VF ('Timestamps look like 20210112T101328.528 GMT'; responses add lastTaskSyncedDateTime); Pega's samples "
        "(audit row 32: empty while syncing, '20210421T171959.354 GMT' once Active)",
        "time.format",
    ),
    Requirement(
        "HUB-SCHEMA-001", _HUB, "schema", "MUST",
        "Every response MUST match a status code and schema the OpenAPI document "
        "specs/pega-fabric-hub-sync-v1.yaml declares for the operation.",
        "specs/pega-fabric-hub-sync-v1.yaml (from VF payload fields and seed 002)",
        "contract.schema",
    ),
)
