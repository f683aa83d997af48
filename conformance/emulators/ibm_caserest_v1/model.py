"""The emulator's solutions, case types and external data service (EDS) rules.

Case types cover every PropertyType (String, Integer, Float, Boolean, DateTime, GUID)
in both cardinalities (SINGLE, LIST) (VF: metadata keys PropertyType, Cardinality).
DH2_MyCase and its properties are the seed's own example (seed 003: DH2_State,
DH2_City, DH2_PropOne, DH2_MVInt, DH2_MVString, CmAcmCaseIdentifier, CmAcmCaseState).

The EDS rules are data (`DEFAULT_EDS`, or a JSON file given with `--set eds=FILE.json`):

    {"<case type>": [
        {"when": "DH2_State", "target": "DH2_City", "choiceList": "CityChoiceList",
         "choices": {"CA": ["Los Angeles", "San Diego", "San Francisco"], ...}},
        {"when": "DH2_Priority", "target": "DH2_Justification", "equals": ["High"],
         "then": {"required": true}},
        ...]}

A `choices` rule gives `target` the choice list keyed by the value of `when` (an empty
list for any other value); an `equals` rule applies `then` (hidden and/or required) to
`target` while `when` holds one of the listed values, and the target's defined metadata
otherwise. A property named in any rule's `when` has HasDependentProperties = true.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

TYPES = ("String", "Integer", "Float", "Boolean", "DateTime", "GUID")  # and Object with variant object-properties

# (symbolic name, PropertyType, Cardinality, extra metadata)
_DH2 = [
    ("CmAcmCaseIdentifier", "String", "SINGLE", {"Updatability": "ReadOnly"}),
    ("CmAcmCaseState", "Integer", "SINGLE", {"Updatability": "ReadOnly"}),
    ("DH2_Title", "String", "SINGLE", {"MaxLength": 256}),
    ("DH2_State", "String", "SINGLE", {"ChoiceList": {"DisplayName": "StateChoiceList",
                                                      "Choices": ["CA", "NY", "TX"]}}),
    ("DH2_City", "String", "SINGLE", {}),
    ("DH2_PropOne", "String", "SINGLE", {}),
    ("DH2_Priority", "String", "SINGLE", {"ChoiceList": {"DisplayName": "PriorityChoiceList",
                                                         "Choices": ["Low", "Medium", "High"]}}),
    ("DH2_Justification", "String", "SINGLE", {}),
    ("DH2_Confidential", "Boolean", "SINGLE", {}),
    ("DH2_Count", "Integer", "SINGLE", {"MinValue": -1000000, "MaxValue": 1000000}),
    ("DH2_Amount", "Float", "SINGLE", {}),
    ("DH2_DueDate", "DateTime", "SINGLE", {}),
    ("DH2_RefId", "GUID", "SINGLE", {}),
    ("DH2_MVInt", "Integer", "LIST", {}),
    ("DH2_MVString", "String", "LIST", {}),
    ("DH2_MVFloat", "Float", "LIST", {}),
    ("DH2_MVBool", "Boolean", "LIST", {}),
    ("DH2_MVDate", "DateTime", "LIST", {}),
    ("DH2_MVGuid", "GUID", "LIST", {}),
]
_LA = [
    ("CmAcmCaseIdentifier", "String", "SINGLE", {"Updatability": "ReadOnly"}),
    ("LA_Title", "String", "SINGLE", {}),
    ("LA_Amount", "Float", "SINGLE", {}),
    ("LA_Term", "Integer", "SINGLE", {}),
    ("LA_Secured", "Boolean", "SINGLE", {}),
    ("LA_Applied", "DateTime", "SINGLE", {}),
    ("LA_Applicants", "String", "LIST", {}),
    ("LA_Documents", "GUID", "LIST", {}),
]

# solution -> (prefix, display name, {case type: (display name, properties)})
SOLUTIONS: dict[str, dict[str, Any]] = {
    "DH2": {"prefix": "DH2", "display": "Data Handling 2",
            "case_types": {"DH2_MyCase": ("My Case", _DH2),
                           "DH2_Simple": ("Simple Case", [p for p in _DH2 if p[0] in
                                                          {"CmAcmCaseIdentifier", "DH2_Title", "DH2_Count",
                                                           "DH2_MVString"}])}},
    "LA": {"prefix": "LA", "display": "Loan Application",
           "case_types": {"LA_LoanApplication": ("Loan Application", _LA),
                          "LA_Dispute": ("Dispute", [p for p in _LA if p[0] in
                                                     {"CmAcmCaseIdentifier", "LA_Title", "LA_Amount"}])}},
}
CASE_TYPES: dict[str, dict[str, Any]] = {
    name: {"solution": sol, "display": display, "properties": {p[0]: p for p in props}}
    for sol, info in SOLUTIONS.items() for name, (display, props) in info["case_types"].items()
}

# variant object-properties: acmdv085 'for an object-valued type, another JSON object' (a reference), acmdv119
# a business object property whose Value is an array of objects with their own Properties; both read-only here
OBJECT_PROPERTIES = [
    ("DH2_Related", "Object", "SINGLE", {"Updatability": "ReadOnly"}),
    ("DH2_Persons", "Object", "LIST", {"Updatability": "ReadOnly"}),
]
# variant constraints=acmdv106: the attributes acmdv106 shows (DH2_PropOne MinValue 1 MaxValue 10 is an Integer
# there; the emulator's first free Integer, DH2_Count, takes its range), DH2_MVInt MinValue 0, DH2_MVString
# a choice list
ACMDV106: dict[str, dict[str, Any]] = {
    "DH2_Count": {"MinValue": 1, "MaxValue": 10},
    "DH2_MVInt": {"MinValue": 0},
    "DH2_MVString": {"ChoiceList": {"DisplayName": "MVStringChoiceList", "Choices": ["One", "Two", "Three"]}},
}


def case_types(object_properties: bool, constraints: bool, oncreate: bool) -> dict[str, dict[str, Any]]:
    """CASE_TYPES as a variant set defines them (see OBJECT_PROPERTIES, ACMDV106; oncreate: DH2_PropOne's
    Updatability, acmdv085)."""
    out: dict[str, dict[str, Any]] = {}
    for name, info in CASE_TYPES.items():
        props = dict(info["properties"])
        if name == "DH2_MyCase":
            if object_properties:
                props.update({p[0]: p for p in OBJECT_PROPERTIES})
            for pname, (sym, ptype, card, extra) in list(props.items()):
                extra = dict(extra)
                if constraints:
                    extra.update(ACMDV106.get(pname, {}))
                if oncreate and pname == "DH2_PropOne":
                    extra["Updatability"] = "oncreate"
                props[pname] = (sym, ptype, card, extra)
        out[name] = {**info, "properties": props}
    return out

# acmdv111: the document classes of a solution; a solution without any answers 404 ('No document classes were
# found for the solution'), which LA shows
DOCUMENT_TYPES: dict[str, list[tuple[str, str]]] = {
    "DH2": [("DH2_Evidence", "Evidence"), ("Correspondence", "Correspondence")],
}
# acmdv115: the discretionary (user-created) activity types of a case type
DISCRETIONARY_TASK_TYPES: dict[str, list[tuple[str, str]]] = {
    "DH2_MyCase": [("DH2_ContactCustomer", "Contact Customer"), ("DH2_ReadReport", "Read Report")],
}

DEFAULT_EDS: dict[str, list[dict[str, Any]]] = {
    "DH2_MyCase": [
        # seed 003: selecting CA for DH2_State gives DH2_City the California cities
        {"when": "DH2_State", "target": "DH2_City", "choiceList": "CityChoiceList",
         "choices": {"CA": ["Los Angeles", "San Diego", "San Francisco"],
                     "NY": ["Albany", "Buffalo", "New York City"],
                     "TX": ["Austin", "Dallas", "Houston"]}},
        {"when": "DH2_Priority", "target": "DH2_Justification", "equals": ["High"], "then": {"required": True}},
        {"when": "DH2_Confidential", "target": "DH2_PropOne", "equals": [True], "then": {"hidden": True}},
    ],
}


def load_eds(path: str | None) -> dict[str, list[dict[str, Any]]]:
    """The EDS rules: the defaults, or a JSON file; ValueError naming what is wrong."""
    if not path:
        rules: Any = DEFAULT_EDS
    else:
        try:
            rules = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"eds={path}: cannot read the rules as JSON: {exc}") from None
    if not isinstance(rules, dict):
        raise ValueError("eds: expected an object {case type: [rules]}")
    for case_type, items in rules.items():
        where = f"eds[{case_type!r}]"
        if case_type not in CASE_TYPES:
            raise ValueError(f"{where}: unknown case type; known: {', '.join(CASE_TYPES)}")
        if not isinstance(items, list):
            raise ValueError(f"{where}: expected a list of rules")
        props = CASE_TYPES[case_type]["properties"]
        for i, rule in enumerate(items):
            at = f"{where}[{i}]"
            if not isinstance(rule, dict):
                raise ValueError(f"{at}: expected an object")
            for key in ("when", "target"):
                if rule.get(key) not in props:
                    raise ValueError(f"{at}.{key}: {rule.get(key)!r} is not a property of {case_type}")
            if ("choices" in rule) == ("equals" in rule):
                raise ValueError(f"{at}: give exactly one of 'choices' or 'equals'")
            if "choices" in rule:
                if not isinstance(rule["choices"], dict) or not all(
                        isinstance(v, list) for v in rule["choices"].values()):
                    raise ValueError(f"{at}.choices: expected {{value: [choice, ...]}}")
            else:
                then = rule.get("then")
                if not isinstance(rule["equals"], list) or not isinstance(then, dict) or not then or \
                        not set(then) <= {"hidden", "required"} or \
                        not all(isinstance(v, bool) for v in then.values()):
                    raise ValueError(f"{at}: 'equals' must be a list and 'then' an object of hidden/required "
                                     "booleans")
            unknown = set(rule) - {"when", "target", "choiceList", "choices", "equals", "then"}
            if unknown:
                raise ValueError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
    return rules


# -- values ------------------------------------------------------------------------------------
_INT = re.compile(r"^[+-]?\d+$")
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")


def _datetime_ok(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def scalar_ok(ptype: str, value: Any) -> bool:
    """seed 003: 'The value must match the data type of the property'; VF: numbers are sent as strings."""
    if value is None:
        return True
    if ptype == "String":
        return isinstance(value, str)
    if ptype == "Integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_INT.match(value.strip())))
    if ptype == "Float":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_NUM.match(value.strip())))
    if ptype == "Boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if ptype == "DateTime":
        return isinstance(value, str) and _datetime_ok(value)
    if ptype == "GUID":
        return isinstance(value, str) and bool(_GUID.match(value))
    if ptype == "Object":  # acmdv085: 'for an object-valued type, another JSON object'
        return isinstance(value, dict)
    return False


def value_ok(ptype: str, cardinality: str, value: Any) -> bool:
    if value is None:
        return True
    if cardinality == "LIST":
        # seed 003: DH2_MVInt [0, 100], DH2_MVString [] - multi-valued properties take arrays
        return isinstance(value, list) and all(v is not None and scalar_ok(ptype, v) for v in value)
    return (ptype == "Object" or not isinstance(value, (list, dict))) and scalar_ok(ptype, value)


def constraint_error(extra: dict[str, Any], cardinality: str, value: Any) -> str | None:
    """acmdv119, acmdv122: values are validated against MinValue, MaxValue and the choice list."""
    items = value if cardinality == "LIST" and isinstance(value, list) else [value]
    choices = (extra.get("ChoiceList") or {}).get("Choices")
    for item in items:
        if item is None:
            continue
        if choices is not None and item not in choices:
            return f"{item!r} is not in the choice list"
        try:
            number = float(item)
        except (TypeError, ValueError):
            continue
        if "MinValue" in extra and number < extra["MinValue"] or "MaxValue" in extra and number > extra["MaxValue"]:
            return f"{item!r} is outside {extra.get('MinValue', '')}..{extra.get('MaxValue', '')}"
    return None
