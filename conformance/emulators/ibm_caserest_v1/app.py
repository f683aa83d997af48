"""The IBM Case Manager / BAW CASEREST v1 emulator: solutions, case types with an
external data service (EDS), cases, case status, tasks.

Sources: seed 003 (POST /casetype/{name}: RequestMode, ExternalDataIdentifier,
dependent properties, choice lists, 200/400/404/500) and vendor-facts "IBM Case
Manager / BAW CASEREST v1" (the other operations and their status codes, property
metadata keys, the UserMessage error body, the documents' inconsistencies, no
optimistic locking). Every enforced behaviour cites one of them. Bad input always
gets the documented error body; a 500 only ever comes from an injected fault.
"""

from __future__ import annotations

import base64
import datetime as dt
import binascii
import json
import re
import secrets
import time
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance.emulators.chaos import ChaosMiddleware
from conformance.emulators.common import DEMO_PASSWORD, DEMO_USER, Database, EmulatorConfig
from conformance.emulators.ibm_caserest_v1.faults import FAULTS, VARIANTS
from conformance.emulators.ibm_caserest_v1.model import (
    DISCRETIONARY_TASK_TYPES,
    DOCUMENT_TYPES,
    SOLUTIONS,
    case_types,
    constraint_error,
    load_eds,
    value_ok,
)

BASE = "/CaseManager/CASEREST/v1"
JSON_CT = "application/json;charset=UTF-8"  # seed 003 response sample (spelled 'charset-UTF-8' there)
STATUSES = ("Complete", "Failed", "Initializing", "New", "Working")  # VF: GET /case/{id}/status
TASK_STATES = {"Disabled": 0, "Waiting": 1, "Ready": 2, "Working": 3, "Complete": 4}  # variant tasks=grouped
TASK_ACTIONS = {  # VF: PUT /task/{taskId} {action: start|enable|disable|stop|restart}; from-states -> to-state
    "start": ({"Ready"}, "Working"),
    "enable": ({"Disabled"}, "Ready"),
    "disable": ({"Ready", "Waiting"}, "Disabled"),
    "stop": ({"Working"}, "Ready"),
    "restart": ({"Complete"}, "Ready"),
}

# the sub-folders every case of a case type holds (acmdv151's example: entries of template CmAcmCaseSubfolder)
SUBFOLDERS = ("Correspondence", "Evidence")
# the stages of every case type (acmdv148's example names FirstStage and SecondStage)
STAGES = ("FirstStage", "SecondStage", "ThirdStage")

SCHEMA = """
CREATE TABLE IF NOT EXISTS request_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    folder_id TEXT UNIQUE NOT NULL,
    identifier TEXT NOT NULL,
    case_type TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    props TEXT NOT NULL,
    last_put TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    folder_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS comments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    folder_id TEXT NOT NULL,
    type TEXT NOT NULL,
    item_id TEXT,
    context INTEGER NOT NULL,
    text TEXT NOT NULL,
    creator TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    folder_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    object_type TEXT NOT NULL,
    user TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT
);
CREATE TABLE IF NOT EXISTS relations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    type TEXT NOT NULL,
    category TEXT,
    two_way INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (
    folder_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    started TEXT,
    completed TEXT,
    restarts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (folder_id, position)
);
CREATE TABLE IF NOT EXISTS eds_states (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_type TEXT NOT NULL,
    vals TEXT NOT NULL
);
"""


class AsciiJSON(JSONResponse):
    """JSON escaped to ASCII: a stored string with a lone surrogate (JSON allows \\ud800) still renders."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class ApiError(Exception):
    def __init__(self, status: int, code: str, text: str) -> None:
        self.status, self.code, self.text = status, code, text


def now_z() -> str:
    """Now in UTC to the second, as acmdv130 and acmdv148 write dates: 2021-03-11T05:05:15Z."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def bare(folder_id: str) -> str:
    return folder_id.strip().removeprefix("{").removesuffix("}").upper()


