"""Pre-flight: before the first test, a few cheap GETs establish that the target file points at the API.

A run whose base URL, credentials or fixtures are wrong would report nearly every requirement
failed or broken, and its findings would blame the server for a mistake in the target file. So,
right after the token is acquired, pre-flight asks the server (GETs only, a handful at most):

- base_url: nothing listening at the host is wrong. Otherwise a core GET of an ID that cannot
  exist is compared with a route that cannot exist, as `conformance.probe` does: at the right
  base path a server tells them apart ("case not found" against "no such resource"); at a wrong
  one both land on the same not-found answer. That alone is not proof (a server may answer both
  alike), so the verdict "wrong" needs backing: every other GET the target promises (a core
  list, a declared capability, a named fixture) answers the same too, or the shared answer is
  not JSON at all (a web server's error page, not the API's error body). A 2xx web page for an
  ID that cannot exist, the same as for a route that cannot exist, is a wrong base URL too.
- auth: that core GET answered 401 with the target's credentials (after one fresh token).
- fixtures, where a GET can tell: Pega's case types (when the server offers GET /casetypes),
  its data view and existing case; ProcessMaker's process and start task (GET /case/start-cases);
  CASEREST's object store, solution, case type and the properties the tests use. A fixture is
  wrong when the server answers "not found" for it (unlike its answer for a route that cannot
  exist) or lists what it has without it. The Fabric Hub's fixtures are registration fields that
  no GET can check.

Everything else (timeouts, resets, 5xx answers, redirects, odd content) is left to the tests: a
hostile or broken server is what the suite is for, and its findings say what it did. A wrong
setting ends the run at once (exit 3), with one line per problem naming the setting and what the
server answered.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from conformance import probe
from conformance.failures import SuiteBroken
from conformance.http import Exchange, Session
from conformance.target import BasicAuth, BearerAuth, NoAuth, OAuth2Password, Target

# a run sends at most this many pre-flight requests (the fixture checks stop early when it is spent)
MAX_REQUESTS = 10


@dataclass
class Problem:
    """A setting of the target file that the server's answers show to be wrong."""

    setting: str  # the key to fix: "base_url", "auth.client_secret", "fixtures.data_view_id"
    message: str  # what the server answered, and why that means the setting is wrong

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    # the quickest answer to a pre-flight GET: how far away the server is (the slower ones measure its work,
    # or this machine's load)
    round_trip_ms: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class _Unreachable(Exception):
    """Nothing answers at the base URL's host (refused, or the name does not resolve)."""


class _Inconclusive(Exception):
    """The server answered in a way pre-flight does not judge (timeout, reset, budget): the tests will."""


def _kind(ex: Exchange) -> str:
    return (ex.header("Content-Type") or "").split(";")[0].strip().lower()


def _is_json(ex: Exchange) -> bool:
    kind = _kind(ex)
    return kind == "application/json" or kind.endswith("+json")


_MESSAGE_KEYS = ("message", "localizedvalue", "text", "error_description", "error", "detail", "title")


def _server_message(body: Any, depth: int = 0) -> str | None:
    """The first human message in a JSON error body (Pega errorDetails, CASEREST UserMessage.Text, ...)."""
    if depth > 4:
        return None
    if isinstance(body, dict):
        for key, value in body.items():
            if key.lower() in _MESSAGE_KEYS and isinstance(value, str) and value.strip():
                return value.strip()
        for value in body.values():
            found = _server_message(value, depth + 1)
            if found:
                return found
    if isinstance(body, list):
        for value in body[:3]:
            found = _server_message(value, depth + 1)
            if found:
                return found
    return None


def said(ex: Exchange) -> str:
    """`GET /path -> 404 text/html "Not Found"`: what one exchange shows, for people."""
    parts = urlsplit(ex.url)
    text = f"{ex.method} {parts.path}{'?' + parts.query if parts.query else ''} -> {ex.status} {_kind(ex) or 'no Content-Type'}"
    body = ex.body.decode("utf-8", "replace") if isinstance(ex.body, bytes) else str(ex.body or "")
    message = _server_message(ex.json()) if _is_json(ex) else None
    if message is None:
        title = re.search(r"<title>(.*?)</title>", body, re.I | re.S)
        message = title.group(1) if title else (body if body and "<" not in body[:1] else None)
    if message:
        message = " ".join(message.split())
        text += f' "{message[:120]}{"..." if len(message) > 120 else ""}"'
    return text


