"""The passive checks of each API: what one exchange, or a sequence of them, shows of a requirement.

Each judge is a conformance.traffic.Judge: the schema, credentials and malformed-body judgements
come from the base class; here each API adds the checks its requirements allow on traffic it did
not send. A check that exists in conformance/checks is called as it is (the active suites call
the same function); the others cite the source line of the behaviour they enforce. Nothing here
knows what the client meant to do: a check judges only what the exchanges themselves show
(a stale If-Match is one older than an eTag the traffic already saw for that case; a page walk
is pages of one list whose `start` advances by `limit`).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from typing import Any, Iterable
from urllib.parse import urlsplit

from conformance.checks import violate
from conformance.checks.ibm_caserest_v1 import ibm_error_body
from conformance.checks.pega import (error_body_has_details, error_body_v2, etag_is_pega_timestamp,
                                     etag_matches_last_update_time, etag_stamp)
from conformance.checks.processmaker_3 import app_number, order_problem, pm_bare_array, pm_error_object
from conformance.contract import Operation
from conformance.traffic import Judge, TrafficExchange
from conformance.traffic_pega import PegaSequences

MEMORY = 100_000  # resources each judge remembers (cases, attachments, walks), oldest forgotten first


class _Bounded(OrderedDict):
    """A dict that forgets its oldest keys past MEMORY, so state stays flat however long the traffic."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > MEMORY:
            self.popitem(last=False)


def _ok(ex: TrafficExchange) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


def _dig(body: Any, *keys: str) -> Any:
    for key in keys:
        body = body.get(key) if isinstance(body, dict) else None
    return body


def _header_param(op: Operation, name: str) -> dict[str, Any] | None:
    """The operation's (or its path's) header parameter `name`, resolved; None when it declares none."""
    item = op.contract.document["paths"][op.path]
    for raw in [*(op.definition.get("parameters") or []), *(item.get("parameters") or [])]:
        param = op.contract.resolve(raw)
        if param.get("in") == "header" and str(param.get("name", "")).lower() == name.lower():
            return param
    return None


# =========================================================================== Pega DX v2


