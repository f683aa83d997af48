"""The pytest modules run against a target, one package per API."""

from importlib import resources
from pathlib import Path

SUITES = {"pega-dx-v2": "conformance.suites.pega_dx_v2"}


def spec_path(api: str) -> Path:
    """The bundled OpenAPI document of an API (specs/ is shipped inside the package)."""
    bundled = resources.files("conformance") / "specs" / f"{api}.yaml"
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[2] / "specs" / f"{api}.yaml"
