"""The one instrumented HTTP client every test goes through.

It adds auth, enforces the target's safety bounds (read-only, request budget,
rate limit, response size cap, timeouts), honours 429 Retry-After, keeps a log
of every exchange with secrets redacted, and renders each exchange as a curl
line. Redirects are never followed, so an Authorization header can never reach
another host (DESIGN.md, "Staging safety").
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import itertools
from collections import OrderedDict
import json
import os
import re
import shlex
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import httpx
from authlib.integrations.httpx_client import OAuth2Client

from conformance.failures import BudgetExceeded, ReadOnlyRefused, ResponseTooLarge, SuiteBroken, TokenError
from conformance.target import (
    BasicAuth,
    BearerAuth,
    NoAuth,
    OAuth2ClientCredentials,
    OAuth2Password,
    Target,
)

# what a read-only run may send: RFC 9110 9.2.1 safe methods, minus TRACE (it echoes credentials back)
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
REDACTED = "[REDACTED]"
# bytes of each body kept in the exchange log (CONFORMANCE_LOG_BODY_LIMIT to change it): 4 MiB, so that
# `check-traffic` on a run's own log sees what a HAR would hold: a 64 KiB cut hid ProcessMaker's long case lists
# (300 cases) and Pega's 2 MB download from the passive checks that compare them
LOG_BODY_LIMIT = int(os.environ.get("CONFORMANCE_LOG_BODY_LIMIT") or 4 * 1024 * 1024)
MAX_RETRY_AFTER = 30.0  # seconds we are willing to wait for one 429


@dataclass
class Exchange:
    """One request and its response (or the error that replaced it)."""

    id: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: float = 0.0
    error: str | None = None
    _json: Any = field(default=None, repr=False)
    _json_done: bool = field(default=False, repr=False)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.response_headers.items():
            if key.lower() == wanted:
                return value
        return None

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (checks decide what that means)."""
        if not self._json_done:
            self._json_done = True
            try:
                self._json = json.loads(self.body) if self.body else None
            except (ValueError, UnicodeDecodeError):
                self._json = None
        return self._json

    def summary(self) -> str:
        return f"{self.id}: {self.method} {self.url} -> {self.status if self.status is not None else self.error}"

    def curl(self) -> str:
        parts = ["curl", "-sS", "-X", self.method]
        for key, value in self.request_headers.items():
            parts += ["-H", f"{key}: {value}"]
        if self.request_body:
            parts += ["--data-binary", self.request_body.decode("utf-8", "replace")]
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)

    def as_record(self, redactor: "Redactor | None" = None) -> dict[str, Any]:
        """The exchange as written to logs and reports: bodies cut, secrets the server echoed removed."""
        def text(raw: bytes) -> str:
            cut = raw[:LOG_BODY_LIMIT].decode("utf-8", "replace")
            if redactor is not None:
                cut = redactor.text(cut)
            return cut + (f"... [{len(raw) - LOG_BODY_LIMIT} more bytes]" if len(raw) > LOG_BODY_LIMIT else "")

        return {
            "id": self.id,
            "method": self.method,
            "url": self.url,
            "request_headers": self.request_headers,
            "request_body": text(self.request_body),
            "status": self.status,
            "response_headers": self.response_headers,
            "response_body": text(self.body),
            "elapsed_ms": round(self.elapsed_ms, 2),
            "error": self.error,
            "curl": self.curl(),
        }