class PegaJudge(PegaSequences, Judge):
    """Pega DX v2. Sources: seed 000 (eTag = lastUpdateTime, If-Match round trip, create 201), seed 001
    (attachments, error body), vendor-facts "Pega DX API v2" (VF: SW table, error body v2, data views)."""

    api = "pega-dx-v2"
    schema_requirement = "PEGA-SCHEMA-001"
    auth_requirement = "PEGA-AUTH-001"
    malformed_requirement = "PEGA-ERR-002"  # "not JSON, or JSON of the wrong shape": any schema problem
    malformed_statuses = frozenset({400, 422})  # VF SW: POST /cases and action PATCHes list 400 and 422
    # the operations the requirement's source speaks of (other operations' bodies the server may take as it likes:
    # the emulator, like a server, names an attachment by its upload when the given name is no string)
    malformed_operations = frozenset({"POST /cases", "PATCH /cases/{caseID}/actions/{actionID}",
                                      "PATCH /assignments/{assignmentID}/actions/{actionID}"})

    def __init__(self, contract: Any) -> None:
        super().__init__(contract)
        self.latest: _Bounded = _Bounded()  # case -> (stamp, finished epoch or None, exchange id that showed it)
        self.pending: _Bounded = _Bounded()  # case -> (stamp a successful write answered, its exchange)
        self.refreshed: _Bounded = _Bounded()  # case -> (stamp the refresh was sent with, its exchange)
        self.cases: _Bounded = _Bounded()  # cases the traffic showed existing
        self.deleted: _Bounded = _Bounded()  # attachment ID -> the DELETE that removed it
        self.walks: _Bounded = _Bounded()  # data view walk -> (pageNumber, rows, exchange)
        self._if_match: dict[str, str | None] = {}
        self.winners: _Bounded = _Bounded()  # (case, If-Match stamp) -> the write that succeeded with it
        self.init_sequences()  # conformance.traffic_pega: a write or an add held against a later read
        self.produced: _Bounded = _Bounded()  # (case, eTag stamp) -> the successful write that answered it

    # ------------------------------------------------------------------ helpers

    def if_match(self, op: Operation) -> str | None:
        """"required", "optional" or None: how the operation takes If-Match (the spec's IfMatch parameters)."""
        key = f"{op.method} {op.path}"
        if key not in self._if_match:
            param = _header_param(op, "If-Match")
            self._if_match[key] = None if param is None else ("required" if param.get("required") else "optional")
        return self._if_match[key]

    def case_of(self, ex: TrafficExchange, body: Any) -> str | None:
        """The case an exchange is about: the body's caseInfo.ID (or a create's ID), the caseID in the path, or
        the case key inside an assignment ID ("ASSIGN-WORKLIST <case>!<FLOW>", VF)."""
        found = _dig(body, "data", "caseInfo", "ID") or (_dig(body, "ID") if ex.method == "POST" else None)
        if isinstance(found, str) and found:
            return found
        if "caseID" in ex.params:
            return ex.params["caseID"]
        assignment = ex.params.get("assignmentID", "")
        if " " in assignment:
            return assignment.split(" ", 1)[1].split("!", 1)[0].strip() or None
        return None

    def saw(self, case: str, stamp: str, ex: TrafficExchange) -> None:
        have = self.latest.get(case)
        if have is None or stamp >= have[0]:
            self.latest[case] = (stamp, ex.finished, ex.id)

    def known_before(self, case: str, ex: TrafficExchange) -> tuple[str, str] | None:
        """(stamp, exchange id) of the newest eTag of `case` the traffic showed before this request started
        (with HAR timings: an answer that finished before it; in an exchange log: an earlier line)."""
        have = self.latest.get(case)
        if have is None:
            return None
        stamp, finished, shown_by = have
        if ex.started is not None and finished is not None and finished > ex.started:
            return None  # answered while this request was on its way: concurrent, not "already seen"
        return stamp, shown_by

    # ------------------------------------------------------------------ judging

    def judge(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        body = self.body(ex)
        case = self.case_of(ex, body)
        # before the locking checks note this answer's eTag: a release compares with the eTag before it
        self.judge_sequences(ex, key, body, case)
        etag = ex.header("ETag")
        if etag is not None:
            # an ETag, wherever one is sent, is a Pega timestamp (the suite's pega_etag_header check; seed 000)
            self.apply("etag_is_pega_timestamp", "PEGA-ETAG-001", key, etag_is_pega_timestamp, ex)
        if key == "GET /cases/{caseID}" and ex.status == 200:
            # seed 000: etag "20250117T144833.923 GMT" for lastUpdateTime 2025-01-17T14:48:33.923Z
            if etag is None:
                self.apply("etag_is_pega_timestamp", "PEGA-ETAG-001", key, etag_is_pega_timestamp, ex)
            elif body is not None:
                self.apply("etag_matches_last_update_time", "PEGA-ETAG-001", key, etag_matches_last_update_time, ex)
        self.judge_errors(ex, key)
        if key == "POST /cases":
            self.judge_create(ex, body, key)
        if key == "GET /assignments/{assignmentID}" and ex.status == 200:
            # VF SW: GET /assignments/{ID} 200 + ETag
            self.require(etag is not None, "assignment_opens_with_etag", "PEGA-ASSIGN-001", key,
                         "GET /assignments/{assignmentID} answered 200 without an ETag", ex)
        if case is not None:
            self.judge_locking(ex, op, key, case, etag)
            if _ok(ex) and ex.method in ("GET", "POST"):
                self.cases[case] = True
        if key == "GET /cases/{caseID}/stages" and case is not None:
            self.judge_stages(ex, key, case)
        if key.startswith(("POST /attachments/upload", "DELETE /attachments/", "GET /attachments/",
                           "GET /cases/{caseID}/attachments")):
            self.judge_attachments(ex, key, body, case)
        if key == "POST /data_views/{dataViewID}":
            self.judge_data_view(ex, key, body)
        if key == "GET /cases/{caseID}/attachment_categories" and ex.status == 200 and isinstance(body, dict):
            from conformance.suites.pega_dx_v2.test_attachments import FLAGS

            # seed 001 categories sample: canCreate, canView, canEdit, canDeleteOwn, canDeleteAll
            cats = body.get("attachment_categories")
            for cat in cats if isinstance(cats, list) else []:
                bad = [f for f in FLAGS if str(cat.get(f)).lower() not in ("true", "false")] \
                    if isinstance(cat, dict) else list(FLAGS)
                if not self.require(not bad, "categories_carry_flags", "PEGA-ATT-011", key,
                                    f"a category lacks the permission flags {', '.join(bad)}", ex):
                    break
        if key == "DELETE /cases/{caseID}" and _ok(ex) and case is not None:
            self.cases.pop(case, None)

    def judge_errors(self, ex: TrafficExchange, key: str) -> None:
        if not ex.body_known:
            return
        # the suite's pega_error_body check: 404 answers carry the v2 error body (PEGA-ERR-001), 400/422 too (-002)
        if ex.status == 404:
            self.apply("error_body_v2", "PEGA-ERR-001", key, error_body_v2, ex, "PEGA-ERR-001")
        elif ex.status in (400, 422):
            self.apply("error_body_v2", "PEGA-ERR-002", key, error_body_v2, ex, "PEGA-ERR-002")
        if ex.status in (400, 404, 422) and isinstance(ex.json(), dict):
            # VF: Pega's own UI reads errorDetails[0].localizedValue; seed 001 (403 sample) shows it filled
            self.apply("error_body_has_details", "PEGA-ERR-003", key, error_body_has_details, ex)

    def judge_create(self, ex: TrafficExchange, body: Any, key: str) -> None:
        """VF SW table: POST /cases -> 201, headers Location + ETag (the suite's test_cases, PEGA-CASE-001)."""
        if not _ok(ex):
            return
        check = "create_answers_201_with_etag_and_location"
        if not self.require(ex.status == 201, check, "PEGA-CASE-001", key,
                            f"POST /cases: expected 201, got {ex.status}", ex):
            return
        case_id = body.get("ID") if isinstance(body, dict) else None
        location = ex.header("Location")
        if body is not None and not (isinstance(case_id, str) and case_id):
            self.require(False, check, "PEGA-CASE-001", key, "201 body carries no case ID", ex)
        elif not (ex.header("ETag") or "").strip():
            self.require(False, check, "PEGA-CASE-001", key, "201 without an ETag header", ex)
        elif not location:
            self.require(False, check, "PEGA-CASE-001", key, "201 without a Location header", ex)
        else:
            from urllib.parse import unquote, urlsplit

            named = not isinstance(case_id, str) or case_id in unquote(location)
            if self.require(named, check, "PEGA-CASE-001", key,
                            f"Location {location!r} does not name case {case_id!r}", ex):
                self.observe("PEGA-CASE-001", "location_form", "absolute" if urlsplit(location).scheme else "path")

    def judge_locking(self, ex: TrafficExchange, op: Operation, key: str, case: str, etag: str | None) -> None:
        """eTag optimistic locking (VF: If-Match required, 409/412 on a mismatch, 428 without; seed 000)."""
        answered = etag_stamp(etag)
        mode = self.if_match(op) if op.method != "GET" else None
        refresh = op.path.endswith("/refresh")
        sent_raw = ex.request_header("If-Match")
        sent = etag_stamp(sent_raw)
        if mode is not None:
            # the operation's own requirement where it has one: navigation back (NAV-001), a step jump (NAV-002),
            # the recalculations (RECALC-001, stale and missing If-Match alike); every other write ETAG-003/004
            stale_req = ("PEGA-NAV-001" if op.path.endswith("/navigation_steps/previous") else "PEGA-NAV-002"
                         if "/navigation_steps/" in op.path else "PEGA-RECALC-001" if op.path.endswith("/recalculate")
                         else "PEGA-ETAG-003")
            missing_req = "PEGA-RECALC-001" if op.path.endswith("/recalculate") else "PEGA-ETAG-004"
            if sent_raw is None:
                # a refresh commits nothing (PEGA-REFRESH-001), so it is no write that If-Match must guard
                if mode == "required" and ex.status is not None and not refresh:
                    if _ok(ex):
                        self.failed("missing_if_match_refused", key, violate(
                            missing_req, f"{key} without If-Match: applied ({ex.status}), expected a refusal "
                                             "(428, or 403 Pega_API_020)", ex))
                    elif ex.status in (428, 403):
                        self.passed("missing_if_match_refused", missing_req, key, ex)
                        self.observe(missing_req, "missing_if_match_status", ex.status)
            elif sent is not None and not refresh:
                before = self.known_before(case, ex)
                # an answer with the very eTag the traffic showed is this write's own result seen early by a
                # concurrent read, unless another write had already answered that eTag (then this one is stale: a
                # refused-then-accepted navigation back or recalculation answers the current eTag, committing nothing)
                if before is not None and sent < before[0] and (answered != before[0]
                                                                 or (case, before[0]) in self.produced):
                    # a write whose If-Match is older than an eTag the traffic already saw for the case
                    if _ok(ex):
                        self.failed("stale_if_match_refused", key, violate(
                            stale_req, f"{key} with a stale If-Match (older than the eTag {before[1]} showed for the "
                                       f"case) was applied: {ex.status}, expected 409 or 412", ex,
                            detail=f"{key} with a stale If-Match was applied: {ex.status}"))
                    elif ex.status in (409, 412):
                        self.passed("stale_if_match_refused", stale_req, key, ex)
                        self.observe(stale_req, "stale_if_match_status", ex.status)
                if _ok(ex) and key in self.ADVANCING:
                    # of writers holding the same eTag exactly one may win (PEGA-ETAG-005; VF eTag locking)
                    winner = self.winners.get((case, sent))
                    if winner is not None:
                        self.failed("one_writer_wins", key, violate(
                            "PEGA-ETAG-005", f"{key}: two writes with the same If-Match both succeeded "
                                             f"({winner.id} and this one)", winner, ex,
                            detail=f"{key}: two writes with the same If-Match both succeeded"))
                    self.winners[(case, sent)] = ex
                elif ex.status in (409, 412) and (case, sent) in self.winners:
                    self.passed("one_writer_wins", "PEGA-ETAG-005", key, ex)
                if _ok(ex) and answered is not None and answered != sent:
                    self.produced[(case, answered)] = ex
                if _ok(ex) and answered is not None and key in self.ADVANCING:
                    # VF SW: the write answers 200 + a new ETag (PEGA-ETAG-002)
                    if self.require(answered != sent, "write_answers_new_etag", "PEGA-ETAG-002", key,
                                    f"{key} succeeded with If-Match {sent_raw} and answered the same eTag", ex):
                        self.pending[case] = (answered, ex)
                    self.refreshed.pop(case, None)
            elif refresh and sent is not None and _ok(ex):
                # a refresh recalculates, it does not save: the eTag after it is the one before (PEGA-REFRESH-001)
                if self.require(answered is None or answered == sent, "refresh_does_not_commit", "PEGA-REFRESH-001",
                                key, f"{key} answered eTag {etag}, not the {sent_raw} it was sent with (it committed)",
                                ex):
                    self.refreshed[case] = (sent, ex)
        if key == "GET /cases/{caseID}" and ex.status == 200 and answered is not None:
            pending = self.pending.pop(case, None)
            if pending is not None and answered <= pending[0]:
                # VF SW + seed 000: the new eTag a write answered is what a following GET shows
                self.require(answered == pending[0], "following_get_shows_new_etag", "PEGA-ETAG-002", key,
                             f"GET shows eTag {etag}, older than the {pending[0]} GMT the write {pending[1].id} "
                             "answered", pending[1], ex)
            refreshed = self.refreshed.pop(case, None)
            if refreshed is not None and pending is None:
                self.require(answered <= refreshed[0], "refresh_does_not_commit", "PEGA-REFRESH-001", key,
                             f"after the refresh {refreshed[1].id} and no write, GET shows a newer eTag {etag}",
                             refreshed[1], ex)
        if answered is not None:
            self.saw(case, answered, ex)

    def judge_stages(self, ex: TrafficExchange, key: str, case: str) -> None:
        # VF SW: GET /cases/{caseID}/stages | 200 for a case that exists
        if ex.status == 200:
            self.passed("stages_listed", "PEGA-STAGE-001", key, ex)
        elif ex.status == 404 and case in self.cases:
            self.failed("stages_listed", key, violate(
                "PEGA-STAGE-001", "GET /cases/{caseID}/stages answered 404 for a case the traffic showed existing",
                ex))

    def judge_attachments(self, ex: TrafficExchange, key: str, body: Any, case: str | None) -> None:
        att = ex.params.get("attachmentID")
        if key == "POST /attachments/upload" and _ok(ex) and ex.request_body_known \
                and b'name="context"' not in ex.request_body and b"multipart/" in \
                (ex.request_header("Content-Type") or "").encode() and not self.client_form(ex):
            # (the public client's form without context is PEGA-ATT-013's, which admits its acceptance)
            # seed 001: 'Without the context element, the attachment creation fails' (400)
            self.require(False, "upload_needs_context", "PEGA-ATT-002", key,
                         f"an upload without the context element answered {ex.status}, expected 400", ex)
        elif key == "POST /attachments/upload" and ex.status == 400 and b'name="context"' not in ex.request_body \
                and ex.request_body_known:
            self.passed("upload_needs_context", "PEGA-ATT-002", key, ex)
        if key == "POST /attachments/upload" and _ok(ex):
            # seed 001 (sample response {"ID": ...}); VF SW: upload 201
            if self.require(ex.status == 201, "upload_answers_201_with_id", "PEGA-ATT-001", key,
                            f"POST /attachments/upload: expected 201, got {ex.status}", ex) and body is not None:
                self.require(isinstance(body, dict) and isinstance(body.get("ID"), str) and bool(body["ID"]),
                             "upload_answers_201_with_id", "PEGA-ATT-001", key, "upload answered no ID", ex)
        elif key == "DELETE /attachments/{attachmentID}" and att:
            gone = self.deleted.get(att)
            if gone is not None and ex.status is not None:
                # seed 001: a second DELETE answers 404
                self.require(ex.status == 404, "deleted_attachment_gone", "PEGA-ATT-007", key,
                             f"a second DELETE of attachment after {gone.id} answered {ex.status}, expected 404",
                             gone, ex)
            elif ex.status == 200:
                # seed 001: 'Empty response with status code 200'
                if self.require(not ex.body_known or not ex.body.strip(), "deleted_attachment_gone", "PEGA-ATT-007",
                                key, f"DELETE answered a body of {len(ex.body)} bytes; seed 001: empty", ex):
                    self.deleted[att] = ex
        elif key == "GET /attachments/{attachmentID}" and att in self.deleted and ex.status is not None:
            gone = self.deleted[att]
            self.require(ex.status == 404, "deleted_attachment_gone", "PEGA-ATT-007", key,
                         f"GET of an attachment deleted by {gone.id} answered {ex.status}, expected 404", gone, ex)
        elif key == "GET /cases/{caseID}/attachments" and ex.status == 200 and isinstance(body, dict):
            items = body.get("attachments")
            listed = {i.get("ID") for i in items if isinstance(i, dict)} if isinstance(items, list) else set()
            from conformance.suites.pega_dx_v2.test_attachments import LIST_FIELDS

            for item in items if isinstance(items, list) else []:
                # seed 001 list sample: the fields and the download and delete links of a listed file
                if not isinstance(item, dict) or str(item.get("type", "")).upper() != "FILE":
                    continue
                missing = [f for f in LIST_FIELDS if item.get(f) in (None, "")]
                links = item.get("links") if isinstance(item.get("links"), dict) else {}
                missing += [f"{rel} link" for rel in ("download", "delete")
                            if not isinstance(links.get(rel), dict) or not links[rel].get("href")]
                if not self.require(not missing, "listed_with_fields_and_links", "PEGA-ATT-004", key,
                                    f"a listed file lacks {', '.join(missing)}", ex):
                    break
            for att_id in listed & set(self.deleted):
                gone = self.deleted[att_id]
                self.require(False, "deleted_attachment_gone", "PEGA-ATT-007", key,
                             f"the attachment deleted by {gone.id} is still listed", gone, ex)
            if any(a in self.deleted for a in listed) is False and self.deleted:
                self.passed("deleted_attachment_gone", "PEGA-ATT-007", key, ex)

    def judge_data_view(self, ex: TrafficExchange, key: str, body: Any) -> None:
        """VF: paging{pageNumber, pageSize}, hasMoreResults; pageSize above 5000, or paging with
        maxResultsToFetch, is a 422/400 validation error."""
        request = ex.request_json()
        if not isinstance(request, dict):
            return
        paging = request.get("paging") if isinstance(request.get("paging"), dict) else None
        size = paging.get("pageSize") if paging else None
        number = paging.get("pageNumber", 1) if paging else None
        too_big = isinstance(size, int) and size > 5000
        both = paging is not None and request.get("maxResultsToFetch") is not None
        if too_big or both:
            what = "pageSize above 5000" if too_big else "paging with maxResultsToFetch"
            if ex.status in (400, 422):
                self.passed("data_view_limits_refused", "PEGA-DV-005", key, ex)
            elif _ok(ex):  # another refusal (an unknown data view's 404) says nothing of the limits
                self.require(False, "data_view_limits_refused", "PEGA-DV-005", key,
                             f"{what}: expected 400 or 422, got {ex.status}", ex)
            return
        if ex.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list) \
                or not isinstance(size, int) or size < 1:
            return
        rows = body["data"]
        if not self.require(len(rows) <= size, "data_view_page_size", "PEGA-DV-002", key,
                            f"page {number} holds {len(rows)} rows at pageSize {size}", ex):
            return
        more = body.get("hasMoreResults")
        if len(rows) < size and more is not None:
            # a short page is the last one: hasMoreResults false there (VF response hasMoreResults)
            self.require(more is False or more == "false", "data_view_has_more", "PEGA-DV-003", key,
                         f"hasMoreResults is {more!r} on a short page ({len(rows)} of {size} rows)", ex)
        # a walk: pages of one data view at one pageSize, pageNumber n then n+1, share no row (PEGA-DV-001)
        # asking for the total (includeTotalCount, VF) does not change the rows: such a page 1 starts the walk too
        query = json.dumps({k: v for k, v in request.items() if k not in ("paging", "includeTotalCount")},
                           sort_keys=True)
        walk = (ex.params.get("dataViewID"), size, query)
        keys = {json.dumps(r, sort_keys=True) for r in rows}
        before = self.walks.get(walk)
        if before is not None and isinstance(number, int) and before[0] == number - 1:
            shared = keys & before[1]
            self.require(not shared, "data_view_walk_exactly_once", "PEGA-DV-001", key,
                         f"pages {number - 1} and {number} at pageSize {size} share {len(shared)} row(s)",
                         before[2], ex)
        if isinstance(number, int):
            self.walks[walk] = (number, keys, ex)

    # the writes PEGA-ETAG-002 names (VF SW: case/assignment action PATCH 200 + ETag); navigation back and the
    # stage operations answer an ETag too, but no source says it is a new one
    ADVANCING = frozenset({"PATCH /cases/{caseID}/actions/{actionID}", "PATCH /assignments/{assignmentID}/actions/{actionID}"})

    V1_PUT = re.compile(r"/api/v1/cases/[^/]+/?$")

    def judge_outside(self, ex: TrafficExchange) -> None:
        from urllib.parse import urlsplit

        # seed 000: the v1-style PUT /prweb/api/v1/cases/{ID} 'response code is 204, hence it is a successful hit'
        if ex.method == "PUT" and self.V1_PUT.search(urlsplit(ex.url).path) and _ok(ex):
            self.require(ex.status == 204 and (not ex.body_known or not ex.body.strip()), "v1_put_answers_204",
                         "PEGA-V1-001", "PUT /prweb/api/v1/cases/{ID}",
                         f"PUT /prweb/api/v1/cases/{{ID}}: expected 204 with no body, got {ex.status} "
                         f"with {len(ex.body)} bytes", ex)


