"""The bundled OpenAPI documents for schemathesis, parsed once per content instead of once per run.

`schemathesis.openapi.from_path` parses the YAML on every run (and in every xdist worker): 0.06 s
(Fabric Hub) to 0.25 s (Pega DX v2, 160 KiB) of each run's fixed cost, spent before the first
request (the profile of a zero-latency run, docs/benchmarks.md). The parsed document is kept as JSON
under the user's cache folder, named by the SHA-256 of the spec's bytes and of the versions of the
parser (schemathesis' own YAML loader, PyYAML), so a changed spec or parser is parsed afresh and an
old entry is never read for it. A document that JSON cannot carry exactly is not cached. The schema
is then built exactly as `from_path` builds it: `from_dict` on the same dict, and the same location.

CONFORMANCE_CACHE_DIR chooses the folder; one that cannot be written only costs the parse.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

FORMAT = "1"  # bump when what a cache entry holds changes


def cache_dir() -> Path:
    """$CONFORMANCE_CACHE_DIR, else $XDG_CACHE_HOME/conformance/specs, else ~/.cache/conformance/specs."""
    chosen = os.environ.get("CONFORMANCE_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "conformance" / "specs"


def _key(content: bytes) -> str:
    digest = hashlib.sha256()
    for part in (FORMAT, metadata.version("schemathesis"), metadata.version("PyYAML")):
        digest.update(part.encode() + b"\0")
    digest.update(content)
    return digest.hexdigest()


def document(path: Path) -> dict[str, Any]:
    """The document at `path` as schemathesis' loader reads it, from the cache when its content was seen."""
    from schemathesis.core.deserialization import deserialize_yaml

    content = path.read_bytes()
    entry = cache_dir() / f"{_key(content)}.json"
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # not cached yet, unreadable or cut short: parse it
    parsed = deserialize_yaml(content.decode("utf-8"))
    try:
        text = json.dumps(parsed, ensure_ascii=False)
        if json.loads(text) == parsed:  # only what JSON carries exactly (no dates, no non-string keys)
            entry.parent.mkdir(parents=True, exist_ok=True)
            # written whole, then renamed: a parallel worker never reads a half-written entry
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, entry)
    except (OSError, TypeError, ValueError):
        pass  # an unwritable cache folder or a document JSON cannot hold: parsed on every run
    return parsed


# the target's property.seed, set by the plugin before the suite is collected: schemathesis seeds its
# generated tests from its own config, a new random seed every run unless one is given
seed: int | None = None


def openapi_schema(api: str) -> Any:
    """The schemathesis schema of an API's bundled spec, as `schemathesis.openapi.from_path` loads it."""
    import schemathesis

    from conformance.suites import spec_path

    path = spec_path(api)
    schema = schemathesis.openapi.from_dict(document(path))
    schema.location = path.absolute().as_uri()  # what from_path sets: references resolve against the file
    if seed is not None:
        schema.config.seed = seed
    return schema