class Redactor:
    """Removes secrets from anything the suite writes: headers, bodies, URLs."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = {s for s in secrets if s and len(s) >= 4}
        self._lock = threading.Lock()
        self._field_names: set[str] = set()  # JSON keys whose string values are secrets
        self._fields: re.Pattern[str] | None = None

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            with self._lock:
                self._secrets.add(secret)

    def add_field(self, name: str) -> None:
        """A JSON key whose string values are secrets wherever they appear (e.g. a server that
        answers issued credentials, like Fabric Hub's enablesync): learnt before anything is written."""
        with self._lock:
            self._field_names.add(name)
            self._fields = re.compile(r'"(?:' + "|".join(re.escape(n) for n in sorted(self._field_names))
                                      + r')"\s*:\s*"((?:[^"\\]|\\.)*)"')

    def text(self, value: str) -> str:
        if self._fields is not None:
            for found in self._fields.findall(value):
                self.add(found)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        return {k: (REDACTED if k.lower() in SECRET_HEADERS else self.text(v)) for k, v in headers}

    def body(self, raw: bytes) -> bytes:
        if not raw or not self._secrets:
            return raw
        return self.text(raw.decode("utf-8", "replace")).encode("utf-8")


class ExchangeLog:
    """Every exchange of a run, in order; written redacted as JSON lines."""

    # exchanges kept in memory for the report's attachments (the current test's and its evidence);
    # the file keeps them all, so memory stays flat however long the run (memory growth over a long run)
    KEEP = 4000

    def __init__(self, path: Path | None = None, redactor: Redactor | None = None, id_prefix: str = "ex-") -> None:
        self.redactor = redactor
        self._items: OrderedDict[str, Exchange] = OrderedDict()
        self._prefix = id_prefix  # xdist workers number their exchanges apart: ex-gw1-00001
        self._counter = itertools.count(1)
        self._sent_total = 0
        self._lock = threading.Lock()
        self._path = path
        self.listener: Any = None  # called with each exchange as it is added (the plugin's per-test capture)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")

    def next_id(self) -> str:
        with self._lock:
            return f"{self._prefix}{next(self._counter):05d}"

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._items[exchange.id] = exchange
            self._sent_total += 1
            while len(self._items) > self.KEEP:
                self._items.popitem(last=False)
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(exchange.as_record(self.redactor)) + "\n")  # ASCII: no U+2028 to split a line
        if self.listener is not None:
            self.listener(exchange)

    def get(self, exchange_id: str) -> Exchange | None:
        return self._items.get(exchange_id)

    def __len__(self) -> int:
        return self._sent_total


class TokenSource:
    """Produces the Authorization header value for the target's auth scheme."""

    def __init__(self, target: Target, redactor: Redactor) -> None:
        self._auth = target.auth
        self._timeout = target.safety.timeout
        self._redactor = redactor
        self._lock = threading.Lock()
        self._token: dict[str, Any] | None = None
        self.fetched = 0  # tokens obtained in this run (refreshes included)
        auth = self._auth
        for secret in ("password", "client_secret", "token"):
            redactor.add(getattr(auth, secret, None))
        if isinstance(auth, BasicAuth):
            self._static = "Basic " + base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode()
            redactor.add(self._static.split(" ", 1)[1])
        elif isinstance(auth, BearerAuth):
            self._static = f"Bearer {auth.token}"
        else:
            self._static = None

    @property
    def refreshable(self) -> bool:
        return isinstance(self._auth, OAuth2ClientCredentials)

    def header(self, force_new: bool = False) -> str | None:
        if isinstance(self._auth, NoAuth):
            return None
        if self._static is not None:
            return self._static
        with self._lock:
            token = self._token
            # refresh a little before expiry: 5 s, or a quarter of a short lifetime
            margin = min(5.0, 0.25 * float(token.get("expires_in") or 20)) if token else 0.0
            if force_new or token is None or float(token.get("expires_at") or 0) - time.time() < margin:
                token = self._token = self._fetch()
                self.fetched += 1
            return f"Bearer {token['access_token']}"

    def _fetch(self) -> dict[str, Any]:
        auth = self._auth
        assert isinstance(auth, OAuth2ClientCredentials)
        method = "client_secret_basic" if auth.client_auth == "basic" else "client_secret_post"
        # authlib implements the RFC 6749 grants; we only choose which one.
        with OAuth2Client(
            client_id=auth.client_id,
            client_secret=auth.client_secret,
            scope=auth.scope,
            token_endpoint_auth_method=method,
            timeout=self._timeout,
            follow_redirects=False,
        ) as client:
            try:
                if isinstance(auth, OAuth2Password):
                    token = client.fetch_token(auth.token_url, grant_type="password",
                                               username=auth.username, password=auth.password)
                else:
                    token = client.fetch_token(auth.token_url, grant_type="client_credentials")
            except Exception as exc:  # authlib raises OAuthError, httpx raises transport errors
                raise TokenError(f"token request to {auth.token_url} failed: {self._redactor.text(str(exc))}") from None
        if "access_token" not in token:
            raise TokenError(f"token endpoint {auth.token_url} answered no access_token")
        self._redactor.add(token["access_token"])
        self._redactor.add(token.get("refresh_token"))
        if not token.get("expires_at") and token.get("expires_in"):
            token["expires_at"] = time.time() + float(token["expires_in"])
        return dict(token)


