"""The particular case type resource and its external data service (seed 003): the properties
for a new case, and the dependent-property flow (DH2_State -> DH2_City choice list).

POST /casetype/{name} only reads, but it is a POST: a read-only run sends none, so these
tests are marked `writes`.
"""

from __future__ import annotations

import pytest

from conformance.checks import violate
from conformance.failures import PreconditionFailed
from conformance.suites.ibm_caserest_v1.client import (
    by_name,
    choice_values,
    external_data_identifier,
    properties_of,
)

# what the EDS can change about a property (seed 003 response: hidden, required, hasDependentProperties,
# choiceList; VF metadata: Value too)
EDS_FIELDS = ("Hidden", "Required", "ChoiceList", "Value", "HasDependentProperties")


def eds_view(meta: dict) -> dict:
    view = {k: meta.get(k) for k in EDS_FIELDS if k in meta}
    if isinstance(view.get("ChoiceList"), dict):
        view["ChoiceList"] = choice_values(meta)  # the choices' values; display names may be localized
    return view


@pytest.mark.requirement("IBM-TYPE-001")
@pytest.mark.writes
def test_initial_new_object_returns_every_defined_property(ibm):
    defined = {str(m.get("SymbolicName")) for m in ibm.metadata()}
    ex = ibm.post_casetype({"RequestMode": "initialNewObject"})
    items = properties_of(ex)
    # seed 003: 'If this property is set to initialNewObject, the response contains all the properties that
    # are defined for the specified case type'
    if ex.status != 200 or items is None:
        raise violate("IBM-TYPE-001", f"RequestMode=initialNewObject: expected 200 with properties, got {ex.status}",
                      ex)
    returned = {str(i.get("SymbolicName")) for i in items}
    missing = sorted(defined - returned)
    if missing:
        raise violate("IBM-TYPE-001", f"RequestMode=initialNewObject left out defined properties {missing}", ex)
    # VF: metadata keys include PropertyType and Cardinality
    bare = sorted(str(i.get("SymbolicName")) for i in items if not i.get("PropertyType") or not i.get("Cardinality"))
    if bare:
        raise violate("IBM-TYPE-001", f"properties without PropertyType or Cardinality: {bare}", ex)


def untouched(items: list[dict], initial: dict[str, dict]) -> list[str]:
    """Returned properties whose EDS-controlled metadata is what initialNewObject showed (not updated)."""
    out = []
    for item in items:
        name = str(item.get("SymbolicName"))
        view = eds_view(item)
        if name in initial and view == {k: v for k, v in eds_view(initial[name]).items() if k in view}:
            out.append(name)
    return sorted(out)


def _flow_start(ibm):
    initial, edi, ex = ibm.initial()
    if edi is None:
        raise PreconditionFailed(f"initialNewObject answered no ExternalDataIdentifier: {ex.summary()}",
                                 requirement="IBM-DEP-003", exchanges=[ex.id])
    return by_name(initial), edi


@pytest.mark.requirement("IBM-DEP-001")
@pytest.mark.writes
@pytest.mark.needs("external_data")
@pytest.mark.parametrize("mode", ["inProgressChanges", None], ids=["explicit", "default"])
def test_in_progress_changes_returns_only_changed_properties(ibm, mode):
    f = ibm.target.fixtures
    initial, edi = _flow_start(ibm)
    ex = ibm.changes({f.state_property: f.state_value}, edi, mode=mode)
    items = properties_of(ex)
    what = "RequestMode=inProgressChanges" if mode else "no RequestMode (default inProgressChanges)"
    if ex.status != 200 or items is None:
        raise violate("IBM-DEP-001", f"{what}: expected 200 with properties, got {ex.status}", ex)
    # seed 003: 'only those properties that were updated by an external data service based on a change to
    # another property value': a property the EDS left as initialNewObject showed it was not updated
    unchanged = untouched(items, initial)
    if unchanged:
        raise violate("IBM-DEP-001", f"{what} after {f.state_property}={f.state_value!r} returned properties the "
                      f"external data service did not change: {unchanged}", ex)
    if f.city_property not in by_name(items):
        raise violate("IBM-DEP-001", f"{what} after {f.state_property}={f.state_value!r} did not return the "
                      f"dependent {f.city_property}", ex)


@pytest.mark.requirement("IBM-DEP-002")
@pytest.mark.writes
@pytest.mark.needs("external_data")
def test_state_change_changes_city_choice_list(ibm, observe):
    f = ibm.target.fixtures
    _, edi = _flow_start(ibm)
    first = ibm.changes({f.state_property: f.state_value}, edi)
    items = properties_of(first)
    city = by_name(items or []).get(f.city_property)
    # seed 003 example: DH2_State CA -> DH2_City choices Los Angeles, San Diego, San Francisco
    if first.status != 200 or city is None or choice_values(city) is None:
        raise violate("IBM-DEP-002", f"{f.state_property}={f.state_value!r}: expected 200 with {f.city_property}'s "
                      f"choice list, got {first.status}", first)
    got = choice_values(city)
    if sorted(map(str, got)) != sorted(f.expected_choices):
        raise violate("IBM-DEP-002", f"{f.state_property}={f.state_value!r} gave {f.city_property} the choices "
                      f"{got}, expected {list(f.expected_choices)}", first)
    observe("IBM-DEP-002", "choice_order_as_documented", list(got) == list(f.expected_choices))
    nxt = external_data_identifier(first)
    second = ibm.changes({f.state_property: f.other_state_value}, nxt)
    other = by_name(properties_of(second) or []).get(f.city_property)
    if second.status != 200 or other is None or choice_values(other) is None:
        raise violate("IBM-DEP-002", f"changing {f.state_property} to {f.other_state_value!r}: expected 200 with "
                      f"{f.city_property}'s new choice list, got {second.status}", second)
    if sorted(map(str, choice_values(other))) == sorted(map(str, got)):
        raise violate("IBM-DEP-002", f"{f.state_property}={f.other_state_value!r} left {f.city_property}'s choices "
                      f"as for {f.state_value!r}: {choice_values(other)}", first, second)


