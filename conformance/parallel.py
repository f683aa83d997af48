"""How `conformance run --workers N` spreads the tests over its pytest-xdist workers.

A work unit is a whole test file (as `--dist loadfile`): the tests of a file share module fixtures
(a case they create once, a walk's state) and some of them follow each other on purpose. The one
exception is the generated property test of each spec operation
(`test_responses_conform_to_spec[METHOD /path]`, schemathesis): each operation's test draws its own
requests against its own case, so each is a unit of its own and the operations of one API run side by
side. That test is most of a run's requests (Pega: ~85 % of the run's time in one file), so without
this split a run against a server far away waited for that one file whatever the number of workers.

Tests whose reads must not see other tests' writes are kept apart by conformance/gate.py, not here.
"""

from __future__ import annotations

from typing import Any

# test functions of which every parametrised instance is a work unit of its own
SPREAD = ("test_responses_conform_to_spec[",)


def make_scheduler(config: Any, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class ConformanceScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module, _, test = nodeid.partition("::")
            if test.startswith(SPREAD):
                return nodeid  # one operation's generated test
            return module  # the whole file, as --dist loadfile

        def _assign_work_unit(self, node: Any) -> None:
            # whole files before single operations: a file may hold a stateful test of a few hundred
            # requests, and started last it would be the run's tail; the operations fill the gaps after
            for scope in self.workqueue:
                if "::" not in scope:
                    self.workqueue.move_to_end(scope, last=False)
                    break
            super()._assign_work_unit(node)

    return ConformanceScheduling(config, log)
