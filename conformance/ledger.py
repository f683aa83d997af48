"""The cleanup ledger: every resource a run creates, and how to retire it.

DESIGN.md "Staging safety": cleanup runs in `finally` (the plugin calls it at
session finish, which pytest reaches after failures and Ctrl-C too), using
each API's own way to retire a resource; what cannot be retired is listed in
results.json with the reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from conformance.failures import ConformanceError


@dataclass
class Entry:
    kind: str
    id: str
    retire: Callable[[], tuple[bool, str]]  # -> (retired?, how or why not)


class Ledger:
    def __init__(self, session: object) -> None:
        self.session = session
        self._entries: dict[tuple[str, str], Entry] = {}
        self._lock = threading.Lock()

    def add(self, kind: str, resource_id: str, retire: Callable[[], tuple[bool, str]]) -> None:
        with self._lock:
            self._entries.setdefault((kind, resource_id), Entry(kind, resource_id, retire))

    def forget(self, kind: str, resource_id: str) -> None:
        """The test itself retired the resource (for example a DELETE it verified)."""
        with self._lock:
            self._entries.pop((kind, resource_id), None)

    def __len__(self) -> int:
        return len(self._entries)

    def cleanup(self) -> dict[str, list[dict[str, str]]]:
        retired: list[dict[str, str]] = []
        remaining: list[dict[str, str]] = []
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            try:
                ok, how = entry.retire()
            except ConformanceError as exc:
                ok, how = False, f"cleanup request failed: {exc}"
            except Exception as exc:  # cleanup must go on for the others whatever happens
                ok, how = False, f"cleanup raised {type(exc).__name__}: {exc}"
            (retired if ok else remaining).append({"kind": entry.kind, "id": entry.id, "how": how})
        return {"retired": retired, "remaining": remaining}
