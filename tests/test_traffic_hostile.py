"""check-traffic facing hostile or generated traffic: whatever type a member holds, no check of ours breaks.

The passive checks read members of request and response bodies (`attachments`, `cases`, `results`, ...). A
property test's requests, or a broken server's answers, put any JSON type there: an integer where a list is
expected broke a check once (found on the suite's own Pega property traffic). Here every API's judge is fed,
for each documented operation and each member name its schemas speak of, requests and answers holding that
member as each JSON type, in sequences of writes and reads of the same resources, and must record no check
error (`Coverage.check_errors`, which `check-traffic` prints and `conformance prove` fails on).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from conformance.traffic import TrafficExchange, TrafficRun, judge_for

BASE = "https://server.example.com/base"
APIS = ["pega-dx-v2", "processmaker-3", "ibm-caserest-v1", "pega-fabric-hub-sync-v1"]
# each JSON type, and the shapes a check expects with the wrong type one level down
SHAPES = [1, None, "x", [1], [[1]], {"ID": 1}, [{"ID": 1, "Name": [1], "status": "x"}], {}]
STATUSES = (200, 201, 207)


def _names(node, contract, seen=None) -> set[str]:
    """Every property name an operation's request and response schemas speak of ($refs followed)."""
    seen = set() if seen is None else seen
    out: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            out |= _names(contract.lookup(ref), contract, seen)
        props = node.get("properties")
        if isinstance(props, dict):
            out |= set(props)
        for value in node.values():
            out |= _names(value, contract, seen)
    elif isinstance(node, list):
        for value in node:
            out |= _names(value, contract, seen)
    return out


def _exchanges(api: str):
    contract = judge_for(api).contract
    n = 0
    for op in sorted(contract.operations(), key=lambda o: (o.path, o.method)):
        url = BASE + re.sub(r"\{[^}]+\}", lambda m: quote("A-1" if "ID" in m.group(0) else "x", safe=""), op.path)
        for name in sorted(_names(op.definition, contract)):
            for shape in SHAPES:
                for status in STATUSES:
                    body = json.dumps({name: shape}).encode()
                    n += 1
                    # the write with the member in its request, then in its answer, then a read answering it
                    yield TrafficExchange(id=f"ex-{n}", method=op.method, url=url,
                                          request_headers={"If-Match": '"20250117T144833.923 GMT"'},
                                          request_body=body, status=status,
                                          response_headers={"Content-Type": "application/json",
                                                            "ETag": '"20250117T144833.923 GMT"'},
                                          body=body)


@pytest.mark.parametrize("api", APIS)
def test_no_check_breaks_on_a_member_of_any_type(api):
    run = TrafficRun(api, base_url=BASE)
    count = 0
    for ex in _exchanges(api):
        run.add(ex)
        count += 1
    assert count > 500  # every operation's members were sent
    assert not run.coverage.check_errors, "\n".join(run.coverage.check_errors)


def test_a_broken_check_is_counted_and_the_judging_goes_on(monkeypatch):
    """A check of ours that raises is a defect of the suite: counted with its place and first exchange,
    printed by check-traffic, failed by prove; the other exchanges are still judged."""
    from conformance.traffic import print_coverage
    from conformance.traffic_apis import PegaJudge
    from rich.console import Console

    def broken(self, ex, op, key):
        raise KeyError("boom")

    monkeypatch.setattr(PegaJudge, "judge", broken)
    run = TrafficRun("pega-dx-v2", base_url=BASE)
    exchanges = list(_exchanges("pega-dx-v2"))[:50]
    for ex in exchanges:
        run.add(ex)
    assert run.coverage.judged == 50  # every exchange was still judged
    (what, n), = run.coverage.check_errors.items()  # one error, counted where the suite raised it
    assert what.startswith("KeyError at traffic.py:") and "first on GET" in what and n == 50
    console = Console(record=True, width=200)
    print_coverage(console, {**run.coverage.as_dict(run.judge.contract)})
    assert "a check of the suite broke" in console.export_text()


def test_a_broken_multipart_upload_is_not_judged_and_prints_nothing(caplog):
    """python-multipart logs a warning for each broken part header; prove printed one line per generated upload."""
    from conformance.traffic_pega import multipart_parts

    ex = TrafficExchange(id="ex-1", method="POST", url=BASE + "/attachments/upload",
                         request_headers={"Content-Type": "multipart/form-data; boundary=b"},
                         request_body=b"--b\r\nCon[tent: x\r\n\r\nhi\r\n--b--\r\n", status=201)
    with caplog.at_level("DEBUG"):
        assert multipart_parts(ex) is None
    assert not [r for r in caplog.records if "invalid character" in r.getMessage()]  # no log line reaches a handler


def test_a_body_an_older_log_cut_at_64_kib_is_not_judged_whatever_the_limit_now():
    """The log's cut mark tells a cut body; a log written with a smaller limit than today's is still read right."""
    from conformance.traffic import _from_record

    cut = '{"cases": [' + "1," * 32_000 + "... [9000 more bytes]"
    ex = _from_record({"method": "GET", "url": BASE + "/cases", "status": 200, "response_body": cut}, 1, "log")
    assert not ex.body_known
    whole = _from_record({"method": "GET", "url": BASE + "/cases", "status": 200, "response_body": "[1]"}, 2, "log")
    assert whole.body_known
