"""Authentication: tokens required, registration vs sync credentials, revocation by
disablesync (seed 002: OAuth 2.0 secures the APIs; VF "Token" and the disablesync row)."""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.failures import PreconditionFailed
from conformance.suites.pega_fabric_hub_sync_v1 import payloads
from conformance.suites.pega_fabric_hub_sync_v1.client import HubApi, SyncClient, ok

# every operation of specs/pega-fabric-hub-sync-v1.yaml except the token endpoint:
# (method, path with {reg} / {id}, sync endpoint?)
OPERATIONS = (
    ("POST", "/registrations", False), ("GET", "/registrations", False), ("GET", "/registrations/{reg}", False),
    ("PATCH", "/registrations/{reg}", False), ("POST", "/registrations/{reg}/actions/enablesync", False),
    ("POST", "/registrations/{reg}/actions/disablesync", False), ("POST", "/registrations/{reg}/actions/disable", False),
    ("POST", "/registrations/{reg}/actions/enable", False), ("DELETE", "/registrations/{reg}", False),
    ("POST", "/tasks/batch", True), ("POST", "/tasks", True), ("PUT", "/tasks/{id}", True),
    ("POST", "/workqueues/batch", True), ("POST", "/operators/batch", True),
    ("POST", "/cases/batch", True), ("POST", "/cases", True), ("PUT", "/cases/{id}", True),
    ("POST", "/associations/batch", True), ("PUT", "/associations", True), ("PUT", "/associations/{id}", True),
)


def sync_calls(hub: HubApi, client: SyncClient | None, auth: object = None):
    """One call of each sync endpoint with well-formed bodies (IDs carry the run tag)."""
    rid = hub.new_id("AUTH")
    for method, path, is_sync in OPERATIONS:
        if not is_sync:
            continue
        kind = path.split("/")[1]
        body = payloads.body_for(kind, rid)
        if path == "/associations/{id}":
            # Pega's real-time associations page: the item path takes update or delete (the collection, create)
            body = payloads.association(rid, "update")
        if path.endswith("/batch"):
            yield hub.batch(client, kind, [{"method": "POST", "body": body}], auth=auth)
        else:
            yield hub.publish(client, kind, body, method=method, record_id=rid if "{id}" in path else None,
                              auth=auth)


@pytest.mark.requirement("HUB-AUTH-001")
def test_every_operation_refuses_a_missing_token(hub, target):
    reg = f"{hub.tag}-REG-NOAUTH"
    rid = hub.new_id("NOAUTH")
    for method, path, is_sync in OPERATIONS:
        if target.safety.read_only and method != "GET":
            continue
        if method == "DELETE" and not target.capabilities.registration_delete:
            continue  # an operation the target does not declare
        kind = path.split("/")[1]
        body = None
        if is_sync:
            body = payloads.body_for(kind, rid)
            body = {"requests": [{"method": "POST", "body": body}]} if path.endswith("/batch") else body
        elif method in ("POST", "PATCH") and "/actions/" not in path:
            body = hub.registration_body()
        ex = hub.s.request(method, path.replace("{reg}", reg).replace("{id}", rid), json_body=body, auth=False)
        hub.track(ex)
        # seed 002: OAuth 2.0 secures the APIs; RFC 6750 3.1: no credentials -> 401
        if ex.status != 401:
            raise violate("HUB-AUTH-001", f"{method} {path} without a token: expected 401, got {ex.status}", ex)


@pytest.mark.requirement("HUB-AUTH-002")
@pytest.mark.writes
def test_sync_endpoints_need_the_sync_credentials(hub, sync, observe):
    registration_token = hub.s.tokens.header()
    for ex in sync_calls(hub, None, auth=registration_token):
        # VF Token: the sync credentials come from enablesync, not from the registration credentials
        if ex.status not in (401, 403):
            raise violate("HUB-AUTH-002", f"{ex.method} with the registration credentials' token: expected 401 or "
                          f"403, got {ex.status}", ex)
        observe("HUB-AUTH-002", "registration_token_status", ex.status)
    for ex in sync_calls(hub, sync):
        # accepted (2xx; that it is 202 exactly is HUB-SYNC-001's check)
        if not ok(ex):
            raise violate("HUB-AUTH-002", f"{ex.method} with the sync credentials' token: expected it accepted "
                          f"(202), got {ex.status}", ex)


@pytest.mark.requirement("HUB-AUTH-003")
@pytest.mark.writes
def test_disablesync_revokes_every_sync_call(hub):
    client = hub.syncing_registration()
    first = next(iter(sync_calls(hub, client)))
    if not ok(first):
        raise PreconditionFailed(f"the sync token was not accepted before disablesync: {first.summary()}")
    stop = hub.act(client.registration, "disablesync")
    if not ok(stop):
        raise PreconditionFailed(f"disablesync was refused: {stop.summary()}")
    # VF: "afterwards every sync call gets 403" (with the token obtained before)
    for ex in sync_calls(hub, client, auth=client.header):
        if ex.status != 403:
            raise violate("HUB-AUTH-003", f"{ex.method} after disablesync: expected 403, got {ex.status}", stop, ex)
    # a token fetched afterwards with the same sync credentials must not publish either
    token, tex = hub.fetch_token(client.client_id, client.secret)
    if token is not None:
        for ex in sync_calls(hub, client, auth=f"Bearer {token}"):
            if ex.status != 403:
                raise violate("HUB-AUTH-003", f"{ex.method} with a token fetched after disablesync: expected 403, "
                              f"got {ex.status}", stop, tex, ex)
