"""ProcessMaker 3 cases API requirements.

Sources: "seed 004" = ../shared/seeds/004_*.txt (case lists, filters, page object,
case object, lifecycle endpoints, error object); "VF" = ../shared/reference/vendor-facts.md,
section "ProcessMaker 3" (PMSRC = the 3.5.8 PHP source); "audit Fn" = a row of
../shared/reference/vendor-audits/processmaker-3.md (the 3.5.8 source, colosa/processmaker at
efd647ec, file:line). Where seed 004 and the 3.5.8 server disagree, a requirement admits both and
the suite records which one the server shows (an observation).
"""

from __future__ import annotations

from conformance.requirements._model import Requirement

_PM = "processmaker-3"


def _r(rid: str, family: str, level: str, sentence: str, source: str, topic: str) -> Requirement:
    return Requirement(rid, _PM, family, level, sentence, source, topic)  # type: ignore[arg-type]


CATALOGUE: tuple[Requirement, ...] = (
    # -- paging (seed 004 "Filters for listing cases", "Returning a page of cases") --------------
    _r("PM-PAGE-001", "paging", "MUST",
       "A list or page requested without `limit` MUST hold either exactly 25 cases when more match, the page "
       "object saying limit 25 (as documented), or every matching case, the page object saying limit 0 (as "
       "coded); the suite records which.",
       "seed 004 (filters table: limit default 25; page object: \"limit\": 25, the default is 25); PMSRC "
       "Api:228 `$limit = 0`, Apps:799, BM:344 (audit F1)",
       "paging.default-page-size"),
    _r("PM-PAGE-002", "paging", "MUST",
       "Cases MUST be ordered by app_number descending by default, and by `sort`/`dir` (ASC or DESC) when given.",
       "seed 004 (filters table: sort default APP_CACHE_VIEW.APP_NUMBER, dir default DESC; 'cases created "
       "more recently will be listed first')",
       "paging.order"),
    _r("PM-PAGE-003", "paging", "MUST",
       "A page MUST hold at most `limit` cases, and exactly `limit` unless it is the last page.",
       "seed 004 (limit: 'The maximum number of cases in the list'; paged downloads with start/limit)",
       "paging.page-size"),
    _r("PM-PAGE-004", "paging", "MUST",
       "Walking pages from the first, with start advancing by limit, MUST return every matching case exactly "
       "once, in the list's order, with no gap or duplicate.",
       "seed 004 (download with multiple calls: start=1&limit=100, start=101&limit=100, start=201...)",
       "paging.walk-exactly-once"),
    _r("PM-PAGE-005", "paging", "MUST",
       "The page object's `total` MUST equal the number of cases that match the list and its filters.",
       "seed 004 (page object: \"total\": Total number of cases found; 'call a second time with the limit "
       "set to the size of the total')",
       "paging.total"),
    _r("PM-PAGE-006", "paging", "MUST",
       "The page object MUST echo the request's limit, dir, cat_uid, pro_uid and search; advanced search MUST "
       "echo all of app_status, usr_uid, date_from, date_to (as documented) or none (as coded).",
       "seed 004 (page object members; advanced-search/paged 'includes the additional members'); the "
       "draft/paged sample's `process`/`category` keys are admitted (VF); PMSRC BM:342-349 (audit F10)",
       "paging.echo"),
    _r("PM-PAGE-007", "paging", "MUST",
       "`start` MUST either be 1-based with 0 and 1 both meaning the first case (as documented) or a 0-based "
       "offset (as coded); the suite records which.",
       "seed 004 (start: 'If set to 0 or 1, then begins with the first case. 2 begins with the second'); "
       "VF PMSRC (start is a 0-based offset)",
       "paging.offset-base"),
    # -- lists ---------------------------------------------------------------------------------------
    _r("PM-LIST-001", "lists", "MUST",
       "A list endpoint without /paged MUST answer a bare JSON array of case objects.",
       "seed 004 ('If it returns a list of cases, then it will be an array of case objects'); VF",
       "paging.bare-array"),
    _r("PM-LIST-002", "lists", "MUST",
       "The To do, Draft, Paused and Unassigned lists MUST hold only cases of that status (TO_DO, DRAFT, PAUSED, "
       "UNASSIGNED), the first three only cases assigned to the caller; a paused case MAY keep TO_DO or DRAFT "
       "with its delegation shown paused (as coded).",
       "seed 004 (Get To Do Cases, /cases/draft 'with DRAFT status', Paused cases 'assigned to the "
       "logged-in user', unassigned = unclaimed self service cases); PMSRC CC:4082, ACV:508, WS:1123 (audit F5)",
       "lists.by-status"),
    # -- filters -------------------------------------------------------------------------------------
    _r("PM-FILTER-001", "filters", "MUST",
       "`pro_uid` and `cat_uid` MUST select exactly the cases of that process / of processes in that category.",
       "seed 004 (filters table: cat_uid, pro_uid 'Only return cases ...')",
       "filters.exact"),
    _r("PM-FILTER-002", "filters", "MUST",
       "`search` MUST select exactly the cases whose title or current task title contains the string, "
       "ignoring letter case.",
       "seed 004 (search: 'Case insensitive search for cases in the case's title and current task title')",
       "filters.search"),
    _r("PM-FILTER-003", "filters", "MUST",
       "Advanced search's app_status, usr_uid, date_from and date_to (inclusive, on the date routed to the "
       "current task) MUST select exactly the matching cases; as coded, app_status=PAUSED MAY select the "
       "caller's Paused list and usr_uid MAY be ignored (the unfiltered list); the suite records which.",
       "seed 004 (GET /cases/advanced-search parameters); PMSRC Apps:342-343, Api:754, BM:283-318 (audit F11, "
       "F12)",
       "filters.exact"),
    _r("PM-FILTER-004", "filters", "MUST",
       "An unknown cat_uid MUST be refused with 400 (as documented) or list no case (200, total 0: as coded), "
       "never be ignored.",
       "seed 004 (every list: 400 'The category with $cat_uid: ... does not exist.'); PMSRC Apps:505-508 "
       "(audit F2)",
       "errors.unknown-filter"),
    # -- lifecycle -----------------------------------------------------------------------------------
    _r("PM-LIFE-001", "lifecycle", "MUST",
       "POST /cases MUST answer 200 with app_uid and app_number, and the new case MUST be DRAFT, assigned to "
       "the caller and listed in the caller's Draft list.",
       "seed 004 (New Case: 'new case's status will be set to DRAFT, not TO_DO', 'assign the logged-in user'; "
       "result 200 {app_uid, app_number}); VF (POST /cases answers 200)",
       "create.status-and-headers"),
    _r("PM-LIFE-002", "lifecycle", "MUST",
       "Routing MUST move the case on: a new delegation (or COMPLETED), and the case leaves the caller's Draft list.",
       "seed 004 (Route Case: 'move the case to the next task in the process'; del_index 'incremented' each "
       "routing)",
       "lifecycle.advance"),
    _r("PM-LIFE-003", "lifecycle", "MUST",
       "Pausing MUST make the case PAUSED (as documented; as coded it keeps its status and its delegation shows "
       "PAUSED), remove it from To do/Draft, list it in Paused and make current-task answer 400; unpausing MUST "
       "restore its status and lists.",
       "seed 004 (Pause Case, Unpause Case, current-task 'If a case has ... PAUSED ... status, then the above "
       "error object is returned'); PMSRC CC:4075-4091, WS:1123 (audit F4)",
       "lifecycle.pause"),
    _r("PM-LIFE-004", "lifecycle", "MUST",
       "Cancelling MUST make the case CANCELLED (a DRAFT case MAY be refused with 400, as coded: only TO_DO "
       "cases are cancelled), and cancelling it again MUST answer 400.",
       "seed 004 (Cancel Case: status changed to CANCELLED; 400 'The case ... is already canceled'); PMSRC "
       "WS:3150 (audit F6)",
       "lifecycle.cancel"),
    _r("PM-LIFE-005", "lifecycle", "MUST",
       "DELETE /cases/{app_uid} MUST succeed in the case's initial task and MUST be refused (4xx, case kept) "
       "once the case has been routed on.",
       "seed 004 (Delete Case: 'Only cases in their initial task may be deleted ... For all other cases ... "
       "cancel them')",
       "delete.lifecycle-rule"),
    _r("PM-LIFE-006", "lifecycle", "MUST",
       "Reassigning MUST assign the case's current task to the target user (its current user changes and it "
       "leaves the caller's lists).",
       "seed 004 (Reassign Case: PUT /cases/{app_uid}/reassign-case usr_uid_source, usr_uid_target)",
       "lifecycle.reassign"),
    _r("PM-LIFE-007", "lifecycle", "MUST",
       "Batch reassign MUST answer 200 with one result per case (SUCCESS, DELEGATION_NOT_EXISTS, "
       "USER_NOT_ASSIGNED_TO_TASK), as an object or a JSON string holding one, and a failing case MUST NOT "
       "stop the others.",
       "seed 004 (Batch Reassigning Cases: 'If a case reassignment fails, the reassignment of other cases "
       "won't be interrupted'; error samples; success sample a JSON string); PMSRC BM:3004, BM:3021-3025 "
       "(audit F7, L1)",
       "lifecycle.batch"),
    # -- errors and auth -----------------------------------------------------------------------------
    _r("PM-ERR-001", "errors", "MUST",
       "An unknown app_uid MUST be refused with 400 (404 admitted; GET /cases/{app_uid} also 403, as coded), "
       "never 2xx or 5xx.",
       "seed 004 (GET /cases/{app_uid}: 400 'The Application row ... doesn't exist!'); VF PMSRC (handlers "
       "re-throw as 400); PMSRC Api:768, AC:59 (audit F3)",
       "errors.unknown-resource"),
    _r("PM-ERR-002", "errors", "MUST",
       "POST /cases without tas_uid, or with a body that is not JSON, MUST be refused with 400.",
       "seed 004 (New Case: 400 '`tas_uid` is required but missing.')",
       "errors.malformed-body"),
    _r("PM-ERR-003", "errors", "MUST",
       "Every error answer MUST carry the error object {\"error\": {\"code\": <the HTTP status>, \"message\": "
       "<text>}}.",
       "seed 004 (error object samples on every endpoint); VF PMSRC (400 {\"error\": {\"code\": 400, "
       "\"message\": \"Bad Request: ...\"}})",
       "errors.body-detail"),
    _r("PM-AUTH-001", "auth", "MUST",
       "A request without a bearer token, or with an unknown one, MUST be refused with 401.",
       "VF (OAuth2 token at /{workspace}/oauth2/token; PMSRC: missing permission 401)",
       "auth.refuses-missing-token"),
    _r("PM-SCHEMA-001", "schema", "MUST",
       "Case objects, pages, case information and start tasks MUST match the schemas of specs/processmaker-3.yaml.",
       "seed 004 (Case Object table, page object, GET /cases/{app_uid}, /case/start-cases samples)",
       "contract.schema"),
)