class _Asker:
    """Sends the pre-flight GETs through the run's session (so they are logged and redacted like
    any other), each path once, within MAX_REQUESTS."""

    def __init__(self, session: Session, budget: int) -> None:
        self.session = session
        self.budget = budget
        self.cache: dict[tuple[str, str], Exchange] = {}
        self.no_route: Exchange | None = None

    def get(self, path: str, params: dict[str, str] | None = None) -> Exchange | None:
        key = (path, json.dumps(params or {}, sort_keys=True))
        if key in self.cache:
            return self.cache[key]
        if self.budget <= 0:
            return None
        self.budget -= 1
        try:
            ex = self.session.request("GET", path, params=params)
        except SuiteBroken as exc:
            if "ConnectError" in str(exc):
                raise _Unreachable(str(exc).split(": ", 1)[-1]) from None
            raise _Inconclusive(str(exc)) from None
        self.cache[key] = ex
        return ex

    def like_no_route(self, ex: Exchange | None) -> bool:
        return (ex is not None and self.no_route is not None
                and probe._signature(ex) == probe._signature(self.no_route))  # noqa: SLF001 - one comparison, one place

    def not_found(self, ex: Exchange | None) -> bool:
        """A 404 that is not the no-such-route answer: the route is there, the thing is not."""
        return ex is not None and ex.status == 404 and not self.like_no_route(ex)


def _ok(ex: Exchange | None) -> bool:
    return ex is not None and ex.status is not None and 200 <= ex.status < 300


def _member(obj: Any, name: str) -> Any:
    """obj[name], whatever the letter case of the key (CASEREST answers PascalCase or camelCase)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key.lower() == name.lower():
                return value
    return None


def _listing(obj: Any, key: str, item_key: str) -> list[str]:
    items = _member(obj, key) if isinstance(obj, dict) else obj
    if not isinstance(items, list):
        return []
    return [str(v) for v in (_member(i, item_key) for i in items) if isinstance(v, (str, int))]


def _listed(ex: Exchange | None, key: str, item_key: str) -> list[str]:
    """The `item_key` of each item of a 2xx answer's `key` list (nothing when the answer is not one)."""
    return _listing(ex.json(), key, item_key) if ex is not None and _ok(ex) else []


def _missing(ask: "_Asker", ex: Exchange | None, report: Report, setting: str, what: str) -> bool:
    """A not-found answer for a named thing (not the no-such-route answer): the setting names nothing."""
    if ex is None or not ask.not_found(ex):
        return False
    report.problems.append(Problem(setting, f"the server has no {what} ({said(ex)})"))
    return True


def _some(values: list[str], limit: int = 8) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def seg(value: str) -> str:
    return quote(value, safe="")


# -- per API: the core GET of an unknown ID, the GETs that must not look like a missing route, fixtures --


@dataclass(frozen=True)
class Plan:
    core: Callable[[Target], tuple[str, dict[str, str] | None]]
    backing: Callable[[Target], list[tuple[str, dict[str, str] | None]]]
    fixtures: Callable[[_Asker, Target, Report], None]


def _pega_case_types(body: Any) -> list[str]:
    """IDs from GET /casetypes (DX v2: {"caseTypes": [{"ID": ..., "name": ...}]})."""
    ids = _listing(body, "caseTypes", "ID") or _listing(body, "caseTypes", "classID")
    return sorted(set(ids))


