"""Publication payloads (VF "Pega Process Fabric Hub": Task, Work queue, Operator, Case,
Association fields) and the Pega timestamp form the Hub uses."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# VF: "Timestamps look like 20210112T101328.528 GMT"
PEGA_TIME = re.compile(r"^\d{8}T\d{6}\.\d{3} GMT$")


def pega_time(when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    return when.strftime("%Y%m%dT%H%M%S.") + f"{when.microsecond // 1000:03d} GMT"


def task(record_id: str, label: str = "Review", assign_to: str = "conformance.operator",
         priority: str = "10.0") -> dict[str, Any]:
    now = pega_time()
    return {"ID": record_id, "label": label, "status": "Open", "priority": priority, "assignTo": assign_to,
            "assignToType": "WL", "caseID": f"{record_id}-CASE", "caseLabel": f"Case of {label}",
            "caseTypeClass": "CONF-Work-Request", "caseCreateDateTime": now, "caseCreateOperator": assign_to,
            "createDateTime": now, "createOperator": assign_to, "updateDateTime": now,
            "customerName": "Conformance", "deadlineTime": now, "goalTime": now,
            "actions": [{"ID": "Approve", "href": f"https://conformance.invalid/{record_id}", "title": "Approve",
                         "type": "GET"}]}


def workqueue(record_id: str, label: str = "Queue") -> dict[str, Any]:
    return {"ID": record_id, "label": label, "type": "WB"}


def operator(record_id: str, queues: list[str] | None = None) -> dict[str, Any]:
    return {"ID": record_id, "workqueues": [{"ID": q} for q in (queues or [])]}


def case(record_id: str, label: str = "Case") -> dict[str, Any]:
    now = pega_time()
    return {"ID": record_id, "label": label, "status": "Open", "caseTypeClass": "CONF-Work-Request",
            "createDateTime": now, "createOperator": "conformance.operator", "updateDateTime": now}


def association(record_id: str, action: str = "create", category: str = "Related",
                from_id: str = "A", to_id: str = "B") -> dict[str, Any]:
    return {"ID": record_id, "action": action, "fromType": "Case", "fromID": from_id, "toType": "Case",
            "toID": to_id, "category": category}


def body_for(kind: str, record_id: str, label: str = "v1") -> dict[str, Any]:
    if kind == "tasks":
        return task(record_id, label)
    if kind == "workqueues":
        return workqueue(record_id, label)
    if kind == "operators":
        return operator(record_id, [f"{record_id}-Q{label}"])
    if kind == "cases":
        return case(record_id, label)
    return association(record_id, "create", category=label)


def same_as_published(published: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Every published field is stored with its value (the Hub may add fields of its own)."""
    return all(stored.get(k) == v for k, v in published.items() if k != "action")
