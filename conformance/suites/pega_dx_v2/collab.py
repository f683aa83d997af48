"""The case collaboration operations as the suite uses them, on top of PegaApi: participants and
participant roles, followers, tags, related cases.

Paths, parameters, bodies and which writes send If-Match follow the public client
marco-looy/pega-dx-mcp (src/api/v2/client-v2.js L1463-2117). No source shows the list bodies or how
a 207 holds its per-item results, so the suite reads them by content, whatever their container: the
objects anywhere in the answer that carry an "ID" (or, for tags, a "Name").
"""

from __future__ import annotations

from typing import Any, Iterator

from conformance.checks import violate
from conformance.failures import PreconditionFailed, RequirementViolation
from conformance.http import Exchange
from conformance.suites.pega_dx_v2.client import PegaApi, seg

PARTICIPANTS = "GET /cases/{caseID}/participants"
ADD_PARTICIPANT = "POST /cases/{caseID}/participants"
PARTICIPANT = "/cases/{caseID}/participants/{participantID}"
ROLES = "GET /cases/{caseID}/participant_roles"
FOLLOWERS = "/cases/{caseID}/followers"
TAGS = "/cases/{caseID}/tags"
RELATED = "/cases/{caseID}/related_cases"
STALE = {409, 412}  # VF: SW lists both; v1 answers 412 Pega_API_021
MISSING = {428, 403}  # VF: 428 documented for v2; 403 Pega_API_020 reported for v1


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in an answer, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


def ids(ex: Exchange, key: str = "ID") -> set[str]:
    return {o[key] for o in objects(ex.json()) if isinstance(o.get(key), str)}


def with_value(ex: Exchange, key: str, value: str) -> list[dict[str, Any]]:
    return [o for o in objects(ex.json()) if o.get(key) == value]


def holds(value: Any, text: str) -> bool:
    """Whether `text` is one of the strings anywhere in the answer."""
    if isinstance(value, dict):
        return any(holds(v, text) for v in value.values())
    if isinstance(value, list):
        return any(holds(v, text) for v in value)
    return value == text


def ok(ex: Exchange) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


def if_match(etag: str | None) -> dict[str, str]:
    return {"If-Match": etag} if etag is not None else {}


class Collaboration:
    def __init__(self, pega: PegaApi) -> None:
        self.pega = pega
        self.s = pega.s

    # -- participants (MCP L1761-2036) -------------------------------------------------------
    def roles(self, case_id: str) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(case_id)}/participant_roles")

    def role(self, case_id: str) -> str:
        """A participant role of the case's type: the first the roles list names."""
        ex = self.roles(case_id)
        found = sorted(ids(ex)) if ex.status == 200 else []
        if not found:
            raise PreconditionFailed(f"GET of the participant roles of {case_id} named no role: {ex.summary()}",
                                     "PEGA-PART-001", [ex.id], operation=ROLES, detail=f"status {ex.status}")
        return found[0]

    def participants(self, case_id: str) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(case_id)}/participants")

    def participant_ids(self, case_id: str, requirement: str = "PEGA-PART-001") -> tuple[set[str], Exchange]:
        ex = self.participants(case_id)
        if ex.status != 200:
            raise violate(requirement, f"the participants of a live case could not be listed ({ex.status})", ex,
                          operation=PARTICIPANTS, detail=f"status {ex.status}")
        return ids(ex), ex

    def add_participant(self, case_id: str, etag: str | None, role: str, content: dict[str, Any]) -> Exchange:
        return self.s.request("POST", f"/cases/{seg(case_id)}/participants", params={"viewType": "none"},
                              json_body={"content": content, "participantRoleID": role}, headers=if_match(etag))

    def get_participant(self, case_id: str, participant_id: str) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(case_id)}/participants/{seg(participant_id)}",
                              params={"viewType": "none"})

    def update_participant(self, case_id: str, participant_id: str, etag: str | None,
                           content: dict[str, Any]) -> Exchange:
        return self.s.request("PATCH", f"/cases/{seg(case_id)}/participants/{seg(participant_id)}",
                              params={"viewType": "none"}, json_body={"content": content}, headers=if_match(etag))

    def delete_participant(self, case_id: str, participant_id: str, etag: str | None) -> Exchange:
        return self.s.request("DELETE", f"/cases/{seg(case_id)}/participants/{seg(participant_id)}",
                              headers=if_match(etag))

    def new_participant(self, case_id: str, role: str, content: dict[str, Any],
                        requirement: str = "PEGA-PART-001") -> tuple[str, Exchange]:
        """Add a participant with the case's current eTag; its ID is the one the list gained."""
        before, _ = self.participant_ids(case_id, requirement)
        etag, _, _ = self.pega.read(case_id)
        ex = self.add_participant(case_id, etag, role, content)
        if not ok(ex):
            raise violate(requirement, f"adding a participant with the current eTag answered {ex.status}", ex,
                          operation=ADD_PARTICIPANT, detail=f"status {ex.status}")
        after, listed = self.participant_ids(case_id, requirement)
        new = after - before
        if len(new) != 1:
            raise violate(requirement, f"after adding one participant the list gained {sorted(new)!r}", ex, listed,
                          operation=PARTICIPANTS, detail="added participant not listed" if not new else
                          "several participants appeared")
        return new.pop(), ex

    # -- followers, tags, related cases: a list, an add of several, a removal of one -----------------
    def listing(self, group: str, case_id: str) -> Exchange:
        return self.s.request("GET", f"/cases/{seg(case_id)}/{group}")

    def add(self, group: str, case_id: str, values: list[str]) -> Exchange:
        key, member = MEMBERS[group]
        return self.s.request("POST", f"/cases/{seg(case_id)}/{group}",
                              json_body={key: [{member: v} for v in values]})

    def remove(self, group: str, case_id: str, item_id: str) -> Exchange:
        return self.s.request("DELETE", f"/cases/{seg(case_id)}/{group}/{seg(item_id)}")


