"""Passive conformance: judge traffic that real clients already exchanged with a server.

Many servers QA must judge cannot take writes (production, a shared UAT, a vendor's demo
tenant), yet their clients' traffic holds most of what the requirements are about
(DESIGN.md, "Passive runs"). This module reads that traffic, matches each exchange to an
operation of the API's spec, judges it with the suite's own checks, and writes the same run
folder as `conformance run`, so that compare, gate, diff and report treat both alike:

    doc = check_traffic("pega-dx-v2", ["session.har"], out=Path("reports/prod"))

* **Reading** (`read_traffic`): HAR 1.2 (and 1.1's quirks) from browsers' DevTools,
  mitmproxy, Charles or Fiddler, streamed entry by entry with ijson so memory stays flat
  however large the file; and the suite's own `exchanges.jsonl` (one record a line,
  `conformance.http.Exchange.as_record`). Bad input is a `TrafficError` naming the file and
  the entry, never a traceback.
* **Matching** (`Locator`): the API's base path comes from `--target`'s base_url, else the
  spec's `servers`, else from the traffic (the longest path prefix after which the spec's
  templates match, by vote over the first entries). Entries to other hosts or paths are not
  the API's and are only counted; entries under the base path that match no documented
  operation are the spec's blind spots on this server, listed as coverage.
* **Judging** (`Judge` and one subclass per API): every exchange against its operation
  (status, headers, media type, body) under the API's schema requirement; every check that
  needs one exchange under its own requirement (the registered checks of conformance/checks
  where one exists); and the checks over a sequence of exchanges where the traffic holds the
  sequence (a write's eTag seen again, a stale If-Match refused, a page walk, a deleted
  attachment gone). Each (check, operation) is one test record, each distinct defect one
  finding with the same fingerprint scheme as active runs. A requirement the traffic never
  touched is `skipped`, "not observed in the traffic".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import json
import re
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import ijson

from conformance import findings, requirements, results
from conformance.checks import violate
from conformance.contract import NO_BODY, Contract, Operation, load, pointer
from conformance.failures import RequirementViolation
from conformance.http import LOG_BODY_LIMIT, Exchange, Redactor
from conformance.target import Target

__all__ = ["Judge", "Locator", "TrafficError", "TrafficExchange", "check_traffic", "judge_for", "read_traffic",
           "TrafficRun"]

NOT_OBSERVED = "not observed in the traffic"
# JSON members whose string values are credentials wherever a server answers them (OAuth2 token answers,
# RFC 6749 5.1; Fabric Hub's enablesync, VF "Token"): redacted before anything is written
SECRET_FIELDS = ("access_token", "refresh_token", "id_token", "client_secret", "clientSecret", "secret", "password")
# how many entries the base-path discovery reads before the judging pass (only without --target and
# when the spec's own servers do not match)
DISCOVERY_SAMPLE = 5000
# the exchanges a finding keeps as evidence: all it shows (findings.Finding.as_dict keeps the first 10)
EVIDENCE_KEPT = 10
_TRUNCATED = re.compile(r"\.\.\. \[(\d+) more bytes\]\Z")  # conformance.http.Exchange.as_record's cut mark


class TrafficError(Exception):
    """Traffic that cannot be read: the message names the file and, where known, the entry or line."""


@dataclass
class TrafficExchange(Exchange):
    """An exchange read from traffic: what the file says, and how much of it it says."""

    body_known: bool = True  # the response body is whole (not cut by a log, not left out of a HAR)
    request_body_known: bool = True
    started: float | None = None  # epoch seconds the request started (HAR); None in exchanges.jsonl
    where: str = ""  # "file: entry 12" / "file: line 12"
    params: dict[str, str] = field(default_factory=dict)  # the path parameters of its operation, decoded

    @property
    def finished(self) -> float | None:
        return None if self.started is None else self.started + self.elapsed_ms / 1000

    def request_header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.request_headers.items() if k.lower() == wanted), None)

    def request_json(self) -> Any:
        """The request body as JSON; None when absent or not JSON."""
        try:
            return json.loads(self.request_body) if self.request_body else None
        except (ValueError, UnicodeDecodeError):
            return None

    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))


# =========================================================================== reading


def _headers(items: Any, where: str) -> dict[str, str]:
    """HAR name/value pairs as one dict; repeated names joined (RFC 9110 5.3); HTTP/2 pseudo-headers left out."""
    out: dict[str, str] = {}
    for item in items or ():
        if not isinstance(item, dict) or "name" not in item:
            raise TrafficError(f"{where}: a header is not a {{name, value}} object")
        name, value = str(item["name"]), str(item.get("value", ""))
        if name.startswith(":"):
            continue
        have = next((k for k in out if k.lower() == name.lower()), None)
        if have is None:
            out[name] = value
        else:
            out[have] += ", " + value
    return out


def _har_text(content: dict[str, Any], where: str) -> tuple[bytes, bool]:
    """(body, whole?) of a HAR content or postData object; base64 when `encoding` says so (HAR 1.2 content)."""
    text = content.get("text")
    if text is None:
        size = content.get("size")
        # no text: an empty body when the size says 0, else one the tool did not save (unknown)
        return b"", isinstance(size, (int, float)) and size == 0
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(str(text), validate=False), True
        except (binascii.Error, ValueError):
            raise TrafficError(f"{where}: content.text is not base64 although encoding says so") from None
    return str(text).encode("utf-8"), True


def _epoch(value: Any) -> float | None:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except (TypeError, ValueError):
        return None


def _from_har(entry: Any, index: int, name: str) -> TrafficExchange | None:
    where = f"{name}: entry {index}"
    if not isinstance(entry, dict):
        raise TrafficError(f"{where}: not an object")
    request, response = entry.get("request"), entry.get("response")
    if not isinstance(request, dict) or not request.get("method") or not request.get("url"):
        raise TrafficError(f"{where}: no request with method and url (HAR 1.2 requires log.entries[].request)")
    if not isinstance(response, dict):
        # HAR 1.2 requires a response object; a request that got no answer is written with status 0
        raise TrafficError(f"{where}: {request['method']} {request['url']} has no response object (HAR 1.2 "
                           "requires one; a request without an answer is written with status 0)")
    post = request.get("postData")
    body, body_known = b"", True
    if isinstance(post, dict):
        if post.get("text") is not None:
            body, body_known = _har_text(post, where)
        elif post.get("params"):
            # HAR 1.1 and some tools give a form as params only; a urlencoded form is rebuilt, a multipart one is not
            pairs = [(str(p.get("name", "")), str(p.get("value", ""))) for p in post["params"] if isinstance(p, dict)]
            if "urlencoded" in str(post.get("mimeType", "")):
                body = urlencode(pairs).encode()
            else:
                body_known = False
    content = response.get("content")
    rbody, rknown = _har_text(content, where) if isinstance(content, dict) else (b"", False)
    try:
        status = int(response.get("status") or 0)
    except (TypeError, ValueError):
        raise TrafficError(f"{where}: response.status {response.get('status')!r} is not a number") from None
    elapsed = entry.get("time")
    return TrafficExchange(
        id="", method=str(request["method"]).upper(), url=str(request["url"]),
        request_headers=_headers(request.get("headers"), where), request_body=body,
        status=status or None, response_headers=_headers(response.get("headers"), where), body=rbody,
        elapsed_ms=float(elapsed) if isinstance(elapsed, (int, float)) and elapsed >= 0 else 0.0,
        error=None if status else (str(response.get("_error") or "no answer (status 0)")),
        body_known=rknown, request_body_known=body_known, started=_epoch(entry.get("startedDateTime")),
        where=where)


def _from_record(record: Any, line: int, name: str) -> TrafficExchange:
    where = f"{name}: line {line}"
    if not isinstance(record, dict) or not record.get("method") or not record.get("url"):
        raise TrafficError(f"{where}: not an exchange record (an object with method and url)")

    def body(key: str) -> tuple[bytes, bool]:
        text = record.get(key) or ""
        # the suite's log keeps the first LOG_BODY_LIMIT bytes of a body and says how much it left out; the mark
        # alone tells a cut body, whatever limit wrote the log (64 KiB in older logs, CONFORMANCE_LOG_BODY_LIMIT)
        return text.encode("utf-8"), not _TRUNCATED.search(text)

    req, req_known = body("request_body")
    resp, resp_known = body("response_body")
    status = record.get("status")
    return TrafficExchange(
        id="", method=str(record["method"]).upper(), url=str(record["url"]),
        request_headers={str(k): str(v) for k, v in (record.get("request_headers") or {}).items()},
        request_body=req, status=int(status) if isinstance(status, int) else None,
        response_headers={str(k): str(v) for k, v in (record.get("response_headers") or {}).items()},
        body=resp, elapsed_ms=float(record.get("elapsed_ms") or 0.0), error=record.get("error"),
        body_known=resp_known, request_body_known=req_known, where=where)


def _kind(name: str, head: bytes) -> str:
    lower = name.lower()
    first = head.lstrip()[:1]
    if first != b"{":
        raise TrafficError(f"{name}: neither a HAR file nor an exchange log (it does not start with a JSON object)")
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(".har"):
        return "har"
    if first == b"{":
        line = head.lstrip().split(b"\n", 1)[0]
        try:
            record = json.loads(line)
        except ValueError:
            return "har"
        return "jsonl" if isinstance(record, dict) and "method" in record and "log" not in record else "har"
    raise TrafficError(f"{name}: neither a HAR file nor an exchange log (it does not start with a JSON object)")


def _har_entries(stream: IO[bytes], name: str) -> Iterator[TrafficExchange]:
    count = 0
    try:
        for count, entry in enumerate(ijson.items(stream, "log.entries.item", use_float=True), 1):
            ex = _from_har(entry, count, name)
            if ex is not None:
                yield ex
    except ijson.JSONError as exc:
        raise TrafficError(f"{name}: not a complete JSON document (after {count} entries: "
                           f"{' '.join(str(exc).split())[:200]}); a truncated or damaged HAR file?") from None
    if count == 0 and not _has_entries(stream):
        raise TrafficError(f"{name}: not a HAR file: it has no log.entries array")


def _has_entries(stream: IO[bytes]) -> bool:
    """Whether an empty-looking HAR really has an (empty) log.entries array; streams that cannot seek say no."""
    try:
        stream.seek(0)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    try:
        return any(prefix == "log.entries" and event == "start_array" for prefix, event, _ in ijson.parse(stream))
    except ijson.JSONError:
        return False


def _jsonl_entries(stream: IO[bytes], name: str) -> Iterator[TrafficExchange]:
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError as exc:
            raise TrafficError(f"{name}: line {number}: not JSON ({exc.__class__.__name__}: "
                               f"{str(exc)[:120]}); a truncated exchange log?") from None
        yield _from_record(record, number, name)


def read_traffic(sources: Sequence[str | Path | IO[bytes]], id_prefix: str = "tr-") -> Iterator[TrafficExchange]:
    """Every exchange of the given HAR files and exchange logs, in order, numbered tr-00001, ...

    A source is a path or a binary stream (a pipe: no second pass, so an empty HAR cannot be told
    from a JSON document that is not one)."""
    number = 0
    for source in sources:
        name = str(getattr(source, "name", source))
        try:
            stream: IO[bytes] = open(source, "rb") if isinstance(source, (str, Path)) else source
        except OSError as exc:
            raise TrafficError(f"{name}: cannot read: {exc.strerror}") from None
        try:
            peek = getattr(stream, "peek", None)
            head = peek(65536)[:65536] if peek is not None else b""
            if peek is None:  # a plain stream: read ahead, then give the bytes back through a chain
                head = stream.read(65536)
                stream = _Chain(head, stream)
            kind = _kind(name, head)
            for ex in (_har_entries(stream, name) if kind == "har" else _jsonl_entries(stream, name)):
                number += 1
                ex.id = f"{id_prefix}{number:05d}"
                yield ex
        finally:
            if isinstance(source, (str, Path)):
                stream.close()


class _Chain(io.RawIOBase):
    """Bytes already read, then the rest of a stream (for sniffing a stream that cannot peek)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


