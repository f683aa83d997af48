"""Attachments and data views of the Pega DX v2 emulator.

Sources: seed 001 (upload with `context` and `content`, first file only, the
attachment list with download/delete links, DELETE answering 200 with an empty
body, the 403 error body for a category the user may not add to, category
permission flags as strings), seed 000 (attachments in the POST /cases body:
{fileName, fileContent base64, mimeType}), vendor-facts (status codes, `mode`
string = base64 text / stream = bytes, PATCH /attachments, `type` File/URL on
categories, data view paging defaults 1/100, pageSize and maxResultsToFetch at
most 5000 and not combined).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

if TYPE_CHECKING:
    from conformance.emulators.pega_dx_v2.app import PegaEmulator

SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    context TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    type TEXT NOT NULL,
    category TEXT NOT NULL,
    name TEXT NOT NULL,
    file_name TEXT,
    extension TEXT,
    content_type TEXT,
    data BLOB,
    url TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_case ON attachments(case_id);
CREATE TABLE IF NOT EXISTS dv_rows (
    seq INTEGER PRIMARY KEY,
    guid TEXT NOT NULL,
    name TEXT NOT NULL
);
"""

# seed 001's categories sample: flags are strings. FileNoCreate is where the
# demo operator may not add files (the 403 of seed 001).
DEFAULT_CATEGORIES: list[dict[str, Any]] = [
    {"ID": "File", "name": "File", "type": "File", "canCreate": "true", "canView": "true", "canEdit": "true",
     "canDeleteOwn": "true", "canDeleteAll": "true"},
    {"ID": "Resume", "name": "Resume", "type": "File", "canCreate": "true", "canView": "true", "canEdit": "true",
     "canDeleteOwn": "true", "canDeleteAll": "false"},
    {"ID": "FileNoCreate", "name": "File no create", "type": "File", "canCreate": "false", "canView": "true",
     "canEdit": "false", "canDeleteOwn": "false", "canDeleteAll": "false"},
    {"ID": "URL", "name": "URL", "type": "URL", "canCreate": "true", "canView": "true", "canEdit": "true",
     "canDeleteOwn": "true", "canDeleteAll": "true"},
    {"ID": "URLNoAccess", "name": "URL no access", "type": "URL", "canCreate": "true", "canView": "false",
     "canEdit": "false", "canDeleteOwn": "true", "canDeleteAll": "true"},
]
DATA_VIEW = "D_ConformanceRecords"  # a list data view: pages of {data: [...]} (corpus data_views/D_CarsList.json)
# a single-record data view: GET answers the record itself, not {data: [...]} (corpus
# data_views/D_pxBootstrapConfig.json: {"pzLoadTime": "March 21, 2025 at 1:45:23 PM UTC", "pyConfigJSON": "{...}"})
RECORD_VIEW = "D_ConformanceConfig"
MAX_PAGE = 5000  # VF: pageSize and maxResultsToFetch at most 5000


