"""The cleanup ledger: every resource a run creates, and how to retire it.

DESIGN.md "Staging safety": cleanup runs in `finally` (the plugin calls it at
session finish, which pytest reaches after failures and Ctrl-C too), using
each API's own way to retire a resource; what cannot be retired is listed in
results.json with the reason.

Retiring one resource is one or a few requests that depend on no other
resource's, so cleanup retires the entries side by side: up to the session's
`max_in_flight` at once (the session's own bound holds besides; with
`max_in_flight = 1` they go one after another in the calling thread, as a
run's tests do). Where one resource's retirement needs another to still
exist, the client that adds it says so with a stage: every entry of a lower
stage is retired before any of a higher one (Pega DX v2: attachments, then
child cases, then cases). The result lists the entries in the order they were
added, whatever order the threads finished in. A Ctrl-C during cleanup stops
it between requests; every entry it did not retire is still reported, in
`remaining`, with why.
"""

from __future__ import annotations

import concurrent.futures
import threading
from dataclasses import dataclass
from typing import Callable

from conformance.failures import ConformanceError

NOT_ATTEMPTED = "not attempted: cleanup was interrupted (Ctrl-C); the resource is left as the run left it"
UNFINISHED = "interrupted (Ctrl-C) while its retirement was under way; the resource may be left as it was"


@dataclass
class Entry:
    kind: str
    id: str
    retire: Callable[[], tuple[bool, str]]  # -> (retired?, how or why not)
    stage: int = 0  # lower stages are retired first (a resource another's retirement needs comes later)


class Ledger:
    def __init__(self, session: object) -> None:
        self.session = session
        self._entries: dict[tuple[str, str], Entry] = {}
        self._lock = threading.Lock()

    def add(self, kind: str, resource_id: str, retire: Callable[[], tuple[bool, str]], stage: int = 0) -> None:
        """Record a resource to retire at the end. `stage`: entries of a lower stage are all retired
        before any of a higher one; entries of one stage are retired side by side."""
        with self._lock:
            self._entries.setdefault((kind, resource_id), Entry(kind, resource_id, retire, stage))

    def forget(self, kind: str, resource_id: str) -> None:
        """The test itself retired the resource (for example a DELETE it verified)."""
        with self._lock:
            self._entries.pop((kind, resource_id), None)

    def __len__(self) -> int:
        return len(self._entries)

    def _bound(self) -> int:
        target = getattr(self.session, "target", None)
        safety = getattr(target, "safety", None)
        return max(1, int(getattr(safety, "max_in_flight", 1) or 1))

    def _stop(self) -> None:
        """Let the retirements under way stop before their next request (the session's Ctrl-C flag)."""
        if hasattr(self.session, "stop_requested"):
            self.session.stop_requested = True  # type: ignore[attr-defined]

    def _stopping(self) -> bool:
        return bool(getattr(self.session, "stop_requested", False))

    def _attempt(self, entry: Entry) -> tuple[bool, str]:
        """(retired?, how) of one entry, whatever its retire raised."""
        try:
            return entry.retire()
        except ConformanceError as exc:
            return False, f"cleanup request failed: {exc}"
        except KeyboardInterrupt:
            # a Ctrl-C: the session refuses to send once its flag is up (http.Session._prepare), or
            # the signal itself where nothing defers it; either way the others stop too
            self._stop()
            return False, UNFINISHED
        except BaseException as exc:  # cleanup must go on for the others whatever happens
            return False, f"cleanup raised {type(exc).__name__}: {exc}"

    def cleanup(self) -> dict[str, list[dict[str, str]]]:
        with self._lock:
            entries = list(self._entries.values())  # in the order they were added
            self._entries.clear()
        # written by whichever thread retires the entry (one key each); read once everything has stopped
        started: set[int] = set()
        outcome: dict[int, tuple[bool, str]] = {}
        progress = threading.Condition()
        active = [0]  # retirements under way

        def run(i: int) -> None:
            with progress:
                if self._stopping():
                    return  # a Ctrl-C came first: not attempted
                started.add(i)
                active[0] += 1
            try:
                outcome[i] = self._attempt(entries[i])
            finally:
                with progress:
                    active[0] -= 1
                    progress.notify_all()

        def settle() -> None:
            """After a Ctrl-C: wait for the retirements under way (each stops before its next request)."""
            self._stop()
            try:
                with progress:
                    progress.wait_for(lambda: active[0] == 0)
            except KeyboardInterrupt:
                pass  # Ctrl-C again: stop waiting; what is under way is reported unfinished

        bound = self._bound()
        for stage in sorted({e.stage for e in entries}):
            batch = [i for i, e in enumerate(entries) if e.stage == stage]
            if not self._retire(run, settle, batch, bound) or self._stopping():
                break  # interrupted: the later stages are not attempted
        retired: list[dict[str, str]] = []
        remaining: list[dict[str, str]] = []
        for i, entry in enumerate(entries):
            ok, how = outcome.get(i) or (False, UNFINISHED if i in started else NOT_ATTEMPTED)
            (retired if ok else remaining).append({"kind": entry.kind, "id": entry.id, "how": how})
        return {"retired": retired, "remaining": remaining}

    def _retire(self, run: Callable[[int], None], settle: Callable[[], None], batch: list[int], bound: int) -> bool:
        """Retire one stage's entries, up to `bound` at once; False when a Ctrl-C stopped it."""
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=bound, thread_name_prefix="conformance-cleanup") \
            if bound > 1 else None  # max_in_flight 1: one after another, in this thread
        try:
            for i in batch:
                if pool is None:
                    run(i)
                else:
                    pool.submit(run, i)
            if pool is not None:
                pool.shutdown(wait=True)
        except KeyboardInterrupt:  # a Ctrl-C in this thread (the session's own stops a request: _attempt)
            if pool is None:
                self._stop()  # nothing else is under way
            else:
                pool.shutdown(wait=False, cancel_futures=True)  # the ones not started never will
                settle()
            return False
        return True