# =========================================================================== ProcessMaker 3

PM_LISTS = {"/cases": "todo", "/cases/draft": "draft", "/cases/participated": "participated",
            "/cases/unassigned": "unassigned", "/cases/paused": "paused", "/cases/advanced-search": "advanced-search"}
PM_SORT_NUMBER = {"APP_CACHE_VIEW.APP_NUMBER", "APP_NUMBER"}  # seed 004: the default sort field
# other APP_CACHE_VIEW fields a list is sorted by, and the case object member holding each (the suite's SORT_FIELDS)
PM_SORT_OTHER = {"APP_UPDATE_DATE": "app_update_date", "APP_CREATE_DATE": "app_create_date",
                 "DEL_DELEGATE_DATE": "del_delegate_date", "APP_TITLE": "app_title"}
# the filters of seed 004 (filters table; GET /cases/advanced-search) and the requirement each belongs to
PM_FILTERS = {"pro_uid": "PM-FILTER-001", "cat_uid": "PM-FILTER-001", "search": "PM-FILTER-002",
              "app_status": "PM-FILTER-003", "usr_uid": "PM-FILTER-003", "date_from": "PM-FILTER-003",
              "date_to": "PM-FILTER-003"}


def _pm_filter(query: dict[str, str]):  # noqa: ANN202
    """Whether a case object matches the request's filters (seed 004 filters table and advanced search)."""
    def match(case: dict[str, Any]) -> bool:
        day = str(case.get("del_delegate_date") or "")[:10]
        return ((not query.get("pro_uid") or case.get("pro_uid") == query["pro_uid"])
                # 'Case insensitive search for cases in the case's title and current task title'
                and (not query.get("search") or query["search"].lower()
                     in f"{case.get('app_title', '')} {case.get('app_tas_title', '')}".lower())
                and (not query.get("app_status") or case.get("app_status") == query["app_status"])
                and (not query.get("usr_uid") or case.get("usr_uid") == query["usr_uid"])
                # on or after date_from, on or before date_to, on the date routed to the current task
                and (not query.get("date_from") or day >= query["date_from"])
                and (not query.get("date_to") or day <= query["date_to"]))
    return match


