"""`conformance init` (conformance/init_target.py): the written file loads, names no secret, and a run
with it passes on the clean emulator; what the server cannot tell is asked for or named."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance import apis
from conformance.cli import main
from conformance.emulators.common import EmulatorConfig, EmulatorProcess, ServerThread
from conformance.init_target import DEFAULTS
from conformance.target import load

SECRET = "conformance-demo-secret"  # the emulators' published demo secret (emulators/common.py)
PM_SETS = ("--set", "fixtures.category_uid=11609821854ca4355344560009542371",
           "--set", "fixtures.reassign_user_uid=20000000000000000000000000000002",
           "--set", "fixtures.outsider_user_uid=30000000000000000000000000000003")
QUICK = ("--set", "safety.rate_limit=0", "--set", "property.max_examples=5")


def _serve(api: str, **variants: str) -> ServerThread:
    return ServerThread(apis.emulator(api).create_app(EmulatorConfig(variants=variants)))


def _cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, input=stdin, timeout=300)


@pytest.mark.parametrize("api, flags, env, discovered", [
    ("pega-dx-v2", ("--client-id", "conformance-demo-client", "--set", "fixtures.case_type_id=CONF-Demo-Work-Request",
                    "--set", "fixtures.data_view_id=D_ConformanceRecords"),
     {"PEGA_CLIENT_SECRET": SECRET}, {}),
    ("processmaker-3", ("--client-id", "conformance-demo-client", "--username", "demo.user@demo.invalid", *PM_SETS),
     {"PM_CLIENT_SECRET": SECRET, "PM_PASSWORD": "demo-password"},
     {"process_uid": "28468941754ca473f9db401077958260", "task_uid": "7983935495320c1a75e1df6068322280",
      "caller_user_uid": "00000000000000000000000000000001"}),
])
def test_written_file_loads_and_a_run_with_it_passes(tmp_path, api, flags, env, discovered):
    out = tmp_path / "my-target.toml"
    with EmulatorProcess(api) as emu:
        made = _cli(["init", api, "--out", str(out), "--base-url", emu.url, "--yes", *flags, *QUICK], env)
        assert made.returncode == 0, made.stdout + made.stderr
        text = out.read_text(encoding="utf-8")
        target = load(out, env={**os.environ, **env})
        run = _cli(["run", "--target", str(out), "--out", str(tmp_path / "run"), "--no-allure", "-q"], env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verdict PASS" in run.stdout
    # the secrets are ${ENV} references; the values appear nowhere in the file
    for value in env.values():
        assert value not in text
    for name in env:
        assert f"${{{name}}}" in text
    assert f"export {' '.join(f'{n}=...' for n in sorted(env))}" in made.stdout
    # the server told what it could: the host's base path, the capabilities, the fixtures below
    assert target.base_url == emu.url + DEFAULTS[api].base_path
    for key, value in discovered.items():
        assert getattr(target.fixtures, key) == value, key
    assert "[capabilities]" in text and "# probe: present" in text


def test_caserest_fixtures_come_from_the_server(tmp_path):
    out = tmp_path / "ibm.toml"
    with _serve("ibm-caserest-v1") as srv:
        made = CliRunner(env={"IBM_PASSWORD": "demo-password"}).invoke(main, [
            "init", "ibm-caserest-v1", "--out", str(out), "--base-url", srv.url, "--username", "demo.user@demo.invalid",
            "--set", "fixtures.target_object_store=CMTOSDH", "--yes"])
    assert made.exit_code == 0, made.output
    f = load(out, env={"IBM_PASSWORD": "demo-password"}).fixtures
    assert (f.solution, f.case_type, f.title_property) == ("DH2", "DH2_MyCase", "DH2_Title")
    assert "GET /solutions lists DH2, LA" in out.read_text(encoding="utf-8")


def test_interactive_prompts_fill_what_the_server_cannot_tell(tmp_path):
    out = tmp_path / "pega.toml"
    with _serve("pega-dx-v2") as srv:
        answers = "\n".join([srv.url, "", "", "conformance-demo-client", SECRET, "", "CONF-Demo-Work-Request",
                             "D_ConformanceRecords"]) + "\n"
        made = CliRunner(env={"PEGA_CLIENT_SECRET": ""}).invoke(main, ["init", "pega-dx-v2", "--out", str(out)],
                                                                input=answers)
    assert made.exit_code == 0, made.output
    text = out.read_text(encoding="utf-8")
    assert SECRET not in text and 'client_secret = "${PEGA_CLIENT_SECRET}"' in text
    data = tomllib.loads(text)
    assert data["fixtures"]["case_type_id"] == "CONF-Demo-Work-Request"
    assert data["fixtures"]["data_view_id"] == "D_ConformanceRecords"
    assert data["capabilities"]["data_views"] is True  # the probe saw GET /data_views/{ID} answer 200
    assert data["base_url"] == srv.url + "/prweb/api/application/v2"


def test_with_yes_what_is_missing_is_named_not_asked(tmp_path):
    # a server without GET /casetypes and without work in progress: nothing tells the case type
    with _serve("pega-dx-v2", **{"case-types": "off"}) as srv:
        made = CliRunner(env={"PEGA_CLIENT_SECRET": SECRET}).invoke(main, [
            "init", "pega-dx-v2", "--out", str(tmp_path / "t.toml"), "--base-url", srv.url,
            "--client-id", "conformance-demo-client", "--yes"])
    assert made.exit_code == 2, made.output
    assert "--set fixtures.case_type_id=..." in made.output
    assert not (tmp_path / "t.toml").exists()


def test_a_secret_missing_from_the_environment_is_named(tmp_path):
    made = CliRunner(env={"PEGA_CLIENT_SECRET": ""}).invoke(main, [
        "init", "pega-dx-v2", "--base-url", "http://127.0.0.1:9", "--client-id", "c", "--yes"])
    assert made.exit_code == 2, made.output
    assert "set PEGA_CLIENT_SECRET in the environment" in made.output and "Traceback" not in made.output


def test_wrong_settings_stop_init_with_exit_3(tmp_path):
    with _serve("pega-dx-v2") as srv:
        runner = CliRunner(env={"PEGA_CLIENT_SECRET": SECRET})
        common = ["--out", str(tmp_path / "t.toml"), "--client-id", "conformance-demo-client", "--yes",
                  "--set", "fixtures.case_type_id=CONF-Demo-Work-Request"]
        wrong_path = runner.invoke(main, ["init", "pega-dx-v2", "--base-url", srv.url + "/prweb/api/application/v3",
                                          "--token-url", srv.url + "/prweb/PRRestService/oauth2/v1/token", *common])
        wrong_view = runner.invoke(main, ["init", "pega-dx-v2", "--base-url", srv.url,
                                          "--set", "fixtures.data_view_id=D_Nope", *common])
        wrong_secret = CliRunner(env={"PEGA_CLIENT_SECRET": "Zq-not-it-7"}).invoke(
            main, ["init", "pega-dx-v2", "--base-url", srv.url, *common])
    assert wrong_path.exit_code == 3 and "base_url: every request answers 404" in wrong_path.output
    assert wrong_view.exit_code == 3 and "fixtures.data_view_id: the server has no data view 'D_Nope'" in wrong_view.output
    assert wrong_secret.exit_code == 3 and "auth.client_id / auth.client_secret" in wrong_secret.output
    assert not (tmp_path / "t.toml").exists()


def test_bad_flags_are_usage_errors(tmp_path):
    runner = CliRunner(env={"PEGA_CLIENT_SECRET": SECRET})
    bad_set = runner.invoke(main, ["init", "pega-dx-v2", "--base-url", "http://127.0.0.1:9", "--client-id", "c",
                                   "--set", "fixtures.nope=1", "--yes", "--no-probe"])
    assert bad_set.exit_code == 2 and "fixtures has no key 'nope'" in bad_set.output
    bad_url = runner.invoke(main, ["init", "pega-dx-v2", "--base-url", "pega.example.com", "--client-id", "c", "--yes"])
    assert bad_url.exit_code == 2 and "expected http(s)://host" in bad_url.output
    existing = tmp_path / "t.toml"
    existing.write_text("keep me", encoding="utf-8")
    kept = runner.invoke(main, ["init", "pega-dx-v2", "--out", str(existing), "--base-url", "http://127.0.0.1:9",
                                "--client-id", "c", "--yes", "--no-probe",
                                "--set", "fixtures.case_type_id=A-B-C"])
    assert kept.exit_code == 2 and "--force" in kept.output and existing.read_text() == "keep me"
    for result in (bad_set, bad_url, kept):
        assert "Traceback" not in result.output


def test_without_probing_the_file_is_written_from_flags_and_loads(tmp_path):
    out = tmp_path / "offline.toml"
    made = CliRunner(env={"HUB_CLIENT_SECRET": "x"}).invoke(main, [
        "init", "pega-fabric-hub-sync-v1", "--out", str(out), "--base-url", "https://hub.example.com",
        "--client-id", "reg-client", "--yes", "--no-probe", "--read-only"])
    assert made.exit_code == 0, made.output
    target = load(out, env={"HUB_CLIENT_SECRET": "x"})
    assert target.base_url == "https://hub.example.com/prweb/api/ppf/v1"
    assert target.auth.token_url == "https://hub.example.com/prweb/PRRestService/oauth2/v1/token"
    assert target.safety.read_only is True and target.name == "hub-pega-fabric-hub-sync-v1"
    assert Path(out).read_text(encoding="utf-8").count("# not probed") >= 1


def test_pega_case_type_and_categories_come_from_work_on_the_server(tmp_path):
    """A server without GET /casetypes (the emulator with case-types=off): the next assignment's case gives its
    case type, and that case's attachment categories the File and URL categories that allow create."""
    from conformance.cli import bundled_target
    from conformance.http import ExchangeLog, Session

    out = tmp_path / "pega.toml"
    with _serve("pega-dx-v2", **{"case-types": "off"}) as srv:
        with Session(bundled_target("pega-emulator", srv.url), ExchangeLog(None)) as s:
            assert s.request("POST", "/cases", json_body={"caseTypeID": "CONF-Demo-Work-Request",
                                                          "content": {"pyLabel": "work"}}).status == 201
        made = CliRunner(env={"PEGA_CLIENT_SECRET": SECRET}).invoke(main, [
            "init", "pega-dx-v2", "--out", str(out), "--base-url", srv.url, "--client-id", "conformance-demo-client",
            "--yes"])
    assert made.exit_code == 0, made.output
    text = out.read_text(encoding="utf-8")
    f = tomllib.loads(text)["fixtures"]
    assert f["case_type_id"] == "CONF-Demo-Work-Request" and "the next assignment's case" in text
    # FileNoCreate (the emulator's category without canCreate) is never chosen
    assert (f["attachment_category"], f["url_category"]) == ("File", "URL")


def test_pega_case_type_comes_from_get_casetypes_where_the_server_has_it(tmp_path):
    out = tmp_path / "pega.toml"
    with _serve("pega-dx-v2") as srv:
        made = CliRunner(env={"PEGA_CLIENT_SECRET": SECRET}).invoke(main, [
            "init", "pega-dx-v2", "--out", str(out), "--base-url", srv.url, "--client-id", "conformance-demo-client",
            "--yes"])
    assert made.exit_code == 0, made.output
    data = tomllib.loads(out.read_text(encoding="utf-8"))
    assert data["fixtures"]["case_type_id"].startswith("CONF-") and data["capabilities"]["case_types"] is True
