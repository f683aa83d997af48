"""Pega DX API v2 emulator."""

from conformance.emulators.pega_dx_v2.app import PegaEmulator, create_app
from conformance.emulators.pega_dx_v2.faults import FAULTS, JOINT_VARIANT_SETS, VARIANTS

__all__ = ["FAULTS", "JOINT_VARIANT_SETS", "SWITCHES", "VARIANTS", "PegaEmulator", "create_app", "target_edits"]

# variant -> the capability of the bundled target (conformance/targets/pega-emulator.toml) it switches
SWITCHES = {"v1-update": "v1_update", "stages": "stages", "refresh-navigation": "refresh_navigation",
            "attachments": "attachments", "data-views": "data_views",
            "case-types": "case_types", "hierarchy": "case_hierarchy", "lock-release": "lock_release",
            "bulk-actions": "bulk_actions", "optional-processes": "optional_processes", "case-views": "case_views",
            "recalculate": "recalculate", "data-records": "data_records",
            "participants": "participants", "followers": "followers", "tags": "tags",
            "related-cases": "related_cases", "documents": "documents"}


def target_edits(variants: dict[str, str]) -> dict[str, str]:
    """Lines of the bundled target that change with a variant: a server without an operation group
    does not declare it (capabilities are promises)."""
    return {f"\n{cap} = true": f"\n{cap} = false" for name, cap in SWITCHES.items() if variants.get(name) == "off"}
