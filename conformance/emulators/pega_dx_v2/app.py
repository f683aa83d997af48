"""The Pega DX API v2 emulator: cases, case actions, stages, assignments, eTags,
form refresh and step navigation.

Sources: seed 000 (create/update, eTag = lastUpdateTime as a Pega timestamp,
v1-style PUT answering 204), vendor-facts "Pega DX API v2" (SW status
codes, REC response envelopes, the v2 and v1 error bodies) and the responses
real Pega servers sent, recorded in ../shared/corpus/pega-dx-v2/responses/
(cited below as "corpus <file>"; the suite keeps a copy in tests/corpus/).
Every behaviour below cites one of them. Bad input always gets the documented
error body; a 500 only ever comes from an injected fault.
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
from conformance.emulators.pega_dx_v2.collaboration import Collaboration
from conformance.emulators.pega_dx_v2.faults import FAULTS, VARIANTS
from conformance.emulators.pega_dx_v2.surface import Surface

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
    update_ms INTEGER NOT NULL,
    -- the step of a multi-step assignment (0 = its first step)
    step INTEGER NOT NULL DEFAULT 0,
    -- {stage index: entry time in ms}: past stages keep their entryTime (corpus cases/KeysAndCiphers-POST.json)
    entries TEXT NOT NULL DEFAULT '{}'
);
"""
# columns added after the first release: a database file written by an older emulator gets them
MIGRATIONS = (("step", "ALTER TABLE cases ADD COLUMN step INTEGER NOT NULL DEFAULT 0"),
              ("entries", "ALTER TABLE cases ADD COLUMN entries TEXT NOT NULL DEFAULT '{}'"),
              # the parent case named by POST /cases' parentCaseID (seed 000 payload), for ancestors/descendants
              ("parent", "ALTER TABLE cases ADD COLUMN parent TEXT"))

