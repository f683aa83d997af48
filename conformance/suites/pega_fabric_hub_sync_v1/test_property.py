"""Property-based: schemathesis generates requests for every operation of
specs/pega-fabric-hub-sync-v1.yaml, writes included, and every response must be one the document
allows (HUB-SCHEMA-001). Each distinct failure is a finding and the test goes on.

Requests go through the instrumented Session. Registration operations use the target's
(registration) credentials and, half of the time, a registration of this run; publication
operations use the sync token of this run's syncing registration, and half of the real-time
replacements name a record this run published. Every ID a generated publication carries is
prefixed with the run tag (staging safety). Each write's valid body is also sent with each
member, in turn, of the wrong JSON type (a list, an object). The token endpoint is left out: it
lives under another base path, every run exercises it, and fuzzing it would send wrong secrets
to a real login.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import httpx
import pytest
from hypothesis import reject
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.failures import PreconditionFailed
from conformance.http import READ_ONLY_METHODS, Exchange
from conformance.spec_cache import openapi_schema
from conformance.suites.pega_fabric_hub_sync_v1 import payloads
from conformance.suites.pega_fabric_hub_sync_v1.client import SYNC_PREFIXES, items_of, ok, record_of
from conformance.suites.schema_cases import body_only_negative, judge, operation_params, pick, positive, wrong_type_cases

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = openapi_schema("pega-fabric-hub-sync-v1").exclude(path="/token")
# No coverage phase: it builds every boundary case of every operation at collection time (~10 s per run,
# paid even by runs that select no schema test); the documented examples and fuzzing remain.
schema.config.phases.update(phases=["examples", "fuzzing"])


def tag_ids(value: Any, tag: str) -> Any:
    """Prefix every string "ID" in a generated publication with the run tag."""
    if isinstance(value, dict):
        return {k: (f"{tag}-{v}" if k == "ID" and isinstance(v, str) and not v.startswith(tag) else tag_ids(v, tag))
                for k, v in value.items()}
    if isinstance(value, list):
        return [tag_ids(v, tag) for v in value]
    return value


@pytest.fixture(scope="session")
def own_registration(hub, target):
    if target.safety.read_only:
        return None
    try:
        return hub.new_registration()[0]
    except PreconditionFailed:
        return None  # generated IDs only; the generated requests still run and are judged


def _kind(path: str) -> str:
    return path.split("/")[1]


def _steer_sync(case, hub, client) -> bool:
    """Publication: every ID carries the run tag (staging safety); half of the record IDs of a real-time
    PUT are one this run published (body and path alike), so that replacing one is exercised too. True
    when the path now names such a record."""
    params = case.path_parameters or {}
    if case.body is not None and not isinstance(case.body, (bytes, str)):
        case.body = tag_ids(case.body, hub.tag)
    kind = _kind(case.path)
    published = sorted(client.published.get(kind, ()))
    steered = False
    if "ID" in params and isinstance(params["ID"], str):
        if published and positive(case, "path") and pick(params):
            params["ID"] = published[0]
            steered = True
            if isinstance(case.body, dict) and positive(case, "body"):
                case.body["ID"] = published[0]  # seed 002: the record the path names
        elif not params["ID"].startswith(hub.tag):
            params["ID"] = f"{hub.tag}-{params['ID']}"
    if case.body is not None and not isinstance(case.body, (bytes, str)):
        hub.note(client, kind, items_of(case.body))
    return steered


# a registration ID as the Hub gives them (seed 002 and the spec's example: REG-22951)
HUB_REGISTRATION_ID = re.compile(r"REG-\d+")


def _steer_registration(case, hub, own) -> bool:
    """Half of the registration IDs are the run's own registration; True when the path now names it.
    A write to any other ID that looks like a real registration's (the spec's example REG-22951 above all,
    which the examples phase sends) goes to an ID carrying the run tag instead: on a shared Hub,
    REG-22951 may be someone's registration, and a generated disable or DELETE must not reach it
    (staging safety). It still names no registration, as the generated ID meant to."""
    params = case.path_parameters or {}
    steered = bool(own and "ID" in params and positive(case, "path") and pick(params))
    if steered:
        params["ID"] = own
    elif case.method.upper() not in READ_ONLY_METHODS and isinstance(params.get("ID"), str) \
            and HUB_REGISTRATION_ID.fullmatch(params["ID"]):
        params["ID"] = hub.new_id("REG")
    if case.method.upper() == "POST" and case.path == "/registrations" and isinstance(case.body, dict):
        case.body["applicationName"] = hub.new_id("APP")  # staging safety: the run tag names it
    return steered


def _send(case, hub, auth: Any, then: Callable[[Exchange], Any] | None = None,
          independent: bool = False) -> Exchange | None:
    """Send a case. With `then`, a read, or a write the caller calls `independent`, may go out beside
    others and `then(exchange)` judges it when the test ends, in order (Session.submit); without, the
    exchange is returned."""
    kwargs = case.as_transport_kwargs(base_url=hub.target.base_url)
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    raw = kwargs.get("data")
    args = (kwargs["method"], kwargs["url"])
    kw = dict(json_body=kwargs.get("json"), content=raw if isinstance(raw, (bytes, str)) else None, headers=headers,
              params=kwargs.get("params"), auth=auth)
    if then is None:
        return hub.s.request(*args, **kw)
    hub.s.submit(then, *args, independent=independent, **kw)
    return None


# the records and registrations named by the test's writes sent side by side since its last write in order
# (per test: a write in order is sent once every request before it is answered, Session.submit)
SENT_SIDE_BY_SIDE = pytest.StashKey[set]()


def _key(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _names(case) -> set[tuple[str, str]]:
    """The resources a write names: the registration in its path, or the records a publication creates or
    replaces (seed 002: a record is its ID within its kind; the real-time path ID, the body's ID, each batch
    item's body ID)."""
    params = case.path_parameters or {}
    kind = _kind(case.path)
    names = {(kind, _key(params["ID"]))} if "ID" in params else set()
    if case.path.startswith(SYNC_PREFIXES) and isinstance(case.body, dict):
        items = items_of(case.body)
        for item in items if isinstance(items, list) else []:
            body = record_of(item)
            if isinstance(body, dict) and "ID" in body:
                names.add((kind, _key(body["ID"])))
    return names


def _independent(case, steered: bool, sent: set[tuple[str, str]]) -> bool:
    """Whether a generated write's answer is the same whenever it arrives among the test's other requests
    (each test sends one operation: Session.submit keeps every other test's requests apart)."""
    if steered:
        # the run's own registration (its PATCH, enablesync/disablesync/disable/enable, DELETE walk its
        # life cycle: VF registration table) or a record this run published: in order
        return False
    if str((case.query or {}).get("preactivationDataLast")).lower() == "true":
        # VF: this call ends the initial load of its resource type, and the registration becomes Active once
        # tasks, work queues and operators have ended theirs (Pega's enablesync page, audit row 14): a
        # change of the registration's state, in order
        return False
    # anything else names no resource of the run: a new registration (POST /registrations: the Hub picks
    # its ID, VF "new app is Pending-Activation"), a registration ID that was generated (404 whenever it
    # arrives), or a publication of records whose IDs were generated and carry the run tag (VF sync table:
    # 202 whether the record exists or not, a PUT replaces it; the spec lists no 404 or 409 for them). A
    # write naming the same record or registration as one still open (a generated ID drawn twice) goes in
    # order: it waits for the earlier one's answer, as one request at a time would. (A registration ID of the
    # Hub's own form, such as the spec's example REG-22951, was already replaced by one with the run tag.)
    return not (_names(case) & sent)


@schema.parametrize()
@pytest.mark.requirement("HUB-SCHEMA-001")
def test_responses_conform_to_spec(case, hub, target, own_registration, request, observe, conformance_run):
    method = case.method.upper()
    if target.safety.read_only and case.operation.method.upper() not in READ_ONLY_METHODS:
        pytest.skip(f"read_only target: {case.operation.method.upper()} is not a read-only method")
    if target.safety.read_only and method not in READ_ONLY_METHODS:
        reject()
    is_sync = case.path.startswith(SYNC_PREFIXES)
    if is_sync:
        client = request.getfixturevalue("sync")  # no syncing registration: skipped (PreconditionFailed)
        steered = _steer_sync(case, hub, client)
        auth: Any = client.header
    else:
        steered = _steer_registration(case, hub, own_registration)
        auth = True

    def judged(ex):
        if not is_sync:
            hub.track(ex)
        # each distinct failure is a finding; generation goes on, so that this operation's first failure
        # does not hide the others
        if judge(case, ex, CHECKS, conformance_run.report, "HUB-SCHEMA-001", "generated") \
                and body_only_negative(case) and ex.status is not None and 200 <= ex.status < 300:
            # our schema is stricter than the documents in places: recorded, not failed
            observe("HUB-SCHEMA-001", f"accepted_invalid_body {case.method} {case.path}", ex.id, first_only=True)

    sent = request.node.stash.setdefault(SENT_SIDE_BY_SIDE, set())
    independent = method not in READ_ONLY_METHODS and _independent(case, steered, sent)  # reads go side by side anyway
    try:
        _send(case, hub, auth, judged, independent=independent)
    except (UnicodeEncodeError, httpx.InvalidURL, httpx.LocalProtocolError, TypeError, ValueError):
        reject()  # not sendable over HTTP/1.1 at all: nothing to learn from it
    if independent:
        sent.update(_names(case))
    elif method not in READ_ONLY_METHODS:
        sent.clear()  # sent in order: every request before it was answered first


# -- members of the wrong JSON type (conformance/suites/schema_cases.py says why) ------------------------
# one write of each body shape: a registration, its edit, a task, a case, an association, a batch envelope
WRONG_TYPE_OPERATIONS = (("POST", "/registrations"), ("PATCH", "/registrations/{ID}"), ("POST", "/tasks"),
                         ("POST", "/cases"), ("PUT", "/associations"), ("POST", "/workqueues/batch"))


def valid_body(operation: tuple[str, str], hub) -> tuple[Any, frozenset[str]]:
    """A body the operation accepts (VF payload fields, seed 002), and the members left alone: the run tag
    in a new registration's name (staging safety)."""
    record = hub.new_id(_kind(operation[1])[:4].upper())
    return {
        ("POST", "/registrations"): (hub.registration_body(), frozenset({"applicationName"})),
        ("PATCH", "/registrations/{ID}"): ({"applicationDescription": f"conformance run {hub.tag}",
                                            "productionLevel": hub.fx.production_level}, frozenset()),
        ("POST", "/tasks"): (payloads.task(record, assign_to=hub.fx.assign_to), frozenset()),
        ("POST", "/cases"): (payloads.case(record), frozenset()),
        ("PUT", "/associations"): (payloads.association(record), frozenset()),
        ("POST", "/workqueues/batch"): ({"requests": [{"method": "POST", "body": payloads.workqueue(record)}]},
                                        frozenset()),
    }[operation]


@pytest.mark.requirement("HUB-SCHEMA-001")
@pytest.mark.writes
@pytest.mark.parametrize("operation", operation_params(WRONG_TYPE_OPERATIONS))
def test_members_of_the_wrong_type_are_refused(operation, hub, own_registration, request, observe,
                                               conformance_run):
    method, path = operation
    is_sync = path.startswith(SYNC_PREFIXES)
    client = request.getfixturevalue("sync") if is_sync else None  # none: skipped (PreconditionFailed)
    if not is_sync and own_registration is None:
        raise PreconditionFailed("no registration of this run to edit (HUB-REG-001's tests say why)")
    body, keep = valid_body(operation, hub)
    params = {"ID": own_registration} if "{ID}" in path else {}
    # VF: batches belong to the initial load (preactivationData=true), real-time calls do not
    query = {"preactivationData": "true" if path.endswith("/batch") else "false"} if is_sync else {}
    for what, case in wrong_type_cases(schema, operation, body, keep, path_parameters=params, query=query):
        if client is not None:  # what cleanup reports as published
            hub.note(client, _kind(path), items_of(case.body))
        ex = _send(case, hub, client.header if client is not None else True)
        if client is None:
            hub.track(ex)
        if judge(case, ex, CHECKS, conformance_run.report, "HUB-SCHEMA-001", what) and ok(ex):
            # a server may coerce the value; the schema refuses it: recorded, not failed
            observe("HUB-SCHEMA-001", f"accepted_wrong_type {method} {path}", ex.id, first_only=True)
