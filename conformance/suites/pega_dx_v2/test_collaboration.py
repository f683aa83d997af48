"""Case collaboration: participants (eTag-locked writes), followers, tags and related cases, each
verified by a round trip (added -> listed -> removed -> gone).

Sources: the public client marco-looy/pega-dx-mcp (src/api/v2/client-v2.js: paths, bodies, 207
multi-status answers, If-Match on every participant write, 200 with the new eTag for a removed
participant) and its sample-data-v2.md L37-58 (a real server's follower answers: {"ID", "status":
"201"} per user, 409 for a duplicate). Stale and missing If-Match on the participant writes are
judged by the rules of every other eTag-locked write (PEGA-ETAG-003/004; VF SW 409/412, 428).
"""

from __future__ import annotations

import uuid

import pytest

from conformance.checks import violate
from conformance.suites.pega_dx_v2.client import same_etag
from conformance.suites.pega_dx_v2.collab import (ADD_PARTICIPANT, FOLLOWERS, MISSING, PARTICIPANT, RELATED, STALE,
                                                  TAGS, Collaboration, holds, ids, item_status, ok, with_value)

pytestmark = pytest.mark.writes


@pytest.fixture
def collab(pega) -> Collaboration:
    return Collaboration(pega)


def person(pega, what: str) -> dict[str, str]:
    # MCP create-case-participant.js: the Data-Party properties of a participant's content
    return {"pyFirstName": "Conformance", "pyLastName": pega.label(what), "pyEmail1": "conformance@example.com"}


@pytest.mark.requirement("PEGA-PART-001")
@pytest.mark.needs("participants")
def test_participant_round_trip(pega, collab):
    case_id, _ = pega.new_case()
    role = collab.role(case_id)
    content = person(pega, "participant")
    participant_id, _ = collab.new_participant(case_id, role, content)
    got = collab.get_participant(case_id, participant_id)
    if got.status != 200 or not holds(got.json(), content["pyLastName"]):
        raise violate("PEGA-PART-001", f"GET of the new participant answered {got.status} without its content", got,
                      operation=f"GET {PARTICIPANT}", detail="participant not readable")
    renamed = pega.label("renamed")
    etag, _, _ = pega.read(case_id)
    updated = collab.update_participant(case_id, participant_id, etag, {"pyLastName": renamed})
    if not ok(updated):
        raise violate("PEGA-PART-001", f"updating the participant with the current eTag answered {updated.status}",
                      updated, operation=f"PATCH {PARTICIPANT}", detail=f"status {updated.status}")
    got = collab.get_participant(case_id, participant_id)
    if not holds(got.json(), renamed):
        raise violate("PEGA-PART-001", "the participant's GET does not show the accepted update", updated, got,
                      operation=f"GET {PARTICIPANT}", detail="update not shown")
    etag, _, _ = pega.read(case_id)
    removed = collab.delete_participant(case_id, participant_id, etag)
    if not ok(removed):
        raise violate("PEGA-PART-001", f"removing the participant with the current eTag answered {removed.status}",
                      removed, operation=f"DELETE {PARTICIPANT}", detail=f"status {removed.status}")
    left, listed = collab.participant_ids(case_id)
    gone = collab.get_participant(case_id, participant_id)
    if participant_id in left or gone.status != 404:
        raise violate("PEGA-PART-001", f"after its removal the participant is still listed ({participant_id in left}) "
                      f"or its GET answers {gone.status}, not 404", removed, listed, gone,
                      operation=f"DELETE {PARTICIPANT}", detail="removed participant still there")


WRITES = ["add", "update", "delete"]


def participant_write(collab, op, case_id, participant_id, role, etag, pega):
    """(answer, the last name the write tried to set) of one participant write."""
    attempt = pega.label("refused")
    if op == "add":
        return collab.add_participant(case_id, etag, role, {**person(pega, "refused"), "pyLastName": attempt}), attempt
    if op == "update":
        return collab.update_participant(case_id, participant_id, etag, {"pyLastName": attempt}), attempt
    return collab.delete_participant(case_id, participant_id, etag), attempt


