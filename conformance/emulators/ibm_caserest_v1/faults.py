"""Documented variants and injectable faults of the CASEREST v1 emulator.

A variant is a behaviour the sources allow (each conforms); a fault violates
exactly the requirement it names (`also`: what a conforming suite may also
report). tests/test_fault_matrix_ibm_caserest_v1.py proves both.
"""

from __future__ import annotations

from conformance.emulators.common import Fault, Variant

_SCHEMA = frozenset({"IBM-SCHEMA-001"})

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        # VF: the error body is UserMessage; the status tables and external-data pages spell it userMessage
        Variant("error-element", ("PascalCase", "camelCase"), "PascalCase",
                "spelling of the error element: UserMessage or userMessage"),
        # VF: POST /cases returns CaseFolderId in braces while the GET/PUT examples use it without
        Variant("folder-id", ("braces", "bare"), "braces", "CaseFolderId in answers: {GUID} or GUID"),
        # VF: casetype responses are camelCase (seed 003) while case responses are PascalCase
        Variant("casetype-keys", ("camelCase", "PascalCase"), "camelCase",
                "key spelling of the casetype responses (property metadata, choice lists)"),
        # VF: 'numbers are sent as strings' in the documented samples
        Variant("numbers", ("json", "string"), "json", "Integer/Float values in GET /case: JSON numbers or strings"),
        # IBM's reference pages (audit ../shared/reference/vendor-audits/ibm-caserest-v1.md, topic ids acmdvNNN)
        # answer differently from the seed and VF in these places; the second choice of each is IBM's.
        # acmdv112: GET /solutions has no parameter table; it lists the solutions of all object stores
        Variant("solutions-tos", ("required", "ignored"), "required",
                "GET /solutions without TargetObjectStore: 400 (VF) or served (acmdv112)"),
        # acmdv123: {"Status": "Working", "CaseIdentifier", "DateCreated", "DateLastModified"}
        Variant("status-member", ("CaseStatus", "Status"), "CaseStatus",
                "member naming the case status: CaseStatus (emulator) or Status (acmdv123)"),
        # acmdv125: {"Optional": [...], "Required": [...]}, empty groups left out, TaskState an integer
        Variant("tasks", ("flat", "grouped"), "flat",
                "GET /case/{id}/tasks: a flat Tasks list or IBM's Required/Optional/Disabled groups"),
        # acmdv085: Cardinality "single multi" (acmdv106: "Cardinality": "multi")
        Variant("cardinality", ("LIST", "multi"), "LIST", "Cardinality spelling: SINGLE/LIST or single/multi"),
        # acmdv085: PropertyType "integer float boolean string datetime id object", lowercase (acmdv120)
        Variant("property-type", ("GUID", "id"), "GUID", "PropertyType spelling: String/.../GUID or string/.../id"),
        # acmdv085: an object-valued property's Value is "another JSON object"; acmdv119: a business object's
        # Value is an array of objects with their own Properties
        Variant("object-properties", ("off", "on"), "off",
                "DH2_MyCase also has an object-valued and a business-object property (read-only)"),
        # acmdv117 Table 2: ExternalDataIdentifier "Yes, if using an external data service"
        Variant("eds-identifier", ("optional", "required"), "optional",
                "POST /casetype inProgressChanges without ExternalDataIdentifier: served or 400"),
        # no CASEREST page lists 401: the application server or SSO answers (acmdv100, acmdv101)
        Variant("unauthenticated", ("caserest-401", "container-401", "login-redirect"), "caserest-401",
                "answer without valid credentials: 401 with the CASEREST body, the container's 401 (text/html), "
                "or a redirect to a login page"),
        # acmdv085: Updatability oncreate "a case worker can modify the property value only when creating a case"
        Variant("updatability", ("readwrite", "oncreate"), "readwrite",
                "DH2_PropOne is read-write or oncreate (refused on PUT /case)"),
        # acmdv106: DH2_PropOne MinValue 1 MaxValue 10, DH2_MVInt MinValue 0, DH2_MVString a choice list;
        # acmdv119, acmdv122: values are validated against minimum, maximum and choice list
        # acmdv121delcase documents POST /deletecase; the capability delete_case says whether a server offers it
        Variant("delete-case", ("on", "off"), "on", "offer POST /deletecase"),
        # acmdv129, acmdv130: GET and POST /case/{id}/comments; the capability comments says whether a server has them
        Variant("comments", ("on", "off"), "on", "offer GET and POST /case/{id}/comments"),
        # acmdv131: GET /case/{id}/history; the capability history says whether a server has it
        Variant("history", ("on", "off"), "on", "offer GET /case/{id}/history"),
        # acmdv091, acmdv111, acmdv114, acmdv115: the solution's and case types' definitions; capability definitions
        Variant("definitions", ("on", "off"), "on",
                "offer GET /solution/{name}, its documenttypes, and a case type's viewdefinitions, "
                "discretionarytasktypes and page (acmdv118)"),
        # acmdv121, acmdv124: POST /case/{id} (split, fetchProperties, relate, unrelate) and the related cases
        Variant("case-operations", ("on", "off"), "on", "offer POST /case/{id} and GET /case/{id}/cases"),
        # acmdv127: POST /case/{id}/tasks creates a discretionary activity; capability discretionary_tasks
        # acmdv126: GET /case/{id}/tasktype/{name}, the same group's launch step information
        Variant("discretionary-tasks", ("on", "off"), "on",
                "offer POST /case/{id}/tasks and GET /case/{id}/tasktype/{name}"),
        # acmdv148, acmdv149: GET and POST /case/{id}/stages; the capability stages says whether a server has them
        Variant("stages", ("on", "off"), "on", "offer GET and POST /case/{id}/stages"),
        # acmdv151: GET /case/{id}/casedocumentslist; the capability documents says whether a server has it
        Variant("documents", ("on", "off"), "on", "offer GET /case/{id}/casedocumentslist"),
        Variant("constraints", ("open", "acmdv106"), "open",
                "value constraints: none beyond the type, or acmdv106's ranges and choice lists, enforced"),
    )
}