# the add body of each group: {key: [{member: value}, ...]} (MCP L1680 {users: [{ID}]}, L2063 {tags: [{Name}]},
# L1488 {cases: [{ID}]}); the removal takes the item's ID (MCP L1698 followerID = the user ID, L2082 tagID,
# L1507 relatedCaseID)
MEMBERS = {"followers": ("users", "ID"), "tags": ("tags", "Name"), "related_cases": ("cases", "ID")}


def item_status(ex: Exchange, key: str, value: str) -> int | None:
    """The status a 207 multi-status answer gives the item whose `key` is `value` (sample-data-v2.md L44:
    {"ID": "SystemAdmin", "status": "201"}); a non-207 answer's own status stands for every item."""
    if ex.status != 207:
        return ex.status
    for item in with_value(ex, key, value):
        try:
            return int(str(item.get("status")))
        except ValueError:
            continue
    return None


def steer(case: Any, pega: PegaApi, real: dict[str, Any]) -> None:
    """The schema property test's IDs of the collaboration operations: the target's document, and a
    participant role, a participant, a follower, a tag and a related case of the run's real case, made
    once per operation (on a read-only target only the role, which a GET finds), so that their success
    answers are judged too. The case's eTag after these writes replaces the one the test read. A step
    that fails leaves the generated IDs as they are: its own requirement's tests report it."""
    params = case.path_parameters or {}
    if "documentID" in params and pega.target.fixtures.document_id:
        params["documentID"] = pega.target.fixtures.document_id
    wanted = {"participantRoleID", "participantID", "followerID", "tagID", "relatedCaseID"} & set(params)
    if not wanted or params.get("caseID") != real["case"]:
        return
    made: dict[str, str] = real.setdefault("collaboration", {})
    collab = Collaboration(pega)
    case_id = real["case"]
    writes = not pega.target.safety.read_only
    try:
        for name in sorted(wanted - set(made)):
            needs_role = name == "participantRoleID" or (name == "participantID" and writes)
            if needs_role and "participantRoleID" not in made:
                made["participantRoleID"] = collab.role(case_id)
            if name == "participantID" and writes:
                made[name], _ = collab.new_participant(case_id, made["participantRoleID"],
                                                       {"pyFirstName": "Conformance", "pyLastName": pega.label()})
                real["etag"], _, _ = pega.read(case_id)
            elif name == "followerID" and writes:
                user = pega.read(case_id)[1].get("createdBy")
                if isinstance(user, str) and ok(collab.add("followers", case_id, [user])):
                    made[name] = user
            elif name == "tagID" and writes:
                tag = pega.label("tag")
                collab.add("tags", case_id, [tag])
                found = [t["ID"] for t in with_value(collab.listing("tags", case_id), "Name", tag)
                         if isinstance(t.get("ID"), str)]
                made.update({name: found[0]} if found else {})
            elif name == "relatedCaseID" and writes:
                other, _ = pega.new_case()
                if ok(collab.add("related_cases", case_id, [other])):
                    made[name] = other
    except (PreconditionFailed, RequirementViolation):
        pass
    for name in wanted & set(made):
        params[name] = made[name]