# =========================================================================== matching


class Locator:
    """Which operation of the spec an exchange reached, if any; where the API lives on each host."""

    def __init__(self, contract: Contract, base_url: str | None = None) -> None:
        self.contract = contract
        self.spec_base = contract.base_paths[0] if contract.base_paths else ""
        self.fixed: tuple[str | None, str] | None = None  # (host or None, base path) from the target
        if base_url:
            parts = urlsplit(base_url)
            self.fixed = (parts.netloc.lower() or None, parts.path.rstrip("/"))
        self.bases: dict[str, str] = {}  # host -> base path, discovered

    def _match_under(self, method: str, path: str, base: str) -> Operation | None:
        if base and not (path == base or path.startswith(base + "/")):
            return None
        return self.contract.match(method, self.spec_base + path[len(base):])

    def discover(self, sample: Iterable[TrafficExchange]) -> None:
        """Vote for each host's base path: the longest prefix after which a template of the spec matches."""
        votes: dict[str, Counter[str]] = {}
        for ex in sample:
            parts = urlsplit(ex.url)
            path = parts.path.rstrip("/")
            segments = path.split("/")
            for k in range(len(segments) - 1, -1, -1):
                base = "/".join(segments[:k])
                if self._match_under(ex.method, path, base) is not None:
                    votes.setdefault(parts.netloc.lower(), Counter())[base] += 1
                    break
        for host, counter in votes.items():
            best = max(counter.items(), key=lambda kv: (kv[1], len(kv[0])))
            self.bases[host] = best[0]

    def base_for(self, host: str) -> str | None:
        if self.fixed is not None:
            fixed_host, base = self.fixed
            return base if fixed_host is None or fixed_host == host else None
        return self.bases.get(host, self.spec_base if not self.bases else None)

    def locate(self, ex: Exchange) -> tuple[str, Operation | None]:
        """("api", operation) for a documented operation, ("undocumented", None) for a path under the
        API's base that the spec lacks, ("outside", None) for another host or path."""
        parts = urlsplit(ex.url)
        base = self.base_for(parts.netloc.lower())
        path = parts.path.rstrip("/") or "/"
        if base is None or (base and not (path == base or path.startswith(base + "/"))):
            return "outside", None
        op = self._match_under(ex.method, path, base)
        return ("api", op) if op is not None else ("undocumented", None)

    def params(self, ex: Exchange, op: Operation) -> dict[str, str]:
        """The path parameters of `op` in the exchange's URL, percent-decoded."""
        parts = urlsplit(ex.url)
        base = self.base_for(parts.netloc.lower()) or ""
        rest = parts.path.rstrip("/")[len(base):].strip("/").split("/")
        names = op.path.strip("/").split("/")
        out = {}
        for name, value in zip(names, rest):
            if name.startswith("{") and name.endswith("}"):
                out[name[1:-1]] = unquote(value)
        return out

    def template_of(self, ex: Exchange) -> str:
        """An undocumented path with its IDs folded ("/cases/{id}/notes"), for the coverage report."""
        parts = urlsplit(ex.url)
        base = self.base_for(parts.netloc.lower()) or ""
        rest = parts.path[len(base):] if parts.path.startswith(base) else parts.path
        return "/".join("{id}" if re.search(r"\d", unquote(s)) and len(s) > 2 else s for s in rest.split("/"))


