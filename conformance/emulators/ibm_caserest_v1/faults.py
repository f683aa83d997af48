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
    )
}

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
        Fault("get-drops-datetime", "IBM-CASE-002", "GET /case/{id} answers Value null for SINGLE DateTime properties"),
        # a dropped PUT is also not 'applied in full' when the stale writer's PUT lands
        Fault("put-ignored", "IBM-CASE-003", "PUT /case/{id} answers 200 but stores nothing",
              frozenset({"IBM-LOCK-001"})),
        Fault("stale-partial-merge", "IBM-LOCK-001",
              "a PUT keeps the properties the previous PUT changed (first writer wins per field): a stale "
              "writer's update is applied in part"),
        Fault("unknown-type-500", "IBM-ERR-001", "an unknown case type answers 500", _SCHEMA),
        Fault("unknown-case-400", "IBM-ERR-001", "an unknown case folder id answers 400"),
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
    )
}
