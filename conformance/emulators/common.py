"""Pieces every emulator shares: SQLite storage, the OAuth2 token endpoint,
fault and variant registries, and a real uvicorn server on loopback.

DEMO CREDENTIALS: the client id/secret and user/password below are the
emulators' published demo credentials, the only secrets this repository
contains on purpose. They protect nothing but a local emulator.
"""

from __future__ import annotations

import asyncio
import base64
import os
import binascii
import random
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# -- demo credentials (marked: not secrets) -----------------------------------
DEMO_CLIENT_ID = "conformance-demo-client"
DEMO_CLIENT_SECRET = "conformance-demo-secret"  # demo credential, not a secret
DEMO_USER = "demo.user@demo.invalid"
DEMO_PASSWORD = "demo-password"  # demo credential, not a secret
CLIENT_OPERATOR = "conformance.client@demo.invalid"


@dataclass(frozen=True)
class Fault:
    """A deliberate contract violation; `breaks` names the requirement it violates."""

    name: str
    breaks: str
    description: str
    # other requirements a conforming suite may legitimately also report for it
    also: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Variant:
    """A documented behaviour where the sources allow a choice (both conform)."""

    name: str
    choices: tuple[str, ...]
    default: str
    description: str


@dataclass
class EmulatorConfig:
    db_path: str = ":memory:"
    faults: frozenset[str] = frozenset()
    variants: dict[str, str] = field(default_factory=dict)
    token_lifetime: int = 3600
    chaos: frozenset[str] = frozenset()
    # the demo client's secret; tests set a distinctive one to prove no secret leaks
    client_secret: str = DEMO_CLIENT_SECRET
    upload_limit: int = 2 * 1024 * 1024  # bytes per uploaded file
    data_rows: int = 3000  # rows behind the emulator's data view
    categories: list[dict[str, Any]] | None = None  # attachment categories; None = the defaults
    cases: int | None = None  # seeded cases (ProcessMaker: up to 100,000); None = the emulator's default
    # emulator-specific settings (`conformance emulate --set KEY=VALUE`); each emulator validates its own
    options: dict[str, str] = field(default_factory=dict)

    def validate(self, faults: dict[str, Fault], variants: dict[str, Variant]) -> None:
        unknown = sorted(set(self.faults) - set(faults))
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(faults))}")
        for key, value in self.variants.items():
            if key not in variants:
                raise ValueError(f"unknown variant {key!r}; known: {', '.join(sorted(variants))}")
            if value not in variants[key].choices:
                raise ValueError(f"variant {key}={value!r}: choose one of {', '.join(variants[key].choices)}")

    def variant(self, variants: dict[str, Variant], name: str) -> str:
        return self.variants.get(name, variants[name].default)


