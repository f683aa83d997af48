"""Pega DX API v2 requirements.

Sources: "seed 000" = ../shared/seeds/000_*.txt (Pega DX v2 cases and eTag);
"seed 001" = ../shared/seeds/001_*.txt (attachments, error body sample);
"VF" = ../shared/reference/vendor-facts.md (SW = Pega Swagger export, REC =
recorded real responses).
"""

from __future__ import annotations

from conformance.requirements._model import Requirement

_PEGA = "pega-dx-v2"

CATALOGUE: tuple[Requirement, ...] = (
    Requirement(
        "PEGA-CASE-001", _PEGA, "cases", "MUST",
        "POST /cases MUST answer 201 with an ETag header and a Location header that names the new case.",
        "VF (SW table: POST /cases 201, headers Location + ETag); seed 000 (create answers Code: 201)",
        "create.status-and-headers",
    ),
    Requirement(
        "PEGA-CASE-002", _PEGA, "cases", "MUST",
        "DELETE /cases/{caseID} MUST succeed while the case is in its create stage and MUST be refused "
        "(4xx, case kept) once the case has left it.",
        "seed 000 (operation list: 'Delete case in create stage'); VF (SW: DELETE 200; 403 404 423)",
        "delete.lifecycle-rule",
    ),
    Requirement(
        "PEGA-CASE-003", _PEGA, "cases", "MUST",
        "GET /cases/{caseID} MUST show the content the last accepted write set (the create body, then each "
        "accepted case-action update).",
        "seed 000 (after the update the case list shows the new pyLabel 'API Case Update Test')",
        "update.persisted",
    ),
    Requirement(
        "PEGA-ETAG-001", _PEGA, "etag", "MUST",
        "GET /cases/{caseID} MUST answer an ETag holding a Pega timestamp (\"YYYYMMDDTHHMMSS.mmm GMT\") "
        "that is the body's lastUpdateTime converted.",
        "seed 000 (etag: \"20250117T144833.923 GMT\" for lastUpdateTime 2025-01-17T14:48:33.923Z); VF (eTag)",
        "locking.version-token",
    ),
    Requirement(
        "PEGA-ETAG-002", _PEGA, "etag", "MUST",
        "A write sent with the current eTag in If-Match MUST succeed and answer a new eTag, different from "
        "the one sent, which a following GET shows.",
        "VF (SW: case/assignment action PATCH 200 + ETag, If-Match required); seed 000 (update with the "
        "last update timestamp)",
        "locking.write-with-current-version",
    ),
    Requirement(
        "PEGA-ETAG-003", _PEGA, "etag", "MUST",
        "A write sent with a stale eTag MUST be refused with 409 or 412 and MUST change nothing.",
        "VF (SW lists 409 and 412 on every If-Match operation; v1 answers 412 Pega_API_021)",
        "locking.stale-write-refused",
    ),
    Requirement(
        "PEGA-ETAG-004", _PEGA, "etag", "MUST",
        "A write without If-Match MUST be refused (428 documented for v2; 403 Pega_API_020 reported for v1) "
        "and MUST change nothing.",
        "VF (SW: 428 on the case-action PATCH; field reports for v1: 403 Pega_API_020)",
        "locking.missing-precondition-refused",
    ),
    Requirement(
        "PEGA-ETAG-005", _PEGA, "etag", "MUST",
        "Of concurrent writers holding the same eTag exactly one MUST win; the others MUST be refused with "
        "409 or 412 and the stored content MUST be the winner's (no lost update).",
        "VF (eTag optimistic locking: If-Match required, 409/412 on mismatch); seed 000",
        "locking.no-lost-update",
    ),
    Requirement(
        "PEGA-ERR-001", _PEGA, "errors", "MUST",
        "A request for an unknown case or assignment MUST answer 404 with the DX v2 error body.",
        "VF (SW: 404 on GET /cases/{caseID} and GET /assignments/{ID}; error body v2); seed 001 (error body)",
        "errors.unknown-resource",
    ),
    Requirement(
        "PEGA-ERR-002", _PEGA, "errors", "MUST",
        "A malformed request body (not JSON, or JSON of the wrong shape) MUST answer 400 or 422 with the "
        "DX v2 error body.",
        "VF (SW: POST /cases and action PATCHes list 400 and 422; error body v2)",
        "errors.malformed-body",
    ),
    Requirement(
        "PEGA-ERR-003", _PEGA, "errors", "SHOULD",
        "An error body SHOULD carry errorDetails with at least one item whose localizedValue is a non-empty "
        "string.",
        "VF (Pega's own UI reads errorDetails[0].localizedValue); seed 001 (403 sample)",
        "errors.body-detail",
    ),
    Requirement(
        "PEGA-AUTH-001", _PEGA, "auth", "MUST",
        "Every operation MUST refuse a request with a missing or an invalid bearer token with 401.",
        "seed 000 (OAuth 2.0 client credentials / password grant protect the API); VF (Auth)",
        "auth.refuses-missing-token",
    ),
    Requirement(
        "PEGA-ASSIGN-001", _PEGA, "assignments", "MUST",
        "A new case's assignment MUST open with 200 and an ETag, and submitting its action with the current "
        "eTag MUST move the case on (a next assignment or a confirmation) and change its eTag.",
        "VF (SW: GET /assignments/{ID} 200 + ETag; PATCH .../actions/{actionID} 200 + ETag; REC: "
        "nextAssignmentInfo, confirmationNote); seed 000 (assignment links in the create response)",
        "lifecycle.advance",
    ),
    Requirement(
        "PEGA-V1-001", _PEGA, "cases", "MUST",
        "Where the server offers the v1-style update, PUT /prweb/api/v1/cases/{ID} with the current eTag "
        "MUST answer 204 with no body and apply the content.",
        "seed 000 ('response code is 204, hence it is a successful hit'); VF (v1 style exists in the field)",
        "update.v1-put",
    ),
    Requirement(
        "PEGA-SCHEMA-001", _PEGA, "contract", "MUST",
        "Every response MUST use a status code, headers and a body that specs/pega-dx-v2.yaml documents "
        "for its operation, and never a 5xx for a generated request.",
        "specs/pega-dx-v2.yaml (from seed 000 and VF SW/REC)",
        "contract.schema",
    ),
)