def _camel(obj: Any) -> Any:
    """seed 003: casetype answers spell keys camelCase (symbolicName, choiceList, displayName)."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            key = "displayName" if key == "ChoiceName" else key[:1].lower() + key[1:]
            out[key] = _camel(value)
        return out
    if isinstance(obj, list):
        return [_camel(v) for v in obj]
    return obj


def _get(item: dict[str, Any], name: str) -> Any:
    """A request member in either spelling: seed 003's template says symbolicName/value, its sample
    SymbolicName/Value."""
    return item.get(name, item.get(name[:1].lower() + name[1:]))


class CaseRestEmulator:
    def __init__(self, config: EmulatorConfig) -> None:
        config.validate(FAULTS, VARIANTS)
        unknown = set(config.options) - set(OPTIONS)
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(OPTIONS)}")
        self.config = config
        self.faults = config.faults
        self.eds = load_eds(config.options.get("eds"))
        # the case types as the variant set defines them (model.case_types)
        self.types = case_types(self.variant("object-properties") == "on", self.variant("constraints") == "acmdv106",
                                self.variant("updatability") == "oncreate")
        self.db = Database(config.db_path, SCHEMA)
        self.users = {DEMO_USER: DEMO_PASSWORD}  # demo credentials (emulators/common.py), not secrets
        if config.cases:
            self.seed(config.cases)

    def variant(self, name: str) -> str:
        return self.config.variant(VARIANTS, name)

    # -- responses ------------------------------------------------------------------------------
    def unauthenticated(self, request: Request, exc: ApiError) -> Response:
        """No CASEREST page lists 401: the application server or the SSO login answers (acmdv100, acmdv101)."""
        how = self.variant("unauthenticated")
        if how == "container-401":
            return Response("<html><body>Error 401: Authentication required</body></html>", status_code=401,
                            media_type="text/html", headers={"WWW-Authenticate": 'Basic realm="defaultRealm"'})
        if how == "login-redirect":
            return Response(status_code=302, headers={"Location": "/CaseManager/login?returnTo=" + request.url.path})
        return self.error(exc)

    def error(self, exc: ApiError) -> Response:
        # VF: {"UserMessage": {"UniqueId", "Text", "Severity"}, "UnderlyingDetails": {"Causes": [...]}};
        # the status tables spell it userMessage (variant error-element)
        message: dict[str, Any] = {"UniqueId": exc.code, "Text": exc.text, "Severity": "ERROR"}
        if "error-no-text" in self.faults:
            del message["Text"]
        camel = self.variant("error-element") == "camelCase"
        body = {"userMessage" if camel else "UserMessage": message,
                "underlyingDetails" if camel else "UnderlyingDetails": {"Causes": [exc.text]}}
        headers = {"WWW-Authenticate": 'Basic realm="CASEREST"'} if exc.status == 401 else None
        return AsciiJSON(body, status_code=exc.status, headers=headers, media_type=JSON_CT)

    def ok(self, body: Any, status: int = 200) -> Response:
        return AsciiJSON(body, status_code=status, media_type=JSON_CT)

    def folder_out(self, folder_id: str) -> str:
        # VF: POST /cases returns CaseFolderId in braces, GET/PUT examples use it without (variant folder-id)
        return "{" + folder_id + "}" if self.variant("folder-id") == "braces" else folder_id

    # -- request parsing ------------------------------------------------------------------------
    async def body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        try:
            data = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            if "not-json-500" in self.faults:
                raise RuntimeError("injected fault: unparsable body") from None
            data = ...
        if data is ... or not isinstance(data, dict):
            # seed 003: 400 'a parameter value was invalid'
            raise ApiError(400, "FNRPA0010E", "The request content is not a JSON object.")
        return data

    def tos(self, request: Request, body: dict[str, Any] | None = None, query: bool = True) -> str:
        # VF: 'TargetObjectStore is required on every call'; seed 003: missing required parameter -> 400
        value = request.query_params.get("TargetObjectStore") if query else None
        if body is not None and value is None:
            value = body.get("TargetObjectStore")
        if not isinstance(value, str) or not value.strip():
            raise ApiError(400, "FNRPA0011E", "The required parameter TargetObjectStore is missing.")
        return value

    @staticmethod
    def check_context(body: dict[str, Any]) -> None:
        context = body.get("ClientContext")
        if context is not None and not isinstance(context, (dict, list)):
            # VF: ClientContext is 'Array' in one table and 'JSON object' in another: both are taken
            raise ApiError(400, "FNRPA0013E", "ClientContext must be an object or an array.")
        edi = body.get("ExternalDataIdentifier")
        if edi is not None and not isinstance(edi, str):
            raise ApiError(400, "FNRPA0013E", "ExternalDataIdentifier must be a string.")

    def check_updates(self, body: dict[str, Any]) -> None:
        # VF: POST /cases and PUT /case/{id} take ReturnUpdates (boolean), ExternalDataIdentifier, ClientContext
        if body.get("ReturnUpdates") is not None and not isinstance(body.get("ReturnUpdates"), bool):
            raise ApiError(400, "FNRPA0013E", "ReturnUpdates must be a boolean.")
        self.check_context(body)

    def case_type(self, name: str) -> dict[str, Any]:
        if name not in self.types:
            if "unknown-type-500" in self.faults:
                raise RuntimeError("injected fault: unknown case type")
            # seed 003: 404 'The case type that was specified in the request was not found'
            raise ApiError(404, "FNRPA0024E", f"The case type {name} was not found.")
        return self.types[name]

    def properties(self, ctype: dict[str, Any], body: dict[str, Any], required: bool) -> tuple[dict[str, Any], list[str]]:
        """Properties[{SymbolicName, Value}] -> ({known name: value}, [unknown names])."""
        items = body.get("Properties", body.get("properties"))
        if items is None:
            if required:
                raise ApiError(400, "FNRPA0011E", "The required parameter Properties is missing.")
            return {}, []
        if not isinstance(items, list):
            raise ApiError(400, "FNRPA0012E", "Properties must be an array.")
        values: dict[str, Any] = {}
        unknown: list[str] = []
        defs = ctype["properties"]
        for item in items:
            if not isinstance(item, dict) or not isinstance(_get(item, "SymbolicName"), str):
                raise ApiError(400, "FNRPA0012E", "Each property needs a SymbolicName.")
            name, value = _get(item, "SymbolicName"), _get(item, "Value")
            if name not in defs:
                if "unknown-name-500" in self.faults:
                    raise RuntimeError("injected fault: unknown symbolic name")
                unknown.append(name)  # ignored (the value is for a property that is not defined)
                continue
            _, ptype, card, _ = defs[name]
            # seed 003: 'Important: The value must match the data type of the property'
            if not value_ok(ptype, card, value) and "wrong-type-accepted" not in self.faults:
                raise ApiError(400, "FNRPA0013E",
                               f"The value of {name} does not match its type {ptype} ({card}).")
            if self.variant("constraints") == "acmdv106":
                problem = constraint_error(defs[name][3], card, value)
                if problem:  # acmdv119, acmdv122: validated against minimum, maximum and choice list
                    raise ApiError(400, "FNRPA0013E", f"The value of {name} is not valid: {problem}.")
            values[name] = value
        return values, unknown

    # -- auth -----------------------------------------------------------------------------------
    def user(self, request: Request, name: str) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", ""
            if user in self.users and (secrets.compare_digest(self.users[user], password)
                                       or "auth-any-password" in self.faults):
                return user
        if "auth-optional-get" in self.faults and name == "get_casetype":
            return "anonymous"
        # VF: auth in the field is HTTP Basic (or the container's login)
        raise ApiError(401, "FNRPA0001E", "Authentication is required.")

    # -- the external data service -------------------------------------------------------------
    def effective(self, type_name: str, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Hidden, Required and ChoiceList of every property for these values (the EDS rules)."""
        defs = self.types[type_name]["properties"]
        out: dict[str, dict[str, Any]] = {}
        for name, (_, _, _, extra) in defs.items():
            cl = extra.get("ChoiceList")
            out[name] = {"Hidden": False, "Required": False,
                         "ChoiceList": None if cl is None else {
                             "DisplayName": cl["DisplayName"],
                             "Choices": [{"ChoiceName": c, "Value": c} for c in cl["Choices"]]}}
        for rule in self.eds.get(type_name, []):
            value = values.get(rule["when"])
            meta = out[rule["target"]]
            if "choices" in rule:
                # seed 003: the choice list of DH2_City follows the selected DH2_State
                options = rule["choices"]
                if "choice-list-ignores-value" in self.faults and value is not None and options:
                    value = next(iter(options))
                choices = options.get(value, []) if isinstance(value, str) else []
                meta["ChoiceList"] = {"DisplayName": rule.get("choiceList", rule["target"] + "ChoiceList"),
                                      "Choices": [{"ChoiceName": c, "Value": c} for c in choices]}
            elif value in rule["equals"] and not isinstance(value, (list, dict)):
                meta.update({k.capitalize(): v for k, v in rule["then"].items()})
        return out

    def has_dependents(self, type_name: str, name: str) -> bool:
        return any(rule["when"] == name for rule in self.eds.get(type_name, []))

    def state(self, type_name: str, edi: Any) -> dict[str, Any]:
        """The values an ExternalDataIdentifier stands for; unknown ones ('-1,0' in seed 003) are the defaults."""
        if "edi-ignored" in self.faults:
            return {}
        match = re.fullmatch(r"(\d+),0", edi) if isinstance(edi, str) else None
        row = self.db.one("SELECT vals FROM eds_states WHERE seq = ? AND case_type = ?",
                          (int(match.group(1)), type_name)) if match else None
        return json.loads(row["vals"]) if row else {}

    def new_edi(self, type_name: str, values: dict[str, Any]) -> str:
        with self.db.tx() as conn:
            cur = conn.execute("INSERT INTO eds_states(case_type, vals) VALUES (?, ?)",
                               (type_name, json.dumps(values)))
            return f"{cur.lastrowid},0"  # seed 003: '-1,0' -> '1,0'

    def metadata(self, type_name: str, name: str, eff: dict[str, Any], value: Any) -> dict[str, Any]:
        # VF: SymbolicName, DisplayName, Value, OriginalValue, DisplayMode, PropertyType, Cardinality,
        # Updatability, Required, Hidden, DefaultValue, MaxValue, MinValue, MaxLength, HasDependentProperties,
        # ChoiceList{DisplayName, Choices[{ChoiceName, Value}]}
        _, ptype, card, extra = self.types[type_name]["properties"][name]
        meta: dict[str, Any] = {
            "SymbolicName": name, "DisplayName": name.split("_", 1)[-1], "Value": value, "OriginalValue": None,
            "DisplayMode": "ReadOnly" if extra.get("Updatability") == "ReadOnly" else "ReadWrite",
            "PropertyType": self.type_out(ptype), "Cardinality": self.card_out(card),
            "Updatability": extra.get("Updatability", "ReadWrite"),
            "Required": eff["Required"], "Hidden": eff["Hidden"], "DefaultValue": None,
            "HasDependentProperties": self.has_dependents(type_name, name),
        }
        for key in ("MaxValue", "MinValue", "MaxLength"):
            if key in extra:
                meta[key] = extra[key]
        if eff["ChoiceList"] is not None:
            meta["ChoiceList"] = eff["ChoiceList"]
        return meta

    def type_out(self, ptype: str) -> str:
        # acmdv085: "integer float boolean string datetime id object" (variant property-type)
        if self.variant("property-type") == "id":
            return "id" if ptype == "GUID" else ptype.lower()
        return ptype

    def card_out(self, card: str) -> str:
        # acmdv085: Cardinality "single multi" (variant cardinality)
        if self.variant("cardinality") == "multi":
            return "multi" if card == "LIST" else "single"
        return card

    def casetype_answer(self, body: dict[str, Any]) -> Response:
        if "edi-missing" in self.faults:
            body.pop("ExternalDataIdentifier", None)
        # VF: casetype answers are camelCase (seed 003) while case answers are PascalCase (variant casetype-keys)
        return self.ok(_camel(body) if self.variant("casetype-keys") == "camelCase" else body)

    # -- handlers -------------------------------------------------------------------------------
    async def solutions(self, request: Request, user: str) -> Response:
        if self.variant("solutions-tos") == "required":  # VF; acmdv112 lists no parameter (variant solutions-tos)
            self.tos(request)
        return self.ok({"Solutions": [
            {"SolutionName": name, "SolutionPrefix": info["prefix"], "SolutionDisplayName": info["display"],
             "SolutionDescription": f"{info['display']} (conformance emulator)"}
            for name, info in SOLUTIONS.items()]})

    async def solution_casetypes(self, request: Request, user: str) -> Response:
        self.tos(request)
        name = request.path_params["name"]
        if name not in SOLUTIONS:
            raise ApiError(404, "FNRPA0025E", f"The solution {name} was not found.")  # VF: 404
        types = [] if "casetypes-empty" in self.faults else [
            {"CaseType": t, "DisplayName": d, "Description": f"{d} of {name}"}
            for t, (d, _) in SOLUTIONS[name]["case_types"].items()]
        return self.ok({"CaseTypes": types})

    # -- the definitions of solutions and case types (acmdv091, acmdv111, acmdv114, acmdv115) ------------------
    def definitions_offered(self) -> None:
        if self.variant("definitions") == "off":
            raise ApiError(404, "FNRPA0404E", "No such resource.")

    def solution_of(self, request: Request) -> str:
        self.definitions_offered()
        self.tos(request)
        name = request.path_params["name"]
        if name not in SOLUTIONS:
            raise ApiError(404, "FNRPA0025E", f"The solution {name} was not found.")
        return name

    def views(self, type_name: str) -> dict[str, Any]:
        """acmdv114: CaseTitleProperty and the case data, summary and search views' fields."""
        names = [p for p in self.types[type_name]["properties"] if not p.startswith("CmAcm")]
        fields = lambda some: {"Fields": [{"FieldType": "property", "Name": n} for n in some]}  # noqa: E731
        title = next((p for p in names if p.endswith("_Title")), "CmAcmCaseIdentifier")
        return {"CaseTitleProperty": title, "CaseDataView": fields(names), "CaseSummaryView": fields(names[:4]),
                "CaseSearchView": fields(names[:3])}

    async def get_solution(self, request: Request, user: str) -> Response:
        name = self.solution_of(request)
        # acmdv091: 'For each case type, the method returns a list of the properties and a detailed description of
        # the views'
        types = [] if "solution-details-empty" in self.faults else [
            {"CaseType": t, "DisplayName": d, "Description": f"{d} of {name}", **self.views(t),
             "Properties": [{"SymbolicName": p, "PropertyType": self.type_out(ptype), "Cardinality": self.card_out(c)}
                            for p, (_, ptype, c, _) in self.types[t]["properties"].items()]}
            for t, (d, _) in SOLUTIONS[name]["case_types"].items()]
        return self.ok({"SolutionName": name, "CaseTypes": types})

    async def document_types(self, request: Request, user: str) -> Response:
        name = self.solution_of(request)
        if not DOCUMENT_TYPES.get(name):
            raise ApiError(404, "FNRPA0028E", f"No document classes were found for the solution {name}.")  # acmdv111
        return self.ok({"DocumentTypes": [{"DocumentType": t, "DisplayName": d, "Description": d.lower(),
                                           "HasInstanceCreationRights": True} for t, d in DOCUMENT_TYPES[name]]})

    def casetype_of(self, request: Request) -> str:
        self.definitions_offered()
        self.tos(request)
        name = request.path_params["name"]
        if name not in self.types and "definitions-unknown-200" not in self.faults:
            raise ApiError(404, "FNRPA0024E", f"The case type {name} was not found.")  # acmdv114, acmdv115
        return name

    async def case_page(self, request: Request, user: str) -> Response:
        """acmdv118: GET /casetype/{name}/page?TargetObjectStore=...&PageType=...[&Role=...]: {"PhysicalPageId": ...};
        Role only with CasePage ('not valid if the PageType parameter is set to CaseCreationPage or CaseSplitPage':
        400, seed 003's 'a parameter value was invalid')."""
        name = self.casetype_of(request)
        page_type, role = request.query_params.get("PageType"), request.query_params.get("Role")
        if page_type not in ("CaseCreationPage", "CasePage", "CaseSplitPage"):
            raise ApiError(400, "FNRPA0011E", "The parameter PageType must be CaseCreationPage, CasePage or CaseSplitPage.")
        if role is not None and page_type != "CasePage":
            raise ApiError(400, "FNRPA0013E", "Role is valid only with PageType CasePage.")
        if page_type == "CaseCreationPage" and "creation-page-404" in self.faults:
            raise ApiError(404, "FNRPA0404E", f"No {page_type} for the case type {name}.")
        # the emulator's page IDs: stable hex strings like acmdv118's example
        return self.ok({"PhysicalPageId": uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{page_type}/{role or ''}").hex[:18]})

    async def view_definitions(self, request: Request, user: str) -> Response:
        name = self.casetype_of(request)
        return self.ok(self.views(name) if name in self.types else {})

    async def discretionary_task_types(self, request: Request, user: str) -> Response:
        name = self.casetype_of(request)
        return self.ok({"DiscretionaryTaskTypes": [
            {"TaskName": t, "TaskDisplayName": d, "Description": d, "TaskClassId": "{" + str(
                uuid.uuid5(uuid.NAMESPACE_URL, t)).upper() + "}", "HasInstanceCreationRights": True,
             "RequiresLaunchInfo": False, "IsHidden": False, "IsContainer": False}
            for t, d in DISCRETIONARY_TASK_TYPES.get(name, [])]})

    async def get_casetype(self, request: Request, user: str) -> Response:
        self.tos(request)
        name = request.path_params["name"]
        ctype = self.case_type(name)
        values: dict[str, Any] = {}
        source = request.query_params.get("SourceCaseFolderId")
        if source:  # IBMDOC: reuse the non-empty values of an existing case
            row = self.db.one("SELECT props FROM cases WHERE folder_id = ?", (bare(source),))
            if row is None:
                raise ApiError(404, "FNRPA0026E", f"The case {source} was not found.")
            values = {k: v for k, v in json.loads(row["props"]).items() if k in ctype["properties"] and v not in
                      (None, "", [])}
        eff = self.effective(name, values)
        return self.casetype_answer({
            "CaseType": name, "DisplayName": ctype["display"],
            "ExternalDataIdentifier": self.new_edi(name, values),
            "Properties": [self.metadata(name, p, eff[p], values.get(p)) for p in ctype["properties"]]})

    async def post_casetype(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        self.tos(request, body)
        name = request.path_params["name"]
        ctype = self.case_type(name)
        mode = body.get("RequestMode")
        if mode is None:
            # seed 003: 'The default value for the RequestMode is inProgressChanges'
            mode = "initialNewObject" if "default-mode-initial" in self.faults else "inProgressChanges"
        if mode not in ("initialNewObject", "inProgressChanges"):
            raise ApiError(400, "FNRPA0013E", f"RequestMode {mode!r} is not initialNewObject or inProgressChanges.")
        self.check_context(body)
        edi = body.get("ExternalDataIdentifier")
        if edi is None and mode == "inProgressChanges" and self.eds.get(name) and \
                self.variant("eds-identifier") == "required":
            # acmdv117 Table 2: ExternalDataIdentifier "Yes, if using an external data service"
            raise ApiError(400, "FNRPA0011E", "The required parameter ExternalDataIdentifier is missing.")
        # seed 003: Properties is required (the initialNewObject sample nevertheless omits it)
        values, unknown = self.properties(ctype, body, required=mode == "inProgressChanges")
        if mode == "initialNewObject":
            # seed 003: 'the response contains all the properties that are defined for the specified case type'
            eff = self.effective(name, values)
            names = list(ctype["properties"])
            if "initial-drops-property" in self.faults:
                names = names[:-1]
            props = [self.metadata(name, p, eff[p], values.get(p)) for p in names]
            edi_out = self.new_edi(name, values)
        else:
            # seed 003: 'only those properties that were updated by an external data service based on a change
            # to another property value'; the EDS compares with the state its identifier stands for
            before = self.state(name, edi)
            after = {**before, **values}
            old, new = self.effective(name, before), self.effective(name, after)
            changed = [p for p in ctype["properties"] if old[p] != new[p]]
            if "inprogress-returns-all" in self.faults:
                changed = list(ctype["properties"])
            props = []
            for p in changed:
                item = {"SymbolicName": p, "Hidden": new[p]["Hidden"], "Required": new[p]["Required"],
                        "HasDependentProperties": self.has_dependents(name, p)}
                if new[p]["ChoiceList"] is not None:
                    item["ChoiceList"] = new[p]["ChoiceList"]
                props.append(item)
            edi_out = self.new_edi(name, after)
        if "unknown-name-echoed" in self.faults:
            props += [{"SymbolicName": u, "Hidden": False, "Required": False, "HasDependentProperties": False}
                      for u in unknown]
        return self.casetype_answer({"ExternalDataIdentifier": edi_out, "Properties": props})

    def _store_values(self, type_name: str, values: dict[str, Any]) -> dict[str, Any]:
        defs = self.types[type_name]["properties"]
        out = {}
        for name, value in values.items():
            if defs[name][3].get("Updatability") == "ReadOnly":
                continue  # read-only properties are the server's
            if "list-first-only" in self.faults and isinstance(value, list):
                value = value[:1]
            out[name] = value
        return out

    async def create_case(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        if "id-list-500" in self.faults and any(isinstance(body.get(k), list)
                                                for k in ("CaseType", "TargetObjectStore")):
            # the defect class stock schemathesis found on a real server: a name sent as a JSON list fails
            raise RuntimeError("injected fault: id-list-500")
        self.tos(request, body)
        type_name = body.get("CaseType")
        if type_name is None and "missing-case-type-201" in self.faults:
            type_name = "DH2_MyCase"
        if not isinstance(type_name, str) or not type_name:
            # VF: POST /cases body: CaseType and TargetObjectStore required
            raise ApiError(400, "FNRPA0011E", "The required parameter CaseType is missing.")
        ctype = self.case_type(type_name)
        self.check_updates(body)
        values, _ = self.properties(ctype, body, required=False)
        return self.ok(self.insert_case(type_name, self._store_values(type_name, values), user),
                       200 if "create-200" in self.faults else 201)  # VF: POST /cases 201

    def insert_case(self, type_name: str, values: dict[str, Any], user: str) -> dict[str, Any]:
        folder = str(uuid.uuid4()).upper()
        title_prop = next((p for p in self.types[type_name]["properties"] if p.endswith("_Title")), None)
        with self.db.tx() as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM cases").fetchone()[0]
            identifier = f"{type_name}_{seq:012d}"
            title = str(values.get(title_prop) or identifier) if title_prop else identifier
            conn.execute("INSERT INTO cases(folder_id, identifier, case_type, title, status, props, created_by, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (folder, identifier, type_name, title, "Working", json.dumps(values), user, time.time()))
            self.event(conn, folder, "CreationEvent", "CmAcmCaseFolder", user)
            for name, ttype, state in (("Review", "Required", "Ready"), ("Follow up", "Optional", "Waiting"),
                                       ("Escalate", "Discretionary", "Disabled")):
                conn.execute("INSERT INTO tasks(id, folder_id, name, type, state) VALUES (?, ?, ?, ?, ?)",
                             ("{" + str(uuid.uuid4()).upper() + "}", folder, name, ttype, state))
        body = {"CaseTitle": title, "CaseIdentifier": identifier, "CaseFolderId": self.folder_out(folder)}
        if "create-no-folder-id" in self.faults:
            del body["CaseFolderId"]
        return body

    def load(self, folder_id: str) -> Any:
        row = self.db.one("SELECT * FROM cases WHERE folder_id = ?", (bare(folder_id),))
        if row is None:
            if "unknown-case-400" in self.faults:
                raise ApiError(400, "FNRPA0013E", f"The case folder id {folder_id} is invalid.")
            raise ApiError(404, "FNRPA0026E", f"The case {folder_id} was not found.")  # VF: 404
        return row

    def value_out(self, ptype: str, value: Any) -> Any:
        if self.variant("numbers") == "string" and ptype in ("Integer", "Float") and value is not None:
            # VF: numbers are sent as strings in the documented samples
            return [str(v) for v in value] if isinstance(value, list) else str(value)
        return value

    @staticmethod
    def object_value(row: Any, card: str) -> Any:
        """acmdv085: an object-valued property's Value is a JSON object ({"Type": "reference", ...}); acmdv119: a
        business object's is an array of objects with their own Properties."""
        if card == "LIST":
            return [{"Properties": [{"SymbolicName": "DH2_PersonName", "Value": row["created_by"]}]}]
        return {"Type": "reference", "ObjectStoreIdentity": "{" + str(uuid.UUID(int=1)).upper() + "}",
                "ObjectIdentity": "{" + row["folder_id"] + "}"}

    async def get_case(self, request: Request, user: str) -> Response:
        if "tos-optional-case-get" not in self.faults:
            self.tos(request)
        return self.case_answer(self.load(request.path_params["id"]))

    def case_answer(self, row: Any) -> Response:
        values = json.loads(row["props"])
        props = []
        for name, (_, ptype, card, extra) in self.types[row["case_type"]]["properties"].items():
            value = values.get(name)
            if name == "CmAcmCaseIdentifier":
                value = row["identifier"]
            elif name == "CmAcmCaseState":
                value = 2
            elif ptype == "Object":
                value = self.object_value(row, card)
            if ptype == "DateTime" and card == "SINGLE" and "get-drops-datetime" in self.faults:
                value = None
            props.append({"SymbolicName": name, "DisplayName": name.split("_", 1)[-1],
                          "PropertyType": self.type_out(ptype), "Cardinality": self.card_out(card),
                          "Value": self.value_out(ptype, value)})
        # VF: case answers are PascalCase
        return self.ok({"CaseType": row["case_type"], "CaseIdentifier": row["identifier"], "CaseTitle": row["title"],
                        "CaseFolderId": self.folder_out(row["folder_id"]), "Properties": props})

    async def case_operation(self, request: Request, user: str) -> Response:
        """acmdv121: POST /case/{id} with Operation split, fetchProperties, relate or unrelate."""
        if self.variant("case-operations") == "off":
            raise ApiError(404, "FNRPA0404E", f"No resource at {request.method} {request.url.path}.")
        body = await self.body(request)
        self.tos(request, body)
        row = self.load(request.path_params["id"])
        self.check_updates(body)
        operation = body.get("Operation")
        if operation == "fetchProperties":  # 'returns the case properties'
            return self.case_answer(row)
        if operation == "split":
            # 'No data from the original case is used': a new case of CaseType with the given Properties; 201 with
            # its CaseFolderId (the example; the table says 200)
            type_name = body.get("CaseType")
            if not isinstance(type_name, str) or not type_name:
                raise ApiError(400, "FNRPA0011E", "The required parameter CaseType is missing.")
            ctype = self.case_type(type_name)
            values, _ = self.properties(ctype, body, required=False)
            created = self.insert_case(type_name, self._store_values(type_name, values), user)
            self.relate(row["folder_id"], bare(created["CaseFolderId"]), "split", None, True)
            return self.ok({"CaseFolderId": created["CaseFolderId"]}, 201)
        if operation == "relate":
            other = body.get("CaseFolderId")
            if not isinstance(other, str):
                raise ApiError(400, "FNRPA0011E", "The required parameter CaseFolderId is missing.")
            target = self.load(other)["folder_id"]
            two_way = str(body.get("TwoWayRelationship", "true")).lower() != "false"  # 'defaults to true'
            category = body.get("RelationshipCategory")
            if category is not None and not isinstance(category, str):
                raise ApiError(400, "FNRPA0013E", "RelationshipCategory must be a string.")
            # '201 ... the case relationship was created ... the ID of the new case relationship'
            return self.ok({"RelationshipId": self.relate(row["folder_id"], target, "Related", category, two_way)},
                           201)
        if operation == "unrelate":
            rel = body.get("RelationshipId")
            if not isinstance(rel, str):
                raise ApiError(400, "FNRPA0011E", "The required parameter RelationshipId is missing.")
            found = self.db.one("SELECT id FROM relations WHERE id = ? AND (source = ? OR target = ?)",
                                (rel, row["folder_id"], row["folder_id"]))
            if found is None:
                raise ApiError(404, "FNRPA0029E", f"The relationship {rel} was not found.")
            if "unrelate-ignored" not in self.faults:
                self.db.run("DELETE FROM relations WHERE id = ?", (rel,))
            return self.ok({})
        raise ApiError(400, "FNRPA0013E", "Operation must be split, fetchProperties, relate or unrelate.")

    def relate(self, source: str, target: str, kind: str, category: Any, two_way: bool) -> str:
        rel = "{" + str(uuid.uuid4()).upper() + "}"
        self.db.run("INSERT INTO relations(id, source, target, type, category, two_way) VALUES (?, ?, ?, ?, ?, ?)",
                    (rel, source, target, kind, category, int(two_way)))
        return rel

    async def related_cases(self, request: Request, user: str) -> Response:
        """acmdv124: the related cases, a JSON array of {Status, CaseTitle, CaseIdentifier, CaseFolderId, DateCreated,
        Creator, RelationshipType, RelationshipId, RelationshipCategory}; RelationshipType filters."""
        if self.variant("case-operations") == "off":
            raise ApiError(404, "FNRPA0404E", f"No resource at {request.method} {request.url.path}.")
        self.tos(request)
        folder = self.load(request.path_params["id"])["folder_id"]
        rows = self.db.all("SELECT * FROM relations WHERE source = ? OR (target = ? AND two_way = 1) ORDER BY seq",
                           (folder, folder))
        out = []
        for r in rows:
            mine = r["source"] == folder
            other = self.db.one("SELECT * FROM cases WHERE folder_id = ?", (r["target"] if mine else r["source"],))
            if other is None:
                continue
            kind = r["type"] if r["type"] != "split" else ("split target" if mine else "split source")
            if request.query_params.get("RelationshipType") not in (None, kind):
                continue
            out.append({"Status": other["status"], "CaseTitle": other["title"], "CaseIdentifier": other["identifier"],
                        "CaseFolderId": other["folder_id"],
                        "DateCreated": dt.datetime.fromtimestamp(other["created_at"], dt.timezone.utc).isoformat(),
                        "Creator": other["created_by"], "RelationshipType": kind, "RelationshipId": r["id"],
                        **({"RelationshipCategory": r["category"]} if r["category"] else {})})
        return self.ok(out)

    async def put_case(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        self.tos(request, body)
        row = self.load(request.path_params["id"])
        self.check_updates(body)
        defs = self.types[row["case_type"]]["properties"]
        values, _ = self.properties(self.types[row["case_type"]], body, required=False)
        for name in values:
            if defs[name][3].get("Updatability") == "oncreate":
                # acmdv085: oncreate 'a case worker can modify the property value only when creating a case'
                raise ApiError(400, "FNRPA0013E", f"The property {name} can be set only when the case is created.")
            if "put-refuses-integer" in self.faults and defs[name][1] == "Integer" and values[name] is not None:
                raise ApiError(400, "FNRPA0013E", f"The value of {name} is not valid.")
        values = self._store_values(row["case_type"], values)
        with self.db.tx() as conn:
            current = conn.execute("SELECT props, last_put FROM cases WHERE folder_id = ?",
                                   (row["folder_id"],)).fetchone()
            stored = json.loads(current["props"])
            if "stale-partial-merge" in self.faults:
                values = {k: v for k, v in values.items() if k not in json.loads(current["last_put"])}
            if "put-ignored" not in self.faults:
                # VF: no optimistic locking is documented: PUT simply overwrites
                stored.update(values)
            conn.execute("UPDATE cases SET props = ?, last_put = ? WHERE folder_id = ?",
                         (json.dumps(stored), json.dumps(sorted(values)), row["folder_id"]))
            self.event(conn, row["folder_id"], "UpdateEvent", "CmAcmCaseFolder", user)
        return self.ok({})  # VF: PUT /case/{id} 200, body {}

    async def case_status(self, request: Request, user: str) -> Response:
        self.tos(request)
        row = self.load(request.path_params["id"])
        status = "Active" if "status-undocumented" in self.faults else row["status"]
        if self.variant("status-member") == "Status":
            # acmdv123: {"Status": "Working", "CaseIdentifier": ..., "DateCreated": ..., "DateLastModified": ...}
            created = dt.datetime.fromtimestamp(row["created_at"], dt.timezone.utc).isoformat()
            return self.ok({"Status": status, "CaseIdentifier": row["identifier"], "DateCreated": created,
                            "DateLastModified": created})
        return self.ok({"CaseFolderId": self.folder_out(row["folder_id"]), "CaseStatus": status})

    async def case_tasks(self, request: Request, user: str) -> Response:
        self.tos(request)
        row = self.load(request.path_params["id"])
        return self.ok(self.task_answer(row["folder_id"]))

    def task_answer(self, folder_id: str) -> dict[str, Any]:
        tasks = self.db.all("SELECT * FROM tasks WHERE folder_id = ? ORDER BY rowid", (folder_id,))
        if self.variant("tasks") == "grouped":
            # acmdv125: activities grouped Required, Optional, Disabled (Grouping=ROD), "The GET method does not
            # return groups that are empty"; TaskState an integer (this numbering is the emulator's own)
            groups: dict[str, list[dict[str, Any]]] = {}
            for t in tasks:
                group = "Disabled" if t["state"] == "Disabled" else \
                    "Required" if t["type"] == "Required" else "Optional"
                groups.setdefault(group, []).append({"TaskId": t["id"], "TaskName": t["name"],
                                                     "TaskType": t["type"], "TaskState": TASK_STATES[t["state"]]})
            return groups
        return {"CaseFolderId": self.folder_out(folder_id), "Tasks": [
            {"TaskId": t["id"], "TaskName": t["name"], "TaskType": t["type"], "TaskState": t["state"]}
            for t in tasks]}

    async def create_task(self, request: Request, user: str) -> Response:
        """acmdv127: POST /case/{id}/tasks?TargetObjectStore=... {TaskTypeName, TaskName, StepElement}: 201, the
        activity's workflow started; 200 for a duplicate POST (the emulator's reading: the same TaskTypeName and
        TaskName again for the case), with the first answer's body."""
        if self.variant("discretionary-tasks") == "off":
            raise ApiError(404, "FNRPA0404E", f"No resource at {request.method} {request.url.path}.")
        self.tos(request)
        body = await self.body(request)
        row = self.load(request.path_params["id"])
        type_name, name = body.get("TaskTypeName"), body.get("TaskName")
        for key, value in (("TaskTypeName", type_name), ("TaskName", name)):  # acmdv127 Table: both "Yes"
            if not isinstance(value, str) or not value:
                raise ApiError(400, "FNRPA0011E", f"The required parameter {key} is missing.")
        if type_name not in dict(DISCRETIONARY_TASK_TYPES.get(row["case_type"], [])):
            raise ApiError(400, "FNRPA0013E", f"{type_name} is not a discretionary activity type of the case type.")
        if body.get("StepElement") is not None and not isinstance(body["StepElement"], dict):
            raise ApiError(400, "FNRPA0013E", "StepElement must be a JSON object.")
        with self.db.tx() as conn:
            same = conn.execute("SELECT id FROM tasks WHERE folder_id = ? AND type = ? AND name = ?",
                                (row["folder_id"], type_name, name)).fetchone()
            if same is not None:
                return self.ok({"TaskId": same["id"], "TaskName": name, "TaskTypeName": type_name})
            task_id = "{" + str(uuid.uuid4()).upper() + "}"
            if "activity-not-listed" not in self.faults:
                conn.execute("INSERT INTO tasks(id, folder_id, name, type, state) VALUES (?, ?, ?, ?, ?)",
                             (task_id, row["folder_id"], name, type_name, "Working"))
        return self.ok({"TaskId": task_id, "TaskName": name, "TaskTypeName": type_name}, 201)

    async def launch_info(self, request: Request, user: str) -> Response:
        """acmdv126: GET /case/{id}/tasktype/{name}?TargetObjectStore=...: the launch step information (attachments,
        system properties, workflow groups, data fields, step processor; the members' spelling is the emulator's
        reading, the page shows no body); 404 for an unknown case folder or activity type."""
        if self.variant("discretionary-tasks") == "off":
            raise ApiError(404, "FNRPA0404E", f"No resource at {request.method} {request.url.path}.")
        self.tos(request)
        row = self.load(request.path_params["id"])
        name = request.path_params["name"]
        if name not in dict(DISCRETIONARY_TASK_TYPES.get(row["case_type"], [])) \
                and "launchinfo-unknown-200" not in self.faults:
            raise ApiError(404, "FNRPA0404E", f"The activity type {name} was not found.")
        return self.ok({"attachments": [], "systemProperties": {"caseFolderId": self.folder_out(row["folder_id"]),
                                                               "taskTypeName": name},
                        "workflowGroups": [], "dataFields": [], "stepProcessor": {"name": "Launch step"}})

    async def put_task(self, request: Request, user: str) -> Response:
        body = await self.body(request)
        # acmdv128: TargetObjectStore in the query; the emulator also takes it in the body (VF)
        self.tos(request, body, query="task-tos-body-only" not in self.faults)
        task_id = request.path_params["id"]
        action = body.get("action", body.get("Action"))
        if not isinstance(action, str) or action not in TASK_ACTIONS:
            raise ApiError(400, "FNRPA0013E", f"action must be one of {', '.join(TASK_ACTIONS)}.")
        with self.db.tx() as conn:
            row = conn.execute("SELECT * FROM tasks WHERE id = ? OR id = ?",
                               (task_id, "{" + bare(task_id) + "}")).fetchone()
            if row is None:
                raise ApiError(404, "FNRPA0027E", f"The task {task_id} was not found.")
            sources, target = TASK_ACTIONS[action]
            if action == "enable" and row["state"] != "Disabled" and "enable-enabled-400" not in self.faults:
                # acmdv128: 'the PUT method does not return an error when a request is made to enable an
                # activity that is already enabled'
                return self.ok(self.task_answer(row["folder_id"]) if self.variant("tasks") == "grouped" else {})
            if row["state"] not in sources:
                raise ApiError(400, "FNRPA0014E", f"The task is {row['state']}; {action} is not possible.")
            conn.execute("UPDATE tasks SET state = ? WHERE id = ?", (target, row["id"]))
        # acmdv128: the table says 'No content', its example answers the activity groups (variant tasks)
        return self.ok(self.task_answer(row["folder_id"]) if self.variant("tasks") == "grouped" else {})

    # acmdv129, acmdv130: CommentType "Activity Case Document WorkItem"; ItemId for all but Case
    COMMENT_TYPES = ("Activity", "Case", "Document", "WorkItem")

    def comment_kind(self, kind: Any, item_id: Any) -> None:
        if self.variant("comments") == "off":
            raise ApiError(404, "FNRPA0404E", "No comments resource.")
        if kind not in self.COMMENT_TYPES:
            raise ApiError(400, "FNRPA0013E", f"CommentType must be one of {', '.join(self.COMMENT_TYPES)}.")
        if kind != "Case" and not isinstance(item_id, str):
            raise ApiError(400, "FNRPA0011E", f"ItemId is required for CommentType {kind}.")

    @staticmethod
    def comment_out(row: Any) -> dict[str, Any]:
        # acmdv129, acmdv130: {Id, Creator, CommentContext, DateCreated, CommentText}
        return {"Id": row["id"], "Creator": row["creator"], "CommentContext": row["context"],
                "DateCreated": row["created"], "CommentText": row["text"]}

    async def get_comments(self, request: Request, user: str) -> Response:
        self.tos(request)  # acmdv129: TargetObjectStore and CommentType required (400)
        kind, item_id = request.query_params.get("CommentType"), request.query_params.get("ItemId")
        self.comment_kind(kind, item_id)
        row = self.load(request.path_params["id"])
        rows = self.db.all("SELECT * FROM comments WHERE folder_id = ? AND type = ? AND COALESCE(item_id, '') = ? "
                           "ORDER BY seq", (row["folder_id"], kind, item_id if kind != "Case" and item_id else ""))
        if "comment-not-listed" in self.faults:
            rows = rows[:-1]
        # acmdv129's table says '201 Created' for this GET; its example and the emulator answer 200
        return self.ok({"Comments": [self.comment_out(r) for r in rows]})

    async def post_comment(self, request: Request, user: str) -> Response:
        self.tos(request)  # acmdv130: TargetObjectStore is a query parameter
        body = await self.body(request)
        kind, item_id = body.get("CommentType"), body.get("ItemId")
        self.comment_kind(kind, item_id)
        context, text = body.get("CommentContext"), body.get("CommentText")
        if isinstance(context, bool) or not isinstance(context, int) or not -2**63 <= context < 2**63:
            # acmdv130: CommentContext 'A number that indicates the action'; one larger than the store's
            # integers (SQLite's end at 2**63 - 1) is refused as not a number it can hold, never a 500 (a
            # generated 390777457922590131760398336 was an OverflowError)
            raise ApiError(400, "FNRPA0013E", "CommentContext must be a number.")
        if not isinstance(text, str) or not text:
            raise ApiError(400, "FNRPA0011E", "The required parameter CommentText is missing.")
        row = self.load(request.path_params["id"])
        comment_id = "{" + str(uuid.uuid4()).upper() + "}"
        created = now_z()
        with self.db.tx() as conn:
            conn.execute("INSERT INTO comments(id, folder_id, type, item_id, context, text, creator, created) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (comment_id, row["folder_id"], kind, item_id if kind != "Case" else None, context, text,
                          user, created))
            self.event(conn, row["folder_id"], "CreationEvent", "CmAcmCaseComment", user, text)
        stored = self.db.one("SELECT * FROM comments WHERE id = ?", (comment_id,))
        # acmdv130: the table says 200 OK, the example answers 201 Created with the comment
        return self.ok(self.comment_out(stored), 201)

    @staticmethod
    def event(conn: Any, folder: str, event_type: str, object_type: str, user: str, text: str | None = None) -> None:
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
        conn.execute("INSERT INTO history(folder_id, event_type, object_type, user, at, text) VALUES (?, ?, ?, ?, ?, ?)",
                     (folder, event_type, object_type, user, at, text))

    async def get_history(self, request: Request, user: str) -> Response:
        """acmdv131: entries newest first, BatchSize of them (200 without it), a ContinuationToken while more remain;
        ObjectTypes and EventTypes filter (space-separated)."""
        if self.variant("history") == "off":
            raise ApiError(404, "FNRPA0404E", "No history resource.")
        self.tos(request)
        q = request.query_params
        size, token = q.get("BatchSize", "200"), q.get("ContinuationToken")
        if not size.isdigit() or int(size) < 1:
            raise ApiError(400, "FNRPA0013E", "BatchSize must be a positive integer.")
        if token is not None and not token.isdigit():
            raise ApiError(400, "FNRPA0013E", "The ContinuationToken is not valid.")
        row = self.load(request.path_params["id"])
        sql, args = "SELECT * FROM history WHERE folder_id = ?", [row["folder_id"]]
        for column, name in (("object_type", "ObjectTypes"), ("event_type", "EventTypes")):
            wanted = (q.get(name) or "").split()
            if wanted:
                sql += f" AND {column} IN ({', '.join('?' for _ in wanted)})"
                args += wanted
        if token is not None:
            sql += " AND seq < ?"
            args.append(int(token))
        limit = int(size) if "history-ignores-batchsize" not in self.faults else 10 ** 6
        rows = self.db.all(sql + " ORDER BY seq DESC LIMIT ?", (*args, limit + 1))
        more, rows = len(rows) > limit, rows[:limit]
        body: dict[str, Any] = {"Events": [
            {"EventType": r["event_type"], "EventObjectType": r["object_type"], "EventUser": r["user"],
             "EventDateTime": r["at"], **({"CmAcmCommentText": r["text"]} if r["text"] else {})} for r in rows]}
        if more:  # acmdv131: 'When there are no more entries, the method does not return a continuation token'
            body["ContinuationToken"] = str(rows[-1]["seq"])
        return self.ok(body)

    # -- case stages (acmdv148, acmdv149) ---------------------------------------------------------------
    def stage_rows(self, request: Request) -> tuple[str, list[Any]]:
        """The case's stages, in order; a case's stages are laid out at their first use, the first one WORKING (the
        emulator's reading: acmdv148's example shows COMPLETED and WORKING stages; WAITING and ON_HOLD are its own)."""
        if self.variant("stages") == "off":
            raise ApiError(404, "FNRPA0404E", f"No resource at {request.method} {request.url.path}.")
        self.tos(request)  # acmdv148, acmdv149 Table 2: TargetObjectStore "Yes"
        folder = self.load(request.path_params["id"])["folder_id"]
        with self.db.tx() as conn:
            if conn.execute("SELECT 1 FROM stages WHERE folder_id = ?", (folder,)).fetchone() is None:
                for position, name in enumerate(STAGES):
                    conn.execute("INSERT INTO stages(folder_id, position, name, status, started) VALUES (?, ?, ?, ?, ?)",
                                 (folder, position, name, "WORKING" if position == 0 else "WAITING",
                                  now_z() if position == 0 else None))
        return folder, self.db.all("SELECT * FROM stages WHERE folder_id = ? ORDER BY position", (folder,))

    @staticmethod
    def stage_operation(request: Request, allowed: tuple[str, ...]) -> str:
        operation = request.query_params.get("Operation")
        if operation not in allowed:  # acmdv148, acmdv149 Table 2: Operation "Yes", one of the listed values
            raise ApiError(400, "FNRPA0011E", f"The parameter Operation must be one of {', '.join(allowed)}.")
        return operation

    @staticmethod
    def stage_out(row: Any) -> dict[str, Any]:
        # acmdv148's example members
        return {"Status": row["status"], "Description": None, "displayName": row["name"], "SymbolicName": row["name"],
                "startedDate": row["started"], "completedDate": row["completed"], "RestartCount": row["restarts"],
                "isOverdue": False, "dueDate": None}

    async def get_stages(self, request: Request, user: str) -> Response:
        """acmdv148: GET /case/{id}/stages?TargetObjectStore=...&Operation=retrieveAllStages|retrieveCurrentStage;
        {"stages": [...]} (the page shows no answer for retrieveCurrentStage: the emulator lists the current one)."""
        operation = self.stage_operation(request, ("retrieveAllStages", "retrieveCurrentStage"))
        _, rows = self.stage_rows(request)
        if operation == "retrieveCurrentStage":
            rows = [r for r in rows if r["status"] in ("WORKING", "ON_HOLD")][:1]
        return self.ok({"stages": [self.stage_out(r) for r in rows]})

    async def post_stages(self, request: Request, user: str) -> Response:
        """acmdv149: POST /case/{id}/stages?TargetObjectStore=...&Operation=...; acmdv149's example answers
        releaseCurrentOnHoldStage with {"removeStageOnHoldResult": true}. What each operation does: acmpdh57-60
        (the process designer's case stage operations of the same engine)."""
        operation = self.stage_operation(request, ("completeCurrentStage", "placeCurrentStageOnHold",
                                                   "releaseCurrentOnHoldStage", "restartPreviousStage"))
        folder, rows = self.stage_rows(request)
        current = next((r for r in rows if r["status"] in ("WORKING", "ON_HOLD")), None)
        done = [r for r in rows if r["status"] == "COMPLETED"]

        def status(row: Any, value: str, **extra: Any) -> None:
            sets = ", ".join(["status = ?", *(f"{k} = ?" for k in extra)])
            self.db.run(f"UPDATE stages SET {sets} WHERE folder_id = ? AND position = ?",
                        (value, *extra.values(), folder, row["position"]))

        if operation == "releaseCurrentOnHoldStage":
            # acmpdh57 'Releases the hold on the current case stage'; not on hold: false (the emulator's reading)
            held = current is not None and current["status"] == "ON_HOLD"
            if held and "stage-release-false" not in self.faults:
                status(current, "WORKING")
            return self.ok({"removeStageOnHoldResult": held and "stage-release-false" not in self.faults})
        if current is None:
            raise ApiError(400, "FNRPA0013E", "The case has no current stage: every stage is complete.")
        if operation == "placeCurrentStageOnHold":  # acmpdh58 'Puts the current case stage on hold'
            status(current, "ON_HOLD")
            return self.ok({"placeStageOnHoldResult": True})
        if operation == "completeCurrentStage":
            # acmpdh60 'Completes the current case stage and advances to the next case stage'
            if current["status"] == "ON_HOLD":
                raise ApiError(400, "FNRPA0013E", "The current stage is on hold.")
            status(current, "COMPLETED", completed=now_z())
            following = next((r for r in rows if r["position"] > current["position"]), None)
            if following is not None:
                status(following, "WORKING", started=now_z())
            return self.ok({"completeStageResult": True})
        # acmpdh59 'Restarts the previous case stage'; without one the current stage stays current
        if done:
            status(current, "WAITING", started=None)
            status(done[-1], "WORKING", completed=None, started=now_z(), restarts=done[-1]["restarts"] + 1)
        return self.ok({"restartStageResult": True})

    async def documents_list(self, request: Request, user: str) -> Response:
        """acmdv151: GET /case/{id}/casedocumentslist?TargetObjectStore=...: the case's folders, sub-folders and
        documents, nested, with their properties; 400 without TargetObjectStore, 404 for an unknown case folder.
        The emulator's case holds its case type's sub-folders and no document (CASEREST adds none); the members
        beyond template are its own reading (the page's example shows only the first)."""
        if self.variant("documents") == "off":
            raise ApiError(404, "FNRPA0404E", f"No resource at {request.method} {request.url.path}.")
        self.tos(request)
        folder = request.path_params["id"]
        if "doclist-unknown-200" in self.faults and self.db.one("SELECT 1 FROM cases WHERE folder_id = ?",
                                                                (bare(folder),)) is None:
            return self.ok({"docList": []})
        row = self.load(folder)
        return self.ok({"docList": [
            {"template": "CmAcmCaseSubfolder", "name": name, "path": f"/{row['identifier']}/{name}", "docList": [],
             "properties": [{"SymbolicName": "FolderName", "Value": name}]} for name in SUBFOLDERS]})

    async def delete_case(self, request: Request, user: str) -> Response:
        """acmdv121delcase: POST /CASEREST/v1/deletecase {connectionpoint, casetype | caseid, tos}: deletes the case
        (or every case of the case type) 'and all associated activity processes'."""
        if self.variant("delete-case") == "off":
            raise ApiError(404, "FNRPA0404E", f"No resource at {request.method} {request.url.path}.")
        body = await self.body(request)
        for key in ("connectionpoint", "tos"):  # acmdv121delcase Table 1: both "Yes"
            if not isinstance(body.get(key), str) or not body[key].strip():
                raise ApiError(400, "FNRPA0011E", f"The required parameter {key} is missing.")
        caseid, casetype = body.get("caseid"), body.get("casetype")
        if not isinstance(caseid, str) and not isinstance(casetype, str):
            # acmdv121delcase: 'One of the casetype or caseid parameters must be passed'
            raise ApiError(400, "FNRPA0011E", "One of the parameters caseid or casetype is required.")
        if isinstance(caseid, str):
            folders = [self.load(caseid)["folder_id"]]
        else:
            self.case_type(casetype)
            folders = [r["folder_id"] for r in self.db.all("SELECT folder_id FROM cases WHERE case_type = ?",
                                                          (casetype,))]
        if "deletecase-keeps-case" not in self.faults:
            with self.db.tx() as conn:
                for folder in folders:
                    conn.execute("DELETE FROM tasks WHERE folder_id = ?", (folder,))
                    conn.execute("DELETE FROM comments WHERE folder_id = ?", (folder,))
                    conn.execute("DELETE FROM history WHERE folder_id = ?", (folder,))
                    conn.execute("DELETE FROM stages WHERE folder_id = ?", (folder,))
                    conn.execute("DELETE FROM relations WHERE source = ? OR target = ?", (folder, folder))
                    conn.execute("DELETE FROM cases WHERE folder_id = ?", (folder,))
        # acmdv121delcase (26.0.x): 'The value of deletecaseresult in the response JSON indicates whether' it worked
        return self.ok({"deletecaseresult": True})

    def seed(self, count: int) -> None:
        for i in range(count):
            self.insert_case("DH2_MyCase", {"DH2_Title": f"seeded case {i + 1}", "DH2_Count": i}, DEMO_USER)

    # -- wiring ---------------------------------------------------------------------------------
    def authed(self, handler: Any, name: str) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                user = self.user(request, name)
            except ApiError as exc:
                return self.unauthenticated(request, exc)
            try:
                return await handler(request, user)
            except ApiError as exc:
                return self.error(exc)
            except RuntimeError as exc:
                if "injected fault" in str(exc):
                    return PlainTextResponse("Internal Server Error", status_code=500)
                raise

        endpoint.__name__ = name
        return endpoint

    def routes(self) -> list[Route]:
        table = [
            ("/solutions", ["GET"], self.solutions),
            ("/solution/{name}/casetypes", ["GET"], self.solution_casetypes),
            ("/casetype/{name}", ["GET"], self.get_casetype),
            ("/solution/{name}", ["GET"], self.get_solution),
            ("/solution/{name}/documenttypes", ["GET"], self.document_types),
            ("/casetype/{name}/viewdefinitions", ["GET"], self.view_definitions),
            ("/casetype/{name}/page", ["GET"], self.case_page),
            ("/casetype/{name}/discretionarytasktypes", ["GET"], self.discretionary_task_types),
            ("/casetype/{name}", ["POST"], self.post_casetype),
            ("/cases", ["POST"], self.create_case),
            ("/case/{id}", ["GET"], self.get_case),
            ("/case/{id}", ["PUT"], self.put_case),
            ("/case/{id}/status", ["GET"], self.case_status),
            ("/case/{id}/tasks", ["GET"], self.case_tasks),
            ("/case/{id}/tasks", ["POST"], self.create_task),
            ("/case/{id}/tasktype/{name}", ["GET"], self.launch_info),
            ("/task/{id}", ["PUT"], self.put_task),
            ("/deletecase", ["POST"], self.delete_case),
            ("/case/{id}/comments", ["GET"], self.get_comments),
            ("/case/{id}/comments", ["POST"], self.post_comment),
            ("/case/{id}/history", ["GET"], self.get_history),
            ("/case/{id}", ["POST"], self.case_operation),
            ("/case/{id}/cases", ["GET"], self.related_cases),
            ("/case/{id}/stages", ["GET"], self.get_stages),
            ("/case/{id}/stages", ["POST"], self.post_stages),
            ("/case/{id}/casedocumentslist", ["GET"], self.documents_list),
        ]
        return [Route(BASE + path, self.authed(fn, fn.__name__), methods=methods) for path, methods, fn in table]

    def app(self) -> Any:
        async def not_found(request: Request, exc: Exception) -> Response:
            status = getattr(exc, "status_code", 404)
            return self.error(ApiError(status, "FNRPA0404E", f"No resource at {request.method} {request.url.path}."))

        async def bad_body(request: Request, exc: Exception) -> Response:
            return self.error(ApiError(400, "FNRPA0010E", "The request could not be read."))

        starlette = Starlette(routes=self.routes(),
                              exception_handlers={404: not_found, 405: not_found, UnicodeDecodeError: bad_body})

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.db.run("INSERT INTO request_log(method, path, at) VALUES (?, ?, ?)",
                            (scope["method"], scope["path"], time.time()))
            await starlette(scope, receive, send)

        if self.config.chaos:
            return ChaosMiddleware(app, self.config.chaos, spare=())
        return app


OPTIONS = {
    "eds": "JSON file with the external data service's rules, {case type: list of rules} "
           "(conformance/emulators/ibm_caserest_v1/model.py documents the format; default: DH2_State -> DH2_City "
           "choice lists, DH2_Priority=High -> DH2_Justification required, DH2_Confidential=true -> DH2_PropOne hidden)",
}


def create_app(config: EmulatorConfig | None = None) -> Any:
    return CaseRestEmulator(config or EmulatorConfig()).app()
