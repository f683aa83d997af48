"""What a Pega Process Fabric Hub sync target file declares: fixtures and capabilities.

The target's `auth` section holds the *registration* credentials (the admin client that
registers applications). The *sync* credentials are not in the target file: enablesync
issues them during the run (seed 002; VF "Pega Process Fabric Hub": "the sync credentials
come from the enablesync response, not from the registration credentials").
"""

from __future__ import annotations

from pydantic import Field

from conformance.target_base import Strict as _Strict


class Fixtures(_Strict):
    """Server-side names the tests need (they differ per installation)."""

    # where sync clients fetch their token; default: the target's auth.token_url (VF: the same
    # POST /prweb/PRRestService/oauth2/v1/token serves both credential sets)
    token_url: str | None = Field(default=None, pattern=r"^https?://")
    # how the sync client authenticates at the token endpoint (RFC 6749 2.3.1)
    sync_client_auth: str = Field(default="body", pattern=r"^(basic|body)$")
    # registration fields the Hub may validate (VF: Registration payload)
    system_url: str = Field(default="https://conformance.invalid/prweb", min_length=1)
    platform: str = Field(default="Pega", min_length=1)
    production_level: int = Field(default=2, ge=1, le=5)
    # a work queue and operator names used in published tasks (VF: assignTo, assignToType "WL")
    assign_to: str = Field(default="conformance.operator", min_length=1)
    # emulator-only: base URL of a read-back view of what the server stored (capability inspection).
    # A real Hub only accepts data (seed 002) and has none.
    inspection_url: str | None = Field(default=None, pattern=r"^https?://")


class Capabilities(_Strict):
    """What the server offers. Tests ask for these, never for a vendor name."""

    # read back what was stored (an emulator-only view, NOT part of the Hub's API)
    inspection: bool = False
    # DELETE /registrations/{ID} (Pega's Delete Registration page; not in seed 002 nor VF). Declared, it is
    # tested (HUB-REG-006) and cleanup deletes the run's registrations with it
    registration_delete: bool = False


# (method, path template) -> the capabilities the operation needs (the plugin skips its generated tests
# on a target that does not declare them)
OPERATION_CAPABILITIES = {("DELETE", "/registrations/{ID}"): ("registration_delete",)}


def validate_target(target) -> None:  # noqa: ANN001 - a conformance.target.Target
    if target.capabilities.inspection and not target.fixtures.inspection_url:
        raise ValueError("capabilities.inspection is true but fixtures.inspection_url is not set")
    if target.fixtures.token_url is None and not hasattr(target.auth, "token_url"):
        raise ValueError("fixtures.token_url is required when auth is not OAuth2 (sync clients need a token URL)")
