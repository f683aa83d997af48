"""Responses against specs/processmaker-3.yaml (PM-SCHEMA-001): case objects of every list,
page objects, case information, current task and start tasks (seed 004 samples and tables).

The schemas are read from the spec (one Draft 2020-12 resource, so its local $refs resolve);
each response is validated against the schema of its operation's 200 answer.
"""

from __future__ import annotations

from functools import lru_cache

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.checks import violate
from conformance.failures import PreconditionFailed
from conformance.suites import spec_path
from conformance.suites.processmaker_3.client import LIST_PATHS

BASE = "urn:conformance:processmaker-3"


@lru_cache(maxsize=1)
def _document() -> dict:
    return yaml.safe_load(spec_path("processmaker-3").read_text(encoding="utf-8"))


def validator(path: str, method: str = "get") -> Draft202012Validator:
    doc = _document()
    registry = Registry().with_resource(BASE, Resource.from_contents(doc, default_specification=DRAFT202012))
    pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method}/responses/200/content/application~1json/schema"
    return Draft202012Validator({"$ref": f"{BASE}#{pointer}"}, registry=registry)


def conform(path: str, ex, method: str = "get") -> None:
    body = ex.json()
    if ex.status != 200:
        raise PreconditionFailed(f"{path} answered {ex.summary()}")
    errors = sorted(validator(path, method).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "<body>"
        raise violate("PM-SCHEMA-001", f"{path}: {where}: {first.message[:300]} ({len(errors)} schema error(s))", ex)


@pytest.mark.requirement("PM-SCHEMA-001")
@pytest.mark.parametrize("kind", sorted(LIST_PATHS))
def test_lists_and_pages_match_the_spec(pm, kind):
    if kind == "advanced-search" and not pm.target.capabilities.advanced_search:
        pytest.skip("capability advanced_search not declared by the target")
    path = LIST_PATHS[kind]
    conform(path + "/paged", pm.list(kind, {"limit": 10}, paged=True))
    ex = pm.list(kind, {"limit": 10})
    if isinstance(ex.json(), list):  # a list that is not an array is PM-LIST-001's finding
        conform(path, ex)


@pytest.mark.requirement("PM-SCHEMA-001")
def test_case_information_matches_the_spec(pm):
    kind = "advanced-search" if pm.target.capabilities.advanced_search else "participated"
    cases, _ = pm.bare(kind, {"limit": 20}, strict=False)
    open_cases = [c for c in cases if c.get("app_status") in ("TO_DO", "DRAFT") and isinstance(c.get("app_uid"), str)]
    if not open_cases:
        raise PreconditionFailed(f"no open case among the first 20 of {kind}")
    app_uid = open_cases[0]["app_uid"]
    conform("/cases/{app_uid}", pm.get(app_uid))
    conform("/cases/{app_uid}/current-task", pm.current_task(app_uid))


@pytest.mark.requirement("PM-SCHEMA-001")
def test_start_tasks_match_the_spec(pm):
    conform("/case/start-cases", pm.s.request("GET", "/case/start-cases"))