class Database:
    """One SQLite connection shared by the event loop thread, guarded by a lock.

    Every multi-statement change runs in one transaction (`with db.tx()`), so a
    conditional update is atomic whatever the server's concurrency.
    """

    def __init__(self, path: str, schema: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged write survives a kill of the process
            self.conn.execute("PRAGMA synchronous=FULL")
        self.lock = threading.RLock()
        with self.lock:
            self.conn.executescript(schema + TOKEN_SCHEMA)

    def tx(self) -> "_Tx":
        return _Tx(self)

    def one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, args).fetchone()

    def all(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def run(self, sql: str, args: tuple = ()) -> int:
        with self.lock:
            return self.conn.execute(sql, args).rowcount

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class _Tx:
    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.lock.acquire()
        self.db.conn.execute("BEGIN IMMEDIATE")
        return self.db.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.db.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.db.lock.release()


TOKEN_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""


class TokenEndpoint:
    """RFC 6749 token endpoint: client_credentials and password grants.

    Client authentication by HTTP Basic or by client_id/client_secret in the
    form body (RFC 6749 2.3.1); errors are the RFC 6749 5.2 JSON error bodies.
    """

    def __init__(self, db: Database, lifetime: int,
                 clients: dict[str, str] | None = None, users: dict[str, str] | None = None) -> None:
        self.db = db
        self.lifetime = lifetime
        self.clients = clients or {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
        self.users = users or {DEMO_USER: DEMO_PASSWORD}

    @staticmethod
    def _error(status: int, code: str, description: str) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Basic realm="token"'} if status == 401 else {}
        headers["Cache-Control"] = "no-store"
        return JSONResponse({"error": code, "error_description": description}, status_code=status, headers=headers)

    async def handle(self, request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return self._error(400, "invalid_request", "the token request must be application/x-www-form-urlencoded")
        form = await request.form()
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                raw = base64.b64decode(basic[6:].strip(), validate=True).decode("utf-8")
                client_id, _, client_secret = raw.partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return self._error(401, "invalid_client", "malformed Basic credentials")
        if not client_id or self.clients.get(str(client_id)) is None or not secrets.compare_digest(
            self.clients[str(client_id)], str(client_secret or "")
        ):
            return self._error(401, "invalid_client", "unknown client or wrong secret")
        grant = form.get("grant_type")
        if grant == "client_credentials":
            subject = CLIENT_OPERATOR
        elif grant == "password":
            user, password = str(form.get("username") or ""), str(form.get("password") or "")
            if user not in self.users or not secrets.compare_digest(self.users[user], password):
                return self._error(400, "invalid_grant", "wrong username or password")
            subject = user
        elif not grant:
            return self._error(400, "invalid_request", "grant_type is required")
        else:
            return self._error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
        token = secrets.token_urlsafe(32)
        self.db.run("INSERT INTO tokens(token, subject, expires_at) VALUES (?, ?, ?)",
                    (token, subject, time.time() + self.lifetime))
        return JSONResponse(
            {"access_token": token, "token_type": "bearer", "expires_in": self.lifetime},
            headers={"Cache-Control": "no-store"},
        )

    def subject(self, request: Request) -> str | None:
        """The operator a bearer token stands for, or None when it is missing, unknown or expired."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        row = self.db.one("SELECT subject, expires_at FROM tokens WHERE token = ?", (token.strip(),))
        if row is None or row["expires_at"] < time.time():
            return None
        return str(row["subject"])


Handler = Callable[[Request], Awaitable[Response]]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def parse_latency(text: str) -> tuple[float, float]:
    """`MS[:JITTER_MS]` -> (delay, jitter) in seconds; ValueError names what is wrong."""
    parts = str(text).split(":")
    if len(parts) > 2 or not all(p.strip() for p in parts):
        raise ValueError(f"{text!r}: expected MS or MS:JITTER_MS, e.g. 100 or 100:20")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"{text!r}: not a number of milliseconds") from None
    if any(v < 0 or v != v or v == float("inf") for v in values):
        raise ValueError(f"{text!r}: milliseconds must be finite and not negative")
    delay, jitter = values[0], (values[1] if len(values) == 2 else 0.0)
    return delay / 1000.0, jitter / 1000.0


class LatencyMiddleware:
    """Stands in for a server far away: every response (the token endpoint's too) arrives `delay`
    seconds later, plus or minus up to `jitter` (uniform, never below 0). Half of the delay is spent
    before the request reaches the app and half before the response starts, as on a network path
    where both directions take their share; the answers themselves are unchanged. The waits are
    `asyncio.sleep`, so a delayed request holds no other connection up: uvicorn serves every open
    connection on one event loop, and a sleeping request leaves the loop to the others."""

    def __init__(self, app: Any, delay: float, jitter: float = 0.0, rng: random.Random | None = None) -> None:
        self.app, self.delay, self.jitter = app, delay, jitter
        self.rng = rng or random.Random()

    def _draw(self) -> float:
        if not self.jitter:
            return self.delay
        return max(0.0, self.delay + self.rng.uniform(-self.jitter, self.jitter))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        total = self._draw()
        await asyncio.sleep(total / 2)

        async def delayed_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(total / 2)
            await send(message)

        await self.app(scope, receive, delayed_send)


class EmulatorProcess:
    """An emulator in its own process (`conformance emulate`), as users run it.

    A separate process keeps the emulator off the suite's GIL, so timings are
    the server's, and lets tests kill and restart it.
    """

    def __init__(self, api: str, db: str = ":memory:", faults: Iterable[str] = (),
                 variants: dict[str, str] | None = None, token_lifetime: int = 3600, port: int | None = None,
                 chaos: Iterable[str] = (), client_secret: str | None = None, cases: int | None = None,
                 options: dict[str, str] | None = None, latency: str | None = None) -> None:
        self.api, self.db = api, db
        self.latency = latency  # `--latency MS[:JITTER_MS]`: a server far away
        self.cases, self.options = cases, dict(options or {})
        self.chaos, self.client_secret = tuple(chaos), client_secret
        self.faults, self.variants = tuple(faults), dict(variants or {})
        self.token_lifetime = token_lifetime
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> "EmulatorProcess":
        cmd = [sys.executable, "-m", "conformance.cli", "emulate", self.api, "--port", str(self.port),
               "--db", self.db, "--token-lifetime", str(self.token_lifetime)]
        for fault in self.faults:
            cmd += ["--fault", fault]
        for key, value in self.variants.items():
            cmd += ["--variant", f"{key}={value}"]
        for mode in self.chaos:
            cmd += ["--chaos", mode]
        if self.cases is not None:
            cmd += ["--cases", str(self.cases)]
        for key, value in self.options.items():
            cmd += ["--set", f"{key}={value}"]
        if self.latency:
            cmd += ["--latency", str(self.latency)]
        env = dict(os.environ)
        if self.client_secret:
            env["CONFORMANCE_EMULATOR_CLIENT_SECRET"] = self.client_secret  # never on a command line
        # stderr goes to a file, never a pipe: nobody reads a pipe while the emulator runs, and once
        # 64 KiB of log lines filled it the emulator would block on its next write (found by make bench)
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.stderr, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited with {self.proc.returncode}: {self.errors()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"emulator did not listen on port {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None

    def errors(self) -> str:
        """What the emulator wrote to stderr so far (tracebacks of a 500 show up here)."""
        if self.stderr is None:
            return ""
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace")
        self.stderr.seek(0, 2)
        return text

    def __enter__(self) -> "EmulatorProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# How long an idle keep-alive connection stays open. uvicorn's default is 5 s; the servers emulated
# keep one longer: Pega Platform (DX API, Fabric Hub) runs on Tomcat, whose HTTP connector's
# keepAliveTimeout defaults to its connectionTimeout, 20 s in the server.xml Tomcat ships
# (https://tomcat.apache.org/tomcat-9.0-doc/config/http.html); WebSphere Liberty (IBM Case
# Manager) keeps one 30 s (httpOptions persistTimeout), nginx 75 s (keepalive_timeout). At 5 s a
# client whose worker waits at the gate behind an exclusive test found its connections closed and
# opened new ones, which a real server would have kept (`connections_opened` in results.json).
KEEP_ALIVE_SECONDS = 20


class ServerThread:
    """A real uvicorn server on a loopback socket, in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = self.sock.getsockname()[:2]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=KEEP_ALIVE_SECONDS)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
