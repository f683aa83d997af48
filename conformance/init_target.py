"""`conformance init API`: write a commented target file for one server, by asking it.

The command takes the base URL and the credentials from flags or prompts, acquires a token,
runs pre-flight's base URL and credential checks (conformance.preflight), then fills what the
API's own GETs can tell: Pega's case types (GET /casetypes where the server has it, else the
case of the next assignment) and the attachment categories of a case; ProcessMaker's start
processes and tasks (GET /case/start-cases) and the caller (the user of its To do list);
CASEREST's solutions, case types and a writable text property; and the `[capabilities]` block
suggested by conformance.probe. What no GET tells comes from `--set fixtures.KEY=VALUE` or a
prompt. Secrets are written as `${ENV}` references, never literally: the value is read from that
environment variable (or a hidden prompt) only to ask the server.

Before writing, the file is loaded with conformance.target (the same validation a run does) and
checked by the whole pre-flight, fixtures included, so a file that `init` writes is one that
`conformance run` accepts.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
import textwrap
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import click
from rich.console import Console
from rich.markup import escape

from conformance import apis, preflight
from conformance.failures import SuiteBroken
from conformance.target import Target, TargetError, parse

EXIT_USAGE, EXIT_BROKEN = 2, 3
console = Console(highlight=False, soft_wrap=True)


@dataclass(frozen=True)
class ApiDefaults:
    env_prefix: str  # PEGA -> ${PEGA_CLIENT_SECRET}
    base_path: str  # the spec's servers entry, appended to a bare host
    auth_type: str
    token_path: str | None  # appended to the host for OAuth2 ("{workspace}" from the base path)
    client_auth: str = "basic"
    scope: str | None = None
    # what the draft target needs to be valid before the server is asked (never written)
    placeholders: dict[str, Any] = field(default_factory=dict)


DEFAULTS: dict[str, ApiDefaults] = {
    "pega-dx-v2": ApiDefaults("PEGA", "/prweb/api/application/v2", "oauth2-client-credentials",
                              "/prweb/PRRestService/oauth2/v1/token",  # seed 000
                              placeholders={"case_type_id": "CONF-Init-Placeholder"}),
    "processmaker-3": ApiDefaults("PM", "/api/1.0/workflow", "oauth2-password", "/{workspace}/oauth2/token",  # VF
                                  client_auth="body", scope="*",  # the 3.5.8 source reads the client from the body
                                  placeholders={"process_uid": "P0", "task_uid": "T0", "category_uid": "C0",
                                                "caller_user_uid": "U1", "reassign_user_uid": "U2",
                                                "outsider_user_uid": "U3"}),
    "ibm-caserest-v1": ApiDefaults("IBM", "/CaseManager/CASEREST/v1", "basic", None,
                                   placeholders={"target_object_store": "X", "solution": "X", "case_type": "X",
                                                 "title_property": "X"}),
    "pega-fabric-hub-sync-v1": ApiDefaults("HUB", "/prweb/api/ppf/v1", "oauth2-client-credentials",
                                           "/prweb/PRRestService/oauth2/v1/token"),  # VF "Token"
}
# prompts for required fixtures whose model line carries no comment
HINTS = {"case_type_id": "a case type the test operator may create, e.g. MyOrg-MyApp-Work-Request"}
AUTH_TYPES = ("none", "basic", "bearer", "oauth2-client-credentials", "oauth2-password")
SECRET_KEYS = ("client_secret", "password", "token")


class InitError(Exception):
    """A usage problem: the message names the flag or key (exit 2)."""


@dataclass
class Found:
    """Fixture values with the reason each was chosen (written as the line's comment)."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # what the server offered for a key, when it offered several (a prompt shows them)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def put(self, key: str, value: Any, note: str, choices: list[str] | None = None) -> None:
        self.values[key] = value
        self.notes[key] = note
        if choices and len(choices) > 1:
            self.choices[key] = choices


# -- what each API's GETs tell -----------------------------------------------------------------------


def _ok(ex: Any) -> bool:
    return ex is not None and ex.status is not None and 200 <= ex.status < 300


def _get(session: Any, path: str, params: dict[str, str] | None = None) -> Any:
    try:
        return session.request("GET", path, params=params)
    except SuiteBroken:
        return None


def _case_info(body: Any) -> dict[str, Any] | None:
    """caseInfo in a DX v2 answer ({"data": {"caseInfo": {...}}})."""
    data = body.get("data") if isinstance(body, dict) else None
    info = data.get("caseInfo") if isinstance(data, dict) else None
    return info if isinstance(info, dict) else None


def _discover_pega(session: Any, target: Target, known: dict[str, Any], found: Found) -> None:
    if "case_type_id" not in known:
        ex = _get(session, "/casetypes")
        ids = preflight._pega_case_types(ex.json()) if _ok(ex) else []  # noqa: SLF001 - one parser of the answer
        if ids:
            found.put("case_type_id", ids[0], f"GET /casetypes lists {preflight._some(ids)}", ids)  # noqa: SLF001
    case_id = known.get("existing_case_id")
    if case_id is None or "case_type_id" not in known and "case_type_id" not in found.values:
        ex = _get(session, "/assignments/next")
        info = _case_info(ex.json()) if _ok(ex) else None
        if info and isinstance(info.get("ID"), str):
            case_id = case_id or info["ID"]
            if "case_type_id" not in known and "case_type_id" not in found.values and info.get("caseTypeID"):
                found.put("case_type_id", info["caseTypeID"], f"the case type of the next assignment's case {info['ID']}")
    if case_id:  # seed 001: a case's attachment categories, with what the operator may do in each
        for kind, key in (("File", "attachment_category"), ("URL", "url_category")):
            if key in known:
                continue
            ex = _get(session, f"/cases/{quote(case_id, safe='')}/attachment_categories", {"type": kind})
            items = ex.json() if _ok(ex) else None
            items = items.get("attachment_categories", items.get("data")) if isinstance(items, dict) else items
            usable = [str(c.get("ID")) for c in items or [] if isinstance(c, dict) and c.get("ID")
                      and str(c.get("canCreate")).lower() == "true"]
            if usable:
                found.put(key, usable[0], f"a {kind} category of case {case_id} that allows create "
                                          f"(GET .../attachment_categories?type={kind})", usable)


def _discover_pm(session: Any, target: Target, known: dict[str, Any], found: Found) -> None:
    ex = _get(session, "/case/start-cases")
    pairs = [(str(i.get("pro_uid")), str(i.get("tas_uid")), str(i.get("pro_title", ""))) for i in
             (ex.json() if _ok(ex) and isinstance(ex.json(), list) else []) if isinstance(i, dict)]
    if pairs:
        wanted = known.get("process_uid")
        chosen = next((p for p in pairs if p[0] == wanted), None) if wanted else pairs[0]
        if chosen is not None:
            if "process_uid" not in known:
                found.put("process_uid", chosen[0], f"{chosen[2] or 'the first'}, one of {len(pairs)} that GET "
                                                    f"/case/start-cases offers the user", [p for p, _, _ in pairs])
            if "task_uid" not in known:
                found.put("task_uid", chosen[1], f"the start task of {chosen[0]} (GET /case/start-cases)")
    if "caller_user_uid" not in known:
        # seed 004: the To do list holds the caller's own cases, each with usr_uid = the caller
        users: Counter[str] = Counter()
        for path in ("/cases", "/cases/draft"):
            # an explicit limit: the 3.5.8 server has no default and would send the whole list (vendor audit F1)
            ex = _get(session, path, {"limit": "25"})
            for row in ex.json() if _ok(ex) and isinstance(ex.json(), list) else []:
                if isinstance(row, dict) and row.get("usr_uid"):
                    users[str(row["usr_uid"])] += 1
            if users:
                found.put("caller_user_uid", users.most_common(1)[0][0], f"the user of the To do/Draft lists ({path})")
                break


def _ibm_title_property(props: list[dict[str, Any]]) -> str | None:
    from conformance.suites.ibm_caserest_v1 import client as ibm

    texts = [str(p.get("SymbolicName")) for p in props if ibm.ptype(p) == "string" and not ibm.is_list(p)
             and ibm.writable(p) and not p.get("ChoiceList") and p.get("SymbolicName")]
    return next((n for n in texts if "title" in n.lower()), texts[0] if texts else None)


def _discover_ibm(session: Any, target: Target, known: dict[str, Any], found: Found) -> None:
    from conformance.suites.ibm_caserest_v1 import client as ibm

    if "target_object_store" not in known:
        return  # VF: every call needs it, and no call lists object stores
    tos = {"TargetObjectStore": known["target_object_store"]}
    solution = known.get("solution")
    if solution is None:
        ex = _get(session, "/solutions", tos)
        names = preflight._listing(ex.json(), "Solutions", "SolutionName") if _ok(ex) else []  # noqa: SLF001
        if names:
            solution = names[0]
            found.put("solution", solution, f"GET /solutions lists {preflight._some(names)}", names)  # noqa: SLF001
    if solution is None:
        return
    case_type = known.get("case_type")
    if case_type is None:
        ex = _get(session, f"/solution/{ibm.seg(solution)}/casetypes", tos)
        types = preflight._listing(ex.json(), "CaseTypes", "CaseType") if _ok(ex) else []  # noqa: SLF001
        if types:
            case_type = types[0]
            found.put("case_type", case_type, f"GET /solution/{solution}/casetypes lists "
                                              f"{preflight._some(types)}", types)  # noqa: SLF001
    if case_type is None:
        return
    ex = _get(session, f"/casetype/{ibm.seg(case_type)}", tos)
    props = ibm.properties_of(ex) if _ok(ex) else None
    if not props:
        return
    names = {str(p.get("SymbolicName")) for p in props}
    if "title_property" not in known:
        title = _ibm_title_property(props)
        if title:
            found.put("title_property", title, f"a writable single text property of {case_type} (GET /casetype)")
    state = known.get("state_property", "DH2_State")
    if state not in names:
        found.put("capabilities.external_data", False,
                  f"{case_type} has no property {state}: set fixtures.state_property, city_property, state_value, "
                  f"expected_choices and other_state_value to a dependent-property pair, then set this to true")


DISCOVER = {"pega-dx-v2": _discover_pega, "processmaker-3": _discover_pm, "ibm-caserest-v1": _discover_ibm,
            "pega-fabric-hub-sync-v1": lambda *args: None}


# -- the comments of a Fixtures model, read from its source (model.py is the one place they are written) --


def field_comments(model: type) -> dict[str, str]:
    """The comment lines above each field of a pydantic model class, and its trailing comment."""
    try:
        lines = inspect.getsource(model).splitlines()
    except (OSError, TypeError):
        return {}
    comments: dict[str, str] = {}
    pending: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("# ").rstrip())
            continue
        m = re.match(r"(\w+)\s*:", stripped)
        if m and m.group(1) in getattr(model, "model_fields", {}):
            trailing = stripped.split("  # ", 1)[1] if "  # " in stripped else ""
            comments[m.group(1)] = " ".join(pending + ([trailing] if trailing else []))
        pending = []
    return comments


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are TOML basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} into a target file")


