"""Property-based tests.

1. Properties arrays generated from the case type's own metadata (typed values in both
   cardinalities, nulls, unknown symbolic names, values of the wrong type), sent to
   POST /casetype/{name}; the answer must be what seed 003 promises for that input
   (IBM-PROP-001, IBM-PROP-003).
2. Schemathesis generates requests for every operation of specs/ibm-caserest-v1.yaml,
   writes included, and every response must be one the document allows (IBM-SCHEMA-001);
   a 4xx must carry the error body (IBM-ERR-003). Requests go through the instrumented
   Session; half of the generated names are swapped for the target's real ones, and case
   and task IDs always for a case of this run, so success answers are exercised, not only
   404s. Each distinct failure is a finding and the test goes on. Each write's valid body
   is also sent with each member, in turn, of the wrong JSON type (a list, an object).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Callable

import httpx
import pytest
from hypothesis import given, reject
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.checks import violate
from conformance.checks.ibm_caserest_v1 import ibm_error_body, ibm_error_body_generated
from conformance.failures import PreconditionFailed
from conformance.http import READ_ONLY_METHODS, Exchange
from conformance.spec_cache import openapi_schema
from conformance.suites.ibm_caserest_v1.client import (
    WRONG,
    choice_values,
    is_list,
    ok,
    properties_of,
    ptype,
    task_items,
    writable,
)
from conformance.suites.ibm_caserest_v1.model import OPERATION_CAPABILITIES
from conformance.suites.schema_cases import body_only_negative, judge, operation_params, pick, positive, wrong_type_cases

UTC = dt.timezone.utc
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


def scalar(meta) -> st.SearchStrategy:
    """Valid values of a PropertyType (VF: numbers may be sent as strings)."""
    kind = ptype(meta)
    lo, hi = meta.get("MinValue"), meta.get("MaxValue")
    lo = lo if isinstance(lo, int) else -(10 ** 6)
    hi = hi if isinstance(hi, int) else 10 ** 6
    max_len = meta.get("MaxLength") if isinstance(meta.get("MaxLength"), int) else 20
    return {
        "string": st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=min(20, max_len)),
        "integer": st.integers(lo, hi) | st.integers(lo, hi).map(str),
        "float": st.floats(-1e6, 1e6, allow_nan=False, width=32),
        "boolean": st.booleans(),
        "datetime": st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2100, 1, 1), timezones=st.just(UTC)).map(
            lambda d: d.replace(microsecond=0).isoformat().replace("+00:00", "Z")),
        "guid": st.uuids().map(lambda u: "{" + str(u).upper() + "}"),
    }.get(kind, st.nothing())


def value(meta) -> st.SearchStrategy:
    choices = [c for c in choice_values(meta) or [] if c is not None]
    if choices and is_list(meta):  # acmdv106: DH2_MVString, multi-valued with a choice list
        return st.none() | st.lists(st.sampled_from(choices), max_size=3)
    if choices:  # a server may refuse a value outside the choice list: stay inside it
        return st.none() | st.sampled_from(choices)
    if is_list(meta):  # seed 003: DH2_MVInt [0, 100], DH2_MVString []
        return st.none() | st.lists(scalar(meta), max_size=3)
    return st.none() | scalar(meta)


def wrong(meta):
    bad = WRONG.get(ptype(meta), {"not": "a value"})
    return [bad] if is_list(meta) else bad


@pytest.fixture(scope="module")
def generatable(ibm):
    # a property with an empty choice list (DH2_City before a state is chosen) takes no value yet
    metas = [m for m in ibm.metadata() if writable(m) and ptype(m) in WRONG and choice_values(m) != []]
    if not metas:
        raise PreconditionFailed("the case type has no writable property of a known PropertyType")
    return metas


@pytest.mark.requirement("IBM-PROP-001", "IBM-PROP-003")
@pytest.mark.writes  # POST /casetype/{name}
@given(data=st.data())
def test_generated_properties_get_the_documented_answer(ibm, generatable, observe, data):
    chosen = data.draw(st.lists(st.sampled_from(generatable), max_size=6, unique_by=lambda m: m["SymbolicName"]),
                       label="properties")
    values = {m["SymbolicName"]: data.draw(value(m), label=m["SymbolicName"]) for m in chosen}
    kind = data.draw(st.sampled_from(["valid", "unknown-name", "wrong-type"]), label="kind")
    unknown: list[str] = []
    if kind == "unknown-name":
        unknown = data.draw(st.lists(st.from_regex(r"CONF_Unknown_[a-z]{1,8}", fullmatch=True), min_size=1,
                                     max_size=2, unique=True), label="unknown")
        values.update({u: data.draw(st.none() | TEXT) for u in unknown})
    elif kind == "wrong-type":
        victim = data.draw(st.sampled_from(generatable), label="wrong")
        values[victim["SymbolicName"]] = wrong(victim)
    # acmdv117 Table 2: ExternalDataIdentifier required with an external data service
    ex = ibm.changes(values, ibm.edi())
    if kind == "wrong-type":
        # seed 003: 'The value must match the data type of the property'; 400 'a parameter value was invalid'
        if ex.status != 400:
            raise violate("IBM-PROP-001", f"a value of the wrong type for {victim['SymbolicName']} "
                          f"({victim.get('PropertyType')}): expected 400, got {ex.status}", ex)
        ibm_error_body(ex)
        return
    if kind == "unknown-name":
        # seed 003: values are for 'the properties that are defined for the case type'; 500 is a server error
        if ex.status not in (200, 400):
            raise violate("IBM-PROP-003", f"unknown symbolic name(s) {unknown}: expected 200 (ignored) or 400, got "
                          f"{ex.status}", ex)
        observe("IBM-PROP-003", "unknown_name_status", ex.status)
        if ex.status == 200:
            echoed = sorted({str(i.get("SymbolicName")) for i in properties_of(ex) or []} & set(unknown))
            if echoed:
                raise violate("IBM-PROP-003", f"the unknown symbolic name(s) {echoed} came back as properties", ex)
        return
    if ex.status != 200:
        raise violate("IBM-PROP-001", f"values that match their PropertyType and Cardinality: expected 200, got "
                      f"{ex.status}", ex)


@pytest.mark.requirement("IBM-PROP-001")
@pytest.mark.writes  # POST /casetype/{name}
@pytest.mark.parametrize("kind", sorted(WRONG))
def test_wrong_type_value_answers_400(ibm, generatable, kind):
    """The deterministic floor under the generated test: one wrong value per PropertyType the case type has."""
    meta = next((m for m in generatable if ptype(m) == kind), None)
    if meta is None:
        pytest.skip(f"omitted: the case type has no writable {kind} property")
    ex = ibm.changes({meta["SymbolicName"]: wrong(meta)}, ibm.edi())
    # seed 003: 'The value must match the data type of the property'; 400 'a parameter value was invalid'
    if ex.status != 400:
        raise violate("IBM-PROP-001", f"{meta['SymbolicName']} ({meta.get('PropertyType')}, "
                      f"{meta.get('Cardinality')}) = {wrong(meta)!r}: expected 400, got {ex.status}", ex)


@pytest.mark.requirement("IBM-PROP-003")
@pytest.mark.writes  # POST /casetype/{name}
def test_unknown_symbolic_name_is_ignored_or_refused(ibm, observe):
    name = f"CONF_Unknown_{ibm.tag.rsplit('-', 1)[-1]}"
    for mode in ("inProgressChanges", "initialNewObject"):
        ex = ibm.changes({name: "x"}, ibm.edi() if mode == "inProgressChanges" else None, mode=mode)
        # seed 003: values are for 'the properties that are defined for the case type'; 500 is a server error
        if ex.status not in (200, 400):
            raise violate("IBM-PROP-003", f"{mode} with the unknown symbolic name {name}: expected 200 (ignored) "
                          f"or 400, got {ex.status}", ex)
        observe("IBM-PROP-003", "unknown_name_status", ex.status)
        if ex.status == 200 and name in {str(i.get("SymbolicName")) for i in properties_of(ex) or []}:
            raise violate("IBM-PROP-003", f"{mode}: the unknown symbolic name {name} came back as a property", ex)


# -- schemathesis over the spec ------------------------------------------------------------------
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          ibm_error_body_generated]
schema = openapi_schema("ibm-caserest-v1")
# No coverage phase: it builds every boundary case of every operation at collection time (seconds per run,
# paid even by runs that select no schema test); the documented examples and fuzzing remain.
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture(scope="module")
def real_case(ibm, target):
    """One case for every operation (the run leaves as few cases as it can; cleanup deletes them where the
    target declares delete_case): a case of this run, or the target's existing case on a read-only target
    (None without one: generated IDs only). A step that fails here is its own requirement's finding
    (IBM-CASE-001's tests report it)."""
    if target.safety.read_only and not target.fixtures.existing_case_folder_id:
        return None
    try:
        folder = ibm.some_case()
    except PreconditionFailed:
        return None
    task = None
    if target.capabilities.tasks:
        tasks = task_items(ibm.tasks(folder).json())  # acmdv125: grouped, or a flat list
        task = tasks[0][1]["TaskId"] if tasks else None
    return {"folder": folder, "task": task}


def _tag(case, ibm) -> None:
    """Every case the run may create carries the run tag (staging safety), even from an invalid body."""
    f = ibm.target.fixtures
    # POST /cases, and POST /case/{id}'s split (acmdv121), create a case
    if (case.path == "/cases" or case.path == "/case/{caseFolderId}" and case.method.upper() == "POST") \
            and isinstance(case.body, dict):
        items = case.body.get("Properties")
        if isinstance(items, list):
            kept = [i for i in items if not (isinstance(i, dict) and f.title_property in
                                             (i.get("SymbolicName"), i.get("symbolicName")))]
            case.body["Properties"] = kept + [{"SymbolicName": f.title_property, "Value": ibm.label("property")}]


def _steer(case, ibm, real) -> None:
    """Real names and IDs in the valid parts of the case; an invalid part is sent as generated, next to
    real IDs, so that it meets the server past its lookups."""
    f = ibm.target.fixtures
    _tag(case, ibm)
    params = case.path_parameters or {}
    if positive(case, "path"):
        if pick(params):
            if "caseType" in params:
                params["caseType"] = f.case_type
            if "solution" in params:
                params["solution"] = f.solution
            if "taskType" in params and f.discretionary_task_type:
                params["taskType"] = f.discretionary_task_type  # acmdv126: a discretionary activity type
        # a real case and task always: a generated GUID is a 404 (IBM-ERR-001 tests those), and the small
        # budgets of scoped trials must still reach the case operations' success answers
        if real is not None and "caseFolderId" in params:
            params["caseFolderId"] = real["folder"].strip("{}")
        if real is not None and real["task"] and "taskId" in params:
            params["taskId"] = real["task"]
    if isinstance(case.query, dict) and positive(case, "query"):
        if "TargetObjectStore" in case.query:
            case.query["TargetObjectStore"] = f.target_object_store
        if case.query.get("SourceCaseFolderId") and real is not None:
            case.query["SourceCaseFolderId"] = real["folder"]  # IBMDOC: a case whose values are reused
    if case.path.endswith("/history"):
        # cost on a real server: every history request names its BatchSize (acmdv131: 200 entries without one)
        query = case.query if isinstance(case.query, dict) else {}
        size = query.get("BatchSize")
        if size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 200):
            query["BatchSize"] = 2  # a value of the wrong type stays: the server answers 400 to it
        case.query = query
    if case.path == "/deletecase" and isinstance(case.body, dict):
        # acmdv121delcase: casetype deletes every case of the case type; caseid only ever names a case that
        # cannot exist (IBM-DEL-001 deletes a case of this run)
        case.body.pop("casetype", None)
        if positive(case, "body"):
            case.body["caseid"] = "{" + str(uuid.uuid4()).upper() + "}"
            case.body["tos"] = f.target_object_store
    if isinstance(case.body, dict) and positive(case, "body"):
        if "TargetObjectStore" in case.body:
            case.body["TargetObjectStore"] = f.target_object_store
        if case.path in ("/cases", "/case/{caseFolderId}") and "CaseType" in case.body and pick(case.body):
            case.body["CaseType"] = f.case_type
        if case.path == "/cases" and not isinstance(case.body.get("Properties"), list):
            case.body["Properties"] = [{"SymbolicName": f.title_property, "Value": ibm.label("property")}]


