"""HAR files for the tests of conformance.traffic (and the benchmark): built from the recorded Pega
responses of tests/corpus, and synthetic ones of any size, streamed without ever being whole in memory."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any, Iterator

from conformance.checks.pega import iso_to_pega

BASE = "https://pega.example.com/prweb/api/application/v2"
OLD_ETAG = '"20200101T000000.000 GMT"'


def entry(method: str, url: str, status: int, body: bytes | None = None, *, headers: dict[str, str] | None = None,
          request_headers: dict[str, str] | None = None, request_body: str | None = None, b64: bool = False,
          mime: str = "application/json") -> dict[str, Any]:
    """One HAR 1.2 entry."""
    content: dict[str, Any] = {"size": len(body or b""), "mimeType": mime}
    if body is not None:
        content["text"] = base64.b64encode(body).decode() if b64 else body.decode("utf-8")
        if b64:
            content["encoding"] = "base64"
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
                               "queryString": [], "headersSize": -1, "bodySize": len(request_body or ""),
                               "headers": [{"name": k, "value": v} for k, v in (request_headers or {}).items()]}
    if request_body is not None:
        request["postData"] = {"mimeType": "application/json", "text": request_body}
    return {"startedDateTime": "2025-01-17T14:48:33.923Z", "time": 12.5, "request": request,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
                         "headers": [{"name": k, "value": v} for k, v in
                                     {"Content-Type": mime, **(headers or {})}.items()],
                         "content": content, "redirectURL": "", "headersSize": -1, "bodySize": len(body or b"")},
            "cache": {}, "timings": {"send": 1, "wait": 10, "receive": 1.5}}


def har(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": "tests", "version": "1"}, "entries": entries}}


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def corpus_har(corpus: Path) -> dict[str, Any]:
    """The 51 recorded responses as the exchanges a client had: each at its operation and status, with the IDs
    its body names, the headers the spec says the server sends (the recordings kept bodies only: ETag from the
    body's lastUpdateTime, Location naming a new case), the If-Match a client sends back (the last eTag it saw
    of the case), every other body base64-encoded, plus what a browser's HAR also holds (another host, a
    redirect to a login page)."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries = [entry("GET", "https://cdn.example.com/app.js", 200, b"console.log(1)", mime="text/javascript")]
    seen: dict[str, str] = {}
    for i, item in enumerate(manifest):
        raw = (corpus / "responses" / item["file"]).read_bytes()
        body = json.loads(raw)
        data = body.get("data") if isinstance(body, dict) else None
        info = (data.get("caseInfo") or {}) if isinstance(data, dict) else {}
        case = body.get("ID") if item["method"] == "POST" and item["path"] == "/cases" else None
        case = case or info.get("ID") or "CONF-DEMO-WORK R-1"
        assignments = info.get("assignments") or [{}]
        assignment = (assignments[0] or {}).get("ID") or f"ASSIGN-WORKLIST {case}!FLOW"
        view = Path(item["file"]).stem.split("-")[0]
        path = (item["path"].replace("{caseID}", _quote(case)).replace("{assignmentID}", _quote(assignment))
                .replace("{actionID}", "pyUpdateCaseDetails").replace("{viewID}", "pyDetails")
                .replace("{dataViewID}", view if view.startswith("D_") else "D_Records"))
        stamp = iso_to_pega(info["lastUpdateTime"]) if isinstance(info.get("lastUpdateTime"), str) else None
        headers = {}
        if stamp and not item["path"].endswith("/refresh"):
            headers["ETag"] = f'"{stamp} GMT"'
        if item["path"] == "/cases" and item["method"] == "POST":
            headers["Location"] = f"/prweb/api/application/v2/cases/{_quote(case)}"
            headers.setdefault("ETag", '"20250117T144833.923 GMT"')
        request_headers = {"Authorization": "Bearer recorded-client-token-0001", "Accept": "application/json"}
        if item["method"] == "PATCH":
            request_headers["If-Match"] = seen.get(case, OLD_ETAG)
        if "ETag" in headers:
            seen[case] = headers["ETag"]
        entries.append(entry(item["method"], BASE + path, item["status"], raw, headers=headers,
                             request_headers=request_headers, b64=i % 2 == 1))
    entries.append(entry("GET", BASE + "/cases/CONF-DEMO-WORK%20R-1", 302, None,
                         headers={"Location": "https://sso.example.com/login"}, mime="text/html"))
    return har(entries)


# --------------------------------------------------------------------------- synthetic traffic of any size


def synthetic_entry(i: int) -> dict[str, Any]:
    """A GET of a case as a Pega server answers it (seed 000's shapes), IDs and times varying."""
    second = i % 60
    iso = f"2025-01-17T14:{(i // 60) % 60:02d}:{second:02d}.923Z"
    body = {"data": {"caseInfo": {"ID": f"CONF-DEMO-WORK R-{i}", "caseTypeID": "CONF-Demo-Work-Request",
                                  "name": "Request", "status": "New", "urgency": "10", "stageID": "PRIM0",
                                  "stageLabel": "Create", "lastUpdateTime": iso, "createTime": iso,
                                  "createdBy": "demo.user", "lastUpdatedBy": "demo.user",
                                  "content": {"pyLabel": f"synthetic case {i}", "pyID": f"R-{i}"}}}}
    return entry("GET", f"{BASE}/cases/CONF-DEMO-WORK%20R-{i}", 200, json.dumps(body).encode(),
                 headers={"ETag": f'"{iso_to_pega(iso)} GMT"'},
                 request_headers={"Authorization": "Bearer synthetic-token-0001"})


def synthetic_chunks(n: int) -> Iterator[bytes]:
    yield b'{"log": {"version": "1.2", "creator": {"name": "synthetic", "version": "1"}, "entries": ['
    for i in range(n):
        yield (b"," if i else b"") + json.dumps(synthetic_entry(i)).encode()
    yield b"]}}"


class SyntheticHar(io.RawIOBase):
    """A HAR of `n` entries made while it is read: never whole in memory, never on disk."""

    name = "synthetic.har"

    def __init__(self, n: int) -> None:
        self._chunks = synthetic_chunks(n)
        self._buffer = b""
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._buffer) < len(buffer):
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        n = min(len(buffer), len(self._buffer))
        buffer[:n], self._buffer = self._buffer[:n], self._buffer[n:]
        self.size += n
        return n
