"""ProcessMaker 3 operations as the suite uses them, on top of the instrumented Session.

Every case the suite creates carries the run tag in a case variable
(`conformance_run`; ProcessMaker titles cases itself, "#<number>", seed 004) and is
put in the ledger with ProcessMaker's own retirement rule: DELETE while in its
initial task, otherwise cancel (seed 004 Delete Case: "For all other cases, it is
recommended to cancel them"), unpausing first when paused.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from conformance.checks import violate
from conformance.checks.processmaker_3 import app_number, pm_bare_array
from conformance.failures import PreconditionFailed
from conformance.http import Exchange, Session
from conformance.ledger import Ledger
from conformance.target import Target

# seed 004: the six lists (each with a /paged twin)
LIST_PATHS = {
    "todo": "/cases", "draft": "/cases/draft", "participated": "/cases/participated",
    "unassigned": "/cases/unassigned", "paused": "/cases/paused", "advanced-search": "/cases/advanced-search",
}
SORT_NUMBER = "APP_CACHE_VIEW.APP_NUMBER"  # seed 004 default sort field
# seed 004: `sort` is "the field in the wf_<WORKSPACE>.APP_CACHE_VIEW table"; the default APP_NUMBER and the
# example APP_UPDATE_DATE are documented by name (they must be served); the others are APP_CACHE_VIEW columns
# whose lowercase names are case object members (seed 004 Case Object: app_create_date, del_delegate_date,
# app_title), so a server may refuse them (4xx) but never fail on them (5xx)
SORT_DOCUMENTED = (SORT_NUMBER, "APP_CACHE_VIEW.APP_UPDATE_DATE")
SORT_FIELDS = (*SORT_DOCUMENTED, "APP_CACHE_VIEW.APP_CREATE_DATE", "APP_CACHE_VIEW.DEL_DELEGATE_DATE",
               "APP_CACHE_VIEW.APP_TITLE")
CLOSED = ("COMPLETED", "CANCELLED", "DELETED")
# Every list request names its `limit`: the 3.5.8 server has no default (Api:228 `$limit = 0`, no LIMIT at all;
# vendor audit F1), so a request without one downloads the whole list. Only PM-PAGE-001 leaves it out, on purpose
# and on a list it has first counted (pass limit=None for that).
LIMIT = 25
# unknown-case answers: seed 004 400, a 404 admitted, the 3.5.8 server 403 on GET /cases/{app_uid}
# (AccessControl, AC:59; vendor audit F3)
GONE = (400, 403, 404)


def seg(value: str) -> str:
    return quote(value, safe="")


def ok(ex: Exchange) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


class PmApi:
    def __init__(self, session: Session, target: Target, ledger: Ledger, tag: str) -> None:
        self.s = session
        self.target = target
        self.fx = target.fixtures
        self.ledger = ledger
        self.tag = tag

    # -- lists ------------------------------------------------------------------------------
    def list(self, kind: str, params: dict[str, Any] | None = None, paged: bool = False, **kw: Any) -> Exchange:
        path = LIST_PATHS[kind] + ("/paged" if paged else "")
        clean = {k: v for k, v in {"limit": LIMIT, **(params or {})}.items() if v is not None}
        return self.s.request("GET", path, params=clean, **kw)

    def page(self, kind: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], Exchange]:
        """A page object (seed 004) the test needs; anything else means it cannot go on."""
        ex = self.list(kind, params, paged=True)
        body = ex.json()
        if ex.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list) \
                or not all(isinstance(c, dict) for c in body["data"]):
            # the page object of a documented list (seed 004): a server that cannot serve one breaks PM-SCHEMA-001
            raise PreconditionFailed(f"could not read a page of {kind} with {params}: {ex.summary()}", "PM-SCHEMA-001",
                                     [ex.id], operation=f"GET {LIST_PATHS[kind]}/paged", detail=f"status {ex.status}")
        return body, ex

    def bare(self, kind: str, params: dict[str, Any] | None = None, strict: bool = True) -> tuple[list[dict], Exchange]:
        """A non-paged list. `strict`: a 200 that is not a bare array is a PM-LIST-001 finding."""
        ex = self.list(kind, params)
        if ex.status != 200:
            raise PreconditionFailed(f"could not read the {kind} list with {params}: {ex.summary()}", "PM-LIST-001",
                                     [ex.id], operation=f"GET {LIST_PATHS[kind]}", detail=f"status {ex.status}")
        if strict:
            pm_bare_array(ex)
        body = ex.json()
        if not isinstance(body, list) or not all(isinstance(c, dict) for c in body):
            # seed 004: "an array of case objects" (PM-LIST-001 owns it)
            raise PreconditionFailed(f"the {kind} list is not an array of case objects: {ex.summary()}", "PM-LIST-001",
                                     [ex.id], operation=f"GET {LIST_PATHS[kind]}", detail="not an array")
        return body, ex

    def newest(self, kind: str, extra: dict[str, Any] | None = None, paged: bool = False) -> tuple[list[int], Exchange]:
        """app_numbers at the top of a list by explicit app_number DESC, in the fixture process: where a
        case this run just created must be (seed 004: newer cases have higher numbers)."""
        params = {"pro_uid": self.fx.process_uid, "sort": SORT_NUMBER, "dir": "DESC", "limit": 100, **(extra or {})}
        if paged:
            page, ex = self.page(kind, params)
            cases = page["data"]
        else:
            cases, ex = self.bare(kind, params, strict=False)
        return [n for n in (app_number(c) for c in cases) if n is not None], ex

    def listed(self, kind: str, number: int, extra: dict[str, Any] | None = None) -> tuple[list[bool], list[Exchange]]:
        """Whether a case shows in a list and in its /paged twin (both must agree with the lifecycle)."""
        flags, exchanges = [], []
        for paged in (False, True):
            numbers, ex = self.newest(kind, extra, paged)
            flags.append(number in numbers)
            exchanges.append(ex)
        return flags, exchanges

    # -- cases -------------------------------------------------------------------------------
    def create(self, body: Any = None, **kw: Any) -> Exchange:
        payload = body if body is not None else {
            "pro_uid": self.fx.process_uid, "tas_uid": self.fx.task_uid,
            # seed 004 "Format of Variables": an object of variables inside an array
            "variables": [{"conformance_run": self.tag}],
        }
        if isinstance(payload, (bytes, str)):
            ex = self.s.request("POST", "/cases", content=payload, headers={"Content-Type": "application/json"}, **kw)
        else:
            ex = self.s.request("POST", "/cases", json_body=payload, **kw)
        self.track(ex)
        return ex

    def track(self, ex: Exchange) -> None:
        """Record a case a response says was created, whatever the test expected."""
        body = ex.json()
        if ok(ex) and isinstance(body, dict) and isinstance(body.get("app_uid"), str):
            app_uid = body["app_uid"]
            self.ledger.add("case", app_uid, lambda: self.retire(app_uid))

    def new_case(self) -> tuple[str, int, Exchange]:
        ex = self.create()
        body = ex.json()
        number = app_number(body) if isinstance(body, dict) else None
        if not ok(ex) or not isinstance(body, dict) or not isinstance(body.get("app_uid"), str) or number is None:
            # seed 004 New Case: 200 {app_uid, app_number}; the target declares the process and task (PM-LIFE-001)
            raise PreconditionFailed(f"could not create a case to test with: {ex.summary()}", "PM-LIFE-001", [ex.id],
                                     operation="POST /cases", detail=f"status {ex.status}")
        return body["app_uid"], number, ex

    def get(self, app_uid: str, **kw: Any) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(app_uid)}", **kw)

    def info(self, app_uid: str) -> tuple[dict[str, Any], Exchange]:
        ex = self.get(app_uid)
        body = ex.json()
        if ex.status != 200 or not isinstance(body, dict):
            # a case of the caller that exists (this run created it, or a list of the caller shows it): PM-LIFE-001
            raise PreconditionFailed(f"could not read case {app_uid}: {ex.summary()}", "PM-LIFE-001", [ex.id],
                                     operation="GET /cases/{app_uid}", detail=f"status {ex.status}")
        return body, ex

    @staticmethod
    def current(info: dict[str, Any]) -> dict[str, Any]:
        """The case's (first) current task of GET /cases/{app_uid} (seed 004 sample), or {}."""
        tasks = info.get("current_task")
        if isinstance(tasks, dict):  # seed 004 prints it as a parenthesised list; some servers send an object
            tasks = list(tasks.values()) if all(isinstance(t, dict) for t in tasks.values()) else [tasks]
        first = tasks[0] if isinstance(tasks, list) and tasks else {}
        return first if isinstance(first, dict) else {}

    @staticmethod
    def paused(info: dict[str, Any]) -> bool:
        """Whether case information shows a paused case: app_status PAUSED (seed 004), or the 3.5.8 server's
        paused delegation, listed with delStatus PAUSED (WS:1097-1123; its app_status stays, vendor audit F4)."""
        tasks = info.get("current_task")
        items = tasks if isinstance(tasks, list) else [tasks]
        return info.get("app_status") == "PAUSED" or any(
            isinstance(t, dict) and t.get("delStatus") == "PAUSED" for t in items)

    def del_index(self, info: dict[str, Any]) -> int | None:
        try:
            return int(str(self.current(info).get("del_index")))
        except ValueError:
            return None

    def put(self, app_uid: str, action: str, body: dict[str, Any] | None = None, **kw: Any) -> Exchange:
        return self.s.request("PUT", f"/cases/{seg(app_uid)}/{action}", json_body=body if body is not None else {},
                              **kw)

    def route(self, app_uid: str) -> Exchange:
        return self.put(app_uid, "route-case")

    def pause(self, app_uid: str) -> Exchange:
        return self.put(app_uid, "pause", {"unpaused_date": ""})  # seed 004: "" = paused indefinitely

    def unpause(self, app_uid: str) -> Exchange:
        return self.put(app_uid, "unpause")

    def cancel(self, app_uid: str) -> Exchange:
        return self.put(app_uid, "cancel")

    def current_task(self, app_uid: str) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(app_uid)}/current-task")

    def reassign(self, app_uid: str, source: str, target: str) -> Exchange:
        return self.put(app_uid, "reassign-case", {"usr_uid_source": source, "usr_uid_target": target})

    def batch_reassign(self, items: list[tuple[str, int]], target: str) -> Exchange:
        body = {"cases": [{"APP_UID": a, "DEL_INDEX": d} for a, d in items], "usr_uid_target": target}
        return self.s.request("POST", "/cases/reassign", json_body=body)

    def delete(self, app_uid: str) -> Exchange:
        return self.s.request("DELETE", f"/cases/{seg(app_uid)}")

    # -- cleanup -----------------------------------------------------------------------------
    def retire(self, app_uid: str) -> tuple[bool, str]:
        """DELETE in the initial task; otherwise cancel (unpausing first), as seed 004 recommends.

        The 3.5.8 server (vendor audit M14): a case it does not show answers 403 (F3); a paused case keeps
        its app_status and shows the pause in current_task's delStatus (F4), and cannot be cancelled until
        unpaused (BM:941); DELETE takes any DRAFT case of its creator (BM:1139-1148)."""
        ex = self.get(app_uid)
        body = ex.json()
        if ex.status in GONE:
            return True, f"already gone ({ex.status})"
        status = body.get("app_status") if isinstance(body, dict) else None
        if status in CLOSED:
            return True, f"already closed ({status})"
        deleted = self.delete(app_uid)
        if ok(deleted):
            return True, "deleted"
        if isinstance(body, dict) and self.paused(body):
            self.unpause(app_uid)
        cancelled = self.cancel(app_uid)
        if ok(cancelled):
            return True, f"cancelled (DELETE answered {deleted.status})"
        return False, f"DELETE answered {deleted.status}, cancel answered {cancelled.status}"


