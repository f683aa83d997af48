"""The APIs this suite knows, and where each one's parts live.

Every API has the same parts, found by its module name `<mod>`:
  specs/<name>.yaml                        the hand-authored OpenAPI document
  conformance/requirements/<mod>.py        CATALOGUE: its requirements
  conformance/suites/<mod>/model.py        Fixtures and Capabilities of its target files
  conformance/suites/<mod>/                the pytest modules run against a target
  conformance/emulators/<mod>/             FAULTS, VARIANTS, create_app(config)
  conformance/targets/<emulator_target>.toml  the bundled target of its emulator

An API is *available* once its target model exists; until then it is listed here
but not offered by the CLI.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from types import ModuleType


@dataclass(frozen=True)
class ApiInfo:
    name: str
    module: str
    title: str
    emulator_target: str  # bundled target of the clean emulator (prove, demo)
    # the demo's servers: (bundled target name, emulator variants)
    demo: tuple[tuple[str, dict[str, str]], ...] = field(default=())


KNOWN: tuple[ApiInfo, ...] = (
    ApiInfo("pega-dx-v2", "pega_dx_v2", "Pega DX API v2", "pega-emulator", (
        ("pega-emulator", {}),
        ("pega-emulator-variant", {"stale": "412", "missing-if-match": "403", "urgency": "integer",
                                   "location": "absolute"}),
    )),
    ApiInfo("processmaker-3", "processmaker_3", "ProcessMaker 3 cases API", "processmaker-emulator",
            (("processmaker-emulator", {}),)),
    ApiInfo("ibm-caserest-v1", "ibm_caserest_v1", "IBM Case Manager / BAW CASEREST v1", "ibm-caserest-emulator",
            (("ibm-caserest-emulator", {}),)),
    ApiInfo("pega-fabric-hub-sync-v1", "pega_fabric_hub_sync_v1", "Pega Process Fabric Hub data synchronization",
            "fabric-hub-emulator", (("fabric-hub-emulator", {}),)),
)
BY_NAME = {a.name: a for a in KNOWN}


def _has_model(info: ApiInfo) -> bool:
    """The API's target model and requirements module both exist (a half-built API is not offered)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in (
            f"conformance.suites.{info.module}.model", f"conformance.requirements.{info.module}"))
    except ModuleNotFoundError:  # the API's suite package does not exist yet
        return False


def available() -> list[ApiInfo]:
    return [a for a in KNOWN if _has_model(a)]


def names() -> list[str]:
    return [a.name for a in available()]


def get(name: str) -> ApiInfo:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown API {name!r}; known: {', '.join(names())}") from None


def suite_package(name: str) -> str:
    return f"conformance.suites.{get(name).module}"


def model(name: str) -> ModuleType:
    return importlib.import_module(f"conformance.suites.{get(name).module}.model")


def emulator(name: str) -> ModuleType:
    """The emulator package: FAULTS, VARIANTS, create_app(config), and optionally
    target_edits(variants) -> {old line: new line} for the bundled target."""
    return importlib.import_module(f"conformance.emulators.{get(name).module}")
