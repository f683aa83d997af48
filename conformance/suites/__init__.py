"""The pytest modules run against a target, one package per API (conformance.apis)."""

from importlib import resources
from pathlib import Path

from conformance import apis


class _Suites(dict):
    """api name -> suite package, for the APIs that are available."""


SUITES = _Suites({name: apis.suite_package(name) for name in apis.names()})


def spec_path(api: str) -> Path:
    """The bundled OpenAPI document of an API (specs/ is shipped inside the package)."""
    bundled = resources.files("conformance") / "specs" / f"{api}.yaml"
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[2] / "specs" / f"{api}.yaml"
