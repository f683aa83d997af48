"""The ProcessMaker 3 emulator: case lists and pages, filters, case lifecycle, OAuth2.

Sources: seed 004 (lists, filters, page object, case object, lifecycle endpoints,
error object) and vendor-facts "ProcessMaker 3" (VF; PMSRC = the 3.5.8 source:
token endpoint, 0-based `start`, errors re-thrown as 400). Every behaviour below
cites one of them. Bad input always gets the documented error object; a 500
only ever comes from an injected fault.

Scale: `config.cases` seeds up to 100,000 cases in one transaction (executemany);
every list query is an indexed WHERE + ORDER BY app_number + LIMIT/OFFSET, so a
page costs the same at 300 or 100,000 cases.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from typing import Any, Iterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance.emulators.chaos import ChaosMiddleware
from conformance.emulators.common import (
    CLIENT_OPERATOR, DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_USER, Database, EmulatorConfig, TokenEndpoint,
)
from conformance.emulators.processmaker_3.faults import FAULTS, VARIANTS

WORKSPACE = "workflow"  # VF: workspace usually `workflow`
BASE = f"/api/1.0/{WORKSPACE}"
TOKEN_PATH = f"/{WORKSPACE}/oauth2/token"  # VF: POST /{workspace}/oauth2/token
DEFAULT_CASES = 500
MAX_CASES = 100_000

# -- fixed fixtures (the bundled target names these uids) ------------------------------------
ADMIN = "00000000000000000000000000000001"  # seed 004 samples: the admin's uid
REVIEWER = "20000000000000000000000000000002"
OUTSIDER = "30000000000000000000000000000003"
REVIEWER_LOGIN, REVIEWER_PASSWORD = "reviewer@demo.invalid", "reviewer-password"  # demo credentials, not secrets
USERS = {  # usr_uid -> (username, firstname, lastname)
    ADMIN: ("admin", "Administrator", " "),
    REVIEWER: ("reviewer", "Rita", "Reviewer"),
    OUTSIDER: ("outsider", "Otto", "Outsider"),
}
# token subject (common.TokenEndpoint) -> usr_uid; client credentials act as the admin (PMSRC: the client's user)
SUBJECTS = {DEMO_USER: ADMIN, CLIENT_OPERATOR: ADMIN, REVIEWER_LOGIN: REVIEWER}
CATEGORIES = {
    "11609821854ca4355344560009542371": "Finance",  # seed 004 sample cat_uid
    "21609821854ca4355344560009542372": "Human resources",
}
# pro_uid -> (category, title, [(tas_uid, title), ...]) ; position 0 is the start task
PROCESSES: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "28468941754ca473f9db401077958260": ("11609821854ca4355344560009542371", "Invoice Approval Process", [
        ("7983935495320c1a75e1df6068322280", "Enter INVOICE"), ("89626647354ca3c43743e66000804527", "Approve payment")]),
    "2317283235320c1a36972b2028131767": ("11609821854ca4355344560009542371", "Expense audit", [
        ("3609934335775a15491fb93026385324", "Collect data"), ("60687790754ca3c434b57d5092245736", "Audit Invoice")]),
    "35648267754ca36d119ecc1014698225": ("21609821854ca4355344560009542372", "Safety training course", [
        ("37439823957314102c66d78026868117", "Safety training"), ("53643749052af5bdef3ca79050192707", "Written test")]),
}
POOL = (ADMIN, REVIEWER)  # every task's pool of assigned users; OUTSIDER is in none
TRIGGERS = {"37823572555ba5891041136049273220": "Set due date"}
# inp_doc_uid -> title: the input documents every process defines (VF: POST .../input-document names one)
INPUT_DOCUMENTS = {"44811996855148e8e5a3a31008230711": "Scanned invoice"}
SUBJECTS_OF_CASES = ("Invoice ACME", "leave request", "Onboarding Bob", "invoice globex", "Laptop order",
                     "Travel INVOICE", "Badge renewal")
STATUS_CYCLE = ("TO_DO", "DRAFT", "TO_DO", "PAUSED", "COMPLETED", "TO_DO", "CANCELLED", "UNASSIGNED", "DRAFT",
                "TO_DO")
STATUS_LABEL = {"TO_DO": "To do", "DRAFT": "Draft", "COMPLETED": "Completed", "CANCELLED": "Cancelled",
                "PAUSED": "Paused", "UNASSIGNED": "Unassigned", "DELETED": "Deleted"}
LISTS = ("todo", "draft", "participated", "unassigned", "paused", "advanced-search")
# seed 004: sort is a field of APP_CACHE_VIEW (default APP_NUMBER, example APP_UPDATE_DATE); these are the
# ones the emulator offers, each mapped to its column of SCHEMA below (tests/test_processmaker_3_emulator.py
# checks every one is a real column: a missing one was an sqlite error, a 500, found by stock schemathesis)
SORTS = {"APP_NUMBER": "app_number", "APP_UPDATE_DATE": "update_date", "APP_CREATE_DATE": "create_date",
         "DEL_DELEGATE_DATE": "delegate_date", "APP_TITLE": "app_title"}
SQL_INT_CAP = 2**62  # far beyond any list, inside SQLite's 64-bit integers
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    app_number INTEGER PRIMARY KEY,
    app_uid TEXT UNIQUE NOT NULL,
    pro_uid TEXT NOT NULL,
    cat_uid TEXT NOT NULL,
    task_pos INTEGER NOT NULL,          -- 0 = start task, 1 = second task, 2 = finished
    del_index INTEGER NOT NULL,
    app_status TEXT NOT NULL,
    paused_from TEXT,
    usr_uid TEXT NOT NULL,
    previous_usr_uid TEXT NOT NULL,
    init_usr_uid TEXT NOT NULL,
    app_title TEXT NOT NULL,
    tas_title TEXT NOT NULL,
    haystack TEXT NOT NULL,             -- title + task title, lower case (search is case-insensitive)
    delegate_date TEXT NOT NULL,
    create_date TEXT NOT NULL,
    update_date TEXT NOT NULL,
    finish_date TEXT,
    variables TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS cases_user_status ON cases(usr_uid, app_status, app_number);
CREATE INDEX IF NOT EXISTS cases_status ON cases(app_status, app_number);
CREATE INDEX IF NOT EXISTS cases_pro ON cases(pro_uid, app_number);
CREATE TABLE IF NOT EXISTS participants (
    usr_uid TEXT NOT NULL,
    app_number INTEGER NOT NULL,
    PRIMARY KEY (usr_uid, app_number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notes (
    app_uid TEXT NOT NULL, note_content TEXT NOT NULL, usr_uid TEXT NOT NULL, note_date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    app_doc_uid TEXT PRIMARY KEY, app_uid TEXT NOT NULL, del_index INTEGER NOT NULL, inp_doc_uid TEXT NOT NULL,
    filename TEXT NOT NULL, comment TEXT NOT NULL, usr_uid TEXT NOT NULL, create_date TEXT NOT NULL
);
"""