@pytest.mark.requirement("IBM-DEP-003")
@pytest.mark.writes
@pytest.mark.needs("external_data")
def test_external_data_identifier_is_the_one_to_send_next(ibm, observe):
    f = ibm.target.fixtures
    ex = ibm.post_casetype({"RequestMode": "initialNewObject"})
    edi = external_data_identifier(ex)
    initial = by_name(properties_of(ex) or [])
    # seed 003: 'A string that indicates the state of the data that was returned by the external data service'
    if ex.status != 200:
        raise PreconditionFailed(f"initialNewObject answered {ex.status}", requirement="IBM-TYPE-001",
                                 exchanges=[ex.id])
    if edi is None:
        raise violate("IBM-DEP-003", "RequestMode=initialNewObject answered no ExternalDataIdentifier", ex)
    first = ibm.changes({f.state_property: f.state_value}, edi)
    nxt = external_data_identifier(first)
    if first.status != 200:
        raise violate("IBM-DEP-003", f"the identifier {edi!r} the server returned was not accepted: "
                      f"{first.status}", ex, first)
    if nxt is None:
        raise violate("IBM-DEP-003", "RequestMode=inProgressChanges answered no ExternalDataIdentifier", first)
    observe("IBM-DEP-003", "identifier_changes", nxt != edi)
    again = ibm.changes({f.state_property: f.state_value}, nxt)
    items = properties_of(again)
    if again.status != 200 or items is None:
        raise violate("IBM-DEP-003", f"the identifier {nxt!r} the server returned was not accepted: "
                      f"{again.status}", first, again)
    if untouched(items, initial):
        # the answer lists properties the EDS did not change at all: that is IBM-DEP-001's finding, and it
        # hides whether the identifier carried the state
        raise PreconditionFailed(f"the answer lists unchanged properties {untouched(items, initial)}")
    # the identifier stands for the state just returned: the same values again change nothing more
    if f.city_property in by_name(items):
        raise violate("IBM-DEP-003", f"resubmitting {f.state_property}={f.state_value!r} with the identifier "
                      f"{nxt!r} returned {f.city_property} again: the identifier does not stand for the state the "
                      "server returned", first, again)


@pytest.mark.requirement("IBM-DEF-001")
@pytest.mark.needs("definitions")
def test_solution_and_case_type_definitions(ibm, observe):
    import uuid

    from conformance.suites.ibm_caserest_v1.client import norm, seg

    f = ibm.target.fixtures
    ex = ibm.s.request("GET", f"/solution/{seg(f.solution)}", params=ibm.tos)
    body = norm(ex.json())
    types = [t.get("CaseType") for t in (body.get("CaseTypes") if isinstance(body, dict) else None) or []
             if isinstance(t, dict)]
    # acmdv091: the solution's case types, each with its properties and views
    if ex.status != 200 or f.case_type not in types:
        raise violate("IBM-DEF-001", f"GET /solution/{f.solution}: expected 200 listing {f.case_type!r}, got "
                      f"{ex.status} with {types}", ex)
    # acmdv111: 200 with the document classes, or 404 'No document classes were found for the solution'
    docs = ibm.s.request("GET", f"/solution/{seg(f.solution)}/documenttypes", params=ibm.tos)
    if docs.status not in (200, 404):
        raise violate("IBM-DEF-001", f"GET /solution/{f.solution}/documenttypes: expected 200 or 404, got "
                      f"{docs.status}", docs)
    observe("IBM-DEF-001", "document_types_listed", docs.status == 200)
    unknown = f"CONF_NoSuchType_{uuid.uuid4().hex[:8]}"
    for resource in ("viewdefinitions", "discretionarytasktypes"):
        # acmdv114, acmdv115: 200 for the case type, 404 'The case type ... was not found'
        got = ibm.s.request("GET", f"/casetype/{seg(f.case_type)}/{resource}", params=ibm.tos)
        if got.status != 200 or not isinstance(got.json(), dict):
            raise violate("IBM-DEF-001", f"GET /casetype/{f.case_type}/{resource}: expected 200 with a JSON object, "
                          f"got {got.status}", got)
        missing = ibm.s.request("GET", f"/casetype/{unknown}/{resource}", params=ibm.tos)
        if missing.status != 404:
            raise violate("IBM-DEF-001", f"GET /casetype/{unknown}/{resource} (no such case type): expected 404, got "
                          f"{missing.status}", missing)
