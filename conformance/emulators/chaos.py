"""Hostile-server behaviours for any emulator, one switch each (`--chaos NAME`).

They let the suite's own robustness be proven: against each, a run must end
within its time bound, read at most `max_response_bytes` of any body, and
report what went wrong as a finding or a `broken` outcome, never crash or
hang. The token endpoint is left alone, so the run gets as far as the API.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
ASGI = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]

CHAOS: dict[str, str] = {
    "slow": "every API response starts after 30 s",
    "malformed-json": "API bodies are cut-off JSON, labelled application/json",
    "wrong-content-type": "API JSON bodies are labelled text/html",
    "truncated": "Content-Length promises 1000 bytes, 10 are sent, then the connection closes",
    "reset": "the connection is dropped after the status line, without a body",
    "burst-5xx": "two of every three API requests answer 500 or 503 (Retry-After: 1)",
    "huge-body": "every API body is 100 MB",
    "endless-chunked": "every API body is chunked and never ends",
    "redirect-loop": "every API request is redirected to itself",
}


class ChaosMiddleware:
    def __init__(self, app: ASGI, modes: frozenset[str], spare: tuple[str, ...]) -> None:
        unknown = sorted(set(modes) - set(CHAOS))
        if unknown:
            raise ValueError(f"unknown chaos mode(s): {', '.join(unknown)}; known: {', '.join(CHAOS)}")
        self.app, self.modes, self.spare = app, modes, spare
        self.counter = itertools.count()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.modes or scope["path"] in self.spare:
            await self.app(scope, receive, send)
            return
        m = self.modes
        if "slow" in m:
            await asyncio.sleep(30)
        if "redirect-loop" in m:
            await _plain(send, 302, b"", [(b"location", scope["path"].encode())])
            return
        if "burst-5xx" in m and next(self.counter) % 3 != 2:
            await _plain(send, 503, b"busy", [(b"retry-after", b"1")]) if next(self.counter) % 2 else \
                await _plain(send, 500, b"Internal Server Error", [])
            return
        if "reset" in m:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")]})
            raise ConnectionResetError("chaos: reset")  # uvicorn aborts the connection
        if "truncated" in m:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
            await send({"type": "http.response.body", "body": b'{"data": {', "more_body": True})
            raise ConnectionResetError("chaos: truncated")
        if "huge-body" in m:
            await _stream(send, receive, 100 * 1024 * 1024, chunk=1024 * 1024, sized=True)
            return
        if "endless-chunked" in m:
            await _stream(send, receive, None, chunk=1024, sized=False, pause=0.01)
            return
        if "malformed-json" in m or "wrong-content-type" in m:
            await self.app(scope, receive, _rewrite(send, m))
            return
        await self.app(scope, receive, send)


def _rewrite(send: Any, modes: frozenset[str]) -> Any:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"content-length",)]
            if "wrong-content-type" in modes:
                headers = [(k, b"text/html; charset=utf-8" if k.lower() == b"content-type" else v) for k, v in headers]
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and "malformed-json" in modes and message.get("body"):
            body = message["body"]
            message = {**message, "body": body[: max(1, len(body) // 2)]}
        await send(message)

    return wrapped


async def _plain(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


async def _stream(send: Any, receive: Any, total: int | None, chunk: int, sized: bool, pause: float = 0.0) -> None:
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.create_task(watch())
    headers = [(b"content-type", b"application/json")]
    if sized and total is not None:
        headers.append((b"content-length", str(total).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    sent, block = 0, b"[" + b"0," * (chunk // 2 - 1) + b"0"
    try:
        while not gone.is_set() and (total is None or sent < total):
            piece = block if total is None else block[: min(chunk, total - sent)]
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            sent += len(piece)
            await asyncio.sleep(pause)
        if not gone.is_set():
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        watcher.cancel()