# IBM's documented behaviour all at once (the audit's false-failure rows); the two differ only in how an
# unauthenticated request is answered (acmdv100, acmdv101: the container's or the SSO login's answer)
# (acmdv106, acmdv107 step 5: the server's own casetype answer is PascalCase, audit row 9)
_VENDOR = {"casetype-keys": "PascalCase", "solutions-tos": "ignored", "status-member": "Status", "tasks": "grouped", "cardinality": "multi",
           "property-type": "id", "object-properties": "on", "eds-identifier": "required",
           "updatability": "oncreate", "constraints": "acmdv106"}
JOINT_VARIANT_SETS: tuple[dict[str, str], ...] = (
    {**_VENDOR, "unauthenticated": "container-401"},
    {**_VENDOR, "unauthenticated": "login-redirect"},
    # the optional operation groups switched off together (one trial, not one each)
    {"delete-case": "off", "comments": "off", "history": "off", "definitions": "off", "case-operations": "off",
     "discretionary-tasks": "off", "stages": "off", "documents": "off"},
)

FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault("tos-optional-case-get", "IBM-TOS-001", "GET /case/{id} without TargetObjectStore is served"),
        Fault("initial-drops-property", "IBM-TYPE-001",
              "RequestMode=initialNewObject leaves out the case type's last property"),
        Fault("casetypes-empty", "IBM-TYPE-002", "GET /solution/{name}/casetypes lists no case type"),
        Fault("inprogress-returns-all", "IBM-DEP-001",
              "RequestMode=inProgressChanges returns every property, changed or not"),
        Fault("default-mode-initial", "IBM-DEP-001", "without RequestMode the answer is initialNewObject's"),
        Fault("choice-list-ignores-value", "IBM-DEP-002",
              "the dependent choice list is the first configured one (CA's) whatever the state"),
        Fault("edi-missing", "IBM-DEP-003", "answers carry no ExternalDataIdentifier", _SCHEMA),
        Fault("edi-ignored", "IBM-DEP-003",
              "the ExternalDataIdentifier sent is ignored: changes are always computed from the defaults"),
        Fault("wrong-type-accepted", "IBM-PROP-001", "values of the wrong PropertyType are accepted"),
        Fault("list-first-only", "IBM-PROP-002", "a LIST property keeps only the first element of its array"),
        Fault("unknown-name-500", "IBM-PROP-003", "an unknown symbolic name answers 500", _SCHEMA),
        Fault("unknown-name-echoed", "IBM-PROP-003",
              "an unknown symbolic name comes back as a property in the casetype answer"),
        Fault("create-200", "IBM-CASE-001", "POST /cases answers 200 instead of 201", _SCHEMA),
        Fault("create-no-folder-id", "IBM-CASE-001", "POST /cases answers without CaseFolderId", _SCHEMA),
        # IBM-CASE-003 reads its PUT of a DateTime value back through the same GET
        Fault("get-drops-datetime", "IBM-CASE-002", "GET /case/{id} answers Value null for SINGLE DateTime properties",
              frozenset({"IBM-CASE-003"})),
        # a dropped PUT is also not 'applied in full' when the stale writer's PUT lands
        Fault("put-ignored", "IBM-CASE-003", "PUT /case/{id} answers 200 but stores nothing",
              frozenset({"IBM-LOCK-001"})),
        Fault("stale-partial-merge", "IBM-LOCK-001",
              "a PUT keeps the properties the previous PUT changed (first writer wins per field): a stale "
              "writer's update is applied in part"),
        Fault("unknown-type-500", "IBM-ERR-001", "an unknown case type answers 500", _SCHEMA),
        # IBM-DEL-001 asks the deleted case's GET for the 404 of an unknown case
        # a deleted case's GET (IBM-DEL-001) and an unknown case's documents list (IBM-DOC-001) ask for 404 too
        Fault("unknown-case-400", "IBM-ERR-001", "an unknown case folder id answers 400",
              frozenset({"IBM-DEL-001", "IBM-DOC-001"})),
        Fault("not-json-500", "IBM-ERR-002", "a body that is not JSON answers 500 text/plain",
              _SCHEMA | {"IBM-ERR-003"}),
        Fault("missing-case-type-201", "IBM-ERR-002", "POST /cases without CaseType creates a case of DH2_MyCase"),
        # the spec's error body requires the text too: the property test, which reports every failure of an
        # answer, sees it under IBM-SCHEMA-001 as well
        Fault("error-no-text", "IBM-ERR-003", "error bodies carry UserMessage without Text", _SCHEMA),
        Fault("auth-optional-get", "IBM-AUTH-001", "GET /casetype/{name} is served without credentials"),
        Fault("auth-any-password", "IBM-AUTH-001", "any password is accepted for a known user"),
        Fault("status-undocumented", "IBM-SCHEMA-001", "GET /case/{id}/status answers the undocumented 'Active'"),
        # found by stock schemathesis on an independent server (ProcessMaker): an ID member sent as a JSON list
        Fault("id-list-500", "IBM-SCHEMA-001",
              "POST /cases answers 500 when CaseType or TargetObjectStore is a JSON list"),
        # acmdv128: TargetObjectStore and Grouping are query parameters of PUT /task/{taskId}
        Fault("task-tos-body-only", "IBM-TASK-001", "PUT /task/{id} reads TargetObjectStore only from the body"),
        # acmdv128: 'does not return an error when a request is made to enable an activity that is already enabled'
        Fault("enable-enabled-400", "IBM-TASK-001", "enabling an activity that is already enabled answers 400"),
        # acmdv122: PUT /case stores valid values; a refusal of valid values also hides whether a stale writer
        # is refused (the lost-update test re-sends writer A's values on their own and reports it here)
        Fault("comment-not-listed", "IBM-COMMENT-001", "GET /case/{id}/comments leaves out the newest comment"),
        Fault("history-ignores-batchsize", "IBM-HIST-001", "GET /case/{id}/history returns every entry whatever "
              "the BatchSize"),
        Fault("solution-details-empty", "IBM-DEF-001", "GET /solution/{name} lists no case type"),
        Fault("definitions-unknown-200", "IBM-DEF-001",
              "a case type's viewdefinitions and discretionarytasktypes answer 200 for an unknown case type"),
        Fault("unrelate-ignored", "IBM-REL-001", "POST /case/{id} unrelate answers 200 but the relationship stays"),
        Fault("doclist-unknown-200", "IBM-DOC-001",
              "GET /case/{id}/casedocumentslist answers 200 with an empty docList for an unknown case folder"),
        Fault("launchinfo-unknown-200", "IBM-ACT-002",
              "GET /case/{id}/tasktype/{name} answers 200 for an activity type the case type does not define"),
        Fault("creation-page-404", "IBM-DEF-002",
              "GET /casetype/{name}/page answers 404 to PageType=CaseCreationPage"),
        Fault("stage-release-false", "IBM-STAGE-001",
              "POST /case/{id}/stages releaseCurrentOnHoldStage answers removeStageOnHoldResult false and the "
              "on-hold stage stays on hold"),
        Fault("activity-not-listed", "IBM-ACT-001", "POST /case/{id}/tasks answers 201 but no activity is added"),
        Fault("deletecase-keeps-case", "IBM-DEL-001", "POST /deletecase answers 200 but the case stays"),
        Fault("put-refuses-integer", "IBM-CASE-003", "PUT /case/{id} answers 400 to any Integer value"),
    )
}