def batch_results(ex: Exchange) -> dict[str, dict[str, Any]] | None:
    """Per-case results of POST /cases/reassign by app_uid, or None when the body has none.

    seed 004 shows two shapes: `{"cases": [{app_uid, del_index, result, status}]}` (error samples) and
    a JSON *string* holding `{"cases": {"0": {...}, "USR_UID": {...}}}` (success sample); the 3.5.8 server
    always sends the string, with items {APP_UID, DEL_INDEX, RESULT, STATUS} (BM:3004, BM:3021-3025;
    vendor audit F7). All are read; each item comes back with lower-case keys."""
    body = ex.json()
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    cases = body.get("cases") if isinstance(body, dict) else None
    items = list(cases.values()) if isinstance(cases, dict) else cases
    if not isinstance(items, list):
        return None
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, dict):
            item = {str(k).lower(): v for k, v in item.items()}
            uid = item.get("app_uid")
            if isinstance(uid, str):
                out[uid] = item
    return out


def replaying(run) -> None:  # noqa: ANN001
    """Run a hypothesis test; a server whose answers change between hypothesis' replays makes the
    data generation inconsistent, which says nothing about the contract: could not run."""
    from hypothesis.errors import FlakyFailure, FlakyStrategyDefinition

    try:
        run()
    except FlakyStrategyDefinition as exc:
        raise PreconditionFailed(f"the server answered differently when hypothesis replayed a run: {exc}") from None
    except FlakyFailure:
        raise  # holds the violation found the first time


def require(condition: bool, requirement: str, message: str, *exchanges: Exchange) -> None:
    if not condition:
        raise violate(requirement, message, *exchanges)
