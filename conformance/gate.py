"""Tests that must see the server hold still, and the tests that may change it, kept apart.

A test marked `exclusive` reads server state over several requests and compares the answers: a
list walked page by page against one large read (ProcessMaker's paging), a filtered list against
the unfiltered one (its filters). When another test of the same run creates, routes or deletes a
case between two of those reads, the walk sees the list move, and the verdict would depend on how
the tests happened to interleave. That is what made a ProcessMaker run under `--workers 2`, and two
`--shard K/2` runs side by side, end with other outcomes than one process. The eTag race
(PEGA-ETAG-005) is `exclusive` too: alone against the server, its worker may open the run's whole
max_in_flight (conformance/http.py, Session.whole_bound), so that its writers meet at the server.

So every test of a run takes the gate of its server: an `exclusive` test alone, every other test
(and the cleanup at the end) shared with the others; a worker whose next test is exclusive too keeps it
alone from one to the next (plugin.pytest_runtest_protocol), since each take waits for every other
worker's test under way to end. The gate is an advisory file lock (flock) named
after the server's base URL, so the workers of one run and the shards of one run started on the same
machine all share it. Runs on other machines cannot see it: shards spread over machines against one
server must not be run at the same time (docs/usage.md says so).

A turnstile keeps an `exclusive` test from waiting forever behind a stream of shared ones: every
test passes the turnstile first, and an exclusive test holds it while it waits, so no new shared
test slips in ahead of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

MARKER = "exclusive"


def _path(base_url: str, suffix: str) -> Path:
    key = hashlib.sha256(base_url.rstrip("/").encode("utf-8")).hexdigest()[:16]
    # per user: a lock file another user created (mode 0600) could not be opened
    return Path(tempfile.gettempdir()) / f"conformance-gate-{os.getuid()}-{key}.{suffix}"


class Gate:
    """One server's gate; `hold(exclusive)` is a context manager around one test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._main = _path(base_url, "lock")
        self._turnstile = _path(base_url, "turnstile")

    @staticmethod
    def _open(path: Path) -> int:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @contextlib.contextmanager
    def hold(self, exclusive: bool) -> Iterator[None]:
        main, turnstile = self._open(self._main), self._open(self._turnstile)
        try:
            fcntl.flock(turnstile, fcntl.LOCK_EX)
            try:
                fcntl.flock(main, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            finally:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
            try:
                yield
            finally:
                fcntl.flock(main, fcntl.LOCK_UN)
        finally:
            os.close(main)
            os.close(turnstile)
