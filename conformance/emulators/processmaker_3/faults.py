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
    )
}

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
        Fault("cat-filter-ignored", "PM-FILTER-001", "cat_uid is validated but not applied"),
        Fault("search-case-sensitive", "PM-FILTER-002", "search compares letter case"),
        Fault("search-title-only", "PM-FILTER-002", "search looks at the case title only, not the task title"),
        Fault("date-to-exclusive", "PM-FILTER-003", "advanced search's date_to excludes that day"),
        Fault("unknown-category-200", "PM-FILTER-004", "an unknown cat_uid answers 200 with no cases"),
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