# A case type: its stages (first = create stage, last = resolution) and the
# assignment (flow, action) open in each stage. Shapes follow seed 000's
# create response (stages PRIM0.., transitionType create/automatic/resolution).
# text properties of every case type (seed 000 payloads): their values are text, never lists or objects
TEXT_PROPERTIES = ("pyLabel", "pyNote", "pyDescription")
CASE_TYPES: dict[str, dict[str, Any]] = {
    "CONF-Demo-Work-Request": {"name": "Request", "prefix": "CONF-DEMO-WORK R-"},
    # a create stage whose assignment is a multi-step form, after the recorded screen flow of
    # corpus cases/NextPreviousTest-Step1-POST.json (steps Create, Step2, Step3 with actions of those names,
    # one assignment ID throughout; submitting a step opens the next: assignments/NextPreviousTest-1-Step2.json)
    "CONF-Demo-Work-Wizard": {"name": "Wizard", "prefix": "CONF-DEMO-WORK W-",
                              "steps": (("Create", "step1"), ("Step2", "step2"), ("Step3", "step3"))},
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
# the case views a view refresh knows: the case's details view (the GET's uiResources root) and the
# create stage's form (corpus assignments/refresh/DataReferenceTest-Refresh-1.json refreshes view "Create")
CASE_VIEWS = ("pyDetails", "Create")
# the operation groups of surface.py, each switched by the variant of its name (faults.VARIANTS)
SURFACE_GROUPS = ("case-types", "hierarchy", "lock-release", "bulk-actions", "optional-processes", "case-views",
                  "recalculate", "refresh-navigation", "data-records", "data-views")
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
        self._seen_once: set[str] = set()
        self.db = Database(config.db_path, SCHEMA)
        have = {r["name"] for r in self.db.all("PRAGMA table_info(cases)")}
        for column, sql in MIGRATIONS:
            if column not in have:
                self.db.run(sql)
        self.tokens = TokenEndpoint(self.db, config.token_lifetime, clients={DEMO_CLIENT_ID: config.client_secret})
        self.attachments = Attachments(self)
        self.surface = Surface(self)
        self.collaboration = Collaboration(self)

    def _once(self, key: str) -> bool:
        """True the first time only (an intermittent fault: seen by a run, gone on its rerun)."""
        first = key not in self._seen_once
        self._seen_once.add(key)
        return first

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

    def steps(self, row: Any) -> tuple[tuple[str, str], ...]:
        """The steps (action ID, name) of the case's open assignment; one step unless its form has several."""
        steps = CASE_TYPES[row["case_type"]].get("steps")
        if row["stage"] == 0 and steps:
            return steps
        action = STAGES[row["stage"]]["action"]
        return (action,) if action else ()

    def current_action(self, row: Any) -> tuple[str, str]:
        steps = self.steps(row)
        return steps[min(row["step"], len(steps) - 1)]

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
        entries = json.loads(row["entries"] or "{}")
        case_path = f"/cases/{row['id']}"
        urgency: Any = "10" if self.variant("urgency") == "string" else 10
        assignments = []
        aid = self.assignment_id(row)
        if aid:
            action_id, action_name = self.current_action(row)
            action_path = f"/assignments/{aid}/actions/{action_id}"
            # item keys, string flags ("canPerform": "true", "isMultiStep") and the three action links as
            # recorded: corpus assignments/NextPreviousTest-4-Step3.json, cases/KeysAndCiphers-POST.json
            item = {
                "instructions": "", "canPerform": "true",
                "assigneeInfo": {"name": row["created_by"], "ID": row["created_by"], "type": "worklist"},
                "processID": stage["flow"], "createTime": iso(entries.get(str(stage_no), row["update_ms"])),
                "urgency": urgency, "processName": stage["name"],
                "isMultiStep": "true" if len(self.steps(row)) > 1 else "false", "name": action_name, "context": "",
                "links": {"open": {"rel": "self", "href": f"/assignments/{aid}", "type": "GET",
                                   "title": "Get assignment details"}},
                "ID": aid,
                "actions": [{"name": action_name, "links": {
                    "submit": {"rel": "self", "href": action_path, "type": "PATCH",
                               "title": "Submit assignment action "},
                    "save": {"rel": "self", "href": f"{action_path}/save", "type": "PATCH",
                             "title": "Save assignment action "},
                    "open": {"rel": "self", "href": action_path, "type": "GET",
                             "title": "Get assignment action details"}}, "ID": action_id, "type": "FlowAction"}],
            }
            if "assignment-no-actions" in self.faults:
                del item["actions"]
            assignments.append(item)
        stages = []
        for i, st in enumerate(STAGES):
            # corpus cases/KeysAndCiphers-POST.json: a stage the case has left is "completed" (with its
            # entryTime), the current one "active", later ones "future"; once the case's last assignment is
            # done its stage is "completed" too (assignments/DataReferenceMultiSelectTest-1-Create.json)
            if i < stage_no or (i == stage_no and not aid):
                visited = "completed"
            else:
                visited = "active" if i == stage_no else "future"
            item = {"name": st["name"],
                    "links": {"open": {"rel": "self", "href": f"{case_path}/stages/{st['ID']}", "type": "PUT",
                                       "title": "Jump to this stage"}},
                    "visited_status": visited, "ID": st["ID"], "type": st["type"],
                    "transitionType": st["transitionType"]}
            if i <= stage_no and str(i) in entries:
                item = {"entryTime": iso(entries[str(i)]), **item}
            stages.append(item)
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
            # corpus cases/KeysAndCiphers-POST.json
            "associations": {"follows": False}, "WidgetsToRefresh": ["TaskList"],
        }

    def view_resources(self, row: Any, view: str, content: dict[str, Any]) -> dict[str, Any]:
        """uiResources.resources, components and localeReferences of one form view: the view with a text
        input per content property (corpus assignments/NextPreviousTest-1-Step2.json: resources{views{name:
        [View{config{template, ruleClass, localeReference}, children[Region[TextInput]]}]}, fields{name:
        [{classID, type, displayAs, label}]}}, components, localeReferences)."""
        ctype = row["case_type"]
        fields = sorted(k for k in content if isinstance(k, str))
        return {
            "resources": {
                "views": {view: [{"name": view, "type": "View",
                                  "config": {"template": "DefaultForm", "ruleClass": ctype, "localeReference":
                                             f"@LR {ctype.upper()}!VIEW!{view.upper()}"},
                                  "children": [{"name": "Fields", "type": "Region", "children": [
                                      {"config": {"label": f"@FL .{f}", "labelOption": "default", "value": f"@P .{f}"},
                                       "type": "TextInput"}
                                      for f in fields]}],
                                  "classID": ctype}]},
                "fields": {f: [{"classID": ctype, "type": "Text", "displayAs": "pxTextInput", "label": f}]
                           for f in fields},
            },
            "components": ["DefaultForm", "Region", "TextInput", "View"],
            "localeReferences": [f"{ctype.upper()}!VIEW!{view.upper()}"],
        }

    def ui_resources(self, row: Any, view: str = "pyDetails", assignment: bool = False) -> dict[str, Any]:
        # VF (REC): uiResources{root, components, context_data, navigation, actionButtons, ...}
        content = json.loads(row["content"])
        ui: dict[str, Any] = {
            **self.view_resources(row, view, content),
            "root": {"type": "reference", "config": {"type": "view", "name": view, "context": "caseInfo.content"}},
            "context_data": {},
        }
        if not assignment or not self.assignment_id(row):
            return ui
        steps = self.steps(row)
        step = min(row["step"], len(steps) - 1)
        aid = self.assignment_id(row)
        last = step == len(steps) - 1
        # corpus cases/KeysAndCiphers-POST.json (one step: Cancel, Save for later / Submit);
        # cases/NextPreviousTest-Step1-POST.json and assignments/NextPreviousTest-4-Step3.json (several steps:
        # Cancel, and Previous from the second step on / Next)
        secondary: list[dict[str, Any]] = [{"jsAction": "cancelAssignment", "name": "Cancel", "actionID": "cancel"}]
        if len(steps) == 1:
            secondary.append({"jsAction": "saveAssignment", "name": "Save for later", "actionID": "save"})
        elif step > 0:
            secondary.append({"jsAction": "navigateToStep", "name": "Previous", "actionID": "back",
                              "links": {"open": {"rel": "self", "href": f"assignments/{aid}/navigation_steps/previous",
                                                 "type": "PATCH", "title": "Go back to previous step"}}})
        main = ({"jsAction": "finishAssignment", "name": "Submit", "actionID": "submit"} if last else
                {"jsAction": "finishAssignment", "name": "Next   ", "actionID": "next"})
        ui["actionButtons"] = {"secondary": secondary, "main": [main]}
        if len(steps) > 1:
            # corpus assignments/NextPreviousTest-4-Step3.json: done steps "success", the open one "current"
            # (no link), later ones "future"
            nav = []
            for i, (action_id, name) in enumerate(steps):
                item: dict[str, Any] = {"allow_jump": True, "name": name, "actionID": action_id,
                                        "visited_status": "success" if i < step else
                                        ("current" if i == step else "future")}
                if i != step:
                    item["links"] = {"open": {"rel": "self",
                                              "href": f"assignments/{aid}/navigation_steps/AssignmentSF{i + 1}",
                                              "type": "PATCH", "title": f"Go to {name}"}}
                item["ID"] = f"AssignmentSF{i + 1}"
                nav.append(item)
            ui["navigation"] = {"template": "Horizontal", "steps": nav}
        return ui

    def envelope(self, row: Any, view: str = "pyDetails", assignment: bool = False) -> dict[str, Any]:
        # VF (REC): data{caseInfo}, uiResources{...}
        return {"data": {"caseInfo": self.case_info(row), "referencedUsers": []},
                "uiResources": self.ui_resources(row, view, assignment)}

    def assignment_envelope(self, row: Any) -> dict[str, Any]:
        """An assignment's answer: the open step's form (corpus assignments/NextPreviousTest-1-Step2.json:
        root view "Step2"), with its buttons and step navigation."""
        view = self.current_action(row)[0] if self.assignment_id(row) else "pyDetails"
        return self.envelope(row, view, assignment=True)

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
        for name in TEXT_PROPERTIES:
            # seed 000: pyLabel and pyNote are text ("API Case Update Test", "Create Case"); a list or an object
            # for a text property is a validation failure, the 422 of the SW table, not a value to store
            value = content.get(name)
            if name in content and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
                raise ApiError(422, "Validation fail", f"{name} must be a text value",
                               f"The value of {name} is not valid.", f"content.{name}")
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
            if "accept-missing-if-match" in self.faults or \
                    (op == "recalculate" and "recalc-accepts-missing-if-match" in self.faults):
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
        if op == "navigation" and "nav-accepts-stale" in self.faults:
            return True
        if op == "jump" and "jump-accepts-stale" in self.faults:
            return True
        if op == "recalculate" and "recalc-accepts-stale" in self.faults:
            return True
        # clients send the eTag back verbatim (VF); tolerate a missing pair of quotes
        return sent.strip().strip('"') == self.etag(row).strip('"')

    def stale(self) -> ApiError:
        status = int(self.variant("stale"))  # VF: 409 and 412 are both documented
        return ApiError(status, "Conflict" if status == 409 else "Precondition Failed",
                        "The case has changed since it was read (eTag mismatch)",
                        "The case was updated by someone else; refresh and try again.")

    def moved(self, row: Any, stage: int | None, step: int | None, new_ms: int) -> tuple[int, int, str, str]:
        """(stage, step, status, entries) after a write: a new stage opens at its first step and records
        its entry time (corpus cases/KeysAndCiphers-POST.json: every entered stage keeps an entryTime)."""
        new_stage = row["stage"] if stage is None else stage
        entries = json.loads(row["entries"] or "{}")
        if new_stage != row["stage"]:
            entries[str(new_stage)] = new_ms
            step = 0
        new_step = row["step"] if step is None else step
        return new_stage, new_step, STAGES[new_stage]["status"], json.dumps(entries)

    def write(self, row: Any, user: str, content: dict[str, Any], stage: int | None = None,
              step: int | None = None) -> Any:
        """Compare-and-set: the row is changed only if it is still the version that was checked."""
        new_ms = max(int(time.time() * 1000), row["update_ms"] + 1)  # a new, different eTag every write
        stage, step, status, entries = self.moved(row, stage, step, new_ms)
        with self.db.tx() as conn:
            changed = conn.execute(
                "UPDATE cases SET content = ?, stage = ?, step = ?, status = ?, entries = ?, updated_by = ?, "
                "update_ms = ? WHERE id = ? AND update_ms = ?",
                (json.dumps(content), stage, step, status, entries, user, new_ms, row["id"], row["update_ms"]),
            ).rowcount
        if not changed:
            raise self.stale()  # someone else wrote between our check and this write
        return self.db.one("SELECT * FROM cases WHERE id = ?", (row["id"],))

    async def write_unchecked(self, row: Any, user: str, content: dict[str, Any], stage: int | None = None,
                              step: int | None = None) -> Any:
        """Fault race-lost-update: the eTag was checked earlier; write blindly after a pause."""
        await asyncio.sleep(0.05)
        new_ms = max(int(time.time() * 1000), row["update_ms"] + 1)
        stage, step, status, entries = self.moved(row, stage, step, new_ms)
        self.db.run("UPDATE cases SET content = ?, stage = ?, step = ?, status = ?, entries = ?, updated_by = ?, "
                    "update_ms = ? WHERE id = ?",
                    (json.dumps(content), stage, step, status, entries, user, new_ms, row["id"]))
        return self.db.one("SELECT * FROM cases WHERE id = ?", (row["id"],))

    async def guarded_write(self, row: Any, user: str, content: dict[str, Any], stage: int | None = None,
                            step: int | None = None) -> Any:
        if "race-lost-update" in self.faults:
            return await self.write_unchecked(row, user, content, stage, step)
        return self.write(row, user, content, stage, step)

    def written_etag(self, sent: str | None, row: Any) -> str:
        if "etag-not-advanced" in self.faults and sent is not None:
            return sent
        return self.etag(row)

    # -- handlers --------------------------------------------------------------
    async def create_case(self, request: Request, user: str) -> Response:
        body = await self.read_json_object(request)
        case_type = body.get("caseTypeID")
        if "id-list-500" in self.faults and any(isinstance(body.get(k), (list, dict))
                                                 for k in ("caseTypeID", "processID", "parentCaseID")):
            # the defect stock schemathesis found on an independent DX v2 server: an ID member sent as a
            # JSON list reaches code that expects a string
            raise RuntimeError("injected fault: id-list-500")
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
        # seed 000's payload carries parentCaseID ('' for a top case); a parent this server has is kept, for
        # GET /cases/{ID}/ancestors and /descendants (VF SW)
        parent = body.get("parentCaseID") or None
        if parent is not None and self.db.one("SELECT 1 FROM cases WHERE id = ?", (parent,)) is None:
            parent = None
        now = int(time.time() * 1000)
        prefix = CASE_TYPES[case_type]["prefix"]
        with self.db.tx() as conn:
            # never reuse the number of a deleted case (a real server never does): AUTOINCREMENT's
            # high-water mark, not MAX(seq), which falls back after the newest case is deleted
            mark = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'cases'").fetchone()
            seq = max(1000, mark[0] if mark else 0) + 1
            case_id = f"{prefix}{seq}"
            conn.execute("INSERT INTO cases(seq, id, case_type, status, stage, content, created_by, create_ms, "
                         "updated_by, update_ms, step, entries, parent) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, 0, ?, ?)",
                         (seq, case_id, case_type, STAGES[0]["status"], json.dumps(content), user, now, user, now,
                          json.dumps({"0": now}), parent))
        if attachments:
            try:
                self.attachments.from_create_body(case_id, user, attachments)
            except ApiError:
                # all or nothing: a refused attachment must not leave a half-created case behind
                self.db.run("DELETE FROM attachments WHERE case_id = ?", (case_id,))
                self.db.run("DELETE FROM cases WHERE id = ?", (case_id,))
                raise
        row = self.load(case_id)
        # corpus cases/*-POST.json: the new case's assignment in the "pyEmbedAssignment" view, with its buttons
        out = {"ID": case_id, **self.envelope(row, "pyEmbedAssignment", assignment=True),
               "nextAssignmentInfo": self.next_assignment_info(row)}
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
        if "stages-missing" in self.faults:
            raise ApiError(404, "Not found", f"Stages of case {row['id']} not found",
                           "The requested resource could not be found.")
        # VF SW: GET /cases/{caseID}/stages 200; the items as in caseInfo.stages (corpus cases/KeysAndCiphers-POST.json)
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
        return self.json_response(self.assignment_envelope(rows[0]), 200, rows[0])

    async def get_assignment(self, request: Request, user: str) -> Response:
        row = self.load_assignment(request.path_params["assignmentID"])
        return self.json_response(self.assignment_envelope(row), 200, row)

    def assignment_action(self, request: Request) -> Any:
        row = self.load_assignment(request.path_params["assignmentID"])
        # the open step's action only (corpus assignments/NextPreviousTest-1-Step2.json: one action per step)
        if request.path_params["actionID"] != self.current_action(row)[0]:
            raise ApiError(404, "Not found", f"Action {request.path_params['actionID']} not found",
                           "The requested action could not be found.")
        return row

    async def get_assignment_action(self, request: Request, user: str) -> Response:
        row = self.assignment_action(request)
        return self.json_response(self.assignment_envelope(row), 200, row)

    async def submit_assignment(self, request: Request, user: str) -> Response:
        row = self.assignment_action(request)
        sent = self.check_if_match(request, row, "assignment")
        updates, instructions = self.validate_update(await self.read_json_object(request))
        content = self.apply(json.loads(row["content"]), updates, instructions)
        stage, step = row["stage"], row["step"]
        if "assignment-no-advance" not in self.faults:
            if step < len(self.steps(row)) - 1:
                # a multi-step form opens its next step, same assignment (corpus
                # assignments/NextPreviousTest-1-Step2.json)
                step += 1
            else:
                stage += 1
        row = await self.guarded_write(row, user, content, stage, step)
        body = self.assignment_envelope(row)
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
        return self.json_response(self.assignment_envelope(row), 200, etag=self.written_etag(sent, row))

    # -- form refresh and step navigation (corpus; the documents list them by name only) ---------------
    async def refreshed(self, request: Request, user: str, row: Any, view: str) -> Response:
        """A refresh computes the form as it would be with the posted content and commits nothing: the
        answer is partial, only data.caseInfo.content and the view's uiResources (corpus
        assignments/refresh/DataReferenceTest-Refresh-1.json,
        cases/views/EmbeddedDataTest-Add-Popup-Refresh-1-PATCH.json;
        pega-dx-mcp: refresh recalculates form data after property changes, it does not save)."""
        updates, instructions = self.validate_update(await self.read_json_object(request))
        content = self.apply(json.loads(row["content"]), updates, instructions)
        if "refresh-commits" in self.faults:
            row = await self.guarded_write(row, user, content)
        ui = {**self.view_resources(row, view, content),
              "root": {"type": "reference", "config": {"type": "view", "name": view, "context": "caseInfo.content"}},
              # corpus assignments/refresh/*.json: context_data{caseInfo{content}}
              "context_data": {"caseInfo": {"content": {}}}}
        # the eTag a refresh answers is the case's, unchanged (nothing was written)
        return self.json_response({"data": {"caseInfo": {"content": content}}, "uiResources": ui}, 200, row)

    async def refresh_assignment(self, request: Request, user: str) -> Response:
        row = self.assignment_action(request)
        # If-Match is not checked: a refresh writes nothing (Pega's web embed sends it anyway)
        return await self.refreshed(request, user, row, request.path_params["actionID"])

    async def refresh_case_view(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["caseID"])
        view = request.path_params["viewID"]
        if view not in CASE_VIEWS:
            raise ApiError(404, "Not found", f"View {view} not found", "The requested view could not be found.")
        return await self.refreshed(request, user, row, view)

    async def previous_step(self, request: Request, user: str) -> Response:
        """Back one step of a multi-step form; at the first step the assignment stays where it is. eTag-locked
        like every write (pega-dx-mcp sends the eTag in If-Match for optimistic locking; corpus
        assignments/NextPreviousTest-5-Step2.json answers the step before with a new assignment createTime)."""
        row = self.load_assignment(request.path_params["assignmentID"])
        sent = self.check_if_match(request, row, "navigation")
        # pega-dx-mcp posts {content, pageInstructions} with it; the content is applied like a save
        updates, instructions = self.validate_update(await self.read_json_object(request))
        content = self.apply(json.loads(row["content"]), updates, instructions)
        step = max(0, row["step"] - 1)
        if step != row["step"] or content != json.loads(row["content"]):
            row = await self.guarded_write(row, user, content, step=step)
        # corpus assignments/NextPreviousTest-5-Step2.json: data, uiResources (the open step's form, its
        # navigation and buttons), nextAssignmentInfo naming the same assignment; ETag as every write (VF SW)
        body = {**self.assignment_envelope(row), "nextAssignmentInfo": self.next_assignment_info(row)}
        return self.json_response(body, 200, etag=self.written_etag(sent, row))

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
                        ("attachments-auth-ignored" in self.faults and name == "list") or \
                        ("auth-optional-get-once" in self.faults and name == "get_case" and self._once("open-get"))
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
            ("/assignments/next", ["GET"], self.next_assignment),
            ("/assignments/{assignmentID}", ["GET"], self.get_assignment),
            ("/assignments/{assignmentID}/actions/{actionID}", ["GET"], self.get_assignment_action),
            ("/assignments/{assignmentID}/actions/{actionID}", ["PATCH"], self.submit_assignment),
            ("/assignments/{assignmentID}/actions/{actionID}/save", ["PATCH"], self.save_assignment),
            # seed 000's Assignment list: "DELETE /assignments/{assignmentID}/actions/{actionID} Remove assignment action"
            ("/assignments/{assignmentID}/actions/{actionID}", ["DELETE"], self.surface.remove_assignment_action),
        ]
        # operation groups a server may not have (variants *=off): without them their paths are simply not
        # routed, so they answer what a server without the route answers (the not-found handler below)
        if self.variant("stages") == "on":  # seed 000 operation list; VF SW
            table += [("/cases/{caseID}/stages", ["GET"], self.get_stages),
                      ("/cases/{caseID}/stages/next", ["POST"], self.next_stage),
                      ("/cases/{caseID}/stages/{stageID}", ["PUT"], self.jump_stage)]
        if self.variant("refresh-navigation") == "on":  # corpus manifest.json: recorded on real servers
            table += [("/assignments/{assignmentID}/actions/{actionID}/refresh", ["PATCH"], self.refresh_assignment),
                      ("/cases/{caseID}/views/{viewID}/refresh", ["PATCH"], self.refresh_case_view),
                      ("/assignments/{assignmentID}/navigation_steps/previous", ["PATCH"], self.previous_step)]
        table += self.attachments.routes(attachments=self.variant("attachments") == "on",
                                         data_views=self.variant("data-views") == "on")
        table += self.surface.routes({name: self.variant(name) == "on" for name in SURFACE_GROUPS})
        table += self.collaboration.routes()  # participants, followers, tags, related cases, documents
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