S1 = "seed 001"
VF_ATT = "VF (SW table: attachment operations and status codes)"

CATALOGUE += (
    Requirement("PEGA-ATT-001", _PEGA, "attachments", "MUST",
                "POST /attachments/upload MUST answer 201 with the ID of the uploaded file.",
                f"{S1} (sample response {{\"ID\": ...}}); {VF_ATT}", "upload.created"),
    Requirement("PEGA-ATT-002", _PEGA, "attachments", "MUST",
                "An upload without the `context` element MUST be refused (400) with the DX v2 error body.",
                f"{S1} ('Without the context element, the attachment creation fails'); {VF_ATT} (400)",
                "upload.required-field"),
    Requirement("PEGA-ATT-003", _PEGA, "attachments", "MUST",
                "When an upload carries several files, only the first MUST be processed.",
                f"{S1} ('DX API processes only the first file in the request')", "upload.first-file"),
    Requirement("PEGA-ATT-004", _PEGA, "attachments", "MUST",
                "An uploaded file attached to a case MUST appear in GET /cases/{caseID}/attachments with name, "
                "fileName, extension, category, type, createdBy, createTime and download and delete links.",
                f"{S1} (list sample)", "attachments.listed"),
    Requirement("PEGA-ATT-005", _PEGA, "attachments", "MUST",
                "A URL attached to a case MUST appear in the list with type URL.",
                f"{S1} (list sample: \"type\": \"URL\")", "attachments.url"),
    Requirement("PEGA-ATT-006", _PEGA, "attachments", "MUST",
                "GET /attachments/{ID} MUST return exactly the uploaded bytes, as base64 text with mode=string and "
                "as bytes with mode=stream, with the file name, extension and content type preserved (non-ASCII "
                "names and empty files included).",
                f"{S1} (download); VF (mode string = base64 text/plain, stream = bytes)", "attachments.download"),
    Requirement("PEGA-ATT-007", _PEGA, "attachments", "MUST",
                "DELETE /attachments/{ID} MUST answer 200 with an empty body, after which GET answers 404, the list "
                "no longer shows it and a second DELETE answers 404.",
                f"{S1} ('Empty response with status code 200'); {VF_ATT} (404)", "delete.lifecycle"),
    Requirement("PEGA-ATT-008", _PEGA, "attachments", "MUST",
                "Attaching into a category the user may not create in MUST answer 403 with the DX v2 error body.",
                f"{S1} (403 sample: Error_No_Add_attachment_Access)", "auth.permission-refused"),
    Requirement("PEGA-ATT-009", _PEGA, "attachments", "MUST",
                "A case's attachment list MUST NOT show another case's attachments.",
                f"{S1} ('a list of all the attachments of a given case')", "isolation.per-resource"),
    Requirement("PEGA-ATT-010", _PEGA, "attachments", "MUST",
                "Attachments given in the POST /cases body MUST land on the new case.",
                "seed 000 (attachments in the create payload); seed 001 (attach on POST /cases)",
                "create.with-attachments"),
    Requirement("PEGA-ATT-011", _PEGA, "attachments", "MUST",
                "GET /cases/{caseID}/attachment_categories MUST list categories with the permission flags canCreate, "
                "canView, canEdit, canDeleteOwn and canDeleteAll, filtered by `type` File or URL.",
                f"{S1} (categories sample); VF (type File or URL)", "attachments.categories"),
    Requirement("PEGA-ATT-012", _PEGA, "attachments", "MUST",
                "Uploads within the server's size limit MUST succeed and a file over it MUST be refused with a 4xx "
                "and an error body, never a 5xx.",
                f"{VF_ATT} (upload: 400 500); the suite's Pega attachments brief (size matrix)",
                "upload.size-limit"),
    Requirement("PEGA-DV-001", _PEGA, "data-views", "MUST",
                "Walking a data view with pageNumber 1, 2, ... and a fixed pageSize MUST return every row exactly "
                "once.", "VF (data view paging{pageNumber, pageSize})", "paging.walk-exactly-once"),
    Requirement("PEGA-DV-002", _PEGA, "data-views", "MUST",
                "A data view page MUST hold at most pageSize rows, and exactly pageSize on every page but the last.",
                "VF (paging.pageSize)", "paging.page-size"),
    Requirement("PEGA-DV-003", _PEGA, "data-views", "MUST",
                "hasMoreResults MUST be false exactly on the last page.",
                "VF (response hasMoreResults)", "paging.has-more"),
    Requirement("PEGA-DV-004", _PEGA, "data-views", "MUST",
                "POST /data_views/{id}/count MUST agree with the number of rows the pages return.",
                "VF (POST /data_views/{id}/count)", "paging.total"),
    Requirement("PEGA-DV-005", _PEGA, "data-views", "MUST",
                "pageSize above 5000, and paging combined with maxResultsToFetch, MUST be refused (400 or 422).",
                "VF ('maxResultsToFetch (max 5000; combining it with paging, or pageSize above 5000, is a 422/400 "
                "validation error)')", "paging.limits"),
)

