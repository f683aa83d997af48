"""CASEREST v1 operations as the suite uses them, on top of the instrumented Session.

The documents spell the same keys two ways (VF: casetype answers camelCase, case
answers PascalCase; choices {displayName, value} in seed 003, {ChoiceName, Value}
in VF), so every answer is read through `norm`, which PascalCases keys.

Every case the suite creates carries the run tag in the target's title property
and is put in the ledger. Cleanup deletes each one with POST /deletecase
(acmdv121delcase) where the target declares the capability `delete_case`; without
it, cleanup reports each case as remaining, with the tag to find it by.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import quote

from conformance.failures import PreconditionFailed
from conformance.http import Exchange, Session
from conformance.ledger import Ledger
from conformance.target import Target


def norm(obj: Any) -> Any:
    """Keys PascalCased, recursively (VF: camelCase and PascalCase answers both exist)."""
    if isinstance(obj, dict):
        return {(k[:1].upper() + k[1:] if isinstance(k, str) else k): norm(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [norm(v) for v in obj]
    return obj


def bare(folder_id: str) -> str:
    """VF: POST /cases returns CaseFolderId in braces while the GET/PUT examples use it without."""
    return folder_id.strip().removeprefix("{").removesuffix("}")


def seg(value: str) -> str:
    return quote(value, safe="")


def ok(ex: Exchange) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


def properties_of(ex: Exchange) -> list[dict[str, Any]] | None:
    """The Properties array of an answer, keys normalized; None when the answer has none."""
    body = norm(ex.json())
    items = body.get("Properties") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return None
    return items


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(i.get("SymbolicName")): i for i in items}


def choice_values(meta: dict[str, Any]) -> list[Any] | None:
    cl = meta.get("ChoiceList")
    if not isinstance(cl, dict) or not isinstance(cl.get("Choices"), list):
        return None
    return [c.get("Value") for c in cl["Choices"] if isinstance(c, dict)]


def folder_of(ex: Exchange) -> str | None:
    """The CaseFolderId a POST /cases answer names, or None."""
    body = norm(ex.json())
    value = body.get("CaseFolderId") if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def external_data_identifier(ex: Exchange) -> str | None:
    body = norm(ex.json())
    value = body.get("ExternalDataIdentifier") if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def ptype(meta: dict[str, Any]) -> str:
    """The PropertyType, lowercase; acmdv085's `id` is the emulator's GUID (one kind of samples)."""
    kind = str(meta.get("PropertyType") or "").lower()
    return "guid" if kind == "id" else kind


def is_list(meta: dict[str, Any]) -> bool:
    # acmdv085: Cardinality single or multi; the emulator (Content Engine's spelling) SINGLE or LIST
    return str(meta.get("Cardinality") or "").upper() in ("LIST", "MULTI")


def writable(meta: dict[str, Any]) -> bool:
    """Settable when a case is created (acmdv085 Updatability: readonly is never settable)."""
    return str(meta.get("Updatability") or "ReadWrite").lower() != "readonly" and \
        not str(meta.get("SymbolicName") or "").startswith("CmAcm")


def updatable(meta: dict[str, Any]) -> bool:
    """Settable on an existing case: acmdv085 'oncreate Indicates that a case worker can modify the property value
    only when creating a case'."""
    return writable(meta) and str(meta.get("Updatability") or "").lower() != "oncreate"


def task_items(body: Any) -> list[tuple[str, dict[str, Any]]]:
    """(group, activity) pairs of a GET /case/{id}/tasks answer, keys normalized: IBM groups them Required,
    Optional, Disabled, leaving empty groups out (acmdv125); the emulator's default answers a flat Tasks list
    (group '')."""
    body = norm(body)
    if not isinstance(body, dict):
        return []
    out = []
    for group in ("Tasks", "Required", "Optional", "Disabled"):
        items = body.get(group)
        if isinstance(items, list):
            out += [("" if group == "Tasks" else group, t) for t in items
                    if isinstance(t, dict) and isinstance(t.get("TaskId"), str)]
    return out


def task_enabled(group: str, task: dict[str, Any]) -> bool:
    """Not disabled: outside IBM's Disabled group (acmdv125), or a TaskState other than Disabled (emulator)."""
    return group != "Disabled" and str(task.get("TaskState")) != "Disabled"


