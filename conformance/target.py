"""Target files: TOML presets describing one server to test (STYLE.md: targets are data).

Loading validates the whole file before any request is sent and fails naming
the offending key (`auth.client_secret: ...`). Secrets are never literal in a
shared target file: any string may be `${ENV_NAME}` or `${ENV_NAME:-default}`,
expanded from the environment at load time.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conformance import requirements

APIS = ("pega-dx-v2",)  # the APIs this version of the suite has suites for

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class TargetError(ValueError):
    """The target file is unreadable or invalid; the message names the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoAuth(_Strict):
    type: Literal["none"]


class BasicAuth(_Strict):
    type: Literal["basic"]
    username: str = Field(min_length=1)
    password: str


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: str = Field(min_length=1)


class OAuth2ClientCredentials(_Strict):
    type: Literal["oauth2-client-credentials"]
    token_url: str = Field(pattern=r"^https?://")
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    scope: str | None = None
    # where the client authenticates at the token endpoint (RFC 6749 2.3.1)
    client_auth: Literal["basic", "body"] = "basic"


class OAuth2Password(OAuth2ClientCredentials):
    type: Literal["oauth2-password"]  # type: ignore[assignment]
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)


Auth = Annotated[
    Union[NoAuth, BasicAuth, BearerAuth, OAuth2ClientCredentials, OAuth2Password],
    Field(discriminator="type"),
]


class Fixtures(_Strict):
    """Server-side names the tests need (they differ per installation)."""

    case_type_id: str = Field(min_length=1)
    update_action_id: str = Field(default="pyUpdateCaseDetails", min_length=1)
    # a text field of the case type's content the update action may set
    content_field: str = Field(default="pyLabel", min_length=1)
    # a case the operator may read; lets read-only runs verify what needs an existing case
    existing_case_id: str | None = Field(default=None, min_length=1)
    # attachments (seed 001): the categories to attach into, and the server's upload limit if known
    attachment_category: str = Field(default="File", min_length=1)
    url_category: str = Field(default="URL", min_length=1)
    upload_limit_bytes: int | None = Field(default=None, gt=0)
    # a data view with more than a few pages of rows (paging tests walk it; keep it under ~20k rows)
    data_view_id: str | None = Field(default=None, min_length=1)
    data_view_page_size: int = Field(default=250, ge=1, le=5000)
    # base URL of the v1 API, for the v1-style PUT (seed 000); needed with capabilities.v1_update
    v1_base_url: str | None = Field(default=None, pattern=r"^https?://")


class Capabilities(_Strict):
    """What the server offers. Tests ask for these, never for a vendor name."""

    assignments: bool = True
    delete_case: bool = True
    v1_update: bool = False
    attachments: bool = True  # upload, attach, list, download, delete (seed 001)
    data_views: bool = False  # needs fixtures.data_view_id


class Safety(_Strict):
    read_only: bool = False
    max_requests: int = Field(default=20_000, gt=0)
    rate_limit: float = Field(default=0.0, ge=0)  # requests per second; 0 = unbounded
    run_prefix: str = Field(default="CONF", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    timeout: float = Field(default=15.0, gt=0)  # seconds per request
    max_response_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    concurrency: int = Field(default=8, ge=2, le=64)  # writers in the eTag race


class Property(_Strict):
    """Budget of the property-based tests (hypothesis settings, never edited per test)."""

    max_examples: int = Field(default=20, ge=1, le=10_000)
    seed: int | None = None


class Deviation(_Strict):
    requirement: str
    reason: str = Field(min_length=1)
    reference: str = Field(min_length=1)
    expires: dt.date

    @field_validator("requirement")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in requirements.BY_ID:
            raise ValueError(f"unknown requirement id {value!r}")
        return value

    def expired(self, today: dt.date | None = None) -> bool:
        return (today or dt.date.today()) > self.expires


class Target(_Strict):
    name: str = Field(min_length=1)
    api: Literal[APIS]  # type: ignore[valid-type]
    base_url: str = Field(pattern=r"^https?://")
    auth: Auth
    fixtures: Fixtures
    capabilities: Capabilities = Capabilities()
    safety: Safety = Safety()
    property: Property = Property()
    deviations: tuple[Deviation, ...] = ()
    source: str = Field(default="<memory>", exclude=True)

    @model_validator(mode="after")
    def _v1_needs_url(self) -> "Target":
        if self.capabilities.v1_update and not self.fixtures.v1_base_url:
            raise ValueError("capabilities.v1_update is true but fixtures.v1_base_url is not set")
        if self.capabilities.data_views and not self.fixtures.data_view_id:
            raise ValueError("capabilities.data_views is true but fixtures.data_view_id is not set")
        return self

    def deviation_for(self, requirement_id: str) -> Deviation | None:
        for entry in self.deviations:
            if entry.requirement == requirement_id:
                return entry
        return None


def _expand(value: Any, path: str, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        def sub(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise TargetError(f"{path}: environment variable {name} is not set")
        return _ENV_REF.sub(sub, value)
    if isinstance(value, dict):
        return {k: _expand(v, f"{path}.{k}" if path else k, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{path}[{i}]", env) for i, v in enumerate(value)]
    return value


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"none", "basic", "bearer", "oauth2-client-credentials", "oauth2-password"} and out == "auth":
            continue  # the discriminator tag pydantic inserts; the user wrote `auth.<key>`
        else:
            out += f".{part}" if out else str(part)
    return out or "<file>"


def parse(data: dict[str, Any], source: str = "<memory>", env: dict[str, str] | None = None) -> Target:
    try:
        expanded = _expand(data, "", dict(os.environ) if env is None else env)
    except TargetError as exc:
        raise TargetError(f"{source}: {exc}") from None
    try:
        return Target.model_validate({**expanded, "source": source})
    except ValidationError as exc:
        lines = [f"{_loc(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise TargetError(f"{source}: invalid target file\n  " + "\n  ".join(lines)) from None


def load(path: str | Path, env: dict[str, str] | None = None) -> Target:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetError(f"{path}: no such target file") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, str(path), env)