# stages (VF SW), and the form refresh and step navigation real clients use; the documents list the
# latter by name only, the recorded responses in tests/corpus/pega-dx-v2 show them answered
CORPUS = "recorded responses of real Pega servers (tests/corpus/pega-dx-v2/responses)"
CATALOGUE += (
    Requirement("PEGA-STAGE-001", _PEGA, "stages", "MUST",
                "GET /cases/{caseID}/stages MUST answer 200 listing the case's stages, among them the stage the "
                "case is in.",
                "VF (SW table: GET /cases/{caseID}/stages | 200, vendor-facts.md line 30); seed 000 (the create "
                "response lists the case's stages, the current one with its entryTime)",
                "stages.listed"),
    Requirement("PEGA-REFRESH-001", _PEGA, "refresh", "MUST",
                "An assignment action refresh and a case view refresh MUST answer 200 with data.caseInfo.content "
                "and MUST NOT commit: the case's eTag and stored content after it are what they were before.",
                f"{CORPUS}: assignments/refresh/*.json, cases/views/*-Refresh-*.json and "
                "KeysCiphers-Dropdown-Refresh-1082.json answer partial content only; marco-looy/pega-dx-mcp "
                "(refresh recalculates form data after property changes, it does not save)",
                "refresh.no-commit"),
    Requirement("PEGA-NAV-001", _PEGA, "navigation", "MUST",
                "PATCH /assignments/{assignmentID}/navigation_steps/previous with the current eTag MUST answer 200 "
                "with an ETag header and data.caseInfo; with a stale eTag it MUST be refused with 409 or 412 and "
                "change nothing.",
                f"{CORPUS}: assignments/NextPreviousTest-4-Step3.json, NextPreviousTest-5-Step2.json; "
                "marco-looy/pega-dx-mcp (sends the eTag in If-Match for optimistic locking on this operation); "
                "VF (409 and 412 on every If-Match operation)",
                "navigation.previous-step"),
)

