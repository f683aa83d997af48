"""Target files: a bad file fails before any request, naming the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conformance.target import TargetError, load, parse

ROOT = Path(__file__).resolve().parents[1]


def minimal(**over):
    data = {"name": "t", "api": "pega-dx-v2", "base_url": "http://127.0.0.1:1/prweb/api/application/v2",
            "auth": {"type": "none"}, "fixtures": {"case_type_id": "X"}}
    data.update(over)
    return data


@pytest.mark.parametrize("name", ["pega-emulator", "pega-emulator-variant", "example-pega-staging"])
def test_bundled_target_files_load(name):
    env = {"PEGA_BASE_URL": "https://pega.example.com", "PEGA_CLIENT_ID": "id", "PEGA_CLIENT_SECRET": "s3cret"}
    target = load(ROOT / "conformance" / "targets" / f"{name}.toml", env=env)
    assert target.api == "pega-dx-v2"


@pytest.mark.parametrize("data,key", [
    (minimal(auth={"type": "oauth2-client-credentials", "token_url": "http://x", "client_id": "a"}),
     "auth.client_secret: Field required"),
    (minimal(auth={"type": "basic", "username": "u", "pasword": "p"}), "auth.pasword: Extra inputs"),
    (minimal(auth={"type": "kerberos"}), "auth: Input tag 'kerberos'"),
    (minimal(api="pega-dx-v3"), "api: unknown API 'pega-dx-v3'"),
    (minimal(base_url="ftp://x"), "base_url: String should match"),
    (minimal(safety={"max_requests": 0}), "safety.max_requests: Input should be greater than 0"),
    (minimal(safety={"run_prefix": "has space"}), "safety.run_prefix"),
    (minimal(fixtures={}), "fixtures.case_type_id: Field required"),
    (minimal(capabilities={"v1_update": True}), "fixtures.v1_base_url is not set"),
    (minimal(deviations=[{"requirement": "PEGA-NOPE-001", "reason": "r", "reference": "x", "expires": "2030-01-01"}]),
     "deviations[0].requirement: Value error, unknown requirement id 'PEGA-NOPE-001'"),
    (minimal(deviations=[{"requirement": "PEGA-ETAG-004", "reason": "r", "reference": "x"}]),
     "deviations[0].expires: Field required"),
    (minimal(colour="blue"), "colour: Extra inputs are not permitted"),
])
def test_bad_target_names_the_key(data, key):
    with pytest.raises(TargetError) as err:
        parse(data, "t.toml", env={})
    assert key in str(err.value)
    assert str(err.value).startswith("t.toml")


def test_environment_references_expand_and_missing_ones_are_named():
    data = minimal(auth={"type": "bearer", "token": "${TOKEN}"}, name="${NAME:-fallback}")
    target = parse(data, env={"TOKEN": "abc"})
    assert target.auth.token == "abc" and target.name == "fallback"
    with pytest.raises(TargetError, match=r"auth\.token: environment variable TOKEN is not set"):
        parse(data, env={})


def test_unreadable_files_are_clear_errors(tmp_path):
    with pytest.raises(TargetError, match="no such target file"):
        load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(TargetError, match="not valid TOML"):
        load(bad)


def test_deviation_expiry():
    target = parse(minimal(deviations=[{"requirement": "PEGA-ETAG-004", "reason": "r", "reference": "J-1",
                                        "expires": "2026-01-31"}]), env={})
    entry = target.deviation_for("PEGA-ETAG-004")
    assert entry is not None and target.deviation_for("PEGA-ETAG-003") is None
    assert not entry.expired(dt.date(2026, 1, 31)) and entry.expired(dt.date(2026, 2, 1))


def test_example_target_has_no_literal_secrets():
    text = (ROOT / "conformance" / "targets" / "example-pega-staging.toml").read_text()
    for line in text.splitlines():
        if line.split("=")[0].strip() in {"client_secret", "password", "token"}:
            assert "${" in line, line
