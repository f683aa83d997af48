"""Fabric Hub sync operations as the suite uses them, on top of the instrumented Session.

Two credential sets (seed 002; VF "Token"): the Session's own auth is the target's
*registration* client; a registration's *sync* client gets its token here, through the
same Session (so the token request is logged, budgeted and redacted like any other), from
the clientID and secret enablesync returned.

Staging safety: every registration is named with the run tag and put in the ledger; its
retirement deletes the associations the run published under it (association action "delete"
on PUT /associations/{ID}, Pega's real-time associations page), stops its sync (disablesync)
and deletes the registration with DELETE /registrations/{ID} where the target declares it
(Pega's delete page: it deletes the application's assignment and operator data with it; only
Inactive, Pending-Activation and Activation-Failure ones). Where that is not possible, the
stopped sync already hides the application's assignments (Pega's deactivate page), an Active
registration that could not be stopped is disabled (hides them too), and cleanup reports what
remains and why.
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
# a syncing registration's status: VF's text (Sync-InProgress), VF's and Pega's samples (Open-SyncProgress), Pega's
# life-cycle page (Sync-InProcess, audit row 6)
SYNCING = ("Sync-InProgress", "Open-SyncProgress", "Sync-InProcess")
PENDING, ACTIVE = "Pending-Activation", "Active"
# the resource types whose initial load moves a registration to Active (Pega's batch associations page 2.1,
# audit row 14: tasks, work queues and operator mappings; cases and associations are optional)
ACTIVATING_LOADS = ("workqueues", "operators", "tasks")
# Pega's delete page (audit row 11): the statuses in which a registration can be deleted
DELETABLE = ("Inactive", PENDING, "Activation-Failure")
SYNC_PREFIXES = tuple(f"/{k}" for k in KINDS)
SECRET_FIELDS = ("clientSecret", "secret", "client_secret", "access_token")


def seg(value: str) -> str:
    return quote(value, safe="")


def ok(ex: Exchange) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


def resolved(status: str) -> bool:
    # VF: GET /registrations "excludes Pending-Details and Resolved"; PATCH "refused in ... Resolved"
    return status.startswith("Resolved")


def sync_error_count(body: Any) -> int | None:
    """A registration's syncErrors as a number: an integer, a numeric string (Pega's sample "0") or a list."""
    value = body.get("syncErrors") if isinstance(body, dict) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, list):
        return len(value)
    return None


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


def items_of(body: Any) -> Any:
    """The items a publication carries (seed 002): a batch's `requests`, or the real-time body alone."""
    return body.get("requests") if isinstance(body, dict) and "requests" in body else [body]