def _stamp(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%S.") + f"{ms % 1000:03d} GMT"


def _iso(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


class Attachments:
    def __init__(self, emu: "PegaEmulator") -> None:
        self.emu = emu
        self.db = emu.db
        self.faults = emu.faults
        self.limit = emu.config.upload_limit
        self.categories = {c["ID"]: c for c in (emu.config.categories or DEFAULT_CATEGORIES)}
        self.db.conn.executescript(SCHEMA)
        have = self.db.one("SELECT COUNT(*) AS n FROM dv_rows")["n"]
        if have < emu.config.data_rows:
            with self.db.tx() as conn:
                conn.executemany("INSERT OR IGNORE INTO dv_rows(seq, guid, name) VALUES (?, ?, ?)",
                                 [(i, str(uuid.UUID(int=i)), f"Record {i:05d}")
                                  for i in range(1, emu.config.data_rows + 1)])

    def error(self, status: int, classification: str, message: str, localized: str, field: str = "") -> Exception:
        from conformance.emulators.pega_dx_v2.app import ApiError

        return ApiError(status, classification, message, localized, field)

    # -- upload ------------------------------------------------------------------
    async def upload(self, request: Request, user: str) -> Response:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise self.error(400, "Bad Request", "The request must be multipart/form-data",
                             "Upload the file as multipart/form-data.")
        declared = int(request.headers.get("content-length") or 0)
        if declared > self.limit + 64 * 1024 and "upload-limit-ignored" not in self.faults:
            raise self.error(400, "Bad Request", f"File exceeds the maximum size of {self.limit} bytes",
                             "The file is too large.", "content")
        try:
            form = await request.form(max_files=20, max_fields=50)
        except Exception:  # starlette raises its own parse errors for broken multipart
            raise self.error(400, "Bad Request", "The multipart body could not be parsed",
                             "The upload could not be read.") from None
        try:  # the parts are spooled temporary files: closed whatever the answer
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if not files:
                raise self.error(400, "Bad Request", "No file in the request", "Choose a file to upload.", "content")
            context = form.get("context")
            # the public client marco-looy/pega-dx-mcp uploads another form (client-v2.js uploadAttachment): the file
            # in a part `file`, a flag `appendUniqueIdToFileName`, no `context`. Variant upload-form=client takes it;
            # seed (the default) keeps seed 001's rule for every upload, so that form is refused for its context.
            client_form = form.get("file") is not None and "appendUniqueIdToFileName" in form
            if client_form and "client-form-500" in self.faults:
                raise RuntimeError("injected fault: client-form-500")
            client_ok = client_form and self.emu.variant("upload-form") == "client"
            if (not isinstance(context, str) or not context.strip()) and not client_ok \
                    and "upload-without-context" not in self.faults:
                # seed 001: "Without the context element, the attachment creation fails"
                raise self.error(400, "Bad Request", "context is required", "The upload needs a context.", "context")
            # seed 001: "Even if the request contains multiple files, DX API processes only the first file"
            chosen = files[-1] if "upload-last-file" in self.faults else files[0]
            data = await chosen.read()
        finally:
            await form.close()
        if len(data) > self.limit and "upload-limit-ignored" not in self.faults:
            raise self.error(400, "Bad Request", f"File exceeds the maximum size of {self.limit} bytes",
                             "The file is too large.", "content")
        upload_id = str(uuid.uuid4())
        file_name = chosen.filename or "file"
        if client_ok and form.get("appendUniqueIdToFileName") == "true":
            # MCP upload-attachment.js: "append unique ID to filename" -- before the extension
            stem, dot, ext = file_name.rpartition(".")
            file_name = f"{stem}_{upload_id[:8]}{dot}{ext}" if dot else f"{file_name}_{upload_id[:8]}"
        self.db.run("INSERT INTO uploads(id, file_name, content_type, data, context, created_by, created_ms) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (upload_id, file_name, chosen.content_type or "application/octet-stream",
                     data, str(context or ""), user, int(time.time() * 1000)))
        body: dict[str, Any] = {} if "upload-no-id" in self.faults else {"ID": upload_id}
        return JSONResponse(body, status_code=201)  # seed 001 sample; VF SW 201

    # -- attach ------------------------------------------------------------------
    def category(self, category_id: str, kind: str, name: str) -> dict[str, Any]:
        cat = self.categories.get(category_id)
        if cat is None or cat["type"].lower() != kind.lower():
            raise self.error(400, "Bad Request", f"Unknown {kind} attachment category {category_id}",
                             "The attachment category is not valid.", "category")
        if not _flag(cat.get("canCreate", "true")) and "category-permission-ignored" not in self.faults:
            # seed 001: the 403 body for a category the user may not add to
            from conformance.emulators.pega_dx_v2.app import ApiError

            raise ApiError(403, "Insufficient security", f"Error_No_Add_attachment_Access\t{name}",
                           f"Lack access to add {name}.")
        return cat

    def insert(self, case_id: str, user: str, kind: str, category: str, name: str, file_name: str | None = None,
               content_type: str | None = None, data: bytes | None = None, url: str | None = None) -> str:
        with self.db.tx() as conn:
            ms = int(time.time() * 1000)
            # the ID embeds a timestamp (seed 001); keep it unique per case
            while conn.execute("SELECT 1 FROM attachments WHERE id = ?",
                               (f"LINK-ATTACHMENT {case_id}!{_stamp(ms)}",)).fetchone():
                ms += 1
            att_id = f"LINK-ATTACHMENT {case_id}!{_stamp(ms)}"
            extension = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else ""
            conn.execute("INSERT INTO attachments(id, case_id, type, category, name, file_name, extension, "
                         "content_type, data, url, created_by, created_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         (att_id, case_id, kind, category, name, file_name, extension, content_type, data, url,
                          user, ms))
        return att_id

    def attach_items(self, case_id: str, user: str, items: Any) -> list[str]:
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise self.error(400, "Bad Request", "attachments must be a non-empty array of objects",
                             "Provide the attachments to add.", "attachments")
        created = []
        for i, item in enumerate(items):
            kind = str(item.get("type", "")).lower()
            name = item.get("name")
            if kind == "file":
                upload = self.db.one("SELECT * FROM uploads WHERE id = ?", (str(item.get("ID", "")),))
                if upload is None:
                    raise self.error(400, "Bad Request", f"attachments[{i}].ID is not an uploaded file",
                                     "Upload the file first.", f"attachments[{i}].ID")
                name = name if isinstance(name, str) and name else upload["file_name"].rsplit(".", 1)[0]
                category = str(item.get("category") or "File")
                self.category(category, "File", upload["file_name"])
                created.append(self.insert(case_id, user, "FILE", category, name, upload["file_name"],
                                           upload["content_type"], upload["data"]))
            elif kind == "url":
                url = item.get("url")
                if not isinstance(url, str) or not url.strip():
                    raise self.error(400, "Bad Request", f"attachments[{i}].url is required for a URL",
                                     "Provide the address.", f"attachments[{i}].url")
                category = str(item.get("category") or "URL")
                name = name if isinstance(name, str) and name else url
                self.category(category, "URL", name)
                created.append(self.insert(case_id, user, "FILE" if "url-as-file" in self.faults else "URL",
                                           category, name, url=url))
            else:
                raise self.error(400, "Bad Request", f"attachments[{i}].type must be File or URL",
                                 "The attachment type is not valid.", f"attachments[{i}].type")
        return created

    def from_create_body(self, case_id: str, user: str, items: list[dict[str, Any]]) -> None:
        """seed 000: {fileName, fileContent (base64), mimeType}; seed 001: {ID} of an upload."""
        if "create-attachments-dropped" in self.faults:
            return
        for i, item in enumerate(items):
            if "fileContent" in item:
                try:
                    data = base64.b64decode(str(item["fileContent"]), validate=True)
                except (binascii.Error, ValueError):
                    raise self.error(400, "Bad Request", f"attachments[{i}].fileContent is not base64",
                                     "The attachment content is not valid.", f"attachments[{i}].fileContent") from None
                file_name = str(item.get("fileName") or "file")
                self.category("File", "File", file_name)
                self.insert(case_id, user, "FILE", "File", file_name.rsplit(".", 1)[0], file_name,
                            str(item.get("mimeType") or "application/octet-stream"), data)
            else:
                self.attach_items(case_id, user, [{"type": "File", **item}])

    def validate_create_items(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            if "fileContent" not in item and not self.db.one("SELECT 1 FROM uploads WHERE id = ?",
                                                             (str(item.get("ID", "")),)):
                raise self.error(400, "Bad Request", f"attachments[{i}] has neither fileContent nor an uploaded ID",
                                 "The attachment is not valid.", f"attachments[{i}]")

    async def attach(self, request: Request, user: str) -> Response:
        case = self.emu.load(request.path_params["caseID"])
        body = await self.emu.read_json_object(request)
        ids = self.attach_items(case["id"], user, body.get("attachments"))
        return JSONResponse({"attachments": [self.item(self.load(i)) for i in ids]}, status_code=201)

    # -- read --------------------------------------------------------------------
    def load(self, att_id: str) -> Any:
        row = self.db.one("SELECT * FROM attachments WHERE id = ?", (att_id,))
        if row is None:
            raise self.error(404, "Not found", f"Attachment {att_id} not found",
                             "The attachment could not be found.")
        return row

    def item(self, row: Any) -> dict[str, Any]:
        href = f"/attachments/{row['id']}"
        kind = row["type"]
        out: dict[str, Any] = {"ID": row["id"], "name": row["name"], "category": row["category"], "type": kind,
                               "createdBy": row["created_by"], "createTime": _iso(row["created_ms"])}
        if row["url"] is None:
            out.update(fileName=row["file_name"], extension=row["extension"])
        else:
            out["url"] = row["url"]
        if row["description"]:
            out["description"] = row["description"]
        if "list-no-links" not in self.faults:
            # seed 001 list sample: links.download and links.delete
            title = "Download the attachment" if row["url"] is None else "Retrieve the link"
            out["links"] = {
                "download": {"rel": "self", "href": href, "title": title, "type": "GET"},
                "delete": {"rel": "self", "href": href, "title": "Delete the attachment", "type": "DELETE"},
            }
        return out

    async def list(self, request: Request, user: str) -> Response:
        case = self.emu.load(request.path_params["caseID"])
        if "list-leaks-other-cases" in self.faults:
            rows = self.db.all("SELECT * FROM attachments ORDER BY created_ms DESC")
        else:
            rows = self.db.all("SELECT * FROM attachments WHERE case_id = ? ORDER BY created_ms DESC", (case["id"],))
        return JSONResponse({"attachments": [self.item(r) for r in rows]})

    async def download(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["attachmentID"])
        mode = request.query_params.get("mode", "string")
        if mode not in ("string", "stream"):
            raise self.error(400, "Bad Request", "mode must be string or stream", "The mode is not valid.", "mode")
        if row["url"] is not None:
            return JSONResponse(self.item(row))
        data = bytes(row["data"] or b"")
        if "download-corrupt" in self.faults and data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        if mode == "string":
            # VF: mode=string (default) answers the content as base64 text/plain
            return PlainTextResponse(base64.b64encode(data).decode("ascii"))
        name = row["file_name"] or "file"
        if "download-name-mangled" in self.faults:
            name = name.encode("ascii", "replace").decode("ascii")
        ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "")
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"  # RFC 6266
        return Response(data, media_type=row["content_type"], headers={"Content-Disposition": disposition})

    async def patch(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["attachmentID"])
        body = await self.emu.read_json_object(request)
        changes = {}
        for key in ("name", "category", "description"):
            if key in body:
                if not isinstance(body[key], str):
                    raise self.error(400, "Bad Request", f"{key} must be a string", f"{key} must be a string.", key)
                changes[key] = body[key]
        if "category" in changes:
            kind = "URL" if row["url"] is not None else "File"
            cat = self.categories.get(changes["category"])
            if cat is None or cat["type"] != kind:
                raise self.error(400, "Bad Request", f"Unknown {kind} category {changes['category']}",
                                 "The attachment category is not valid.", "category")
        cat = self.categories.get(row["category"], {})
        if cat and not _flag(cat.get("canEdit", "true")):
            raise self.error(403, "Insufficient security", "Error_No_Edit_attachment_Access",
                             "Lack access to edit this attachment.")
        for key, value in changes.items():
            self.db.run(f"UPDATE attachments SET {key} = ? WHERE id = ?", (value, row["id"]))  # keys are fixed above
        return JSONResponse(self.item(self.load(row["id"])))

    async def delete(self, request: Request, user: str) -> Response:
        row = self.load(request.path_params["attachmentID"])
        if "delete-noop" not in self.faults:
            self.db.run("DELETE FROM attachments WHERE id = ?", (row["id"],))
        return Response(status_code=200)  # seed 001: "Empty response with status code 200"

    async def categories_list(self, request: Request, user: str) -> Response:
        self.emu.load(request.path_params["caseID"])
        kind = request.query_params.get("type")
        if kind is not None and kind.lower() not in ("file", "url"):
            raise self.error(400, "Bad Request", "type must be File or URL", "The type is not valid.", "type")
        cats = [c for c in self.categories.values() if kind is None or c["type"].lower() == kind.lower()]
        out = []
        for c in cats:
            item = {k: v for k, v in c.items() if k != "type"}
            if "categories-missing-flags" in self.faults:
                item = {"ID": c["ID"], "name": c["name"]}
            out.append(item)
        return JSONResponse({"attachment_categories": out})

    # -- data views -----------------------------------------------------------------
    def paging(self, body: dict[str, Any]) -> tuple[int, int, int | None]:
        paging = body.get("paging")
        max_results = body.get("maxResultsToFetch")
        if paging is not None and max_results is not None and "dv-no-limit-check" not in self.faults:
            # VF: combining maxResultsToFetch with paging is a validation error
            raise self.error(400, "Validation fail", "paging cannot be combined with maxResultsToFetch",
                             "Use either paging or maxResultsToFetch.", "maxResultsToFetch")
        if paging is None:
            paging = {}
        if not isinstance(paging, dict):
            raise self.error(400, "Bad Request", "paging must be an object", "paging must be an object.", "paging")
        number, size = paging.get("pageNumber", 1), paging.get("pageSize", 100)  # VF defaults 1 and 100
        for key, value in (("pageNumber", number), ("pageSize", size), ("maxResultsToFetch", max_results)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise self.error(400, "Validation fail", f"{key} must be a positive integer",
                                 f"{key} is not valid.", key)
            if key != "pageNumber" and value > MAX_PAGE and "dv-no-limit-check" not in self.faults:
                raise self.error(400, "Validation fail", f"{key} must be at most {MAX_PAGE}",
                                 f"{key} is too large.", key)
        return number, size, max_results

    def view(self, request: Request) -> None:
        view = request.path_params["dataViewID"]
        if view == RECORD_VIEW:
            # a record is not a list: nothing to page or count (VF SW: 400 is documented for both operations)
            raise self.error(400, "Validation fail", f"Data view {view} is a single record, not a list",
                             "This data view returns one record; read it with GET.", "dataViewID")
        if view != DATA_VIEW:
            raise self.error(404, "Not found", f"Data view {view} not found", "The data view could not be found.")

    def record(self) -> Response:
        """The single-record view's record, shaped as corpus data_views/D_pxBootstrapConfig.json."""
        now = dt.datetime.now(dt.timezone.utc)
        loaded = f"{now:%B} {now.day}, {now:%Y} at {now.hour % 12 or 12}:{now:%M:%S} {now:%p} UTC"
        config = {"locale": "en_US", "timezone": "UTC", "uploadLimitBytes": self.limit, "dataViews": [DATA_VIEW]}
        return JSONResponse({"pzLoadTime": loaded, "pyConfigJSON": json.dumps(config, separators=(",", ":"))})

    def total(self) -> int:
        return int(self.db.one("SELECT COUNT(*) AS n FROM dv_rows")["n"])

    async def data_view(self, request: Request, user: str) -> Response:
        if request.method == "GET" and request.path_params["dataViewID"] == RECORD_VIEW:
            return self.record()
        self.view(request)
        body = await self.emu.read_json_object(request) if request.method == "POST" else {}
        number, size, max_results = self.paging(body)
        total = self.total()
        if max_results is not None and body.get("paging") is None:
            offset, size = 0, max_results
        else:
            offset = (number - 1) * size
            if "dv-page-overlap" in self.faults and number > 1:
                offset -= 1
        fetch = size + 1 if "dv-page-oversize" in self.faults else size
        rows = self.db.all("SELECT seq, guid, name FROM dv_rows ORDER BY seq LIMIT ? OFFSET ?", (fetch, offset))
        more = offset + len(rows) < total
        if "dv-has-more-wrong" in self.faults:
            more = True
        out: dict[str, Any] = {
            "data": [{"pyGUID": r["guid"], "Name": r["name"], "Seq": r["seq"]} for r in rows],
            "resultCount": len(rows), "hasMoreResults": more, "pageNumber": number, "pageSize": size,
            "fetchDateTime": _iso(int(time.time() * 1000)), "queryStats": {},
        }
        if body.get("includeTotalCount") is True:
            out["totalCount"] = total
        return JSONResponse(out)

    async def count(self, request: Request, user: str) -> Response:
        self.view(request)
        self.paging(await self.emu.read_json_object(request))
        total = self.total() + (1 if "dv-count-off" in self.faults else 0)
        return JSONResponse({"totalCount": total, "fetchDateTime": _iso(int(time.time() * 1000))})

    def routes(self, attachments: bool = True, data_views: bool = True) -> list[tuple[str, list[str], Any]]:
        """The routes of the groups the server offers (variants attachments and data-views)."""
        table: list[tuple[str, list[str], Any]] = []
        if attachments:
            table += [
                ("/attachments/upload", ["POST"], self.upload),
                ("/cases/{caseID}/attachments", ["POST"], self.attach),
                ("/cases/{caseID}/attachments", ["GET"], self.list),
                ("/cases/{caseID}/attachment_categories", ["GET"], self.categories_list),
                ("/attachments/{attachmentID}", ["GET"], self.download),
                ("/attachments/{attachmentID}", ["PATCH"], self.patch),
                ("/attachments/{attachmentID}", ["DELETE"], self.delete),
            ]
        if data_views:
            table += [
                ("/data_views/{dataViewID}", ["GET", "POST"], self.data_view),
                ("/data_views/{dataViewID}/count", ["POST"], self.count),
            ]
        return table