def _send(case, ibm, then: Callable[[Exchange], Any]) -> None:
    """Send a case; `then(exchange)` judges the answer (now, or for a read sent side by side when the test
    ends, in order: Session.submit). A request HTTP/1.1 cannot carry raises here, before anything is sent."""
    kwargs = case.as_transport_kwargs(base_url=ibm.target.base_url)
    raw = kwargs.get("data")
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    ibm.s.submit(then, kwargs["method"], kwargs["url"], json_body=kwargs.get("json"),
                 content=raw if isinstance(raw, (bytes, str)) else None, headers=headers,
                 params=kwargs.get("params"))


@schema.parametrize()
@pytest.mark.requirement("IBM-SCHEMA-001")
def test_responses_conform_to_spec(case, ibm, target, real_case, observe, conformance_run):
    if target.safety.read_only:
        if case.operation.method.upper() not in READ_ONLY_METHODS:
            pytest.skip(f"read_only target: {case.operation.method.upper()} is not a read-only method")
        if case.method.upper() not in READ_ONLY_METHODS:
            reject()
    _steer(case, ibm, real_case)

    def judged(ex):
        ibm.track(ex)
        # each distinct failure is a finding (ours name their own requirement); generation goes on, so that
        # this operation's first failure does not hide the others
        if judge(case, ex, CHECKS, conformance_run.report, "IBM-SCHEMA-001", "generated") \
                and body_only_negative(case) and ex.status is not None and 200 <= ex.status < 300:
            # our schema is stricter than the documents in places: recorded, not failed
            observe("IBM-SCHEMA-001", f"accepted_invalid_body {case.method} {case.path}", ex.id, first_only=True)

    try:
        _send(case, ibm, judged)
    except (UnicodeEncodeError, httpx.InvalidURL, httpx.LocalProtocolError, TypeError, ValueError, AttributeError):
        reject()  # not sendable over HTTP/1.1 at all: nothing to learn from it


