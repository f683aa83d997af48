"""Registrations: create, enablesync, edit rules, the life cycle, deletion, unknown IDs (VF table, seed 002,
Pega's Process Fabric Hub pages as quoted by the vendor audit's rows)."""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.failures import PreconditionFailed
from conformance.suites.pega_fabric_hub_sync_v1 import payloads
from conformance.suites.pega_fabric_hub_sync_v1.client import ACTIVE, PENDING, SYNCING, credentials, ok, resolved


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
def test_edit_refused_only_while_syncing_or_resolved(hub, observe):
    reg, _ = hub.new_registration()

    def edit_applied(state: str) -> None:
        label = f"{hub.tag} edited {state}"
        ex = hub.edit(reg, {"applicationLabel": label})
        body = ex.json()
        # VF: PATCH 200, full object; Pega's edit page edits an Active registration with 200 (audit rows 4, 5)
        if ex.status != 200 or not isinstance(body, dict) or body.get("applicationLabel") != label \
                or body.get("ID") != reg:
            raise violate("HUB-REG-003", f"PATCH on a {state} registration: expected 200 with the full, edited "
                          f"object, got {ex.status} {ex.body[:200]!r}", ex)

    def edit_refused(state: str) -> None:
        before = hub.get(reg)
        refused = hub.edit(reg, {"applicationLabel": f"{hub.tag} must not stick"})
        after = hub.get(reg)
        # VF and Pega's edit page: "You cannot edit applications that have a Sync-InProgress or Resolved status"
        if refused.status is None or not 400 <= refused.status < 500:
            raise violate("HUB-REG-003", f"PATCH while {state}: expected a 4xx refusal, got {refused.status}",
                          refused)
        observe("HUB-REG-003", f"edit_refused_status_{state}", refused.status)
        if isinstance(after.json(), dict) and isinstance(before.json(), dict) and \
                after.json().get("applicationLabel") != before.json().get("applicationLabel"):
            raise violate("HUB-REG-003", f"a refused PATCH while {state} changed the registration", refused, after)

    edit_applied("Pending-Activation")
    hub.start_sync(reg)
    edit_refused("syncing")
    hub.activate(reg)
    edit_applied("Active")
    if ok(hub.act(reg, "disable")):  # the life cycle's own test reports a refused disable
        status, _ = hub.status(reg)
        observe("HUB-REG-003", "status_after_disable", status)
        # no document names the state disable leaves; the rule applies to what the server says it is
        edit_refused(status) if resolved(status) else edit_applied(status)


@pytest.mark.requirement("HUB-REG-006")
@pytest.mark.needs("registration_delete")
@pytest.mark.writes
def test_delete_only_in_the_documented_states(hub, observe):
    client = hub.syncing_registration()
    refused = hub.delete(client.registration)
    kept = hub.get(client.registration)
    # Pega's delete page: "only if the application has one of the following statuses: Inactive,
    # Pending-Activation, Activation-Failure" (audit row 11)
    if refused.status is None or not 400 <= refused.status < 500 or kept.status != 200:
        raise violate("HUB-REG-006", f"DELETE of a syncing registration: expected a 4xx refusal and the "
                      f"registration kept, got {refused.status} (GET then {kept.status})", refused, kept)
    observe("HUB-REG-006", "delete_refused_status_syncing", refused.status)
    reg, _ = hub.new_registration()
    gone = hub.delete(reg)
    after = hub.get(reg)
    # "returns an empty response with the status code of 200"; then GET no longer answers it (that the
    # answer is 404 exactly is HUB-REG-005's check of unknown IDs)
    if gone.status != 200 or after.status is None or 200 <= after.status < 300:
        raise violate("HUB-REG-006", f"DELETE of a {PENDING} registration: expected 200 and the registration gone, "
                      f"got {gone.status} and GET {after.status}", gone, after)
    observe("HUB-REG-006", "delete_body_empty", not gone.body.strip())


@pytest.mark.requirement("HUB-REG-005")
def test_unknown_registration_answers_404(hub, target):
    missing = f"{hub.tag}-REG-MISSING"
    checks = [hub.get(missing)]
    if not target.safety.read_only:
        checks += [hub.edit(missing, {"applicationLabel": "x"}), hub.act(missing, "enablesync"),
                   hub.act(missing, "disable")]
        if target.capabilities.registration_delete:
            checks.append(hub.delete(missing))
    for ex in checks:
        if ex.status != 404:  # RFC 9110 15.5.5
            raise violate("HUB-REG-005", f"{ex.method} on an unknown registration: expected 404, got {ex.status}", ex)


def check_listed(hub, reg: str, status: str, *exchanges) -> None:
    items, lex = hub.listed()
    listed = reg in {i.get("ID") for i in items}
    # VF and Pega's list page: GET /registrations leaves out "Pending-Details or Resolved" registrations
    want = not (status == "Pending-Details" or resolved(status))
    if listed != want:
        raise violate("HUB-REG-004", f"registration {reg} ({status}) is {'' if listed else 'not '}listed by GET "
                      f"/registrations; expected it {'listed' if want else 'left out'}", *exchanges, lex)


@pytest.mark.requirement("HUB-REG-004")
@pytest.mark.writes
def test_documented_life_cycle_path_and_list(hub, observe):
    """disable is refused before Active; from Active it hides the registration while its publications go on,
    and enable undoes it; disablesync stops syncing (the state machine explores the other orders)."""
    reg, _ = hub.new_registration()
    early = hub.act(reg, "disable")
    status, read = hub.status(reg)
    # Pega's disable page: "You can use this REST API only for applications that have the Active status"
    if early.status is None or not 400 <= early.status < 500 or status != PENDING:
        raise violate("HUB-REG-004", f"disable on a {PENDING} registration: expected a 4xx refusal and the "
                      f"registration unchanged, got {early.status} and status {status!r}", early, read)
    check_listed(hub, reg, status, early)
    client = hub.activate(reg)
    check_listed(hub, reg, ACTIVE)

    def step(action: str, arrived, expected: str) -> tuple[str, object]:
        ex = hub.act(reg, action)
        now, read = hub.status(reg)
        observe("HUB-REG-004", f"status_after_{action}", now)
        if not ok(ex) or not arrived(now):
            raise violate("HUB-REG-004", f"{action}: expected 2xx and {expected}, got {ex.status} and status "
                          f"{now!r}", ex, read)
        check_listed(hub, reg, now, ex)
        return now, ex

    # Pega's disable page: hides the assignments of an Active registration
    disabled, off = step("disable", lambda now: now != ACTIVE, f"a state other than {ACTIVE}")
    # Pega's disable page: "your remote application continues to push data" (audit row 9)
    pushed = hub.publish(client, "tasks", payloads.task(hub.new_id("DIS"), assign_to=hub.fx.assign_to))
    if not ok(pushed):  # accepted (2xx; that it is 202 exactly is HUB-SYNC-001's check)
        raise violate("HUB-REG-004", f"a real-time task publication after disable: expected it accepted (disable "
                      f"hides assignments without stopping data synchronization), got {pushed.status}", off, pushed)
    # VF: disable/enable "hide or show assignments"; Pega: enable includes them again
    step("enable", lambda now: now != disabled, f"the registration back from {disabled!r}")
    # Pega's deactivate page: disablesync stops data synchronization ("Disabled - Sync Stopped")
    step("disablesync", lambda now: now not in SYNCING and now != ACTIVE, "synchronization stopped")
