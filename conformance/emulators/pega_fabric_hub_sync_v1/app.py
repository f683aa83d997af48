"""The Pega Process Fabric Hub data synchronization emulator.

Sources: seed 002 (the resources, batch and real-time publishing, the data-synchronization
token) and vendor-facts "Pega Process Fabric Hub data synchronization" (VF: paths, the
registration life cycle, batch envelope, payload fields, flags). Every enforced behaviour
cites one of them. Bad input always gets a JSON error body (VF: none is documented, so
the emulator's own `{"errors": [{"message", "index"?}]}` is used); a 500 only ever comes
from an injected fault.

Two credential sets (VF "Token"): the registration (admin) client registers applications;
enablesync issues a *sync* client per registration, registered with the token endpoint on
the fly. Sync endpoints accept only a sync client's token, and only while its registration
syncs.

EMULATOR-ONLY: GET /__emulator__/registrations/{ID}/{kind} reads back what was stored
(the Hub itself only accepts data, seed 002). It is not part of the Hub's API and not in
specs/pega-fabric-hub-sync-v1.yaml; targets reach it through capabilities.inspection.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import secrets
import time
from typing import Any, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance.emulators.chaos import ChaosMiddleware
from conformance.emulators.common import DEMO_CLIENT_ID, Database, EmulatorConfig, TokenEndpoint
from conformance.emulators.pega_fabric_hub_sync_v1.faults import FAULTS, VARIANTS

BASE = "/prweb/api/ppf/v1"
TOKEN_PATH = "/prweb/PRRestService/oauth2/v1/token"  # VF "Token"
INSPECT = "/__emulator__"
KINDS = ("tasks", "workqueues", "operators", "cases", "associations")  # seed 002 resources
BATCH_LIMIT = 50  # VF: at most 50 items per batch
EDITABLE = ("systemURL", "applicationName", "applicationLabel", "applicationDescription", "platform",
            "productionLevel")  # VF: Registration request fields
PENDING, RESOLVED, ACTIVE = "Pending-Activation", "Resolved-Disabled", "Active"
# Pega's enablesync page: "After the synchronization finishes, the application moves to the Active status";
# batch associations page (2.1): "Once data sync of all the resource types (which is tasks, work queues, and
# operator mappings), is complete, the registration automatically moves to the active state" (audit row 14)
ACTIVATING_LOADS = frozenset({"tasks", "workqueues", "operators"})
# Pega's delete page: "You can delete an application only if the application has one of the following
# statuses: Inactive, Pending-Activation, Activation-Failure" (audit row 11)
DELETABLE = ("Inactive", PENDING, "Activation-Failure")
ASSOC_ACTIONS = ("create", "update", "delete")  # VF: association action create/update/delete

SCHEMA = """
CREATE TABLE IF NOT EXISTS registrations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    last_synced_ms INTEGER
);
CREATE TABLE IF NOT EXISTS sync_clients (
    client_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    registration TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    registration TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_id ON records(registration, kind, id);
CREATE TABLE IF NOT EXISTS load_ends (
    registration TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (registration, kind)
);
CREATE TABLE IF NOT EXISTS sync_errors (
    registration TEXT PRIMARY KEY,
    count INTEGER NOT NULL
);
"""


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        self.status, self.message = status, message
        self.errors = errors or [{"message": message}]


def pega_stamp(ms: int) -> str:
    # VF: "Timestamps look like 20210112T101328.528 GMT"
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y%m%dT%H%M%S.") + f"{ms % 1000:03d} GMT"


def now_ms() -> int:
    return int(time.time() * 1000)


class HubTokens(TokenEndpoint):
    """The shared token endpoint, with each token's subject set to the client that obtained it,
    so that the API can tell the registration client from a registration's sync client."""

    async def handle(self, request: Request) -> Response:
        response = await super().handle(request)
        if response.status_code == 200:
            form = await request.form()  # starlette caches the parsed form
            client = str(form.get("client_id") or "")
            header = request.headers.get("authorization", "")
            if header.lower().startswith("basic "):
                try:
                    client = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")[0]
                except (binascii.Error, UnicodeDecodeError):  # super() refused those already
                    pass
            token = json.loads(bytes(response.body))["access_token"]
            self.db.run("UPDATE tokens SET subject = ? WHERE token = ?", (client, token))
        return response


class HubEmulator:
    def __init__(self, config: EmulatorConfig) -> None:
        config.validate(FAULTS, VARIANTS)
        self.config = config
        self.faults = config.faults
        self.db = Database(config.db_path, SCHEMA)
        self.admins = {DEMO_CLIENT_ID: config.client_secret}
        clients = dict(self.admins)
        # sync clients survive a restart of a file-backed emulator
        for row in self.db.all("SELECT client_id, secret FROM sync_clients WHERE revoked = 0"):
            clients[row["client_id"]] = row["secret"]
        self.tokens = HubTokens(self.db, config.token_lifetime, clients=clients)

    def variant(self, name: str) -> str:
        return self.config.variant(VARIANTS, name)

    @property
    def syncing(self) -> str:
        # VF: "status becomes Sync-InProgress (samples show Open-SyncProgress)"
        return self.variant("sync-status")

    # -- responses ------------------------------------------------------------------
    @staticmethod
    def error(exc: ApiError) -> Response:
        headers = {"WWW-Authenticate": 'Bearer realm="ppf"'} if exc.status == 401 else None
        return JSONResponse({"errors": exc.errors}, status_code=exc.status, headers=headers)

    def registration_view(self, row: Any) -> dict[str, Any]:
        fields = json.loads(row["fields"])
        synced = row["last_synced_ms"]
        stamp = ""
        if synced is not None:
            stamp = pega_stamp(synced)
            if "time-iso" in self.faults:
                stamp = dt.datetime.fromtimestamp(synced / 1000, dt.timezone.utc).isoformat()
        errors = self.db.one("SELECT count FROM sync_errors WHERE registration = ?", (row["id"],))
        view = {
            "ID": row["id"],
            "systemURL": fields.get("systemURL", ""),
            "applicationName": fields.get("applicationName", ""),
            "applicationLabel": fields.get("applicationLabel", ""),
            "applicationDescription": fields.get("applicationDescription", ""),
            "platform": fields.get("platform", ""),
            # VF: productionLevel is a number in requests and a string in responses
            "productionLevel": str(fields.get("productionLevel", "")),
            "clientID": row["owner"],
            "status": row["status"],
            # Pega's get-registration sample: "syncErrors": "0"; item errors of an asynchronously validated batch
            # are counted here (variant item-errors=sync-errors, audit row 21)
            "syncErrors": {"count": 0} if "schema-syncerrors-object" in self.faults else (errors["count"] if errors
                                                                                           else 0),
            "weighting": 0,
            "lastTaskSyncedDateTime": stamp,
        }
        return view

    # -- auth ---------------------------------------------------------------------------
    def admin(self, request: Request) -> str:
        subject = self.tokens.subject(request)
        if subject is None:
            raise ApiError(401, "Missing or invalid access token")  # seed 002: OAuth 2.0 secures the APIs
        if subject not in self.admins:
            raise ApiError(403, "A data synchronization client may not manage registrations")
        return subject

    def sync_registration(self, request: Request) -> str:
        """The registration a sync call publishes into (from its token)."""
        subject = self.tokens.subject(request)
        if subject is None:
            raise ApiError(401, "Missing or invalid access token")  # seed 002
        if subject in self.admins:
            if "sync-accepts-registration-token" in self.faults:
                return "__registration-client__"
            # VF Token: sync endpoints need the credentials enablesync issued
            raise ApiError(403, "Sync endpoints need a data synchronization token (see enablesync)")
        row = self.db.one("SELECT registration, revoked FROM sync_clients WHERE client_id = ?", (subject,))
        if row is None:
            raise ApiError(403, "Not a data synchronization client")
        # disablesync and disable revoke the registration's sync clients (_revoke)
        if row["revoked"] and "disablesync-keeps-access" not in self.faults:
            # VF: after disablesync every sync call gets 403
            raise ApiError(403, "Data synchronization is disabled for this registration")
        return str(row["registration"])

    # -- registrations ------------------------------------------------------------------
    def load(self, reg_id: str) -> Any:
        row = self.db.one("SELECT * FROM registrations WHERE id = ?", (reg_id,))
        if row is None:
            if "unknown-registration-500" in self.faults:
                raise RuntimeError("injected fault: unknown-registration-500")
            raise ApiError(404, f"Registration {reg_id} not found")
        return row

    @staticmethod
    async def json_body(request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The request body is not valid JSON") from None

    @staticmethod
    def check_fields(body: Any, required: bool) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        out: dict[str, Any] = {}
        for key in EDITABLE:
            if key not in body:
                continue
            value = body[key]
            if key == "productionLevel":
                # VF: a number in requests (the documentation's samples also show strings)
                if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
                    raise ApiError(400, "productionLevel must be a number", [{"message": "must be a number",
                                                                              "field": key}])
            elif not isinstance(value, str):
                raise ApiError(400, f"{key} must be a string", [{"message": "must be a string", "field": key}])
            out[key] = value
        if required:
            for key in ("systemURL", "applicationName"):
                if not out.get(key):
                    raise ApiError(400, f"{key} is required", [{"message": "is required", "field": key}])
        return out

    async def create_registration(self, request: Request) -> Response:
        owner = self.admin(request)
        fields = self.check_fields(await self.json_body(request), required=True)
        # VF: "new app is Pending-Activation"
        status = "Pending-Details" if "create-pending-details" in self.faults else PENDING
        with self.db.tx() as conn:
            # AUTOINCREMENT never reuses a seq, so a deleted registration's ID is never given out again
            seq = conn.execute("INSERT INTO registrations(id, fields, status, owner) VALUES (?, ?, ?, ?)",
                               (secrets.token_hex(8), json.dumps(fields), status, owner)).lastrowid
            reg_id = f"REG-{22950 + seq}"  # VF: IDs like "REG-22951"
            conn.execute("UPDATE registrations SET id = ? WHERE seq = ?", (reg_id, seq))
        status_code = int(self.variant("create-status"))  # VF: 201/200
        return JSONResponse(self.registration_view(self.load(reg_id)), status_code=status_code)

    async def list_registrations(self, request: Request) -> Response:
        if not ("registrations-no-auth" in self.faults and self.tokens.subject(request) is None):
            self.admin(request)
        rows = self.db.all("SELECT * FROM registrations ORDER BY seq")
        # VF: the list "excludes Pending-Details and Resolved"
        shown = [r for r in rows if "list-shows-resolved" in self.faults
                 or not (r["status"] == "Pending-Details" or r["status"].startswith("Resolved"))]
        return JSONResponse({"registrations": [self.registration_view(r) for r in shown]})

    async def get_registration(self, request: Request) -> Response:
        self.admin(request)
        return JSONResponse(self.registration_view(self.load(request.path_params["id"])))

    async def edit_registration(self, request: Request) -> Response:
        self.admin(request)
        row = self.load(request.path_params["id"])
        fields = self.check_fields(await self.json_body(request), required=False)
        # VF: PATCH "refused in Sync-InProgress or Resolved"
        if row["status"] == self.syncing and "edit-while-syncing" not in self.faults:
            raise ApiError(409, f"Registration {row['id']} is syncing ({row['status']}) and cannot be edited")
        if row["status"].startswith("Resolved") and "edit-resolved" not in self.faults:
            raise ApiError(409, f"Registration {row['id']} is resolved ({row['status']}) and cannot be edited")
        merged = {**json.loads(row["fields"]), **fields}
        self.db.run("UPDATE registrations SET fields = ? WHERE id = ?", (json.dumps(merged), row["id"]))
        return JSONResponse(self.registration_view(self.load(row["id"])))  # VF: "200, full object"

    def _revoke(self, conn: Any, reg_id: str) -> None:
        for (client,) in conn.execute("SELECT client_id FROM sync_clients WHERE registration = ? AND revoked = 0",
                                      (reg_id,)).fetchall():
            self.tokens.clients.pop(client, None)
        conn.execute("UPDATE sync_clients SET revoked = 1 WHERE registration = ?", (reg_id,))

    async def action(self, request: Request) -> Response:
        self.admin(request)
        row = self.load(request.path_params["id"])
        action, status, reg_id = request.path_params["action"], row["status"], row["id"]
        extra: dict[str, Any] = {}
        with self.db.tx() as conn:
            if action == "enablesync" and status == PENDING:
                # VF: enablesync returns clientID + secret; status becomes Sync-InProgress
                client = row["owner"] if "enablesync-registration-client" in self.faults \
                    else f"SYNC-{reg_id}-{secrets.token_hex(4)}"
                secret = secrets.token_urlsafe(24)
                conn.execute("INSERT OR REPLACE INTO sync_clients(client_id, secret, registration) VALUES (?, ?, ?)",
                             (client, secret, reg_id))
                if client not in self.admins:
                    self.tokens.clients[client] = secret
                new = PENDING if "enablesync-status-unchanged" in self.faults else self.syncing
                extra = {"clientID": client, "clientSecret": secret}
            elif action == "disablesync" and status in (self.syncing, ACTIVE):
                # VF: afterwards every sync call gets 403; Pega's deactivate page: the application shows the
                # "Disabled - Sync Stopped" status (variant sync-stopped-status; the default goes back to
                # Pending-Activation, which no document names)
                if "disablesync-keeps-access" not in self.faults:
                    self._revoke(conn, reg_id)
                new = self.variant("sync-stopped-status")
            elif action == "disable" and (status == ACTIVE or "disable-any-state" in self.faults
                                          and not status.startswith("Resolved")):
                # Pega's disable page: "You can use this REST API only for applications that have the Active
                # status"; it hides the assignments "without stopping data synchronization" (audit rows 8, 9)
                if "disable-stops-sync" in self.faults:
                    self._revoke(conn, reg_id)
                new = RESOLVED
            elif action == "enable" and status.startswith("Resolved"):
                # Pega's disable page: enable includes the assignments again (the registration is Active again)
                new = status if "enable-noop" in self.faults else ACTIVE
            elif action in ("enablesync", "disablesync", "disable", "enable"):
                raise ApiError(409, f"{action} is not allowed while registration {reg_id} is {status}")
            else:
                raise ApiError(404, f"Unknown registration action {action!r}")
            conn.execute("UPDATE registrations SET status = ? WHERE id = ?", (new, reg_id))
        if extra:  # VF: enablesync "returns clientID + secret"
            return JSONResponse({"ID": reg_id, "status": new, **extra})
        return JSONResponse(self.registration_view(self.load(reg_id)))

    async def delete_registration(self, request: Request) -> Response:
        self.admin(request)
        row = self.load(request.path_params["id"])
        reg_id, status = row["id"], row["status"]
        # Pega's delete page: only Inactive, Pending-Activation or Activation-Failure (audit row 11)
        if status not in DELETABLE and not ("delete-any-state" in self.faults and status == self.syncing):
            raise ApiError(409, f"Registration {reg_id} is {status}; only {', '.join(DELETABLE)} ones can be deleted")
        with self.db.tx() as conn:
            # "you delete the relevant assignment and operator data ... and the connection"
            self._revoke(conn, reg_id)
            for table in ("records", "load_ends", "sync_errors"):
                conn.execute(f"DELETE FROM {table} WHERE registration = ?", (reg_id,))  # noqa: S608 - fixed names
            conn.execute("DELETE FROM registrations WHERE id = ?", (reg_id,))
        # "returns an empty response with the status code of 200"
        return Response(status_code=200)

    # -- publication --------------------------------------------------------------------
    def accepted(self, errors: list[dict[str, Any]] | None = None) -> Response:
        """202: Pega's pages say "Response body Not applicable" (variant accepted-body=empty, audit row 22);
        the default names the malformed items a per-item batch refused (the suite's Fabric Hub brief)."""
        if errors or self.variant("accepted-body") == "errors":
            return JSONResponse({"errors": errors or []}, status_code=202)
        return Response(status_code=202)

    def store(self, conn: Any, reg: str, kind: str, body: dict[str, Any], replace: bool = True) -> None:
        record_id = str(body["ID"])
        if kind == "associations":
            # VF: association action create/update/delete
            action = body.get("action")
            if action == "delete":
                if "assoc-delete-ignored" not in self.faults:
                    conn.execute("DELETE FROM records WHERE registration = ? AND kind = ? AND id = ?",
                                 (reg, kind, record_id))
                return
        exists = conn.execute("SELECT 1 FROM records WHERE registration = ? AND kind = ? AND id = ?",
                              (reg, kind, record_id)).fetchone()
        if exists and "duplicate-ids-doubled" not in self.faults:
            if replace:
                # the last publication of an ID wins: one record per ID (idempotent publication, the suite's
                # Fabric Hub brief)
                conn.execute("UPDATE records SET body = ? WHERE registration = ? AND kind = ? AND id = ?",
                             (json.dumps(body), reg, kind, record_id))
            return
        conn.execute("INSERT INTO records(registration, kind, id, body) VALUES (?, ?, ?, ?)",
                     (reg, kind, record_id, json.dumps(body)))
        if kind == "tasks":
            # variant last-synced=on-activation: Pega's syncing sample shows lastTaskSyncedDateTime "" and its
            # Active sample a time (audit row 32): the time is set once the registration is Active
            conn.execute("UPDATE registrations SET last_synced_ms = ? WHERE id = ? AND (? OR status = ?)",
                         (now_ms(), reg, self.variant("last-synced") == "on-publish", ACTIVE))

    @staticmethod
    def item_problem(kind: str, item: Any, batch: bool) -> str | None:
        """Why a publication item is malformed, or None (VF payload fields; batch envelope)."""
        if batch:
            if not isinstance(item, dict):
                return "a batch request must be an object {method, body}"
            if item.get("method") not in ("POST", "PUT"):
                return "method must be POST or PUT"  # VF: batch envelope
            item = item.get("body")
        if not isinstance(item, dict):
            return "body must be a JSON object"
        if not isinstance(item.get("ID"), str) or not item["ID"].strip():
            return "ID is required and must be a non-empty string"
        if kind == "associations" and item.get("action") not in ASSOC_ACTIONS:
            return "action must be create, update or delete"  # VF
        if kind == "operators" and not isinstance(item.get("workqueues", []), list):
            return "workqueues must be a list"  # VF: Operator {ID, workqueues[{ID}]}
        for key in ("label", "status", "priority", "assignTo", "caseID"):
            if key in item and not isinstance(item[key], str):
                return f"{key} must be a string"  # VF: priority is a string ("10.0")
        return None

    async def batch(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in KINDS:
            raise ApiError(404, f"No resource {kind!r}")
        reg = self.sync_registration(request)
        query = request.query_params
        if query.get("preactivationDataLast") == "true":
            raw = await request.body()
            if not raw.strip() and "initial-load-end-needs-body" in self.faults:
                raise ApiError(400, "The request body is required")
            # VF: the initial load ends with preactivationData=true&preactivationDataLast=true and no body;
            # each resource type ends its own (Pega's work-queue, operator and association batch pages)
            self.end_load(reg, kind)
            return self.accepted()
        body = await self.json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            raise ApiError(400, 'The body must be {"requests": [{"method": ..., "body": {...}}]}')  # VF envelope
        items = body["requests"]
        limit = 40 if "batch-limit-40" in self.faults else BATCH_LIMIT
        if len(items) > limit and "batch-no-limit" not in self.faults:
            # VF: at most 50 items per batch; the suite's Fabric Hub brief: 400. Pega documents no status for it
            # (audit row 19): variant oversize-status=413 (RFC 9110 15.5.14 Content Too Large)
            raise ApiError(int(self.variant("oversize-status")),
                           f"A batch holds at most {BATCH_LIMIT} requests; this one has {len(items)}")
        errors = [{"index": i, "message": problem} for i, item in enumerate(items)
                  if (problem := self.item_problem(kind, item, batch=True)) is not None]
        if "malformed-accepted" in self.faults:
            errors = []
        if errors and self.variant("malformed") == "whole-batch":
            raise ApiError(400, "The batch holds malformed requests", errors)
        if errors and self.variant("item-errors") == "sync-errors":
            # Pega's batch pages: 202 "Response body Not applicable"; the item errors are counted in the
            # registration's syncErrors (audit row 21)
            self.db.run("INSERT INTO sync_errors(registration, count) VALUES (?, ?) ON CONFLICT(registration) "
                        "DO UPDATE SET count = count + excluded.count", (reg, len(errors)))
            errors = []
        bad = {e["index"] for e in errors} | {i for i, item in enumerate(items)
                                              if self.item_problem(kind, item, batch=True)}
        with self.db.tx() as conn:
            for i, item in enumerate(items):
                if i in bad or ("store-drops-item" in self.faults and i % 10 == 9):
                    continue
                if "malformed-poisons-batch" in self.faults and bad:
                    continue
                self.store(conn, reg, kind, item["body"])
        # per-item: the malformed ones are named, the rest stored (the suite's Fabric Hub brief)
        return self.accepted(errors)

    def end_load(self, reg: str, kind: str) -> None:
        """A resource type's initial load ended; once tasks, work queues and operators have, the syncing
        registration moves to Active (Pega's enablesync and batch associations pages, audit row 14)."""
        with self.db.tx() as conn:
            conn.execute("INSERT OR IGNORE INTO load_ends(registration, kind) VALUES (?, ?)", (reg, kind))
            ended = {r[0] for r in conn.execute("SELECT kind FROM load_ends WHERE registration = ?", (reg,))}
            if ACTIVATING_LOADS <= ended and "no-activation" not in self.faults:
                moved = conn.execute("UPDATE registrations SET status = ? WHERE id = ? AND status = ?",
                                     (ACTIVE, reg, self.syncing)).rowcount
                tasks = conn.execute("SELECT 1 FROM records WHERE registration = ? AND kind = 'tasks' LIMIT 1",
                                     (reg,)).fetchone()
                if moved and tasks:
                    conn.execute("UPDATE registrations SET last_synced_ms = ? WHERE id = ?", (now_ms(), reg))

    async def realtime(self, request: Request) -> Response:
        kind = request.path_params.get("kind") or request.url.path.rsplit("/", 1)[-1]
        reg = self.sync_registration(request)
        body = await self.json_body(request)
        path_id = request.path_params.get("id")
        if isinstance(body, dict) and path_id is not None:
            body = {**body, "ID": body.get("ID") or path_id}
            if body["ID"] != path_id:
                raise ApiError(400, f"The body's ID {body['ID']!r} differs from the path's {path_id!r}")
        if "id-list-500" in self.faults and isinstance(body, dict) and isinstance(body.get("ID"), list):
            # the defect class stock schemathesis found on a real server: an ID sent as a JSON list fails
            raise RuntimeError("injected fault: id-list-500")
        problem = self.item_problem(kind, body, batch=False)
        if not problem and kind == "associations":
            problem = self.association_route_problem(body, on_item=path_id is not None)
        if problem:
            raise ApiError(400, problem)
        # seed 002: real-time changes replace what Fabric Hub holds (a PUT replaces, a POST too)
        replace = not (request.method == "PUT" and kind != "associations" and "put-ignored-after-batch" in self.faults)
        with self.db.tx() as conn:
            self.store(conn, reg, kind, body, replace=replace)
        if "realtime-200" in self.faults:
            return JSONResponse({"errors": []}, status_code=200)
        return self.accepted()  # VF: 202

    def association_route_problem(self, body: dict[str, Any], on_item: bool) -> str | None:
        """Pega's real-time associations page: "PUT /associations, action = "create"" and "PUT
        /associations/{associationID}, action = "update" or "delete"" (audit rows 28, 29). VF writes
        "PUT /associations[/{ID}] with action create/update/delete": the default takes any action on
        either path, variant associations=split only the documented pairs."""
        action = body.get("action")
        if not on_item and action == "create" and "assoc-create-refused" in self.faults:
            return "action create is not accepted here"
        if self.variant("associations") != "split":
            return None
        if on_item and action == "create":
            return "PUT /associations/{ID} takes action update or delete; create goes to PUT /associations"
        if not on_item and action != "create":
            return "PUT /associations takes action create; update and delete go to PUT /associations/{ID}"
        return None

    # -- emulator-only read-back ------------------------------------------------------------
    async def inspect(self, request: Request) -> Response:
        self.admin(request)
        reg, kind = request.path_params["id"], request.path_params["kind"]
        self.load(reg)
        rows = self.db.all("SELECT body FROM records WHERE registration = ? AND kind = ? ORDER BY seq", (reg, kind))
        return JSONResponse({"emulatorOnly": True, "records": [json.loads(r["body"]) for r in rows]})

    # -- app ------------------------------------------------------------------------------------
    def guarded(self, handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return self.error(exc)
            except RuntimeError as exc:
                if "injected fault" in str(exc):
                    return PlainTextResponse("Internal Server Error", status_code=500)
                raise

        return endpoint

    def routes(self) -> list[Route]:
        g = self.guarded
        return [
            Route(TOKEN_PATH, self.tokens.handle, methods=["POST"]),
            Route(BASE + "/registrations", g(self.create_registration), methods=["POST"]),
            Route(BASE + "/registrations", g(self.list_registrations), methods=["GET"]),
            Route(BASE + "/registrations/{id}", g(self.get_registration), methods=["GET"]),
            Route(BASE + "/registrations/{id}", g(self.edit_registration), methods=["PATCH"]),
            *([Route(BASE + "/registrations/{id}", g(self.delete_registration), methods=["DELETE"])]
              if self.variant("registration-delete") == "on" else []),
            Route(BASE + "/registrations/{id}/actions/{action}", g(self.action), methods=["POST"]),
            # VF: the docs spell the enablesync path /registration/ once; accept that spelling too
            Route(BASE + "/registration/{id}/actions/{action}", g(self.action), methods=["POST"]),
            Route(BASE + "/{kind}/batch", g(self.batch), methods=["POST"]),
            Route(BASE + "/tasks", g(self.realtime), methods=["POST"]),
            Route(BASE + "/cases", g(self.realtime), methods=["POST"]),
            Route(BASE + "/associations", g(self.realtime), methods=["PUT"]),
            Route(BASE + "/{kind:str}/{id}", g(self.realtime_put), methods=["PUT"]),
            Route(INSPECT + "/registrations/{id}/{kind}", g(self.inspect), methods=["GET"]),
        ]

    async def realtime_put(self, request: Request) -> Response:
        if request.path_params["kind"] not in ("tasks", "cases", "associations"):
            raise ApiError(404, f"No resource at PUT {request.url.path}")
        return await self.realtime(request)

    def app(self) -> Starlette:
        async def not_found(request: Request, exc: Exception) -> Response:
            status = getattr(exc, "status_code", 404)
            return self.error(ApiError(status, f"No resource at {request.method} {request.url.path}"))

        app = Starlette(routes=self.routes(), exception_handlers={404: not_found, 405: not_found})
        if self.config.chaos:  # a hostile server (`--chaos`), the token endpoint spared
            return ChaosMiddleware(app, self.config.chaos, spare=(TOKEN_PATH,))  # type: ignore[return-value]
        return app


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    return HubEmulator(config or EmulatorConfig()).app()