# -- members of the wrong JSON type (conformance/suites/schema_cases.py says why) ------------------------
def valid_request(operation: tuple[str, str], ibm, real: dict[str, Any]) -> tuple[dict, dict, dict, frozenset]:
    """(path parameters, query, body, members left alone) the operation accepts for the case of this run
    (seed 003 and VF request members). A property Value takes any JSON type, so it is never changed; nor is
    a new case's title property, which carries the run tag (staging safety: a case cleanup cannot delete is found
    by it)."""
    f = ibm.target.fixtures
    tos = {"TargetObjectStore": f.target_object_store}
    title = [{"SymbolicName": f.title_property, "Value": ibm.label("wrong-type")}]
    return {
        ("POST", "/cases"): ({}, {}, {**tos, "CaseType": f.case_type, "Properties": title},
                             frozenset({"Properties"})),
        ("PUT", "/case/{caseFolderId}"): ({"caseFolderId": real["folder"].strip("{}")}, {},
                                          {**tos, "Properties": title}, frozenset({"Value"})),
        ("POST", "/casetype/{caseType}"): ({"caseType": f.case_type}, {},
                                           {**tos, "RequestMode": "inProgressChanges", "Properties": title},
                                           frozenset({"Value"})),
        # acmdv128: TargetObjectStore and Grouping=ROD in the query; VF: {action: ...} in the body
        ("PUT", "/task/{taskId}"): ({"taskId": real["task"] or "none"}, {**tos, "Grouping": "ROD"},
                                    {**tos, "action": "start"}, frozenset()),
        # acmdv127: a discretionary activity of the case of this run
        ("POST", "/case/{caseFolderId}/tasks"): ({"caseFolderId": real["folder"].strip("{}")}, tos,
                                                 {"TaskTypeName": f.discretionary_task_type or "none",
                                                  "TaskName": ibm.label("activity")}, frozenset()),
        # acmdv121: fetchProperties only reads
        ("POST", "/case/{caseFolderId}"): ({"caseFolderId": real["folder"].strip("{}")}, {},
                                           {**tos, "Operation": "fetchProperties"}, frozenset()),
        # acmdv130: TargetObjectStore in the query, {CommentType, CommentContext, CommentText}
        ("POST", "/case/{caseFolderId}/comments"): ({"caseFolderId": real["folder"].strip("{}")}, tos,
                                                    {"CommentType": "Case", "CommentContext": f.comment_context,
                                                     "CommentText": ibm.label("comment")}, frozenset()),
        # acmdv121delcase; a case that cannot exist, and never casetype (it deletes every case of the type)
        ("POST", "/deletecase"): ({}, {}, {"connectionpoint": f.connection_point or "none",
                                           "caseid": "{" + str(uuid.uuid4()).upper() + "}",
                                           "tos": f.target_object_store}, frozenset()),
    }[operation]


