"""Pega DX v2 operations as the suite uses them, on top of the instrumented Session.

Every case the suite creates carries the run tag in its content and is put in
the ledger with Pega's own retirement rule: DELETE while in the create stage
(seed 000: "Delete case in create stage"); a case past it cannot be deleted
through DX v2 and is reported as remaining.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from conformance.checks.pega import etag_stamp
from conformance.failures import PreconditionFailed
from conformance.http import Exchange, Session
from conformance.ledger import Ledger
from conformance.target import Target


# cleanup order (Ledger stages, lowest first; one stage's entries are retired side by side):
# - attachments before cases: an attachment is retired by its own DELETE /attachments/{ID} (VF table, seed
#   001), which needs its case: no source says whether deleting or resolving the case takes its attachments
#   with it or leaves them unreachable;
# - a child case (POST /cases with parentCaseID, seed 000 payload) before the cases: no source says what
#   deleting or resolving a parent does to its children either, so each child is retired by its own rule
#   while its parent still exists. One level: the suite creates no grandchildren.
ATTACHMENTS, CHILD_CASES, CASES = 0, 1, 2


def parent_of(ex: Exchange) -> str | None:
    """The parentCaseID the create request named ('' names none: seed 000's payload for a top case)."""
    try:
        body = json.loads(ex.request_body) if ex.request_body else None
    except (ValueError, UnicodeDecodeError):
        return None
    parent = body.get("parentCaseID") if isinstance(body, dict) else None
    return parent if isinstance(parent, str) and parent else None


def same_etag(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    norm = lambda v: (etag_stamp(v) or v.strip().removeprefix("W/").strip('"'))  # noqa: E731
    return norm(a) == norm(b)


def seg(value: str) -> str:
    """A path segment: case and assignment IDs contain spaces and '!' (VF REC)."""
    return quote(value, safe="")


class PegaApi:
    def __init__(self, session: Session, target: Target, ledger: Ledger, tag: str) -> None:
        self.s = session
        self.target = target
        self.ledger = ledger
        self.tag = tag
        self.field = target.fixtures.content_field

    def label(self, what: str = "") -> str:
        return f"{self.tag} {what or uuid.uuid4().hex[:8]}"

    # -- cases -----------------------------------------------------------------
    def create_case(self, content: dict[str, Any] | None = None, body: Any = None, **kw: Any) -> Exchange:
        payload = body if body is not None else {
            "caseTypeID": self.target.fixtures.case_type_id,
            "content": content if content is not None else {self.field: self.label()},
        }
        ex = self.s.request("POST", "/cases", json_body=payload if not isinstance(payload, bytes) else None,
                            content=payload if isinstance(payload, bytes) else None,
                            headers={"Content-Type": "application/json"}, **kw)
        self.track(ex)
        return ex

    def track(self, ex: Exchange) -> None:
        """Record a case a response says was created, whatever the test expected."""
        body = ex.json()
        if ex.status is not None and 200 <= ex.status < 300 and isinstance(body, dict) \
                and isinstance(body.get("ID"), str):
            case_id = body["ID"]
            self.ledger.add("case", case_id, lambda: self.retire(case_id),
                            stage=CHILD_CASES if parent_of(ex) else CASES)

    def new_case(self, content: dict[str, Any] | None = None) -> tuple[str, Exchange]:
        ex = self.create_case(content)
        body = ex.json()
        if ex.status is None or not 200 <= ex.status < 300 or not isinstance(body, dict) or \
                not isinstance(body.get("ID"), str):
            raise PreconditionFailed(f"could not create a case to test with: {ex.summary()}", "PEGA-CASE-001", [ex.id],
                                     operation="POST /cases", detail=f"status {ex.status}")
        return body["ID"], ex

    def some_case(self) -> str:
        """A case to read: a new one, or in read-only mode the target's existing_case_id."""
        if not self.target.safety.read_only:
            return self.new_case()[0]
        if self.target.fixtures.existing_case_id:
            return self.target.fixtures.existing_case_id
        import pytest

        pytest.skip("read_only target without fixtures.existing_case_id: no case to read")

    def get_case(self, case_id: str, **kw: Any) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(case_id)}", **kw)

    def read(self, case_id: str) -> tuple[str, dict[str, Any], Exchange]:
        """(eTag, caseInfo) of a case the test needs to exist."""
        ex = self.get_case(case_id)
        info = case_info(ex)
        etag = ex.header("ETag")
        if ex.status != 200 or info is None:
            if case_id == self.target.fixtures.existing_case_id:
                # the target's own setting, not the server's contract
                raise PreconditionFailed(f"fixtures.existing_case_id {case_id!r} could not be read: {ex.summary()}")
            # a case the test created must read back (PEGA-CASE-003)
            raise PreconditionFailed(f"could not read case {case_id}: {ex.summary()}", "PEGA-CASE-003", [ex.id],
                                     operation="GET /cases/{caseID}", detail=f"status {ex.status}")
        if not etag:
            raise PreconditionFailed(f"case {case_id} was read without an ETag: {ex.summary()}", "PEGA-ETAG-001",
                                     [ex.id], operation="GET /cases/{caseID}", detail="no ETag")
        return etag, info, ex

    def delete_case(self, case_id: str) -> Exchange:
        return self.s.request("DELETE", f"/cases/{seg(case_id)}")

    def update(self, case_id: str, etag: str | None, content: dict[str, Any] | None = None,
               body: Any = None, **kw: Any) -> Exchange:
        headers = {"If-Match": etag} if etag is not None else {}
        payload = body if body is not None else {"content": content or {}}
        return self.s.request(
            "PATCH", f"/cases/{seg(case_id)}/actions/{seg(self.target.fixtures.update_action_id)}",
            json_body=None if isinstance(payload, bytes) else payload,
            content=payload if isinstance(payload, bytes) else None,
            headers={"Content-Type": "application/json", **headers}, **kw)

    # -- assignments -----------------------------------------------------------
    def assignment_of(self, info: dict[str, Any]) -> tuple[str, str]:
        items = info.get("assignments")
        # with assignments declared, a new case's assignment must carry its ID and actions (PEGA-ASSIGN-001;
        # REC: caseInfo.assignments[].actions[])
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise PreconditionFailed(f"case {info.get('ID')} has no open assignment", "PEGA-ASSIGN-001",
                                     operation="GET /cases/{caseID}", detail="no assignment")
        first = items[0]
        actions = first.get("actions") or []
        if not isinstance(first.get("ID"), str) or not actions or not isinstance(actions[0], dict):
            raise PreconditionFailed(f"assignment of case {info.get('ID')} has no ID or no action", "PEGA-ASSIGN-001",
                                     operation="GET /cases/{caseID}", detail="assignment without ID or actions")
        return first["ID"], str(actions[0].get("ID"))

    def get_assignment(self, assignment_id: str, **kw: Any) -> Exchange:
        return self.s.request("GET", f"/assignments/{seg(assignment_id)}", **kw)

    def submit(self, assignment_id: str, action_id: str, etag: str | None,
               content: dict[str, Any] | None = None, **kw: Any) -> Exchange:
        headers = {"If-Match": etag} if etag is not None else {}
        return self.s.request("PATCH", f"/assignments/{seg(assignment_id)}/actions/{seg(action_id)}",
                              json_body={"content": content or {}}, headers=headers, **kw)

    # -- attachments (seed 001) -------------------------------------------------
    def upload(self, files: list[tuple[str, bytes, str]], context: str | None = "self") -> Exchange:
        """POST /attachments/upload: multipart `content` file(s) and `context` (seed 001)."""
        data = {"context": context} if context is not None else None
        return self.s.request("POST", "/attachments/upload", files=[("content", f) for f in files], data=data)

    def upload_id(self, name: str, content: bytes, content_type: str = "application/octet-stream") -> str:
        ex = self.upload([(name, content, content_type)])
        body = ex.json()
        if ex.status is None or not 200 <= ex.status < 300 or not isinstance(body, dict) or \
                not isinstance(body.get("ID"), str):
            raise PreconditionFailed(f"could not upload a file to test with: {ex.summary()}", "PEGA-ATT-001", [ex.id],
                                     operation="POST /attachments/upload", detail=f"status {ex.status}")
        return body["ID"]

    def attach(self, case_id: str, items: list[dict[str, Any]]) -> Exchange:
        return self.s.request("POST", f"/cases/{seg(case_id)}/attachments", json_body={"attachments": items})

    def attachments(self, case_id: str, **kw: Any) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(case_id)}/attachments", **kw)

    def listed(self, case_id: str) -> tuple[list[dict[str, Any]], Exchange]:
        ex = self.attachments(case_id)
        body = ex.json()
        items = body.get("attachments") if isinstance(body, dict) else None
        if ex.status != 200 or not isinstance(items, list):
            raise PreconditionFailed(f"could not list the attachments of {case_id}: {ex.summary()}", "PEGA-ATT-004",
                                     [ex.id], operation="GET /cases/{caseID}/attachments", detail=f"status {ex.status}")
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("ID"), str):
                self.track_attachment(item["ID"])
        return [i for i in items if isinstance(i, dict)], ex

    def track_attachment(self, attachment_id: str) -> None:
        self.ledger.add("attachment", attachment_id, lambda: self.retire_attachment(attachment_id), stage=ATTACHMENTS)

    def attach_file(self, case_id: str, name: str, content: bytes, content_type: str = "application/octet-stream",
                    category: str | None = None) -> tuple[dict[str, Any], Exchange]:
        """Upload, attach, and find the new item in the case's list (the one with this fileName)."""
        upload_id = self.upload_id(name, content, content_type)
        ex = self.attach(case_id, [{"type": "File", "category": category or self.target.fixtures.attachment_category,
                                    "ID": upload_id, "name": name.rsplit(".", 1)[0]}])
        if ex.status is None or not 200 <= ex.status < 300:
            raise PreconditionFailed(f"could not attach {name!r} to {case_id}: {ex.summary()}", "PEGA-ATT-004",
                                     [ex.id], operation="POST /cases/{caseID}/attachments", detail=f"status {ex.status}")
        items, _ = self.listed(case_id)
        found = [i for i in items if i.get("fileName") == name]
        if not found:
            raise PreconditionFailed(f"attached {name!r} but the list of {case_id} does not show it", "PEGA-ATT-004",
                                     operation="GET /cases/{caseID}/attachments", detail="attached file not listed")
        return found[0], ex

    def categories(self, case_id: str, kind: str) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(case_id)}/attachment_categories", params={"type": kind})

    def download(self, attachment_id: str, mode: str | None = None) -> Exchange:
        return self.s.request("GET", f"/attachments/{seg(attachment_id)}",
                              params={"mode": mode} if mode else None, headers={"Accept": "*/*"})

    def delete_attachment(self, attachment_id: str) -> Exchange:
        return self.s.request("DELETE", f"/attachments/{seg(attachment_id)}")

    def retire_attachment(self, attachment_id: str) -> tuple[bool, str]:
        ex = self.delete_attachment(attachment_id)
        if ex.status == 404:
            return True, "already gone"
        if ex.status is not None and 200 <= ex.status < 300:
            return True, "deleted"
        return False, f"DELETE answered {ex.status}"

    # -- data views (VF) -----------------------------------------------------------
    def data_view(self, body: dict[str, Any]) -> Exchange:
        return self.s.request("POST", f"/data_views/{seg(self.target.fixtures.data_view_id or '')}", json_body=body)

    def data_view_count(self, body: dict[str, Any] | None = None) -> Exchange:
        return self.s.request("POST", f"/data_views/{seg(self.target.fixtures.data_view_id or '')}/count",
                              json_body=body or {})

    # -- cleanup ---------------------------------------------------------------
    def retire(self, case_id: str, max_steps: int = 6) -> tuple[bool, str]:
        """Delete in the create stage (seed 000); past it, resolve the case by submitting its
        assignments, the way the application retires a case."""
        ex = self.get_case(case_id)
        if ex.status == 404:
            return True, "already gone"
        info = case_info(ex) or {}
        if is_resolved(info):
            return True, f"already resolved ({info.get('status')})"
        stages = info.get("stages") or []
        first_stage = stages[0].get("ID") if stages and isinstance(stages[0], dict) else None
        if first_stage is None or info.get("stageID") in (None, first_stage):
            deleted = self.delete_case(case_id)
            if deleted.status is not None and 200 <= deleted.status < 300:
                return True, "deleted"
            if not self.target.capabilities.assignments:
                return False, f"DELETE answered {deleted.status}"
        for _ in range(max_steps):
            etag, info, _ = self.read(case_id)
            if is_resolved(info):
                return True, f"resolved ({info.get('status')})"
            if not info.get("assignments"):
                break
            assignment_id, action_id = self.assignment_of(info)
            step = self.submit(assignment_id, action_id, etag, {})
            if step.status is None or not 200 <= step.status < 300:
                return False, f"could not resolve: submitting {assignment_id} answered {step.status}"
        _, info, _ = self.read(case_id)
        if is_resolved(info):
            return True, f"resolved ({info.get('status')})"
        return False, (f"left open in stage {info.get('stageID')} ({info.get('status')}): DX v2 deletes a case "
                       "only in its create stage and its flow did not reach a resolution")


def is_resolved(info: dict[str, Any]) -> bool:
    # Pega case statuses: New, Open, Pending-*, Resolved-* (seed 000 shows "New")
    return str(info.get("status", "")).startswith("Resolved")


def case_info(ex: Exchange) -> dict[str, Any] | None:
    body = ex.json()
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    info = data.get("caseInfo") if isinstance(data, dict) else None
    return info if isinstance(info, dict) else None


def content_value(info: dict[str, Any] | None, field: str) -> Any:
    content = (info or {}).get("content")
    return content.get(field) if isinstance(content, dict) else None