def _scalar_same(kind: str, sent: Any, got: Any) -> bool:
    if sent is None or got is None:
        return sent is None and got is None
    try:
        if kind == "integer":
            return int(str(sent)) == int(str(got))
        if kind == "float":
            return abs(float(sent) - float(got)) <= 1e-9 * max(1.0, abs(float(sent)))
        if kind == "boolean":
            return str(sent).lower() == str(got).lower()
        if kind == "datetime":
            parse = lambda v: dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))  # noqa: E731
            a, b = parse(sent), parse(got)
            if (a.tzinfo is None) != (b.tzinfo is None):
                return a.replace(tzinfo=None) == b.replace(tzinfo=None)
            return a == b
        if kind == "guid":
            return bare(str(sent)).upper() == bare(str(got)).upper()
    except (TypeError, ValueError):
        return False
    return sent == got


def same_value(meta: dict[str, Any], sent: Any, got: Any) -> bool:
    """Equal as the PropertyType means it (VF: numbers are sent as strings; dates may be reformatted)."""
    kind = ptype(meta)
    if is_list(meta):
        if sent in (None, []) and got in (None, []):
            return True
        return isinstance(sent, list) and isinstance(got, list) and len(sent) == len(got) and \
            all(_scalar_same(kind, a, b) for a, b in zip(sent, got))
    return _scalar_same(kind, sent, got)


# deterministic valid values per PropertyType (the property-based tests draw their own)
SAMPLES: dict[str, tuple[Any, ...]] = {
    "string": ("alpha", "beta gamma", "Zürich"),
    "integer": (7, -3, 100),
    "float": (2.5, -0.125, 1000.0),
    "boolean": (True, False, True),
    "datetime": ("2026-01-02T03:04:05Z", "2025-12-31T23:59:59Z", "2024-02-29T12:00:00Z"),
    "guid": ("{6F9619FF-8B86-D011-B42D-00C04FC964FF}", "{0B3D4F5A-1111-4A2B-9C3D-123456789ABC}",
             "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"),
}


def in_range(meta: dict[str, Any], value: Any) -> Any:
    """A number moved inside the property's MinValue..MaxValue (acmdv106 shows both; acmdv119, acmdv122: values
    are validated against them)."""
    lo, hi = meta.get("MinValue"), meta.get("MaxValue")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(lo, (int, float)) and value < lo:
        value = lo
    if isinstance(hi, (int, float)) and value > hi:
        value = hi
    return value


def sample(meta: dict[str, Any], i: int = 0) -> Any:
    """A valid value for a property: its choice list's (acmdv106: DH2_MVString's choices), else SAMPLES[i] moved
    inside MinValue..MaxValue; an array for a multi-valued property (acmdv085)."""
    choices = [c for c in choice_values(meta) or [] if c is not None]
    if is_list(meta):
        if choices:
            return choices[:3]
        return [in_range(meta, v) for v in SAMPLES.get(ptype(meta), ("a", "b", "c"))]
    if choices:
        return choices[i % len(choices)]
    return in_range(meta, SAMPLES[ptype(meta)][i % 3])


# values no PropertyType reading can accept as its own (seed 003: the value must match the data type)
WRONG: dict[str, Any] = {
    "string": {"not": "a string"},
    "integer": "not-a-number",
    "float": "not-a-number",
    "boolean": "maybe",
    "datetime": "not-a-date",
    "guid": "not-a-guid",
}


