"""conformance.traffic_pega: the Pega DX v2 checks over a sequence of exchanges, each family on a small HAR with
the defect (the check fires under its requirement) and the same traffic without it (it does not)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from traffic_har import BASE, entry, har  # tests/ is on sys.path

from conformance.traffic import check_traffic

AUTH = {"Authorization": "Bearer t-0001"}
CASE = "O-W R-1"
URL = f"{BASE}/cases/{quote(CASE)}"
ASSIGNMENT = f"ASSIGN-WORKLIST {CASE}!FLOW"
A_URL = f"{BASE}/assignments/{quote(ASSIGNMENT, safe='')}"


def outcomes(tmp_path: Path, entries: list[dict[str, Any]]) -> dict[str, str]:
    for second, e in enumerate(entries):  # one after the other: each answer seen before the next request
        e["startedDateTime"] = f"2025-01-17T14:{second // 60:02d}:{second % 60:02d}.000Z"
    path = tmp_path / f"traffic-{len(list(tmp_path.iterdir()))}.har"
    path.write_text(json.dumps(har(entries)), encoding="utf-8")
    doc = check_traffic("pega-dx-v2", [path])
    return {rid: r["outcome"] for rid, r in doc["requirements"].items()}


def call(method: str, url: str, status: int, body: Any = None, request: Any = None,
         headers: dict[str, str] | None = None, request_headers: dict[str, str] | None = None) -> dict[str, Any]:
    raw = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    sent = None if request is None else (request if isinstance(request, str) else json.dumps(request))
    return entry(method, url, status, raw, headers=headers, request_headers={**AUTH, **(request_headers or {})},
                 request_body=sent, b64=isinstance(body, bytes))


def case_body(stage: str = "PRIM0", content: dict[str, Any] | None = None, action: str | None = "Step1",
              case: str = CASE) -> dict[str, Any]:
    info: dict[str, Any] = {"ID": case, "stageID": stage, "content": content or {}}
    if action is not None:
        info["assignments"] = [{"ID": ASSIGNMENT, "actions": [{"ID": action}]}]
    return {"data": {"caseInfo": info}}


def created(content: dict[str, Any] | None = None, stage: str = "PRIM0", **request: Any) -> dict[str, Any]:
    return call("POST", f"{BASE}/cases", 201, {"ID": CASE, **case_body(stage, content)},
                {"caseTypeID": "O-W", "content": content or {}, **request}, headers={"Location": URL})


def read(stage: str = "PRIM0", content: dict[str, Any] | None = None, action: str | None = "Step1",
         etag: str | None = None) -> dict[str, Any]:
    return call("GET", URL, 200, case_body(stage, content, action), headers={"ETag": etag} if etag else None)


def flagged(result: dict[str, str], requirement: str) -> bool:
    return result.get(requirement) in ("failed", "warning")


# --------------------------------------------------------------------------- cases and assignments


@pytest.mark.parametrize("moved", [False, True])
def test_a_submit_that_leaves_the_case_where_it_was_is_assign_001(tmp_path, moved):
    """The requirement: a submit moves the case on; the answer said nothing of where (no nextAssignmentInfo)."""
    submit = call("PATCH", f"{A_URL}/actions/Step1", 200, case_body(), {"content": {}},
                  request_headers={"If-Match": '"20250117T144833.923 GMT"'})
    after = read("PRIM1" if moved else "PRIM0")
    result = outcomes(tmp_path, [read(), submit, after])
    assert flagged(result, "PEGA-ASSIGN-001") is not moved


def test_a_submit_that_says_where_the_case_went_is_not_judged_by_the_read_after(tmp_path):
    submit = call("PATCH", f"{A_URL}/actions/Step1", 200, {**case_body(), "confirmationNote": "Thank you"},
                  {"content": {}}, request_headers={"If-Match": '"20250117T144833.923 GMT"'})
    assert not flagged(outcomes(tmp_path, [read(), submit, read()]), "PEGA-ASSIGN-001")


@pytest.mark.parametrize("left", [False, True])
def test_a_case_deleted_after_leaving_the_stage_it_was_created_in_is_case_002(tmp_path, left):
    result = outcomes(tmp_path, [created(), read("PRIM1" if left else "PRIM0"), call("DELETE", URL, 200)])
    assert flagged(result, "PEGA-CASE-002") is left


def test_a_case_still_readable_after_its_delete_is_case_002(tmp_path):
    assert flagged(outcomes(tmp_path, [created(), call("DELETE", URL, 200), read()]), "PEGA-CASE-002")
    assert not flagged(outcomes(tmp_path, [created(), call("DELETE", URL, 200),
                                           call("GET", URL, 404, {"errorDetails": []})]), "PEGA-CASE-002")


@pytest.mark.parametrize("kept", [False, True])
def test_content_written_then_read_otherwise_is_case_003(tmp_path, kept):
    update = call("PATCH", f"{URL}/actions/pyUpdateCaseDetails", 200, case_body(),
                  {"content": {"pyLabel": "second"}}, request_headers={"If-Match": '"20250117T144833.923 GMT"'})
    result = outcomes(tmp_path, [created({"pyLabel": "first"}), read(content={"pyLabel": "first"}), update,
                                 read(content={"pyLabel": "second" if kept else "first"})])
    assert flagged(result, "PEGA-CASE-003") is not kept


def test_content_after_another_write_or_left_out_of_the_view_is_not_compared(tmp_path):
    step = call("PATCH", f"{A_URL}/actions/Step1", 200, {**case_body(), "confirmationNote": "ok"},
                {"content": {"pyLabel": "by the flow"}}, request_headers={"If-Match": '"20250117T144833.923 GMT"'})
    result = outcomes(tmp_path, [created({"pyLabel": "first", "Other": 1}), step,
                                 read(content={"pyLabel": "by the flow"}), created({"pyLabel": "x"}), read()])
    assert not flagged(result, "PEGA-CASE-003")


@pytest.mark.parametrize("broken", [False, True])
def test_a_lock_release_that_moves_the_etag_is_lock_001(tmp_path, broken):
    before, after = '"20250117T144833.923 GMT"', '"20250117T150000.000 GMT"'
    result = outcomes(tmp_path, [read(etag=before), call("DELETE", f"{URL}/updates", 200, {}),
                                 read(etag=after if broken else before)])
    assert flagged(result, "PEGA-LOCK-001") is broken


@pytest.mark.parametrize("broken", ["missing-result", "not-applied", None])
def test_bulk_results_and_their_content(tmp_path, broken):
    other = "O-W R-2"
    results = [{"ID": CASE, "status": 200}] + ([] if broken == "missing-result" else [{"ID": other, "status": 200}])
    bulk = call("PATCH", f"{BASE}/cases?actionID=pyUpdateCaseDetails", 207, {"results": results},
                {"cases": [{"ID": CASE}, {"ID": other}], "content": {"pyLabel": "bulk"}})
    result = outcomes(tmp_path, [bulk, read(content={"pyLabel": "old" if broken == "not-applied" else "bulk"})])
    assert flagged(result, "PEGA-BULK-001") is (broken is not None)


@pytest.mark.parametrize("named", [False, True])
def test_a_child_missing_from_its_parents_descendants_is_hier_001(tmp_path, named):
    child = "O-W R-2"
    make = call("POST", f"{BASE}/cases", 201, {"ID": child, **case_body(case=child)},
                {"caseTypeID": "O-W", "parentCaseID": CASE, "content": {}},
                headers={"Location": f"{BASE}/cases/{quote(child)}"})
    listed = {"descendants": [{"ID": child}] if named else []}
    result = outcomes(tmp_path, [make, call("GET", f"{URL}/descendants", 200, listed)])
    assert flagged(result, "PEGA-HIER-001") is not named


# --------------------------------------------------------------------------- attachments


def upload(files: list[tuple[str, str, bytes]], upload_id: str = "U-1", status: int = 201,
           fields: dict[str, str] | None = None) -> dict[str, Any]:
    """POST /attachments/upload as multipart/form-data: (part name, file name, bytes) parts and plain fields."""
    boundary = "conformance-boundary"
    chunks = []
    for name, value in (fields if fields is not None else {"context": "self"}).items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for part, file_name, data in files:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{part}"; filename="{file_name}"\r\n'
                      f'Content-Type: text/plain\r\n\r\n'.encode() + data + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    e = call("POST", f"{BASE}/attachments/upload", status, {"ID": upload_id} if status == 201 else
             {"errorClassification": "Bad Request", "localizedValue": "no", "errorDetails": [
                 {"message": "no", "localizedValue": "context is required"}]},
             request_headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    e["request"]["postData"] = {"mimeType": f"multipart/form-data; boundary={boundary}",
                                "text": base64.b64encode(body).decode(), "encoding": "base64"}
    return e


def attach(items: list[dict[str, Any]], status: int = 201, case: str = CASE) -> dict[str, Any]:
    return call("POST", f"{BASE}/cases/{quote(case)}/attachments", status, {"attachments": []}, {"attachments": items})


def listing(items: list[dict[str, Any]], case: str = CASE) -> dict[str, Any]:
    return call("GET", f"{BASE}/cases/{quote(case)}/attachments", 200, {"attachments": items})


def item(att: str, file_name: str, kind: str = "FILE", **more: Any) -> dict[str, Any]:
    return {"ID": att, "name": file_name.rsplit(".", 1)[0], "fileName": file_name, "extension": "txt",
            "category": "File", "type": kind, "createdBy": "u", "createTime": "2025-01-17T14:48:33.923Z",
            "links": {"download": {"href": f"/attachments/{att}"}, "delete": {"href": f"/attachments/{att}"}}, **more}


@pytest.mark.parametrize("kept", ["first.txt", "second.txt"])
def test_an_upload_of_several_files_keeps_the_first(tmp_path, kept):
    entries = [upload([("content", "first.txt", b"A"), ("content", "second.txt", b"B")]),
               attach([{"type": "File", "ID": "U-1", "category": "File"}]), listing([item("L-1", kept)])]
    assert flagged(outcomes(tmp_path, entries), "PEGA-ATT-003") is (kept != "first.txt")


@pytest.mark.parametrize("kind", ["URL", "FILE"])
def test_a_url_listed_as_a_file_is_att_005(tmp_path, kind):
    link = {"ID": "L-1", "name": "link", "category": "URL", "type": kind, "url": "https://example.com/x"}
    entries = [attach([{"type": "URL", "url": "https://example.com/x", "category": "URL"}]), listing([link])]
    assert flagged(outcomes(tmp_path, entries), "PEGA-ATT-005") is (kind == "FILE")


@pytest.mark.parametrize("defect", [None, "bytes", "name", "base64"])
def test_a_download_returns_the_uploaded_bytes_and_name(tmp_path, defect):
    name = "données-été.txt"
    stream_name = "donn?es-?t?.txt" if defect == "name" else name
    data = b"hello \xff bytes"
    served = b"\x00" + data[1:] if defect == "bytes" else data
    text = base64.b64encode(b"other" if defect == "base64" else data)
    entries = [upload([("content", name, data)]), attach([{"type": "File", "ID": "U-1", "category": "File"}]),
               listing([item("L-1", name)]),
               call("GET", f"{BASE}/attachments/L-1?mode=stream", 200, served, headers={
                   "Content-Type": "text/plain",
                   "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stream_name)}"}),
               call("GET", f"{BASE}/attachments/L-1?mode=string", 200, text, headers={"Content-Type": "text/plain"})]
    assert flagged(outcomes(tmp_path, entries), "PEGA-ATT-006") is (defect is not None)


@pytest.mark.parametrize("status", [403, 201])
def test_attaching_into_a_category_without_can_create_is_att_008(tmp_path, status):
    cats = {"attachment_categories": [{"ID": "Secret", "canCreate": False, "canView": True, "canEdit": False,
                                       "canDeleteOwn": False, "canDeleteAll": False}]}
    entries = [call("GET", f"{URL}/attachment_categories?type=File", 200, cats), upload([("content", "s.txt", b"s")]),
               attach([{"type": "File", "ID": "U-1", "category": "Secret"}], status)]
    assert flagged(outcomes(tmp_path, entries), "PEGA-ATT-008") is (status == 201)


@pytest.mark.parametrize("leaks", [False, True])
def test_a_list_holding_another_cases_attachment_is_att_009(tmp_path, leaks):
    other = "O-W R-2"
    entries = [listing([item("L-1", "a.txt")]), listing([item("L-1", "a.txt")] if leaks else [], case=other)]
    assert flagged(outcomes(tmp_path, entries), "PEGA-ATT-009") is leaks


@pytest.mark.parametrize("landed", [False, True])
def test_attachments_of_the_create_body_land_on_the_case(tmp_path, landed):
    inline = {"fileName": "with-create.txt", "fileContent": base64.b64encode(b"x").decode(), "mimeType": "text/plain"}
    entries = [created(attachments=[inline]), listing([item("L-1", "with-create.txt")] if landed else [])]
    assert flagged(outcomes(tmp_path, entries), "PEGA-ATT-010") is not landed


@pytest.mark.parametrize("status", [201, 400, 500])
def test_the_client_upload_form_is_accepted_or_refused_never_broken(tmp_path, status):
    form = upload([("file", "client.txt", b"hello")], status=status, fields={"appendUniqueIdToFileName": "true"})
    result = outcomes(tmp_path, [form])
    assert flagged(result, "PEGA-ATT-013") is (status == 500)
    assert not flagged(result, "PEGA-ATT-002")  # its missing context is ATT-013's, which admits an acceptance


# --------------------------------------------------------------------------- data views


def page(number: int, rows: list[int], size: int = 2, more: bool = True, total: bool = False) -> dict[str, Any]:
    request: dict[str, Any] = {"paging": {"pageNumber": number, "pageSize": size}}
    if total:
        request["includeTotalCount"] = True
    return call("POST", f"{BASE}/data_views/D_Rows", 200,
                {"data": [{"n": r} for r in rows], "hasMoreResults": more, "pageNumber": number, "pageSize": size},
                request)


@pytest.mark.parametrize("count", [3, 4])
def test_a_count_that_disagrees_with_a_whole_walk_is_dv_004(tmp_path, count):
    entries = [page(1, [1, 2], total=True), page(2, [3], more=False),
               call("POST", f"{BASE}/data_views/D_Rows/count", 200, {"totalCount": count}, {})]
    assert flagged(outcomes(tmp_path, entries), "PEGA-DV-004") is (count != 3)


def test_a_walk_whose_first_page_asks_for_the_total_is_still_a_walk(tmp_path):
    """Page 1 with includeTotalCount and page 2 without are pages of one walk: their shared row is DV-001."""
    assert flagged(outcomes(tmp_path, [page(1, [1, 2], total=True), page(2, [2, 3])]), "PEGA-DV-001")
    assert not flagged(outcomes(tmp_path, [page(1, [1, 2], total=True), page(2, [3, 4])]), "PEGA-DV-001")


# --------------------------------------------------------------------------- collaboration


@pytest.mark.parametrize("group,member,requirement", [("tags", "Name", "PEGA-TAG-001"),
                                                      ("followers", "ID", "PEGA-FOLLOW-001")])
@pytest.mark.parametrize("stays", [False, True])
def test_an_item_removed_then_still_listed(tmp_path, group, member, requirement, stays):
    listed = {group: [{"ID": "I-1", member: "I-1"}]}
    entries = [call("GET", f"{URL}/{group}", 200, listed), call("DELETE", f"{URL}/{group}/I-1", 200, {}),
               call("GET", f"{URL}/{group}", 200, listed if stays else {group: []})]
    assert flagged(outcomes(tmp_path, entries), requirement) is stays


@pytest.mark.parametrize("others_kept", [False, True])
def test_removing_one_related_case_removes_no_other(tmp_path, others_kept):
    both = {"relatedCases": [{"ID": "O-W R-2"}, {"ID": "O-W R-3"}]}
    after = {"relatedCases": [{"ID": "O-W R-3"}] if others_kept else []}
    entries = [call("GET", f"{URL}/related_cases", 200, both),
               call("DELETE", f"{URL}/related_cases/{quote('O-W R-2')}", 200, {}),
               call("GET", f"{URL}/related_cases", 200, after)]
    assert flagged(outcomes(tmp_path, entries), "PEGA-REL-001") is not others_kept


@pytest.mark.parametrize("stored", [False, True])
def test_a_follower_added_but_not_listed_is_follow_001(tmp_path, stored):
    add = call("POST", f"{URL}/followers", 207, {"results": [{"ID": "u1", "status": "201"}]}, {"users": [{"ID": "u1"}]})
    entries = [add, call("GET", f"{URL}/followers", 200, {"followers": [{"ID": "u1"}] if stored else []})]
    assert flagged(outcomes(tmp_path, entries), "PEGA-FOLLOW-001") is not stored


@pytest.mark.parametrize("status", ["409", "201"])
def test_a_follower_added_twice_is_refused_the_second_time(tmp_path, status):
    entries = [call("GET", f"{URL}/followers", 200, {"followers": [{"ID": "u1"}]}),
               call("POST", f"{URL}/followers", 207, {"results": [{"ID": "u1", "status": status}]},
                    {"users": [{"ID": "u1"}]})]
    assert flagged(outcomes(tmp_path, entries), "PEGA-FOLLOW-001") is (status == "201")


@pytest.mark.parametrize("removed", [False, True])
def test_a_removed_participant_is_404(tmp_path, removed):
    gone = f"{URL}/participants/P-1"
    entries = [call("DELETE", gone, 200, {}, request_headers={"If-Match": '"20250117T144833.923 GMT"'}),
               call("GET", gone, 404 if removed else 200, {"errorDetails": []} if removed else {"data": {}})]
    assert flagged(outcomes(tmp_path, entries), "PEGA-PART-001") is not removed


# --------------------------------------------------------------------------- eTag locks of their own requirement


@pytest.mark.parametrize("path,requirement", [("navigation_steps/Step1", "PEGA-NAV-002"),
                                              ("actions/Step1/recalculate", "PEGA-RECALC-001")])
def test_a_stale_if_match_applied_is_the_operations_own_requirement(tmp_path, path, requirement):
    old, new = '"20250117T144833.923 GMT"', '"20250117T150000.000 GMT"'
    entries = [read(etag=new), call("PATCH", f"{A_URL}/{path}", 200, case_body(), {},
                                    headers={"ETag": '"20250117T160000.000 GMT"'}, request_headers={"If-Match": old})]
    result = outcomes(tmp_path, entries)
    assert flagged(result, requirement) and not flagged(result, "PEGA-ETAG-003")


@pytest.mark.parametrize("other_writer", [True, False])
def test_a_stale_write_answering_the_current_etag(tmp_path, other_writer):
    """Navigation back with a stale If-Match, accepted with the eTag another write had answered: stale (NAV-001). The
    same answer where only a read showed that eTag is the write's own result, read early by a concurrent GET."""
    old, new = '"20250117T144833.923 GMT"', '"20250117T150000.000 GMT"'
    first = [read(etag=old)]
    if other_writer:
        first.append(call("PATCH", f"{URL}/actions/pyUpdateCaseDetails", 200, case_body(), {"content": {}},
                          headers={"ETag": new}, request_headers={"If-Match": old}))
    back = call("PATCH", f"{A_URL}/navigation_steps/previous", 200, case_body(), {}, headers={"ETag": new},
                request_headers={"If-Match": old})
    assert flagged(outcomes(tmp_path, [*first, read(etag=new), back]), "PEGA-NAV-001") is other_writer
