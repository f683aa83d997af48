"""The Pega DX API v2 emulator: cases, case actions, stages, assignments, eTags.

Sources: seed 000 (create/update, eTag = lastUpdateTime as a Pega timestamp,
v1-style PUT answering 204) and vendor-facts "Pega DX API v2" (SW status
codes, REC response envelopes, the v2 and v1 error bodies). Every behaviour
below cites one of them. Bad input always gets the documented error body;
a 500 only ever comes from an injected fault.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance.emulators.chaos import ChaosMiddleware
from conformance.emulators.common import DEMO_CLIENT_ID, Database, EmulatorConfig, TokenEndpoint
from conformance.emulators.pega_dx_v2.attachments import Attachments
from conformance.emulators.pega_dx_v2.faults import FAULTS, VARIANTS

BASE = "/prweb/api/application/v2"
V1_BASE = "/prweb/api/v1"
TOKEN_PATHS = ("/prweb/PRRestService/oauth2/v1/token", "/prweb/api/oauth2/v1/token")  # seed 000 shows both
JSON_CT = "application/json;charset=UTF-8"  # seed 000 response headers

SCHEMA = """
-- the emulator's own request log: what reached it, whatever the client claims
CREATE TABLE IF NOT EXISTS request_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    case_type TEXT NOT NULL,
    status TEXT NOT NULL,
    stage INTEGER NOT NULL,
    content TEXT NOT NULL,
    created_by TEXT NOT NULL,
    create_ms INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    update_ms INTEGER NOT NULL
);
"""

# A case type: its stages (first = create stage, last = resolution) and the
# assignment (flow, action) open in each stage. Shapes follow seed 000's
# create response (stages PRIM0.., transitionType create/automatic/resolution).
CASE_TYPES: dict[str, dict[str, Any]] = {
    "CONF-Demo-Work-Request": {"name": "Request", "prefix": "CONF-DEMO-WORK R-"},
    # seed 000's own case types, so the documented samples create real cases
    "Ed2C-Ed2Car-Work-ParentGuideInteraction": {"name": "Parent-Guide Interaction", "prefix": "ED2C-ED2CAR-WORK P-"},
    "LoanApplication": {"name": "Loan Application", "prefix": "LOAN-WORK L-"},
}
STAGES = (
    {"ID": "PRIM0", "name": "Create", "type": "Primary", "transitionType": "create",
     "flow": "CREATE_FLOW", "action": ("Submit", "Submit request"), "status": "New"},
    {"ID": "PRIM1", "name": "Review", "type": "Primary", "transitionType": "automatic",
     "flow": "REVIEW_FLOW", "action": ("Approve", "Approve request"), "status": "Open"},
    {"ID": "PRIM2", "name": "Resolution", "type": "Primary", "transitionType": "resolution",
     "flow": None, "action": None, "status": "Resolved-Completed"},
)
CASE_ACTIONS = {"pyUpdateCaseDetails": "Edit details"}  # seed 000: availableActions
INSTRUCTIONS = {"ADD", "APPEND", "UPDATE", "DELETE", "REPLACE", "INSERT", "MOVE"}


class ApiError(Exception):
    def __init__(self, status: int, classification: str, message: str, localized: str | None = None,
                 field: str = "") -> None:
        self.status, self.classification, self.message = status, classification, message
        self.localized = localized or message
        self.field = field


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def pega_stamp(ms: int) -> str:
    # seed 000: 2025-01-17T14:48:33.923Z <-> "20250117T144833.923 GMT"
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y%m%dT%H%M%S.") + f"{ms % 1000:03d} GMT"


class PegaEmulator:
    def __init__(self, config: EmulatorConfig) -> None:
        config.validate(FAULTS, VARIANTS)
        self.config = config
        self.faults = config.faults
        self.db = Database(config.db_path, SCHEMA)
        self.tokens = TokenEndpoint(self.db, config.token_lifetime, clients={DEMO_CLIENT_ID: config.client_secret})
        self.attachments = Attachments(self)

    def variant(self, name: str) -> str:
        return self.config.variant(VARIANTS, name)

    # -- responses -----------------------------------------------------------
    def error(self, exc: ApiError) -> Response:
        # VF error body v2; seed 001 shows the full errorDetails item keys.
        body: dict[str, Any] = {"errorClassification": exc.classification, "localizedValue": exc.localized}
        if "error-no-details" not in self.faults:
            body["errorDetails"] = [{
                "message": exc.message, "errorCode": "", "erroneousInputOutputFieldInPage": exc.field,
                "erroneousInputOutputIdentifier": "", "errorClassification": exc.classification,
                "errorCodeLabel": "", "localizedValue": exc.localized, "messageParameters": [],
            }]
        if exc.status == 404 and "not-found-bare-body" in self.faults:
            body = {"message": exc.message}
        headers = {"WWW-Authenticate": 'Bearer realm="pega"'} if exc.status == 401 else None
        return JSONResponse(body, status_code=exc.status, headers=headers, media_type=JSON_CT)

    def v1_error(self, status: int, code: str, message: str) -> Response:
        # VF error body v1: {"pxObjClass", "errors": [{"ID": "Pega_API_0xx", "message", "pxObjClass"}]}
        return JSONResponse({"pxObjClass": "Pega-API-Error-Response",
                             "errors": [{"ID": code, "message": message, "pxObjClass": "Pega-API-Error"}]},
                            status_code=status, media_type=JSON_CT)

    def etag(self, row: Any) -> str:
        ms = row["update_ms"]
        if "etag-mismatch" in self.faults:
            ms += 1000
        if "etag-iso-format" in self.faults:
            return f'"{iso(ms)}"'
        return f'"{pega_stamp(ms)}"'

    def location(self, path: str) -> str:
        return ("http://emulator.invalid" if self.variant("location") == "absolute" else "") + path

    # -- model ---------------------------------------------------------------
    def load(self, case_id: str) -> Any:
        row = self.db.one("SELECT * FROM cases WHERE id = ?", (case_id,))
        if row is None:
            if "unknown-case-500" in self.faults:
                raise RuntimeError("injected fault: unknown-case-500")
            # VF SW: 404 on every case operation
            raise ApiError(404, "Not found", f"Case {case_id} not found",
                           "The requested case could not be found.")
        return row

    def assignment_id(self, row: Any) -> str | None:
        stage = STAGES[row["stage"]]
        return f"ASSIGN-WORKLIST {row['id']}!{stage['flow']}" if stage["flow"] else None

    def load_assignment(self, assignment_id: str) -> Any:
        # VF: assignment IDs look like "ASSIGN-WORKLIST <caseID>!<FLOW>"
        head, _, flow = assignment_id.partition("!")
        case_id = head.removeprefix("ASSIGN-WORKLIST ").strip()
        row = self.db.one("SELECT * FROM cases WHERE id = ?", (case_id,)) if head.startswith("ASSIGN-") else None
        if row is None or self.assignment_id(row) != assignment_id:
            if "unknown-assignment-403" in self.faults:
                raise ApiError(403, "Insufficient security", "Not allowed",
                               "User is not allowed to access or update the resource.")
            raise ApiError(404, "Not found", f"Assignment {assignment_id} not found",
                           "The requested assignment could not be found.")
        return row

    def case_info(self, row: Any) -> dict[str, Any]:
        stage_no = row["stage"]
        stage = STAGES[stage_no]
        content = json.loads(row["content"])
        case_path = f"/cases/{row['id']}"
        assignments = []
        aid = self.assignment_id(row)
        if aid:
            action_id, action_name = stage["action"]
            assignments.append({
                "ID": aid, "processID": stage["flow"], "processName": stage["name"], "name": action_name,
                "instructions": "", "assigneeInfo": {"ID": row["created_by"], "name": row["created_by"],
                                                     "type": "worklist"},
                "links": {"open": {"rel": "self", "href": f"/assignments/{aid}", "type": "GET",
                                   "title": "Get assignment details"}},
                "actions": [{"ID": action_id, "name": action_name, "type": "FlowAction",
                             "links": {"submit": {"rel": "self", "href": f"/assignments/{aid}/actions/{action_id}",
                                                  "type": "PATCH", "title": "Submit assignment action"}}}],
            })
        stages = []
        for i, st in enumerate(STAGES):
            item = {"ID": st["ID"], "name": st["name"], "type": st["type"], "transitionType": st["transitionType"],
                    "visited_status": "past" if i < stage_no else ("active" if i == stage_no else "future"),
                    "links": {"open": {"rel": "self", "href": f"{case_path}/stages/{st['ID']}", "type": "PUT",
                                       "title": "Jump to this stage"}}}
            if i == stage_no:
                item["entryTime"] = iso(row["update_ms"])
            stages.append(item)
        urgency: Any = "10" if self.variant("urgency") == "string" else 10
        status: Any = row["status"] if "schema-status-int" not in self.faults else 1
        ctype = CASE_TYPES[row["case_type"]]
        return {
            "ID": row["id"], "businessID": row["id"].rsplit(" ", 1)[-1], "caseTypeID": row["case_type"],
            "caseTypeName": ctype["name"], "name": content.get("pyLabel") or ctype["name"],
            "status": status, "stageID": stage["ID"], "stageLabel": stage["name"], "urgency": urgency,
            "owner": row["created_by"], "createTime": iso(row["create_ms"]), "createdBy": row["created_by"],
            "lastUpdateTime": iso(row["update_ms"]), "lastUpdatedBy": row["updated_by"], "content": content,
            "assignments": assignments,
            "availableActions": [{"ID": k, "name": v, "type": "Case",
                                  "links": {"open": {"rel": "self", "href": f"{case_path}/actions/{k}",
                                                     "type": "GET", "title": "Get case action details"}}}
                                 for k, v in CASE_ACTIONS.items()],
            "stages": stages, "sla": {"goal": "", "deadline": ""}, "hasNewAttachments": False,
            "caseTypeIcon": "cmicons/pycase.svg",
        }

    def envelope(self, row: Any) -> dict[str, Any]:
        # VF (REC): data{caseInfo}, uiResources{...}
        return {"data": {"caseInfo": self.case_info(row), "referencedUsers": []},
                "uiResources": {"root": {"type": "reference", "config": {"name": "pyDetails"}},
                                "resources": {}, "context_data": {}, "navigation": {}, "actionButtons": {}}}

    def next_assignment_info(self, row: Any) -> dict[str, Any] | None:
        aid = self.assignment_id(row)
        if not aid:
            return None
        return {"ID": aid, "className": row["case_type"], "context": "self",
                "links": {"open": {"rel": "self", "href": f"/assignments/{aid}", "type": "GET",
                                   "title": "Get assignment details"}}}

    def json_response(self, body: Any, status: int = 200, row: Any = None, location: str | None = None,
                      etag: str | None = None) -> Response:
        headers = {}
        if row is not None or etag is not None:
            headers["ETag"] = etag or self.etag(row)
        if location is not None:
            headers["Location"] = self.location(location)
        return JSONResponse(body, status_code=status, headers=headers, media_type=JSON_CT)

    # -- request parsing -----------------------------------------------------
    async def read_json_object(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            if "malformed-body-500" in self.faults:
                raise RuntimeError("injected fault: malformed-body-500")
            # VF SW: 400 on POST /cases and the action PATCHes
            raise ApiError(400, "Bad Request", "Request body is not valid JSON",
                           "The request body could not be parsed as JSON.")
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request", "Request body must be a JSON object",
                           "The request body must be a JSON object.")
        return body

    def validate_update(self, body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        content = body.get("content", {})
        if not isinstance(content, dict):
            if "wrong-shape-accepted" in self.faults:
                content = {}
            else:
                raise ApiError(400, "Bad Request", "content must be a JSON object",
                               "The content element must be an object.", "content")
        instructions = body.get("pageInstructions", [])
        if not isinstance(instructions, list):
            raise ApiError(400, "Bad Request", "pageInstructions must be an array",
                           "The pageInstructions element must be an array.", "pageInstructions")
        for i, ins in enumerate(instructions):
            # seed 000: {instruction: ADD|APPEND|UPDATE.., target, content{}, listIndex "1", groupIndex "Customer"}
            if not isinstance(ins, dict) or not isinstance(ins.get("target"), str) or \
                    not isinstance(ins.get("instruction"), str) or ins["instruction"] not in INSTRUCTIONS or \
                    any(k in ins and not isinstance(ins[k], dict) for k in ("content", "data")) or \
                    ("groupIndex" in ins and not isinstance(ins["groupIndex"], str)) or \
                    ("listIndex" in ins and (isinstance(ins["listIndex"], bool)
                                             or not isinstance(ins["listIndex"], (str, int)))):
                raise ApiError(422, "Validation fail", f"pageInstructions[{i}] is not a valid page instruction",
                               "A page instruction is invalid.", f"pageInstructions[{i}]")
        return content, instructions

    @staticmethod
    def apply(content: dict[str, Any], updates: dict[str, Any], instructions: list[dict[str, Any]]) -> dict:
        merged = {**content, **updates}
        for ins in instructions:
            target = ins["target"].lstrip(".")
            data = ins.get("content", ins.get("data", {}))
            kind = ins["instruction"]
            if kind in {"APPEND", "INSERT"}:
                current = merged.get(target)
                merged[target] = (current if isinstance(current, list) else []) + [data]
            elif kind == "ADD" and "groupIndex" in ins:
                group = merged.get(target) if isinstance(merged.get(target), dict) else {}
                merged[target] = {**group, str(ins["groupIndex"]): data}
            elif kind in {"UPDATE", "DELETE", "MOVE"} and "listIndex" in ins:
                items = merged.get(target) if isinstance(merged.get(target), list) else []
                try:
                    index = int(ins["listIndex"]) - 1  # seed 000: listIndex "1" is the first item
                except (TypeError, ValueError):
                    index = -1
                if not 0 <= index < len(items):
                    raise ApiError(422, "Validation fail", f"listIndex {ins['listIndex']} is out of range for "
                                   f"{target}", "A page instruction points outside its list.", target)
                if kind == "UPDATE" and isinstance(items[index], dict) and isinstance(data, dict):
                    items[index] = {**items[index], **data}
                elif kind == "DELETE":
                    items.pop(index)
                merged[target] = items
            else:  # REPLACE, ADD without group, UPDATE of a page
                merged[target] = data
        return merged

    def check_if_match(self, request: Request, row: Any, op: str) -> str | None:
        """Returns the If-Match value, or raises the documented refusal. None only under a fault."""
        sent = request.headers.get("if-match")
        if sent is None:
            if "accept-missing-if-match" in self.faults:
                return None
            if self.variant("missing-if-match") == "403":
                # VF: field reports for v1 show 403 Pega_API_020
                raise ApiError(403, "Forbidden", "Pega_API_020: If-Match header is required",
                               "The If-Match header is missing.")
            # VF SW: 428 Precondition Required
            raise ApiError(428, "Precondition Required", "If-Match header is required",
                           "The If-Match header is missing.")
        if not self.etag_matches(sent, row, op):
            raise self.stale()
        return sent

    def etag_matches(self, sent: str, row: Any, op: str) -> bool:
        if "accept-stale-etag" in self.faults:
            return True
        if op == "assignment" and "accept-stale-etag-assignment" in self.faults:
            return True
        # clients send the eTag back verbatim (VF); tolerate a missing pair of quotes
        return sent.strip().strip('"') == self.etag(row).strip('"')

    def stale(self) -> ApiError:
        status = int(self.variant("stale"))  # VF: 409 and 412 are both documented
        return ApiError(status, "Conflict" if status == 409 else "Precondition Failed",
                        "The case has changed since it was read (eTag mismatch)",
                        "The case was updated by someone else; refresh and try again.")

    def write(self, row: Any, user: str, content: dict[str, Any], stage: int | None = None,
              status: str | None = None, sent_etag: str | None = None) -> Any:
        """Compare-and-set: the row is changed only if it is still the version that was checked."""
        new_ms = max(int(time.time() * 1000), row["update_ms"] + 1)  # a new, different eTag every write
        stage = row["stage"] if stage is None else stage
        status = status or STAGES[stage]["status"]
        with self.db.tx() as conn:
            changed = conn.execute(
                "UPDATE cases SET content = ?, stage = ?, status = ?, updated_by = ?, update_ms = ? "
                "WHERE id = ? AND update_ms = ?",
                (json.dumps(content), stage, status, user, new_ms, row["id"], row["update_ms"]),
            ).rowcount
        if not changed:
            raise self.stale()  # someone else wrote between our check and this write
        return self.db.one("SELECT * FROM cases WHERE id = ?", (row["id"],))

    async def write_unchecked(self, row: Any, user: str, content: dict[str, Any], stage: int | None = None) -> Any:
        """Fault race-lost-update: the eTag was checked earlier; write blindly after a pause."""
        await asyncio.sleep(0.05)
        new_ms = max(int(time.time() * 1000), row["update_ms"] + 1)
        stage = row["stage"] if stage is None else stage
        self.db.run("UPDATE cases SET content = ?, stage = ?, status = ?, updated_by = ?, update_ms = ? WHERE id = ?",
                    (json.dumps(content), stage, STAGES[stage]["status"], user, new_ms, row["id"]))
        return self.db.one("SELECT * FROM cases WHERE id = ?", (row["id"],))

    async def guarded_write(self, row: Any, user: str, content: dict[str, Any], stage: int | None = None) -> Any:
        if "race-lost-update" in self.faults:
            return await self.write_unchecked(row, user, content, stage)
        return self.write(row, user, content, stage)

    def written_etag(self, sent: str | None, row: Any) -> str:
        if "etag-not-advanced" in self.faults and sent is not None:
            return sent
        return self.etag(row)

    # -- handlers --------------------------------------------------------------
    async def create_case(self, request: Request, user: str) -> Response:
        body = await self.read_json_object(request)
        case_type = body.get("caseTypeID")
        if not isinstance(case_type, str) or not case_type:
            # seed 000: caseTypeID is the one element every create body carries
            raise ApiError(400, "Bad Request", "caseTypeID is required and must be a string",
                           "Provide the case type ID.", "caseTypeID")
        for key in ("processID", "parentCaseID"):
            if key in body and not isinstance(body[key], str):
                raise ApiError(400, "Bad Request", f"{key} must be a string", f"{key} must be a string.", key)
        attachments = body.get("attachments", [])
        # seed 000: attachments: [{fileName, fileContent, mimeType}]; seed 001: or {ID} of an upload
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise ApiError(400, "Bad Request", "attachments must be an array of objects",
                           "attachments must be an array of objects.", "attachments")
        self.attachments.validate_create_items(attachments)
        content, instructions = self.validate_update(body)
        if case_type not in CASE_TYPES:
            raise ApiError(422, "Validation fail", f"Case type {case_type} is not a valid case type",
                           "The case type could not be found.", "caseTypeID")
        content = self.apply({}, content, instructions)
        now = int(time.time() * 1000)
        prefix = CASE_TYPES[case_type]["prefix"]
        with self.db.tx() as conn:
            # never reuse the number of a deleted case (a real server never does): AUTOINCREMENT's
            # high-water mark, not MAX(seq), which falls back after the newest case is deleted
            mark = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'cases'").fetchone()
            seq = max(1000, mark[0] if mark else 0) + 1
            case_id = f"{prefix}{seq}"
            conn.execute("INSERT INTO cases(seq, id, case_type, status, stage, content, created_by, create_ms, "
                         "updated_by, update_ms) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
                         (seq, case_id, case_type, STAGES[0]["status"], json.dumps(content), user, now, user, now))
        if attachments:
            try:
                self.attachments.from_create_body(case_id, user, attachments)
            except ApiError:
                # all or nothing: a refused attachment must not leave a half-created case behind
                self.db.run("DELETE FROM attachments WHERE case_id = ?", (case_id,))
                self.db.run("DELETE FROM cases WHERE id = ?", (case_id,))
                raise
        row = self.load(case_id)
        out = {"ID": case_id, **self.envelope(row), "nextAssignmentInfo": self.next_assignment_info(row)}
        # VF SW: 201 with Location + ETag
        status = 200 if "create-200" in self.faults else 201
        location = None if "create-no-location" in self.faults else f"{BASE}/cases/{quote(case_id)}"
        return self.json_response(out, status, row, location)

    async def get_case(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        return self.json_response(self.envelope(row), 200, row)  # VF SW: 200 + ETag

    async def delete_case(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        if row["stage"] != 0 and "delete-any-stage" not in self.faults:
            # seed 000: "Delete case in create stage"; VF SW documents 403
            raise ApiError(403, "Forbidden", "Case can be deleted only in its create stage",
                           "This case can no longer be deleted.")
        self.db.run("DELETE FROM cases WHERE id = ?", (row["id"],))
        return Response(status_code=200)

    async def get_case_action(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        if request.path_params["actionID"] not in CASE_ACTIONS:
            raise ApiError(404, "Not found", f"Action {request.path_params['actionID']} not found",
                           "The requested action could not be found.")
        return self.json_response(self.envelope(row), 200, row)

    async def patch_case_action(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        if request.path_params["actionID"] not in CASE_ACTIONS:
            raise ApiError(404, "Not found", f"Action {request.path_params['actionID']} not found",
                           "The requested action could not be found.")
        sent = self.check_if_match(request, row, "case")
        updates, instructions = self.validate_update(await self.read_json_object(request))
        content = json.loads(row["content"])
        if "drop-content-update" not in self.faults:
            content = self.apply(content, updates, instructions)
        row = await self.guarded_write(row, user, content)
        return self.json_response(self.envelope(row), 200, etag=self.written_etag(sent, row),
                                  location=f"{BASE}/cases/{quote(row['id'])}")

    async def get_stages(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        return self.json_response({"stages": self.case_info(row)["stages"]})

    async def next_stage(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        sent = self.check_if_match(request, row, "case")
        if row["stage"] >= len(STAGES) - 1:
            raise ApiError(422, "Validation fail", "The case is already in its last stage",
                           "There is no next stage.")
        row = await self.guarded_write(row, user, json.loads(row["content"]), row["stage"] + 1)
        return self.json_response(self.envelope(row), 200, etag=self.written_etag(sent, row))

    async def jump_stage(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        ids = [s["ID"] for s in STAGES]
        stage_id = request.path_params["stageID"]
        if stage_id not in ids:
            raise ApiError(404, "Not found", f"Stage {stage_id} not found", "The stage could not be found.")
        sent = self.check_if_match(request, row, "case")
        row = await self.guarded_write(row, user, json.loads(row["content"]), ids.index(stage_id))
        return self.json_response(self.envelope(row), 200, etag=self.written_etag(sent, row))

    async def next_assignment(self, request: Request, user: str) -> Response:
        rows = self.db.all("SELECT * FROM cases WHERE created_by = ? AND stage < ? ORDER BY seq LIMIT 1",
                           (user, len(STAGES) - 1))
        if not rows:
            raise ApiError(404, "Not found", "No assignment is available", "There is no next assignment.")
        return self.json_response(self.envelope(rows[0]), 200, rows[0])

    async def get_assignment(self, request: Request, user: str) -> Response:
        row = self.load_assignment(request.path_params["assignmentID"])
        return self.json_response(self.envelope(row), 200, row)

    def assignment_action(self, request: Request) -> Any:
        row = self.load_assignment(request.path_params["assignmentID"])
        if request.path_params["actionID"] != STAGES[row["stage"]]["action"][0]:
            raise ApiError(404, "Not found", f"Action {request.path_params['actionID']} not found",
                           "The requested action could not be found.")
        return row

    async def get_assignment_action(self, request: Request, user: str) -> Response:
        row = self.assignment_action(request)
        return self.json_response(self.envelope(row), 200, row)

    async def submit_assignment(self, request: Request, user: str) -> Response:
        row = self.assignment_action(request)
        sent = self.check_if_match(request, row, "assignment")
        updates, instructions = self.validate_update(await self.read_json_object(request))
        content = self.apply(json.loads(row["content"]), updates, instructions)
        stage = row["stage"] if "assignment-no-advance" in self.faults else row["stage"] + 1
        row = await self.guarded_write(row, user, content, stage)
        body = self.envelope(row)
        nxt = self.next_assignment_info(row)
        if nxt and "assignment-no-advance" not in self.faults:
            body["nextAssignmentInfo"] = nxt
        elif not nxt:
            body["confirmationNote"] = "Thank you! The next step in this case has been routed appropriately."
        # VF SW: 200 + Location + ETag
        return self.json_response(body, 200, etag=self.written_etag(sent, row),
                                  location=f"{BASE}/cases/{quote(row['id'])}")

    async def save_assignment(self, request: Request, user: str) -> Response:
        row = self.assignment_action(request)
        sent = self.check_if_match(request, row, "assignment")
        updates, instructions = self.validate_update(await self.read_json_object(request))
        row = await self.guarded_write(row, user, self.apply(json.loads(row["content"]), updates, instructions))
        return self.json_response(self.envelope(row), 200, etag=self.written_etag(sent, row))

    # -- v1 style (seed 000) -------------------------------------------------------
    def v1_case(self, row: Any) -> dict[str, Any]:
        info = self.case_info(row)
        # seed 000's GET sample: the flat v1 shape
        return {"caseTypeID": info["caseTypeID"], "createdBy": info["createdBy"], "createTime": info["createTime"],
                "ID": info["ID"], "lastUpdatedBy": info["lastUpdatedBy"], "lastUpdateTime": info["lastUpdateTime"],
                "name": info["name"], "pxObjClass": "Pega-API-CaseManagement-Case", "stage": info["stageID"],
                "status": info["status"], "urgency": info["urgency"], "content": info["content"],
                "actions": [{"ID": k, "name": v, "pxObjClass": "Pega-API-CaseManagement-Action"}
                            for k, v in CASE_ACTIONS.items()]}

    async def v1_get(self, request: Request, user: str) -> Response:
        row = self.db.one("SELECT * FROM cases WHERE id = ?", (request.path_params["caseID"],))
        if row is None:
            return self.v1_error(404, "Pega_API_004", "Case not found")
        return self.json_response(self.v1_case(row), 200, row)

    async def v1_put(self, request: Request, user: str) -> Response:
        row = self.db.one("SELECT * FROM cases WHERE id = ?", (request.path_params["caseID"],))
        if row is None:
            return self.v1_error(404, "Pega_API_004", "Case not found")
        sent = request.headers.get("if-match")
        if sent is None and "accept-missing-if-match" not in self.faults:
            return self.v1_error(403, "Pega_API_020", "If-Match header is required")  # VF v1 field reports
        if sent is not None and not self.etag_matches(sent, row, "case"):
            return self.v1_error(412, "Pega_API_021", "eTag mismatch")  # VF: v1 answers 412 Pega_API_021
        try:
            updates, instructions = self.validate_update(await self.read_json_object(request))
            content = self.apply(json.loads(row["content"]), updates, instructions)
            row = await self.guarded_write(row, user, content)
        except ApiError as exc:
            return self.v1_error(exc.status, "Pega_API_005", exc.message)
        if "v1-put-200" in self.faults:
            return self.json_response(self.v1_case(row), 200, row)
        return Response(status_code=204, headers={"ETag": self.etag(row)})  # seed 000: 204, no body

    # -- wiring ----------------------------------------------------------------------
    def authed(self, handler: Any, name: str) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                user = self.tokens.subject(request)
                if user is None:
                    open_get = ("auth-optional-get" in self.faults and name == "get_case") or \
                        ("attachments-auth-ignored" in self.faults and name == "list")
                    any_token = "auth-any-token" in self.faults and \
                        request.headers.get("authorization", "").lower().startswith("bearer ")
                    if not (open_get or any_token):
                        # seed 000: OAuth 2.0 protects every call
                        raise ApiError(401, "Authentication failure", "Missing or invalid access token",
                                       "You are not authenticated.")
                    user = "anonymous"
                return await handler(request, user)
            except ApiError as exc:
                return self.error(exc)
            except RuntimeError as exc:
                if "injected fault" in str(exc):
                    return PlainTextResponse("Internal Server Error", status_code=500)
                raise

        endpoint.__name__ = name
        return endpoint

    def routes(self) -> list[Route]:
        table = [
            ("/cases", ["POST"], self.create_case),
            ("/cases/{caseID}", ["GET"], self.get_case),
            ("/cases/{caseID}", ["DELETE"], self.delete_case),
            ("/cases/{caseID}/actions/{actionID}", ["GET"], self.get_case_action),
            ("/cases/{caseID}/actions/{actionID}", ["PATCH"], self.patch_case_action),
            ("/cases/{caseID}/stages", ["GET"], self.get_stages),
            ("/cases/{caseID}/stages/next", ["POST"], self.next_stage),
            ("/cases/{caseID}/stages/{stageID}", ["PUT"], self.jump_stage),
            ("/assignments/next", ["GET"], self.next_assignment),
            ("/assignments/{assignmentID}", ["GET"], self.get_assignment),
            ("/assignments/{assignmentID}/actions/{actionID}", ["GET"], self.get_assignment_action),
            ("/assignments/{assignmentID}/actions/{actionID}", ["PATCH"], self.submit_assignment),
            ("/assignments/{assignmentID}/actions/{actionID}/save", ["PATCH"], self.save_assignment),
        ]
        table += self.attachments.routes()
        routes = [Route(BASE + path, self.authed(fn, fn.__name__), methods=methods) for path, methods, fn in table]
        if self.variant("v1-update") == "on":
            routes.append(Route(V1_BASE + "/cases/{caseID}", self.authed(self.v1_get, "v1_get"), methods=["GET"]))
            routes.append(Route(V1_BASE + "/cases/{caseID}", self.authed(self.v1_put, "v1_put"), methods=["PUT"]))
        routes += [Route(p, self.tokens.handle, methods=["POST"]) for p in TOKEN_PATHS]
        return routes

    def app(self) -> Starlette:
        async def not_found(request: Request, exc: Exception) -> Response:
            status = getattr(exc, "status_code", 404)
            return self.error(ApiError(status, "Not found" if status == 404 else "Bad Request",
                                       f"No resource at {request.method} {request.url.path}",
                                       "The requested resource could not be found."))

        starlette = Starlette(routes=self.routes(), exception_handlers={404: not_found, 405: not_found})

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":  # every request that reached the server, routed or not
                self.db.run("INSERT INTO request_log(method, path, at) VALUES (?, ?, ?)",
                            (scope["method"], scope["path"], time.time()))
            await starlette(scope, receive, send)

        if self.config.chaos:
            return ChaosMiddleware(app, self.config.chaos, spare=TOKEN_PATHS)  # type: ignore[return-value]
        return app  # type: ignore[return-value]


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    return PegaEmulator(config or EmulatorConfig()).app()