def refused_write_changed_nothing(pega, collab, requirement, case_id, etag_before, listed_before, participant_id,
                                  attempt, refused) -> None:
    """A refused participant write changes nothing: the case's eTag, the list and the participant stay."""
    after, _, read = pega.read(case_id)
    listed, listing = collab.participant_ids(case_id, requirement)
    got = collab.get_participant(case_id, participant_id)
    if not same_etag(after, etag_before) or listed != listed_before or got.status != 200 or holds(got.json(), attempt):
        raise violate(requirement, "the refused participant write changed the case (its eTag, its participants or "
                      "the participant)", refused, read, listing, got, detail="refused write applied")


def refused_participant_write(pega, collab, op, requirement, stale_etag: bool) -> None:
    """A participant write sent with a stale eTag (stale_etag) or without If-Match is refused with the
    status `requirement` admits and changes nothing."""
    case_id, _ = pega.new_case()
    role = collab.role(case_id)
    stale, _, _ = pega.read(case_id)
    participant_id, _ = collab.new_participant(case_id, role, person(pega, "kept"), requirement)
    current, _, _ = pega.read(case_id)
    before, _ = collab.participant_ids(case_id, requirement)
    ex, attempt = participant_write(collab, op, case_id, participant_id, role, stale if stale_etag else None, pega)
    expected, what = (STALE, "with a stale eTag") if stale_etag else (MISSING, "without If-Match")
    if ex.status not in expected:
        raise violate(requirement, f"participant {op} {what} answered {ex.status}, not "
                      f"{' or '.join(map(str, sorted(expected)))}", ex,
                      operation=ADD_PARTICIPANT if op == "add" else PARTICIPANT, detail=f"status {ex.status}")
    refused_write_changed_nothing(pega, collab, requirement, case_id, current, before, participant_id, attempt, ex)


@pytest.mark.requirement("PEGA-ETAG-003")
@pytest.mark.needs("participants")
@pytest.mark.parametrize("op", WRITES)
def test_participant_write_with_stale_etag_refused(pega, collab, op):
    refused_participant_write(pega, collab, op, "PEGA-ETAG-003", stale_etag=True)


@pytest.mark.requirement("PEGA-ETAG-004")
@pytest.mark.needs("participants")
@pytest.mark.parametrize("op", WRITES)
def test_participant_write_without_if_match_refused(pega, collab, op):
    refused_participant_write(pega, collab, op, "PEGA-ETAG-004", stale_etag=False)


def removed_and_gone(collab, requirement, group, case_id, item_id, shown_by: tuple[str, str]) -> None:
    """DELETE of one item of a group answers 2xx, after which the list no longer shows it (an object whose
    shown_by[0] member is shown_by[1])."""
    removed = collab.remove(group, case_id, item_id)
    listed = collab.listing(group, case_id)
    still = bool(with_value(listed, *shown_by))
    if not ok(removed) or still:
        raise violate(requirement, f"removing {item_id!r} from the {group} answered {removed.status} and the list "
                      f"{'still' if still else 'no longer'} shows it", removed, listed,
                      operation=f"DELETE /cases/{{caseID}}/{group}/{{ID}}", detail=f"removed item still in {group}")