# case collaboration: the operations of the public client marco-looy/pega-dx-mcp (src/api/v2/client-v2.js,
# commit e027b3e1; "MCP L1837" = its line 1837) and what a real server answered to its follower calls
# (its sample-data-v2.md L37-58). The participant writes' If-Match is checked under PEGA-ETAG-003/004.
# step jumps, recalculation, lock release and bulk actions: the operations of the public client
# marco-looy/pega-dx-mcp (src/api/v2/client-v2.js: paths, bodies, which calls send If-Match) and of seed 000's
# and VF SW's operation lists
CLIENT = "marco-looy/pega-dx-mcp src/api/v2/client-v2.js"
CATALOGUE += (
    Requirement("PEGA-NAV-002", _PEGA, "navigation", "MUST",
                "PATCH /assignments/{assignmentID}/navigation_steps/{stepID} with the current eTag MUST answer 200 "
                "with an ETag header and the assignment at that step; with a stale eTag it MUST be refused with 409 "
                "or 412 and change nothing.",
                f"{CLIENT} jumpToAssignmentStep ('if-match': eTag, \"Required header for optimistic locking\"); "
                "corpus assignments/NextPreviousTest-4-Step3.json (navigation steps with PATCH links); VF (409 and "
                "412 on every If-Match operation)",
                "navigation.jump-to-step"),
    Requirement("PEGA-RECALC-001", _PEGA, "recalculate", "MUST",
                "PATCH .../actions/{actionID}/recalculate (case and assignment) MUST refuse a stale eTag (409 or 412) "
                "and a missing If-Match (428, or 403 as v1 field reports show), and with the current eTag MUST "
                "answer 200 without committing: the case's eTag and content after it are what they were.",
                f"{CLIENT} recalculateCaseActionFields, recalculateAssignmentFields ('if-match': eTag, \"Required "
                "eTag header for optimistic locking\"); VF (409/412 stale, 428 missing If-Match)",
                "recalculate.etag-locked"),
    Requirement("PEGA-LOCK-001", _PEGA, "locking", "MUST",
                "DELETE /cases/{caseID}/updates MUST answer 200 for an existing case and leave its committed state "
                "as it was (same eTag, same content), and MUST answer 404 for an unknown case.",
                f"VF (SW table: DELETE /cases/{{caseID}}/updates (release lock) | 200 | 400 404 409); {CLIENT} "
                "releaseCaseLock (release-case-lock.js: release the lock and clean up cached or pending updates)",
                "locking.release"),
    Requirement("PEGA-BULK-001", _PEGA, "bulk", "MUST",
                "PATCH /cases?actionID= MUST answer 207 with one result per case sent, each naming its case and a "
                "status; every case reported 2xx MUST show the posted content afterwards, and an unknown case MUST "
                "get a non-2xx result without keeping the others from being updated.",
                f"VF (SW table: PATCH /cases?actionID=X (bulk) | 207); seed 000 (operation list: PATCH /cases "
                f"'Perform bulk action'); {CLIENT} patchCasesBulk (bulk-cases-patch.js reads results[] with a status "
                "per case; perform-bulk-action.js: the action is executed on each case individually)",
                "bulk.result-per-case"),
    Requirement("PEGA-ATT-013", _PEGA, "attachments", "MUST",
                "An upload in the public client's form (multipart part `file` with `appendUniqueIdToFileName`, no "
                "`context`) MUST answer 201 with an ID (the form accepted) or 400 with the v2 error body (seed 001: "
                "without context the creation fails); which one the server shows is recorded.",
                f"seed 001 (upload {{context, content}}; 'Without the context element, the attachment creation "
                f"fails'); {CLIENT} uploadAttachment (formData file, appendUniqueIdToFileName; no context)",
                "attachments.upload-form"),
    Requirement("PEGA-HIER-001", _PEGA, "hierarchy", "MUST",
                "A case created with parentCaseID naming another case MUST be named (by its ID) in the parent's GET "
                ".../descendants, and the parent MUST be named in the child's GET .../ancestors.",
                f"seed 000 (POST /cases payload: parentCaseID); VF (SW table: GET /cases/{{caseID}}/ancestors, "
                f"/descendants | 200); {CLIENT} getCaseAncestors, getCaseDescendants (get-case-ancestors.js: "
                "'parent-child relationships up the case hierarchy chain', each with its ID)",
                "hierarchy.parent-child"),
)