@dataclass
class _Prepared:
    """A request as built before the wire (Session._prepare), with the exchange that will record it."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    params: Any
    files: Any
    data: Any
    auth: bool | str
    request: Any = None
    exchange: Any = None


class Session:
    """Sends requests for the suite under the target's bounds and records each one."""

    def __init__(self, target: Target, log: ExchangeLog | None = None, redactor: Redactor | None = None,
                 run_in_flight: int | None = None) -> None:
        self.target = target
        self.log = log if log is not None else ExchangeLog()
        self.redactor = redactor if redactor is not None else (self.log.redactor or Redactor())
        self.log.redactor = self.redactor
        self.tokens = TokenSource(target, self.redactor)
        # keep-alive: the pool keeps up to max_in_flight connections open and reuses them; at most that
        # many requests are open at once (the eTag race's writers are threads of one test). One worker of
        # `--workers N` has its share of the bound in its target, and the run's whole bound here
        # (run_in_flight): a test that holds the server's gate alone may use all of it (whole_bound()).
        limit = target.safety.max_in_flight
        whole = max(limit, run_in_flight or limit)
        # an idle connection is kept 15 s (httpx: 5 s), so that a worker waiting at the gate behind an
        # exclusive test finds it again; below the 20 s after which Tomcat (Pega) closes it
        # (emulators/common.py, KEEP_ALIVE_SECONDS), so the client, not the server, drops it first
        self._client = httpx.Client(timeout=target.safety.timeout, follow_redirects=False,
                                    limits=httpx.Limits(max_connections=whole, max_keepalive_connections=limit,
                                                        keepalive_expiry=15.0))
        self._in_flight = threading.BoundedSemaphore(limit)
        self._whole_in_flight = threading.BoundedSemaphore(whole)
        self._whole = False
        self._whole_in_flight_count = whole
        # the reads of the current test sent side by side (pipelined(), submit()), with what judges them
        self._pending: list[tuple[Any, Callable[[Exchange], Any]]] | None = None
        self._pipeline_failed = False
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.connections_opened = 0  # TCP connections this session opened (httpcore's trace extension)
        self._budget_lock = threading.Lock()
        self._sent = 0
        self._rate_lock = threading.Lock()
        self._next_slot = 0.0
        self.stop_requested = False  # set by the run's SIGINT handler; cleared for cleanup

    # -- bounds --------------------------------------------------------------
    @property
    def requests_sent(self) -> int:
        return self._sent

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":  # httpcore: a new connection, not a reused one
            with self._budget_lock:
                self.connections_opened += 1

    def _spend(self) -> None:
        with self._budget_lock:
            if self._sent >= self.target.safety.max_requests:
                raise BudgetExceeded(f"max_requests={self.target.safety.max_requests} reached")
            self._sent += 1

    def _unspend(self) -> None:
        with self._budget_lock:
            self._sent -= 1

    def _pace(self) -> None:
        rate = self.target.safety.rate_limit
        if rate <= 0:
            return
        with self._rate_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + 1.0 / rate
        if wait > 0:
            time.sleep(wait)

    # -- requests ------------------------------------------------------------
    def url(self, path: str, base: str | None = None) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return (base or self.target.base_url).rstrip("/") + "/" + path.lstrip("/")

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        auth: bool | str = True,
        base: str | None = None,
        files: Any = None,
        data: Any = None,
    ) -> Exchange:
        """Send one request. `auth=False` sends no Authorization; a string is sent as-is.

        Inside `pipelined()`, the requests submitted side by side before it are answered first:
        this request may change what they read (a write on the case they read), so it goes out as
        it would have one request at a time."""
        self._settle()
        return self._deliver(self._prepare(method, path, json_body=json_body, content=content, headers=headers,
                                           params=params, auth=auth, base=base, files=files, data=data))

    def submit(self, then: Callable[[Exchange], Any], method: str, path: str, *, independent: bool = False,
               **kw: Any) -> None:
        """Send one request of a test whose requests do not depend on each other's answers, and call
        `then(exchange)` with its answer. Outside `pipelined()` (or with max_in_flight 1) that is
        `then(self.request(...))`. Inside it, a read (RFC 9110 9.2.1 safe method: it changes nothing
        on the server, so its answer does not depend on when it is sent among other reads) goes out at
        once to the pipeline's threads, within max_in_flight, and so does a write the caller calls
        `independent` (it names no resource any other request of the test reads or writes: a create,
        or a generated ID that names nothing, whose answer is the same whenever it arrives); any other
        request waits for those before it and is sent right away, as `request` does. Every `then` runs
        in the test's own thread, in the order of submission, when the pipeline drains: a test's
        findings, their order and messages are those of one request at a time.

        Everything that does not need the server happens here, in submission order, as it would one
        request at a time: building the request (a request HTTP/1.1 cannot carry raises here, so a
        property test still rejects it before generating the next one), the read-only refusal and
        the request budget (max_requests is reached by the same request)."""
        pending = self._pending
        if pending is None:
            then(self.request(method, path, **kw))
            return
        if method.upper() not in READ_ONLY_METHODS and not independent:
            exchange = self.request(method, path, **kw)
            pending.append((exchange, then))
            return
        self._settle_failed()
        prepared = self._prepare(method, path, **kw)
        pending.append((self._pool().submit(self._deliver_pipelined, prepared), then))

    @contextlib.contextmanager
    def pipelined(self) -> Iterator[None]:
        """The scope of one test inside which `submit` sends requests side by side (max_in_flight > 1);
        on leaving, the answers are judged in submission order (`then`), also when the test raised
        (an earlier request's error, a finding's failure, is the one one request at a time would
        have met first)."""
        if self._pending is not None or self.target.safety.max_in_flight <= 1:
            yield  # nested, or one request at a time: nothing to drain
            return
        self._pending = []
        self._pipeline_failed = False
        try:
            yield
        except BaseException:
            self._drain()  # an earlier request's error or failing `then` is raised instead of the test's
            raise
        else:
            self._drain()
        finally:
            self._pending = None

    def _settle(self) -> None:
        """Wait until the requests the pipeline has sent are answered (not judged: `then` waits for the drain)."""
        pending = self._pending
        if pending:
            concurrent.futures.wait([f for f, _ in pending if isinstance(f, concurrent.futures.Future)])
        self._settle_failed()

    def _settle_failed(self) -> None:
        if self._pending is not None and self._pipeline_failed:
            # one request at a time, the test would have stopped at that error: send nothing more
            # (the drain raises the error itself, in its place among the test's requests)
            raise SuiteBroken("not sent: an earlier request of this test failed")

    def _drain(self) -> None:
        pending, self._pending = self._pending or [], None
        try:
            for item, then in pending:
                try:
                    exchange = item.result() if isinstance(item, concurrent.futures.Future) else item
                    then(exchange)
                except BaseException:
                    self._pipeline_failed = True  # the requests not yet sent are not sent (and not counted)
                    raise
        finally:
            concurrent.futures.wait([f for f, _ in pending if isinstance(f, concurrent.futures.Future)])

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=self._whole_in_flight_count, thread_name_prefix="conformance-send")
        return self._executor

    def _deliver_pipelined(self, prepared: "_Prepared") -> Exchange:
        if self._pipeline_failed or self.stop_requested:
            self._unspend()  # never sent: the budget and requests_sent count what went out
            if self.stop_requested:
                raise KeyboardInterrupt("interrupted: stopping between requests")
            raise SuiteBroken("not sent: an earlier request of this test failed")
        try:
            return self._deliver(prepared)
        except BaseException:
            self._pipeline_failed = True
            raise

    def _prepare(self, method: str, path: str, *, json_body: Any = None, content: bytes | str | None = None,
                 headers: dict[str, str] | None = None, params: dict[str, Any] | None = None,
                 auth: bool | str = True, base: str | None = None, files: Any = None,
                 data: Any = None) -> "_Prepared":
        """Everything before the wire: refusals, headers, the built request, its budget and exchange id."""
        method = method.upper()
        if self.stop_requested:
            # a Ctrl-C arrived during an earlier request; stopping here, between requests, means
            # every response that created something was seen and recorded for cleanup
            raise KeyboardInterrupt("interrupted: stopping between requests")
        if self.target.safety.read_only and method not in READ_ONLY_METHODS:
            raise ReadOnlyRefused(f"read_only target: refused to send {method} {path}")
        url = self.url(path, base)
        send_headers = {"Accept": "application/json"}
        if json_body is not None:
            content = json.dumps(json_body).encode("utf-8")
            send_headers["Content-Type"] = "application/json"
        if isinstance(content, str):
            content = content.encode("utf-8")
        send_headers.update(headers or {})
        prepared = _Prepared(method, url, send_headers, content, params, files, data, auth)
        self._build(prepared)
        return prepared

    def _authorize(self, prepared: "_Prepared") -> None:
        if prepared.auth is True:
            value = self.tokens.header()
            if value:
                prepared.headers["Authorization"] = value
        elif isinstance(prepared.auth, str):
            prepared.headers["Authorization"] = prepared.auth

    def _build(self, p: "_Prepared") -> None:
        self._authorize(p)
        request = self._client.build_request(p.method, p.url, headers=p.headers, content=p.content, params=p.params,
                                             files=p.files, data=p.data, extensions={"trace": self._trace})
        self._spend()
        body = request.read() if request.stream is not None else b""
        p.request = request
        p.exchange = Exchange(
            id=self.log.next_id(),
            method=p.method,
            url=self.redactor.text(str(request.url)),
            request_headers=self.redactor.headers(request.headers.items()),
            request_body=self.redactor.body(body),
        )

    def _deliver(self, p: "_Prepared") -> Exchange:
        """Send a prepared request; once more with a new token after a 401, up to 3 times after a 429."""
        retried_auth = False
        retries_429 = 0
        while True:
            exchange = self._transmit(p)
            if exchange.status == 401 and p.auth is True and self.tokens.refreshable and not retried_auth:
                # A token can expire between our check and the server's: re-authenticate once.
                retried_auth = True
                self.tokens.header(force_new=True)
            elif exchange.status == 429 and retries_429 < 3:
                retries_429 += 1
                time.sleep(self._retry_after(exchange))
            else:
                return exchange
            self._build(p)

    @staticmethod
    def _retry_after(exchange: Exchange) -> float:
        raw = exchange.header("Retry-After") or "1"
        try:
            return min(max(float(raw), 0.0), MAX_RETRY_AFTER)
        except ValueError:
            return 1.0

    def _transmit(self, p: "_Prepared") -> Exchange:
        request, exchange, method = p.request, p.exchange, p.method
        self._pace()
        started = time.perf_counter()
        try:
            with self._whole_in_flight if self._whole else self._in_flight:
                response = self._client.send(request, stream=True)
                try:
                    exchange.status = response.status_code
                    exchange.response_headers = self.redactor.headers(response.headers.items())
                    exchange.body = self._read_capped(response)
                finally:
                    response.close()
        except SuiteBroken as exc:  # too large, or too slow in all
            exchange.error = str(exc)
            raise
        except httpx.TimeoutException as exc:
            exchange.error = f"timeout after {self.target.safety.timeout}s ({type(exc).__name__})"
            raise SuiteBroken(f"{method} {exchange.url}: {exchange.error}") from None
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            raise SuiteBroken(f"{method} {exchange.url}: {exchange.error}") from None
        finally:
            exchange.elapsed_ms = (time.perf_counter() - started) * 1000
            self.log.add(exchange)
        return exchange

    def _read_capped(self, response: httpx.Response) -> bytes:
        """Read at most max_response_bytes, within `timeout` in all: httpx's read timeout is per
        chunk, so a server dripping an endless body would otherwise hold the run forever."""
        cap = self.target.safety.max_response_bytes
        deadline = time.monotonic() + self.target.safety.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(f"response body exceeded max_response_bytes={cap}")
            if time.monotonic() > deadline:
                raise SuiteBroken(f"response body still arriving after timeout={self.target.safety.timeout}s "
                                  f"({size} bytes so far)")
            chunks.append(chunk)
        return b"".join(chunks)

    @contextlib.contextmanager
    def whole_bound(self) -> Iterator[None]:
        """While no other test of the run sends (its gate held alone, conformance/gate.py), this
        session may have the run's whole max_in_flight open, not only its worker's share: the eTag
        race's writers go at once under any --workers."""
        self._whole = True
        try:
            yield
        finally:
            self._whole = False

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._client.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
