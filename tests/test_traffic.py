"""conformance.traffic: passive runs judge recorded traffic requirement by requirement.

* the real Pega recordings (tests/corpus/pega-dx-v2), made into a HAR, are judged without a false failure;
* a sample of emulator faults, one per API, run actively and their exchanges.jsonl judged passively: the
  passive run flags the fault's requirement (the whole matrix: python -m conformance.traffic_matrix);
* bad input is a clear error and exit 2, never a traceback; HAR 1.1's quirks are read; memory stays flat
  on a HAR streamed from a generator.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from traffic_har import BASE, SyntheticHar, corpus_har, entry, har  # tests/ is on sys.path

from conformance import prove
from conformance.traffic import TrafficError, check_traffic, read_traffic

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "pega-dx-v2"


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance.cli", *args], input=stdin.decode() if stdin else None,
                          capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------------------- real recordings


def test_real_pega_recordings_as_a_har_are_judged_without_a_false_failure(tmp_path):
    path = tmp_path / "corpus.har"
    path.write_text(json.dumps(har(corpus_har(CORPUS)["log"]["entries"])), encoding="utf-8")
    doc = check_traffic("pega-dx-v2", [path], out=tmp_path / "run")
    flagged = {rid: r["messages"] for rid, r in doc["requirements"].items() if r["outcome"] not in
               ("passed", "skipped")}
    assert flagged == {}
    traffic = doc["traffic"]
    assert traffic["exchanges_judged"] == 51 + 1  # every recording, and the redirect (counted, not judged)
    assert traffic["redirects"] == 1 and traffic["undocumented"] == {}
    assert traffic["outside_api"] == {"cdn.example.com": 1}
    assert doc["requirements"]["PEGA-SCHEMA-001"]["outcome"] == "passed"
    assert doc["source"] == "traffic" and (tmp_path / "run" / "junit.xml").is_file()
    log = (tmp_path / "run" / "exchanges.jsonl").read_text(encoding="utf-8")
    assert "recorded-client-token-0001" not in log and len(log.splitlines()) == 53


def test_the_base_path_is_found_from_the_traffic(tmp_path):
    """A server whose API lives under another prefix than the spec's servers: the prefix is discovered."""
    entries = corpus_har(CORPUS)["log"]["entries"]
    for e in entries:
        e["request"]["url"] = e["request"]["url"].replace("/prweb/api/application/v2", "/prweb/app/tenant/api/application/v2")
    path = tmp_path / "moved.har"
    path.write_text(json.dumps(har(entries)), encoding="utf-8")
    doc = check_traffic("pega-dx-v2", [path], out=tmp_path / "run")
    assert doc["traffic"]["base_paths"] == {"pega.example.com": "/prweb/app/tenant/api/application/v2"}
    assert doc["traffic"]["exchanges_judged"] == 52


