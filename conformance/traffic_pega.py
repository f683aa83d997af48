"""The Pega DX v2 passive checks over a sequence of exchanges: what a write, an upload, an attach or a removal
promised, held against what a later answer of the same traffic shows.

`PegaSequences` is mixed into conformance.traffic_apis.PegaJudge; each method is called from its `judge` with
the exchange, its operation key, its parsed body and the case it is about. State is kept per case (or per
attachment, data view walk, collaboration list) in bounded dicts, so memory stays flat however long the traffic.
Nothing here knows what a client meant: a check fires only where the traffic itself holds both halves (the
write and the read after it, with no other write of that case in between), so traffic that lacks one half is
not judged, never flagged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any
from urllib.parse import unquote

from conformance.checks.pega import error_body_v2, etag_stamp
from conformance.traffic import TrafficExchange

# the collaboration lists (marco-looy/pega-dx-mcp client-v2.js; the requirements'
# sentences): the add body's list and the member that names an item (MCP L1680 {users: [{ID}]}, L2063
# {tags: [{Name}]}, L1488 {cases: [{ID}]}); participants are added one at a time (MCP L1837)
ADDED_BY = {"followers": ("users", "ID"), "tags": ("tags", "Name"), "related_cases": ("cases", "ID")}
CASE_ACTION = "PATCH /cases/{caseID}/actions/{actionID}"
SUBMIT = "PATCH /assignments/{assignmentID}/actions/{actionID}"
UPLOAD = "POST /attachments/upload"


def _ok(ex: TrafficExchange) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


def _info(body: Any) -> dict[str, Any] | None:
    data = body.get("data") if isinstance(body, dict) else None
    info = data.get("caseInfo") if isinstance(data, dict) else None
    return info if isinstance(info, dict) else None


def _scalars(content: Any) -> dict[str, Any]:
    """The top-level scalar values of a content object (what a later read can be compared with)."""
    if not isinstance(content, dict):
        return {}
    return {k: v for k, v in content.items() if isinstance(v, (str, int, float, bool)) or v is None}


def _same(written: Any, shown: Any) -> bool:
    # Pega's clipboard holds text: "10" and 10, true and "true" are one value (VF REC: "urgency": "10")
    return written == shown or str(written).lower() == str(shown).lower()


def _objects(value: Any):  # noqa: ANN202 - a generator of dicts
    from conformance.suites.pega_dx_v2.collab import objects

    return objects(value)


def _ids(body: Any, key: str = "ID") -> set[str]:
    return {o[key] for o in _objects(body) if isinstance(o.get(key), str)}


def _item_status(ex: TrafficExchange, body: Any, key: str, value: str) -> int | None:
    """The status a 207 answer gives the item whose `key` is `value`; a non-207 answer's status stands for all
    (sample-data-v2.md L44: {"ID": "SystemAdmin", "status": "201"}; the suite's collab.item_status)."""
    if ex.status != 207:
        return ex.status
    for item in _objects(body):
        if item.get(key) == value:
            try:
                return int(str(item.get("status")))
            except ValueError:
                continue
    return None


def _lossy(data: bytes) -> bytes:
    """Bytes as the suite's exchange log keeps them (UTF-8, undecodable bytes replaced: http.Exchange.as_record):
    both sides of a comparison pass through it, so a HAR's exact bytes and a log's text compare alike."""
    return data.decode("utf-8", "replace").encode("utf-8")


# a logger of its own, outside logging's registry (a logging.config.dictConfig elsewhere in the process resets
# the registered ones: seen in a full test run), that drops every record
_QUIET = logging.Logger("conformance.traffic.multipart")
_QUIET.disabled = True


def multipart_parts(ex: TrafficExchange) -> list[tuple[str, str | None, bytes, str]] | None:
    """(field name, file name or None, bytes, content type) of each part of a multipart/form-data request, in
    order; None when the request is not one or its body is not whole. Parsed with python-multipart (the parser
    Starlette uses), names decoded as RFC 7578 4.2 and browsers send them (UTF-8, percent-escapes left as sent)."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    ctype, params = parse_options_header(ex.request_header("Content-Type") or "")
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary or not ex.request_body_known:
        return None
    parts: list[tuple[str, str | None, bytes, str]] = []
    state: dict[str, Any] = {}

    def begin() -> None:
        state.update(headers={}, field=b"", value=b"", data=[])

    def header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def header_end() -> None:
        state["headers"][state["field"].decode("latin-1").lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def data(chunk: bytes, start: int, end: int) -> None:
        state["data"].append(chunk[start:end])

    def end() -> None:
        _, disposition = parse_options_header(state["headers"].get("content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        raw = disposition.get(b"filename")
        ptype = state["headers"].get("content-type", b"").decode("latin-1").split(";")[0].strip()
        parts.append((name, None if raw is None else raw.decode("utf-8", "replace"), b"".join(state["data"]), ptype))

    parser = MultipartParser(boundary, {"on_part_begin": begin, "on_header_field": header_field,
                                        "on_header_value": header_value, "on_header_end": header_end,
                                        "on_part_data": data, "on_part_end": end})
    # python-multipart logs each broken part header as a warning before it raises; a generated upload's body
    # is often broken on purpose, and the raise already says "not judged": no console line for each
    parser.logger = _QUIET
    try:
        parser.write(ex.request_body)
        parser.finalize()
    except Exception:  # noqa: BLE001 - python-multipart raises its own errors for a broken body: not judged
        return None
    return parts


def disposition_name(ex: TrafficExchange) -> str | None:
    from conformance.suites.pega_dx_v2.test_attachments import disposition_name as named

    return named(ex)


class PegaSequences:
    """The sequence checks of PegaJudge (a mixin: `require`, `failed`, `passed` are the Judge's)."""

    # the collaboration lists and the requirement of each
    GROUPS = {"participants": "PEGA-PART-001", "followers": "PEGA-FOLLOW-001", "tags": "PEGA-TAG-001",
              "related_cases": "PEGA-REL-001"}

    def init_sequences(self) -> None:
        from conformance.traffic_apis import _Bounded

        self.state: _Bounded = _Bounded()  # case -> (stageID, first assignment ID, its first action ID), last GET
        self.submitted: _Bounded = _Bounded()  # case -> (state before, the submit answered without a next step)
        self.created_in: _Bounded = _Bounded()  # case -> the stageID its create answer showed
        self.left: _Bounded = _Bounded()  # case -> the GET that showed it out of the stage it was created in
        self.gone: _Bounded = _Bounded()  # case -> the DELETE that removed it
        self.written: _Bounded = _Bounded()  # case -> (requirement, values written, the write)
        self.released: _Bounded = _Bounded()  # case -> (eTag before the lock release, the release)
        self.parents: _Bounded = _Bounded()  # child case -> (parent case, its create)
        self.children: _Bounded = _Bounded()  # parent case -> [(child case, its create)], the last 20
        self.uploads: _Bounded = _Bounded()  # upload ID -> (the files of its request, the upload)
        self.expected: _Bounded = _Bounded()  # case -> [(kind, what, exchange)] its next attachment list must show
        self.files: _Bounded = _Bounded()  # (case, fileName) -> bytes attached under that name (None: unknown)
        self.listed_as: _Bounded = _Bounded()  # attachment ID -> (case, fileName, the list that showed it)
        self.denied: _Bounded = _Bounded()  # (case, category ID) -> the categories answer saying canCreate false
        # (data view, query, pageSize) -> [next pageNumber, rows so far, totalCount, writes, page 1]
        self.dv_walks: _Bounded = _Bounded()
        self.dv_rows: _Bounded = _Bounded()  # (data view, query) -> (rows of a whole walk, writes, last page)
        self.dv_counts: _Bounded = _Bounded()  # (data view, query) -> (count, writes, exchange)
        self.lists: _Bounded = _Bounded()  # (case, group) -> (IDs the last list showed, its exchange)
        self.removed: _Bounded = _Bounded()  # (case, group) -> (item ID, IDs to keep, the DELETE)
        self.added: _Bounded = _Bounded()  # (case, group) -> (values the add answered 2xx for, the add)
        self.writes = 0  # successful writes so far (a data view count and walk compare only with none between)

    def judge_schema(self, ex: TrafficExchange, op: Any, key: str) -> None:
        """A server without one of the optional operation groups (docs/real-servers.md, capabilities; the emulator's
        on/off variants) answers that group's paths 404 like any path it lacks: such an answer is not the
        operation's, so it is recorded, not judged against the operation's documented statuses."""
        from conformance.suites.pega_dx_v2.model import OPERATION_CAPABILITIES

        if ex.status == 404 and op.response_key(404) is None and OPERATION_CAPABILITIES.get((op.method, op.path)):
            self.observe("PEGA-SCHEMA-001", "operation_answered_404", key)
            return
        super().judge_schema(ex, op, key)  # type: ignore[misc]

    # ------------------------------------------------------------------ dispatch

    def judge_sequences(self, ex: TrafficExchange, key: str, body: Any, case: str | None) -> None:
        method = key.split(" ", 1)[0]
        if method != "GET" and _ok(ex) and not key.startswith("POST /data_views/"):
            self.writes += 1
            if case is not None:
                self.wrote(case, key)
        if key == "POST /cases":
            self.judge_created(ex, body)
        elif key == "GET /cases/{caseID}" and case is not None:
            self.judge_case_read(ex, body, case)
        elif key == SUBMIT and case is not None:
            self.judge_submit(ex, body, case)
        elif key == CASE_ACTION and case is not None:
            self.remember_content(ex, case, "PEGA-CASE-003")
        elif key == "DELETE /cases/{caseID}" and case is not None:
            self.judge_case_delete(ex, case)
        elif key == "DELETE /cases/{caseID}/updates" and case is not None and _ok(ex):
            have = self.latest.get(case)  # the newest eTag the traffic showed (PegaJudge.latest)
            if have is not None:
                self.released[case] = (have[0], ex)
        elif key == "PATCH /cases":
            self.judge_bulk(ex, body)
        elif key in ("GET /cases/{caseID}/descendants", "GET /cases/{caseID}/ancestors") and case is not None:
            self.judge_hierarchy(ex, key, body, case)
        elif key == UPLOAD:
            self.judge_upload(ex, key, body)
        elif key == "POST /cases/{caseID}/attachments" and case is not None:
            self.judge_attach(ex, key, case)
        elif key == "GET /cases/{caseID}/attachments" and case is not None:
            self.judge_attachment_list(ex, key, body, case)
        elif key == "GET /attachments/{attachmentID}":
            self.judge_download(ex, key)
        elif key == "GET /cases/{caseID}/attachment_categories" and case is not None:
            self.remember_categories(ex, body, case)
        elif key in ("POST /data_views/{dataViewID}", "POST /data_views/{dataViewID}/count"):
            self.judge_data_view_total(ex, key, body)
        elif case is not None and key.startswith(("GET /cases/{caseID}/", "POST /cases/{caseID}/",
                                                  "DELETE /cases/{caseID}/")):
            group = key.split("/")[3].split("{")[0].rstrip("/") if key.count("/") >= 3 else ""
            if group in self.GROUPS:
                self.judge_collaboration(ex, key, body, case, group)

    def wrote(self, case: str, key: str) -> None:
        """A successful write of the case: what a read was to be compared with may have changed (only the write
        that set an expectation keeps it, set after this)."""
        if key != SUBMIT:
            self.submitted.pop(case, None)
        self.released.pop(case, None)
        if key != CASE_ACTION and not key.startswith((
                "POST /cases/{caseID}/attachments", "POST /cases/{caseID}/followers", "POST /cases/{caseID}/tags",
                "POST /cases/{caseID}/related_cases", "DELETE /cases/{caseID}/followers",
                "DELETE /cases/{caseID}/tags", "DELETE /cases/{caseID}/related_cases")):
            # a flow step, a stage move, a participant write may set content of its own
            self.written.pop(case, None)

    # ------------------------------------------------------------------ cases

    def judge_created(self, ex: TrafficExchange, body: Any) -> None:
        if not _ok(ex) or not isinstance(body, dict) or not isinstance(body.get("ID"), str):
            return
        case = body["ID"]
        info = _info(body)
        if info is not None and isinstance(info.get("stageID"), str):
            self.created_in[case] = info["stageID"]
        self.remember_content(ex, case, "PEGA-CASE-003")
        request = ex.request_json()
        if not isinstance(request, dict):
            return
        parent = request.get("parentCaseID")
        if isinstance(parent, str) and parent:
            self.parents[case] = (parent, ex)
            self.children[parent] = [*self.children.get(parent, []), (case, ex)][-20:]
        items = request.get("attachments")
        if isinstance(items, list) and items:
            # seed 000 (attachments in the create payload: {fileName, fileContent, mimeType}); seed 001 (an
            # upload's ID): each lands on the new case (PEGA-ATT-010)
            wanted = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                if isinstance(item.get("fileName"), str):
                    wanted.append(("created", item["fileName"], ex))
                elif isinstance(item.get("ID"), str) and item["ID"] in self.uploads:
                    files = self.uploads[item["ID"]][0]
                    if files and files[0][1]:
                        wanted.append(("created", files[0][1], ex))
            if wanted:
                self.expected[case] = wanted

    def remember_content(self, ex: TrafficExchange, case: str, requirement: str,
                         content: dict[str, Any] | None = None) -> None:
        """seed 000: after an update the case shows the new pyLabel; the requirement: GET shows the content the
        last accepted write set (the create body, each accepted case-action update)."""
        if not _ok(ex) or not ex.request_body_known:
            return
        if content is None:
            request = ex.request_json()
            content = _scalars(request.get("content")) if isinstance(request, dict) else {}
        if not content:
            return
        have = self.written.get(case)
        merged = {**(have[1] if have is not None and have[0] == requirement else {}), **content}
        self.written[case] = (requirement, merged, ex)

    def judge_case_read(self, ex: TrafficExchange, body: Any, case: str) -> None:
        if ex.status is not None and 200 <= ex.status < 300 and case in self.gone:
            done = self.gone.pop(case)
            # seed 000 (delete case in create stage): a case deleted with 2xx is gone, not readable
            self.require(False, "deleted_case_gone", "PEGA-CASE-002", "GET /cases/{caseID}",
                         f"case deleted by {done.id} is still readable ({ex.status})", done, ex)
        info = _info(body) if ex.status == 200 else None
        if info is None:
            return
        state = self.case_state(info)
        submitted = self.submitted.pop(case, None)
        if submitted is not None and state is not None:
            before, done = submitted
            # the requirement (VF SW PATCH .../actions/{actionID} 200; REC nextAssignmentInfo, confirmationNote):
            # a submit moves the case on: another stage, another assignment, or its next step's action
            self.require(state != before, "submit_moves_case_on", "PEGA-ASSIGN-001", "GET /cases/{caseID}",
                         f"after the submit {done.id} answered {done.status} with neither nextAssignmentInfo nor "
                         f"confirmationNote, the case is still in stage {state[0]!r} at assignment {state[1]!r}, "
                         f"action {state[2]!r}", done, ex)
        if state is not None:
            self.state[case] = state
        stage = info.get("stageID")
        if case in self.created_in and isinstance(stage, str):
            if stage != self.created_in[case]:
                self.left[case] = ex
            else:
                self.left.pop(case, None)
        written = self.written.pop(case, None)
        content = info.get("content")
        if written is not None and isinstance(content, dict):
            requirement, values, done = written
            # only the members the answer shows: a read may leave members out of its view, never change them
            differ = sorted(k for k, v in values.items() if k in content and not _same(v, content[k]))
            shown = ", ".join(f"{k} = {content[k]!r} (written {values[k]!r})" for k in differ[:3])
            self.require(not differ, "read_shows_written_content", requirement, "GET /cases/{caseID}",
                         f"after {done.method} {done.id} answered {done.status}, GET shows {shown}", done, ex)
        released = self.released.pop(case, None)
        now = etag_stamp(ex.header("ETag"))
        if released is not None and now is not None:
            before, done = released
            # VF SW DELETE /cases/{caseID}/updates (release lock) 200; MCP releaseCaseLock: the committed state
            # stays (same eTag)
            self.require(now == before, "release_keeps_committed_state", "PEGA-LOCK-001", "GET /cases/{caseID}",
                         f"after the lock release {done.id} and no write, GET shows eTag {ex.header('ETag')}, not "
                         f"the {before} GMT before it", done, ex)

    @staticmethod
    def case_state(info: dict[str, Any]) -> tuple[Any, Any, Any] | None:
        items = info.get("assignments")
        first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
        actions = first.get("actions")
        action = actions[0].get("ID") if isinstance(actions, list) and actions and isinstance(actions[0], dict) \
            else None
        # only a case with an open assignment can be submitted: no state kept for the others (memory per case)
        return (info.get("stageID"), first["ID"], action) if isinstance(first.get("ID"), str) else None

    def judge_submit(self, ex: TrafficExchange, body: Any, case: str) -> None:
        if not _ok(ex) or not isinstance(body, dict):
            self.submitted.pop(case, None)
            return
        before = self.state.get(case)
        assignment = ex.params.get("assignmentID")
        if before is None or before[1] != assignment or before[2] != ex.params.get("actionID"):
            return
        if body.get("nextAssignmentInfo") or body.get("confirmationNote"):
            return  # the answer itself says where the case went (REC)
        self.submitted[case] = (before, ex)

    def judge_case_delete(self, ex: TrafficExchange, case: str) -> None:
        left = self.left.get(case)
        if _ok(ex):
            self.gone[case] = ex
        if left is None or ex.status is None or ex.status == 401:
            return
        # seed 000 ('Delete case in create stage'); VF SW DELETE 403: a case past the stage it was created in
        # (a later GET showed another stageID) has left its create stage, and its DELETE is refused
        self.require(not _ok(ex), "delete_outside_create_stage_refused", "PEGA-CASE-002", "DELETE /cases/{caseID}",
                     f"DELETE of a case that {left.id} showed in stage {_info(left.json()).get('stageID')!r} (created "
                     f"in {self.created_in.get(case)!r}) answered {ex.status}, expected a refusal (403)", left, ex)

    def judge_bulk(self, ex: TrafficExchange, body: Any) -> None:
        request = ex.request_json()
        cases = request.get("cases") if isinstance(request, dict) else None
        sent = [c.get("ID") for c in (cases if isinstance(cases, list) else [])
                if isinstance(c, dict) and isinstance(c.get("ID"), str)]
        if _ok(ex):
            for case in sent:
                self.wrote(case, "PATCH /cases?actionID")  # each case sent may have been written
        results = body.get("results") if isinstance(body, dict) else None
        if ex.status != 207 or not sent or not isinstance(results, list):
            return
        named = [str(r.get("ID")) for r in results if isinstance(r, dict)]
        # VF SW PATCH /cases?actionID= 207; MCP patchCasesBulk: one result, with its status, per case sent
        if not self.require(sorted(named) == sorted(sent), "bulk_result_per_case", "PEGA-BULK-001", "PATCH /cases",
                            f"the bulk answer names {len(named)} case(s) for the {len(sent)} sent "
                            f"(missing: {', '.join(sorted(set(sent) - set(named))[:3]) or '-'})", ex):
            return
        content = _scalars(request.get("content"))
        for r in results:
            if not isinstance(r, dict):
                continue
            try:
                status = int(str(r.get("status")))
            except ValueError:
                continue
            if 200 <= status < 300 and content:
                # MCP perform-bulk-action.js: the action executed on each case; a case reported 2xx shows the content
                self.written[r["ID"]] = ("PEGA-BULK-001", dict(content), ex)

    def judge_hierarchy(self, ex: TrafficExchange, key: str, body: Any, case: str) -> None:
        if ex.status != 200 or body is None:
            return
        found = {str(s) for s in _strings(body)}
        if key.endswith("/descendants"):
            for child, made in self.children.get(case, []):
                # seed 000 (POST /cases parentCaseID); MCP getCaseDescendants: the child cases, each with its ID
                self.require(child in found, "hierarchy_names_relatives", "PEGA-HIER-001", key,
                             f"the descendants of {case} do not name {child}, created under it by {made.id}", made, ex)
        elif case in self.parents:
            parent, made = self.parents[case]
            self.require(parent in found, "hierarchy_names_relatives", "PEGA-HIER-001", key,
                         f"the ancestors of {case} do not name {parent}, its parent in {made.id}", made, ex)

    # ------------------------------------------------------------------ attachments (seed 001)

    def judge_upload(self, ex: TrafficExchange, key: str, body: Any) -> None:
        parts = multipart_parts(ex)
        if parts is None:
            return
        names = {p[0] for p in parts}
        files = [p for p in parts if p[1] is not None]
        if "context" not in names and "file" in names and "appendUniqueIdToFileName" in names \
                and ex.status is not None and ex.status != 401:
            # PEGA-ATT-013: the public client's form (MCP uploadAttachment: file, appendUniqueIdToFileName) is
            # accepted (201 with an ID) or refused for its context (seed 001: 400 with the v2 error body)
            if ex.status == 400 and ex.body_known:
                self.apply("client_form_answered", "PEGA-ATT-013", key, error_body_v2, ex, "PEGA-ATT-013")
            else:
                self.require(ex.status == 201 and isinstance(body, dict) and isinstance(body.get("ID"), str),
                             "client_form_answered", "PEGA-ATT-013", key,
                             f"an upload in the client's form answered {ex.status}, expected 201 with an ID or 400",
                             ex)
        if _ok(ex) and isinstance(body, dict) and isinstance(body.get("ID"), str) and files:
            self.uploads[body["ID"]] = (files, ex)

    def client_form(self, ex: TrafficExchange) -> bool:
        """An upload in the public client's form (part `file` and `appendUniqueIdToFileName`, no context)."""
        parts = multipart_parts(ex)
        names = {p[0] for p in parts or ()}
        return "file" in names and "appendUniqueIdToFileName" in names and "context" not in names

    def remember_categories(self, ex: TrafficExchange, body: Any, case: str) -> None:
        if ex.status != 200 or not isinstance(body, dict):
            return
        cats = body.get("attachment_categories")
        for cat in cats if isinstance(cats, list) else []:
            if isinstance(cat, dict) and isinstance(cat.get("ID"), str):
                if str(cat.get("canCreate")).lower() == "false":
                    self.denied[(case, cat["ID"])] = ex
                else:
                    self.denied.pop((case, cat["ID"]), None)

    def judge_attach(self, ex: TrafficExchange, key: str, case: str) -> None:
        request = ex.request_json()
        items = request.get("attachments") if isinstance(request, dict) else None
        if not isinstance(items, list) or ex.status is None or ex.status == 401:
            return
        wanted = []
        for item in items:
            if not isinstance(item, dict):
                continue
            denied = self.denied.get((case, str(item.get("category"))))
            if denied is not None:
                # seed 001 (403 sample: Error_No_Add_attachment_Access): a category whose canCreate the categories
                # answer showed false refuses the attachment
                self.require(ex.status == 403, "forbidden_category_refused", "PEGA-ATT-008", key,
                             f"attaching into category {item.get('category')!r}, which {denied.id} showed with "
                             f"canCreate false, answered {ex.status}, expected 403", denied, ex)
            kind = str(item.get("type", "")).lower()
            if kind == "url" and isinstance(item.get("url"), str):
                wanted.append(("url", item["url"], ex))
            elif kind == "file" and str(item.get("ID")) in self.uploads:
                files, upload = self.uploads[str(item["ID"])]
                wanted.append(("file", files, upload))
        if _ok(ex) and wanted:
            self.expected[case] = [*self.expected.get(case, []), *wanted][-50:]

    def judge_attachment_list(self, ex: TrafficExchange, key: str, body: Any, case: str) -> None:
        if ex.status != 200 or not isinstance(body, dict) or not isinstance(body.get("attachments"), list):
            return
        items = [i for i in body["attachments"] if isinstance(i, dict)]
        for item in items:
            att = item.get("ID")
            if not isinstance(att, str):
                continue
            other = self.listed_as.get(att)
            if other is not None and other[0] != case:
                # seed 001 ('a list of all the attachments of a given case'): one case's list never holds another's
                if not self.require(False, "list_shows_only_its_case", "PEGA-ATT-009", key,
                                    f"the list of {case} holds attachment {att}, which {other[2].id} listed for case "
                                    f"{other[0]}", other[2], ex):
                    break
            elif other is None:
                self.listed_as[att] = (case, item.get("fileName"), ex)
        else:
            if items:
                self.passed("list_shows_only_its_case", "PEGA-ATT-009", key, ex)
        names = {i.get("fileName") for i in items}
        for kind, what, done in self.expected.pop(case, []):
            if kind == "created":
                # seed 000 / seed 001: the attachments of the create body land on the new case
                self.require(what in names, "create_attachments_listed", "PEGA-ATT-010", key,
                             f"the case created by {done.id} with attachment {what!r} lists "
                             f"{sorted(n for n in names if isinstance(n, str))[:5]}", done, ex)
            elif kind == "url":
                shown = [i for i in items if i.get("url") == what]
                # seed 001 list sample: "type": "URL" for a link
                self.require(all(str(i.get("type", "")).upper() == "URL" for i in shown), "url_listed_as_url",
                             "PEGA-ATT-005", key, f"the URL {what!r} attached by {done.id} is listed with type "
                             f"{[i.get('type') for i in shown]}", done, ex)
            elif kind == "file":
                first, others = what[0], [f[1] for f in what[1:]]
                if first[1] in names:
                    self.files[(case, first[1])] = first[2] if done.request_body_known else None
                    if others:
                        self.passed("first_file_processed", "PEGA-ATT-003", key, done, ex)
                elif others and any(n in names for n in others):
                    # seed 001: 'Even if the request contains multiple files, DX API processes only the first'
                    self.require(False, "first_file_processed", "PEGA-ATT-003", key,
                                 f"the upload {done.id} of {len(what)} files is listed as "
                                 f"{[n for n in others if n in names][0]!r}, not its first file {first[1]!r}",
                                 done, ex)

    def judge_download(self, ex: TrafficExchange, key: str) -> None:
        att = ex.params.get("attachmentID")
        mode = ex.query().get("mode")
        seen = self.listed_as.get(att) if att else None
        if ex.status != 200 or seen is None or mode not in ("string", "stream") or not ex.body_known:
            return
        case, name, _ = seen
        uploaded = self.files.get((case, name))
        if uploaded is None:
            return
        if mode == "string":
            # VF: mode=string answers the file as base64 text
            try:
                got: bytes | None = base64.b64decode(b"".join(ex.body.split()), validate=True)
            except (binascii.Error, ValueError):
                got = None
        else:
            got = ex.body
        # seed 001 (download); VF (mode string = base64, stream = bytes): exactly the uploaded bytes
        if not self.require(got is not None and _lossy(got) == _lossy(uploaded), "download_returns_upload",
                            "PEGA-ATT-006", key, f"mode={mode} returned {len(got or b'')} bytes that differ from the "
                            f"{len(uploaded)} uploaded as {name!r}", ex):
            return
        shown = disposition_name(ex) if mode == "stream" else None
        if shown is not None and isinstance(name, str):
            # the requirement: the file name preserved (non-ASCII names included); RFC 6266 filename*
            self.require(unquote(shown) == name or shown == name, "download_keeps_name", "PEGA-ATT-006", key,
                         f"Content-Disposition names {shown!r}, the file was listed as {name!r}", ex)

    # ------------------------------------------------------------------ data views (VF)

    def judge_data_view_total(self, ex: TrafficExchange, key: str, body: Any) -> None:
        request = ex.request_json()
        if ex.status != 200 or not isinstance(body, dict) or not isinstance(request, dict):
            return
        view = ex.params.get("dataViewID")
        # the rows a query selects do not depend on its paging or on whether it asks for the total (VF paging,
        # includeTotalCount)
        query = (view, json.dumps({k: v for k, v in request.items() if k not in ("paging", "includeTotalCount")},
                                  sort_keys=True))
        if key.endswith("/count"):
            total = body.get("totalCount")
            if isinstance(total, int) and not isinstance(total, bool):
                self.dv_counts[query] = (total, self.writes, ex)
                self.compare_total(query)
            return
        paging = request.get("paging") if isinstance(request.get("paging"), dict) else None
        rows = body.get("data")
        if paging is None or not isinstance(rows, list):
            return
        number, size = paging.get("pageNumber", 1), paging.get("pageSize")
        if not isinstance(number, int) or not isinstance(size, int) or size < 1:
            return
        walk_key = (*query, size)
        walk = self.dv_walks.get(walk_key)
        if number == 1:
            walk = [1, 0, body.get("totalCount"), self.writes, ex]
        elif walk is None or walk[0] != number or walk[3] != self.writes:
            self.dv_walks.pop(walk_key, None)
            return
        walk[0], walk[1] = number + 1, walk[1] + len(rows)
        self.dv_walks[walk_key] = walk
        more = body.get("hasMoreResults")
        if len(rows) < size or more is False or more == "false":
            # the whole walk, pages 1..n with no write in between
            self.dv_walks.pop(walk_key, None)
            self.dv_rows[query] = (walk[1], self.writes, ex)
            self.compare_total(query)

    def compare_total(self, query: tuple[Any, str]) -> None:
        walked, count = self.dv_rows.get(query), self.dv_counts.get(query)
        if walked is None or count is None or walked[1] != self.writes or count[1] != self.writes:
            return
        self.dv_counts.pop(query, None)
        # VF (POST /data_views/{id}/count): the count agrees with the rows the pages return
        self.require(count[0] == walked[0], "count_agrees_with_walk", "PEGA-DV-004",
                     "POST /data_views/{dataViewID}/count",
                     f"count says {count[0]}, the walk ending at {walked[2].id} returned {walked[0]} rows",
                     count[2], walked[2])

    # ------------------------------------------------------------------ collaboration (MCP client-v2.js)

    def judge_collaboration(self, ex: TrafficExchange, key: str, body: Any, case: str, group: str) -> None:
        requirement = self.GROUPS[group]
        slot = (case, group)
        method = key.split(" ", 1)[0]
        item = next(iter(v for k, v in ex.params.items() if k != "caseID"), None)
        if method == "GET" and item is None and ex.status == 200 and body is not None:
            listed = _ids(body)
            names = _ids(body, "Name")
            removed = self.removed.pop(slot, None)
            if removed is not None:
                gone, keep, done = removed
                lost = sorted(keep - listed)
                # the requirements: after DELETE the item is gone from the list, and only that item (REL-001)
                self.require(gone not in listed and not lost, "removed_item_gone", requirement, key,
                             f"after {done.id} removed {gone!r}, the list " + (
                                 "still shows it" if gone in listed else f"lost {', '.join(lost[:3])} too"),
                             done, ex)
            added = self.added.pop(slot, None)
            if added is not None:
                values, member, done = added
                missing = sorted(v for v in values if v not in (names if member == "Name" else listed))
                # the requirements: an item added (2xx for it) is listed by the next GET
                self.require(not missing, "added_item_listed", requirement, key,
                             f"{done.id} added {', '.join(missing[:3])} (2xx) but the list does not show it",
                             done, ex)
            self.lists[slot] = (listed | names, ex)
        elif method == "GET" and item is not None and group == "participants":
            removed = self.removed.get(slot)
            if removed is not None and removed[0] == item and ex.status is not None:
                # PEGA-PART-001: after DELETE the participant's GET answers 404
                self.require(ex.status == 404, "removed_item_gone", requirement, key,
                             f"GET of the participant removed by {removed[2].id} answered {ex.status}, expected 404",
                             removed[2], ex)
        elif method == "DELETE" and item is not None and _ok(ex):
            before = self.lists.get(slot)
            keep = (before[0] - {item}) if before is not None and group == "related_cases" else set()
            self.removed[slot] = (item, keep, ex)
            if before is not None:
                self.lists[slot] = (before[0] - {item}, before[1])
        elif method == "POST" and group in ADDED_BY and ex.status is not None and ex.status != 401:
            request = ex.request_json()
            outer, member = ADDED_BY[group]
            items = request.get(outer) if isinstance(request, dict) else None  # generated bodies hold anything
            values = [i.get(member) for i in (items if isinstance(items, list) else [])
                      if isinstance(i, dict) and isinstance(i.get(member), str)]
            accepted = [v for v in values if (s := _item_status(ex, body, member, v)) is not None and 200 <= s < 300]
            before = self.lists.get(slot)
            if group == "followers" and before is not None:
                again = [v for v in accepted if v in before[0]]
                # sample-data-v2.md L50-51: a user who already follows the case is refused (409), not added again
                self.require(not again, "duplicate_follower_refused", requirement, key,
                             f"{', '.join(again[:3])} already followed the case ({before[1].id}) and was added "
                             "again with a 2xx status", before[1], ex)
            if accepted:
                self.added[slot] = (accepted, member, ex)


def _strings(value: Any):  # noqa: ANN202 - every string anywhere in an answer
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value