def _pega_fixtures(ask: _Asker, target: Target, report: Report) -> None:
    f = target.fixtures
    # GET /casetypes is capability case_types's (a target that does not declare it is not asked)
    ex = ask.get("/casetypes") if getattr(target.capabilities, "case_types", True) else None
    ids = _pega_case_types(ex.json()) if ex is not None and _ok(ex) else []
    if ids:
        for key in ("case_type_id", "multistep_case_type_id"):
            value = getattr(f, key)
            if value and value not in ids:
                report.problems.append(Problem(f"fixtures.{key}", f"the server lists no case type {value!r} for "
                                               f"these credentials (GET /casetypes lists {_some(ids)})"))
    else:
        report.notes.append(f"case types not checked: {said(ex) if ex is not None else 'GET /casetypes not sent'}")
    if target.capabilities.data_views and f.data_view_id:
        _missing(ask, ask.get(f"/data_views/{seg(f.data_view_id)}"), report, "fixtures.data_view_id",
                 f"data view {f.data_view_id!r}")
    if f.existing_case_id:
        _missing(ask, ask.get(f"/cases/{seg(f.existing_case_id)}"), report, "fixtures.existing_case_id",
                 f"case {f.existing_case_id!r}")


def _pega_backing(target: Target) -> list[tuple[str, dict[str, str] | None]]:
    f, caps = target.fixtures, target.capabilities
    out: list[tuple[str, dict[str, str] | None]] = []
    if caps.assignments:
        out.append(("/assignments/next", None))
    if caps.data_views and f.data_view_id:
        out.append((f"/data_views/{seg(f.data_view_id)}", None))
    if f.existing_case_id:
        out.append((f"/cases/{seg(f.existing_case_id)}", None))
    return out


def _pm_fixtures(ask: _Asker, target: Target, report: Report) -> None:
    f = target.fixtures
    if target.safety.read_only:
        report.notes.append("process and start task not checked: a read-only run starts no case")
        return
    ex = ask.get("/case/start-cases")
    if not _ok(ex) or ex is None or not isinstance(ex.json(), list):
        report.notes.append(f"process and start task not checked: {said(ex) if ex is not None else 'not sent'}")
        return
    pairs = [(str(i.get("pro_uid")), str(i.get("tas_uid")), str(i.get("pro_title", ""))) for i in ex.json()
             if isinstance(i, dict)]
    if not pairs:
        report.problems.append(Problem("fixtures.process_uid", f"the credentials' user may start no case at all "
                                       f"({said(ex)} lists nothing): the tests that create cases need a process "
                                       f"whose start task has that user in its pool"))
        return
    listed = [f"{p} ({t})" if t else p for p, _, t in pairs]
    if f.process_uid not in {p for p, _, _ in pairs}:
        report.problems.append(Problem("fixtures.process_uid", f"the credentials' user may start no case of process "
                                       f"{f.process_uid} (GET /case/start-cases lists {_some(listed)})"))
    elif (f.process_uid, f.task_uid) not in {(p, t) for p, t, _ in pairs}:
        tasks = [t for p, t, _ in pairs if p == f.process_uid]
        report.problems.append(Problem("fixtures.task_uid", f"{f.task_uid} is not a start task of process "
                                       f"{f.process_uid} for the credentials' user (GET /case/start-cases "
                                       f"lists {_some(tasks)})"))


def _ibm_tos(target: Target) -> dict[str, str]:
    return {"TargetObjectStore": target.fixtures.target_object_store}


def _ibm_fixtures(ask: _Asker, target: Target, report: Report) -> None:
    f, tos = target.fixtures, _ibm_tos(target)
    ex = ask.get("/solutions", tos)
    if ex is not None and ex.status in (400, 404) and not ask.like_no_route(ex):
        # VF: TargetObjectStore is required on every call; GET /solutions needs nothing else
        report.problems.append(Problem("fixtures.target_object_store", f"the server refuses the object store "
                                       f"{f.target_object_store!r} ({said(ex)})"))
        return
    solutions = _listed(ex, "Solutions", "SolutionName")
    if solutions and f.solution not in solutions:
        report.problems.append(Problem("fixtures.solution", f"the server has no solution {f.solution!r} "
                                       f"(GET /solutions lists {_some(solutions)})"))
        return
    ex = ask.get(f"/solution/{seg(f.solution)}/casetypes", tos)
    if _missing(ask, ex, report, "fixtures.solution", f"solution {f.solution!r}"):
        return
    # an empty list is left to the tests (IBM-TYPE-002 says a solution lists its case types)
    types = _listed(ex, "CaseTypes", "CaseType")
    if types and f.case_type not in types:
        report.problems.append(Problem("fixtures.case_type", f"solution {f.solution!r} has no case type "
                                       f"{f.case_type!r} (GET /solution/{f.solution}/casetypes lists {_some(types)})"))
        return
    ex = ask.get(f"/casetype/{seg(f.case_type)}", tos)
    if _missing(ask, ex, report, "fixtures.case_type", f"case type {f.case_type!r}"):
        return
    names = _listed(ex, "Properties", "SymbolicName")
    if not names:
        return
    wanted = ["title_property"] + (["state_property", "city_property"] if target.capabilities.external_data else [])
    for key in wanted:
        value = getattr(f, key)
        if value not in names:
            report.problems.append(Problem(f"fixtures.{key}", f"case type {f.case_type!r} has no property {value!r} "
                                           f"(GET /casetype/{f.case_type} lists {_some(sorted(names))})"))


