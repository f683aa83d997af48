"""Documented variants and injectable faults of the ProcessMaker 3 emulator.

A variant is a behaviour the sources allow (each conforms); a fault violates
the requirement it names. tests/test_fault_matrix_processmaker_3.py proves the
suite reports each fault under that requirement and nothing outside `also`.
"""

from __future__ import annotations

from conformance.emulators.common import Fault, Variant

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        # seed 004: start 0 or 1 = first case (1-based); VF PMSRC: start is a 0-based offset, echoed as start + 1
        Variant("start", ("1-based", "0-based"), "1-based", "meaning of the `start` parameter"),
        # VF PMSRC: lowercase dir=desc sorts ascending; seed 004 documents ASC/DESC (the suite sends those)
        Variant("lowercase-dir", ("honoured", "ascending"), "honoured", "what lowercase dir=desc does"),
        # seed 004: the draft/paged sample echoes `process`/`category` instead of `pro_uid`/`cat_uid` (VF)
        Variant("page-keys", ("documented", "sample"), "documented", "filter keys echoed in the page object"),
        # What the 3.5.8 server does where seed 004 says otherwise, one behaviour each (vendor audit
        # ../shared/reference/vendor-audits/processmaker-3.md, colosa/processmaker at efd647ec; row in brackets).
        # [F1] seed 004: default limit 25; PMSRC Api:228 `$limit = 0`, Apps:799 setLimit(0) = no LIMIT,
        # BM:344 echoes 0: every case, "limit": 0
        Variant("default-limit", ("25", "none"), "25", "the page size when `limit` is missing"),
        # [F2] seed 004: 400 "The category with $cat_uid ... does not exist."; PMSRC Apps:505-508 adds the filter
        # with no existence check (Validator::catUid removed in 3.2.3): 200, no cases (an unknown pro_uid too)
        Variant("unknown-category", ("refused", "empty"), "refused", "what an unknown cat_uid/pro_uid answers"),
        # [F3] seed 004: 400 "The Application row ... doesn't exist!"; PMSRC Api:768 `@class AccessControl`,
        # Api:205 `return false` -> AC:59 RestException(403): GET /cases/{app_uid} of an unknown case is 403
        Variant("unknown-case", ("400", "403"), "400", "what GET /cases/{app_uid} of an unknown case answers"),
        # [F4, F5, F12] seed 004: a paused case is PAUSED; PMSRC CC:4082-4091 keeps APP_STATUS (stored in
        # APP_DELAY) and CC:4075 closes the delegation; the Paused list and app_status=PAUSED select by
        # APP_DELAY (ACV:508, Apps:342-343); case info's current_task shows delStatus PAUSED (WS:1123)
        Variant("pause", ("status", "delegation"), "status", "what pausing changes"),
        # [F6] seed 004: any open case can be cancelled; PMSRC WS:3150 `if ($statusCase !== 'TO_DO')` ->
        # 400 "This case is in status DRAFT" (and CANCELLED for a second cancel)
        Variant("cancel", ("open", "to-do-only"), "open", "which cases can be cancelled"),
        # [F7] seed 004's error samples: {"cases": [{app_uid, del_index, result, status}]}; PMSRC BM:3004
        # `return G::json_encode($dataResponse)` (a JSON string) with items BM:3021-3025 APP_UID, DEL_INDEX,
        # RESULT, STATUS
        Variant("batch-reassign", ("object", "json-string"), "object", "the body of POST /cases/reassign"),
        # [F8] seed 004 sample "app_number": "5"; PMSRC WS:1040 copies the Propel integer: a JSON number
        Variant("case-app-number", ("string", "number"), "string", "app_number in GET /cases/{app_uid}"),
        # [F9] seed 004: an array of tasks; PMSRC BM:747-760: one object, the last of the caller's open delegations
        Variant("current-task", ("array", "object"), "array", "the body of GET /cases/{app_uid}/current-task"),
        # [F10] seed 004: advanced-search/paged adds app_status, usr_uid, date_from, date_to; PMSRC Api:759 goes
        # through getList, whose echo is only BM:342-349
        Variant("advanced-echo", ("full", "page-only"), "full", "what advanced-search/paged echoes"),
        # [F11] seed 004: usr_uid selects that user's cases; PMSRC Api:754 sets $dataList['user'], which getList
        # never reads (BM:283-318; Apps:518 the user filter commented out)
        Variant("advanced-usr-uid", ("applied", "ignored"), "applied", "advanced search's usr_uid"),
        # [M8] seed 004: in the initial task, by the currently assigned user; PMSRC BM:1139-1148: any DRAFT case,
        # by its creator or a user with PM_DELETECASE (the admin), whoever holds it now
        Variant("delete", ("initial-task", "draft-by-creator"), "initial-task", "which cases DELETE removes"),
        # [L2] seed 004: unpaused_date "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"; PMSRC BM:1016 isDate(.., 'Y-m-d')
        Variant("unpaused-date", ("date-or-datetime", "date-only"), "date-or-datetime", "pause's unpaused_date"),
    )
}

# the 3.5.8 server as its own source codes it (vendor audit, colosa/processmaker efd647ec): every behaviour at once
VENDOR_3_5_8: dict[str, str] = {
    "start": "0-based", "lowercase-dir": "ascending", "default-limit": "none", "unknown-category": "empty",
    "unknown-case": "403", "pause": "delegation", "cancel": "to-do-only", "batch-reassign": "json-string",
    "case-app-number": "number", "current-task": "object", "advanced-echo": "page-only",
    "advanced-usr-uid": "ignored", "delete": "draft-by-creator", "unpaused-date": "date-only",
}
JOINT_VARIANT_SETS: tuple[dict[str, str], ...] = (VENDOR_3_5_8,)