# =========================================================================== judging


def op_key(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _json_media(ex: Exchange) -> bool:
    ctype = (ex.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


def _token_present(ex: TrafficExchange) -> bool:
    """The request carried credentials: an Authorization header, or a session cookie (a browser's HAR)."""
    return bool(ex.request_header("Authorization") or ex.request_header("Cookie"))


@dataclass
class _Tally:
    requirements: set[str] = field(default_factory=set)
    passed: int = 0
    found: dict[str, findings.Finding] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)


class Judge:
    """Judges exchanges one at a time (`feed`), keeping what sequence checks need; then `records()`.

    Subclasses add each API's checks; this base class judges what every API shares: the schema
    requirement (status, headers, media type, body against the spec), a request without
    credentials (a documented operation that declares security answers 401, RFC 6750 3.1 /
    RFC 9110 15.5.2), and a request body that is not JSON."""

    api = ""
    schema_requirement = ""
    auth_requirement = ""
    malformed_requirement = ""  # not JSON, or JSON the spec's request schema rejects
    malformed_statuses: frozenset[int] = frozenset({400})
    malformed_operations: frozenset[str] | None = None  # the operations the requirement speaks of (None: all)
    malformed_keywords: frozenset[str] | None = None  # the schema problems that make a body malformed (None: all)

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.tallies: dict[tuple[str, str], _Tally] = {}
        self.observations: dict[str, dict[str, Any]] = {}
        self.new_findings: list[findings.Finding] = []

    # ------------------------------------------------------------------ outcomes

    def _tally(self, check: str, operation: str) -> _Tally:
        return self.tallies.setdefault((check, operation), _Tally())

    @staticmethod
    def nodeid(check: str, operation: str) -> str:
        return f"traffic::{check}[{operation}]"

    def passed(self, check: str, requirement: str, operation: str, *exchanges: Exchange) -> None:
        t = self._tally(check, operation)
        t.requirements.add(requirement)
        t.passed += 1
        if len(t.evidence) < 5:
            t.evidence.extend(e.id for e in exchanges)

    def failed(self, check: str, operation: str, violation: RequirementViolation) -> findings.Finding:
        violation.operation = violation.operation or operation
        violation.check = violation.check or check
        t = self._tally(check, operation)
        t.requirements.add(violation.requirement)
        found = findings.from_violation(self.api, violation, self.nodeid(check, operation))
        have = t.found.get(found.fingerprint)
        if have is None:
            self.new_findings.append(found)
        elif len(have.exchanges) >= EVIDENCE_KEPT:
            # a defect seen on every exchange of a large file: counted, its evidence already full (a finding
            # shows its first EVIDENCE_KEPT exchanges, findings.Finding.as_dict), memory and time flat
            have.occurrences += found.occurrences
            return found
        findings.merge(t.found, found)
        return found

    def apply(self, check: str, requirement: str, operation: str, func: Callable[..., None], *args: Any,
              evidence: Sequence[Exchange] = ()) -> bool:
        """Run a check that raises RequirementViolation; record its pass or its finding. True when it passed."""
        try:
            func(*args)
        except RequirementViolation as v:
            self.failed(check, operation, v)
            return False
        self.passed(check, requirement, operation, *(evidence or [a for a in args if isinstance(a, Exchange)][:1]))
        return True

    def require(self, ok: bool, check: str, requirement: str, operation: str, message: str,
                *exchanges: Exchange) -> bool:
        if ok:
            self.passed(check, requirement, operation, *exchanges)
            return True
        self.failed(check, operation, violate(requirement, message, *exchanges))
        return False

    def observe(self, requirement: str, key: str, value: Any) -> None:
        results.add_observation(self.observations, requirement, key, value)

    def take_new(self) -> list[findings.Finding]:
        out, self.new_findings = self.new_findings, []
        return out

    def records(self) -> list[results.TestRecord]:
        out = []
        for (check, operation), t in sorted(self.tallies.items()):
            reqs = tuple(sorted(t.requirements))
            node = self.nodeid(check, operation)
            if t.found:
                first = next(iter(t.found.values()))
                out.append(results.TestRecord(node, reqs, "violated", first.requirement, first.message,
                                              list(first.exchanges), findings=[f.as_dict() for f in t.found.values()],
                                              stopped=False))
            else:
                out.append(results.TestRecord(node, reqs, "passed", exchanges=t.evidence[:5]))
        touched = {r for t in self.tallies.values() for r in t.requirements}
        for req in requirements.for_api(self.api):
            if req.id not in touched:
                out.append(results.TestRecord(f"traffic::{req.id}", (req.id,), "skipped", message=NOT_OBSERVED))
        return out

    # ------------------------------------------------------------------ judging

    def feed(self, ex: TrafficExchange, op: Operation | None) -> None:
        """Judge one exchange (`op` None: outside the spec; only the API's own hooks see it)."""
        if ex.status is None:
            return  # no answer: nothing of the server's to judge
        if op is None:
            self.judge_outside(ex)
            return
        key = op_key(op)
        if 300 <= ex.status < 400 and op.response_key(ex.status) is None:
            return  # a redirect by the server's front (single sign-on, a balancer), not an answer of the operation
        self.judge_schema(ex, op, key)
        self.judge_auth(ex, op, key)
        self.judge_malformed(ex, op, key)
        self.judge(ex, op, key)

    def judge(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        """The API's own checks (subclasses)."""

    def judge_outside(self, ex: TrafficExchange) -> None:
        """Exchanges outside the spec's operations that an API's requirements still speak of (subclasses)."""

    def body(self, ex: TrafficExchange) -> Any:
        """The parsed JSON body, or None (not JSON, or not whole)."""
        return ex.json() if ex.body_known else None

    def judge_schema(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        if ex.status == 404 and op.response_key(404) is None and "%2f" in urlsplit(ex.url).path.lower():
            # An ID holding a slash goes into the path as %2F (RFC 3986 3.3: data within one segment), but web
            # servers' fronts refuse such a path before the API sees it: Apache httpd's AllowEncodedSlashes
            # (default Off: 'such URLs are refused with a 404 (Not found) error'), Tomcat's
            # encodedSolidusHandling (default reject), the emulators' ASGI router (no route matches the decoded
            # path). That 404 is not the operation's answer (the suite's own Fabric Hub cleanup sends one for an
            # association published with a slash in its ID): recorded, not judged against the statuses.
            self.observe(self.schema_requirement, "encoded_slash_answered_404", key)
            return
        ctype = ex.header("Content-Type")
        body: Any = NO_BODY
        problems = []
        if ex.body_known and ex.body:
            if ctype is None or _json_media(ex):
                parsed = ex.json()
                if parsed is None and ctype is not None:
                    problems.append(f"body is not JSON although Content-Type is {ctype}")
                body = parsed if parsed is not None else NO_BODY
            else:
                body = ex.body.decode("utf-8", "replace")
        found = [str(p) for p in op.validate(ex.status or 0, body, headers=ex.response_headers,
                                               content_type=ctype or "application/json")] + problems
        if ex.status is not None and ex.status >= 500:
            # a server error is a finding even where the spec lists 5xx (the active runs' not_a_server_error;
            # docs/findings.md: a 5xx for any request is always a finding)
            found.append(f"server error {ex.status}")
        if not found:
            self.passed("response_conformance", self.schema_requirement, key, ex)
            return
        for problem in found:
            # one finding per distinct problem (the member path and keyword make it distinct)
            self.failed("response_conformance", key, violate(self.schema_requirement, f"{key}: {problem}", ex,
                                                             detail=f"{key}: {problem}"))

    def judge_auth(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        security = op.definition.get("security", self.contract.document.get("security"))
        if not self.auth_requirement or not security or _token_present(ex):
            return
        # no credentials at all: the only right answer is 401 (RFC 9110 15.5.2; the requirement's sources)
        if ex.status == 401:
            self.passed("served_without_credentials", self.auth_requirement, key, ex)
        elif ex.status is not None and ex.status < 400:
            self.failed("served_without_credentials", key, violate(
                self.auth_requirement, f"{key} without credentials: expected 401, got {ex.status}", ex))

    def judge_malformed(self, ex: TrafficExchange, op: Operation, key: str) -> None:
        """A body that is not JSON, or JSON the spec's request schema rejects, is refused (never 2xx or 5xx)."""
        if not self.malformed_requirement or not ex.request_body_known or not ex.request_body.strip():
            return
        if self.malformed_operations is not None and key not in self.malformed_operations:
            return
        ctype = (ex.request_header("Content-Type") or "").split(";", 1)[0].strip().lower()
        if not (ctype == "application/json" or ctype.endswith("+json")):
            return
        schema = self.request_schema(op)
        if schema is None:
            return
        parsed = ex.request_json()
        if parsed is None:
            what = "a request body that is not JSON"
        else:
            problems = [p for p in self.contract.body_problems(schema, parsed)
                        if self.malformed_keywords is None or p.keyword in self.malformed_keywords]
            if not problems:
                return
            what = f"a request body the spec rejects ({problems[0]})"
        if ex.status in self.malformed_statuses:
            self.passed("malformed_body_refused", self.malformed_requirement, key, ex)
        elif ex.status is not None and (200 <= ex.status < 300 or ex.status >= 500):
            expected = " or ".join(map(str, sorted(self.malformed_statuses)))
            self.failed("malformed_body_refused", key, violate(
                self.malformed_requirement, f"{key} with {what}: expected {expected}, got {ex.status}", ex,
                detail=f"{key} with {'non-JSON' if parsed is None else 'schema-rejected'} body: expected {expected}, "
                       f"got {ex.status}"))

    def request_schema(self, op: Operation) -> str | None:
        """JSON pointer of the operation's JSON request body schema, or None."""
        if "requestBody" not in op.definition:
            return None
        body, where = self.contract.locate(op.definition["requestBody"], op.pointer + "/requestBody")
        content = body.get("content") or {}
        media = next((m for m in content if m.split(";")[0].strip().lower() == "application/json"), None)
        if media is None or "schema" not in content[media]:
            return None
        return where + pointer("content", media, "schema")


def judge_for(api: str, contract: Contract | None = None) -> Judge:
    from conformance.suites import spec_path
    from conformance.traffic_apis import JUDGES  # the per-API judges subclass Judge

    try:
        cls = JUDGES[api]
    except KeyError:
        raise TrafficError(f"unknown API {api!r}") from None
    # the bundled specs are validated by `conformance specs` and the suite's tests: not again on every run
    return cls(contract or load(spec_path(api), check=False))


# =========================================================================== a passive run


@dataclass
class Coverage:
    """What the traffic held beyond the documented operations."""

    judged: int = 0
    undocumented: Counter[str] = field(default_factory=Counter)  # "METHOD /path/{id}" -> exchanges
    outside: Counter[str] = field(default_factory=Counter)  # host -> exchanges not under the API's base path
    redirects: int = 0
    unanswered: int = 0
    operations: Counter[str] = field(default_factory=Counter)  # documented operations seen
    # a check of ours that broke on an exchange (a defect of the suite, not of the server): "Error at file:line
    # (first exchange)" -> exchanges; the run goes on, the exchange's other checks still ran
    check_errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self, contract: Contract) -> dict[str, Any]:
        never = sorted(op_key(o) for o in contract.operations() if op_key(o) not in self.operations)
        return {"exchanges_judged": self.judged, "unanswered": self.unanswered, "redirects": self.redirects,
                "operations": dict(sorted(self.operations.items())),
                "undocumented": dict(self.undocumented.most_common(200)),
                "outside_api": dict(self.outside.most_common(50)),
                "operations_not_seen": never,
                "check_errors": dict(self.check_errors.most_common(50))}


class TrafficRun:
    """One passive run: judges exchanges as they come, logs them redacted, writes the run folder."""

    def __init__(self, api: str, target: Target | None = None, out: Path | None = None,
                 base_url: str | None = None, fail_on: str = "failed", redactor: Redactor | None = None,
                 log: Callable[[Exchange], None] | None = None) -> None:
        self.judge = judge_for(api)
        self.api = api
        self.target = target or passive_target(api, base_url)
        self._seen_url = bool(target or base_url)  # a passive target names the API's URL the traffic shows
        self.out = out
        self.fail_on = fail_on
        self.locator = Locator(self.judge.contract, base_url or (target.base_url if target else None))
        self.redactor = redactor or Redactor()
        for name in SECRET_FIELDS:
            self.redactor.add_field(name)
        self.coverage = Coverage()
        self.started = dt.datetime.now(dt.timezone.utc)
        self._log = log
        self._fh: IO[str] | None = None
        if log is None and out is not None:
            out.mkdir(parents=True, exist_ok=True)
            self._fh = (out / "exchanges.jsonl").open("w", encoding="utf-8")

    def needs_discovery(self) -> bool:
        return self.locator.fixed is None

    def add(self, ex: TrafficExchange) -> list[findings.Finding]:
        """Judge and log one exchange; the findings it made that were new."""
        self._learn_secrets(ex)
        where, op = self.locator.locate(ex)
        if ex.status is None:
            self.coverage.unanswered += 1
        if where == "outside":
            self.coverage.outside[urlsplit(ex.url).netloc or "?"] += 1
        elif where == "undocumented":
            self.coverage.undocumented[f"{ex.method} {self.locator.template_of(ex)}"] += 1
        elif op is not None and ex.status is not None:
            if not self._seen_url:
                parts = urlsplit(ex.url)
                self._seen_url = True
                self.target = passive_target(self.api, f"{parts.scheme}://{parts.netloc}"
                                             f"{self.locator.base_for(parts.netloc.lower()) or ''}")
            ex.params = self.locator.params(ex, op)
            self.coverage.judged += 1
            self.coverage.operations[op_key(op)] += 1
            if 300 <= ex.status < 400 and op.response_key(ex.status) is None:
                self.coverage.redirects += 1
        try:
            self.judge.feed(ex, op)
        except Exception as exc:  # noqa: BLE001 - one broken check never ends the judging of the rest
            self.coverage.check_errors[_where(exc, ex)] += 1
        self._write(ex)
        return [self._redacted(f) for f in self.judge.take_new()]

    def _learn_secrets(self, ex: TrafficExchange) -> None:
        # the credentials the client sent are secrets wherever else they show up (a URL, an echoing body)
        for name in ("Authorization", "Proxy-Authorization"):
            value = ex.request_header(name)
            if value:
                self.redactor.add(value.split(" ", 1)[-1])
        for pair in (ex.request_header("Cookie") or "").split(";"):
            self.redactor.add(pair.partition("=")[2].strip())
        if ex.body and b"token" in ex.body[:4096]:
            self.redactor.text(ex.body[:LOG_BODY_LIMIT].decode("utf-8", "replace"))  # learns SECRET_FIELDS values
        for key, value in ex.query().items():
            if key.lower() in {"access_token", "token", "client_secret", "password", "api_key", "apikey"}:
                self.redactor.add(value)

    def _redacted(self, f: findings.Finding) -> findings.Finding:
        f.message = self.redactor.text(f.message)
        return f

    def _write(self, ex: TrafficExchange) -> None:
        clean = Exchange(ex.id, ex.method, self.redactor.text(ex.url), self.redactor.headers(ex.request_headers.items()),
                         self.redactor.body(ex.request_body), ex.status,
                         self.redactor.headers(ex.response_headers.items()), ex.body, ex.elapsed_ms, ex.error)
        if self._log is not None:
            self._log(clean)
        elif self._fh is not None:
            record = clean.as_record(self.redactor)
            record["source"] = ex.where
            self._fh.write(json.dumps(record) + "\n")

    # ------------------------------------------------------------------ the run folder

    def records(self) -> list[results.TestRecord]:
        recs = self.judge.records()
        for r in recs:
            r.message = self.redactor.text(r.message)
            for f in r.findings:
                f["message"] = self.redactor.text(f["message"])
        return recs

    def summary(self) -> dict[str, Any]:
        return {**self.coverage.as_dict(self.judge.contract),
                "base_paths": ({self.locator.fixed[0] or "*": self.locator.fixed[1]} if self.locator.fixed
                               else dict(self.locator.bases) or {"*": self.locator.spec_base})}

    def finish(self, allure: bool = False) -> dict[str, Any]:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        agg = results.aggregate(self.target, self.records(), self.judge.observations)
        doc = results.document(self.target, agg, self.started, dt.datetime.now(dt.timezone.utc), self.fail_on, extra={
            "source": "traffic", "run_id": self.started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6],
            "requests_sent": 0, "traffic": self.summary()})
        if self.out is not None:
            results.write(self.out / "results.json", doc)
            records = self.records()
            write_junit(self.out / "junit.xml", self.target, records)
            if allure:
                write_allure(self.out / "allure-results", self.target, records)
        return doc


def passive_target(api: str, base_url: str | None) -> Target:
    """The Target a passive run without a target file stands for (name, api, base URL; no deviations)."""
    return Target.model_construct(name=f"{api}-traffic", api=api, base_url=base_url or "http://traffic.invalid",
                                  deviations=(), source="<traffic>")


def write_junit(path: Path, target: Target, records: list[results.TestRecord]) -> None:
    """JUnit XML with one testcase per record (the format CI tools read; the same shape pytest writes)."""
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", name=f"traffic {target.name}", tests=str(len(records)),
                          failures=str(sum(r.outcome == "violated" for r in records)),
                          skipped=str(sum(r.outcome == "skipped" for r in records)), errors="0")
    for r in records:
        case = ET.SubElement(suite, "testcase", classname="traffic", name=r.nodeid.removeprefix("traffic::"))
        if r.outcome == "violated":
            ET.SubElement(case, "failure", message=r.message[:500]).text = "\n".join(
                f"[{f['requirement']}] {f['message']}" for f in r.findings)
        elif r.outcome == "skipped":
            ET.SubElement(case, "skipped", message=r.message)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def check_traffic(api: str, sources: Sequence[str | Path | IO[bytes]], *, target: Target | None = None,
                  out: Path | None = None, base_url: str | None = None, fail_on: str = "failed",
                  on_finding: Callable[[findings.Finding], None] | None = None, allure: bool = False
                  ) -> dict[str, Any]:
    """Judge the traffic in `sources` and write the run folder to `out`; the results document."""
    run = TrafficRun(api, target, out, base_url, fail_on)
    if run.needs_discovery():
        discover(run, sources)
    try:
        for ex in read_traffic(sources):
            for f in run.add(ex):
                if on_finding is not None:
                    on_finding(f)
    except BaseException:
        if run._fh is not None:
            run._fh.close()
        raise
    return run.finish(allure)


def discover(run: TrafficRun, sources: Sequence[str | Path | IO[bytes]]) -> None:
    """Find each host's base path from the first entries, when the spec's own servers do not match them."""
    paths = [s for s in sources if isinstance(s, (str, Path))]
    sample: list[TrafficExchange] = []
    for ex in read_traffic(paths):
        if len(sample) < 200 and run.locator.locate(ex)[0] == "api":
            return  # the spec's servers match (among the first 200 entries): no discovery needed
        sample.append(ex)
        if len(sample) >= DISCOVERY_SAMPLE:
            break
    if sample:
        run.locator.discover(sample)


# =========================================================================== the run folder's other parts


def write_allure(allure_dir: Path, target: Target, records: list[results.TestRecord]) -> None:
    """One Allure result per record (check x operation), labelled like an active run's tests."""
    import time
    import uuid as uuid_mod

    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Label, Parameter, Status, StatusDetails, TestResult

    logger = AllureFileLogger(str(allure_dir))
    now = int(time.time() * 1000)
    status = {"passed": Status.PASSED, "violated": Status.FAILED, "skipped": Status.SKIPPED}
    for r in records:
        reqs = [requirements.get(rid) for rid in r.requirements]
        labels = [Label("epic", target.api), Label("parentSuite", target.name), Label("suite", "traffic")]
        for req in reqs:
            labels += [Label("feature", req.family), Label("story", req.id), Label("requirement", req.id),
                       Label("tag", req.level)]
        message = "\n".join(f"[{f['requirement']}] {f['message']}" for f in r.findings) or r.message
        logger.report_result(TestResult(
            name=r.nodeid.removeprefix("traffic::"), uuid=str(uuid_mod.uuid4()),
            historyId=f"{r.nodeid}:{target.name}", fullName=r.nodeid, status=status.get(r.outcome, Status.BROKEN),
            start=now, stop=now, stage="finished", statusDetails=StatusDetails(message=message or None),
            description="\n\n".join(f"**{q.id}** ({q.level}): {q.sentence}\n\nSource: {q.source}" for q in reqs),
            labels=labels, parameters=[Parameter("target", target.name)]))


def append_junit(path: Path, target: Target, records: list[results.TestRecord]) -> None:
    """Add the traffic's test cases to a run's junit.xml as a testsuite of their own."""
    import xml.etree.ElementTree as ET

    extra = path.with_name("traffic-junit.xml")
    write_junit(extra, target, records)
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        extra.replace(path)
        return
    root = tree.getroot()
    if root.tag != "testsuites":
        wrapper = ET.Element("testsuites")
        wrapper.append(root)
        tree, root = ET.ElementTree(wrapper), wrapper
    root.extend(ET.parse(extra).getroot())
    tree.write(path, encoding="utf-8", xml_declaration=True)
    extra.unlink()


def judge_into_run(run: Any, sources: Sequence[str | Path]) -> TrafficRun:
    """`conformance run --traffic`: judge the traffic inside an active run before its tests start; its
    exchanges join the run's log (tr-...), its records and observations the run's."""
    passive = TrafficRun(run.target.api, run.target, None, fail_on=run.fail_on, redactor=run.session.redactor,
                         log=run.log.add)
    for ex in read_traffic(sources):
        passive.add(ex)
    run.records.extend(passive.records())
    for rid, bucket in passive.judge.observations.items():
        for key, value in bucket.items():
            for one in (value if isinstance(value, list) else [value]):
                run.observe(rid, key, one)
    return passive


def _where(exc: BaseException, ex: TrafficExchange) -> str:
    """A check's error named by its type and the suite's line that raised it (the same for every exchange it
    breaks on, so they count as one), with the first exchange that showed it."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/conformance/" in f.filename.replace("\\", "/")]
    at = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {at}: {str(exc)[:200]} (first on {ex.method} {ex.url[:200]})"


def print_coverage(console: Any, summary: dict[str, Any]) -> None:
    """The spec's blind spots on this server: exchanges under the API's base path that match no operation."""
    from rich.markup import escape

    console.print(f"traffic: {summary['exchanges_judged']} exchanges judged against the spec"
                  + (f", {summary['redirects']} redirects not judged" if summary["redirects"] else "")
                  + (f", {summary['unanswered']} without an answer" if summary["unanswered"] else "")
                  + (f", {sum(summary['outside_api'].values())} outside the API" if summary["outside_api"] else ""))
    for what, n in summary.get("check_errors", {}).items():
        console.print(f"[red]a check of the suite broke on {n} exchange(s)[/] (a defect of the suite, not of the "
                      f"server; those exchanges' other checks ran): {escape(what)}", highlight=False)
    undocumented = summary["undocumented"]
    if undocumented:
        console.print(f"[yellow]{sum(undocumented.values())} exchanges match no documented operation[/] "
                      "(the spec's blind spots on this server):")
        for what, n in list(undocumented.items())[:20]:
            console.print(f"  {n:>6}  {escape(what)}", highlight=False)
