"""Case collaboration in the Pega DX v2 emulator: participants and participant roles, followers,
tags, related cases and documents.

Sources ("MCP" = the public client marco-looy/pega-dx-mcp at commit e027b3e1, file
src/api/v2/client-v2.js, "MCP L1837" = its line 1837; its tool definitions src/tools/<group>/*.js;
its sample-data-v2.md, what a real server answered to the follower operations):
- participants: list, add (If-Match, {content, participantRoleID, pageInstructions}), get,
  update (If-Match, {content, pageInstructions}), remove (If-Match; "200 with etag header"); the
  eTag a participant write needs is the case's (MCP create-case-participant.js fetches it with
  GET /cases/{ID}), so every participant write checks and advances the case's eTag;
- participant roles: list, details (viewType form|none);
- followers: list, add ({users: [{ID}]}, 207 with {"ID", "status": "201"} per user, 400 for an
  unknown user, 409 for one already following: sample-data-v2.md L37-58), remove (200);
- tags: list, add ({tags: [{Name}]}, at most 50, 207), remove (200 with a message string, MCP L2117);
- related cases: list, add ({cases: [{ID}]}, at most 50, 207), remove;
- documents: GET /documents/{ID} (base64 text/plain, MCP L1526), DELETE /cases/{ID}/documents/{ID}.
No source shows the list bodies or how a 207 holds its results; where the emulator has to choose,
it answers the simplest shape the spec admits: {"participants"|"followers"|"tags"|"relatedCases"|
"participantRoles": [...]} and an array of per-item results. Bad input gets the DX v2 error body.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

if TYPE_CHECKING:
    from conformance.emulators.pega_dx_v2.app import PegaEmulator

SCHEMA = """
CREATE TABLE IF NOT EXISTS participants (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    content TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS followers (
    case_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE TABLE IF NOT EXISTS tags (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (case_id, name)
);
CREATE TABLE IF NOT EXISTS related_cases (
    case_id TEXT NOT NULL,
    related_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (case_id, related_id)
);
-- the demo documents are linked to every case until removed from it
CREATE TABLE IF NOT EXISTS unlinked_documents (
    case_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    PRIMARY KEY (case_id, document_id)
);
"""

# demo participant roles of the demo case types (MCP: a participant is added with a participantRoleID
# the case's participant_roles list); Pega's default party roles are Owner, Customer and Interested
ROLES: dict[str, str] = {"Owner": "Owner", "Customer": "Customer", "Interested": "Interested party"}
# demo documents (MCP L1526: GET /documents/{ID} answers the content as base64 text)
DOCUMENTS: dict[str, tuple[str, bytes]] = {
    "DOC-CONF-0001": ("Welcome letter.txt", b"Welcome to the conformance demo.\n"),
    "DOC-CONF-0002": ("Terms.txt", b"Terms and conditions of the demo application.\n"),
}
# operators a case may be followed by besides those who created cases (sample-data-v2.md L48: a user the
# server does not know is refused with 400)
DEMO_USERS = ("CONF.Reviewer", "CONF.Manager")
MAX_ITEMS = 50  # MCP add-case-tags.js and relate-cases.js: maxItems 50
# participant content members that are text (MCP create-case-participant.js: the Data-Party properties)
PARTY_TEXT = ("pyFirstName", "pyLastName", "pyFullName", "pyEmail1", "pyPhoneNumber", "pyTitle", "pyWorkPartyUri")


def _no_body() -> Response:
    return Response(status_code=200)


class Collaboration:
    def __init__(self, emu: "PegaEmulator") -> None:
        self.emu = emu
        self.db = emu.db
        self.faults = emu.faults
        self.db.conn.executescript(SCHEMA)

    def error(self, status: int, classification: str, message: str, localized: str, field: str = "") -> Exception:
        from conformance.emulators.pega_dx_v2.app import ApiError

        return ApiError(status, classification, message, localized, field)

    def bad(self, message: str, field: str = "") -> Exception:
        return self.error(400, "Bad Request", message, "The request is not valid.", field)

    def not_found(self, what: str) -> Exception:
        return self.error(404, "Not found", f"{what} not found", "The requested resource could not be found.")

    async def items(self, request: Request, key: str, member: str) -> list[str]:
        """The `member` values of body[key], a non-empty array of at most 50 objects (MCP tool schemas)."""
        body = await self.emu.read_json_object(request)
        items = body.get(key)
        if not isinstance(items, list) or not items:
            raise self.bad(f"{key} must be a non-empty array", key)
        if len(items) > MAX_ITEMS and key != "users":
            raise self.bad(f"{key} may hold at most {MAX_ITEMS} items", key)
        values = []
        for i, item in enumerate(items):
            value = item.get(member) if isinstance(item, dict) else None
            if not isinstance(value, str) or not value.strip():
                raise self.bad(f"{key}[{i}].{member} must be a non-empty string", f"{key}[{i}].{member}")
            values.append(value)
        return values

    @staticmethod
    def multi_status(results: list[dict[str, Any]]) -> Response:
        # MCP L1673/L2057/L1482: 207 multi-status; sample-data-v2.md L44: {"ID": ..., "status": "201"} per item
        return JSONResponse(results, status_code=207)

    # -- participants (eTag-locked writes) -------------------------------------------------
    def locked(self, request: Request, row: Any) -> str | None:
        """MCP: every participant write sends the case's eTag in If-Match; refused like any other
        eTag-locked write (409/412 stale, 428/403 missing: the case action's rules)."""
        sent = request.headers.get("if-match")
        if sent is not None and "participant-accepts-stale" in self.faults:
            return sent
        if sent is None and "participant-no-if-match" in self.faults:
            return None
        return self.emu.check_if_match(request, row, "participant")

    async def touch(self, row: Any, user: str, sent: str | None) -> str:
        """Save the case (a participant is part of it): a new eTag, compare-and-set against the checked one."""
        written = await self.emu.guarded_write(row, user, json.loads(row["content"]))
        return self.emu.written_etag(sent, written)

    def participant(self, case_id: str, participant_id: str) -> Any:
        found = self.db.one("SELECT * FROM participants WHERE case_id = ? AND id = ?", (case_id, participant_id))
        if found is None:
            raise self.not_found(f"Participant {participant_id}")
        return found

    def party(self, content: dict[str, Any]) -> dict[str, Any]:
        for name in PARTY_TEXT:
            if name in content and not isinstance(content[name], str):
                raise self.error(422, "Validation fail", f"{name} must be text", f"The value of {name} is not valid.",
                                 f"content.{name}")
        return content

    def participant_body(self, request: Request, found: Any) -> dict[str, Any]:
        content = json.loads(found["content"])
        name = content.get("pyFullName") or " ".join(
            str(content[k]) for k in ("pyFirstName", "pyLastName") if content.get(k)) or found["id"]
        out: dict[str, Any] = {"data": {"participantInfo": {
            "ID": found["id"], "name": name, "participantRoleID": found["role_id"],
            "participantRoleName": ROLES.get(found["role_id"], found["role_id"]), "content": content}}}
        if request.query_params.get("viewType", "form") != "none":  # MCP: viewType form (default) adds uiResources
            out["uiResources"] = self.form(found["role_id"], content)
        return out

    @staticmethod
    def form(role_id: str, content: dict[str, Any]) -> dict[str, Any]:
        fields = sorted(set(PARTY_TEXT) | set(content))
        return {"root": {"type": "reference", "config": {"type": "view", "name": f"pyParticipant{role_id}",
                                                         "context": "data.participantInfo.content"}},
                "resources": {"fields": {f: [{"type": "Text", "label": f}] for f in fields}},
                "components": ["TextInput", "View"]}

    async def list_participants(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        rows = self.db.all("SELECT * FROM participants WHERE case_id = ? ORDER BY created_ms, id", (row["id"],))
        return JSONResponse({"participants": [self.participant_body(request, r)["data"]["participantInfo"]
                                              for r in rows]})

    async def add_participant(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        sent = self.locked(request, row)
        body = await self.emu.read_json_object(request)
        role = body.get("participantRoleID")
        if not isinstance(role, str) or not role or "content" not in body:
            # MCP create-case-participant.js: content and participantRoleID are required
            raise self.bad("content and participantRoleID are required", "participantRoleID")
        content, instructions = self.emu.validate_update(body)
        if role not in ROLES:
            raise self.error(422, "Validation fail", f"Participant role {role} is not a role of this case type",
                             "The participant role is not valid.", "participantRoleID")
        content = self.party(self.emu.apply({}, content, instructions))
        etag = await self.touch(row, user, sent)
        participant_id = f"PARTICIPANT-{uuid.uuid4().hex[:12].upper()}"
        self.db.run("INSERT INTO participants(id, case_id, role_id, content, created_ms) VALUES (?, ?, ?, ?, ?)",
                    (participant_id, row["id"], role, json.dumps(content), int(time.time() * 1000)))
        found = self.participant(row["id"], participant_id)
        return self.emu.json_response(self.participant_body(request, found), 201, etag=etag)

    async def get_participant(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        found = self.participant(row["id"], request.path_params["participantID"])
        return self.emu.json_response(self.participant_body(request, found), 200, row)

    async def update_participant(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        found = self.participant(row["id"], request.path_params["participantID"])
        sent = self.locked(request, row)
        updates, instructions = self.emu.validate_update(await self.emu.read_json_object(request))
        content = self.party(self.emu.apply(json.loads(found["content"]), updates, instructions))
        etag = await self.touch(row, user, sent)
        self.db.run("UPDATE participants SET content = ? WHERE id = ?", (json.dumps(content), found["id"]))
        found = self.participant(row["id"], found["id"])
        return self.emu.json_response(self.participant_body(request, found), 200, etag=etag)

    async def delete_participant(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        found = self.participant(row["id"], request.path_params["participantID"])
        sent = self.locked(request, row)
        etag = await self.touch(row, user, sent)
        if "participant-delete-noop" not in self.faults:
            self.db.run("DELETE FROM participants WHERE id = ?", (found["id"],))
        return Response(status_code=200, headers={"ETag": etag})  # MCP L1960: 200 with the new eTag

    async def list_roles(self, request: Request, user: str) -> Response:
        self.emu.load(request.path_params["caseID"])
        return JSONResponse({"participantRoles": [{"ID": k, "name": v} for k, v in ROLES.items()]})

    async def get_role(self, request: Request, user: str) -> Response:
        self.emu.load(request.path_params["caseID"])
        role = request.path_params["participantRoleID"]
        if role not in ROLES:
            raise self.not_found(f"Participant role {role}")
        out: dict[str, Any] = {"data": {"participantRoleInfo": {"ID": role, "name": ROLES[role]}}}
        if request.query_params.get("viewType", "form") != "none":
            out["uiResources"] = self.form(role, {})
        return JSONResponse(out)

    # -- followers -------------------------------------------------------------------------
    def known_user(self, user_id: str, caller: str) -> bool:
        return user_id in DEMO_USERS or user_id == caller or \
            self.db.one("SELECT 1 FROM cases WHERE created_by = ? LIMIT 1", (user_id,)) is not None

    async def list_followers(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        rows = self.db.all("SELECT user_id FROM followers WHERE case_id = ? ORDER BY user_id", (row["id"],))
        return JSONResponse({"followers": [{"ID": r["user_id"], "name": r["user_id"]} for r in rows]})

    async def add_followers(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        results = []
        for user_id in await self.items(request, "users", "ID"):
            if not self.known_user(user_id, user):  # sample-data-v2.md L48-49
                results.append({"ID": user_id, "status": "400", "message": f"User {user_id} is not valid"})
                continue
            exists = self.db.one("SELECT 1 FROM followers WHERE case_id = ? AND user_id = ?", (row["id"], user_id))
            if exists is not None and "follower-duplicate-accepted" not in self.faults:  # sample-data-v2.md L50-51
                results.append({"ID": user_id, "status": "409", "message": f"User {user_id} is already a follower"})
                continue
            if exists is None and "follower-not-stored" not in self.faults:
                self.db.run("INSERT INTO followers(case_id, user_id) VALUES (?, ?)", (row["id"], user_id))
            results.append({"ID": user_id, "status": "201"})  # sample-data-v2.md L44
        return self.multi_status(results)

    async def delete_follower(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        follower = request.path_params["followerID"]
        if not self.db.run("DELETE FROM followers WHERE case_id = ? AND user_id = ?", (row["id"], follower)):
            raise self.not_found(f"Follower {follower}")  # MCP L3185: 404
        return _no_body()

    # -- tags ------------------------------------------------------------------------------
    async def list_tags(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        rows = self.db.all("SELECT id, name FROM tags WHERE case_id = ? ORDER BY name", (row["id"],))
        return JSONResponse({"tags": [{"ID": r["id"], "Name": r["name"]} for r in rows]})

    async def add_tags(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        results = []
        for name in await self.items(request, "tags", "Name"):
            have = self.db.one("SELECT id FROM tags WHERE case_id = ? AND name = ?", (row["id"], name))
            if have is not None:
                results.append({"ID": have["id"], "Name": name, "status": "409",
                                "message": f"Tag {name} is already on the case"})
                continue
            tag_id = f"TAG-{uuid.uuid4().hex[:12].upper()}"
            self.db.run("INSERT INTO tags(id, case_id, name) VALUES (?, ?, ?)", (tag_id, row["id"], name))
            results.append({"ID": tag_id, "Name": name, "status": "201"})
        return self.multi_status(results)

    async def delete_tag(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        tag_id = request.path_params["tagID"]
        if self.db.one("SELECT 1 FROM tags WHERE case_id = ? AND id = ?", (row["id"], tag_id)) is None:
            raise self.not_found(f"Tag {tag_id}")  # MCP L3364: 404
        if "tag-delete-noop" not in self.faults:
            self.db.run("DELETE FROM tags WHERE id = ?", (tag_id,))
        return PlainTextResponse(f"Tag {tag_id} deleted")  # MCP L2117: a message string

    # -- related cases ---------------------------------------------------------------------
    async def list_related(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        rows = self.db.all("SELECT r.related_id, c.case_type, c.status FROM related_cases r "
                           "LEFT JOIN cases c ON c.id = r.related_id WHERE r.case_id = ? ORDER BY r.seq", (row["id"],))
        return JSONResponse({"relatedCases": [{"ID": r["related_id"], "caseTypeID": r["case_type"] or "",
                                               "status": r["status"] or ""} for r in rows]})

    async def relate(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        results = []
        for other in await self.items(request, "cases", "ID"):
            if other == row["id"]:
                results.append({"ID": other, "status": "400", "message": "A case cannot be related to itself"})
            elif self.db.one("SELECT 1 FROM cases WHERE id = ?", (other,)) is None:
                results.append({"ID": other, "status": "404", "message": f"Case {other} not found"})
            elif self.db.one("SELECT 1 FROM related_cases WHERE case_id = ? AND related_id = ?",
                             (row["id"], other)) is not None:
                results.append({"ID": other, "status": "409", "message": f"Case {other} is already related"})
            else:
                self.db.run("INSERT INTO related_cases(case_id, related_id, seq) VALUES (?, ?, ?)",
                            (row["id"], other, time.time_ns()))
                results.append({"ID": other, "status": "201"})
        return self.multi_status(results)

    async def unrelate(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        other = request.path_params["relatedCaseID"]
        if self.db.one("SELECT 1 FROM related_cases WHERE case_id = ? AND related_id = ?",
                       (row["id"], other)) is None:
            raise self.not_found(f"Related case {other}")
        if "related-delete-all" in self.faults:
            self.db.run("DELETE FROM related_cases WHERE case_id = ?", (row["id"],))
        else:
            self.db.run("DELETE FROM related_cases WHERE case_id = ? AND related_id = ?", (row["id"], other))
        return _no_body()

    # -- documents -------------------------------------------------------------------------
    async def get_document(self, request: Request, user: str) -> Response:
        doc = DOCUMENTS.get(request.path_params["documentID"])
        if doc is None:
            raise self.not_found(f"Document {request.path_params['documentID']}")
        # MCP L1526: "Document API returns base64 content as text/plain"
        return PlainTextResponse(base64.b64encode(doc[1]).decode("ascii"))

    async def remove_document(self, request: Request, user: str) -> Response:
        row = self.emu.load(request.path_params["caseID"])
        doc_id = request.path_params["documentID"]
        if doc_id not in DOCUMENTS or self.db.one(
                "SELECT 1 FROM unlinked_documents WHERE case_id = ? AND document_id = ?", (row["id"], doc_id)):
            raise self.not_found(f"Document {doc_id} of case {row['id']}")
        self.db.run("INSERT INTO unlinked_documents(case_id, document_id) VALUES (?, ?)", (row["id"], doc_id))
        return _no_body()  # MCP L1591: 200

    # -- wiring ----------------------------------------------------------------------------
    def routes(self) -> list[tuple[str, list[str], Any]]:
        """(path, methods, handler) of the groups the server offers (variants participants, followers, tags,
        related-cases, documents: "off" leaves a group's routes out)."""
        on = {name: self.emu.variant(name) == "on"
              for name in ("participants", "followers", "tags", "related-cases", "documents")}
        table: list[tuple[str, list[str], Any]] = []
        if on["participants"]:
            table += [("/cases/{caseID}/participants", ["GET"], self.list_participants),
                      ("/cases/{caseID}/participants", ["POST"], self.add_participant),
                      ("/cases/{caseID}/participants/{participantID}", ["GET"], self.get_participant),
                      ("/cases/{caseID}/participants/{participantID}", ["PATCH"], self.update_participant),
                      ("/cases/{caseID}/participants/{participantID}", ["DELETE"], self.delete_participant),
                      ("/cases/{caseID}/participant_roles", ["GET"], self.list_roles),
                      ("/cases/{caseID}/participant_roles/{participantRoleID}", ["GET"], self.get_role)]
        if on["followers"]:
            table += [("/cases/{caseID}/followers", ["GET"], self.list_followers),
                      ("/cases/{caseID}/followers", ["POST"], self.add_followers),
                      ("/cases/{caseID}/followers/{followerID}", ["DELETE"], self.delete_follower)]
        if on["tags"]:
            table += [("/cases/{caseID}/tags", ["GET"], self.list_tags),
                      ("/cases/{caseID}/tags", ["POST"], self.add_tags),
                      ("/cases/{caseID}/tags/{tagID}", ["DELETE"], self.delete_tag)]
        if on["related-cases"]:
            table += [("/cases/{caseID}/related_cases", ["GET"], self.list_related),
                      ("/cases/{caseID}/related_cases", ["POST"], self.relate),
                      ("/cases/{caseID}/related_cases/{relatedCaseID}", ["DELETE"], self.unrelate)]
        if on["documents"]:
            table += [("/documents/{documentID}", ["GET"], self.get_document),
                      ("/cases/{caseID}/documents/{documentID}", ["DELETE"], self.remove_document)]
        return table