# the property test (every operation, every generated answer) legitimately sees a fault that changes a
# status, a media type or an error body
_SCHEMA = frozenset({"PM-SCHEMA-001"})
_ERR = frozenset({"PM-ERR-003"})

FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault("default-limit-20", "PM-PAGE-001", "without `limit`, lists hold 20 cases (and echo limit 20)"),
        Fault("default-order-asc", "PM-PAGE-002", "without `dir`, cases are ordered by app_number ascending"),
        Fault("dir-ignored", "PM-PAGE-002", "an explicit dir=ASC is ignored (always descending)"),
        # vendor audit L5: APP_TITLE's order was not judged, so a server ignoring it passed
        Fault("title-sort-ignored", "PM-PAGE-002", "sort=APP_CACHE_VIEW.APP_TITLE orders by app_number"),
        Fault("limit-plus-one", "PM-PAGE-003", "paged lists hold limit + 1 cases"),
        Fault("page-cut-at-50", "PM-PAGE-003", "paged lists hold at most 50 cases whatever the limit"),
        Fault("overlapping-pages", "PM-PAGE-004", "pages after the first start one case early (overlap)"),
        Fault("total-unfiltered", "PM-PAGE-005", "`total` counts the list's cases ignoring the filters"),
        Fault("total-page-length", "PM-PAGE-005", "`total` is the number of cases on the page"),
        Fault("echo-drops-filters", "PM-PAGE-006", "the page object echoes pro_uid, cat_uid and search as \"\""),
        # seed 004's own example, sort=APP_CACHE_VIEW.APP_UPDATE_DATE (the emulator once did this by mistake)
        Fault("sort-by-date-500", "PM-PAGE-002", "sort=APP_CACHE_VIEW.APP_UPDATE_DATE answers 500", _SCHEMA),
        Fault("start-zero-refused", "PM-PAGE-007", "start=0 answers 400 although 0 means the first case",
              _ERR),
        Fault("nonpaged-page-object", "PM-LIST-001", "lists without /paged answer a page object", _SCHEMA),
        Fault("todo-includes-drafts", "PM-LIST-002", "the To do list also holds the caller's DRAFT cases"),
        # the 3.5.8 form of the Paused list (cases keep TO_DO/DRAFT) is admitted only for cases shown paused
        Fault("paused-lists-open-cases", "PM-LIST-002", "the Paused list also holds the caller's open TO_DO cases"),
        Fault("cat-filter-ignored", "PM-FILTER-001", "cat_uid is validated but not applied"),
        Fault("search-case-sensitive", "PM-FILTER-002", "search compares letter case"),
        Fault("search-title-only", "PM-FILTER-002", "search looks at the case title only, not the task title"),
        Fault("date-to-exclusive", "PM-FILTER-003", "advanced search's date_to excludes that day"),
        # seed 004 refuses an unknown cat_uid (400), PMSRC answers no cases (200): listing cases regardless is neither
        Fault("unknown-category-ignored", "PM-FILTER-004", "an unknown cat_uid answers 200 with unfiltered cases"),
        Fault("create-to-do", "PM-LIFE-001", "a new case is TO_DO instead of DRAFT"),
        Fault("route-noop", "PM-LIFE-002", "route-case answers 200 but the case stays where it was"),
        # a paused case left in Draft/To do is also a status-list breach
        Fault("pause-stays-listed", "PM-LIFE-003", "paused cases stay in To do / Draft",
              frozenset({"PM-LIST-002"})),
        Fault("paused-current-task-200", "PM-LIFE-003", "current-task of a paused case answers 200"),
        Fault("double-cancel-200", "PM-LIFE-004", "cancelling a cancelled case answers 200"),
        Fault("delete-any-task", "PM-LIFE-005", "DELETE succeeds in any task"),
        Fault("reassign-noop", "PM-LIFE-006", "reassign-case answers 200 but the case keeps its user"),
        Fault("batch-stops-at-first-error", "PM-LIFE-007", "batch reassign stops at the first failing case"),
        # the spec admits any JSON string here (seed 004's success sample is one; vendor audit L1): the suite reads
        # the string's per-case results, so a string without each case's status is caught
        Fault("batch-string-without-status", "PM-LIFE-007",
              "batch reassign answers a JSON string whose cases carry no STATUS"),
        Fault("unknown-case-500", "PM-ERR-001", "an unknown app_uid answers 500", _SCHEMA),
        Fault("create-missing-task-200", "PM-ERR-002", "POST /cases without tas_uid starts the process's start task"),
        Fault("error-flat-body", "PM-ERR-003", "error answers are {\"code\", \"message\"} without the error wrapper",
              _SCHEMA),
        Fault("lifecycle-errors-plain", "PM-ERR-003",
              "lifecycle refusals (second cancel, DELETE past the initial task, current-task) answer text/plain",
              _SCHEMA),
        Fault("error-code-mismatch", "PM-ERR-003", "error.code is always 500 whatever the status"),
        Fault("auth-optional-lists", "PM-AUTH-001", "case lists are served without a token"),
        Fault("schema-app-number-int", "PM-SCHEMA-001", "case objects carry app_number as an integer"),
        # found by stock schemathesis on an independent server: an ID member sent as a JSON list
        Fault("id-list-500", "PM-SCHEMA-001",
              "POST /cases (and /cases/impersonate, the same handler) and PUT /cases/{app_uid}/reassign-case "
              "answer 500 when an ID member is a JSON list"),
    )
}