MCP = "marco-looy/pega-dx-mcp src/api/v2/client-v2.js"
CATALOGUE += (
    Requirement("PEGA-PART-001", _PEGA, "participants", "MUST",
                "A participant added with POST /cases/{caseID}/participants (the case's current eTag in If-Match, "
                "a role GET .../participant_roles lists) MUST be listed by GET .../participants and readable by "
                "GET .../participants/{participantID}, an update MUST show in that GET, and after DELETE it MUST be "
                "gone from the list and its GET MUST answer 404.",
                f"{MCP} L1761 (roles), L1813 (list), L1837 (add, If-Match), L1886 (get), L1919 (delete, If-Match, "
                "200 with the new eTag), L1990 (update, If-Match); VF (404 for an unknown resource)",
                "collaboration.participants-round-trip"),
    Requirement("PEGA-FOLLOW-001", _PEGA, "followers", "MUST",
                "Adding a user as a follower MUST answer 207 with a 2xx status for that user, after which GET "
                "/cases/{caseID}/followers lists the user; adding the same user again MUST NOT answer a 2xx status "
                "for it (409 recorded); after DELETE .../followers/{userID} the list MUST no longer show the user.",
                f"{MCP} L1654, L1673 (207 multi-status), L1698 (200); sample-data-v2.md L44 ({{\"ID\", \"status\": "
                "\"201\"}}), L50-51 (duplicate refused with 409)",
                "collaboration.followers-round-trip"),
    Requirement("PEGA-TAG-001", _PEGA, "tags", "MUST",
                "A tag added with POST /cases/{caseID}/tags MUST be listed by GET .../tags with its Name and an ID, "
                "and after DELETE .../tags/{tagID} with that ID it MUST no longer be listed.",
                f"{MCP} L2038 (list), L2057 (add: [{{Name}}], 207), L2082 (delete by tag ID, 200)",
                "collaboration.tags-round-trip"),
    Requirement("PEGA-REL-001", _PEGA, "related-cases", "MUST",
                "Cases related with POST /cases/{caseID}/related_cases MUST each be listed by GET .../related_cases, "
                "and DELETE .../related_cases/{relatedCaseID} MUST remove that relation and no other.",
                f"{MCP} L1463 (list), L1482 (add: [{{ID}}], 207), L1507 (delete one relation)",
                "collaboration.related-round-trip"),
)
