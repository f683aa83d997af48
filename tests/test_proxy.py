"""conformance.proxy: a real client (httpx) through a real proxy process to a real emulator process.

* bodies pass byte for byte both ways: a 2 MB upload sent chunked (a streamed request body) comes back
  identical when downloaded straight from the emulator, and a download through the proxy equals the
  direct one; a list of several MB streams through unchanged;
* what the proxy judged live equals what `check-traffic` finds in the log it recorded;
* SIGINT stops it and writes the run folder (results.json "source": "traffic").
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conformance.cli import bundled_target
from conformance.emulators.common import EmulatorProcess, free_port
from conformance.http import Session
from conformance.traffic import check_traffic

pytestmark = pytest.mark.timeout(180)


def _target_file(tmp: Path, name: str, url: str) -> Path:
    text = (Path(__file__).resolve().parents[1] / "conformance" / "targets" / f"{name}.toml").read_text(
        encoding="utf-8").replace("http://127.0.0.1:8811", url)
    path = tmp / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Proxy:
    def __init__(self, target_file: Path, out: Path) -> None:
        self.port = free_port()
        self.out = out
        self.proc = subprocess.Popen([sys.executable, "-m", "conformance.cli", "proxy", "--target", str(target_file),
                                      "--port", str(self.port), "--out", str(out)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                assert self.proc.poll() is None, self.proc.communicate()
                time.sleep(0.05)
        raise RuntimeError("proxy did not listen")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> tuple[int, str, str]:
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, err


def _multipart(content: bytes, boundary: str = "conformance-proxy-test") -> tuple[list[bytes], str]:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"context\"\r\n\r\nself\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"big.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    chunks = [head] + [content[i:i + 65536] for i in range(0, len(content), 65536)] + [tail]
    return chunks, f"multipart/form-data; boundary={boundary}"


def test_pega_through_the_proxy_bodies_unchanged_and_findings_as_check_traffic(tmp_path):
    with EmulatorProcess("pega-dx-v2", faults=("etag-not-advanced",)) as emu:
        target = bundled_target("pega-emulator", emu.url)
        auth = {"Authorization": Session(target).tokens.header()}
        proxy = Proxy(_target_file(tmp_path, "pega-emulator", emu.url), tmp_path / "run")
        api = proxy.url + "/prweb/api/application/v2"
        try:
            with httpx.Client(headers=auth, timeout=60) as client:
                created = client.post(f"{api}/cases", json={"caseTypeID": target.fixtures.case_type_id,
                                                            "content": {"pyLabel": "through the proxy"}})
                assert created.status_code == 201, created.text
                case = created.json()["ID"]
                seg = httpx.URL("/" + case).raw_path.decode().lstrip("/").replace("/", "%2F")
                got = client.get(f"{api}/cases/{seg}")
                etag = got.headers["ETag"]
                patched = client.patch(f"{api}/cases/{seg}/actions/{target.fixtures.update_action_id}",
                                       headers={"If-Match": etag}, json={"content": {"pyLabel": "changed"}})
                assert patched.status_code == 200 and patched.headers["ETag"] == etag  # the fault
                # a 2 MB file, sent chunked: the request body streams through the proxy
                content = os.urandom(2_000_000)
                chunks, ctype = _multipart(content)
                upload = client.post(f"{api}/attachments/upload", content=iter(chunks),
                                     headers={"Content-Type": ctype})
                assert upload.status_code == 201, upload.text
                attached = client.post(f"{api}/cases/{seg}/attachments", json={"attachments": [
                    {"type": "File", "category": target.fixtures.attachment_category, "ID": upload.json()["ID"],
                     "name": "big"}]})
                assert attached.is_success, attached.text
                item = next(i for i in client.get(f"{api}/cases/{seg}/attachments").json()["attachments"]
                            if i.get("fileName") == "big.bin")
                path = (f"/prweb/api/application/v2/attachments/{httpx.URL('/' + item['ID']).raw_path.decode()[1:]}"
                        "?mode=stream")
                through = client.get(proxy.url + path)
                direct = httpx.get(emu.url + path, headers=auth, timeout=60)
            assert direct.content == content  # the upload reached the server byte for byte
            assert through.content == direct.content  # and the download came back byte for byte
            assert {k: v for k, v in through.headers.items() if k not in ("date", "server")} == \
                {k: v for k, v in direct.headers.items() if k not in ("date", "server")}
        finally:
            code, out, err = proxy.stop()
    assert "Traceback" not in out + err
    assert code == 1, out + err  # the fault is a MUST broken
    assert "PEGA-ETAG-002" in out  # said as it happened
    live = json.loads((tmp_path / "run" / "results.json").read_text())
    assert live["source"] == "traffic"
    assert live["requirements"]["PEGA-ETAG-002"]["outcome"] == "failed"
    again = check_traffic("pega-dx-v2", [tmp_path / "run" / "exchanges.jsonl"], out=tmp_path / "again",
                          base_url=target.base_url)

    def prints(doc):
        return {f["fingerprint"] for r in doc["requirements"].values() for f in r["findings"]}

    assert prints(live) == prints(again) and prints(live)
    outcomes_live = {r: v["outcome"] for r, v in live["requirements"].items()}
    outcomes_again = {r: v["outcome"] for r, v in again["requirements"].items()}
    # the log keeps 4 MiB of a body, so the 2 MB download is compared with its upload from the log too
    assert outcomes_live["PEGA-ATT-006"] == "passed"
    assert outcomes_live == outcomes_again
    log = (tmp_path / "run" / "exchanges.jsonl").read_text()
    assert auth["Authorization"].split(" ", 1)[1] not in log  # the client's token is redacted


def test_several_megabytes_stream_through_unchanged(tmp_path):
    with EmulatorProcess("processmaker-3", cases=4000) as emu:
        target = bundled_target("processmaker-emulator", emu.url)
        auth = {"Authorization": Session(target).tokens.header()}
        proxy = Proxy(_target_file(tmp_path, "processmaker-emulator", emu.url), tmp_path / "run")
        path = "/api/1.0/workflow/cases/participated?limit=4000"
        try:
            with httpx.Client(headers=auth, timeout=60) as client:
                with client.stream("GET", proxy.url + path) as streamed:
                    parts = list(streamed.iter_raw())
            direct = httpx.get(emu.url + path, headers=auth, timeout=60)
        finally:
            code, out, err = proxy.stop()
    body = b"".join(parts)
    assert len(body) > 3_000_000 and body == direct.content
    assert len(parts) > 1  # it came in pieces, not as one buffered block
    assert "Traceback" not in out + err and code == 0, out + err
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    assert doc["traffic"]["exchanges_judged"] == 1
    assert doc["requirements"]["PM-SCHEMA-001"]["outcome"] == "passed"