class ProcessMakerJudge(Judge):
    """ProcessMaker 3. Sources: seed 004 (lists, filters, page object, lifecycle, error object) and
    vendor-facts "ProcessMaker 3" (PMSRC: the 3.5.8 source)."""

    api = "processmaker-3"
    schema_requirement = "PM-SCHEMA-001"
    auth_requirement = "PM-AUTH-001"
    malformed_requirement = "PM-ERR-002"  # seed 004 New Case: 400 '`tas_uid` is required but missing.'
    malformed_operations = frozenset({"POST /cases"})
    malformed_keywords = frozenset({"required"})

    def __init__(self, contract: Any) -> None:
        super().__init__(contract)
        self.created: _Bounded = _Bounded()  # app_uid -> the POST that created it (not routed since)
        self.paused: _Bounded = _Bounded()
        self.cancelled: _Bounded = _Bounded()
        self.routed: _Bounded = _Bounded()
        self.walks: _Bounded = _Bounded()  # (path, query without start) -> walk state
        self.writes = 0  # successful writes so far: a list or a case read before one is not compared after it
        self.unfiltered: _Bounded = _Bounded()  # (operation, sort, dir) -> (cases, whole, writes, exchange)
        self.info: _Bounded = _Bounded()  # app_uid -> (case information last read, its exchange)
        self.moved: _Bounded = _Bounded()  # app_uid -> (route-case or reassign-case, information before, exchange)
        self.kept: _Bounded = _Bounded()  # app_uid -> (a Paused list holding it with an open status, writes)
        self.claims: _Bounded = _Bounded()  # app_uid -> the user a batch reassign reported it moved to
        self.oracles: _Bounded = _Bounded()  # (operation, query without start and limit) -> (app_uids, writes, ex)

    def judge(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        body = self.body(ex)
        if ex.status is not None and ex.status >= 400 and ex.body_known:
            # seed 004: the error object on every endpoint (the suite's pm_error_object_generated)
            self.apply("pm_error_object", "PM-ERR-003", key, pm_error_object, ex)
        path = op.path.removesuffix("/paged")
        if op.method == "GET" and path in PM_LISTS:
            self.judge_list(ex, key, op.path.endswith("/paged"), PM_LISTS[path], body)
        uid = ex.params.get("app_uid")
        if key == "POST /cases/reassign" and ex.status == 200 and body is not None:
            self.judge_batch_reassign(ex, key)
        if key == "POST /cases" and _ok(ex):
            # seed 004 New Case: result 200 {app_uid, app_number}; VF: POST /cases answers 200
            ok = self.require(ex.status == 200 and (body is None or (isinstance(body, dict) and body.get("app_uid")
                                                                     and body.get("app_number") is not None)),
                              "create_answers_app_uid", "PM-LIFE-001", key,
                              f"POST /cases: expected 200 with app_uid and app_number, got {ex.status}", ex)
            if ok and isinstance(body, dict):
                self.created[str(body["app_uid"])] = ex
        if op.method != "GET" and _ok(ex):
            self.writes += 1
        if uid is None:
            return
        if op.method != "GET" and _ok(ex):
            self.created.pop(uid, None)  # the case is no longer just created (paused, routed, cancelled, ...)
            self.moved.pop(uid, None)
        if key == "GET /cases/{app_uid}" and ex.status == 200 and isinstance(body, dict):
            self.judge_moved(ex, key, uid, body)
        if key in ("PUT /cases/{app_uid}/route-case", "PUT /cases/{app_uid}/reassign-case") and _ok(ex):
            self.moved[uid] = (key.rsplit("/", 1)[-1], self.info.get(uid), ex)
        if key == "GET /cases/{app_uid}" and ex.status == 200 and isinstance(body, dict) and uid in self.created:
            # seed 004 New Case: 'new case's status will be set to DRAFT, not TO_DO'
            self.require(body.get("app_status") == "DRAFT", "new_case_is_draft", "PM-LIFE-001", key,
                         f"a case new since {self.created[uid].id} is {body.get('app_status')!r}, expected DRAFT",
                         self.created[uid], ex)
        elif key == "PUT /cases/{app_uid}/route-case" and _ok(ex):
            self.created.pop(uid, None)
            self.routed[uid] = ex
        elif key == "PUT /cases/{app_uid}/pause" and _ok(ex):
            self.paused[uid] = ex
        elif key == "PUT /cases/{app_uid}/unpause" and _ok(ex):
            self.paused.pop(uid, None)
        elif key == "GET /cases/{app_uid}/current-task" and uid in self.paused and ex.status is not None:
            # seed 004 current-task: 'If a case has ... PAUSED ... status, then the above error object is returned'
            self.require(ex.status == 400, "paused_case_has_no_current_task", "PM-LIFE-003", key,
                         f"current-task of a case paused by {self.paused[uid].id} answered {ex.status}, expected 400",
                         self.paused[uid], ex)
        elif key == "PUT /cases/{app_uid}/cancel" and ex.status is not None:
            if uid in self.cancelled:
                # seed 004 Cancel Case: 400 'The case ... is already canceled'
                self.require(ex.status == 400, "second_cancel_refused", "PM-LIFE-004", key,
                             f"cancelling a case cancelled by {self.cancelled[uid].id} answered {ex.status}, "
                             "expected 400", self.cancelled[uid], ex)
            elif _ok(ex):
                self.cancelled[uid] = ex
        elif key == "DELETE /cases/{app_uid}" and uid in self.routed and ex.status is not None:
            # seed 004 Delete Case: 'Only cases in their initial task may be deleted'
            self.require(ex.status >= 400, "routed_case_not_deleted", "PM-LIFE-005", key,
                         f"DELETE of a case routed on by {self.routed[uid].id} answered {ex.status}, expected a 4xx",
                         self.routed[uid], ex)

    def judge_batch_reassign(self, ex: TrafficExchange, key: str) -> None:
        from conformance.suites.processmaker_3.client import batch_results

        sent = ex.request_json()
        asked = sent.get("cases") if isinstance(sent, dict) else None
        if not isinstance(asked, list) or not asked:
            return
        # the key as sent, an empty APP_UID included (the server answers it under app_uid "", audit F7's items)
        uids = [str(c["APP_UID"] if "APP_UID" in c else c.get("app_uid")) for c in asked if isinstance(c, dict)]
        # seed 004: {"cases": [{app_uid, del_index, result, status}]} or a JSON string holding the cases; the 3.5.8
        # server always the string, items APP_UID, DEL_INDEX, RESULT, STATUS (BM:3004, BM:3021-3025; audit F7)
        results = batch_results(ex) or {}
        # seed 004 Batch Reassigning: 'If a case reassignment fails, the reassignment of other cases won't be
        # interrupted': one result per case
        missing = [u for u in uids if u not in results]
        self.require(not missing, "batch_reassign_one_result_per_case", "PM-LIFE-007", key,
                     f"batch reassign of {len(uids)} cases answered no result for {len(missing)}", ex)
        target = sent.get("usr_uid_target")
        for uid in uids:
            if uid in results and not results[uid].get("status") and isinstance(target, str):
                # seed 004's success sample lists cases without a status: a claim of success, which the case's
                # information must then show (its current user the target)
                self.moved[uid] = ("batch", None, ex)
                self.claims[uid] = target

    def judge_moved(self, ex: TrafficExchange, key: str, uid: str, body: dict[str, Any]) -> None:
        """A case's information after a route or a reassign the traffic saw it answer 2xx, and after a Paused list
        held it with an open status."""
        from conformance.suites.processmaker_3.client import PmApi

        current = PmApi.current(body)
        moved = self.moved.pop(uid, None)
        if moved is not None:
            action, before, done = moved
            status = body.get("app_status")
            if action == "route-case":
                # seed 004 Route Case: 'move the case to the next task in the process', del_index 'incremented' each
                # routing (or the case ends, COMPLETED); a DRAFT case is one never routed ('New Case')
                was, now = (before[1] if before else None), _int(current.get("del_index"))
                stayed = status == "DRAFT" or (status != "COMPLETED" and was is not None and now is not None
                                               and now <= was)
                self.require(not stayed, "route_moves_case_on", "PM-LIFE-002", key,
                             f"after route-case ({done.id}) the case is {status!r} at delegation {now}"
                             + (f" (was {before[2]!r} at {was})" if before else ""), done, ex)
            elif action == "batch":
                user = current.get("usr_uid")
                target = self.claims.pop(uid, None)
                self.require(user == target, "batch_reassign_result_true", "PM-LIFE-007", key,
                             f"batch reassign ({done.id}) reported case {body.get('app_number')!r} without a failure "
                             f"status, yet its current user is {user!r}, not {target}", done, ex)
            else:
                sent = done.request_json()
                target = sent.get("usr_uid_target") if isinstance(sent, dict) else None
                if isinstance(target, str) and target and target != sent.get("usr_uid_source"):
                    # seed 004 Reassign Case: the current task goes to usr_uid_target
                    user = current.get("usr_uid")
                    self.require(user == target, "reassign_moves_case", "PM-LIFE-006", key,
                                 f"after reassign-case to {target} ({done.id}) the case's current user is {user!r}",
                                 done, ex)
        kept = self.kept.pop(uid, None)
        if kept is not None and kept[1] == self.writes:
            self.require(PmApi.paused(body), "paused_list_holds_paused_cases", "PM-LIST-002", key,
                         f"{kept[0].id} lists case {body.get('app_number')!r} in the Paused list with app_status "
                         f"{body.get('app_status')!r}, and its case information shows no pause", kept[0], ex)
        self.info[uid] = (PmApi.paused(body), _int(current.get("del_index")), body.get("app_status"), self.writes)

    def judge_filters_complete(self, ex: TrafficExchange, key: str, query: dict[str, str],
                               cases: list[dict[str, Any]], page: dict[str, Any] | None, limit: int | None) -> None:
        """The "no case missing" half of the filters: a filtered list against the unfiltered answer of the same
        list (same operation, sort and dir) that the traffic showed with no write in between. Of the app_number
        range both answers cover whole, every case of the unfiltered one that matches the filter must be in the
        filtered one (the suite's test_filters compares the same two answers)."""
        if query.get("sort") not in (None, "", *PM_SORT_NUMBER) or query.get("start") not in (None, "0"):
            return
        numbers = [app_number(c) for c in cases]
        if None in numbers or any(a == b for a, b in zip(numbers, numbers[1:])):
            return
        ordered = numbers == sorted(numbers, reverse=True) or numbers == sorted(numbers)
        total = page.get("total") if page is not None else None
        whole = (limit is not None and limit > 0 and len(cases) < limit
                 and (not isinstance(total, int) or len(cases) >= total)) or (isinstance(total, int)
                                                                              and len(cases) >= total)
        slot = (key, query.get("dir"))
        used = {k for k, v in query.items() if v and k in PM_FILTERS}
        if not used:
            if ordered:
                self.unfiltered[slot] = (cases, whole, self.writes, ex)
            return
        families = {PM_FILTERS[k] for k in used}
        base = self.unfiltered.get(slot)
        if base is None or base[2] != self.writes or len(families) != 1 or "cat_uid" in used or not ordered \
                or query.get("app_status") == "PAUSED":
            # cat_uid: a case object does not name its category; PAUSED: the 3.5.8 server's Paused list (audit F12)
            return
        everything, all_whole, _, ex_all = base
        rid = families.pop()
        match = _pm_filter(query)
        # the app_number range both answers cover: from the newest (or oldest) case to the last one of each that
        # was cut by its limit
        longer = numbers if len(numbers) > 1 else [app_number(c) for c in everything]
        desc = len(longer) < 2 or longer[0] > longer[-1]
        bounds = [app_number(lst[-1]) for lst, w in ((everything, all_whole), (cases, whole)) if not w and lst]
        bound = (max(bounds) if desc else min(bounds)) if bounds else None

        def covered(n: int | None) -> bool:
            return n is not None and (bound is None or (n >= bound if desc else n <= bound))
        got = {n for n in numbers if covered(n)}
        missing = sorted(n for c in everything if covered(n := app_number(c)) and match(c) and n not in got)
        self.require(not missing, "filter_misses_no_case", rid, key,
                     f"{key} with {', '.join(sorted(used))} lacks {len(missing)} matching case(s) of the unfiltered "
                     f"list {ex_all.id} ({', '.join(map(str, missing[:8]))})", ex_all, ex)

    def judge_list(self, ex: TrafficExchange, key: str, paged: bool, kind: str, body: Any) -> None:
        query = ex.query()
        if "start" in query and query["start"] in ("0",) and ex.status is not None and ex.status != 401:
            # seed 004 start: 'If set to 0 or 1, then begins with the first case'
            self.require(_ok(ex), "start_zero_is_first_case", "PM-PAGE-007", key,
                         f"{key} with start=0 answered {ex.status}; 0 means the first case", ex)
        if query.get("sort") and ex.status is not None and ex.status >= 500:
            # seed 004: `sort` names an APP_CACHE_VIEW field (APP_UPDATE_DATE is the documented example); a server
            # may refuse a field (4xx), never fail on it
            self.require(False, "list_order", "PM-PAGE-002", key, f"{key} with sort={query['sort']} answered "
                         f"{ex.status}", ex)
        if ex.status != 200 or body is None:
            return
        if not paged:
            if not self.apply("pm_bare_array", "PM-LIST-001", key, pm_bare_array, ex):
                return
            cases, page = body, None
        else:
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                return
            cases, page = body["data"], body
        cases = [c for c in cases if isinstance(c, dict)]
        limit = _int(query.get("limit"))
        if limit is None and page is not None and str(page.get("limit")) == "0":
            # the 3.5.8 server has no default: every case, the page saying limit 0 (Api:228, Apps:799, BM:344;
            # vendor audit F1)
            total = page.get("total")
            if isinstance(total, int) and query.get("start") in (None, "0"):
                self.require(len(cases) == total, "default_page_size", "PM-PAGE-001", key,
                             f"{key} without limit says limit 0 (no limit) but holds {len(cases)} of {total} cases",
                             ex)
        elif limit is None and page is not None:
            # seed 004 filters table: limit default 25; page object "limit": 25. A bare list cannot say which
            # default it follows (the 3.5.8 server sends every case), so only pages are judged
            self.require(len(cases) <= 25, "default_page_size", "PM-PAGE-001", key,
                         f"{key} without limit holds {len(cases)} cases, at most 25", ex)
            self.require(str(page.get("limit")) == "25", "default_page_size", "PM-PAGE-001", key,
                         f"{key} without limit: the page says limit {page.get('limit')!r}, expected 25 (or 0)", ex)
            total = page.get("total")
            if isinstance(total, int) and total > 25 and query.get("start") in (None, "0", "1"):
                self.require(len(cases) == 25, "default_page_size", "PM-PAGE-001", key,
                             f"{key} without limit holds {len(cases)} cases while {total} match", ex)
        elif page is not None:
            # seed 004 limit: 'The maximum number of cases in the list'
            start = _int(query.get("start")) or 0
            total = page.get("total")
            self.require(len(cases) <= limit, "page_size", "PM-PAGE-003", key,
                         f"a page at limit {limit} holds {len(cases)} cases", ex)
            if len(cases) < limit and isinstance(total, int) and start + len(cases) < total:
                self.require(False, "page_size", "PM-PAGE-003", key,
                             f"a page at limit {limit}, start {start} holds {len(cases)} cases of {total}: short "
                             "before the last page", ex)
        sort = query.get("sort")
        upper_dir = query.get("dir") in (None, "", "ASC", "DESC")
        if (sort is None or sort in PM_SORT_NUMBER) and len(cases) > 1 and upper_dir:
            # seed 004 filters table: sort default APP_NUMBER, dir default DESC (a lowercase dir is left alone: the
            # 3.5.8 server sorts dir=desc ascending, VF PMSRC)
            descending = query.get("dir") != "ASC"
            problem = order_problem(cases, descending)
            self.require(problem is None, "list_order", "PM-PAGE-002", key, f"{key}: {problem}", ex)
        elif sort and sort.upper().removeprefix("APP_CACHE_VIEW.") in PM_SORT_OTHER and len(cases) > 1 and upper_dir:
            # seed 004: sort names an APP_CACHE_VIEW field; the dates by their case object members (ties in any
            # order), APP_TITLE under any collation (the suite's test_every_sort_field_serves_its_order; vendor
            # audit L5, C4). A lowercase dir is left alone: the 3.5.8 server sorts dir=desc ascending (VF PMSRC)
            from conformance.suites.processmaker_3.test_paging import date_order_problem, title_order_problem

            descending = query.get("dir") != "ASC"
            member = PM_SORT_OTHER[sort.upper().removeprefix("APP_CACHE_VIEW.")]
            problem = title_order_problem(cases, descending) if member == "app_title" else \
                date_order_problem(cases, member, descending)
            self.require(problem is None, "list_order", "PM-PAGE-002", key, f"{key} with sort={sort}: {problem}", ex)
        if page is not None:
            from conformance.suites.processmaker_3.test_paging import check_echo

            self.apply("page_echoes_request", "PM-PAGE-006", key, check_echo, page, query, ex, evidence=(ex,))
            self.judge_walk(ex, key, query, cases, page, limit)
        self.judge_list_contents(ex, key, kind, query, cases)
        self.judge_filters_complete(ex, key, query, cases, page, limit)

    def judge_list_contents(self, ex: TrafficExchange, key: str, kind: str, query: dict[str, str],
                            cases: list[dict[str, Any]]) -> None:
        from conformance.suites.processmaker_3.test_lists import STATUS_OF

        wanted = STATUS_OF.get(kind)
        for case in cases:
            if wanted is None:
                break
            if kind == "unassigned" and case.get("app_status") == "TO_DO" and not case.get("usr_uid"):
                continue  # seed 004: UNASSIGNED = unclaimed self service, stored TO_DO with no user
            if kind == "paused" and case.get("app_status") in ("TO_DO", "DRAFT") and isinstance(case.get("app_uid"),
                                                                                                  str):
                # the 3.5.8 server keeps a paused case's status and lists it by its APP_DELAY row (CC:4082, ACV:508;
                # vendor audit F4, F5): admitted unless the case's information, read with no write in between,
                # shows no pause (judge_moved)
                seen = self.info.get(case["app_uid"])
                if seen is not None and seen[3] == self.writes:
                    if not self.require(seen[0], "paused_list_holds_paused_cases", "PM-LIST-002", key,
                                        f"{key} holds case {case.get('app_number')!r} with app_status "
                                        f"{case.get('app_status')!r}, whose information shows no pause", ex):
                        break
                else:
                    self.kept[case["app_uid"]] = (ex, self.writes)
                continue
            if not self.require(case.get("app_status") == wanted, "list_holds_its_status", "PM-LIST-002", key,
                                f"{key} holds case {case.get('app_number')!r} with app_status "
                                f"{case.get('app_status')!r}; the list is the {wanted} cases", ex):
                break
        if kind == "draft":
            routed = [c for c in cases if str(c.get("app_uid")) in self.routed]
            if routed:
                # seed 004 Route Case: a routed case moves to the next task; it is no longer a draft
                self.require(False, "routed_case_leaves_draft", "PM-LIFE-002", key,
                             f"{key} lists case {routed[0].get('app_number')!r}, routed by "
                             f"{self.routed[str(routed[0].get('app_uid'))].id}", self.routed[str(routed[0]['app_uid'])],
                             ex)
        if kind in ("todo", "draft"):
            for case in cases:
                uid = str(case.get("app_uid"))
                if uid in self.paused:
                    # seed 004 Pause Case: a paused case leaves To do / Draft
                    self.require(False, "paused_case_unlisted", "PM-LIFE-003", key,
                                 f"{key} lists case {case.get('app_number')!r}, paused by {self.paused[uid].id}",
                                 self.paused[uid], ex)
                    break
        # seed 004 filters table: pro_uid 'Only return cases ...'; search in the title or current task title
        if query.get("pro_uid"):
            bad = [c for c in cases if c.get("pro_uid") != query["pro_uid"]]
            self.require(not bad, "filter_selects_exactly", "PM-FILTER-001", key,
                         f"{key}?pro_uid=... holds {len(bad)} case(s) of another process", ex)
        if query.get("search"):
            needle = query["search"].lower()
            bad = [c for c in cases if needle not in f"{c.get('app_title', '')} {c.get('app_tas_title', '')}".lower()]
            self.require(not bad, "search_selects_exactly", "PM-FILTER-002", key,
                         f"{key}?search=... holds {len(bad)} case(s) whose title and task title lack it", ex)
        if kind == "advanced-search" and query.get("app_status"):
            # app_status=PAUSED on the 3.5.8 server lists paused cases that keep TO_DO/DRAFT (Apps:342-343, audit F12)
            admitted = {query["app_status"]} | ({"TO_DO", "DRAFT"} if query["app_status"] == "PAUSED" else set())
            bad = [c for c in cases if c.get("app_status") not in admitted]
            self.require(not bad, "advanced_search_selects_exactly", "PM-FILTER-003", key,
                         f"{key}?app_status=... holds {len(bad)} case(s) of another status", ex)

    def judge_page_in_list(self, ex: TrafficExchange, key: str, query: dict[str, str], ids: list[str],
                           sent: int | None, limit: int) -> None:
        """A page against the same list read from its first case with no write between (the suite's oracle): the
        page at `start` holds the list's cases from that position, under either documented meaning of start."""
        list_key = (key, tuple(sorted((k, v) for k, v in query.items() if k not in ("start", "limit"))))
        if sent in (None, 0):
            self.oracles[list_key] = (ids, self.writes, ex)
            return
        oracle = self.oracles.get(list_key)
        if oracle is None or oracle[1] != self.writes or not ids:
            return
        every, _, first = oracle
        if len(set(every)) != len(every):
            return  # one row per open delegation (parallel threads): tied rows may swap between pages (audit C3)
        # seed 004: start 2 begins with the second case (1-based); the 3.5.8 server: start is a 0-based offset
        slices = [every[at:at + limit] for at in (sent - 1, sent) if at + len(ids) <= len(every)]
        if not slices:
            return
        self.require(ids in slices, "page_walk_exactly_once", "PM-PAGE-004", key,
                     f"the page at start {sent} (limit {limit}) is not the list's cases from that position as "
                     f"{first.id} read them from the first case", first, ex)

    def judge_walk(self, ex: TrafficExchange, key: str, query: dict[str, str], cases: list[dict[str, Any]],
                   page: dict[str, Any], limit: int | None) -> None:
        """seed 004: a download in several calls (start=1&limit=100, start=101&limit=100, ...) returns every
        case once (PM-PAGE-004), and `total` is the number of cases found (PM-PAGE-005)."""
        if limit is None or limit < 1:
            return
        sent = _int(query.get("start"))
        # the page's 1-based position: seed 004 'If set to 0 or 1, then begins with the first case'; the 3.5.8
        # server's start is a 0-based offset, echoed as start + 1 (VF PMSRC), so start=0 then start=limit is its walk
        start = sent + 1 if sent is not None and _int(page.get("start")) == sent + 1 else max(sent or 1, 1)
        total = page.get("total")
        if isinstance(total, int) and cases:
            # a page at 1-based position p holding n cases shows at least p - 1 + n cases found (p read as the
            # smaller of the two documented meanings of start, so it holds under both)
            shown = max(sent or 1, 1) - 1 + len(cases)
            self.require(total >= shown, "total_counts_the_walk", "PM-PAGE-005", key,
                         f"total is {total}, yet the page at start {sent} holds {len(cases)} cases", ex)
        walk_key = (key, tuple(sorted((k, v) for k, v in query.items() if k != "start")))
        ids = [str(c.get("app_uid")) for c in cases]
        self.judge_page_in_list(ex, key, query, ids, sent, limit)
        walk = self.walks.get(walk_key)
        if walk is not None and start == walk["start"] + limit:
            shared = set(ids) & walk["last"]
            if not self.require(not shared, "page_walk_exactly_once", "PM-PAGE-004", key,
                                f"the pages at positions {walk['start']} and {start} (limit {limit}) share "
                                f"{len(shared)} case(s)", walk["ex"], ex):
                walk["broken"] = True
            walk.update(start=start, last=set(ids), ex=ex)
            walk["seen"].update(ids)
        else:
            # a walk may begin anywhere (pages n and n+1 must not overlap); only one from the first page counts
            walk = {"start": start, "last": set(ids), "ex": ex, "seen": set(ids), "broken": False,
                    "from_first": start == 1}
            self.walks[walk_key] = walk
        if len(cases) < limit and isinstance(total, int) and not walk["broken"] and walk["from_first"] \
                and len(walk["seen"]) <= MEMORY:
            # the walk reached its last page: the cases it returned are the ones `total` counts
            self.require(len(walk["seen"]) == total, "total_counts_the_walk", "PM-PAGE-005", key,
                         f"total is {total}, the walk from the first page to the last returned "
                         f"{len(walk['seen'])} distinct cases", ex)
            self.walks.pop(walk_key, None)


def _sent_values(request: Any) -> dict[str, Any] | None:
    """The values a CASEREST request body sends ({Properties: [{SymbolicName, Value}]}), keys normalized."""
    items = request.get("Properties") if isinstance(request, dict) else None
    if not isinstance(items, list):
        return None
    return {str(i.get("SymbolicName")): i.get("Value") for i in items if isinstance(i, dict)}


def bare_id(value: Any) -> str:
    return str(value).strip().removeprefix("{").removesuffix("}").upper()


def _wrong_type(meta: dict[str, Any], value: Any) -> bool:
    """A value no reading of the property's PropertyType admits (seed 003: 'the value must match the data type';
    VF: numbers may be sent as strings, dates in any ISO 8601 form)."""
    import datetime as dt

    from conformance.suites.ibm_caserest_v1.client import is_list, ptype

    if value is None:
        return False
    if is_list(meta) and isinstance(value, list):
        return any(_wrong_type({**meta, "Cardinality": "SINGLE"}, v) for v in value)
    if isinstance(value, (dict, list)):
        return True
    kind = ptype(meta)
    try:
        if kind == "integer":
            return isinstance(value, bool) or int(str(value)) is None
        if kind == "float":
            return isinstance(value, bool) or float(str(value)) is None
        if kind == "boolean":
            return not isinstance(value, bool) and str(value).lower() not in ("true", "false")
        if kind == "datetime":
            return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")) is None
    except (TypeError, ValueError):
        return True
    return False


def _valid(meta: dict[str, Any], value: Any) -> bool:
    """A value the property's metadata admits on an update (acmdv085 updatability, acmdv106 MinValue, MaxValue,
    MaxLength and choices, seed 003 the data type)."""
    from conformance.suites.ibm_caserest_v1.client import choice_values, is_list, updatable

    if not updatable(meta) or _wrong_type(meta, value) or (is_list(meta) != isinstance(value, list)):
        return False
    items = value if isinstance(value, list) else [value]
    lo, hi, longest = meta.get("MinValue"), meta.get("MaxValue"), meta.get("MaxLength")
    choices = choice_values(meta)
    for v in items:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (
                isinstance(lo, (int, float)) and v < lo or isinstance(hi, (int, float)) and v > hi):
            return False
        if isinstance(v, str) and isinstance(longest, int) and len(v) > longest:
            return False
        if choices is not None and v not in choices:
            return False
    return True


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# =========================================================================== IBM CASEREST v1


class CaseRestJudge(Judge):
    """IBM Case Manager / BAW CASEREST v1. Sources: seed 003 (POST /casetype, response codes) and
    vendor-facts "IBM Case Manager / BAW CASEREST v1" (VF: operations, error body, TargetObjectStore)."""

    api = "ibm-caserest-v1"
    schema_requirement = "IBM-SCHEMA-001"
    auth_requirement = "IBM-AUTH-001"
    malformed_requirement = "IBM-ERR-002"  # seed 003: 400 'One of the required parameters was missing'
    malformed_keywords = frozenset({"required"})

    def __init__(self, contract: Any) -> None:
        super().__init__(contract)
        self.written: _Bounded = _Bounded()  # folder id -> (values the PUTs stored, the last PUT, PUTs since a GET)
        self.meta: _Bounded = _Bounded()  # case type -> its properties' metadata by symbolic name (GET /casetype)
        self.types: _Bounded = _Bounded()  # case types the traffic showed existing
        self.initial: _Bounded = _Bounded()  # case type -> initialNewObject's properties by name
        self.states: _Bounded = _Bounded()  # ExternalDataIdentifier answered -> (values sent, names returned, exchange)
        self.cities: _Bounded = _Bounded()  # identifier answered -> (DH2_State, DH2_City's choices, exchange)
        self.case_types: _Bounded = _Bounded()  # folder id -> the case type POST /cases created it as
        self.created: _Bounded = _Bounded()  # folder id -> (values POST /cases created it with, that POST)
        self.added: _Bounded = _Bounded()  # (folder id, what) -> {name or text: the POST that added it}
        self.related: _Bounded = _Bounded()  # folder id -> {RelationshipId: (other folder, relate, unrelate or None)}
        self.held: _Bounded = _Bounded()  # folder id -> the POST that placed its current stage on hold
        self.deleted: _Bounded = _Bounded()  # folder id -> the POST /deletecase that deleted it
        self.enabled: _Bounded = _Bounded()  # task id -> the GET /case/{id}/tasks that listed it enabled

    def judge(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        from conformance.suites.ibm_caserest_v1.client import bare, external_data_identifier, norm

        body = self.body(ex)
        # a 401 is the application server's or the SSO login's, without a CASEREST body (acmdv100, acmdv101)
        if ex.status is not None and 400 <= ex.status < 500 and ex.status != 401 and ex.body_known:
            self.apply("ibm_error_body", "IBM-ERR-003", key, ibm_error_body, ex)  # VF: UserMessage {Text, ...}
        request = norm(ex.request_json())
        # acmdv121delcase spells it tos, in the body
        names = ("TargetObjectStore", "Tos") if key == "POST /deletecase" else ("TargetObjectStore",)
        has_tos = any(n in ex.query() or (isinstance(request, dict) and n in request) for n in names)
        # acmdv112: GET /solutions takes no TargetObjectStore (200 or 400)
        if not has_tos and key != "GET /solutions" and ex.status is not None and ex.status not in (401, 302, 303, 404) \
                and ex.request_body_known:
            # VF: 'TargetObjectStore is required on every call'; seed 003: a missing required parameter is 400
            self.require(ex.status == 400, "target_object_store_required", "IBM-TOS-001", key,
                         f"{key} without TargetObjectStore: expected 400, got {ex.status}", ex)
        if key == "POST /cases" and _ok(ex):
            # VF IBM table: POST /cases 201 {CaseTitle, CaseIdentifier, CaseFolderId}
            members = norm(body) if isinstance(body, dict) else {}
            missing = [m for m in ("CaseTitle", "CaseIdentifier", "CaseFolderId") if body is not None and
                       not members.get(m)]
            self.require(ex.status == 201 and not missing, "create_answers_201_with_ids", "IBM-CASE-001", key,
                         f"POST /cases answered {ex.status}" + (f" without {', '.join(missing)}" if missing else ""),
                         ex)
        if key == "POST /casetype/{caseType}" and ex.status == 200 and body is not None:
            # seed 003 ExternalDataIdentifier: 'set by the service' on every answer
            self.require(external_data_identifier(ex) is not None, "answer_carries_edi", "IBM-DEP-003", key,
                         "POST /casetype answered without an ExternalDataIdentifier", ex)
        if key == "GET /solution/{solution}/casetypes" and ex.status == 200 and isinstance(body, dict):
            # VF IBM table: the solution's case types are listed (the spec: none would be 404, not an empty list)
            types = norm(body).get("CaseTypes")
            self.require(bool(types), "solution_lists_case_types", "IBM-TYPE-002", key,
                         "GET /solution/{solution}/casetypes answered 200 with no case type", ex)
        sent = _sent_values(request) if ex.request_body_known else None
        if key.startswith(("GET /casetype/", "POST /casetype/", "GET /solution/")) and ex.status == 200 \
                or key == "GET /casetype/{caseType}/page" and ex.status is not None:
            self.judge_definitions(ex, key, body, sent)
        if key == "POST /casetype/{caseType}" and ex.status is not None and ex.status >= 500 and sent:
            defined = self.meta.get(ex.params.get("caseType"))
            unknown = [n for n in sent if defined is not None and n not in defined]
            # seed 003 / acmdv117: an unknown symbolic name is ignored (200) or refused (400), never a server error
            self.require(not unknown, "unknown_name_not_a_server_error", "IBM-PROP-003", key,
                         f"POST /casetype with the unknown name(s) {', '.join(unknown[:5])} answered {ex.status}", ex)
        if key == "POST /cases" and ex.status == 201 and isinstance(body, dict) and sent is not None:
            created = norm(body).get("CaseFolderId")
            if isinstance(created, str) and created:
                self.case_types[bare(created)] = str(request.get("CaseType"))
                self.created[bare(created)] = (sent, ex)
        if key == "POST /deletecase" and _ok(ex) and isinstance(request, dict) and isinstance(request.get("Caseid"),
                                                                                               str):
            self.deleted[bare(request["Caseid"])] = ex
        if key == "PUT /task/{taskId}" and ex.status is not None:
            self.judge_task(ex, key, request)
        folder = ex.params.get("caseFolderId")
        if folder is None:
            return
        folder = bare(folder)
        if ex.method != "GET" and _ok(ex):
            self.created.pop(folder, None)  # compared with what a later write left, not with the create
        schema = self.request_schema(op) if key == "PUT /case/{caseFolderId}" and ex.status == 400 and sent else None
        if schema is not None and not self.contract.body_problems(schema, ex.request_json()) \
                and isinstance({**ex.query(), **request}.get("TargetObjectStore"), str):
            meta = self.meta_of(folder)
            if all(n in meta and _valid(meta[n], v) for n, v in sent.items()):
                # acmdv122: PUT /case stores values the case type's metadata admits (VF: 200, body {})
                self.require(False, "put_values_read_back", "IBM-CASE-003", key,
                             f"PUT /case refused values its case type admits ({', '.join(sorted(sent)[:5])}): 400",
                             ex)
        if key == "PUT /case/{caseFolderId}" and _ok(ex) and sent is not None:
            have = self.written.get(folder)
            self.written[folder] = ({**(have[0] if have else {}), **sent}, ex, (have[2] if have else 0) + 1, sent)
        elif key == "GET /case/{caseFolderId}" and ex.status == 200:
            self.judge_read_back(ex, key, folder)
        if key == "GET /case/{caseFolderId}" and folder in self.deleted and ex.status not in (None, 401):
            # acmdv121delcase: 'deletecaseresult ... indicates whether' the case was deleted; then it is gone
            self.require(ex.status == 404, "deleted_case_gone", "IBM-DEL-001", key,
                         f"GET /case/{{caseFolderId}} answers {ex.status} after POST /deletecase "
                         f"{self.deleted[folder].id} deleted it", self.deleted.pop(folder), ex)
        self.judge_case_resources(ex, key, folder, body, request)

    @staticmethod
    def remember(store: _Bounded, key: Any) -> dict[str, Any]:
        """The dict kept under `key`, made on first use through the bounded store (setdefault would bypass it)."""
        if key not in store:
            store[key] = {}
        return store[key]

    def meta_of(self, folder: str) -> dict[str, dict[str, Any]]:
        return self.meta.get(self.case_types.get(folder, ""), {})

    def judge_read_back(self, ex: TrafficExchange, key: str, folder: str) -> None:
        """A case's values as GET /case/{caseFolderId} shows them, against those it was created or last written with."""
        from conformance.suites.ibm_caserest_v1.client import properties_of, same_value

        shown = {str(i.get("SymbolicName")): i.get("Value") for i in properties_of(ex) or []}
        meta = self.meta_of(folder)

        def differ(values: dict[str, Any]) -> list[str]:
            # as the PropertyType means it (VF: numbers sent as strings, dates reformatted); exact without metadata
            return sorted(k for k, v in values.items() if k in shown and not same_value(meta.get(k, {}), v,
                                                                                            shown[k]))
        if folder in self.written:
            values, put, puts, last = self.written.pop(folder)
            bad = differ(values)
            lists = [k for k in bad if isinstance(values[k], list)]
            if any(isinstance(v, list) for v in values.values()):
                # acmdv085: a multi-valued property takes an array, and returns it (IBM-PROP-002)
                self.require(not lists, "list_values_read_back", "IBM-PROP-002", key,
                             f"after the PUT {put.id}, GET shows other arrays for {', '.join(lists[:5])}", put, ex)
            partial = puts > 1 and bool(bad) and set(bad) <= set(last) and len(bad) < len(last)
            if puts > 1:
                # two PUTs with no read between: the last one, from a writer holding stale data, is applied whole
                # (VF: 'PUT simply overwrites') or refused, never in part
                self.require(not partial, "stale_write_applied_whole", "IBM-LOCK-001", key,
                             f"of the last of {puts} PUTs ({put.id}) without a read between, GET shows "
                             f"{', '.join(bad[:5])} as before and the rest as written: applied in part", put, ex)
            if not partial:
                # VF IBM table: PUT /case/{caseFolderId} 200 stores the values, which a following GET shows
                rest = [k for k in bad if k not in lists]
                self.require(not rest, "put_values_read_back", "IBM-CASE-003", key,
                             f"after the PUT {put.id}, GET shows other values for {', '.join(rest[:5])}", put, ex)
        elif folder in self.created:
            values, post = self.created.pop(folder)
            bad = differ(values)
            lists = [k for k in bad if isinstance(values[k], list)]
            if any(isinstance(v, list) for v in values.values()):
                self.require(not lists, "list_values_read_back", "IBM-PROP-002", key,
                             f"case created by {post.id}: GET shows other arrays for {', '.join(lists[:5])}", post, ex)
            rest = [k for k in bad if k not in lists]
            # VF IBM table: GET /case/{caseFolderId} returns the case's properties, as created
            self.require(not rest, "created_values_read_back", "IBM-CASE-002", key,
                         f"case created by {post.id}: GET shows other values for {', '.join(rest[:5])}", post, ex)

    def judge_definitions(self, ex: TrafficExchange, key: str, body: Any, sent: dict[str, Any] | None) -> None:
        """Case type metadata (GET /casetype), initialNewObject and inProgressChanges answers (seed 003, acmdv117),
        the solution's case types (acmdv091) and its pages (acmdv118)."""
        from conformance.suites.ibm_caserest_v1.client import by_name, choice_values, external_data_identifier, norm, \
            properties_of
        from conformance.suites.ibm_caserest_v1.test_casetypes import untouched

        if key == "GET /solution/{solution}" and isinstance(body, dict):
            # acmdv091: 'For each case type, the method returns a list of the properties' (the solution's types)
            self.require(bool(norm(body).get("CaseTypes")), "solution_lists_case_types", "IBM-DEF-001", key,
                         "GET /solution/{solution} answered 200 with no case type", ex)
            return
        if key == "GET /solution/{solution}/casetypes" and isinstance(body, dict):
            types = norm(body).get("CaseTypes")
            for t in types if isinstance(types, list) else []:
                if isinstance(t, dict) and isinstance(t.get("CaseType"), str):
                    self.types[t["CaseType"]] = True
            return
        ctype = ex.params.get("caseType")
        if key == "GET /casetype/{caseType}/page":
            query = ex.query()
            # acmdv118: the Add Case and Case Details pages of a case type, each a PhysicalPageId; a 400 is about the
            # request's parameters, and a Case Details page depends on the Role asked for
            creation = query.get("PageType") == "CaseCreationPage" and "TargetObjectStore" in query \
                and "Role" not in query and ex.status == 404
            if ctype in self.types and (ex.status == 200 or creation):
                page = norm(body) if isinstance(body, dict) else {}
                self.require(ex.status == 200 and bool(page.get("PhysicalPageId")), "case_pages_named",
                             "IBM-DEF-002", key, f"GET /casetype/{ctype}/page?PageType={query.get('PageType')} "
                             f"answered {ex.status}" + ("" if ex.status != 200 else " without a PhysicalPageId"), ex)
            return
        items = properties_of(ex) if body is not None else None
        if items is None or ctype is None:
            return
        named = by_name([i for i in items if isinstance(i.get("SymbolicName"), str)])
        self.types[ctype] = True
        if key == "GET /casetype/{caseType}":
            self.meta[ctype] = named
            return
        if key != "POST /casetype/{caseType}" or not ex.request_body_known:
            return
        sent = sent or {}
        request = norm(ex.request_json())
        mode = request.get("RequestMode") if isinstance(request, dict) else None
        defined = self.meta.get(ctype)
        unknown = [n for n in sent if defined is not None and n not in defined]
        if unknown:
            # seed 003 / acmdv117: an unknown symbolic name is ignored or refused; it never becomes a property
            echoed = [n for n in unknown if n in named]
            self.require(not echoed, "unknown_name_not_a_property", "IBM-PROP-003", key,
                         f"POST /casetype/{ctype} answered the unknown name(s) {', '.join(echoed[:5])} as properties",
                         ex)
        wrong = [n for n, v in sent.items() if defined is not None and n in defined and _wrong_type(defined[n], v)]
        if wrong:
            # seed 003: 'the value must match the data type of the property'; 400 otherwise
            self.require(False, "wrong_type_refused", "IBM-PROP-001", key,
                         f"POST /casetype/{ctype} accepted values of the wrong type for {', '.join(wrong[:5])}", ex)
        answered = external_data_identifier(ex)
        if mode == "initialNewObject":
            self.initial[ctype] = named
            if defined is not None:
                # seed 003: 'the response contains all the properties that are defined for the specified case type'
                missing = sorted(set(defined) - set(named))
                self.require(not missing, "initial_returns_every_property", "IBM-TYPE-001", key,
                             f"RequestMode=initialNewObject left out the defined properties {', '.join(missing[:5])}",
                             ex)
        elif mode in (None, "inProgressChanges"):
            initial = self.initial.get(ctype)
            unchanged = untouched(items, initial) if initial is not None else []
            # seed 003: 'only those properties that were updated by an external data service based on a change to
            # another property value' (inProgressChanges, the default)
            self.require(not unchanged, "only_changed_properties", "IBM-DEP-001", key,
                         f"{mode or 'no RequestMode'} returned properties the external data service did not change: "
                         f"{', '.join(unchanged[:5])}", ex)
            before = self.states.get(request.get("ExternalDataIdentifier"))
            if before is not None and sent and before[0] == sent and not unchanged:
                again = sorted((set(named) & before[1]) - set(sent))
                # seed 003: the identifier 'indicates the state of the data that was returned': the same values
                # sent with it change nothing more
                self.require(not again, "identifier_stands_for_state", "IBM-DEP-003", key,
                             f"resubmitting the same values with the identifier {before[2].id} answered returned "
                             f"{', '.join(again[:5])} again", before[2], ex)
            if "DH2_State" in sent:
                city = named.get("DH2_City")
                choices = choice_values(city) if city is not None else None
                self.judge_cities(ex, key, sent["DH2_State"], None if choices is None else sorted(map(str, choices)),
                                  request.get("ExternalDataIdentifier"), answered)
        if answered is not None:
            self.states[answered] = (sent, set(named), ex)

    def judge_cities(self, ex: TrafficExchange, key: str, state: Any, choices: list[str] | None, edi: Any,
                     answered: str | None) -> None:
        """seed 003 example: DH2_State CA -> DH2_City choices Los Angeles, San Diego, San Francisco; another state,
        another list (the requirement's own names). An inProgressChanges answer without DH2_City leaves its choices
        as the state the identifier stands for had them."""
        before = self.cities.get(edi)
        if choices is None and before is not None:
            choices = before[1]
        if choices is None:
            return
        if state == "CA":
            self.require(choices == ["Los Angeles", "San Diego", "San Francisco"], "state_sets_city_choices",
                         "IBM-DEP-002", key, f"DH2_State=CA gave DH2_City the choices {choices}", ex)
        if before is not None and before[0] != state:
            self.require(choices != before[1], "state_sets_city_choices", "IBM-DEP-002", key,
                         f"DH2_State={state!r} left DH2_City's choices as for {before[0]!r} ({before[2].id}): "
                         f"{choices}", before[2], ex)
        if answered is not None:
            self.cities[answered] = (state, choices, ex)

    def judge_task(self, ex: TrafficExchange, key: str, request: Any) -> None:
        task = ex.params.get("taskId", "")
        query = ex.query()
        action = request.get("Action") if isinstance(request, dict) else None
        listed = self.enabled.get(task.strip("{}").upper())
        if action == "enable" and listed is not None and "TargetObjectStore" in query and ex.status not in (401,
                                                                                                               403):
            # acmdv128: TargetObjectStore and Grouping in the query; 'the PUT method does not return an error when a
            # request is made to enable an activity that is already enabled'
            self.require(_ok(ex), "enable_enabled_task", "IBM-TASK-001", key,
                         f"enabling an activity {listed.id} listed as enabled answered {ex.status}", listed, ex)

    def judge_case_resources(self, ex: TrafficExchange, key: str, folder: str, body: Any, request: Any) -> None:
        """What a case's POST adds (activities, comments, relationships) and later lists, its stages, its history."""
        from conformance.suites.ibm_caserest_v1.client import norm, task_items, task_enabled

        answer = norm(body) if body is not None else None
        if key == "POST /case/{caseFolderId}/tasks" and _ok(ex) and isinstance(request, dict):
            self.remember(self.added, (folder, "tasks"))[str(request.get("TaskName"))] = ex
        elif key == "GET /case/{caseFolderId}/tasks" and ex.status == 200:
            items = task_items(body)
            for group, task in items:
                if task_enabled(group, task):
                    self.enabled[str(task["TaskId"]).strip("{}").upper()] = ex
            names = {str(t.get("TaskName")) for _, t in items}
            for name, post in (self.added.pop((folder, "tasks"), None) or {}).items():
                # acmdv127: the activity is created (201); acmdv125 lists the case's activities
                self.require(name in names, "added_activity_listed", "IBM-ACT-001", key,
                             f"the activity {name!r} added by {post.id} is not listed", post, ex)
        elif key == "POST /case/{caseFolderId}/comments" and _ok(ex) and isinstance(request, dict) \
                and request.get("CommentType") == "Case":
            self.remember(self.added, (folder, "comments"))[str(request.get("CommentText"))] = ex
        elif key == "GET /case/{caseFolderId}/comments" and ex.status in (200, 201) and isinstance(answer, dict) \
                and ex.query().get("CommentType") == "Case":
            texts = {str(c.get("CommentText")) for c in answer.get("Comments") or [] if isinstance(c, dict)}
            for text, post in (self.added.pop((folder, "comments"), None) or {}).items():
                # acmdv130 adds the comment, acmdv129 lists the case's comments
                self.require(text in texts, "added_comment_listed", "IBM-COMMENT-001", key,
                             f"the comment added by {post.id} is not listed", post, ex)
        elif key == "GET /case/{caseFolderId}/history" and ex.status == 200 and isinstance(answer, dict):
            size = _int(ex.query().get("BatchSize"))
            events = answer.get("Events")
            if size is not None and isinstance(events, list):
                # acmdv131: BatchSize 'The number of history entries to return'
                self.require(len(events) <= size, "history_batch_size", "IBM-HIST-001", key,
                             f"history with BatchSize={size} returned {len(events)} entries", ex)
        elif key == "POST /case/{caseFolderId}" and _ok(ex) and isinstance(request, dict):
            rels = self.remember(self.related, folder)
            if request.get("Operation") == "relate" and isinstance(answer, dict) and answer.get("RelationshipId"):
                rels[str(answer["RelationshipId"])] = [str(request.get("CaseFolderId")), ex, None]
            elif request.get("Operation") == "unrelate" and str(request.get("RelationshipId")) in rels:
                rels[str(request.get("RelationshipId"))][2] = ex
        elif key == "GET /case/{caseFolderId}/cases" and ex.status in (200, 201) and isinstance(answer, list):
            shown = {bare_id(c.get("CaseFolderId")) for c in answer if isinstance(c, dict)}
            for rel, (other, relate, unrelate) in list((self.related.get(folder) or {}).items()):
                # acmdv121: relate answers the RelationshipId, unrelate removes it; acmdv124 lists related cases
                if unrelate is None:
                    self.require(bare_id(other) in shown, "relationship_listed", "IBM-REL-001", key,
                                 f"the case related by {relate.id} is not listed", relate, ex)
                else:
                    self.require(bare_id(other) not in shown, "relationship_removed", "IBM-REL-001", key,
                                 f"the case unrelated by {unrelate.id} is still listed", unrelate, ex)
                    self.related[folder].pop(rel, None)
        elif key == "POST /case/{caseFolderId}/stages" and ex.status == 200:
            operation = ex.query().get("Operation")
            if operation == "placeCurrentStageOnHold":
                self.held[folder] = ex
            elif operation == "releaseCurrentOnHoldStage" and folder in self.held and isinstance(answer, dict):
                # acmdv149: releaseCurrentOnHoldStage answers {"removeStageOnHoldResult": true}
                held = self.held.pop(folder)
                self.require(answer.get("RemoveStageOnHoldResult") is True, "release_on_hold_stage", "IBM-STAGE-001",
                             key, f"releasing the stage {held.id} placed on hold answered removeStageOnHoldResult "
                             f"{answer.get('RemoveStageOnHoldResult')!r}", held, ex)


# =========================================================================== Pega Fabric Hub

HUB_REALTIME = {"POST /tasks", "PUT /tasks/{ID}", "POST /cases", "PUT /cases/{ID}", "PUT /associations",
                "PUT /associations/{ID}"}
PEGA_TIME = re.compile(r"^\d{8}T\d{6}\.\d{3} GMT$")  # VF: 'Timestamps look like 20210112T101328.528 GMT'


class FabricHubJudge(Judge):
    """Pega Process Fabric Hub data synchronization. Sources: seed 002 (resources, batch and real-time
    endpoints) and vendor-facts "Pega Process Fabric Hub data synchronization" (VF: registration life cycle,
    batch limit of 50, payloads)."""

    api = "pega-fabric-hub-sync-v1"
    schema_requirement = "HUB-SCHEMA-001"
    auth_requirement = "HUB-AUTH-001"

    def __init__(self, contract: Any) -> None:
        super().__init__(contract)
        self.status: _Bounded = _Bounded()  # registration ID -> (status last shown, exchange)
        self.clients: _Bounded = _Bounded()  # registration ID -> its own clientID (the POST /registrations answer)
        self.expect: _Bounded = _Bounded()  # registration ID -> (action, what its next status must be, exchange)
        self.fresh: _Bounded = _Bounded()  # registration ID -> (status shown, exchange), no write on it since
        self.gone: _Bounded = _Bounded()  # registration ID -> the DELETE that removed it

    def judge(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        body = self.body(ex)
        reg = ex.params.get("ID") if "/registrations/" in key else None
        action = key.rsplit("/", 1)[-1] if "/actions/" in key else None
        before = self.fresh.get(reg) if reg else None
        if reg and ex.method != "GET" and _ok(ex):
            self.fresh.pop(reg, None)
        if reg and ex.status is not None and ex.status != 401:
            self.judge_life_cycle(ex, key, action, reg, before)
        if action and reg and _ok(ex):
            self.judge_action(ex, key, action, reg, body)
        for registration in self.registrations(body):
            self.judge_time(ex, key, registration)
            rid, status = registration.get("ID"), registration.get("status")
            if isinstance(rid, str) and isinstance(status, str):
                self.status[rid] = (status, ex)
                self.fresh[rid] = (status, ex)
                expected = self.expect.pop(rid, None) if ex.method == "GET" else None
                if expected is not None:
                    what, allowed, done = expected
                    # VF table: enablesync -> Sync-InProgress; disable hides, enable shows again; disablesync stops
                    requirement = "HUB-REG-002" if what == "enablesync" else "HUB-REG-004"
                    self.require(allowed(status), "action_moves_registration", requirement, key,
                                 f"after {what} ({done.id}) the registration is {status!r}", done, ex)
            if key == "POST /registrations" and isinstance(rid, str) and registration.get("clientID"):
                self.clients[rid] = registration["clientID"]
        if key == "POST /registrations" and _ok(ex) and isinstance(body, dict):
            # VF table: POST /registrations 201/200, 'new app is Pending-Activation', ID added
            self.require(bool(body.get("ID")) and body.get("status") == "Pending-Activation",
                         "new_registration_pending_activation", "HUB-REG-001", key,
                         f"a new registration is {body.get('status')!r} (ID {body.get('ID')!r}), expected "
                         "Pending-Activation", ex)
        if key == "GET /registrations" and ex.status == 200:
            listed = self.registrations(body)
            resolved = [r.get("ID") for r in listed if str(r.get("status", "")).startswith("Resolved")]
            # VF table: GET /registrations 'excludes Pending-Details and Resolved'
            self.require(not resolved, "list_excludes_resolved", "HUB-REG-004", key,
                         f"GET /registrations lists {len(resolved)} resolved registration(s)", ex)
        if key == "PATCH /registrations/{ID}" and reg and ex.status is not None:
            before = self.status.get(reg)
            # "Disabled - Sync Stopped" (Pega's deactivate page) is not syncing: it may be edited
            locked = before is not None and (before[0] in self.SYNCING or before[0].startswith("Resolved"))
            if locked and ex.status != 401:
                # VF table: PATCH refused in Sync-InProgress or Resolved
                self.require(ex.status >= 400, "edit_refused_while_syncing", "HUB-REG-003", key,
                             f"PATCH of a registration {before[1].id} showed {before[0]!r} answered {ex.status}, "
                             "expected a 4xx", before[1], ex)
        path = op.path
        if op.method == "POST" and path.endswith("/batch"):
            self.judge_batch(ex, key, op)
        if key in HUB_REALTIME and _ok(ex):
            # VF table: POST /tasks, PUT /tasks/{ID} 202; cases 202; associations 202
            self.require(ex.status == 202, "publication_answers_202", "HUB-SYNC-001", key,
                         f"{key} accepted with {ex.status}, expected 202", ex)
        if key == "PUT /associations" and ex.status == 400 and ex.request_body_known:
            request, schema = ex.request_json(), self.request_schema(op)
            if isinstance(request, dict) and request.get("action") == "create" and schema is not None \
                    and not self.contract.body_problems(schema, request):
                # the real-time associations page: create on PUT /associations (audit rows 28, 29; VF: PUT
                # /associations[/{ID}] with action create), answered 202
                self.require(False, "publication_answers_202", "HUB-SYNC-001", key,
                             "a well-formed association create on PUT /associations was refused with 400", ex)

    # VF: the text's name and the samples' name; Pega's life-cycle page: Sync-InProcess (vendor audit row 6)
    SYNCING = ("Sync-InProgress", "Open-SyncProgress", "Sync-InProcess")
    # Pega's disable page: disable applies to an Active registration; the state it leaves is not named
    AFTER = {"enablesync": lambda s: s in FabricHubJudge.SYNCING,
             "disablesync": lambda s: s not in FabricHubJudge.SYNCING and not s.startswith("Resolved"),
             "disable": lambda s: s != "Active",
             "enable": lambda s: not s.startswith("Resolved")}

    def judge_life_cycle(self, ex: TrafficExchange, key: str, action: str | None, reg: str,
                         before: tuple[str, TrafficExchange] | None) -> None:
        """What the registration's last shown status (no write on it since) allows: disable only an Active one
        (HUB-REG-004), DELETE not a syncing one, and a deleted one is gone (HUB-REG-006)."""
        if action == "disable" and before is not None and before[0] != "Active":
            # Pega's disable page: disable applies to an Active registration; others refused with 4xx (VF table)
            self.require(ex.status >= 400, "disable_only_active", "HUB-REG-004", key,
                         f"disable of a registration {before[1].id} showed {before[0]!r} answered {ex.status}",
                         before[1], ex)
        if key == "DELETE /registrations/{ID}":
            if before is not None and before[0] in self.SYNCING:
                # the registration life-cycle page: DELETE of a Pending-Activation registration; refused while syncing
                self.require(ex.status >= 400, "delete_refused_while_syncing", "HUB-REG-006", key,
                             f"DELETE of a registration {before[1].id} showed {before[0]!r} answered {ex.status}",
                             before[1], ex)
            if _ok(ex):
                self.gone[reg] = ex
        elif key == "GET /registrations/{ID}" and reg in self.gone:
            # after DELETE, 'GET no longer answers it': the 404 of an unknown registration
            self.require(ex.status == 404, "deleted_registration_gone", "HUB-REG-006", key,
                         f"GET of a registration deleted by {self.gone[reg].id} answered {ex.status}",
                         self.gone.pop(reg), ex)

    def judge_action(self, ex: TrafficExchange, key: str, action: str, reg: str, body: Any) -> None:
        if action in self.AFTER:
            self.expect[reg] = (action, self.AFTER[action], ex)
        if action == "enablesync" and isinstance(body, dict):
            # VF Token: 'the sync credentials come from the enablesync response, not from the registration
            # credentials'
            client = body.get("clientID")
            own = self.clients.get(reg)
            self.require(bool(client) and client != own, "sync_credentials_distinct", "HUB-REG-002", key,
                         f"enablesync answered clientID {client!r}" + (", the registration's own" if client == own
                                                                       else ""), ex)

    @staticmethod
    def registrations(body: Any) -> list[dict[str, Any]]:
        if isinstance(body, dict) and ("status" in body or "lastTaskSyncedDateTime" in body):
            return [body]
        items = body.get("data", body.get("registrations")) if isinstance(body, dict) else body
        return [r for r in items if isinstance(r, dict)] if isinstance(items, list) else []

    def judge_time(self, ex: TrafficExchange, key: str, registration: dict[str, Any]) -> None:
        value = registration.get("lastTaskSyncedDateTime")
        if isinstance(value, str) and value:
            self.require(bool(PEGA_TIME.match(value)), "pega_timestamps", "HUB-TIME-001", key,
                         f"lastTaskSyncedDateTime {value!r} is not a Pega timestamp like '20210112T101328.528 GMT'",
                         ex)

    def judge_batch(self, ex: TrafficExchange, key: str, op: Operation) -> None:
        query = ex.query()
        if query.get("preactivationData") == "true" and query.get("preactivationDataLast") == "true" \
                and not ex.request_body.strip() and ex.request_body_known and ex.status is not None:
            # VF: 'The initial load ends with a batch call carrying preactivationData=true&preactivationDataLast=true
            # and no body'
            self.require(ex.status == 202, "initial_load_end_accepted", "HUB-BATCH-003", key,
                         f"the bodiless call that ends the initial load answered {ex.status}, expected 202", ex)
            return
        if query.get("preactivationDataLast") == "true":
            return  # a call that ends the initial load: what a server makes of a body sent with it is not documented
        request = ex.request_json()
        items = request.get("requests") if isinstance(request, dict) else None
        if not isinstance(items, list) or ex.status is None or ex.status == 401:
            return
        if len(items) > 50:
            # VF table: 'at most 50 items per batch'; the suite's Fabric Hub brief: 400; Pega names no status
            # (413, 422 admitted)
            self.require(ex.status in (400, 413, 422), "batch_over_50_refused", "HUB-BATCH-002", key,
                         f"a batch of {len(items)} requests answered {ex.status}, expected 400, 413 or 422", ex)
        elif items:
            schema = self.request_schema(op)
            well_formed = schema is not None and not self.contract.body_problems(schema, request)
            answer = self.body(ex)
            # malformed: an item without a body holding a non-empty string ID (the spec's sample error, VF payloads:
            # 'ID is required and must be a non-empty string'); other schema slips a server may take as it likes
            malformed = [i for i in items if not (isinstance(i, dict) and isinstance(i.get("body"), dict)
                                                  and isinstance(i["body"].get("ID"), str) and i["body"]["ID"])]
            if malformed and _ok(ex) and answer is not None:
                # VF (no error body documented); the requirement: malformed items refused with an error naming them
                named = isinstance(answer, dict) and bool(answer.get("errors"))
                self.require(named, "malformed_items_named", "HUB-BATCH-004", key,
                             f"a batch with malformed items answered {ex.status} naming none of them", ex)
            if well_formed and (_ok(ex) or ex.status == 400):  # a 403 is the token's refusal (HUB-AUTH-002)
                # VF table: POST /tasks/batch 202 for a well-formed batch of at most 50
                self.require(ex.status == 202, "batch_accepted", "HUB-BATCH-001", key,
                             f"a well-formed batch of {len(items)} requests answered {ex.status}, expected 202", ex)


JUDGES: dict[str, type[Judge]] = {j.api: j for j in (PegaJudge, ProcessMakerJudge, CaseRestJudge, FabricHubJudge)}


def passive_requirements(api: str) -> Iterable[str]:
    """The requirements the judge of `api` can touch (for the documentation's table)."""
    import inspect

    source = "".join(inspect.getsource(c) for c in JUDGES[api].__mro__
                     if c.__module__ in ("conformance.traffic_apis", "conformance.traffic_pega"))
    base = JUDGES[api]
    found = set(re.findall(r'"((?:PEGA|PM|IBM|HUB)-[A-Z0-9]+-\d{3})"', source))
    return sorted(found | {r for r in (base.schema_requirement, base.auth_requirement, base.malformed_requirement)
                           if r})
