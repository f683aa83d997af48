"""Documented variants and injectable faults of the Pega DX v2 emulator.

A variant is a behaviour the sources allow (both choices conform); a fault
violates exactly the requirement it names. tests/test_fault_matrix.py proves
that the suite reports each fault under that requirement and nothing else
outside `also` (SCHEMA-001 may legitimately see a fault that changes a
documented status code or header too).
"""

from __future__ import annotations

from conformance.emulators.common import Fault, Variant

_SCHEMA = frozenset({"PEGA-SCHEMA-001"})

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        # VF: SW lists both 409 and 412 for a stale eTag; v1 answers 412 (Pega_API_021)
        Variant("stale", ("409", "412"), "409", "status answered for a stale If-Match"),
        # VF: 428 documented on v2; field reports for v1 show 403 Pega_API_020
        Variant("missing-if-match", ("428", "403"), "428", "status answered for a missing If-Match"),
        # VF (REC): "urgency": "10" in real responses although v2 types values
        Variant("urgency", ("string", "integer"), "string", "JSON type of caseInfo.urgency"),
        # seed 000: the v1-style PUT /prweb/api/v1/cases/{ID} exists in the field
        Variant("v1-update", ("on", "off"), "on", "offer the v1-style PUT /prweb/api/v1/cases/{ID}"),
        # VF: Location is a header; servers give it absolute or as a path
        Variant("location", ("path", "absolute"), "path", "form of the Location header"),
        # operation groups a server may lack (the target's [capabilities] say which it offers); "off" leaves
        # the group's routes out, so they answer 404 like any path the server does not have
        # seed 000 operation list and VF SW: GET /cases/{ID}/stages, POST .../stages/next, PUT .../stages/{stageID}
        Variant("stages", ("on", "off"), "on", "offer the stage operations"),
        # corpus manifest.json: the assignment action refresh, case view refresh and navigation previous that
        # real servers answered (Pega 8.24 to 25.1); older servers and the documents' samples lack them
        Variant("refresh-navigation", ("on", "off"), "on", "offer form refresh and navigation to the previous step"),
        # seed 001: upload, attach, list, download, delete attachments, categories
        Variant("attachments", ("on", "off"), "on", "offer the attachment operations"),
        # VF SW: GET, POST /data_views/{id} and POST /data_views/{id}/count
        Variant("data-views", ("on", "off"), "on", "offer the data view operations"),
        # marco-looy/pega-dx-mcp client-v2.js, seed 000's operation list and VF SW: the groups of surface.py
        Variant("case-types", ("on", "off"), "on", "offer GET /casetypes and the case type actions"),
        Variant("hierarchy", ("on", "off"), "on", "offer GET /cases/{ID}/ancestors and /descendants"),
        Variant("lock-release", ("on", "off"), "on", "offer DELETE /cases/{ID}/updates"),
        Variant("bulk-actions", ("on", "off"), "on", "offer POST /cases/bulk-actions and the bulk PATCH /cases"),
        Variant("optional-processes", ("on", "off"), "on", "offer POST /cases/{ID}/processes/{processID}"),
        Variant("case-views", ("on", "off"), "on", "offer GET /cases/{ID}/views/{viewID}"),
        Variant("recalculate", ("on", "off"), "on", "offer the recalculate operations and calculated_fields"),
        Variant("data-records", ("on", "off"), "on", "offer GET /data_objects and PUT|PATCH|DELETE /data/{ID}"),
        # seed 001: upload {context, content}, creation fails without context; marco-looy/pega-dx-mcp client-v2.js
        # uploadAttachment sends {file, appendUniqueIdToFileName} and no context: "client" accepts that form
        Variant("upload-form", ("seed", "client"), "seed", "upload forms accepted: seed 001's only, or also the client's"),
        # marco-looy/pega-dx-mcp client-v2.js: the case collaboration groups (participants and their roles,
        # followers, tags, related cases, documents)
        Variant("participants", ("on", "off"), "on", "offer the participant and participant role operations"),
        Variant("followers", ("on", "off"), "on", "offer the follower operations"),
        Variant("tags", ("on", "off"), "on", "offer the tag operations"),
        Variant("related-cases", ("on", "off"), "on", "offer the related case operations"),
        Variant("documents", ("on", "off"), "on", "offer the document operations"),
    )
}

# the operation-group switches are proven together, all off in one trial, not one trial each
# (conformance.prove.variant_sets); v1-update keeps its own trial
JOINT_VARIANT_SETS: tuple[dict[str, str], ...] = (
    # every operation-group switch (an on/off variant) but v1-update, so a new group joins by its variant alone
    {v.name: "off" for v in VARIANTS.values() if v.choices == ("on", "off") and v.name != "v1-update"},
    # two documented behaviours with nothing in common, proven in one trial instead of two
    {"location": "absolute", "upload-form": "client"},
)

FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault("create-no-location", "PEGA-CASE-001", "POST /cases answers 201 without a Location header", _SCHEMA),
        Fault("create-200", "PEGA-CASE-001", "POST /cases answers 200 instead of 201", _SCHEMA),
        Fault("delete-any-stage", "PEGA-CASE-002", "DELETE /cases/{ID} succeeds outside the create stage"),
        # a dropped write is also a lost update, which the race test reports
        Fault("drop-content-update", "PEGA-CASE-003", "case action PATCH answers 200 but does not store the content",
              frozenset({"PEGA-ETAG-005"})),
        Fault("etag-mismatch", "PEGA-ETAG-001", "the ETag is one second later than the body's lastUpdateTime"),
        Fault("etag-iso-format", "PEGA-ETAG-001", "the ETag carries the ISO time instead of a Pega timestamp",
              _SCHEMA),
        Fault("etag-not-advanced", "PEGA-ETAG-002", "a successful write answers the eTag that was sent"),
        # every write includes navigation back, an eTag-locked write whose stale refusal PEGA-NAV-001 checks
        Fault("accept-stale-etag", "PEGA-ETAG-003", "every write accepts a stale If-Match",
              frozenset({"PEGA-ETAG-005", "PEGA-NAV-001", "PEGA-NAV-002", "PEGA-RECALC-001"})),
        Fault("accept-stale-etag-assignment", "PEGA-ETAG-003",
              "the assignment action PATCH alone accepts a stale If-Match"),
        # the recalculations' refusal of a missing If-Match is PEGA-RECALC-001's
        Fault("accept-missing-if-match", "PEGA-ETAG-004", "writes without If-Match are applied",
              frozenset({"PEGA-RECALC-001"})),
        Fault("race-lost-update", "PEGA-ETAG-005",
              "the eTag is compared, then the write lands later without re-checking (lost update)"),
        # releasing the lock of an unknown case is one of those answers (PEGA-LOCK-001 expects its 404)
        Fault("unknown-case-500", "PEGA-ERR-001", "an unknown case ID answers 500", _SCHEMA | {"PEGA-LOCK-001"}),
        Fault("unknown-assignment-403", "PEGA-ERR-001", "an unknown assignment ID answers 403", _SCHEMA),
        # the bare body has no errorDetails either, which the SHOULD check sees
        Fault("not-found-bare-body", "PEGA-ERR-001", "404 answers carry {\"message\": ...} instead of the v2 error body",
              _SCHEMA | {"PEGA-ERR-003"}),
        Fault("malformed-body-500", "PEGA-ERR-002", "a body that is not JSON answers 500 text/plain", _SCHEMA),
        Fault("wrong-shape-accepted", "PEGA-ERR-002", "POST /cases with content that is not an object is accepted",
              _SCHEMA),
        Fault("error-no-details", "PEGA-ERR-003", "error bodies carry no errorDetails"),
        Fault("auth-optional-get", "PEGA-AUTH-001", "GET /cases/{ID} is served without a token"),
        Fault("auth-any-token", "PEGA-AUTH-001", "any bearer string is accepted as a token"),
        # intermittent: the finding a rerun does not see again (run --rerun-failures marks it flaky)
        Fault("auth-optional-get-once", "PEGA-AUTH-001",
              "the first GET /cases/{ID} without a token is served; later ones answer 401"),
        Fault("assignment-no-advance", "PEGA-ASSIGN-001",
              "submitting the assignment action answers 200 but the case does not move on"),
        Fault("v1-put-200", "PEGA-V1-001", "the v1-style PUT answers 200 with a body instead of 204"),
        Fault("schema-status-int", "PEGA-SCHEMA-001", "caseInfo.status is an integer instead of a string"),
        # an independent DX v2 server answered 500 to POST /cases with an ID member as a JSON list
        Fault("id-list-500", "PEGA-SCHEMA-001", "POST /cases answers 500 when caseTypeID, processID or parentCaseID "
              "is a JSON list or object"),
        # attachments (seed 001, seed 000) and data views (VF)
        Fault("upload-no-id", "PEGA-ATT-001", "upload answers 201 without an ID", _SCHEMA),
        Fault("upload-without-context", "PEGA-ATT-002", "an upload without context is accepted"),
        Fault("upload-last-file", "PEGA-ATT-003", "with several files the last one is kept, not the first"),
        Fault("list-no-links", "PEGA-ATT-004", "list items carry no download/delete links"),
        Fault("url-as-file", "PEGA-ATT-005", "URL attachments are listed with type FILE"),
        # the first-file test reads the download back too
        Fault("download-corrupt", "PEGA-ATT-006", "downloads flip the first byte", frozenset({"PEGA-ATT-003"})),
        Fault("download-name-mangled", "PEGA-ATT-006", "stream downloads lose non-ASCII characters of the name"),
        Fault("delete-noop", "PEGA-ATT-007", "DELETE answers 200 but the attachment stays"),
        Fault("category-permission-ignored", "PEGA-ATT-008", "a category without canCreate accepts attachments"),
        Fault("list-leaks-other-cases", "PEGA-ATT-009", "a case's list shows every case's attachments"),
        Fault("create-attachments-dropped", "PEGA-ATT-010", "attachments in the POST /cases body are ignored"),
        Fault("categories-missing-flags", "PEGA-ATT-011", "categories carry no permission flags"),
        Fault("upload-limit-ignored", "PEGA-ATT-012", "files over the upload limit are accepted"),
        Fault("attachments-auth-ignored", "PEGA-AUTH-001", "the attachment list is served without a token"),
        # the repeated rows also make the pages return more rows than the count
        Fault("dv-page-overlap", "PEGA-DV-001", "each page after the first repeats the previous page's last row",
              frozenset({"PEGA-DV-004"})),
        Fault("dv-page-oversize", "PEGA-DV-002", "pages carry pageSize + 1 rows",
              frozenset({"PEGA-DV-001", "PEGA-DV-004"})),
        Fault("dv-has-more-wrong", "PEGA-DV-003", "hasMoreResults is true on the last page too"),
        Fault("dv-count-off", "PEGA-DV-004", "the count is one more than the rows"),
        Fault("dv-no-limit-check", "PEGA-DV-005", "pageSize above 5000 and paging with maxResultsToFetch are accepted",
              _SCHEMA),
        # stages (VF SW), form refresh and navigation (corpus). Measured unscoped, none is reported under
        # anything else: the 404 carries the documented error body and is a documented status of the
        # stages GET; only PEGA-REFRESH-001's tests refresh and only PEGA-NAV-001's navigate; the spec does
        # not require an assignment's `actions` (the caller's rights decide them), and every test that needs
        # an action stops on PEGA-ASSIGN-001's finding instead of failing on its own
        Fault("stages-missing", "PEGA-STAGE-001", "GET /cases/{ID}/stages answers 404 for an existing case"),
        Fault("refresh-commits", "PEGA-REFRESH-001", "a refresh stores the posted content and advances the eTag"),
        Fault("nav-accepts-stale", "PEGA-NAV-001", "navigation to the previous step ignores a stale If-Match"),
        Fault("assignment-no-actions", "PEGA-ASSIGN-001", "a case's assignments are listed without their actions"),
        # step jumps, recalculation, lock release, bulk actions (marco-looy/pega-dx-mcp client-v2.js; VF SW)
        Fault("jump-accepts-stale", "PEGA-NAV-002", "jumping to a step ignores a stale If-Match"),
        Fault("recalc-accepts-stale", "PEGA-RECALC-001", "the recalculate operations ignore a stale If-Match"),
        Fault("recalc-accepts-missing-if-match", "PEGA-RECALC-001", "the recalculate operations need no If-Match"),
        Fault("lock-release-rollback", "PEGA-LOCK-001",
              "releasing the lock empties the case's content and advances its eTag"),
        Fault("lock-release-unknown-200", "PEGA-LOCK-001", "releasing the lock of an unknown case answers 200"),
        Fault("bulk-missing-result", "PEGA-BULK-001", "the bulk PATCH answers no result for the last case"),
        Fault("bulk-not-applied", "PEGA-BULK-001",
              "the bulk PATCH reports 200 for every case but applies the action to the first only"),
        Fault("client-form-500", "PEGA-ATT-013", "an upload in the client's form (part file, no context) answers 500",
              _SCHEMA),
        Fault("descendants-empty", "PEGA-HIER-001", "GET /cases/{ID}/descendants lists no child cases"),
        # case collaboration (marco-looy/pega-dx-mcp client-v2.js; sample-data-v2.md for the followers)
        Fault("participant-delete-noop", "PEGA-PART-001",
              "removing a participant answers 200 and a new eTag but the participant stays"),
        Fault("participant-accepts-stale", "PEGA-ETAG-003", "the participant writes alone accept a stale If-Match"),
        Fault("participant-no-if-match", "PEGA-ETAG-004", "the participant writes alone are applied without If-Match"),
        Fault("follower-not-stored", "PEGA-FOLLOW-001",
              "adding a follower answers 207 with status 201 for the user but nothing is stored"),
        Fault("follower-duplicate-accepted", "PEGA-FOLLOW-001",
              "adding a user who already follows the case answers status 201 for the user again"),
        Fault("tag-delete-noop", "PEGA-TAG-001", "removing a tag answers 200 but the tag stays listed"),
        Fault("related-delete-all", "PEGA-REL-001", "removing one related case removes every relation of the case"),
    )
}