def _parse_set(api: str, items: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """--set fixtures.case_type_id=X -> {"fixtures": {"case_type_id": "X"}}. A value is read as TOML (true, 12,
    ["a", "b"]) unless the key holds text: a ProcessMaker uid of digits stays a string."""
    from conformance.target import Property, Safety

    models = {"fixtures": apis.model(api).Fixtures, "capabilities": apis.model(api).Capabilities,
              "safety": Safety, "property": Property}
    out: dict[str, dict[str, Any]] = {name: {} for name in models}
    for item in items:
        key, sep, raw = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot or section not in out or not name:
            raise InitError(f"--set {item!r}: use SECTION.KEY=VALUE with SECTION one of {', '.join(out)}")
        fields = models[section].model_fields
        if name not in fields:
            raise InitError(f"--set {item!r}: {section} has no key {name!r} for {api}; it has {', '.join(fields)}")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        if not isinstance(value, str) and "str" in str(fields[name].annotation) and not isinstance(value, list):
            value = raw
        out[section][name] = value
    return out


# -- the command ---------------------------------------------------------------------------------------


@dataclass
class Answers:
    api: str
    name: str
    base_url: str
    auth: dict[str, Any]  # as written (secrets as ${ENV})
    env: dict[str, str]  # the environment to expand it with (a prompted secret added)
    sets: dict[str, dict[str, Any]]
    read_only: bool


def _root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _ask(value: Any, prompt: str, yes: bool, flag: str, default: Any = None, hide: bool = False) -> Any:
    if value is not None:
        return value
    if yes:
        if default is not None:
            return default
        raise InitError(f"{flag} is required with --yes")
    return click.prompt(prompt, default=default, hide_input=hide, show_default=not hide)


def _from_env(name: str, prompt: str, yes: bool, env: dict[str, str], why: str) -> None:
    """A secret: read from the environment, or a hidden prompt (kept in `env` for this process only)."""
    if env.get(name):
        return
    if yes:
        raise InitError(f"set {name} in the environment ({why}); init writes ${{{name}}} into the file, "
                        f"never the value")
    env[name] = click.prompt(f"{prompt} (kept in memory only; the file says ${{{name}}})", hide_input=True)


def gather(api: str, name: str | None, base_url: str | None, auth_type: str | None, token_url: str | None,
           client_id: str | None, username: str | None, scope: str | None, client_auth: str | None,
           env_prefix: str | None, sets: tuple[str, ...], read_only: bool, yes: bool) -> Answers:
    d = DEFAULTS[api]
    prefix = (env_prefix or d.env_prefix).upper()
    env = dict(os.environ)
    base_url = _ask(base_url, "Base URL of the server (the host alone, or the API's full base URL)", yes,
                    "--base-url")
    if not re.match(r"^https?://[^/]+", base_url or ""):
        raise InitError(f"--base-url {base_url!r}: expected http(s)://host[:port][/path]")
    base_url = base_url.rstrip("/")
    if not urlsplit(base_url).path:
        base_url += d.base_path  # a bare host: the API's documented base path (the spec's servers entry)
    auth_type = _ask(auth_type, f"Auth type ({', '.join(AUTH_TYPES)})", yes, "--auth-type", d.auth_type)
    if auth_type not in AUTH_TYPES:
        raise InitError(f"--auth-type {auth_type!r}: choose one of {', '.join(AUTH_TYPES)}")
    auth: dict[str, Any] = {"type": auth_type}
    if auth_type.startswith("oauth2"):
        workspace = (re.search(r"/api/1\.0/([^/]+)", urlsplit(base_url).path) or [None, "workflow"])[1]
        default_token = _root(base_url) + (d.token_path or "/oauth2/token").replace("{workspace}", workspace)
        auth["token_url"] = _ask(token_url, "Token URL", yes, "--token-url", default_token)
        auth["client_id"] = _ask(client_id or (f"${{{prefix}_CLIENT_ID}}" if env.get(f"{prefix}_CLIENT_ID") else None),
                                 "OAuth2 client ID", yes, "--client-id")
        _from_env(f"{prefix}_CLIENT_SECRET", "OAuth2 client secret", yes, env, "the OAuth2 client secret")
        auth["client_secret"] = f"${{{prefix}_CLIENT_SECRET}}"
        auth["client_auth"] = client_auth or d.client_auth
        if scope or d.scope:
            auth["scope"] = scope or d.scope
    if auth_type in ("basic", "oauth2-password"):
        auth["username"] = _ask(username or (f"${{{prefix}_USERNAME}}" if env.get(f"{prefix}_USERNAME") else None),
                                "User name", yes, "--username")
        _from_env(f"{prefix}_PASSWORD", "Password", yes, env, "the user's password")
        auth["password"] = f"${{{prefix}_PASSWORD}}"
    if auth_type == "bearer":
        _from_env(f"{prefix}_TOKEN", "Bearer token", yes, env, "the bearer token")
        auth["token"] = f"${{{prefix}_TOKEN}}"
    host = urlsplit(base_url).hostname or "server"
    label = "local" if host in ("localhost",) or re.fullmatch(r"[\d.:]+", host) else host.split(".")[0]
    name = _ask(name, "Target name (reports and comparisons show it)", yes, "--name", f"{label}-{api}")
    return Answers(api, name, base_url, auth, env, _parse_set(api, sets), read_only)


def _target(a: Answers, fixtures: dict[str, Any], capabilities: dict[str, Any]) -> Target:
    data = {"name": a.name, "api": a.api, "base_url": a.base_url, "auth": a.auth, "fixtures": fixtures,
            "capabilities": capabilities, "safety": {"read_only": a.read_only, **a.sets["safety"]}}
    return parse(data, "conformance init", env=a.env)


def compose(a: Answers, fixtures: dict[str, Any], notes: dict[str, str], capabilities_block: str) -> str:
    """The target file's text: every key commented, secrets as ${ENV}."""
    model = apis.model(a.api)
    comments = field_comments(model.Fixtures)
    lines = [f"# Target file for {apis.get(a.api).title}, written by `conformance init {a.api}`.",
             "# Edit freely: `conformance run --target THIS_FILE` validates it before the first request and",
             "# pre-flight checks the base URL, the credentials and the fixtures against the server.",
             "# Strings may be ${ENV} or ${ENV:-default}; secrets come only from the environment.",
             "", f"name = {toml_value(a.name)}", f"api = {toml_value(a.api)}", f"base_url = {toml_value(a.base_url)}",
             "", "[auth]"]
    for key, value in a.auth.items():
        lines.append(f"{key} = {toml_value(value)}")
    secrets = sorted(set(re.findall(r"\$\{(\w+)\}", " ".join(str(a.auth.get(k, "")) for k in SECRET_KEYS))))
    if secrets:
        lines.append(f"# set {', '.join(secrets)} in the environment (your CI's secret store) before a run")
    lines += ["", "[fixtures]", f"# what each key means: conformance/suites/{apis.get(a.api).module}/model.py"]
    for key, info in model.Fixtures.model_fields.items():
        comment = comments.get(key, "")
        lines += [f"# {part}" for part in textwrap.wrap(comment, 108)]
        if key in fixtures:
            note = notes.get(key, "")
            lines.append(f"{key} = {toml_value(fixtures[key])}" + (f"   # {note}" if note else ""))
        elif not info.is_required():
            default = info.get_default(call_default_factory=True)
            lines.append(f"# {key} = ..." if default is None else f"# {key} = {toml_value(default)}   # the default")
    lines += ["", "# Each capability is a group of operations and a promise both ways (README, docs/real-servers.md);",
              "# `conformance probe --target THIS_FILE` asks the server again.", capabilities_block, "",
              "[safety]",
              f"read_only = {toml_value(a.read_only)}   # true: only GET/HEAD/OPTIONS; the write tests are skipped"]
    safety = {"max_requests": 5000, "rate_limit": 10, "run_prefix": "CONF", "timeout": 20, **a.sets["safety"]}
    safety.pop("read_only", None)
    for key, value in safety.items():
        lines.append(f"{key} = {toml_value(value)}")
    prop = {"max_examples": 20, **a.sets["property"]}
    lines += ["", "[property]"] + [f"{k} = {toml_value(v)}" for k, v in prop.items()]
    lines += ["", "# Known deviations: a failing requirement covered by an unexpired entry does not gate.",
              "# [[deviations]]", '# requirement = "..."', '# reason = "..."', '# reference = "TICKET-123"',
              "# expires = 2027-12-31", ""]
    return "\n".join(lines)


def _capabilities(a: Answers, session: Any, target: Target, found: Found) -> tuple[dict[str, Any], str]:
    """The [capabilities] block: the probe's suggestion (GETs only; without a session, the model's defaults),
    then --set, then what discovery learnt, then off for a capability whose fixture is not given."""
    from conformance.probe import probe, suggested_block

    block = suggested_block(target, probe(target, session) if session is not None else [])
    overrides: dict[str, tuple[Any, str]] = {k: (v, "--set") for k, v in a.sets["capabilities"].items()}
    for key, value in found.values.items():
        if key.startswith("capabilities."):
            overrides.setdefault(key.split(".", 1)[1], (value, found.notes[key]))
    values = {m.group(1): m.group(2) == "true" for m in re.finditer(r"^(\w+) = (true|false)", block, re.M)}
    # a capability that needs a fixture nobody gave is not promised (the model's cross-field rules)
    for cap, fixture in (("data_views", "data_view_id"), ("v1_update", "v1_base_url"), ("inspection", "inspection_url")):
        if values.get(cap) and not getattr(target.fixtures, fixture, None) and cap not in overrides:
            overrides[cap] = (False, f"needs fixtures.{fixture}")
    lines = []
    for line in block.splitlines():
        m = re.match(r"^(\w+) = (true|false)(.*)$", line)
        if m and m.group(1) in overrides:
            value, why = overrides[m.group(1)]
            values[m.group(1)] = bool(value)
            line = f"{m.group(1)} = {toml_value(bool(value))}  # {why}"
        lines.append(line)
    return values, "\n".join(lines)


def run_init(api: str, out: Path | None, force: bool, yes: bool, probe_server: bool, **flags: Any) -> Path:
    from conformance.http import ExchangeLog, Session

    a = gather(api, yes=yes, **flags)
    out = out or Path(f"{a.name}.toml")
    if out.exists() and not force:
        if yes or not click.confirm(f"{out} exists; overwrite it?", default=False):
            raise InitError(f"{out} exists (--force overwrites it)")
    known = dict(a.sets["fixtures"])
    found = Found()
    d = DEFAULTS[api]
    # the model's cross-field rules want a fixture for some capabilities: off in the draft until it is known
    draft_caps = {c: False for c in ("data_views", "v1_update", "inspection")
                  if c in apis.model(api).Capabilities.model_fields}
    if not probe_server:
        fixtures = _complete(api, known, found, yes)
        _, block = _capabilities(a, None, _target(a, fixtures, draft_caps), found)
    else:
        if api == "ibm-caserest-v1" and "target_object_store" not in known:  # VF: every call needs it, none lists it
            known["target_object_store"] = _ask(None, "fixtures.target_object_store (the symbolic name of the "
                                                      "object store that holds the case types)", yes,
                                                "--set fixtures.target_object_store=NAME")
        # placeholders stand in for what the server has not told yet; they are never written
        draft = _target(a, {**d.placeholders, **known}, draft_caps)
        session = Session(draft, ExchangeLog(None))
        try:
            try:
                session.tokens.header()
            except SuiteBroken as exc:
                raise _Broken(preflight.token_problem(draft, exc)) from None
            report = preflight.check(draft, session, fixtures=False)  # base URL and credentials
            if not report.ok:
                raise _Broken("\n".join(str(p) for p in report.problems))
            DISCOVER[api](session, draft, known, found)
            fixtures = _complete(api, known, found, yes)
            capabilities, block = _capabilities(a, session, _target(a, fixtures, draft_caps), found)
            report = preflight.check(_target(a, fixtures, capabilities), session)  # fixtures too, as a run would
            if not report.ok:
                raise _Broken("\n".join(str(p) for p in report.problems))
        finally:
            session.close()
    text = compose(a, fixtures, {**found.notes, **{k: "--set" for k in a.sets["fixtures"]}}, block)
    try:
        parse(tomllib.loads(text), str(out), env=a.env)  # what `conformance run` will load
    except (TargetError, tomllib.TOMLDecodeError) as exc:
        raise InitError(f"the file would not load: {exc}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


class _Broken(Exception):
    """The server's answers show a setting to be wrong (exit 3); the message names it."""


def _complete(api: str, known: dict[str, Any], found: Found, yes: bool) -> dict[str, Any]:
    """The fixtures: --set, then what the server told (a prompt offers its choices), then prompts for the
    required rest; with --yes a missing required key is an error naming every one."""
    model = apis.model(api).Fixtures
    fixtures = dict(known)
    for key, value in found.values.items():
        if key.startswith("capabilities.") or key in fixtures:
            continue
        if not yes and key in found.choices:
            value = click.prompt(f"fixtures.{key} ({found.notes[key]})",
                                 type=click.Choice(found.choices[key]), default=value)
        fixtures[key] = value
    missing = [k for k, info in model.model_fields.items() if info.is_required() and k not in fixtures]
    if missing and yes:
        raise InitError("the server did not tell these, so they are needed: " + ", ".join(
            f"--set fixtures.{k}=..." for k in missing))
    comments = {**field_comments(model), **HINTS}
    for key in missing:
        fixtures[key] = click.prompt(f"fixtures.{key} ({comments.get(key) or 'required'})")
    if api == "pega-dx-v2" and not yes and "data_view_id" not in fixtures:
        value = click.prompt("fixtures.data_view_id (a data view of a few hundred to a few thousand rows, for the "
                             "paging tests; empty for none)", default="", show_default=False)
        if value:
            fixtures["data_view_id"] = value
    return fixtures


@click.command("init")
@click.argument("api", type=click.Choice(apis.names()))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the target file to write (default <name>.toml)")
@click.option("--name", default=None, help="the target's name in reports (default <host>-<api>)")
@click.option("--base-url", default=None, help="the server (https://host) or the API's full base URL")
@click.option("--auth-type", type=click.Choice(AUTH_TYPES), default=None, help="default: the API's usual one")
@click.option("--token-url", default=None, help="OAuth2 token endpoint (default: the API's documented one)")
@click.option("--client-id", default=None, help="OAuth2 client ID (the secret comes from <PREFIX>_CLIENT_SECRET)")
@click.option("--username", default=None, help="user for basic auth or the password grant (password from "
                                                "<PREFIX>_PASSWORD)")
@click.option("--scope", default=None, help="OAuth2 scope")
@click.option("--client-auth", type=click.Choice(["basic", "body"]), default=None,
              help="where the client authenticates at the token endpoint")
@click.option("--env-prefix", default=None, help="prefix of the environment variables the file references "
                                                 "(default PEGA, PM, IBM or HUB)")
@click.option("--set", "sets", multiple=True, metavar="SECTION.KEY=VALUE",
              help="a value the server cannot tell, e.g. fixtures.case_type_id=MyOrg-App-Work-Request (repeatable)")
@click.option("--read-only", is_flag=True, help="write read_only = true (the run sends GETs only)")
@click.option("--probe/--no-probe", "probe_server", default=True,
              help="ask the server (default); --no-probe writes the file from flags and prompts alone")
@click.option("--force", is_flag=True, help="overwrite --out if it exists")
@click.option("-y", "--yes", is_flag=True, help="ask nothing: flags, environment and the server's answers only")
def init_cmd(api: str, out: Path | None, name: str | None, base_url: str | None, auth_type: str | None,
             token_url: str | None, client_id: str | None, username: str | None, scope: str | None,
             client_auth: str | None, env_prefix: str | None, sets: tuple[str, ...], read_only: bool,
             probe_server: bool, force: bool, yes: bool) -> None:
    """Write a commented target file for API, filled by asking the server (GETs only)."""
    try:
        path = run_init(api, out, force, yes, probe_server, name=name, base_url=base_url, auth_type=auth_type,
                        token_url=token_url, client_id=client_id, username=username, scope=scope,
                        client_auth=client_auth, env_prefix=env_prefix, sets=sets, read_only=read_only)
    except InitError as exc:
        console.print(f"[bold red]init error:[/] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    except TargetError as exc:
        console.print(f"[bold red]init error:[/] {escape(str(exc))}")
        sys.exit(EXIT_USAGE)
    except _Broken as exc:
        console.print("[bold red]init stopped:[/] the server's answers show a setting to be wrong:")
        for line in str(exc).splitlines():
            console.print(f"  {escape(line)}")
        sys.exit(EXIT_BROKEN)
    except click.Abort:
        raise
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    needed = sorted(set(re.findall(r"\$\{(\w+)\}", text)))
    console.print(f"wrote {path}")
    console.print("next:" + (f" export {' '.join(f'{n}=...' for n in needed)};" if needed else "") +
                  f" conformance run --target {path} --report")
