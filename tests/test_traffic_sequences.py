"""Passive sequence checks of ProcessMaker 3, IBM CASEREST v1 and the Fabric Hub: each family on a small
exchange log with the defect and without it (the check fires on the one, not on the other).

The logs are the suite's own exchanges.jsonl form (conformance.http.Exchange.as_record); no server runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.traffic import check_traffic

PM = "http://pm.example/api/1.0/workflow"
ADMIN, REVIEWER = "0" * 31 + "1", "2" + "0" * 30 + "2"


def record(method: str, url: str, status: int, body: Any = None, request: Any = None) -> dict[str, Any]:
    return {"id": "", "method": method, "url": url, "status": status,
            "request_headers": {"Authorization": "Bearer t", "Content-Type": "application/json"},
            "request_body": "" if request is None else json.dumps(request),
            "response_headers": {"Content-Type": "application/json"},
            "response_body": "" if body is None else json.dumps(body), "elapsed_ms": 1.0, "error": None}


def fires(tmp_path: Path, api: str, base_url: str, requirement: str, bad: list[dict[str, Any]],
          good: list[dict[str, Any]]) -> None:
    """The check under `requirement` fails the traffic with the defect and passes the same traffic without it."""
    assert outcomes(tmp_path / "bad", api, bad, base_url)[requirement] == "failed"
    assert outcomes(tmp_path / "good", api, good, base_url)[requirement] == "passed"


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
    fires(tmp_path, "processmaker-3", PM, "PM-FILTER-003",
          [unfiltered, record("GET", ranged, 200, [every[2]])],
          [unfiltered, record("GET", ranged, 200, every[1:])])


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
    fires(tmp_path, "processmaker-3", PM, "PM-LIFE-002",
          [before, route, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "DRAFT", del_index=1))],
          [before, route, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "TO_DO", del_index=2))])


def test_pm_reassign_that_keeps_the_user(tmp_path):
    uid = f"{5:032d}"
    reassign = record("PUT", f"{PM}/cases/{uid}/reassign-case", 200, None,
                      {"usr_uid_source": ADMIN, "usr_uid_target": REVIEWER})
    fires(tmp_path, "processmaker-3", PM, "PM-LIFE-006",
          [reassign, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "DRAFT", ADMIN))],
          [reassign, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "DRAFT", REVIEWER))])


def test_pm_paused_list_holding_an_open_case_not_paused(tmp_path):
    # the 3.5.8 server's Paused list holds TO_DO cases whose delegation is paused (vendor audit F4, F5): admitted;
    # a TO_DO case whose information shows no pause is not a paused case
    listed = record("GET", f"{PM}/cases/paused?limit=300", 200, [pm_case(5, "TO_DO")])
    paused = pm_info(5, "TO_DO")
    paused["current_task"][0]["delStatus"] = "PAUSED"
    fires(tmp_path, "processmaker-3", PM, "PM-LIST-002",
          [listed, record("GET", f"{PM}/cases/{5:032d}", 200, pm_info(5, "TO_DO"))],
          [listed, record("GET", f"{PM}/cases/{5:032d}", 200, paused)])


def pm_page(cases: list[dict[str, Any]], start: int, limit: int, total: int) -> dict[str, Any]:
    return {"total": total, "start": start, "limit": limit, "sort": "app_cache_view.app_number", "dir": "desc",
            "cat_uid": "", "pro_uid": "", "search": "", "data": cases}


def test_pm_page_against_the_list_read_from_its_first_case(tmp_path):
    every = [pm_case(n) for n in range(9, 0, -1)]
    oracle = record("GET", f"{PM}/cases/paged?limit=300", 200, pm_page(every, 1, 300, 9))
    # seed 004: start=4 begins with the fourth case (the 3.5.8 server: the fifth); a page one case early overlaps
    fires(tmp_path, "processmaker-3", PM, "PM-PAGE-004",
          [oracle, record("GET", f"{PM}/cases/paged?limit=3&start=4", 200, pm_page(every[2:5], 4, 3, 9))],
          [oracle, record("GET", f"{PM}/cases/paged?limit=3&start=4", 200, pm_page(every[3:6], 4, 3, 9))])


def test_pm_total_below_what_a_page_shows(tmp_path):
    every = [pm_case(n) for n in range(9, 0, -1)]
    url = f"{PM}/cases/paged?limit=3&start=4"
    fires(tmp_path, "processmaker-3", PM, "PM-PAGE-005",
          [record("GET", url, 200, pm_page(every[3:6], 4, 3, 3))],
          [record("GET", url, 200, pm_page(every[3:6], 4, 3, 9))])


def test_pm_title_order(tmp_path):
    url = f"{PM}/cases?limit=300&sort=APP_CACHE_VIEW.APP_TITLE&dir=ASC"
    fires(tmp_path, "processmaker-3", PM, "PM-PAGE-002",
          [record("GET", url, 200, [pm_case(2, title="beta"), pm_case(1, title="alpha")])],
          [record("GET", url, 200, [pm_case(1, title="alpha"), pm_case(2, title="beta")])])


def test_pm_batch_reassign_claims_a_move_the_case_does_not_show(tmp_path):
    uid = f"{5:032d}"
    batch = record("POST", f"{PM}/cases/reassign", 200, json.dumps({"cases": [{"APP_UID": uid, "DEL_INDEX": 1}]}),
                   {"cases": [{"APP_UID": uid, "DEL_INDEX": 1}], "usr_uid_target": REVIEWER})
    fires(tmp_path, "processmaker-3", PM, "PM-LIFE-007",
          [batch, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "TO_DO", ADMIN))],
          [batch, record("GET", f"{PM}/cases/{uid}", 200, pm_info(5, "TO_DO", REVIEWER))])


def test_pm_batch_reassign_result_for_an_empty_app_uid_counts(tmp_path):
    """A case sent with APP_UID "" is answered under app_uid "" (the property test sends such IDs): its result
    is found; a batch answer without it still fails PM-LIFE-007."""
    uid = f"{5:032d}"
    sent = {"cases": [{"APP_UID": "", "DEL_INDEX": 224}, {"APP_UID": uid, "DEL_INDEX": 1}], "usr_uid_target": REVIEWER}
    results = [{"app_uid": "", "del_index": 224, "result": 0, "status": "DELEGATION_NOT_EXISTS"},
               {"app_uid": uid, "del_index": 1, "result": 0, "status": "DELEGATION_NOT_EXISTS"}]
    fires(tmp_path, "processmaker-3", PM, "PM-LIFE-007",
          [record("POST", f"{PM}/cases/reassign", 200, {"cases": results[1:]}, sent)],
          [record("POST", f"{PM}/cases/reassign", 200, {"cases": results}, sent)])


# --------------------------------------------------------------------------- IBM CASEREST v1

IBM = "http://ibm.example/CaseManager/CASEREST/v1"
TOS = "TargetObjectStore=CMTOSDH"
FOLDER = "1E56E860-263F-4321-8000-AF668868CB43"


def prop(name: str, value: Any = None, kind: str = "String", card: str = "SINGLE", **more: Any) -> dict[str, Any]:
    return {"SymbolicName": name, "Value": value, "PropertyType": kind, "Cardinality": card, "Hidden": False,
            "Required": False, "HasDependentProperties": False, **more}


def casetype(*props: dict[str, Any], edi: str = "1,0") -> dict[str, Any]:
    return {"ExternalDataIdentifier": edi, "Properties": list(props)}


def post_casetype(body: dict[str, Any], status: int, answer: Any) -> dict[str, Any]:
    return record("POST", f"{IBM}/casetype/DH2_MyCase", status, answer, {"TargetObjectStore": "CMTOSDH", **body})


def ibm_case(values: dict[str, Any]) -> dict[str, Any]:
    return {"Properties": [{"SymbolicName": k, "Value": v} for k, v in values.items()]}


def ibm_create(values: dict[str, Any]) -> dict[str, Any]:
    created = {"CaseTitle": "t", "CaseIdentifier": "c", "CaseFolderId": f"{{{FOLDER}}}"}
    return record("POST", f"{IBM}/cases", 201, created,
                  {"TargetObjectStore": "CMTOSDH", "CaseType": "DH2_MyCase", **ibm_case(values)})


def ibm_put(values: dict[str, Any]) -> dict[str, Any]:
    return record("PUT", f"{IBM}/case/{FOLDER}", 200, {}, {"TargetObjectStore": "CMTOSDH", **ibm_case(values)})


def ibm_get(values: dict[str, Any]) -> dict[str, Any]:
    return record("GET", f"{IBM}/case/{FOLDER}?{TOS}", 200, ibm_case(values))


METADATA = record("GET", f"{IBM}/casetype/DH2_MyCase?{TOS}", 200,
                  casetype(prop("DH2_Title"), prop("DH2_State"), prop("DH2_Tags", card="LIST")))
INITIAL = post_casetype({"RequestMode": "initialNewObject"}, 200,
                        casetype(prop("DH2_Title"), prop("DH2_State"), prop("DH2_Tags", card="LIST"), edi="2,0"))
CITY = prop("DH2_City", ChoiceList={"Choices": [{"Value": "Los Angeles"}, {"Value": "San Diego"},
                                                {"Value": "San Francisco"}]})
TASKS = f"{IBM}/case/{FOLDER}/tasks?{TOS}"
COMMENTS = f"{IBM}/case/{FOLDER}/comments?{TOS}&CommentType=Case"
STAGES = f"{IBM}/case/{FOLDER}/stages?{TOS}"
DELETE = record("POST", f"{IBM}/deletecase", 200, {"deletecaseresult": True},
                {"connectionpoint": "CP", "caseid": f"{{{FOLDER}}}", "tos": "CMTOSDH"})

# requirement: (traffic with the defect, the same traffic without it)
IBM_FAMILIES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    # seed 003: initialNewObject returns every property GET /casetype lists
    "IBM-TYPE-001": ([METADATA, post_casetype({"RequestMode": "initialNewObject"}, 200,
                                              casetype(prop("DH2_Title"), prop("DH2_State")))], [METADATA, INITIAL]),
    # seed 003: inProgressChanges returns only what the external data service changed
    "IBM-DEP-001": ([INITIAL, post_casetype({"RequestMode": "inProgressChanges", **ibm_case({"DH2_State": "CA"})},
                                            200, casetype(CITY, prop("DH2_Title"), edi="3,0"))],
                    [INITIAL, post_casetype({"RequestMode": "inProgressChanges", **ibm_case({"DH2_State": "CA"})},
                                            200, casetype(CITY, edi="3,0"))]),
    # seed 003 example: another DH2_State, another DH2_City list (an answer without DH2_City leaves it as it was)
    "IBM-DEP-002": ([INITIAL, post_casetype({"ExternalDataIdentifier": "2,0", **ibm_case({"DH2_State": "CA"})}, 200,
                                            casetype(CITY, edi="3,0")),
                     post_casetype({"ExternalDataIdentifier": "3,0", **ibm_case({"DH2_State": "NY"})}, 200,
                                   casetype(edi="4,0"))],
                    [INITIAL, post_casetype({"ExternalDataIdentifier": "2,0", **ibm_case({"DH2_State": "CA"})}, 200,
                                            casetype(CITY, edi="3,0")),
                     post_casetype({"ExternalDataIdentifier": "3,0", **ibm_case({"DH2_State": "NY"})}, 200,
                                   casetype(prop("DH2_City", ChoiceList={"Choices": [{"Value": "New York"}]}),
                                            edi="4,0"))]),
    # VF IBM table: GET /case shows the values the case was created with; acmdv085: arrays come back whole
    "IBM-CASE-002": ([METADATA, ibm_create({"DH2_Title": "a"}), ibm_get({"DH2_Title": None})],
                     [METADATA, ibm_create({"DH2_Title": "a"}), ibm_get({"DH2_Title": "a"})]),
    "IBM-PROP-002": ([METADATA, ibm_create({"DH2_Tags": ["x", "y"]}), ibm_get({"DH2_Tags": ["x"]})],
                     [METADATA, ibm_create({"DH2_Tags": ["x", "y"]}), ibm_get({"DH2_Tags": ["x", "y"]})]),
    # two PUTs with no read between: the second applied in part, or whole
    "IBM-LOCK-001": ([ibm_put({"DH2_Title": "b", "DH2_State": "b"}), ibm_put({"DH2_Title": "a", "DH2_State": "a"}),
                      ibm_get({"DH2_Title": "b", "DH2_State": "a"})],
                     [ibm_put({"DH2_Title": "b", "DH2_State": "b"}), ibm_put({"DH2_Title": "a", "DH2_State": "a"}),
                      ibm_get({"DH2_Title": "a", "DH2_State": "a"})]),
    # acmdv127, acmdv125: an activity added is listed
    "IBM-ACT-001": ([record("POST", TASKS, 201, {"TaskId": "{T1}"}, {"TaskTypeName": "X", "TaskName": "mine"}),
                     record("GET", TASKS, 200, {"Tasks": [{"TaskId": "{T0}", "TaskName": "Review"}]})],
                    [record("POST", TASKS, 201, {"TaskId": "{T1}"}, {"TaskTypeName": "X", "TaskName": "mine"}),
                     record("GET", TASKS, 200, {"Optional": [{"TaskId": "{T1}", "TaskName": "mine"}]})]),
    # acmdv130, acmdv129: a case comment added is listed
    "IBM-COMMENT-001": ([record("POST", f"{IBM}/case/{FOLDER}/comments?{TOS}", 201, {"Id": "{C}"},
                                {"CommentType": "Case", "CommentContext": 1, "CommentText": "hello"}),
                         record("GET", COMMENTS, 200, {"Comments": []})],
                        [record("POST", f"{IBM}/case/{FOLDER}/comments?{TOS}", 201, {"Id": "{C}"},
                                {"CommentType": "Case", "CommentContext": 1, "CommentText": "hello"}),
                         record("GET", COMMENTS, 200, {"Comments": [{"CommentText": "hello"}]})]),
    # acmdv131: BatchSize entries at most
    "IBM-HIST-001": ([record("GET", f"{IBM}/case/{FOLDER}/history?{TOS}&BatchSize=1", 200, {"Events": [{}, {}]})],
                     [record("GET", f"{IBM}/case/{FOLDER}/history?{TOS}&BatchSize=1", 200, {"Events": [{}]})]),
    # acmdv149: a stage placed on hold is released (true)
    "IBM-STAGE-001": ([record("POST", f"{STAGES}&Operation=placeCurrentStageOnHold", 200, {}),
                       record("POST", f"{STAGES}&Operation=releaseCurrentOnHoldStage", 200,
                              {"removeStageOnHoldResult": False})],
                      [record("POST", f"{STAGES}&Operation=placeCurrentStageOnHold", 200, {}),
                       record("POST", f"{STAGES}&Operation=releaseCurrentOnHoldStage", 200,
                              {"removeStageOnHoldResult": True})]),
    # acmdv121delcase: a deleted case is gone
    "IBM-DEL-001": ([DELETE, ibm_get({})],
                    [DELETE, record("GET", f"{IBM}/case/{FOLDER}?{TOS}", 404,
                                    {"UserMessage": {"Text": "The case was not found."}})]),
}


@pytest.mark.parametrize("requirement", sorted(IBM_FAMILIES))
def test_ibm_sequence_check_fires_on_the_defect_only(tmp_path, requirement):
    fires(tmp_path, "ibm-caserest-v1", IBM, requirement, *IBM_FAMILIES[requirement])


# --------------------------------------------------------------------------- Pega Process Fabric Hub

HUB = "https://hub.example/prweb/api/ppf/v1"


def registration(status: str) -> dict[str, Any]:
    return {"ID": "REG-1", "applicationName": "app", "status": status, "clientID": "c1"}


def hub_action(action: str, status: int) -> dict[str, Any]:
    return record("POST", f"{HUB}/registrations/REG-1/actions/{action}", status,
                  registration("Active") if status == 200 else {"errors": [{"message": "refused"}]})


# requirement: (traffic with the defect, the same traffic without it)
HUB_FAMILIES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    # Pega's disable page: disable applies to an Active registration
    "HUB-REG-004": ([record("GET", f"{HUB}/registrations/REG-1", 200, registration("Pending-Activation")),
                     hub_action("disable", 200)],
                    [record("GET", f"{HUB}/registrations/REG-1", 200, registration("Pending-Activation")),
                     hub_action("disable", 400)]),
    # DELETE refused while syncing; a deleted registration is gone
    "HUB-REG-006": ([record("GET", f"{HUB}/registrations/REG-1", 200, registration("Sync-InProgress")),
                     record("DELETE", f"{HUB}/registrations/REG-1", 200, None)],
                    [record("GET", f"{HUB}/registrations/REG-1", 200, registration("Pending-Activation")),
                     record("DELETE", f"{HUB}/registrations/REG-1", 200, None),
                     record("GET", f"{HUB}/registrations/REG-1", 404, {"errors": [{"message": "not found"}]})]),
}


@pytest.mark.parametrize("requirement", sorted(HUB_FAMILIES))
def test_hub_life_cycle_check_fires_on_the_defect_only(tmp_path, requirement):
    fires(tmp_path, "pega-fabric-hub-sync-v1", HUB, requirement, *HUB_FAMILIES[requirement])


def test_hub_association_create_refused(tmp_path):
    create = {"ID": "RA-1", "action": "create", "fromType": "Case", "fromID": "C-1", "toType": "Task", "toID": "T-1"}
    refused = record("PUT", f"{HUB}/associations", 400, {"errors": [{"message": "no"}]}, create)
    accepted = record("PUT", f"{HUB}/associations", 202, {"errors": []}, create)
    fires(tmp_path, "pega-fabric-hub-sync-v1", HUB, "HUB-SYNC-001", [refused], [accepted])