class CaseRestApi:
    def __init__(self, session: Session, target: Target, ledger: Ledger, tag: str) -> None:
        self.s = session
        self.target = target
        self.f = target.fixtures
        self.ledger = ledger
        self.tag = tag
        self._metadata: list[dict[str, Any]] | None = None
        self._edi: str | None = None

    @property
    def tos(self) -> dict[str, str]:
        return {"TargetObjectStore": self.f.target_object_store}

    def label(self, what: str = "") -> str:
        return f"{self.tag} {what or uuid.uuid4().hex[:8]}"

    # -- discovery and case types ---------------------------------------------------------------
    def solutions(self, **kw: Any) -> Exchange:
        return self.s.request("GET", "/solutions", **kw)

    def casetypes(self, solution: str | None = None, **kw: Any) -> Exchange:
        return self.s.request("GET", f"/solution/{seg(solution or self.f.solution)}/casetypes", **kw)

    def get_casetype(self, name: str | None = None, **kw: Any) -> Exchange:
        kw.setdefault("params", self.tos)
        return self.s.request("GET", f"/casetype/{seg(name or self.f.case_type)}", **kw)

    def post_casetype(self, body: dict[str, Any], name: str | None = None, tos: bool = True, **kw: Any) -> Exchange:
        payload = {**(self.tos if tos else {}), **body}
        return self.s.request("POST", f"/casetype/{seg(name or self.f.case_type)}", json_body=payload, **kw)

    def initial(self) -> tuple[list[dict[str, Any]], str | None, Exchange]:
        """seed 003: RequestMode=initialNewObject -> every property of the case type, and an identifier."""
        ex = self.post_casetype({"RequestMode": "initialNewObject"})
        items = properties_of(ex)
        if ex.status != 200 or not items:
            # the step is IBM-TYPE-001's (initialNewObject returns every property)
            raise PreconditionFailed(f"could not get the case type's properties: {ex.summary()}",
                                     requirement="IBM-TYPE-001", exchanges=[ex.id])
        return items, external_data_identifier(ex), ex

    def metadata(self) -> list[dict[str, Any]]:
        """The case type's property metadata (from GET /casetype), fetched once."""
        if self._metadata is None:
            ex = self.get_casetype()
            items = properties_of(ex)
            named = [i for i in items or [] if isinstance(i.get("SymbolicName"), str)]
            if ex.status != 200 or not named:
                # GET /casetype/{name} is the list IBM-TYPE-001 compares initialNewObject with
                raise PreconditionFailed(f"could not read the case type's metadata: {ex.summary()}",
                                         requirement="IBM-TYPE-001", exchanges=[ex.id])
            self._metadata = named
        return self._metadata

    def edi(self) -> str | None:
        """An identifier to send with inProgressChanges where an external data service is declared (acmdv117 Table
        2: ExternalDataIdentifier 'Yes, if using an external data service'): initialNewObject's, fetched once.
        Without the service (or without an identifier in that answer), None: the request goes without one."""
        if self._edi is None and self.target.capabilities.external_data:
            self._edi = external_data_identifier(self.post_casetype({"RequestMode": "initialNewObject"})) or ""
        return self._edi or None

    def changes(self, values: dict[str, Any], edi: str | None, mode: str | None = "inProgressChanges",
                **kw: Any) -> Exchange:
        body: dict[str, Any] = {"Properties": [{"SymbolicName": k, "Value": v} for k, v in values.items()]}
        if mode is not None:
            body["RequestMode"] = mode
        if edi is not None:
            body["ExternalDataIdentifier"] = edi
        return self.post_casetype(body, **kw)

    # -- cases ------------------------------------------------------------------------------------
    def create_case(self, values: dict[str, Any] | None = None, body: Any = None, tos: bool = True,
                    **kw: Any) -> Exchange:
        if body is None:
            values = dict(values or {})
            values.setdefault(self.f.title_property, self.label())  # staging safety: the run tag
            body = {**(self.tos if tos else {}), "CaseType": self.f.case_type,
                    "Properties": [{"SymbolicName": k, "Value": v} for k, v in values.items()]}
        if isinstance(body, (bytes, str)):
            ex = self.s.request("POST", "/cases", content=body, headers={"Content-Type": "application/json"}, **kw)
        else:
            ex = self.s.request("POST", "/cases", json_body=body, **kw)
        self.track(ex)
        return ex

    def track(self, ex: Exchange) -> None:
        """Record a case an answer says was created, whatever the test expected."""
        folder = folder_of(ex)
        if ok(ex) and folder is not None:
            self.ledger.add("case", folder, lambda: self.retire(folder))

    def retire(self, folder_id: str) -> tuple[bool, str]:
        if not self.target.capabilities.delete_case:
            return False, (f"the target does not declare delete_case (POST /deletecase, acmdv121delcase); the case "
                           f"carries the run tag {self.tag!r} in {self.f.title_property} for the server's own retention")
        ex = self.delete_case(folder_id)
        return ok(ex), f"POST /deletecase: {ex.summary()}"

    def comments(self, folder_id: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv129: GET /case/{id}/comments?TargetObjectStore=...&CommentType=Case."""
        params = {**(self.tos if tos else {}), "CommentType": "Case"}
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}/comments", params=params, **kw)

    def add_comment(self, folder_id: str, text: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv130: POST /case/{id}/comments?TargetObjectStore=... {CommentType, CommentContext, CommentText}."""
        body = {"CommentType": "Case", "CommentContext": self.f.comment_context, "CommentText": text}
        return self.s.request("POST", f"/case/{seg(bare(folder_id))}/comments", params=self.tos if tos else None,
                              json_body=body, **kw)

    def history(self, folder_id: str, batch_size: int = 2, token: str | None = None, tos: bool = True,
                **kw: Any) -> Exchange:
        """acmdv131: GET /case/{id}/history?BatchSize=n[&ContinuationToken=t]; always with a BatchSize (without one
        the server answers up to 200 entries)."""
        params: dict[str, Any] = {**(self.tos if tos else {}), "BatchSize": batch_size}
        if token is not None:
            params["ContinuationToken"] = token
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}/history", params=params, **kw)

    def case_operation(self, folder_id: str, body: dict[str, Any], tos: bool = True, **kw: Any) -> Exchange:
        """acmdv121: POST /case/{id} {TargetObjectStore, Operation, ...}."""
        payload = {**(self.tos if tos else {}), **body}
        ex = self.s.request("POST", f"/case/{seg(bare(folder_id))}", json_body=payload, **kw)
        if body.get("Operation") == "split":
            self.track(ex)  # a new case
        return ex

    def related(self, folder_id: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv124: GET /case/{id}/cases?TargetObjectStore=..."""
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}/cases", params=self.tos if tos else None, **kw)

    def create_task(self, folder_id: str, task_type: str, name: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv127: POST /case/{id}/tasks?TargetObjectStore=... {TaskTypeName, TaskName}."""
        return self.s.request("POST", f"/case/{seg(bare(folder_id))}/tasks", params=self.tos if tos else None,
                              json_body={"TaskTypeName": task_type, "TaskName": name}, **kw)

    def case_page(self, page_type: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv118: GET /casetype/{name}/page?TargetObjectStore=...&PageType=..."""
        params = {**(self.tos if tos else {}), "PageType": page_type}
        return self.s.request("GET", f"/casetype/{seg(self.f.case_type)}/page", params=params, **kw)

    def launch_info(self, folder_id: str, task_type: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv126: GET /case/{id}/tasktype/{name}?TargetObjectStore=..."""
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}/tasktype/{seg(task_type)}",
                              params=self.tos if tos else None, **kw)

    def discretionary_type(self) -> str:
        """The fixture's discretionary activity type, or the first listed one that needs no launch information."""
        if self.f.discretionary_task_type:
            return self.f.discretionary_task_type
        if self.target.capabilities.definitions:
            ex = self.s.request("GET", f"/casetype/{seg(self.f.case_type)}/discretionarytasktypes", params=self.tos)
            body = norm(ex.json())
            for item in (body.get("DiscretionaryTaskTypes") if isinstance(body, dict) else None) or []:
                if isinstance(item, dict) and isinstance(item.get("TaskName"), str) \
                        and str(item.get("RequiresLaunchInfo")).lower() != "true":
                    return item["TaskName"]
        raise PreconditionFailed("no discretionary activity type to create: set fixtures.discretionary_task_type "
                                 "(one whose RequiresLaunchInfo is false)")

    def stages(self, folder_id: str, operation: str = "retrieveAllStages", tos: bool = True, method: str = "GET",
               **kw: Any) -> Exchange:
        """acmdv148 (GET: retrieveAllStages, retrieveCurrentStage), acmdv149 (POST: completeCurrentStage,
        placeCurrentStageOnHold, releaseCurrentOnHoldStage, restartPreviousStage): TargetObjectStore and Operation
        in the query."""
        params = {**(self.tos if tos else {}), "Operation": operation}
        return self.s.request(method, f"/case/{seg(bare(folder_id))}/stages", params=params, **kw)

    def documents(self, folder_id: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv151: GET /case/{id}/casedocumentslist?TargetObjectStore=..."""
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}/casedocumentslist",
                              params=self.tos if tos else None, **kw)

    def delete_case(self, folder_id: str, tos: bool = True, **kw: Any) -> Exchange:
        """acmdv121delcase: {connectionpoint, caseid, tos}; never casetype, which deletes every case of the type."""
        body = {"connectionpoint": self.f.connection_point, "caseid": folder_id}
        if tos:
            body["tos"] = self.f.target_object_store
        return self.s.request("POST", "/deletecase", json_body=body, **kw)

    def new_case(self, values: dict[str, Any] | None = None) -> tuple[str, Exchange]:
        ex = self.create_case(values)
        folder = folder_of(ex)
        if not ok(ex) or folder is None:
            raise PreconditionFailed(f"could not create a case to test with: {ex.summary()}",
                                     requirement="IBM-CASE-001", exchanges=[ex.id])
        return folder, ex

    def some_case(self) -> str:
        if not self.target.safety.read_only:
            return self.new_case()[0]
        if self.f.existing_case_folder_id:
            return self.f.existing_case_folder_id
        import pytest

        pytest.skip("read_only target without fixtures.existing_case_folder_id: no case to read")

    def get_case(self, folder_id: str, tos: bool = True, **kw: Any) -> Exchange:
        kw.setdefault("params", self.tos if tos else None)
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}", **kw)

    def read_values(self, folder_id: str) -> tuple[dict[str, Any], Exchange]:
        ex = self.get_case(folder_id)
        items = properties_of(ex)
        if ex.status != 200 or items is None:
            raise PreconditionFailed(f"could not read case {folder_id}: {ex.summary()}",
                                     requirement="IBM-CASE-002", exchanges=[ex.id])
        return {str(i.get("SymbolicName")): i.get("Value") for i in items}, ex

    def put_case(self, folder_id: str, values: dict[str, Any] | None = None, body: Any = None, tos: bool = True,
                 **kw: Any) -> Exchange:
        if body is None:
            body = {**(self.tos if tos else {}),
                    "Properties": [{"SymbolicName": k, "Value": v} for k, v in (values or {}).items()]}
        return self.s.request("PUT", f"/case/{seg(bare(folder_id))}", json_body=body, **kw)

    def status(self, folder_id: str, tos: bool = True, **kw: Any) -> Exchange:
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}/status", params=self.tos if tos else None, **kw)

    def tasks(self, folder_id: str, tos: bool = True, **kw: Any) -> Exchange:
        params = {**(self.tos if tos else {}), "Grouping": "ROD"}  # VF: GET /case/{id}/tasks?Grouping=ROD
        return self.s.request("GET", f"/case/{seg(bare(folder_id))}/tasks", params=params, **kw)

    def put_task(self, task_id: str, action: str, tos: bool = True, **kw: Any) -> Exchange:
        # acmdv128: PUT .../task/{id}?TargetObjectStore=...&Grouping=ROD, the action in the body
        params = {**(self.tos if tos else {}), "Grouping": "ROD"}
        return self.s.request("PUT", f"/task/{seg(task_id)}", params=params, json_body={"action": action}, **kw)

    # -- metadata helpers ---------------------------------------------------------------------------
    def writable_single(self, on_update: bool = False) -> dict[str, dict[str, Any]]:
        """One writable SINGLE property per PropertyType (not the title, not the EDS properties); `on_update`:
        one a PUT may set (not oncreate, acmdv085)."""
        skip = {self.f.title_property, self.f.state_property, self.f.city_property}
        found: dict[str, dict[str, Any]] = {}
        for meta in self.metadata():
            # free values only: no EDS property, no choice list (a server may refuse a value outside it)
            if (updatable(meta) if on_update else writable(meta)) and not is_list(meta) and meta.get("SymbolicName") not in skip \
                    and not meta.get("HasDependentProperties") and choice_values(meta) is None:
                found.setdefault(ptype(meta), meta)
        return found

    def writable_lists(self) -> list[dict[str, Any]]:
        return [m for m in self.metadata() if writable(m) and is_list(m)]