def test_a_broken_response_is_a_finding_at_its_member_path(tmp_path):
    body = json.dumps({"data": {"caseInfo": {"ID": "X R-1", "status": 7}}}).encode()
    path = tmp_path / "bad.har"
    path.write_text(json.dumps(har([entry("GET", f"{BASE}/cases/X%20R-1", 200, body,
                                          request_headers={"Authorization": "Bearer t-0001"})])), encoding="utf-8")
    result = cli("check-traffic", "--api", "pega-dx-v2", "--no-allure", "--out", str(tmp_path / "run"), str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    messages = " ".join(doc["requirements"]["PEGA-SCHEMA-001"]["messages"])
    assert "$.data.caseInfo.status" in messages
    assert doc["requirements"]["PEGA-ETAG-001"]["outcome"] == "failed"  # GET /cases/{ID} 200 without an ETag
    assert doc["requirements"]["PEGA-CASE-002"]["messages"] == ["not observed in the traffic"]
    assert doc["requirements"]["PEGA-CASE-002"]["outcome"] == "skipped"


# --------------------------------------------------------------------------- faults, judged passively

SAMPLE = [("pega-dx-v2", "etag-not-advanced"), ("processmaker-3", "default-order-asc"),
          ("ibm-caserest-v1", "put-ignored"), ("pega-fabric-hub-sync-v1", "batch-no-limit")]


@pytest.mark.matrix
@pytest.mark.parametrize(("api", "fault"), SAMPLE, ids=[f"{a}:{f}" for a, f in SAMPLE])
def test_fault_seen_by_the_active_run_is_flagged_from_its_traffic(tmp_path, api, fault):
    breaks = prove.emulator_registry(api)[0][fault].breaks
    t = prove.trial(api, (fault,), workdir=tmp_path, max_examples=5, run_args=("--requirement", breaks))
    assert t.outcomes[breaks] == "failed"
    doc = check_traffic(api, [tmp_path / "run" / "exchanges.jsonl"], out=tmp_path / "passive")
    assert doc["requirements"][breaks]["outcome"] == "failed", doc["requirements"][breaks]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("content", "says"), [
    (b'{"log": {"version": "1.2", "entries": [{"request": {"method": "GET", "url": "http://x/"}, "resp',
     "not a complete JSON document"),
    (b'{"hello": "world"}', "not a HAR file: it has no log.entries array"),
    (b"GET / HTTP/1.1\r\n", "neither a HAR file nor an exchange log"),
    (json.dumps(har([{"request": {"method": "GET", "url": f"{BASE}/cases/A"}}])).encode(),
     "entry 1: GET https://pega.example.com/prweb/api/application/v2/cases/A has no response object"),
    (b'{"id": "ex-1", "method": "GET", "url": "http://x/"}\n{"id": "ex-2", "meth', "line 2: not JSON"),
], ids=["truncated", "not-har", "not-json", "no-response", "truncated-jsonl"])
def test_bad_input_is_a_clear_error_and_exit_2(tmp_path, content, says):
    path = tmp_path / ("input.jsonl" if content.startswith(b'{"id"') else "input.har")
    path.write_bytes(content)
    result = cli("check-traffic", "--api", "pega-dx-v2", "--out", str(tmp_path / "run"), str(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert says in " ".join(result.stdout.split()) and "Traceback" not in result.stdout + result.stderr


def test_a_2_gb_file_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.har"
    with path.open("wb") as fh:
        fh.truncate(2 * 1024 ** 3)  # sparse: 2 GB of zeros, nothing on disk
    result = cli("check-traffic", "--api", "pega-dx-v2", "--out", str(tmp_path / "run"), str(path))
    assert result.returncode == 2 and "neither a HAR file nor an exchange log" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_har_1_1_quirks_are_read(tmp_path):
    """No content.size, postData with params only, no startedDateTime: read, judged, no error."""
    e = entry("POST", f"{BASE}/cases", 201, json.dumps({"ID": "X R-2"}).encode(),
              headers={"ETag": '"20250117T144833.923 GMT"', "Location": "/cases/X%20R-2"},
              request_headers={"Authorization": "Bearer t-0001"})
    del e["response"]["content"]["size"], e["startedDateTime"]
    e["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded",
                                "params": [{"name": "caseTypeID", "value": "A-B"}]}
    e["log_version"] = "1.1"
    path = tmp_path / "old.har"
    path.write_text(json.dumps({"log": {"version": "1.1", "entries": [e]}}), encoding="utf-8")
    (ex,) = list(read_traffic([path]))
    assert ex.request_body == b"caseTypeID=A-B" and ex.started is None
    result = cli("check-traffic", "--api", "pega-dx-v2", "--out", str(tmp_path / "run"), str(path))
    assert result.returncode in (0, 1) and "Traceback" not in result.stdout + result.stderr


def test_standard_input_is_read(tmp_path):
    body = json.dumps(har([entry("GET", f"{BASE}/cases/X", 401, b"",
                                 request_headers={})])).encode()
    result = cli("check-traffic", "--api", "pega-dx-v2", "--out", str(tmp_path / "run"), "-", stdin=body)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    assert doc["requirements"]["PEGA-AUTH-001"]["outcome"] == "passed"


def test_memory_stays_flat_on_a_streamed_har(tmp_path):
    """A HAR made while it is read (never whole anywhere): entries are parsed, judged, logged and dropped one by
    one, so the peak of Python's allocations does not grow with the input (five times the entries, about the
    same peak)."""
    peaks, sizes = [], []
    for n in (200, 1000):
        source = SyntheticHar(n)
        tracemalloc.start()
        try:
            doc = check_traffic("pega-dx-v2", [source], out=tmp_path / f"run-{n}", base_url=BASE)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        sizes.append(source.size)
        assert doc["traffic"]["exchanges_judged"] == n and doc["verdict"]["passed"], doc["verdict"]
    assert peaks[1] < peaks[0] * 1.25 + 256 * 1024, (peaks, sizes)
    assert peaks[1] < 4 * 1024 * 1024, (peaks, sizes)


def test_traffic_errors_name_the_file(tmp_path):
    with pytest.raises(TrafficError, match="absent.har: cannot read"):
        list(read_traffic([tmp_path / "absent.har"]))


# --------------------------------------------------------------------------- the compiled fast path


def _mutations(body):
    """The body, and bodies that break it the ways servers do: a member of the wrong type, one left out."""
    yield body
    if isinstance(body, dict):
        for key, value in list(body.items())[:3]:
            yield {**body, key: 12345 if isinstance(value, str) else "x"}
            yield {k: v for k, v in body.items() if k != key}
            if isinstance(value, dict):
                for inner in _mutations(value):
                    yield {**body, key: inner}


def test_the_compiled_fast_path_gives_exactly_jsonschemas_problems():
    from conformance.contract import Contract
    from conformance.suites import spec_path

    fast, slow = Contract.from_file(spec_path("pega-dx-v2"), check=False), Contract.from_file(
        spec_path("pega-dx-v2"), check=False)
    slow._fast_check = lambda pointer: None  # jsonschema alone
    judged = invalid = 0
    for item in json.loads((CORPUS / "manifest.json").read_text()):
        body = json.loads((CORPUS / "responses" / item["file"]).read_bytes())
        pointer = fast.operation(item["method"], item["path"]).schema_pointer(item["status"])
        if pointer is None:
            continue
        assert fast._fast_check(pointer) is not None, f"{pointer}: no compiled validator"
        for variant in _mutations(body):
            expected = slow.body_problems(pointer, variant)
            assert fast.body_problems(pointer, variant) == expected, (item["file"], variant)
            judged += 1
            invalid += bool(expected)
    assert judged > 500 and invalid > 200  # both verdicts were exercised


def test_a_404_for_an_id_with_an_encoded_slash_is_the_fronts_not_the_operations(tmp_path):
    """A web server's front refuses a path holding %2F before the API sees it (Apache's AllowEncodedSlashes,
    the emulator's router): recorded, not judged against PUT /associations/{ID}'s statuses; the same 404 for
    a plain ID still is a finding."""
    hub = "http://hub.example.com/prweb/api/ppf/v1/associations"
    body = json.dumps({"errors": [{"message": "No resource at PUT /prweb/api/ppf/v1/associations/a/b"}]}).encode()
    headers = {"Content-Type": "application/json"}
    for name, url, outcome in (("slash", f"{hub}/a%2Fb", "skipped"), ("plain", f"{hub}/a-b", "failed")):
        path = tmp_path / f"{name}.har"
        path.write_text(json.dumps(har([entry("PUT", url, 404, body, headers=headers,
                                              request_headers={"Authorization": "Bearer t-0001"})])), encoding="utf-8")
        doc = check_traffic("pega-fabric-hub-sync-v1", [path], base_url="http://hub.example.com/prweb/api/ppf/v1")
        schema = doc["requirements"]["HUB-SCHEMA-001"]
        assert schema["outcome"] == outcome, (name, schema)
        assert ("encoded_slash_answered_404" in schema["observations"]) == (name == "slash"), schema
