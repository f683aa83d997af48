"""Registrations: create, enablesync, edit rules, unknown IDs (VF table, seed 002)."""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.failures import PreconditionFailed
from conformance.suites.pega_fabric_hub_sync_v1.client import credentials, ok

SYNCING = ("Sync-InProgress", "Open-SyncProgress")  # VF: the text's name and the samples' name


@pytest.mark.requirement("HUB-REG-001")
@pytest.mark.writes
def test_registration_create_starts_pending_activation(hub, observe):
    ex = hub.create_registration()
    # VF: POST /registrations 201/200 (both documented: record which)
    if ex.status not in (200, 201):
        raise violate("HUB-REG-001", f"POST /registrations: expected 201 or 200, got {ex.status}", ex)
    observe("HUB-REG-001", "create_status", ex.status)
    body = ex.json()
    if not isinstance(body, dict) or not isinstance(body.get("ID"), str) or not body["ID"]:
        raise violate("HUB-REG-001", f"POST /registrations answered no registration ID: {ex.body[:200]!r}", ex)
    # VF: "new app is Pending-Activation"
    if body.get("status") != "Pending-Activation":
        raise violate("HUB-REG-001", f"a new registration must be Pending-Activation, it is {body.get('status')!r}",
                      ex)
    read = hub.get(body["ID"])
    shown = read.json() if isinstance(read.json(), dict) else {}
    if read.status == 200 and shown.get("status") != "Pending-Activation":
        raise violate("HUB-REG-001", f"GET shows the new registration as {shown.get('status')!r}, "
                      "expected Pending-Activation", ex, read)


@pytest.mark.requirement("HUB-REG-002")
@pytest.mark.writes
def test_enablesync_returns_distinct_sync_credentials(hub, target, observe):
    reg, created = hub.new_registration()
    if (created.json() or {}).get("status") != "Pending-Activation":
        # HUB-REG-001's own test reports a wrong initial status
        raise PreconditionFailed(f"the new registration is not Pending-Activation: {created.summary()}")
    ex = hub.act(reg, "enablesync")
    # VF: enablesync 200, returns clientID + secret
    if ex.status != 200:
        raise violate("HUB-REG-002", f"enablesync on a Pending-Activation registration: expected 200, got "
                      f"{ex.status}", ex)
    creds = credentials(ex.json())
    if creds is None:
        raise violate("HUB-REG-002", "enablesync answered no clientID and secret", ex)
    registration_client = (created.json() or {}).get("clientID")
    own = {getattr(target.auth, "client_id", None), registration_client} - {None}
    # VF Token: "the sync credentials come from the enablesync response, not from the registration credentials"
    if creds[0] in own or creds[1] == getattr(target.auth, "client_secret", None):
        raise violate("HUB-REG-002", f"enablesync answered the registration's own credentials (clientID "
                      f"{creds[0]!r}); sync credentials must differ", ex)
    status, read = hub.status(reg)
    observe("HUB-REG-002", "sync_status_name", status)
    if status not in SYNCING:
        raise violate("HUB-REG-002", f"after enablesync the registration must be syncing ({' or '.join(SYNCING)}), "
                      f"it is {status!r}", ex, read)


@pytest.mark.requirement("HUB-REG-003")
@pytest.mark.writes
def test_edit_allowed_pending_refused_syncing_and_resolved(hub, observe):
    reg, _ = hub.new_registration()
    label = f"{hub.tag} edited"
    ex = hub.edit(reg, {"applicationLabel": label})
    body = ex.json()
    # VF: PATCH 200, full object
    if ex.status != 200 or not isinstance(body, dict) or body.get("applicationLabel") != label \
            or body.get("ID") != reg:
        raise violate("HUB-REG-003", f"PATCH on a Pending-Activation registration: expected 200 with the full, "
                      f"edited object, got {ex.status} {ex.body[:200]!r}", ex)
    hub.start_sync(reg)
    for state in ("syncing", "resolved"):
        if state == "resolved":
            if not ok(hub.act(reg, "disable")):
                continue  # the life cycle's own test reports a refused disable
        before = hub.get(reg)
        refused = hub.edit(reg, {"applicationLabel": f"{hub.tag} must not stick"})
        after = hub.get(reg)
        # VF: PATCH "refused in Sync-InProgress or Resolved"
        if refused.status is None or not 400 <= refused.status < 500:
            raise violate("HUB-REG-003", f"PATCH while {state}: expected a 4xx refusal, got {refused.status}",
                          refused)
        observe("HUB-REG-003", f"edit_refused_status_{state}", refused.status)
        if isinstance(after.json(), dict) and isinstance(before.json(), dict) and \
                after.json().get("applicationLabel") != before.json().get("applicationLabel"):
            raise violate("HUB-REG-003", f"a refused PATCH while {state} changed the registration", refused, after)


@pytest.mark.requirement("HUB-REG-005")
def test_unknown_registration_answers_404(hub, target):
    missing = f"{hub.tag}-REG-MISSING"
    checks = [hub.get(missing)]
    if not target.safety.read_only:
        checks += [hub.edit(missing, {"applicationLabel": "x"}), hub.act(missing, "enablesync"),
                   hub.act(missing, "disable")]
    for ex in checks:
        if ex.status != 404:  # RFC 9110 15.5.5
            raise violate("HUB-REG-005", f"{ex.method} on an unknown registration: expected 404, got {ex.status}", ex)


@pytest.mark.requirement("HUB-REG-004")
@pytest.mark.writes
def test_documented_life_cycle_path_and_list(hub):
    """The documented steps, each from a new registration's state (the state machine explores the rest)."""
    for steps in ((("disable", "resolved", False), ("enable", "open", True)),
                  (("enablesync", "syncing", True), ("disablesync", "open", True))):
        reg, _ = hub.new_registration()
        for action, want, listed in steps:
            ex = hub.act(reg, action)
            status, read = hub.status(reg)
            kind = "syncing" if status in SYNCING else ("resolved" if status.startswith("Resolved") else "open")
            # VF: disable hides it, enable shows it again; enablesync / disablesync start and stop syncing
            if not ok(ex) or kind != want:
                raise violate("HUB-REG-004", f"{action}: expected 2xx and {want}, got {ex.status} and status "
                              f"{status!r}", ex, read)
            items, lex = hub.listed()
            # VF: GET /registrations "excludes Pending-Details and Resolved"
            if (reg in {i.get("ID") for i in items}) != listed:
                raise violate("HUB-REG-004", f"after {action} registration {reg} ({status}) is "
                              f"{'not ' if listed else ''}listed; expected it {'listed' if listed else 'left out'}",
                              ex, lex)