@pytest.mark.requirement("PEGA-FOLLOW-001")
@pytest.mark.needs("followers")
def test_follower_round_trip(pega, collab, observe):
    case_id, _ = pega.new_case()
    _, info, _ = pega.read(case_id)
    # a user the server knows: the operator who created the case (caseInfo.createdBy, seed 000)
    user = info.get("createdBy")
    if not isinstance(user, str) or not user:
        pytest.skip("the case names no createdBy operator to follow it with")
    added = collab.add("followers", case_id, [user])
    status = item_status(added, "ID", user)
    # MCP L1673: 207 multi-status; sample-data-v2.md L44: status "201" for the added user
    if added.status != 207 or status is None or not 200 <= status < 300:
        raise violate("PEGA-FOLLOW-001", f"adding follower {user!r} answered {added.status} with status {status!r} "
                      "for the user, not 207 with a 2xx item", added, operation=f"POST {FOLLOWERS}",
                      detail=f"status {added.status}")
    listed = collab.listing("followers", case_id)
    if not with_value(listed, "ID", user):
        raise violate("PEGA-FOLLOW-001", f"follower {user!r} was added but the list does not show it", added, listed,
                      operation=f"GET {FOLLOWERS}", detail="added follower not listed")
    again = collab.add("followers", case_id, [user])
    repeat = item_status(again, "ID", user)
    observe("PEGA-FOLLOW-001", "duplicate_follower_status", repeat)
    # sample-data-v2.md L50-51: "SystemAdmin duplicate prevented with 409 CONFLICT"
    if repeat is None or 200 <= repeat < 300:
        raise violate("PEGA-FOLLOW-001", f"adding {user!r} again answered status {repeat!r} for the user; a duplicate "
                      "is refused (409)", again, operation=f"POST {FOLLOWERS}", detail="duplicate follower accepted")
    removed_and_gone(collab, "PEGA-FOLLOW-001", "followers", case_id, user, ("ID", user))


@pytest.mark.requirement("PEGA-TAG-001")
@pytest.mark.needs("tags")
def test_tag_round_trip(pega, collab):
    case_id, _ = pega.new_case()
    name = f"conf-{uuid.uuid4().hex[:8]}"
    added = collab.add("tags", case_id, [name])
    # MCP L2057: 207 multi-status; an item of it that names the tag must carry a 2xx status
    status = item_status(added, "Name", name)
    if not ok(added) or (status is not None and not 200 <= status < 300):
        raise violate("PEGA-TAG-001", f"adding tag {name!r} answered {added.status}", added, operation=f"POST {TAGS}",
                      detail=f"status {added.status}")
    listed = collab.listing("tags", case_id)
    found = [t for t in with_value(listed, "Name", name) if isinstance(t.get("ID"), str)]
    if not found:
        raise violate("PEGA-TAG-001", f"tag {name!r} was added but the list shows no tag of that Name with an ID",
                      added, listed, operation=f"GET {TAGS}", detail="added tag not listed")
    removed_and_gone(collab, "PEGA-TAG-001", "tags", case_id, found[0]["ID"], ("Name", name))


@pytest.mark.requirement("PEGA-REL-001")
@pytest.mark.needs("related_cases")
def test_related_cases_round_trip(pega, collab):
    case_id, _ = pega.new_case()
    first, _ = pega.new_case()
    second, _ = pega.new_case()
    added = collab.add("related_cases", case_id, [first, second])
    statuses = [item_status(added, "ID", other) for other in (first, second)]
    if not ok(added) or not all(s is not None and 200 <= s < 300 for s in statuses):
        raise violate("PEGA-REL-001", f"relating two cases answered {added.status} with item statuses {statuses!r}",
                      added, operation=f"POST {RELATED}", detail=f"status {added.status}")
    listed = collab.listing("related_cases", case_id)
    if not {first, second} <= ids(listed):
        raise violate("PEGA-REL-001", "the related cases list does not show both related cases", added, listed,
                      operation=f"GET {RELATED}", detail="related case not listed")
    removed = collab.remove("related_cases", case_id, first)
    listed = collab.listing("related_cases", case_id)
    if not ok(removed) or first in ids(listed) or second not in ids(listed):
        raise violate("PEGA-REL-001", f"removing one relation answered {removed.status}; the list then shows "
                      f"the removed case: {first in ids(listed)}, the other: {second in ids(listed)}", removed, listed,
                      operation=f"DELETE {RELATED}/{{relatedCaseID}}", detail="wrong relations removed")
