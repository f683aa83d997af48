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

from pydantic import Field, TypeAdapter, ValidationError, create_model, field_validator, model_validator

from conformance import apis, requirements
from conformance.target_base import Strict


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class TargetError(ValueError):
    """The target file is unreadable or invalid; the message names the key."""


_Strict = Strict


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


class Safety(_Strict):
    read_only: bool = False
    max_requests: int = Field(default=20_000, gt=0)
    rate_limit: float = Field(default=0.0, ge=0)  # requests per second; 0 = unbounded
    run_prefix: str = Field(default="CONF", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    timeout: float = Field(default=15.0, gt=0)  # seconds per request
    max_response_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    concurrency: int = Field(default=8, ge=2, le=64)  # writers in the eTag race
    # requests the run has open at once, workers included (docs/safety.md says why 8): `--workers N`
    # may not exceed it, and each worker may open its share (max_in_flight // N) at a time
    max_in_flight: int = Field(default=8, ge=1, le=64)


class Property(_Strict):
    """Budget of the property-based tests (hypothesis settings, never edited per test)."""

    max_examples: int = Field(default=20, ge=1, le=10_000)
    seed: int | None = None


class Deviation(_Strict):
    requirement: str
    # a finding's fingerprint (results.json): accept this one known defect, not every future defect of
    # the requirement; without it the entry covers the whole requirement
    finding: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")
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
    """What every target file has; `api` selects the Fixtures and Capabilities models
    (conformance/suites/<api>/model.py)."""

    name: str = Field(min_length=1)
    api: str
    base_url: str = Field(pattern=r"^https?://")
    auth: Auth
    fixtures: Any
    capabilities: Any
    safety: Safety = Safety()
    property: Property = Property()
    deviations: tuple[Deviation, ...] = ()
    source: str = Field(default="<memory>", exclude=True)

    @model_validator(mode="after")
    def _api_rules(self) -> "Target":
        check = getattr(apis.model(self.api), "validate_target", None)
        if check is not None:
            check(self)  # cross-field rules of the API (raises ValueError naming the keys)
        for entry in self.deviations:
            if requirements.get(entry.requirement).api != self.api:
                raise ValueError(f"deviation {entry.requirement} belongs to another API than {self.api}")
        return self

    def deviation_for(self, requirement_id: str) -> Deviation | None:
        """The entry that accepts the whole requirement, if any."""
        for entry in self.deviations:
            if entry.requirement == requirement_id and entry.finding is None:
                return entry
        return None

    def finding_deviations(self, requirement_id: str) -> dict[str, Deviation]:
        """Entries that accept single findings of the requirement, by fingerprint."""
        return {e.finding: e for e in self.deviations if e.requirement == requirement_id and e.finding}


def _per_api_model(name: str) -> type[Target]:
    models = apis.model(name)
    return create_model(  # type: ignore[call-overload]
        f"Target[{name}]", __base__=Target,
        api=(Literal[name], ...),
        fixtures=(models.Fixtures, ...),
        capabilities=(models.Capabilities, models.Capabilities()),
    )


_MODELS = {name: _per_api_model(name) for name in apis.names()}
_ADAPTER: TypeAdapter[Target] = TypeAdapter(
    Annotated[Union[tuple(_MODELS.values())], Field(discriminator="api")]  # type: ignore[arg-type]
)


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
        elif not out and part in _MODELS:
            continue  # the same for the `api` tag
        else:
            out += f".{part}" if out else str(part)
    return out or "<file>"


def parse(data: dict[str, Any], source: str = "<memory>", env: dict[str, str] | None = None) -> Target:
    try:
        expanded = _expand(data, "", dict(os.environ) if env is None else env)
    except TargetError as exc:
        raise TargetError(f"{source}: {exc}") from None
    api = expanded.get("api") if isinstance(expanded, dict) else None
    if api not in _MODELS:
        problem = "Field required" if api is None else f"unknown API {api!r}"
        raise TargetError(f"{source}: invalid target file\n  api: {problem}; choose one of {', '.join(_MODELS)}")
    try:
        return _ADAPTER.validate_python({**expanded, "source": source})
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


def from_dump(data: dict[str, Any]) -> Target:
    """A target back from `Target.model_dump_json()` (already expanded and valid): how a parallel
    run's controller hands its target to each worker."""
    return _ADAPTER.validate_python(data)
