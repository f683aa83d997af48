"""A long stateful test (hypothesis RuleBasedStateMachine) run as independent parts.

Against a server far away a state machine is the slowest thing in a run: every step waits for the
answer to the one before, so nothing can go out side by side. A profile of a Pega run at 100 ms
emulator latency under `--workers 8` showed the participants model alone taking 68 of the run's 133
seconds on one worker after every other worker had finished. Its examples, though, do not depend on
each other: each starts from a case of its own. So the test is parametrised into parts
(`[part K of N]`); each part runs its share of the profile's `max_examples` (rounded up) as a machine
of its own name, which gives it a seed of its own (hypothesis derives a derandomised run's seed from
the machine's name when it has no source of its own), and conformance/parallel.py makes every part a
work unit, longest first. One process runs the parts one after another: as many examples as one machine
(a few more where N does not divide max_examples). The price: hypothesis starts every part with its
simplest example (one short run), so N parts spend N - 1 examples on that same run where one
machine would have drawn new ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import core as hypothesis_core
from hypothesis import seed, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from conformance.parallel import PART_ID  # the id the scheduler spreads



def parts(count: int) -> Any:
    """Decorator: run the test `count` times, as parts 1..count (the test takes a `part` argument)."""
    return pytest.mark.parametrize("part", [(k, count) for k in range(1, count + 1)],
                                   ids=[PART_ID.format(k, count) for k in range(1, count + 1)])


def run_part(machine: type[RuleBasedStateMachine], part: tuple[int, int], **overrides: Any) -> None:
    """Run `machine` as part K of N: ceil(max_examples / N) examples under a name (and seed) of its own."""
    k, count = part
    base = settings(**overrides)
    share = max(1, -(-base.max_examples // count))
    name = f"{machine.__name__}Part{k}of{count}"
    named: Any = type(name, (machine,), {"__module__": machine.__module__, "__qualname__": name})
    forced = getattr(hypothesis_core, "global_force_seed", None)  # property.seed, as --hypothesis-seed
    if not base.derandomize and forced is not None:
        # every test then draws from that one seed: each part from its own seed derived from it
        named = seed(f"{forced}-{name}")(named)
    run_state_machine_as_test(named, settings=settings(base, max_examples=share))
