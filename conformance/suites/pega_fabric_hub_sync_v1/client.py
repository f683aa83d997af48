"""Fabric Hub sync operations as the suite uses them, on top of the instrumented Session.

Two credential sets (seed 002; VF "Token"): the Session's own auth is the target's
*registration* client; a registration's *sync* client gets its token here, through the
same Session (so the token request is logged, budgeted and redacted like any other), from
the clientID and secret enablesync returned.

Staging safety: every registration is named with the run tag and put in the ledger; its
retirement deletes the associations the run published under it (the only publication the
API can delete: association action "delete", VF), then disables sync and disables the
registration (VF: disable hides its assignments). Tasks, work queues, operators and cases
cannot be deleted through this API; they are reported as remaining, with that reason.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from conformance.failures import PreconditionFailed
from conformance.http import Exchange, Session
from conformance.ledger import Ledger
from conformance.target import Target

KINDS = ("tasks", "workqueues", "operators", "cases", "associations")
SYNC_PREFIXES = tuple(f"/{k}" for k in KINDS)
SECRET_FIELDS = ("clientSecret", "secret", "client_secret", "access_token")


def seg(value: str) -> str:
    return quote(value, safe="")


def ok(ex: Exchange) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


def credentials(body: Any) -> tuple[str, str] | None:
    """(clientID, secret) from an enablesync answer, whatever the spelling (VF: 'clientID + secret')."""
    if not isinstance(body, dict):
        return None
    cid = next((body[k] for k in ("clientID", "clientId", "client_id") if isinstance(body.get(k), str)), None)
    secret = next((body[k] for k in ("clientSecret", "secret", "client_secret") if isinstance(body.get(k), str)),
                  None)
    return (cid, secret) if cid and secret else None


@dataclass
class SyncClient:
    """A registration's sync client: its credentials and its current token."""

    registration: str
    client_id: str
    secret: str
    token: str | None = None
    published: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})

    @property
    def header(self) -> str:
        return f"Bearer {self.token}"


