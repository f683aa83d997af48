"""The requirements catalogue: one id, one MUST/SHOULD sentence, one source.

The report, the results file and the vendor comparison are all keyed by these
ids (STYLE.md: requirements written as MUST sentences in one place). Each API
keeps its requirements in its own module here (conformance.apis lists them);
`topic` lines a requirement up with its counterparts in other APIs.
"""

from __future__ import annotations

import importlib

from conformance import apis
from conformance.requirements._model import Level, Requirement

__all__ = ["BY_ID", "CATALOGUE", "Level", "Requirement", "for_api", "get"]


def _collect() -> tuple[Requirement, ...]:
    found: list[Requirement] = []
    for info in apis.available():
        module = importlib.import_module(f"conformance.requirements.{info.module}")
        for req in module.CATALOGUE:
            if req.api != info.name:
                raise ValueError(f"{req.id}: listed under {info.name} but says api={req.api}")
            found.append(req)
    return tuple(found)


CATALOGUE: tuple[Requirement, ...] = _collect()
BY_ID: dict[str, Requirement] = {r.id: r for r in CATALOGUE}
if len(BY_ID) != len(CATALOGUE):
    raise ValueError("duplicate requirement ids in the catalogue")


def for_api(api: str) -> list[Requirement]:
    return [r for r in CATALOGUE if r.api == api]


def get(requirement_id: str) -> Requirement:
    try:
        return BY_ID[requirement_id]
    except KeyError:
        raise KeyError(f"unknown requirement id {requirement_id!r}") from None