def _nothing(ask: _Asker, target: Target, report: Report) -> None:
    report.notes.append("no fixture of this API can be checked by a GET (its fixtures are registration fields)")


PLANS: dict[str, Plan] = {
    "pega-dx-v2": Plan(lambda t: ("/cases/{caseID}", None), _pega_backing, _pega_fixtures),
    "processmaker-3": Plan(lambda t: ("/cases/{app_uid}", None), lambda t: [("/cases", None)], _pm_fixtures),
    "ibm-caserest-v1": Plan(lambda t: ("/case/{caseFolderId}", _ibm_tos(t)), lambda t: [("/solutions", _ibm_tos(t))],
                            _ibm_fixtures),
    "pega-fabric-hub-sync-v1": Plan(lambda t: ("/registrations/{ID}", None), lambda t: [("/registrations", None)],
                                    _nothing),
}


def _auth_setting(target: Target) -> str:
    auth = target.auth
    if isinstance(auth, NoAuth):
        return "auth.type"
    if isinstance(auth, BasicAuth):
        return "auth.username / auth.password"
    if isinstance(auth, BearerAuth):
        return "auth.token"
    if isinstance(auth, OAuth2Password):
        return "auth (client_id, username, scope)"
    return "auth (client_id, scope)"


def _auth_problem(target: Target, core: Exchange) -> Problem:
    if isinstance(target.auth, NoAuth):
        why = f"the server asks for credentials ({said(core)}), but the target sends none"
    elif isinstance(target.auth, (BasicAuth, BearerAuth)):
        why = f"the server refuses the credentials ({said(core)})"
    else:
        why = (f"the token endpoint issued a token, but the API refuses it ({said(core)}): check that "
               f"auth.token_url belongs to this server and that the client may use this application")
    return Problem(_auth_setting(target), why)


def _base_url_problem(ask: _Asker, target: Target, plan: Plan, core: Exchange, report: Report) -> Problem | None:
    no_route = ask.no_route
    assert no_route is not None
    if probe._signature(core) != probe._signature(no_route):  # noqa: SLF001
        return None  # the server tells an unknown ID from an unknown route: the API is there
    status, kind = core.status or 0, _kind(core) or "no Content-Type"
    if 200 <= status < 300 and not _is_json(core):
        return Problem("base_url", f"every request answers {status} {kind}, a page rather than the API ({said(core)}; "
                                   f"a route that cannot exist answers the same): the base URL looks wrong")
    if status not in probe.ROUTE_MISSING:
        return None  # 3xx, 5xx and the rest: the tests report what the server did
    others = [ex for ex in (ask.get(path, params) for path, params in plan.backing(target)) if ex is not None]
    if any(not ask.like_no_route(ex) for ex in others):
        report.notes.append("the server answers an unknown ID like an unknown route; other GETs show the API is there")
        return None
    if not others and _is_json(core):
        report.notes.append(f"cannot tell whether the base path is right: an unknown ID and an unknown route both "
                            f"answer {said(core)}")
        return None
    also = f", and so do {', '.join(said(ex).split(' ->')[0] for ex in others)}" if others else ""
    return Problem("base_url", f"every request answers {status} {kind} ({said(core)}; a route that cannot exist "
                               f"answers the same{also}): the base path looks wrong")


