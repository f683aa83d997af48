"""Passive sequence checks of ProcessMaker 3, IBM CASEREST v1 and the Fabric Hub: each family on a small
exchange log with the defect and without it (the check fires on the one, not on the other).

The logs are the suite's own exchanges.jsonl form (conformance.http.Exchange.as_record); no server runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.traffic import check_traffic

PM = "http://pm.example/api/1.0/workflow"
ADMIN, REVIEWER = "0" * 31 + "1", "2" + "0" * 30 + "2"


def record(method: str, url: str, status: int, body: Any = None, request: Any = None) -> dict[str, Any]:
    return {"id": "", "method": method, "url": url, "status": status,
            "request_headers": {"Authorization": "Bearer t", "Content-Type": "application/json"},
            "request_body": "" if request is None else json.dumps(request),
            "response_headers": {"Content-Type": "application/json"},
            "response_body": "" if body is None else json.dumps(body), "elapsed_ms": 1.0, "error": None}


def outcomes(tmp_path: Path, api: str, records: list[dict[str, Any]], base_url: str) -> dict[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "exchanges.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    doc = check_traffic(api, [log], out=tmp_path / "out", base_url=base_url)
    return {rid: r["outcome"] for rid, r in doc["requirements"].items()}


# --------------------------------------------------------------------------- ProcessMaker 3


def pm_case(n: int, status: str = "TO_DO", user: str = ADMIN, title: str = "Invoice", day: str = "2014-08-06",
            del_index: int = 2) -> dict[str, Any]:
    """A case object as seed 004 lists it (the members the checks read)."""
    return {"app_uid": f"{n:032d}", "app_number": str(n), "app_status": status, "usr_uid": user, "del_index":
            str(del_index), "pro_uid": "2" * 32, "app_title": f"#{n} {title}", "app_tas_title": "Enter INVOICE",
            "del_delegate_date": f"{day} 10:00:00"}


def pm_info(n: int, status: str, user: str = ADMIN, del_index: int = 1) -> dict[str, Any]:
    """GET /cases/{app_uid} as seed 004 samples it: current_task a list of {usr_uid, del_index, ...}."""
    return {"app_uid": f"{n:032d}", "app_number": str(n), "app_status": status,
            "current_task": [{"usr_uid": user, "del_index": str(del_index), "tas_title": "Enter INVOICE"}]}


def test_pm_filtered_list_missing_a_matching_case_of_the_unfiltered_list(tmp_path):
    every = [pm_case(9, day="2014-08-09"), pm_case(8, day="2014-08-08"), pm_case(7, day="2014-08-07")]
    query = "sort=APP_CACHE_VIEW.APP_NUMBER&dir=DESC&limit=300"
    unfiltered = record("GET", f"{PM}/cases/advanced-search?{query}", 200, every)
    ranged = f"{PM}/cases/advanced-search?{query}&date_from=2014-08-07&date_to=2014-08-08"
    # seed 004: date_to includes its day; a server dropping case 8 (delegated on date_to) misses a match
    bad = outcomes(tmp_path / "bad", "processmaker-3", [unfiltered, record("GET", ranged, 200, [every[2]])], PM)
    good = outcomes(tmp_path / "good", "processmaker-3", [unfiltered, record("GET", ranged, 200, every[1:])], PM)
    assert bad["PM-FILTER-003"] == "failed"
    assert good["PM-FILTER-003"] == "passed"


def test_pm_filter_is_not_compared_across_a_write(tmp_path):
    every = [pm_case(9), pm_case(8)]
    query = "sort=APP_CACHE_VIEW.APP_NUMBER&dir=DESC&limit=300"
    records = [record("GET", f"{PM}/cases?{query}", 200, every),
               record("PUT", f"{PM}/cases/{every[0]['app_uid']}/route-case", 200, None, {}),
               record("GET", f"{PM}/cases?{query}&search=invoice", 200, every[1:])]
    assert outcomes(tmp_path, "processmaker-3", records, PM)["PM-FILTER-002"] == "passed"


def test_pm_route_that_leaves_the_case_where_it_was(tmp_path):
    uid = f"{5:032d}"
    route = record("PUT", f"{PM}/cases/{uid}/route-case", 200, None, {})
    before = record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "DRAFT", del_index=1))
    bad = outcomes(tmp_path / "bad", "processmaker-3",
                   [before, route, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "DRAFT", del_index=1))], PM)
    good = outcomes(tmp_path / "good", "processmaker-3",
                    [before, route, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "TO_DO", del_index=2))], PM)
    assert bad["PM-LIFE-002"] == "failed"
    assert good["PM-LIFE-002"] == "passed"


def test_pm_reassign_that_keeps_the_user(tmp_path):
    uid = f"{5:032d}"
    reassign = record("PUT", f"{PM}/cases/{uid}/reassign-case", 200, None,
                      {"usr_uid_source": ADMIN, "usr_uid_target": REVIEWER})
    bad = outcomes(tmp_path / "bad", "processmaker-3",
                   [reassign, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "DRAFT", ADMIN))], PM)
    good = outcomes(tmp_path / "good", "processmaker-3",
                    [reassign, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "DRAFT", REVIEWER))], PM)
    assert bad["PM-LIFE-006"] == "failed"
    assert good["PM-LIFE-006"] == "passed"


def test_pm_paused_list_holding_an_open_case_not_paused(tmp_path):
    # the 3.5.8 server's Paused list holds TO_DO cases whose delegation is paused (vendor audit F4, F5): admitted;
    # a TO_DO case whose information shows no pause is not a paused case
    listed = record("GET", f"{PM}/cases/paused?limit=300", 200, [pm_case(5, "TO_DO")])
    paused = pm_info(5, "TO_DO")
    paused["current_task"][0]["delStatus"] = "PAUSED"
    bad = outcomes(tmp_path / "bad", "processmaker-3",
                   [listed, record("GET", f"{PM}/cases/{5:032d}", 200, pm_info(5, "TO_DO"))], PM)
    good = outcomes(tmp_path / "good", "processmaker-3", [listed, record("GET", f"{PM}/cases/{5:032d}", 200, paused)],
                    PM)
    assert bad["PM-LIST-002"] == "failed"
    assert good["PM-LIST-002"] == "passed"
