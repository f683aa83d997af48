"""How `conformance run --workers N` spreads the tests over its pytest-xdist workers.

A work unit is a whole test file (as `--dist loadfile`): the tests of a file share module fixtures
(a case they create once, a walk's state) and some of them follow each other on purpose. The one
exception is the generated property test of each spec operation
(`test_responses_conform_to_spec[METHOD /path]`, schemathesis): each operation's test draws its own
requests against its own case, so each is a unit of its own and the operations of one API run side by
side. That test is most of a run's requests (Pega: ~85 % of the run's time in one file), so without
this split a run against a server far away waited for that one file whatever the number of workers.
A long state machine run in parts (conformance/suites/stateful.py, `[part K of N]`) is split the same
way: each part is a unit, and the parts go out first, since each of them is longer than most files.

Tests whose reads must not see other tests' writes are kept apart by conformance/gate.py, not here.
"""

from __future__ import annotations

import re
from typing import Any

# test functions of which every parametrised instance is a work unit of its own
SPREAD = ("test_responses_conform_to_spec[",)


# the id of one part of a long state machine (conformance/suites/stateful.py parametrises with it)
PART_ID = "part {} of {}"
_PART = re.compile(r"\[part \d+ of \d+\]$")  # PART_ID at the end of a test's id


def _is_part(test: str) -> bool:
    return _PART.search(test) is not None


def rank(scope: str) -> int:
    """Which units go out first: a state machine's parts (each is a long chain of requests that must
    follow each other), then whole files, then single operations' property tests (short; they fill the
    gaps at the end)."""
    if "::" not in scope:
        return 1
    return 0 if _is_part(scope.partition("::")[2]) else 2


def split_scope(nodeid: str) -> str:
    """The work unit a test belongs to."""
    module, _, test = nodeid.partition("::")
    if test.startswith(SPREAD) or _is_part(test):
        return nodeid  # one operation's generated test, or one part of a state machine
    return module  # the whole file, as --dist loadfile


def make_scheduler(config: Any, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class ConformanceScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return split_scope(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            # the longest units first (rank): started last, a state machine of a few hundred requests
            # would be the run's tail
            if self.workqueue:
                first = min(self.workqueue, key=rank)
                self.workqueue.move_to_end(first, last=False)
            super()._assign_work_unit(node)

    return ConformanceScheduling(config, log)