def check(target: Target, session: Session, max_requests: int = MAX_REQUESTS, fixtures: bool = True) -> Report:
    """Ask the server whether the target's base URL, credentials and (with `fixtures`) its fixtures are
    right; GETs only."""
    report = Report()
    plan = PLANS.get(target.api)
    if plan is None:
        return report
    ask = _Asker(session, max_requests)
    try:
        ask.no_route = ask.get(probe._fill(probe._NO_ROUTE, {}))  # noqa: SLF001 - the probe's own route
        path, params = plan.core(target)
        core = ask.get(probe._fill(path, {}), params)  # noqa: SLF001 - an ID that cannot exist
        if core is None or ask.no_route is None or core.status is None:
            return report
        if core.status == 401:
            report.problems.append(_auth_problem(target, core))
            return report
        problem = _base_url_problem(ask, target, plan, core, report)
        if problem is not None:
            report.problems.append(problem)
            return report
        if fixtures:
            plan.fixtures(ask, target, report)
    except _Unreachable as exc:
        parts = urlsplit(target.base_url)
        report.problems.append(Problem("base_url", f"nothing answers at {parts.scheme}://{parts.netloc} ({exc})"))
    except _Inconclusive as exc:
        report.notes.append(f"pre-flight stopped ({exc}); the tests will say what the server does")
    finally:
        times = [ex.elapsed_ms for ex in ask.cache.values() if ex.status is not None]
        report.round_trip_ms = min(times) if times else None
    return report


# a server at least this far away keeps a one-process run waiting for most of its time
FAR_MS = 20.0


def workers_hint(report: Report, workers: int, max_in_flight: int) -> str | None:
    """What to say to a run of one process against a server far away: against a Pega emulator 100 ms away
    `--workers 8` reached the verdict about six times sooner than one request at a time, with the same
    outcomes (docs/benchmarks.md, section Latency)."""
    if workers > 1 or max_in_flight <= 1 or report.round_trip_ms is None or report.round_trip_ms < FAR_MS:
        return None
    suggest = min(8, max_in_flight)
    return (f"the server takes at least {report.round_trip_ms:.0f} ms to answer, so this run will mostly wait: "
            f"--workers {suggest} overlaps that waiting with the same outcomes (docs/usage.md, Choosing --workers)")


def token_problem(target: Target, error: Exception) -> str:
    """A token endpoint's refusal (exit 3 before any test), said as the setting to fix."""
    text = str(error)
    auth = target.auth
    url = getattr(auth, "token_url", "")
    if "invalid_client" in text or "unauthorized_client" in text:
        setting = "auth.client_id / auth.client_secret"
        why = "the token endpoint refuses the client"
    elif "invalid_grant" in text and isinstance(auth, OAuth2Password):
        setting, why = "auth.username / auth.password", "the token endpoint refuses the user's credentials"
    elif "unsupported_grant_type" in text:
        setting, why = "auth.type", "the token endpoint does not offer this grant"
    elif "invalid_scope" in text:
        setting, why = "auth.scope", "the token endpoint refuses the scope"
    elif "answered no access_token" in text:
        setting, why = "auth.token_url", "the URL answered, but with no access token: it does not look like the token endpoint"
    elif "Connection refused" in text or "ConnectError" in text or "Name or service not known" in text:
        setting, why = "auth.token_url", f"nothing answers at {urlsplit(url).scheme}://{urlsplit(url).netloc}"
    else:
        setting, why = "auth", "the token request failed"
    return f"{setting}: {why} ({text})"


def passes(target: Target, session: Session, console: Any, verbose: bool = False, workers: int | None = None) -> bool:
    """Pre-flight for `conformance run`: print what is wrong (and, with -v, what was not checked); given
    the run's `workers`, say when more would help against a server far away."""
    from rich.markup import escape

    report = check(target, session)
    if verbose:
        for note in report.notes:
            console.print(f"[dim]pre-flight: {escape(note)}[/]", highlight=False)
    if report.ok:
        hint = workers_hint(report, workers, target.safety.max_in_flight) if workers is not None else None
        if hint:
            console.print(f"[dim]pre-flight: {escape(hint)}[/]", highlight=False)
        return True
    console.print(f"[bold red]run broken:[/] the target file does not match the server ({escape(target.source)}); "
                  f"nothing was tested:", highlight=False)
    for problem in report.problems:
        console.print(f"  {escape(str(problem))}", highlight=False)
    return False