def record_of(item: Any) -> Any:
    """The record of one item: a batch item's `body` ({"method": ..., "body": {...}}), or the item itself."""
    return item.get("body") if isinstance(item, dict) and "method" in item else item


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
            # one ledger stage, side by side: what was published under a registration is retired by the
            # registration's own retire, in the order it needs (associations while the sync still runs)
            self.ledger.add("registration", reg, lambda: self.retire(reg))

    def new_registration(self) -> tuple[str, Exchange]:
        ex = self.create_registration()
        body = ex.json()
        if not ok(ex) or not isinstance(body, dict) or not isinstance(body.get("ID"), str) \
                or body.get("status", PENDING) != PENDING:
            # the server broke what HUB-REG-001 promises (VF: "new app is Pending-Activation"): a finding
            # there, not a silent skip, and not a finding of whichever requirement the next step belongs to
            raise PreconditionFailed(f"could not register an application in the {PENDING} state to test with: "
                                     f"{ex.summary()}", requirement="HUB-REG-001")
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
            raise PreconditionFailed(f"enablesync did not answer sync credentials: {ex.summary()}",
                                     requirement="HUB-REG-002")
        client = self.token_for(self.syncs[reg])
        status, read = self.status(reg)
        if status not in SYNCING:
            # VF: enablesync "status becomes Sync-InProgress"
            raise PreconditionFailed(f"after enablesync the registration is {status!r}, not syncing: {read.summary()}",
                                     requirement="HUB-REG-002")
        return client

    def token_for(self, client: SyncClient) -> SyncClient:
        """The sync client with a token (HUB-REG-002: enablesync answers credentials that get one)."""
        if client.token is None:
            client.token, tex = self.fetch_token(client.client_id, client.secret)
            if client.token is None:
                raise PreconditionFailed(f"no token for the sync credentials enablesync answered: {tex.summary()}",
                                         requirement="HUB-REG-002")
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
            body = record_of(item)
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

    def finish_initial_load(self, client: SyncClient) -> list[Exchange]:
        """Each activating resource type ends its initial load (Pega's work-queue, operator and task batch
        pages: one bodiless last call each); the registration then moves to Active (audit row 14)."""
        return [self.end_initial_load(client, kind) for kind in ACTIVATING_LOADS]

    def settled(self, reg: str, done: Any, tries: int = 6, pause: float = 0.5) -> tuple[dict[str, Any], Exchange]:
        """GET the registration until `done(body)` holds or `tries` reads were made (Pega processes a 202
        asynchronously: what it changes may show a moment later). Bounded: at most `tries` requests."""
        for attempt in range(tries):
            ex = self.get(reg)
            body = ex.json() if isinstance(ex.json(), dict) else {}
            if ex.status != 200 or done(body) or attempt == tries - 1:
                return body, ex
            time.sleep(pause)
        raise AssertionError("unreachable")

    def activate(self, reg: str | None = None) -> SyncClient:
        """A registration of this run moved to Active: enablesync, then the end of each initial load."""
        if reg is None:
            client = self.syncing_registration()
        elif reg in self.syncs and self.syncs[reg].token and self.status(reg)[0] in SYNCING:
            client = self.syncs[reg]  # already syncing: its sync client ends the initial load
        else:
            client = self.start_sync(reg)
        for ex in self.finish_initial_load(client):
            if ex.status != 202:
                raise PreconditionFailed(f"the end of the initial load was not accepted: {ex.summary()}",
                                         requirement="HUB-BATCH-003")
        body, ex = self.settled(client.registration, lambda b: b.get("status") == ACTIVE)
        if body.get("status") != ACTIVE:
            raise PreconditionFailed(f"the registration did not become Active after its initial load: {ex.summary()}",
                                     requirement="HUB-BATCH-003")
        return client

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

    # -- deletion (capability registration_delete) -----------------------------------------------
    def delete(self, reg: str, **kw: Any) -> Exchange:
        # Pega's delete page: DELETE /registrations/{ID}, 200 with an empty body (audit row 11)
        return self.s.request("DELETE", f"/registrations/{seg(reg)}", **kw)

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
        deletable = bool(getattr(self.target.capabilities, "registration_delete", False))
        if client is not None and client.published["associations"] and status == PENDING and not deletable:
            # sync was stopped (a test did it): a new enablesync lets the run delete its associations
            try:
                client = self.start_sync(reg)
                status = SYNCING[0]
            except PreconditionFailed:
                pass
        if client is not None and (status in SYNCING or status == ACTIVE or resolved(status)) \
                and client.published["associations"]:
            for assoc in sorted(client.published["associations"]):
                # Pega's real-time associations page: update and delete go to PUT /associations/{ID}
                gone = self.sync_request(client, "PUT", f"/associations/{seg(assoc)}",
                                         json_body={"ID": assoc, "action": "delete"})
                if not ok(gone):
                    left.append(assoc)
            notes.append(f"associations not deleted: {', '.join(left[:10])}" if left else
                         f"deleted {len(client.published['associations'])} association(s)")
        if resolved(status) and deletable and ok(self.act(reg, "enable")):
            # a disabled registration: enable brings it back (Pega's disable page), so that it can be stopped
            # and deleted like any other
            now = self.get(reg).json()
            status = str(now.get("status", "")) if isinstance(now, dict) else status
        if status in SYNCING or status == ACTIVE:
            if ok(self.act(reg, "disablesync")):
                # which state follows is not documented alike (Pending-Activation, "Disabled - Sync Stopped")
                now = self.get(reg).json()
                status = str(now.get("status", "")) if isinstance(now, dict) else ""
        if deletable and status in DELETABLE:
            gone = self.delete(reg)
            if ok(gone):
                # Pega's delete page: it deletes the application's assignment and operator data too
                return (not left), "; ".join(["deleted"] + notes)
            notes.append(f"DELETE answered {gone.status}")
        elif deletable:
            notes.append(f"not deleted: Pega deletes only {', '.join(DELETABLE)} registrations, this one is "
                         f"{status!r}")
        if client is not None:
            for kind in ("tasks", "workqueues", "operators", "cases"):
                n = len(client.published[kind])
                if n:
                    left.append(kind)
                    notes.append(f"{n} {kind} remain: the sync API offers no delete for them")
        if status == ACTIVE:
            # Pega's disable page: hides the assignments (only on an Active registration)
            disabled = self.act(reg, "disable")
            notes.append("disabled" if ok(disabled) else f"disable answered {disabled.status}")
        return (not left and resolved(status)), "; ".join([f"left {status or 'in an unknown state'}"] + notes)
