"""Which operation groups a server seems to offer, asked cheaply: GETs only, a bounded number.

A capability of a target file is a promise (DESIGN.md, Outcomes): declared, its operations are
verified and a broken one fails; undeclared, they are left out. The probe helps to keep the
promise honest before a run. For each capability of the API's model (OPERATION_CAPABILITIES)
it sends a GET operation of that group once, with the target's existing case or data view
where it names one and with an ID that cannot exist otherwise, and compares the answer with
the server's answer for a route that cannot exist:

- a 2xx answer: the group is there;
- a 404/405/501 unlike the no-such-route answer (another message: "case not found" rather
  than "no resource at this path"): the route exists, only the ID is unknown;
- a 404/405/501 like the no-such-route answer: the route is missing;
- anything else, or a server that answers an unknown ID of a core operation exactly like an
  unknown route (nothing to tell them apart by), or a group with no GET: cannot tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from conformance import apis
from conformance.failures import SuiteBroken
from conformance.findings import normalise
from conformance.http import Exchange, Session
from conformance.target import Target

ROUTE_MISSING = {404, 405, 501}
# IDs and a route that cannot exist on any server: an answer to them shows the route, not the resource
_FAKE = "CONF-PROBE-NO-SUCH-ID X-0"
_NO_ROUTE = "/conformance-probe-no-such-route/{caseID}"


@dataclass
class Verdict:
    capability: str
    declared: bool
    seen: str  # present | absent | unknown
    evidence: str  # what the server answered, for people

    @property
    def mismatch(self) -> bool:
        return (self.declared and self.seen == "absent") or (not self.declared and self.seen == "present")


def _signature(ex: Exchange) -> tuple[Any, ...]:
    """Status, media type and body, with the request's own path taken out (an error message often
    echoes it) and volatile values normalised."""
    kind = (ex.header("Content-Type") or "").split(";")[0].strip().lower()
    text = ex.body.decode("utf-8", "replace") if isinstance(ex.body, bytes) else str(ex.body or "")
    path = urlsplit(ex.url).path
    for form in (path, unquote(path)):
        text = text.replace(form, "<path>")
    text = text.replace(_FAKE, "<id>").replace(quote(_FAKE, safe=""), "<id>")
    return ex.status, kind, normalise(text)


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: quote(ids.get(m.group(1), _FAKE), safe=""), path)


def _ids(target: Target) -> dict[str, str]:
    """Real IDs the target file names (GETs of them answer 200 where the group exists)."""
    fixtures = target.fixtures
    known = {"caseID": getattr(fixtures, "existing_case_id", None),
             "dataViewID": getattr(fixtures, "data_view_id", None),
             "caseTypeID": getattr(fixtures, "case_type_id", None)}
    return {k: v for k, v in known.items() if v}


def probe(target: Target, session: Session, max_requests: int = 16) -> list[Verdict]:
    """One verdict per optional capability of the API; at most `max_requests` GETs."""
    table: dict[tuple[str, str], tuple[str, ...]] = dict(getattr(apis.model(target.api), "OPERATION_CAPABILITIES", {}))
    if not table:
        return []
    ids = _ids(target)
    # query parameters every probe GET carries, where an API needs them (ProcessMaker: an explicit `limit`,
    # or a list GET downloads the whole list from a 3.5.8 server)
    query = dict(getattr(apis.model(target.api), "PROBE_QUERY", {}))
    sent = 0

    def get(path: str, real_ids: bool = True) -> Exchange | None:
        nonlocal sent
        if sent >= max_requests:
            return None
        sent += 1
        try:
            return session.request("GET", _fill(path, ids if real_ids else {}), params=query or None)
        except SuiteBroken:
            return None

    no_route = get(_NO_ROUTE, real_ids=False)
    core = next((path for (method, path), needs in table.items() if method == "GET" and not needs and "{" in path),
                None)
    core_unknown = get(core, real_ids=False) if core else None
    # a server that answers an unknown ID like an unknown route gives nothing to tell routes by
    distinguishable = (no_route is not None and core_unknown is not None
                       and _signature(no_route) != _signature(core_unknown))

    verdicts: list[Verdict] = []
    for cap in sorted({c for needs in table.values() for c in needs}):
        declared = bool(getattr(target.capabilities, cap, False))
        # the group's own GETs (not those of an operation that also needs another group), those with
        # path parameters first: their answer to an unknown ID tells whether the route exists
        gets = sorted((path for (method, path), needs in table.items() if method == "GET" and needs == (cap,)),
                      key=lambda p: "{" not in p)
        if not gets:
            verdicts.append(Verdict(cap, declared, "unknown", "no GET operation in this group: not probed"))
            continue
        ex = get(gets[0])
        if ex is None or ex.status is None:
            verdicts.append(Verdict(cap, declared, "unknown", f"GET {gets[0]}: no answer (budget or network)"))
            continue
        said = f"GET {gets[0]} -> {ex.status}"
        if 200 <= ex.status < 300:
            verdicts.append(Verdict(cap, declared, "present", said))
        elif ex.status in ROUTE_MISSING and distinguishable and no_route is not None:
            if _signature(ex) == _signature(no_route):
                verdicts.append(Verdict(cap, declared, "absent", f"{said}, answered like a route that does not exist"))
            else:
                verdicts.append(Verdict(cap, declared, "present",
                                        f"{said}, unlike a route that does not exist: the ID is unknown, the route is there"))
        else:
            verdicts.append(Verdict(cap, declared, "unknown", said))
    return verdicts


def suggested_block(target: Target, verdicts: list[Verdict]) -> str:
    """A [capabilities] block: what the probe saw where it could tell, the declaration elsewhere."""
    fields = type(target.capabilities).model_fields
    by_cap = {v.capability: v for v in verdicts}
    lines = ["[capabilities]"]
    for name in fields:
        declared = bool(getattr(target.capabilities, name))
        v = by_cap.get(name)
        value = {"present": True, "absent": False}.get(v.seen, declared) if v else declared
        note = f"  # probe: {v.seen} ({v.evidence})" if v else "  # not probed"
        lines.append(f"{name} = {'true' if value else 'false'}{note}")
    return "\n".join(lines)
