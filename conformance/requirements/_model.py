"""One requirement: an id, one MUST/SHOULD sentence, one source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["MUST", "SHOULD"]


@dataclass(frozen=True)
class Requirement:
    id: str
    api: str
    family: str
    level: Level
    sentence: str
    source: str
    # lines a requirement up with its counterparts in other APIs (same row in a cross-vendor comparison)
    topic: str = ""
