"""eTag optimistic locking (seed 000; VF "eTag", "Missing If-Match", "Stale eTag").

The operation under test is parametrized: the case-action PATCH and the
assignment-action PATCH both require If-Match (VF SW table). A stale eTag is
made the way it happens in the field: another writer updates the case first.
"""

from __future__ import annotations

import threading

import pytest

from conformance.checks import violate
from conformance.checks.pega import etag_is_pega_timestamp, etag_matches_last_update_time
from conformance.suites.pega_dx_v2.client import content_value, same_etag

OPERATIONS = [
    pytest.param("case-action", id="case-action"),
    pytest.param("assignment-action", id="assignment-action", marks=pytest.mark.needs("assignments")),
]
STALE = {409, 412}  # VF: SW lists both; v1 answers 412 Pega_API_021
MISSING = {428, 403}  # VF: 428 documented for v2; 403 Pega_API_020 reported for v1


def write(pega, operation, case_id, info, etag, value):
    if operation == "case-action":
        return pega.update(case_id, etag, {pega.field: value})
    assignment_id, action_id = pega.assignment_of(info)
    return pega.submit(assignment_id, action_id, etag, {pega.field: value})


def unchanged_after_refusal(pega, requirement, case_id, etag_before, attempt, refused) -> None:
    """A refused write changes nothing: same eTag, and the attempted value is not stored."""
    after, info, read = pega.read(case_id)
    if not same_etag(after, etag_before) or content_value(info, pega.field) == attempt:
        raise violate(requirement, "the refused write changed the case", refused, read)


def ok(ex) -> bool:
    return ex.status is not None and 200 <= ex.status < 300


@pytest.mark.requirement("PEGA-ETAG-001")
def test_case_get_etag_is_last_update_time(pega, observe):
    case_id = pega.some_case()
    ex = pega.get_case(case_id)
    if ex.status != 200:
        pytest.skip(f"GET /cases/{{ID}} answered {ex.status}")
    etag_is_pega_timestamp(ex)
    etag_matches_last_update_time(ex)
    raw = ex.header("ETag") or ""
    observe("PEGA-ETAG-001", "etag_quoted", raw.strip().removeprefix("W/").startswith('"'))


@pytest.mark.requirement("PEGA-ETAG-002")
@pytest.mark.writes
@pytest.mark.parametrize("operation", OPERATIONS)
def test_case_write_current_etag_answers_new_etag(pega, operation):
    case_id, _ = pega.new_case()
    etag, info, _ = pega.read(case_id)
    ex = write(pega, operation, case_id, info, etag, pega.label("current"))
    if not ok(ex):
        raise violate("PEGA-ETAG-002", f"write with the current eTag {etag!r} was refused ({ex.status})", ex)
    new = ex.header("ETag")
    if not new:
        raise violate("PEGA-ETAG-002", "successful write answered no ETag", ex)
    if same_etag(new, etag):
        raise violate("PEGA-ETAG-002", f"successful write answered the eTag that was sent ({new!r})", ex)
    after, _, read = pega.read(case_id)
    if not same_etag(after, new):
        raise violate("PEGA-ETAG-002", f"write answered eTag {new!r} but a following GET shows {after!r}", ex, read)


@pytest.mark.requirement("PEGA-ETAG-003")
@pytest.mark.writes
@pytest.mark.parametrize("operation", OPERATIONS)
def test_case_write_stale_etag_refused(pega, operation, observe):
    case_id, _ = pega.new_case()
    stale, info, _ = pega.read(case_id)
    other = pega.update(case_id, stale, {pega.field: pega.label("other-writer")})
    current, _, _ = pega.read(case_id)
    if not ok(other) or same_etag(current, stale):
        pytest.skip("could not make the eTag stale (another writer's update failed); see PEGA-ETAG-002")
    attempt = pega.label("stale-writer")
    ex = write(pega, operation, case_id, info, stale, attempt)
    if ex.status not in STALE:
        raise violate("PEGA-ETAG-003", f"write with stale eTag {stale!r} answered {ex.status}, expected 409 or 412",
                      other, ex)
    observe("PEGA-ETAG-003", "stale_if_match_status", ex.status)
    unchanged_after_refusal(pega, "PEGA-ETAG-003", case_id, current, attempt, ex)


@pytest.mark.requirement("PEGA-ETAG-004")
@pytest.mark.writes
@pytest.mark.parametrize("operation", OPERATIONS)
def test_case_write_missing_if_match_refused(pega, operation, observe):
    case_id, _ = pega.new_case()
    etag, info, _ = pega.read(case_id)
    attempt = pega.label("no-if-match")
    ex = write(pega, operation, case_id, info, None, attempt)
    if ex.status not in MISSING:
        raise violate("PEGA-ETAG-004", f"write without If-Match answered {ex.status}, expected 428 (v2) or 403 "
                      "(v1 Pega_API_020)", ex)
    observe("PEGA-ETAG-004", "missing_if_match_status", ex.status)
    unchanged_after_refusal(pega, "PEGA-ETAG-004", case_id, etag, attempt, ex)


@pytest.mark.requirement("PEGA-ETAG-005")
@pytest.mark.writes
# alone against the server, so that its writers have the run's whole max_in_flight under --workers N
# (a worker's share, max_in_flight // N, would queue them and hide a lost update; docs/safety.md)
@pytest.mark.exclusive
def test_case_concurrent_writers_one_wins(pega, target, observe):
    writers = target.safety.concurrency
    case_id, _ = pega.new_case()
    for round_no in range(3):
        etag, _, _ = pega.read(case_id)
        barrier = threading.Barrier(writers)
        exchanges = [None] * writers
        values = [pega.label(f"race{round_no}-w{i}") for i in range(writers)]

        def writer(i: int) -> None:
            barrier.wait()
            exchanges[i] = pega.update(case_id, etag, {pega.field: values[i]})

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=target.safety.timeout * 4)
        if any(ex is None for ex in exchanges):
            raise pytest.fail("a concurrent writer did not finish", pytrace=False)
        winners = [i for i, ex in enumerate(exchanges) if ok(ex)]
        losers = [ex for ex in exchanges if not ok(ex)]
        if len(winners) != 1:
            raise violate("PEGA-ETAG-005", f"{len(winners)} of {writers} writers holding eTag {etag!r} succeeded; "
                          "exactly one must", *exchanges)
        wrong = [ex for ex in losers if ex.status not in STALE]
        if wrong:
            raise violate("PEGA-ETAG-005", "a losing writer was not refused with 409 or 412", *wrong)
        observe("PEGA-ETAG-005", "losers_status", sorted({ex.status for ex in losers}))
        _, info, read = pega.read(case_id)
        stored = content_value(info, pega.field)
        if stored != values[winners[0]]:
            raise violate("PEGA-ETAG-005", f"stored {pega.field} is {stored!r}, not the winner's "
                          f"{values[winners[0]]!r} (lost update)", exchanges[winners[0]], read)
