"""A long state machine run in parts (conformance/suites/stateful.py), and how --workers hands the
parts out (conformance/parallel.py)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from conformance import parallel
from conformance.suites.stateful import parts, run_part


class Recorder(RuleBasedStateMachine):
    runs: list[list[int]] = []

    @initialize()
    def start(self):
        self.runs.append([])

    @rule(n=st.integers(0, 10**6))
    def step(self, n):
        self.runs[-1].append(n)


def _run(part: tuple[int, int]) -> list[list[int]]:
    before = len(Recorder.runs)
    run_part(Recorder, part, max_examples=10, derandomize=True, database=None)
    return Recorder.runs[before:]


def test_each_part_runs_its_share_of_the_examples_and_draws_its_own():
    assert len(_run((1, 1))) == 10
    shares = [_run((k, 4)) for k in (1, 2, 3, 4)]
    # ceil(10 / 4) = 3 examples a part: as many examples as one machine, or a few more
    assert [len(s) for s in shares] == [3, 3, 3, 3]
    # each part has a seed of its own: past hypothesis' simplest first example, the parts draw apart
    assert len({tuple(map(tuple, s[1:])) for s in shares}) == 4, shares
    # and a derandomised part draws the same again
    assert _run((2, 4)) == shares[1]


def test_parts_are_parametrised_as_part_k_of_n():
    mark = parts(3).mark
    assert mark.args == ("part", [(1, 3), (2, 3), (3, 3)])
    assert mark.kwargs["ids"] == ["part 1 of 3", "part 2 of 3", "part 3 of 3"]
    # the scheduler knows each of them for a part
    assert all(parallel._is_part(f"test_model[{i}]") for i in mark.kwargs["ids"])


def test_workers_get_each_part_as_a_unit_and_the_parts_first():
    ids = ["suite/test_cases.py::test_create",
           "suite/test_cases.py::test_read",
           "suite/test_property.py::test_responses_conform_to_spec[GET /cases]",
           "suite/test_stateful.py::test_model[part 1 of 2]",
           "suite/test_stateful.py::test_model[part 2 of 2]",
           "suite/test_stateful.py::test_other"]
    scopes = list(dict.fromkeys(parallel.split_scope(i) for i in ids))
    assert scopes == ["suite/test_cases.py",
                      "suite/test_property.py::test_responses_conform_to_spec[GET /cases]",
                      "suite/test_stateful.py::test_model[part 1 of 2]",
                      "suite/test_stateful.py::test_model[part 2 of 2]",
                      "suite/test_stateful.py"]
    assert sorted(scopes, key=parallel.rank) == [
        "suite/test_stateful.py::test_model[part 1 of 2]", "suite/test_stateful.py::test_model[part 2 of 2]",
        "suite/test_cases.py", "suite/test_stateful.py",
        "suite/test_property.py::test_responses_conform_to_spec[GET /cases]"]
    # an id that merely holds the word elsewhere is not a part
    assert not parallel._is_part("test_x[department 1]") and not parallel._is_part("test_x[a part 1 of 2]")


def test_under_a_set_seed_each_part_still_draws_its_own(monkeypatch):
    # property.seed reaches hypothesis as --hypothesis-seed (a seed every test draws from): the parts must
    # not all draw the same examples from it
    from hypothesis import core

    monkeypatch.setattr(core, "global_force_seed", 7)

    def seeded(part):
        before = len(Recorder.runs)
        run_part(Recorder, part, max_examples=10, derandomize=False, database=None)
        return Recorder.runs[before:]

    shares = [seeded((k, 3)) for k in (1, 2, 3)]
    assert len({tuple(map(tuple, s[1:])) for s in shares}) == 3, shares
    assert seeded((2, 3)) == shares[1]