WRONG_TYPE_OPERATIONS = (("POST", "/cases"), ("PUT", "/case/{caseFolderId}"), ("POST", "/casetype/{caseType}"),
                         ("PUT", "/task/{taskId}"), ("POST", "/deletecase"), ("POST", "/case/{caseFolderId}/comments"),
                         ("POST", "/case/{caseFolderId}"), ("POST", "/case/{caseFolderId}/tasks"))


@pytest.mark.requirement("IBM-SCHEMA-001")
@pytest.mark.writes
@pytest.mark.parametrize("operation", operation_params(WRONG_TYPE_OPERATIONS, OPERATION_CAPABILITIES))
def test_members_of_the_wrong_type_are_refused(operation, ibm, real_case, observe, conformance_run):
    method, path = operation
    if real_case is None:
        raise PreconditionFailed("no case of this run to send the bodies to (IBM-CASE-001's tests say why)")
    params, query, body, keep = valid_request(operation, ibm, real_case)
    for what, case in wrong_type_cases(schema, operation, body, keep, path_parameters=params, query=query):
        def judged(ex, case=case, what=what):
            ibm.track(ex)
            if judge(case, ex, CHECKS, conformance_run.report, "IBM-SCHEMA-001", what) and ok(ex):
                # a server may coerce the value; the schema refuses it: recorded, not failed
                observe("IBM-SCHEMA-001", f"accepted_wrong_type {method} {path}", ex.id, first_only=True)

        _send(case, ibm, judged)
