"""Pega DX API v2 emulator."""

from conformance.emulators.pega_dx_v2.app import PegaEmulator, create_app
from conformance.emulators.pega_dx_v2.faults import FAULTS, VARIANTS

__all__ = ["FAULTS", "VARIANTS", "PegaEmulator", "create_app", "target_edits"]


def target_edits(variants: dict[str, str]) -> dict[str, str]:
    """Lines of the bundled target that change with a variant: a server without the v1
    update does not declare it."""
    return {"v1_update = true": "v1_update = false"} if variants.get("v1-update") == "off" else {}
