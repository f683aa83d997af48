"""A recording reverse proxy: real clients talk to the server through it, and it judges what passes.

    conformance proxy --target my-target.toml --port 8899      # clients use http://127.0.0.1:8899/<same paths>

Every request is forwarded to the target's server and every answer back, bodies streamed through
chunk by chunk in both directions (never a whole large body held first), unchanged: only the
hop-by-hop headers of RFC 9110 7.6.1 are dropped, and Host names the server the proxy connects to.
Each exchange is recorded (secrets redacted) and judged as soon as its answer is complete, by the
same judging as `check-traffic` (conformance.traffic); its findings are printed as they happen. On
Ctrl-C or SIGTERM the proxy stops and writes the run folder: results.json (`"source": "traffic"`),
junit.xml, allure-results and exchanges.jsonl.

The parts: uvicorn serves, Starlette's request stream and StreamingResponse carry the bodies, and
httpx's AsyncClient with `stream=True` and `aiter_raw()` forwards them, all three already the
suite's dependencies (the emulators run on the same stack). mitmproxy's reverse mode would do the
forwarding too, but brings a TLS-interception stack, its own event loop and addon API and some
forty packages for what these hundred lines do; see docs/passive.md.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
import zlib
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from conformance import findings
from conformance.target import Target
from conformance.traffic import TrafficExchange, TrafficRun

# RFC 9110 7.6.1: a proxy removes the connection options and these hop-by-hop fields before forwarding
HOP_BY_HOP = frozenset({"connection", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding",
                        "upgrade", "proxy-authenticate", "proxy-authorization"})
JUDGE_LIMIT = 16 * 1024 * 1024  # bytes of a body kept for judging; past it the body is passed on, not judged


def _end_to_end(headers: Any) -> list[tuple[str, str]]:
    """The headers to forward: all but the hop-by-hop ones and those the Connection header names."""
    named = {h.strip().lower() for v in headers.getlist("connection") for h in v.split(",")} \
        if hasattr(headers, "getlist") else set()
    return [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP and k.lower() not in named]


class _Tee:
    """Passes chunks through and keeps a copy for judging, up to JUDGE_LIMIT."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.whole = True

    def keep(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.whole and self.size <= JUDGE_LIMIT:
            self.parts.append(chunk)
        else:
            self.whole, self.parts = False, []

    def body(self) -> bytes:
        return b"".join(self.parts)


def _decoded(raw: bytes, encoding: str | None) -> tuple[bytes, bool]:
    """The body as the application sees it (what a HAR's content.text holds): gzip and deflate undone."""
    coding = (encoding or "").strip().lower()
    if coding in ("", "identity"):
        return raw, True
    if coding in ("gzip", "x-gzip", "deflate"):
        try:
            return zlib.decompress(raw, 47 if "gzip" in coding else 15), True
        except zlib.error:
            try:
                return zlib.decompress(raw, -15), True  # deflate without its zlib wrapper
            except zlib.error:
                return raw, False
    return raw, False  # br, zstd: forwarded as they are, not judged


class RecordingProxy:
    """The ASGI app: forward, stream, record, judge."""

    def __init__(self, upstream: str, run: TrafficRun, on_finding: Callable[[findings.Finding], None]) -> None:
        self.upstream = upstream.rstrip("/")
        self.run = run
        self.on_finding = on_finding
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(300.0, connect=10.0), follow_redirects=False,
                                        trust_env=False)
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()
        self.exchanges = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.client.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.forward(request)
        await response(scope, receive, send)

    async def forward(self, request: Request) -> Response:
        number = next(self._ids)
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string") or b""
        url = self.upstream + raw_path.decode("latin-1") + (("?" + query.decode("latin-1")) if query else "")
        sent = _Tee()

        async def request_body() -> AsyncIterator[bytes]:
            async for chunk in request.stream():
                sent.keep(chunk)
                yield chunk

        headers = [(k, v) for k, v in _end_to_end(request.headers) if k.lower() != "host"]
        has_body = request.headers.get("content-length") not in (None, "0") or \
            "chunked" in request.headers.get("transfer-encoding", "").lower()
        started = time.time()
        clock = time.perf_counter()
        upstream_request = self.client.build_request(request.method, httpx.URL(url), headers=headers,
                                                     content=request_body() if has_body else None)
        try:
            answer = await self.client.send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            await self.record(number, request, url, sent, None, _Tee(), started, clock, f"{type(exc).__name__}: {exc}")
            return Response(f"conformance proxy: upstream {self.upstream} failed: {type(exc).__name__}\n", 502,
                            media_type="text/plain")
        received = _Tee()

        async def response_body() -> AsyncIterator[bytes]:
            error = None
            try:
                async for chunk in answer.aiter_raw():
                    received.keep(chunk)
                    yield chunk
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                await answer.aclose()
                await self.record(number, request, url, sent, answer, received, started, clock, error)

        return StreamingResponse(response_body(), status_code=answer.status_code,
                                 headers=dict(_end_to_end(answer.headers)))

    async def record(self, number: int, request: Request, url: str, sent: _Tee, answer: httpx.Response | None,
                     received: _Tee, started: float, clock: float, error: str | None) -> None:
        body, decoded = _decoded(received.body(), answer.headers.get("content-encoding") if answer else None)
        ex = TrafficExchange(
            id=f"tr-{number:05d}", method=request.method, url=url,
            request_headers=dict(request.headers.items()), request_body=sent.body(),
            status=answer.status_code if answer is not None and error is None else None,
            response_headers=dict(answer.headers.items()) if answer is not None else {},
            body=body, elapsed_ms=(time.perf_counter() - clock) * 1000, error=error,
            body_known=received.whole and decoded, request_body_known=sent.whole, started=started,
            where=f"proxy: exchange {number}")
        async with self._lock:  # one judge, one log: exchanges are judged one at a time, in completion order
            self.exchanges += 1
            for f in self.run.add(ex):
                self.on_finding(f)


def serve(target: Target, port: int, out: Path, host: str = "127.0.0.1",
          on_finding: Callable[[findings.Finding], None] = lambda f: None,
          on_ready: Callable[[str], None] = lambda url: None, fail_on: str = "failed") -> dict[str, Any]:
    """Run the proxy until SIGINT or SIGTERM (uvicorn's own handling), then write the run folder."""
    import uvicorn
    from urllib.parse import urlsplit

    parts = urlsplit(target.base_url)
    run = TrafficRun(target.api, target, out, fail_on=fail_on)
    app = RecordingProxy(f"{parts.scheme}://{parts.netloc}", run, on_finding)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)

    original = server.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets)
        on_ready(f"http://{host}:{port}")

    server.startup = startup  # type: ignore[method-assign]

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # uvicorn stops gracefully on SIGINT/SIGTERM and then raises the signal again with the handlers it found:
    # both become a KeyboardInterrupt here, after which the run folder is written
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return run.finish(allure=True)