class ApiError(Exception):
    """An error answered with the documented error object (seed 004)."""

    def __init__(self, status: int, message: str, plain: bool = False) -> None:
        super().__init__(message)
        self.status, self.message, self.plain = status, message, plain


def _bad(message: str) -> ApiError:
    # VF PMSRC: handlers re-throw almost every failure as 400 "Bad Request: ..."
    return ApiError(400, f"Bad Request: {message}")


def _now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")  # seed 004: "YYYY-MM-DD HH:MM:SS"


def _equal(where: list[str], args: list[Any], column: str, value: str, known, what: str) -> None:  # noqa: ANN001
    """An equality filter on a known value; an unknown one is refused (seed 004: 400 '... does not exist.')."""
    if not value:
        return
    if value not in known:
        raise _bad(f"The {what} with ${column}: '{value}' does not exist.")
    where.append(f"{column} = ?")
    args.append(value)


def _uid() -> str:
    return uuid.uuid4().hex  # 32 characters like ProcessMaker's uids


def _task(pro_uid: str, pos: int) -> tuple[str, str]:
    tasks = PROCESSES[pro_uid][2]
    return tasks[min(pos, len(tasks) - 1)]


class ProcessMakerEmulator:
    def __init__(self, config: EmulatorConfig) -> None:
        config.validate(FAULTS, VARIANTS)
        if config.cases is not None and not 0 <= config.cases <= MAX_CASES:
            raise ValueError(f"cases must be between 0 and {MAX_CASES}, got {config.cases}")
        if config.options:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(config.options))}; this emulator has none")
        self.config = config
        self.db = Database(config.db_path, SCHEMA)
        # VF: password and client_credentials grants; PMSRC wants client_id/secret in the body, the wiki
        # allows Basic: common.TokenEndpoint accepts both
        self.tokens = TokenEndpoint(self.db, config.token_lifetime, clients={DEMO_CLIENT_ID: config.client_secret},
                                    users={DEMO_USER: DEMO_PASSWORD, REVIEWER_LOGIN: REVIEWER_PASSWORD})
        self.start_base = config.variant(VARIANTS, "start")
        # PMSRC CC:4082-4091 (vendor audit F4): pausing keeps app_status; the pause is the closed delegation
        self.pause_keeps_status = config.variant(VARIANTS, "pause") == "delegation"
        if self.db.one("SELECT 1 FROM cases LIMIT 1") is None:
            self.seed(DEFAULT_CASES if config.cases is None else config.cases)

    def fault(self, name: str) -> bool:
        return name in self.config.faults

    def vendor(self, variant: str) -> bool:
        """Whether a variant is switched to the 3.5.8 server's behaviour (faults.VARIANTS, its other choice)."""
        v = VARIANTS[variant]
        return self.config.variant(VARIANTS, variant) != v.default

    # -- seeding ------------------------------------------------------------------------------
    def seed(self, count: int) -> None:
        """Cases in every status (seed 004's statuses), spread over processes, users and dates."""
        base = dt.datetime(2014, 3, 14, 15, 43, 55)  # seed 004 sample dates
        pros = list(PROCESSES)

        def rows() -> Iterator[tuple]:
            for n in range(1, count + 1):
                status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
                paused = status == "PAUSED"
                if paused and self.pause_keeps_status:
                    status = "TO_DO"  # PMSRC CC:4082: the application keeps its status while paused
                pro = pros[n % len(pros)]
                pos = 2 if status in ("COMPLETED",) else (n // 7) % 2
                tas = _task(pro, pos)[1]
                user = "" if status == "UNASSIGNED" else (REVIEWER if n % 5 == 0 else ADMIN)
                title = f"#{n} {SUBJECTS_OF_CASES[n % len(SUBJECTS_OF_CASES)]}"
                when = (base + dt.timedelta(hours=7 * n)).strftime("%Y-%m-%d %H:%M:%S")
                finish = when if status in ("COMPLETED", "CANCELLED") else None
                yield (n, f"{n:08d}{uuid.UUID(int=n).hex[8:]}", pro, PROCESSES[pro][0], pos, pos + 1, status,
                       "TO_DO" if paused else None, user, "", user or ADMIN, title, tas,
                       f"{title} {tas}".lower(), when, when, when, finish)

        with self.db.tx() as conn:
            conn.executemany(
                "INSERT INTO cases(app_number, app_uid, pro_uid, cat_uid, task_pos, del_index, app_status, paused_from,"
                " usr_uid, previous_usr_uid, init_usr_uid, app_title, tas_title, haystack, delegate_date, create_date,"
                " update_date, finish_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
            conn.execute("INSERT OR IGNORE INTO participants(usr_uid, app_number) "
                         "SELECT init_usr_uid, app_number FROM cases")
            conn.execute("INSERT OR IGNORE INTO participants(usr_uid, app_number) "
                         "SELECT usr_uid, app_number FROM cases WHERE usr_uid != ''")

    # -- plumbing -----------------------------------------------------------------------------
    def error(self, status: int, message: str) -> JSONResponse:
        # seed 004 / VF PMSRC: {"error": {"code": 400, "message": "Bad Request: ..."}}
        code = 500 if self.fault("error-code-mismatch") else status
        body: dict[str, Any] = {"code": code, "message": message}
        return JSONResponse(body if self.fault("error-flat-body") else {"error": body}, status_code=status)

    def user_of(self, request: Request) -> str | None:
        subject = self.tokens.subject(request)
        return SUBJECTS.get(subject) if subject else None

    async def body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _bad("the request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _bad("the request body must be a JSON object")
        return data

    def endpoint(self, handler, public: bool = False):  # noqa: ANN001
        async def wrapped(request: Request) -> Response:
            user = self.user_of(request)
            if user is None and not (public or (self.fault("auth-optional-lists") and request.method == "GET"
                                                and "list" in request.scope.get("route_kind", ""))):
                # VF PMSRC: a missing or bad token answers 401 with the error object
                return self.error(401, "Unauthorized")
            try:
                return await handler(request, user or ADMIN)
            except ApiError as exc:
                if exc.plain:
                    return PlainTextResponse(exc.message, status_code=exc.status)
                return self.error(exc.status, exc.message)
        return wrapped

    def case_row(self, app_uid: str):  # noqa: ANN201
        row = self.db.one("SELECT * FROM cases WHERE app_uid = ?", (app_uid,))
        if row is None:
            if self.fault("unknown-case-500"):
                raise ApiError(500, "Internal Server Error")
            # seed 004: 400 "The Application row '...' doesn't exist!"
            raise _bad(f"The Application row '{app_uid}' doesn't exist!")
        return row

    # -- case objects ----------------------------------------------------------------------------
    def case_object(self, row) -> dict[str, Any]:  # noqa: ANN001
        """seed 004 "Case Object": every member a string except the nullable dates."""
        usr = row["usr_uid"]
        name = USERS.get(usr, ("", "", ""))
        prev = USERS.get(row["previous_usr_uid"], ("", "", ""))
        tas_uid = _task(row["pro_uid"], row["task_pos"])[0] if row["task_pos"] < 2 else _task(row["pro_uid"], 1)[0]
        closed = row["app_status"] in ("COMPLETED", "CANCELLED")
        number: Any = int(row["app_number"]) if self.fault("schema-app-number-int") else str(row["app_number"])
        return {
            "app_uid": row["app_uid"], "del_index": str(row["del_index"]),
            "del_last_index": str(max(1, row["del_index"] - 1)), "app_number": number,
            "app_status": row["app_status"], "usr_uid": usr, "previous_usr_uid": row["previous_usr_uid"],
            "tas_uid": tas_uid, "pro_uid": row["pro_uid"], "del_delegate_date": row["delegate_date"],
            "del_init_date": None if row["app_status"] == "UNASSIGNED" else row["delegate_date"],
            "del_task_due_date": row["delegate_date"], "del_finish_date": row["finish_date"],
            "del_thread_status": "CLOSED" if closed else "OPEN", "app_thread_status": "CLOSED" if closed else "OPEN",
            "app_title": row["app_title"], "app_pro_title": PROCESSES[row["pro_uid"]][1],
            "app_tas_title": row["tas_title"], "app_current_user": f"{name[2]} {name[1]}" if name[0] else "",
            "app_del_previous_user": f"{prev[2]} {prev[1]}" if prev[0] else "",
            "del_priority": "NORMAL", "del_duration": "0", "del_queue_duration": "0", "del_delay_duration": "0",
            "del_started": "0", "del_finished": "0", "del_delayed": "0", "app_create_date": row["create_date"],
            "app_finish_date": row["finish_date"], "app_update_date": row["update_date"],
            "app_overdue_percentage": "0", "usr_firstname": name[1], "usr_lastname": name[2],
            "usr_username": name[0], "appcvcr_app_tas_title": row["tas_title"], "usrcr_usr_uid": usr,
            "usrcr_usr_firstname": name[1], "usrcr_usr_lastname": name[2], "usrcr_usr_username": name[0],
            "app_status_label": STATUS_LABEL[row["app_status"]],
        }

    # -- lists (seed 004 "Filters for listing cases") --------------------------------------------
    def query(self, kind: str, params, user: str) -> tuple[str, list[Any], dict[str, Any]]:  # noqa: ANN001
        """WHERE clause, its arguments, and the echoed filters of one list request."""
        where: list[str] = []
        args: list[Any] = []
        echo: dict[str, Any] = {}
        if kind in ("todo", "draft", "paused"):
            statuses = {"todo": ["TO_DO"], "draft": ["DRAFT"], "paused": ["PAUSED"]}[kind]
            if kind == "todo" and self.fault("todo-includes-drafts"):
                statuses.append("DRAFT")
            if kind in ("todo", "draft") and self.fault("pause-stays-listed"):
                statuses.append("PAUSED")
            if kind == "paused":
                # seed 004: the caller's PAUSED cases; PMSRC ACV:508 (audit F5): the cases with a PAUSE row in
                # APP_DELAY, whatever their status. paused_from marks a paused case under both behaviours
                paused = "paused_from IS NOT NULL"
                if self.fault("paused-lists-open-cases"):
                    paused = f"({paused} OR app_status = 'TO_DO')"
                where.append(f"usr_uid = ? AND {paused}")
                args.append(user)
            else:
                where.append(f"usr_uid = ? AND app_status IN ({','.join('?' * len(statuses))})")
                args += [user, *statuses]
                if not self.fault("pause-stays-listed"):
                    where.append("paused_from IS NULL")  # a paused case leaves To do / Draft (both sources)
        elif kind == "unassigned":
            # seed 004: UNASSIGNED = unclaimed self service cases; every task's pool holds the admin and reviewer
            where.append("app_status = 'UNASSIGNED'")
            if user not in POOL:
                where.append("0")
        elif kind == "participated":
            where.append("app_number IN (SELECT app_number FROM participants WHERE usr_uid = ?)")
            args.append(user)
        unfiltered = (list(where), list(args))
        cat = params.get("cat_uid", "")
        if cat:
            if cat not in CATEGORIES:
                if self.fault("unknown-category-ignored"):
                    pass  # the filter dropped: every case of the list
                elif self.vendor("unknown-category"):
                    where.append("0")  # PMSRC Apps:505-508: filtered on a category no process has, no check
                else:
                    # seed 004: 400 "The category with $cat_uid: '...' does not exist."
                    raise _bad(f"The category with $cat_uid: '{cat}' does not exist.")
            elif not self.fault("cat-filter-ignored"):
                where.append("cat_uid = ?")
                args.append(cat)
        pro = params.get("pro_uid", "")
        if pro and pro not in PROCESSES and self.vendor("unknown-category"):
            where.append("0")  # PMSRC (audit F2): an unknown pro_uid is silently a filter that matches nothing
        else:
            _equal(where, args, "pro_uid", pro, PROCESSES, "process")
        search = params.get("search", "")
        if search:
            # seed 004: case insensitive, in the case title and the current task title
            if self.fault("search-case-sensitive"):
                where.append("instr(app_title || ' ' || tas_title, ?) > 0")
            elif self.fault("search-title-only"):
                where.append("instr(lower(app_title), ?) > 0")
                search = search.lower()
            else:
                where.append("instr(haystack, ?) > 0")
            args.append(search if self.fault("search-case-sensitive") else search.lower())
        echo.update(cat_uid=cat, pro_uid=pro, search=params.get("search", ""))
        if kind == "advanced-search":
            # seed 004: app_status TO_DO, DRAFT, PAUSED, CANCELLED or COMPLETED; usr_uid the current user
            status, usr = params.get("app_status", ""), params.get("usr_uid", "")
            if status == "PAUSED" and self.pause_keeps_status:
                where.append("paused_from IS NOT NULL")  # PMSRC Apps:342-343 getPausedListCriteria (audit F12)
            else:
                _equal(where, args, "app_status", status, ("TO_DO", "DRAFT", "PAUSED", "CANCELLED", "COMPLETED"),
                       "status")
            if self.vendor("advanced-usr-uid"):
                pass  # PMSRC Api:754 `$dataList['user']`, never read by getList (BM:283-318; audit F11)
            else:
                _equal(where, args, "usr_uid", usr, USERS, "user")
            for key, op in (("date_from", ">="), ("date_to", "<=" if not self.fault("date-to-exclusive") else "<")):
                value = params.get(key, "")
                if value:
                    if not DATE.match(value):
                        raise _bad(f"Invalid value for ${key}: '{value}', expected YYYY-MM-DD")
                    # seed 004: on or after / on or before this date, on the date routed to the current task
                    where.append(f"substr(delegate_date, 1, 10) {op} ?")
                    args.append(value)
            if not self.vendor("advanced-echo"):  # PMSRC BM:342-349 echoes none of these (audit F10)
                echo.update(app_status=status, usr_uid=usr, date_from=params.get("date_from", ""),
                            date_to=params.get("date_to", ""))
        if self.fault("total-unfiltered"):
            echo["_unfiltered"] = unfiltered
        return " AND ".join(where) or "1", args, echo

    def order(self, params) -> tuple[str, str, str]:  # noqa: ANN001
        """ORDER BY clause and the echoed sort and dir (seed 004 defaults APP_NUMBER, DESC)."""
        raw_sort = params.get("sort", "") or "APP_CACHE_VIEW.APP_NUMBER"
        field = raw_sort.upper().removeprefix("APP_CACHE_VIEW.")
        if field not in SORTS:
            raise _bad(f"Invalid value for $sort: '{raw_sort}'")
        raw_dir = params.get("dir", "")
        if raw_dir and raw_dir.upper() not in ("ASC", "DESC"):
            raise _bad(f"Invalid value for $dir: '{raw_dir}'")  # seed 004: "ASC" or "DESC"
        direction = (raw_dir or ("ASC" if self.fault("default-order-asc") else "DESC")).upper()
        echo = direction.lower()
        if raw_dir == "desc" and self.config.variant(VARIANTS, "lowercase-dir") == "ascending":
            direction = "ASC"  # VF PMSRC: lowercase dir=desc sorts ascending
        if self.fault("dir-ignored") and raw_dir:
            direction = "DESC"  # echoed as asked, sorted descending
        if field == "APP_UPDATE_DATE" and self.fault("sort-by-date-500"):
            raise ApiError(500, "Internal Server Error")  # the bug stock schemathesis found, reintroduced
        column = SORTS[field]
        if field == "APP_TITLE" and self.fault("title-sort-ignored"):
            column = "app_number"  # the fallback Apps:781-788 makes for a field it does not select
        tie = "" if column == "app_number" else f", app_number {direction}"
        return f"{column} {direction}{tie}", f"app_cache_view.{field.lower()}", echo

    @staticmethod
    def _int(params, name: str) -> int | None:  # noqa: ANN001
        raw = params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            raise _bad(f"Invalid value for ${name}: '{raw}', expected an integer") from None
        if value < 0:
            raise _bad(f"Invalid value for ${name}: {value}, expected 0 or more")
        return value

    def window(self, params, paged: bool) -> tuple[int, int | None, int, int]:  # noqa: ANN001
        """(offset, limit or None for all, echoed start, echoed limit)."""
        start = self._int(params, "start")
        limit = self._int(params, "limit")
        if start == 0 and self.fault("start-zero-refused"):
            raise _bad("Invalid value for $start: 0")
        if self.start_base == "0-based":
            offset = start or 0  # VF PMSRC: a 0-based offset, echoed as start + 1
            shown_start = offset + 1
        else:
            offset = max((start or 1) - 1, 0)  # seed 004: 0 or 1 = the first case, 2 = the second...
            shown_start = 1 if start is None else start
        # seed 004: default 25; PMSRC Api:228 `$limit = 0` (audit F1): no default, every case, echoed 0
        default = 20 if self.fault("default-limit-20") else None if self.vendor("default-limit") else 25
        explicit = limit is not None
        if limit is None:
            limit = default
        elif limit == 0:
            limit = None  # VF PMSRC: limit 0 applies no limit
        if paged and offset > 0 and self.fault("overlapping-pages"):
            offset -= 1
        rows = limit
        if paged and explicit and limit is not None and self.fault("limit-plus-one"):
            rows = limit + 1
        if paged and self.fault("page-cut-at-50"):
            rows = min(rows or 50, 50)
        return offset, rows, shown_start, limit if limit is not None else 0

    def listing(self, kind: str, paged: bool):  # noqa: ANN201
        async def handler(request: Request, user: str) -> Response:
            params = request.query_params
            where, args, echo = self.query(kind, params, user)
            order, sort_echo, dir_echo = self.order(params)
            offset, rows, shown_start, shown_limit = self.window(params, paged)
            sql = f"SELECT * FROM cases WHERE {where} ORDER BY {order}"
            page_args = list(args)
            # the spec's start/limit have no maximum: a huge one is served (echoed as sent), capped for SQLite,
            # whose integers end at 2**63 - 1 (a larger one was an OverflowError, a 500; found by schemathesis)
            offset = min(offset, SQL_INT_CAP)
            rows = None if rows is None else min(rows, SQL_INT_CAP)
            if rows is not None:
                sql += " LIMIT ? OFFSET ?"
                page_args += [rows, offset]
            elif offset:
                sql += " LIMIT -1 OFFSET ?"
                page_args.append(offset)
            data = [self.case_object(r) for r in self.db.all(sql, tuple(page_args))]
            if not paged and not self.fault("nonpaged-page-object"):
                return JSONResponse(data)  # seed 004: a bare array of case objects
            unfiltered = echo.pop("_unfiltered", None)
            if self.fault("total-page-length"):
                total = len(data)
            else:
                if unfiltered is not None:
                    where, args = " AND ".join(unfiltered[0]) or "1", unfiltered[1]
                total = self.db.one(f"SELECT COUNT(*) AS n FROM cases WHERE {where}", tuple(args))["n"]
            if self.fault("echo-drops-filters"):
                echo.update(cat_uid="", pro_uid="", search="")
            page: dict[str, Any] = {"total": total, "start": shown_start, "limit": shown_limit,
                                    "sort": sort_echo, "dir": dir_echo}
            if self.config.variant(VARIANTS, "page-keys") == "sample":
                # seed 004's draft/paged sample: `process` and `category` instead of pro_uid and cat_uid
                page.update(category=echo.pop("cat_uid"), process=echo.pop("pro_uid"))
            page.update(echo)
            page["data"] = data
            return JSONResponse(page)
        return handler

    # -- one case -----------------------------------------------------------------------------------
    async def get_case(self, request: Request, user: str) -> Response:
        app_uid = request.path_params["app_uid"]
        if self.vendor("unknown-case") and self.db.one("SELECT 1 FROM cases WHERE app_uid = ?", (app_uid,)) is None:
            # PMSRC Api:768 `@class AccessControl`, Api:205 `return false` -> AC:59 (vendor audit F3)
            raise ApiError(403, "Forbidden: You don't have permission to access this endpoint or resource on this "
                                "server.")
        row = self.case_row(app_uid)
        current = []
        if row["app_status"] not in ("COMPLETED", "CANCELLED"):
            tas_uid, tas_title = _task(row["pro_uid"], row["task_pos"])
            name = USERS.get(row["usr_uid"], ("", "", ""))
            item = {"usr_uid": row["usr_uid"], "usr_name": name[1], "tas_uid": tas_uid, "tas_title": tas_title,
                    "del_index": row["del_index"], "del_thread": 1, "del_thread_status": "OPEN"}
            if self.pause_keeps_status:
                # PMSRC WS:1097-1123: the paused delegation is listed CLOSED with delStatus PAUSED, an open one
                # with the case's status (BM:551-568 renames the other members, not delStatus)
                paused = row["paused_from"] is not None
                item.update(del_thread_status="CLOSED" if paused else "OPEN",
                            delStatus="PAUSED" if paused else row["app_status"])
            current.append(item)
        init = USERS.get(row["init_usr_uid"], ("", "", ""))
        # seed 004 "Get Case Information" sample; PMSRC WS:1040 app_number a number (vendor audit F8)
        number: Any = row["app_number"] if self.vendor("case-app-number") else str(row["app_number"])
        return JSONResponse({
            "app_uid": row["app_uid"], "app_number": number, "app_name": row["app_title"],
            "app_status": row["app_status"], "app_init_usr_uid": row["init_usr_uid"],
            "app_init_usr_username": init[1], "pro_uid": row["pro_uid"], "pro_name": PROCESSES[row["pro_uid"]][1],
            "app_create_date": row["create_date"], "app_update_date": row["update_date"], "current_task": current,
        })

    async def current_task(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        blocked = ("COMPLETED", "CANCELLED", "DELETED") + (() if self.fault("paused-current-task-200") else ("PAUSED",))
        paused = row["paused_from"] is not None and not self.fault("paused-current-task-200")
        if row["app_status"] in blocked or paused:
            # seed 004: COMPLETED, PAUSED, CANCELLED or DELETED -> 400
            raise self.refuse(f"Incorrect or unavailable information about this case: {row['app_uid']}")
        tas_uid, tas_title = _task(row["pro_uid"], row["task_pos"])
        task = {"tas_uid": tas_uid, "tas_title": tas_title, "del_index": str(row["del_index"])}
        if self.vendor("current-task"):
            # PMSRC BM:747-760 (vendor audit F9): one object, the caller's last open delegation
            return JSONResponse({**task, "del_init_date": row["delegate_date"],
                                 "del_task_due_date": row["delegate_date"]})
        return JSONResponse([task])

    async def tasks(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        out = []
        for pos, (tas_uid, title) in enumerate(PROCESSES[row["pro_uid"]][2]):
            status = ("TASK_COMPLETED" if pos < row["task_pos"] else
                      "TASK_IN_PROGRESS" if pos == row["task_pos"] else "TASK_PENDING_NOT_EXECUTED")
            out.append({"tas_uid": tas_uid, "tas_title": title, "tas_description": "", "tas_start": int(pos == 0),
                        "tas_type": "NORMAL", "tas_derivation": "NORMAL", "tas_assign_type": "BALANCED",
                        "usr_uid": row["usr_uid"], "status": status})
        return JSONResponse(out)

    async def start_cases(self, request: Request, user: str) -> Response:
        # seed 004 "Get Starting Tasks": pro_title is "Process (Start task)"
        if user not in POOL:
            return JSONResponse([])
        return JSONResponse([{"tas_uid": tasks[0][0], "pro_title": f"{title} ({tasks[0][1]})", "pro_uid": pro}
                             for pro, (_, title, tasks) in PROCESSES.items()])

    # -- lifecycle ------------------------------------------------------------------------------------
    def refuse(self, message: str) -> ApiError:
        """A lifecycle refusal (second cancel, DELETE past the initial task, current-task of a closed case)."""
        error = _bad(message)
        error.plain = self.fault("lifecycle-errors-plain")
        return error

    def _ids_are_scalars(self, body: dict[str, Any], *keys: str) -> None:
        """Fault id-list-500: an ID member that is a JSON list fails the handler (the defect stock schemathesis
        found on a real server); otherwise each handler refuses it with 400 like any unknown uid."""
        if self.fault("id-list-500") and any(isinstance(body.get(k), list) for k in keys):
            raise ApiError(500, "Internal Server Error")

    def _create(self, body: dict[str, Any], owner: str, caller: str) -> Response:
        self._ids_are_scalars(body, "pro_uid", "tas_uid")
        for key in ("pro_uid", "tas_uid"):
            if not body.get(key) and not (key == "tas_uid" and self.fault("create-missing-task-200")):
                raise _bad(f"`{key}` is required but missing.")  # seed 004 sample message
        pro = body["pro_uid"]
        if not isinstance(pro, str) or pro not in PROCESSES:
            raise _bad(f"The process with $pro_uid: '{pro}' does not exist.")
        tas = body.get("tas_uid") or PROCESSES[pro][2][0][0]
        if tas != PROCESSES[pro][2][0][0]:
            # seed 004: tas_uid must be the initial task, one with a start event
            raise _bad(f"The task '{tas}' is not a start task of the process '{pro}'.")
        if owner not in POOL:
            # seed 004: the user must be in the pool of assigned users for the initial task
            raise _bad(f"The user '{owner}' is not assigned to the task '{tas}'.")
        variables = body.get("variables", [])
        if not isinstance(variables, list) or not all(isinstance(v, dict) for v in variables):
            raise _bad("`variables` must be an array of objects")  # seed 004 "Format of Variables"
        merged: dict[str, Any] = {}
        for item in variables:
            merged.update(item)
        now = _now()
        status = "TO_DO" if self.fault("create-to-do") else "DRAFT"  # seed 004: a new case is DRAFT
        app_uid = _uid()
        tas_title = _task(pro, 0)[1]
        with self.db.tx() as conn:
            number = conn.execute("SELECT COALESCE(MAX(app_number), 0) + 1 FROM cases").fetchone()[0]
            title = f"#{number}"  # seed 004: the case title is by default its case number
            conn.execute(
                "INSERT INTO cases(app_number, app_uid, pro_uid, cat_uid, task_pos, del_index, app_status, usr_uid,"
                " previous_usr_uid, init_usr_uid, app_title, tas_title, haystack, delegate_date, create_date,"
                " update_date, variables) VALUES (?,?,?,?,0,1,?,?,'',?,?,?,?,?,?,?,?)",
                (number, app_uid, pro, PROCESSES[pro][0], status, owner, caller, title, tas_title,
                 f"{title} {tas_title}".lower(), now, now, now, json.dumps(merged)))
            conn.execute("INSERT OR IGNORE INTO participants VALUES (?, ?)", (owner, number))
        # seed 004: 200 {"app_uid", "app_number"} (VF: no explicit 201)
        return JSONResponse({"app_uid": app_uid, "app_number": number})

    async def create(self, request: Request, user: str) -> Response:
        return self._create(await self.body(request), user, user)

    async def impersonate(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        if not body.get("usr_uid"):
            raise _bad("`usr_uid` is required but missing.")  # seed 004 sample
        if not isinstance(body["usr_uid"], str) or body["usr_uid"] not in USERS:  # a list or object: 400, not a 500
            raise _bad(f"The user with $usr_uid: '{body['usr_uid']}' does not exist.")
        return self._create(body, body["usr_uid"], user)

    def _reassign(self, conn, row, target: str, source: str) -> None:  # noqa: ANN001
        conn.execute("UPDATE cases SET usr_uid = ?, previous_usr_uid = ?, del_index = del_index + 1, update_date = ?"
                     " WHERE app_number = ?", (target, source, _now(), row["app_number"]))
        conn.execute("INSERT OR IGNORE INTO participants VALUES (?, ?)", (target, row["app_number"]))

    async def reassign_case(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        row = self.case_row(request.path_params["app_uid"])
        self._ids_are_scalars(body, "usr_uid_source", "usr_uid_target")
        for key in ("usr_uid_source", "usr_uid_target"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise _bad(f"`{key}` is required but missing.")  # seed 004: both required
        source, target = body["usr_uid_source"], body["usr_uid_target"]
        if "del_index" in body and body["del_index"] not in (row["del_index"], str(row["del_index"])):
            raise _bad("This case delegation is already closed or does not exist")
        if row["app_status"] not in ("TO_DO", "DRAFT") or row["paused_from"] is not None:
            # seed 004: paused cases can't be reassigned; closed ones have no open delegation
            raise _bad(f"The case '{row['app_uid']}' cannot be reassigned in status {row['app_status']}")
        if source != row["usr_uid"]:
            raise _bad(f"The user '{source}' is not assigned to the case '{row['app_uid']}'")
        if target not in USERS or target not in POOL:
            raise _bad(f"The user '{target}' is not in the pool of the case's current task")
        if target == source:
            raise _bad("The case can't be reassigned to the same user")  # seed 004
        if not self.fault("reassign-noop"):
            with self.db.tx() as conn:
                self._reassign(conn, row, target, source)
        return Response(status_code=200)  # seed 004: 200, no return value

    async def batch_reassign(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        cases, target = body.get("cases"), body.get("usr_uid_target")
        if not isinstance(cases, list) or not cases or not all(isinstance(c, dict) for c in cases):
            raise _bad("`cases` is required: an array of {APP_UID, DEL_INDEX}")
        if not isinstance(target, str) or not target:
            raise _bad("`usr_uid_target` is required but missing.")
        for item in cases:
            # seed 004 sample: APP_UID a case's uid, DEL_INDEX its delegation's number; an item that is neither
            # is refused as a whole (400) rather than echoed back into a result it does not fit
            index = item.get("DEL_INDEX")
            if not isinstance(item.get("APP_UID"), str) or isinstance(index, bool) or not isinstance(index, (int, str)):
                raise _bad("each item of `cases` needs APP_UID (a case's uid) and DEL_INDEX (a number)")
        results = []
        for item in cases:
            app_uid, del_index = item.get("APP_UID"), item.get("DEL_INDEX")
            row = self.db.one("SELECT * FROM cases WHERE app_uid = ?", (app_uid,)) if isinstance(app_uid, str) else None
            # seed 004: per case result; one failure does not interrupt the others
            if row is None or str(del_index) != str(row["del_index"]) or row["app_status"] not in ("TO_DO", "DRAFT"):
                status = "DELEGATION_NOT_EXISTS"
            elif row["paused_from"] is not None:
                status = "The case is paused and can't be reasigned."  # PMSRC (vendor audit F7), translated text
            elif target not in POOL:
                status = "USER_NOT_ASSIGNED_TO_TASK"
            elif target == row["usr_uid"]:
                status = "TARGET_AND_USER_ARE_THE_SAME"
            else:
                status = "SUCCESS"
                with self.db.tx() as conn:
                    self._reassign(conn, row, target, row["usr_uid"])
            results.append({"app_uid": app_uid, "del_index": del_index, "result": int(status == "SUCCESS"),
                            "status": status})
            if status != "SUCCESS" and self.fault("batch-stops-at-first-error"):
                break
        if self.fault("batch-string-without-status"):
            return JSONResponse(json.dumps({"cases": [{k.upper(): v for k, v in r.items() if k != "status"}
                                                      for r in results]}))
        if self.vendor("batch-reassign"):
            # PMSRC BM:3004 `return G::json_encode($dataResponse)`: a JSON string; items BM:3021-3025 in upper case
            upper = [{k.upper(): v for k, v in r.items()} for r in results]
            return JSONResponse(json.dumps({"cases": upper}))
        return JSONResponse({"cases": results})

    def _own_open(self, row, user: str, what: str) -> None:  # noqa: ANN001
        if row["app_status"] not in ("TO_DO", "DRAFT") or row["paused_from"] is not None:
            raise _bad(f"This case delegation is already closed or does not exist ({what} in {row['app_status']})")
        if row["usr_uid"] != user:
            # seed 004: only the currently assigned user may route / pause
            raise _bad(f"The user '{user}' is not assigned to the case '{row['app_uid']}'")

    async def route(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        row = self.case_row(request.path_params["app_uid"])
        self._own_open(row, user, "route")
        if body.get("del_index") not in (None, row["del_index"], str(row["del_index"])):
            raise _bad("This case delegation is already closed or does not exist")  # seed 004 sample
        if self.fault("route-noop"):
            return Response(status_code=200)
        pos = row["task_pos"] + 1
        now = _now()
        with self.db.tx() as conn:
            if pos >= len(PROCESSES[row["pro_uid"]][2]):
                conn.execute("UPDATE cases SET task_pos = ?, app_status = 'COMPLETED', finish_date = ?, update_date = ?"
                             " WHERE app_number = ?", (pos, now, now, row["app_number"]))
            else:
                # the next task goes to the routing user (BALANCED over a pool of one active user)
                tas_title = _task(row["pro_uid"], pos)[1]
                conn.execute(
                    "UPDATE cases SET task_pos = ?, del_index = del_index + 1, app_status = 'TO_DO', usr_uid = ?,"
                    " previous_usr_uid = ?, tas_title = ?, haystack = ?, delegate_date = ?, update_date = ?"
                    " WHERE app_number = ?",
                    (pos, user, user, tas_title, f"{row['app_title']} {tas_title}".lower(), now, now,
                     row["app_number"]))
        return Response(status_code=200)  # seed 004: 200, no return object

    async def pause(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        row = self.case_row(request.path_params["app_uid"])
        self._own_open(row, user, "pause")
        until = body.get("unpaused_date", "")
        if until not in ("", None) and (not isinstance(until, str) or not DATETIME.match(until)):
            # seed 004: "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS", or "" for indefinitely
            raise _bad(f"Invalid value for $unpaused_date: '{until}'")
        if until and self.vendor("unpaused-date") and not DATE.match(until):
            # PMSRC BM:1016 Validator::isDate($unpaused_date, 'Y-m-d') (vendor audit L2)
            raise _bad(f"The value '{until}' is not a valid date for the format 'Y-m-d'.")
        # seed 004: the case becomes PAUSED; PMSRC CC:4082-4091: app_status is kept (vendor audit F4)
        status = "app_status" if self.pause_keeps_status else "'PAUSED'"
        self.db.run(f"UPDATE cases SET app_status = {status}, paused_from = app_status, update_date = ? "
                    "WHERE app_number = ?", (_now(), row["app_number"]))
        return Response(status_code=200)

    async def unpause(self, request: Request, user: str) -> Response:
        await self.body(request)
        row = self.case_row(request.path_params["app_uid"])
        if row["paused_from"] is None:
            raise _bad(f"The case '{row['app_uid']}' is not paused")
        self.db.run("UPDATE cases SET app_status = COALESCE(paused_from, 'TO_DO'), paused_from = NULL, "
                    "update_date = ? WHERE app_number = ?", (_now(), row["app_number"]))
        return Response(status_code=200)  # seed 004: 200, no return object

    async def cancel(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        again = row["app_status"] == "CANCELLED"
        if self.vendor("cancel") and row["app_status"] != "TO_DO" and not (again and self.fault("double-cancel-200")):
            # PMSRC WS:3150 `if ($statusCase !== 'TO_DO')` -> ID_CASE_IN_STATUS (vendor audit F6)
            raise self.refuse(f"This case is in status {row['app_status']}")
        if again and not self.fault("double-cancel-200"):
            raise self.refuse(f"The case '{row['app_uid']}' is already canceled")  # seed 004 sample
        if row["app_status"] in ("COMPLETED", "PAUSED") or row["paused_from"] is not None:
            # seed 004 is silent; PMSRC BM:941: a paused case has no open delegation to cancel from
            raise _bad(f"The case '{row['app_uid']}' cannot be canceled in status {row['app_status']}")
        now = _now()
        self.db.run("UPDATE cases SET app_status = 'CANCELLED', finish_date = ?, update_date = ? WHERE app_number = ?",
                    (now, now, row["app_number"]))
        return Response(status_code=200)  # seed 004: 200, no return value

    async def delete(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        if self.vendor("delete") and not self.fault("delete-any-task"):
            # PMSRC BM:1139-1148: the creator or PM_DELETECASE (the admin's role has it), and DRAFT status only
            if row["init_usr_uid"] != user and user != ADMIN:
                raise _bad("You are not allowed to delete cases, please contact your System Administrator.")
            if row["app_status"] != "DRAFT":
                raise self.refuse("You can't delete the case because it's not in Draft status and was already "
                                  "derivated.")
        elif not self.fault("delete-any-task"):
            # seed 004: only cases in their initial task, by the currently assigned user
            if row["task_pos"] != 0:
                raise self.refuse(f"The case '{row['app_uid']}' is not in its initial task; cancel it instead")
            if row["usr_uid"] not in (user, ""):
                raise _bad(f"The user '{user}' is not assigned to the case '{row['app_uid']}'")
        with self.db.tx() as conn:
            conn.execute("DELETE FROM cases WHERE app_number = ?", (row["app_number"],))
            conn.execute("DELETE FROM participants WHERE app_number = ?", (row["app_number"],))
            conn.execute("DELETE FROM notes WHERE app_uid = ?", (row["app_uid"],))
            conn.execute("DELETE FROM documents WHERE app_uid = ?", (row["app_uid"],))
        return Response(status_code=200)  # seed 004: 200, no response

    async def execute_trigger(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        tri = request.path_params["tri_uid"]
        if tri not in TRIGGERS:
            raise _bad(f"The trigger with $tri_uid: '{tri}' does not exist.")
        if row["usr_uid"] != user:
            # seed 004: only the user assigned to the case can execute the trigger
            raise _bad(f"The user '{user}' is not assigned to the case '{row['app_uid']}'")
        variables = json.loads(row["variables"])
        variables["dueDate"] = (dt.date.today() + dt.timedelta(days=7)).isoformat()  # seed 004 sample trigger
        self.db.run("UPDATE cases SET variables = ? WHERE app_number = ?", (json.dumps(variables), row["app_number"]))
        return Response(status_code=200)

    # -- variables and notes (VF) ------------------------------------------------------------------------
    async def variables(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        return JSONResponse(json.loads(row["variables"]))

    async def put_variables(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        row = self.case_row(request.path_params["app_uid"])
        variables = json.loads(row["variables"])
        variables.update(body)
        self.db.run("UPDATE cases SET variables = ? WHERE app_number = ?", (json.dumps(variables), row["app_number"]))
        return Response(status_code=200)

    def _notes(self, app_uid: str) -> list[dict[str, Any]]:
        return [{"app_uid": n["app_uid"], "usr_uid": n["usr_uid"], "note_date": n["note_date"],
                 "note_content": n["note_content"]}
                for n in self.db.all("SELECT * FROM notes WHERE app_uid = ? ORDER BY rowid DESC", (app_uid,))]

    async def notes(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        return JSONResponse(self._notes(row["app_uid"]))

    async def notes_paged(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        params = request.query_params
        start, limit = self._int(params, "start"), self._int(params, "limit")
        # VF PMSRC (case notes): start 0 and 1 both mean the first note, beyond that a 0-based offset
        offset = 0 if start in (None, 0, 1) else start
        size = 25 if limit is None else limit  # as the case lists: default 25 (seed 004), 0 = no limit (PMSRC)
        notes = self._notes(row["app_uid"])
        shown = notes[offset:] if size == 0 else notes[offset:offset + size]
        return JSONResponse({"total": len(notes), "start": 1 if start is None else start, "limit": size,
                             "data": shown})

    async def add_note(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        row = self.case_row(request.path_params["app_uid"])
        if not isinstance(body.get("note_content"), str) or not body["note_content"]:
            raise _bad("`note_content` is required but missing.")
        self.db.run("INSERT INTO notes VALUES (?, ?, ?, ?)", (row["app_uid"], body["note_content"], user, _now()))
        return Response(status_code=200)

    # -- input documents (VF: list, multipart upload with file field `form`, delete by del_index) -------------
    @staticmethod
    def _document(d) -> dict[str, Any]:  # noqa: ANN001
        return {"app_doc_uid": d["app_doc_uid"], "app_doc_filename": d["filename"], "doc_uid": d["inp_doc_uid"],
                "app_doc_version": "1", "app_doc_create_date": d["create_date"], "app_doc_create_user": d["usr_uid"],
                "app_doc_type": "INPUT", "app_doc_index": str(d["del_index"]), "app_doc_link": ""}

    async def input_documents(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        return JSONResponse([self._document(d) for d in self.db.all(
            "SELECT * FROM documents WHERE app_uid = ? ORDER BY rowid", (row["app_uid"],))])

    async def upload_input_document(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise _bad("the request must be multipart/form-data with the file in `form`")  # VF
        try:
            form = await request.form(max_files=5, max_fields=20)
        except Exception:  # starlette raises its own parse errors for a broken multipart body
            raise _bad("the multipart body could not be parsed") from None
        upload, tas, inp, comment = (form.get(k) for k in ("form", "tas_uid", "inp_doc_uid", "app_doc_comment"))
        await form.close()
        if upload is None or isinstance(upload, str):
            raise _bad("`form` is required: the file to upload")  # VF: file field `form`
        for key, value in (("tas_uid", tas), ("inp_doc_uid", inp)):
            if not isinstance(value, str) or not value:
                raise _bad(f"`{key}` is required but missing.")  # VF: the upload names both
        # an unknown uid is refused like any other (seed 004: 400 "The ... with $..._uid: '...' does not exist.")
        if tas not in {t for t, _ in PROCESSES[row["pro_uid"]][2]}:
            raise _bad(f"The task with $tas_uid: '{tas}' does not exist.")
        if inp not in INPUT_DOCUMENTS:
            raise _bad(f"The input document with $inp_doc_uid: '{inp}' does not exist.")
        doc = {"app_doc_uid": _uid(), "app_uid": row["app_uid"], "del_index": row["del_index"], "inp_doc_uid": inp,
               "filename": upload.filename or "upload", "comment": comment if isinstance(comment, str) else "",
               "usr_uid": user, "create_date": _now()}
        self.db.run("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", tuple(doc.values()))
        return JSONResponse(self._document(doc))  # VF: 200 (no explicit 201) with the uploaded document

    async def delete_input_document(self, request: Request, user: str) -> Response:
        row = self.case_row(request.path_params["app_uid"])
        uid = request.path_params["app_doc_uid"]
        doc = self.db.one("SELECT * FROM documents WHERE app_doc_uid = ? AND app_uid = ?", (uid, row["app_uid"]))
        if doc is None or request.path_params["del_index"] != str(doc["del_index"]):
            raise _bad(f"The input document with $app_doc_uid: '{uid}' does not exist.")
        self.db.run("DELETE FROM documents WHERE app_doc_uid = ?", (uid,))
        return Response(status_code=200)

    # -- token --------------------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        return await self.tokens.handle(request)

    def app(self) -> Starlette:
        e = self.endpoint
        routes = [Route(TOKEN_PATH, self.token, methods=["POST"])]
        for kind in LISTS:
            path = BASE + ("/cases" if kind == "todo" else f"/cases/{kind}")
            routes.append(Route(path, e(self.listing(kind, False)), methods=["GET"], name=f"list-{kind}"))
            routes.append(Route(path + "/paged", e(self.listing(kind, True)), methods=["GET"],
                                name=f"list-{kind}-paged"))
        routes += [
            Route(BASE + "/cases", e(self.create), methods=["POST"]),
            Route(BASE + "/cases/impersonate", e(self.impersonate), methods=["POST"]),
            Route(BASE + "/cases/reassign", e(self.batch_reassign), methods=["POST"]),
            Route(BASE + "/case/start-cases", e(self.start_cases), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}", e(self.get_case), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}", e(self.delete), methods=["DELETE"]),
            Route(BASE + "/cases/{app_uid}/current-task", e(self.current_task), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}/tasks", e(self.tasks), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}/reassign-case", e(self.reassign_case), methods=["PUT"]),
            Route(BASE + "/cases/{app_uid}/route-case", e(self.route), methods=["PUT"]),
            Route(BASE + "/cases/{app_uid}/cancel", e(self.cancel), methods=["PUT"]),
            Route(BASE + "/cases/{app_uid}/pause", e(self.pause), methods=["PUT"]),
            Route(BASE + "/cases/{app_uid}/unpause", e(self.unpause), methods=["PUT"]),
            Route(BASE + "/cases/{app_uid}/execute-trigger/{tri_uid}", e(self.execute_trigger), methods=["PUT"]),
            Route(BASE + "/cases/{app_uid}/variables", e(self.variables), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}/variable", e(self.put_variables), methods=["PUT"]),
            Route(BASE + "/cases/{app_uid}/notes", e(self.notes), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}/notes/paged", e(self.notes_paged), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}/note", e(self.add_note), methods=["POST"]),
            Route(BASE + "/cases/{app_uid}/input-documents", e(self.input_documents), methods=["GET"]),
            Route(BASE + "/cases/{app_uid}/input-document", e(self.upload_input_document), methods=["POST"]),
            Route(BASE + "/cases/{app_uid}/{del_index}/input-document/{app_doc_uid}", e(self.delete_input_document),
                  methods=["DELETE"]),
        ]
        async def not_found(request: Request, exc: Exception) -> Response:
            status = getattr(exc, "status_code", 404)
            return self.error(status, "Not Found" if status == 404 else "Method Not Allowed")

        app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
        list_paths = {BASE + ("/cases" if k == "todo" else f"/cases/{k}") + s for k in LISTS for s in ("", "/paged")}
        inner = app

        async def marker(scope, receive, send):  # noqa: ANN001
            # tells the auth guard which requests are list reads (fault auth-optional-lists)
            if scope["type"] == "http" and scope["path"].rstrip("/") in list_paths:
                scope["route_kind"] = "list"
            await inner(scope, receive, send)

        if self.config.chaos:
            return ChaosMiddleware(marker, self.config.chaos, spare=(TOKEN_PATH,))  # type: ignore[return-value]
        return marker  # type: ignore[return-value]


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    return ProcessMakerEmulator(config or EmulatorConfig()).app()


def seed_seconds(cases: int) -> float:
    """Time to build an emulator with `cases` seeded cases (the scale figure of the report)."""
    started = time.perf_counter()
    ProcessMakerEmulator(EmulatorConfig(cases=cases))
    return time.perf_counter() - started
