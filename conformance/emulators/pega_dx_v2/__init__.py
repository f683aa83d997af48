"""Pega DX API v2 emulator."""

from conformance.emulators.pega_dx_v2.app import PegaEmulator, create_app
from conformance.emulators.pega_dx_v2.faults import FAULTS, VARIANTS

__all__ = ["FAULTS", "VARIANTS", "PegaEmulator", "create_app"]