class HubApi:
    def __init__(self, session: Session, target: Target, ledger: Ledger, tag: str) -> None:
        self.s = session
        self.target = target
        self.fx = target.fixtures
        self.ledger = ledger
        self.tag = tag
        self._lock = threading.Lock()
        self.syncs: dict[str, SyncClient] = {}
        # enablesync answers a secret: it must be redacted in the very exchange that carries it
        for name in SECRET_FIELDS:
            session.redactor.add_field(name)

    # -- names -------------------------------------------------------------------------
    def new_id(self, what: str = "R") -> str:
        """Every published ID carries the run tag (staging safety)."""
        return f"{self.tag}-{what}-{uuid.uuid4().hex[:10]}"

    # -- registrations (registration credentials: the Session's own auth) ----------------
    def registration_body(self, **over: Any) -> dict[str, Any]:
        name = self.new_id("APP")
        body = {"systemURL": self.fx.system_url, "applicationName": name, "applicationLabel": f"{self.tag} {name}",
                "applicationDescription": f"conformance run {self.tag}", "platform": self.fx.platform,
                "productionLevel": self.fx.production_level}
        body.update(over)
        return body

    def create_registration(self, body: Any = None, **kw: Any) -> Exchange:
        ex = self.s.request("POST", "/registrations", json_body=body if body is not None else
                            self.registration_body(), **kw)
        self.track(ex)
        return ex

    def track(self, ex: Exchange) -> None:
        body = ex.json()
        if ok(ex) and isinstance(body, dict) and isinstance(body.get("ID"), str):
            reg = body["ID"]
            self.ledger.add("registration", reg, lambda: self.retire(reg))

    def new_registration(self) -> tuple[str, Exchange]:
        ex = self.create_registration()
        body = ex.json()
        if not ok(ex) or not isinstance(body, dict) or not isinstance(body.get("ID"), str):
            raise PreconditionFailed(f"could not register an application to test with: {ex.summary()}")
        return body["ID"], ex

    def get(self, reg: str, **kw: Any) -> Exchange:
        return self.s.request("GET", f"/registrations/{seg(reg)}", **kw)

    def status(self, reg: str) -> tuple[str, Exchange]:
        ex = self.get(reg)
        body = ex.json()
        if ex.status != 200 or not isinstance(body, dict) or not isinstance(body.get("status"), str):
            raise PreconditionFailed(f"could not read registration {reg}: {ex.summary()}")
        return body["status"], ex

    def listed(self) -> tuple[list[dict[str, Any]], Exchange]:
        ex = self.s.request("GET", "/registrations")
        body = ex.json()
        items = body.get("registrations") if isinstance(body, dict) else None
        if ex.status != 200 or not isinstance(items, list):
            raise PreconditionFailed(f"could not list registrations: {ex.summary()}")
        return [i for i in items if isinstance(i, dict)], ex

    def edit(self, reg: str, body: Any, **kw: Any) -> Exchange:
        return self.s.request("PATCH", f"/registrations/{seg(reg)}", json_body=body, **kw)

    def act(self, reg: str, action: str, **kw: Any) -> Exchange:
        ex = self.s.request("POST", f"/registrations/{seg(reg)}/actions/{action}", **kw)
        if action == "enablesync" and ok(ex):
            creds = credentials(ex.json())
            if creds:
                # the secret must never reach a report (Redactor), nor the token later
                self.s.redactor.add(creds[1])
                with self._lock:
                    old = self.syncs.get(reg)
                    self.syncs[reg] = SyncClient(reg, creds[0], creds[1],
                                                 published=old.published if old else SyncClient(reg, "", "").published)
        return ex

    # -- sync token (sync credentials, through the same Session) ----------------------------
    def token_url(self) -> str:
        return self.fx.token_url or getattr(self.target.auth, "token_url")

    def fetch_token(self, client_id: str, secret: str) -> tuple[str | None, Exchange]:
        form = {"grant_type": "client_credentials"}
        headers: dict[str, str] = {}
        if self.fx.sync_client_auth == "basic":
            import base64

            raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            self.s.redactor.add(raw)
            headers["Authorization"] = f"Basic {raw}"
        else:
            form.update(client_id=client_id, client_secret=secret)
        ex = self.s.request("POST", self.token_url(), data=form, headers=headers, auth=False)
        body = ex.json()
        token = body.get("access_token") if ex.status == 200 and isinstance(body, dict) else None
        if isinstance(token, str) and token:
            self.s.redactor.add(token)
            return token, ex
        return None, ex

    def start_sync(self, reg: str) -> SyncClient:
        """enablesync, then a token for the sync client it returned."""
        ex = self.act(reg, "enablesync")
        if not ok(ex) or reg not in self.syncs:
            raise PreconditionFailed(f"enablesync did not answer sync credentials: {ex.summary()}")
        client = self.syncs[reg]
        client.token, tex = self.fetch_token(client.client_id, client.secret)
        if client.token is None:
            raise PreconditionFailed(f"no token for the sync credentials: {tex.summary()}")
        return client

    def syncing_registration(self) -> SyncClient:
        reg, _ = self.new_registration()
        return self.start_sync(reg)

    # -- publication (sync token) -------------------------------------------------------------
    def note(self, client: SyncClient, kind: str, items: Any) -> None:
        """Remember what was published under a registration (cleanup reports it)."""
        if kind not in client.published or not isinstance(items, list):
            return
        for item in items:
            body = item.get("body") if isinstance(item, dict) and "method" in item else item
            if isinstance(body, dict) and isinstance(body.get("ID"), str):
                if kind == "associations" and body.get("action") == "delete":
                    client.published[kind].discard(body["ID"])
                else:
                    client.published[kind].add(body["ID"])

    def sync_request(self, client: SyncClient | None, method: str, path: str, *, auth: Any = None,
                     **kw: Any) -> Exchange:
        ex = self.s.request(method, path, auth=auth if auth is not None else (client.header if client else False),
                            **kw)
        if ex.status == 401 and client is not None and auth is None:
            # a sync token can expire mid-run like any other: fetch a new one once
            client.token, _ = self.fetch_token(client.client_id, client.secret)
            if client.token:
                ex = self.s.request(method, path, auth=client.header, **kw)
        return ex

    def batch(self, client: SyncClient | None, kind: str, items: Any, params: dict[str, str] | None = None,
              raw: bytes | None = None, **kw: Any) -> Exchange:
        if client is not None and isinstance(items, list):
            self.note(client, kind, items)
        query = {"preactivationData": "true", **(params or {})}
        if raw is not None or items is None:
            return self.sync_request(client, "POST", f"/{kind}/batch", params=query, content=raw or b"", **kw)
        return self.sync_request(client, "POST", f"/{kind}/batch", params=query, json_body={"requests": items},
                                 **kw)

    def end_initial_load(self, client: SyncClient, kind: str = "tasks") -> Exchange:
        # VF: the initial load ends with preactivationData=true&preactivationDataLast=true and no body
        return self.sync_request(client, "POST", f"/{kind}/batch",
                                 params={"preactivationData": "true", "preactivationDataLast": "true"})

    def publish(self, client: SyncClient | None, kind: str, body: Any, method: str = "POST",
                record_id: str | None = None, **kw: Any) -> Exchange:
        if client is not None:
            self.note(client, kind, [body])
        path = f"/{kind}" + (f"/{seg(record_id)}" if record_id else "")
        return self.sync_request(client, method, path, json_body=body, params={"preactivationData": "false"}, **kw)

    # -- emulator-only read-back (capabilities.inspection) ------------------------------------
    def stored(self, reg: str, kind: str) -> tuple[list[dict[str, Any]], Exchange]:
        base = self.fx.inspection_url or ""
        ex = self.s.request("GET", f"{base.rstrip('/')}/registrations/{seg(reg)}/{kind}")
        body = ex.json()
        records = body.get("records") if isinstance(body, dict) else None
        if ex.status != 200 or not isinstance(records, list):
            raise PreconditionFailed(f"the inspection view did not answer the stored {kind}: {ex.summary()}")
        return [r for r in records if isinstance(r, dict)], ex

    # -- cleanup ----------------------------------------------------------------------------------
    def retire(self, reg: str) -> tuple[bool, str]:
        ex = self.get(reg)
        if ex.status == 404:
            return True, "already gone"
        body = ex.json() if isinstance(ex.json(), dict) else {}
        status = str(body.get("status", ""))
        notes: list[str] = []
        client = self.syncs.get(reg)
        left: list[str] = []
        if client is not None and client.published["associations"] and status == "Pending-Activation":
            # sync was disabled (a test did it): a new enablesync lets the run delete its associations
            try:
                client = self.start_sync(reg)
                status = "Sync-InProgress"
            except PreconditionFailed:
                pass
        if client is not None:
            for assoc in sorted(client.published["associations"]):
                # PUT /associations with the ID in the body: any ID, even one a path cannot carry
                gone = self.sync_request(client, "PUT", "/associations", json_body={"ID": assoc, "action": "delete"})
                if not ok(gone):
                    left.append(assoc)
            if left:
                notes.append(f"associations not deleted ({gone.status}): {', '.join(left[:10])}")
            elif client.published["associations"]:
                notes.append(f"deleted {len(client.published['associations'])} association(s)")
            for kind in ("tasks", "workqueues", "operators", "cases"):
                n = len(client.published[kind])
                if n:
                    left.append(kind)
                    notes.append(f"{n} {kind} remain: the sync API offers no delete for them; hidden by disabling "
                                 f"the registration")
        if "Sync" in status or "Progress" in status:
            self.act(reg, "disablesync")
        if not status.startswith("Resolved"):
            disabled = self.act(reg, "disable")
            if not ok(disabled):
                return False, f"disable answered {disabled.status}; " + "; ".join(notes)
        return (not left), "; ".join(["disabled"] + notes)
