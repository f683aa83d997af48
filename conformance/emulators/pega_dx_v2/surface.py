"""Case types, case hierarchy, case-action refresh and recalculation, lock release, bulk actions, optional
processes, case views, assignment recalculation and step jumps, data objects and savable data records of
the Pega DX v2 emulator.

Sources: the public client marco-looy/pega-dx-mcp (src/api/v2/client-v2.js and src/tools/**: paths,
parameters, bodies, which calls send If-Match, the answer members its tools read; cited as "MCP
<function or file>"), seed 000's Swagger operation list (POST /cases/bulk-actions, PATCH /cases,
DELETE /assignments/{ID}/actions/{actionID}) and vendor-facts' SW table (statuses: bulk PATCH 207;
processes 200 + ETag; release 200; ancestors/descendants 200 403 404). Where no source shows an answer's
members, this emulator's are its own choice, shaped like its neighbours' (the open objects of the spec).
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from conformance.emulators.pega_dx_v2.app import PegaEmulator

SCHEMA = """
-- the optional processes started on a case (VF SW POST /cases/{caseID}/processes/{processID})
CREATE TABLE IF NOT EXISTS case_processes (
    case_id TEXT NOT NULL,
    process_id TEXT NOT NULL,
    started_ms INTEGER NOT NULL
);
-- the records of the savable data page (MCP update-data-record-*.js, delete-data-record.js)
CREATE TABLE IF NOT EXISTS data_records (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
"""
# optional processes of every case type: a case-wide "follow-up" flow (MCP add-optional-process.js: "stage or
# case-wide optional process")
OPTIONAL_PROCESSES = {"CONF_FollowUp": "Follow up"}
# the savable data page and its key (MCP delete-data-record.js: "primary key(s) ... e.g. {"CustomerID": ...}")
SAVABLE_VIEW = "D_ConformanceContact"
SAVABLE_KEY = "ContactID"
DATA_OBJECT_CLASS = "CONF-Demo-Data-Contact"


class Surface:
    def __init__(self, emu: "PegaEmulator") -> None:
        self.emu = emu
        self.db = emu.db
        self.faults = emu.faults
        with self.db.lock:
            self.db.conn.executescript(SCHEMA)

    def error(self, status: int, classification: str, message: str, localized: str, field: str = "") -> Exception:
        from conformance.emulators.pega_dx_v2.app import ApiError

        return ApiError(status, classification, message, localized, field)

    def not_found(self, what: str) -> Exception:
        return self.error(404, "Not found", f"{what} not found", "The requested resource could not be found.")

    # -- case types (MCP getCaseTypes, getCaseTypeAction, getCaseTypeBulkAction) ----------------------------
    async def case_types(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import BASE, CASE_TYPES

        # MCP get-case-types.js reads caseTypes[] (ID, name) and applicationIsConstellationCompatible
        items = [{"ID": ct, "name": spec["name"],
                  "links": {"create": {"rel": "create", "href": f"{BASE}/cases", "type": "POST",
                                       "title": "Create Case"}}} for ct, spec in CASE_TYPES.items()]
        return JSONResponse({"applicationIsConstellationCompatible": True, "caseTypes": items})

    def case_type(self, request: Request) -> str:
        from conformance.emulators.pega_dx_v2.app import CASE_TYPES

        ct = request.path_params["caseTypeID"]
        if ct not in CASE_TYPES:
            raise self.not_found(f"Case type {ct}")
        return ct

    def form(self, case_type: str, view: str) -> dict[str, Any]:
        """A form with no case behind it: empty content and the view's uiResources (MCP get-case-type-action.js
        reads data.caseInfo.content and uiResources.root/resources)."""
        ui = {**self.emu.view_resources({"case_type": case_type}, view, {}),
              "root": {"type": "reference", "config": {"type": "view", "name": view, "context": "caseInfo.content"}},
              "context_data": {"caseInfo": {"content": {}}}}
        return {"data": {"caseInfo": {"caseTypeID": case_type, "content": {}}}, "uiResources": ui}

    async def case_type_action(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import CASE_TYPES, STAGES

        ct = self.case_type(request)
        # the create form's actions: the first step of a multi-step create form, else the create stage's action
        steps = CASE_TYPES[ct].get("steps") or (STAGES[0]["action"],)
        actions = {a for a, _ in steps}
        action = request.path_params["actionID"]
        if action not in actions:
            raise self.not_found(f"Action {action} of case type {ct}")
        return JSONResponse(self.form(ct, action))

    async def case_type_bulk_action(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import CASE_ACTIONS

        ct = self.case_type(request)
        action = request.path_params["actionID"]
        if action not in CASE_ACTIONS:
            raise self.not_found(f"Bulk action {action} of case type {ct}")
        # MCP get-case-type-bulk-action.js reads uiResources and actionMetadata{label, tooltip, enabled}
        return JSONResponse({**self.form(ct, action),
                             "actionMetadata": {"label": CASE_ACTIONS[action], "tooltip": "", "enabled": True}})

    # -- hierarchy (VF SW GET /cases/{caseID}/ancestors, /descendants; MCP) --------------------------------
    def brief(self, row: Any) -> dict[str, Any]:
        from conformance.emulators.pega_dx_v2.app import BASE

        info = self.emu.case_info(row)
        # MCP get-case-ancestors.js: "basic case information (ID, name) and HATEOAS navigation links"
        return {"ID": row["id"], "name": info["name"], "caseTypeID": row["case_type"], "status": info["status"],
                "links": {"open": {"rel": "self", "href": f"{BASE}/cases/{quote(row['id'])}", "type": "GET",
                                   "title": "Get case details"}}}

    async def ancestors(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        out, seen = [], {row["id"]}
        parent = row["parent"]
        while parent and parent not in seen:  # nearest first, up to the top case
            seen.add(parent)
            prow = self.db.one("SELECT * FROM cases WHERE id = ?", (parent,))
            if prow is None:
                break
            out.append(self.brief(prow))
            parent = prow["parent"]
        return JSONResponse({"ancestors": out})

    def children(self, case_id: str, seen: set[str]) -> list[dict[str, Any]]:
        out = []
        for child in self.db.all("SELECT * FROM cases WHERE parent = ? ORDER BY seq", (case_id,)):
            if child["id"] in seen:
                continue
            seen.add(child["id"])
            info = self.emu.case_info(child)
            # MCP get-case-descendants.js: child cases recursively, "the assignments and actions for each"
            out.append({**self.brief(child), "assignments": info["assignments"],
                        "actions": info["availableActions"], "childCases": self.children(child["id"], seen)})
        return out

    async def descendants(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        if "descendants-empty" in self.faults:
            return JSONResponse({"childCases": []})
        return JSONResponse({"childCases": self.children(row["id"], {row["id"]})})

    # -- case action refresh and recalculation (MCP refreshCaseAction, recalculate*Fields) -------------------
    def case_action(self, request: Request) -> Any:
        from conformance.emulators.pega_dx_v2.app import CASE_ACTIONS

        row = self.emu.load(request.path_params["caseID"])
        if request.path_params["actionID"] not in CASE_ACTIONS:
            raise self.not_found(f"Action {request.path_params['actionID']}")
        return row

    async def refresh_case_action(self, request: Request, user: str) -> Response:
        row = self.case_action(request)
        # like the assignment action refresh: a refresh writes nothing, so If-Match is not checked
        return await self.emu.refreshed(request, user, row, request.path_params["actionID"])

    def calculations(self, body: dict[str, Any]) -> tuple[list[str], list[str]]:
        """(field names, when names) of {calculations: {fields: [{name, context}], whens: [...]}} (MCP)."""
        calc = body.get("calculations")
        if not isinstance(calc, dict):
            raise self.error(400, "Bad Request", "calculations is required and must be an object",
                             "Provide the fields to calculate.", "calculations")
        names: dict[str, list[str]] = {}
        for key in ("fields", "whens"):
            items = calc.get(key, [])
            if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("name"), str)
                                                      for i in items):
                raise self.error(422, "Validation fail", f"calculations.{key} must be a list of {{name, context}}",
                                 f"calculations.{key} is not valid.", f"calculations.{key}")
            names[key] = [i["name"] for i in items]
        return names["fields"], names["whens"]

    async def calculated(self, request: Request, row: Any, view: str, op: str | None) -> Response:
        """The calculated fields' values for the posted content, committing nothing (MCP
        recalculate-*-fields.js: "recalculate calculated fields & whens for the current ... form")."""
        if op is not None:
            self.emu.check_if_match(request, row, op)  # MCP: 'if-match' "Required" on both recalculations
        body = await self.emu.read_json_object(request)
        fields, whens = self.calculations(body)
        updates, instructions = self.emu.validate_update(body)
        content = self.emu.apply(json.loads(row["content"]), updates, instructions)
        values = {f.lstrip("."): content.get(f.lstrip("."), "") for f in fields}
        ui = {"root": {"type": "reference", "config": {"type": "view", "name": view, "context": "caseInfo.content"}},
              "context_data": {"caseInfo": {"content": {}}},
              "whens": {w: bool(content.get(w.lstrip("."))) for w in whens}}
        return self.emu.json_response({"data": {"caseInfo": {"content": values}}, "uiResources": ui}, 200, row)

    async def recalculate_case_action(self, request: Request, user: str) -> Response:
        row = self.case_action(request)
        return await self.calculated(request, row, request.path_params["actionID"], "recalculate")

    async def recalculate_assignment(self, request: Request, user: str) -> Response:
        row = self.emu.assignment_action(request)
        return await self.calculated(request, row, request.path_params["actionID"], "recalculate")

    async def calculated_fields(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import CASE_VIEWS

        row = self.emu.load(request.path_params["caseID"])
        view = request.path_params["viewID"]
        if view not in CASE_VIEWS:
            raise self.not_found(f"View {view}")
        # MCP getCaseViewCalculatedFields sends no If-Match: a read
        return await self.calculated(request, row, view, None)

    # -- lock release (VF SW DELETE /cases/{caseID}/updates: 200; 400 404 409; MCP releaseCaseLock) ------------
    async def release_lock(self, request: Request, user: str) -> Response:
        case_id = request.path_params["caseID"]
        if "lock-release-unknown-200" in self.faults and \
                self.db.one("SELECT 1 FROM cases WHERE id = ?", (case_id,)) is None:
            return JSONResponse({})
        row = self.emu.load(case_id)
        # This emulator takes no pessimistic locks (every write is eTag-checked), so there is nothing held to
        # release and no uncommitted update to discard: the case stays as it was (MCP release-case-lock.js:
        # release the lock "and clean up any cached or pending updates", not committed ones).
        if "lock-release-rollback" in self.faults:
            row = self.emu.write(row, user, {})
        if request.query_params.get("viewType") == "page":  # MCP release-case-lock.js: none (default) | page
            return self.emu.json_response(self.emu.envelope(row), 200)
        return JSONResponse({})

    # -- bulk actions (seed 000 list; VF SW PATCH /cases 207, POST /cases/bulk-actions 200; MCP) -------------
    def bulk_cases(self, body: dict[str, Any]) -> list[str]:
        cases = body.get("cases")
        # MCP bulk-cases-patch.js: cases is required, cannot be empty, each {ID}
        if not isinstance(cases, list) or not cases or \
                not all(isinstance(c, dict) and isinstance(c.get("ID"), str) and c["ID"] for c in cases):
            raise self.error(400, "Bad Request", "cases must be a non-empty list of {ID}",
                             "Provide the cases to act on.", "cases")
        return [c["ID"] for c in cases]

    async def bulk_actions(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import CASE_ACTIONS

        ids = self.bulk_cases(await self.emu.read_json_object(request))
        rows = [self.db.one("SELECT * FROM cases WHERE id = ?", (i,)) for i in ids]
        missing = [i for i, r in zip(ids, rows) if r is None]
        if missing:  # VF SW lists 400 (and 500) only
            raise self.error(400, "Bad Request", f"Unknown cases: {', '.join(missing)}",
                             "Some of the cases could not be found.", "cases")
        # the actions every case offers (all cases here offer the case-wide actions)
        return JSONResponse({"actions": [{"ID": k, "name": v, "type": "Case"} for k, v in CASE_ACTIONS.items()]})

    async def bulk_patch(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import CASE_ACTIONS, ApiError

        action = request.query_params.get("actionID")
        if not action:  # MCP client-v2.js patchCasesBulk: "actionID is required"
            raise self.error(400, "Bad Request", "actionID is required", "Provide the action to perform.", "actionID")
        mode = request.query_params.get("runningMode")
        if mode is not None and mode != "async":  # MCP: "only async runningMode is implemented"
            raise self.error(400, "Bad Request", "runningMode must be async", "runningMode is not valid.",
                             "runningMode")
        body = await self.emu.read_json_object(request)
        ids = self.bulk_cases(body)
        try:
            updates, instructions = self.emu.validate_update(body)
        except ApiError as exc:  # VF SW documents 400 (not 422) for the bulk PATCH's request
            raise self.error(400, "Bad Request", exc.message, exc.localized, exc.field) from None
        results: list[dict[str, Any]] = []
        for n, case_id in enumerate(ids):
            row = self.db.one("SELECT * FROM cases WHERE id = ?", (case_id,))
            if row is None:
                results.append({"ID": case_id, "status": 404, "message": f"Case {case_id} not found"})
                continue
            if action not in CASE_ACTIONS:
                results.append({"ID": case_id, "status": 404, "message": f"Action {action} not found"})
                continue
            try:
                # each case is written on its own (MCP perform-bulk-action.js: "Each case was retrieved from
                # storage and the action was executed on them individually"); no If-Match (VF SW)
                content = self.emu.apply(json.loads(row["content"]), updates, instructions)
                if "bulk-not-applied" not in self.faults or n == 0:
                    self.emu.write(row, user, content)
                results.append({"ID": case_id, "status": 200})
            except ApiError as exc:  # a refused case is that case's result, not the batch's
                results.append({"ID": case_id, "status": exc.status, "message": exc.message})
        if "bulk-missing-result" in self.faults and len(results) > 1:
            results.pop()
        if mode == "async":  # MCP bulk-cases-patch.js: Launchpad answers 202 with a jobID
            return JSONResponse({"jobID": str(uuid.uuid4())}, status_code=202)
        ok = sum(1 for r in results if 200 <= r["status"] < 300)
        # VF SW: 207; MCP reads results[] (status, message), successCount, failureCount
        return JSONResponse({"results": results, "successCount": ok, "failureCount": len(results) - ok},
                            status_code=207)

    # -- assignment action removal (seed 000 "Remove assignment action") --------------------------------------
    async def remove_assignment_action(self, request: Request, user: str) -> Response:
        self.emu.assignment_action(request)
        # closes the form the user opened; nothing of the case changes and the assignment stays open
        return Response(status_code=200)

    # -- optional processes (VF SW: 200 + ETag; 400 404 409 412 422 423 500; MCP addOptionalProcess) ----------
    async def add_process(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        process = request.path_params["processID"]
        if process not in OPTIONAL_PROCESSES:
            raise self.not_found(f"Process {process}")
        sent = request.headers.get("if-match")
        # VF SW: If-Match "not declared (yet 412 listed)": a sent eTag is checked, none is not demanded
        if sent is not None and not self.emu.etag_matches(sent, row, "case"):
            raise self.emu.stale()
        with self.db.tx() as conn:
            conn.execute("INSERT INTO case_processes(case_id, process_id, started_ms) VALUES (?, ?, ?)",
                         (row["id"], process, row["update_ms"]))
        row = self.emu.write(row, user, json.loads(row["content"]))  # a started process changes the case
        return self.emu.json_response(self.emu.envelope(row), 200, row)

    # -- case views (MCP getCaseView) ------------------------------------------------------------------------
    async def case_view(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import CASE_VIEWS

        row = self.emu.load(request.path_params["caseID"])
        view = request.path_params["viewID"]
        if view not in CASE_VIEWS:
            raise self.not_found(f"View {view}")
        return self.emu.json_response(self.emu.envelope(row, view), 200, row)

    # -- step jumps (MCP jumpToAssignmentStep) --------------------------------------------------------------
    async def jump_step(self, request: Request, user: str) -> Response:
        row = self.emu.load_assignment(request.path_params["assignmentID"])
        steps = self.emu.steps(row)
        # step IDs as the navigation lists them (corpus assignments/NextPreviousTest-4-Step3.json: AssignmentSF1..)
        ids = [f"AssignmentSF{i + 1}" for i in range(len(steps))]
        step_id = request.path_params["stepID"]
        if step_id not in ids:
            raise self.not_found(f"Step {step_id}")
        sent = self.emu.check_if_match(request, row, "jump")  # MCP: 'if-match' "Required header"
        updates, instructions = self.emu.validate_update(await self.emu.read_json_object(request))
        content = self.emu.apply(json.loads(row["content"]), updates, instructions)
        row = await self.emu.guarded_write(row, user, content, step=ids.index(step_id))
        body = {**self.emu.assignment_envelope(row), "nextAssignmentInfo": self.emu.next_assignment_info(row)}
        return self.emu.json_response(body, 200, etag=self.emu.written_etag(sent, row))

    # -- data objects, data view metadata, savable data records (MCP) ----------------------------------------
    async def data_objects(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.app import BASE, CASE_TYPES

        kind = request.query_params.get("type")
        if kind is not None and kind not in ("data", "case"):  # MCP get-data-objects.js: data | case
            raise self.error(400, "Bad Request", "type must be data or case", "type is not valid.", "type")
        items = [{"ID": DATA_OBJECT_CLASS, "name": "Contact", "type": "data",
                  "links": {"save": {"rel": "self", "href": f"{BASE}/data/{SAVABLE_VIEW}", "type": "PUT",
                                     "title": "Save a contact"}}}]
        items += [{"ID": ct, "name": spec["name"], "type": "case",
                   "links": {"create": {"rel": "create", "href": f"{BASE}/cases", "type": "POST",
                                        "title": "Create Case"}}} for ct, spec in CASE_TYPES.items()]
        return JSONResponse({"dataObjects": [i for i in items if kind is None or i["type"] == kind]})

    async def data_view_metadata(self, request: Request, user: str) -> Response:
        from conformance.emulators.pega_dx_v2.attachments import DATA_VIEW

        view = request.path_params["dataViewID"]
        if view not in (DATA_VIEW, SAVABLE_VIEW):
            raise self.not_found(f"Data view {view}")
        # MCP get-data-view-metadata.js: "data view parameters and list of queryable fields"
        fields = (["pyGUID", "Name", "Seq"] if view == DATA_VIEW else [SAVABLE_KEY, "Name", "Email"])
        return JSONResponse({"ID": view, "isQueryable": True, "parameters": [],
                             "fields": [{"ID": f, "name": f} for f in fields]})

    def savable(self, request: Request) -> None:
        view = request.path_params["dataViewID"]
        if view != SAVABLE_VIEW:
            raise self.not_found(f"Savable data page {view}")

    async def record_body(self, request: Request) -> tuple[str, dict[str, Any]]:
        body = await self.emu.read_json_object(request)
        data = body.get("data")
        if not isinstance(data, dict):  # MCP update-data-record-*.js: data is required
            raise self.error(400, "Bad Request", "data is required and must be an object", "Provide the record.",
                             "data")
        key = data.get(SAVABLE_KEY)
        if not isinstance(key, str) or not key:
            raise self.error(422, "Validation fail", f"data.{SAVABLE_KEY} is required", "The record has no key.",
                             f"data.{SAVABLE_KEY}")
        return key, data

    async def put_record(self, request: Request, user: str) -> Response:
        self.savable(request)
        key, data = await self.record_body(request)
        # the savable data page's save plan: the record is written whole (MCP update-data-record-full.js)
        self.db.run("INSERT INTO data_records(key, data) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET data = ?",
                    (key, json.dumps(data), json.dumps(data)))
        return JSONResponse({"data": data})

    async def patch_record(self, request: Request, user: str) -> Response:
        self.savable(request)
        key, data = await self.record_body(request)
        row = self.db.one("SELECT data FROM data_records WHERE key = ?", (key,))
        if row is None:
            raise self.not_found(f"Record {key}")
        merged = {**json.loads(row["data"]), **data}  # MCP update-data-record-partial.js: only the given members
        self.db.run("UPDATE data_records SET data = ? WHERE key = ?", (json.dumps(merged), key))
        return JSONResponse({"data": merged})

    async def delete_record(self, request: Request, user: str) -> Response:
        self.savable(request)
        raw = request.query_params.get("dataViewParameters")
        try:
            params = json.loads(raw) if raw is not None else None
        except ValueError:
            params = None
        # MCP delete-data-record.js: dataViewParameters, the record's keys as a JSON object, is required
        if not isinstance(params, dict) or not isinstance(params.get(SAVABLE_KEY), str):
            raise self.error(400, "Bad Request", f"dataViewParameters must be a JSON object with {SAVABLE_KEY}",
                             "Provide the record's key.", "dataViewParameters")
        with self.db.tx() as conn:
            gone = conn.execute("DELETE FROM data_records WHERE key = ?", (params[SAVABLE_KEY],)).rowcount
        if not gone:
            raise self.not_found(f"Record {params[SAVABLE_KEY]}")
        return Response(status_code=200)

    # -- wiring -------------------------------------------------------------------------------------------------
    def routes(self, on: dict[str, bool]) -> list[tuple[str, list[str], Any]]:
        """The routes of the groups the server offers (one variant per group, see faults.VARIANTS)."""
        groups: dict[str, list[tuple[str, list[str], Any]]] = {
            "case-types": [("/casetypes", ["GET"], self.case_types),
                           ("/casetypes/{caseTypeID}/actions/{actionID}", ["GET"], self.case_type_action)],
            "hierarchy": [("/cases/{caseID}/ancestors", ["GET"], self.ancestors),
                          ("/cases/{caseID}/descendants", ["GET"], self.descendants)],
            "lock-release": [("/cases/{caseID}/updates", ["DELETE"], self.release_lock)],
            "bulk-actions": [("/cases/bulk-actions", ["POST"], self.bulk_actions),
                             ("/cases", ["PATCH"], self.bulk_patch),
                             ("/casetypes/{caseTypeID}/bulk-actions/{actionID}", ["GET"], self.case_type_bulk_action)],
            "optional-processes": [("/cases/{caseID}/processes/{processID}", ["POST"], self.add_process)],
            "case-views": [("/cases/{caseID}/views/{viewID}", ["GET"], self.case_view)],
            "recalculate": [("/cases/{caseID}/actions/{actionID}/recalculate", ["PATCH"],
                             self.recalculate_case_action),
                            ("/assignments/{assignmentID}/actions/{actionID}/recalculate", ["PATCH"],
                             self.recalculate_assignment),
                            ("/cases/{caseID}/views/{viewID}/calculated_fields", ["POST"], self.calculated_fields)],
            "refresh-navigation": [("/cases/{caseID}/actions/{actionID}/refresh", ["PATCH"], self.refresh_case_action),
                                   ("/assignments/{assignmentID}/navigation_steps/{stepID}", ["PATCH"],
                                    self.jump_step)],
            "data-records": [("/data_objects", ["GET"], self.data_objects),
                             ("/data/{dataViewID}", ["PUT"], self.put_record),
                             ("/data/{dataViewID}", ["PATCH"], self.patch_record),
                             ("/data/{dataViewID}", ["DELETE"], self.delete_record)],
            "data-views": [("/data_views/{dataViewID}/metadata", ["GET"], self.data_view_metadata)],
        }
        if on.get("case-views") is False or on.get("recalculate") is False:
            groups["recalculate"] = groups["recalculate"][:2]  # calculated_fields needs both groups
        if on.get("case-types") is False:
            groups["bulk-actions"] = groups["bulk-actions"][:2]  # the case type's bulk action needs both
        return [r for name, table in groups.items() if on.get(name, True) for r in table]
