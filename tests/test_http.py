"""The instrumented client: auth, bounds, redaction, no redirects, size cap."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.emulators.common import ServerThread
from conformance.failures import BudgetExceeded, ReadOnlyRefused, ResponseTooLarge, SuiteBroken, TokenError
from conformance.http import ExchangeLog, Session
from conformance.target import parse

SECRET = "Sup3r-Distinctive-Secret-Value"


class Fake:
    def __init__(self) -> None:
        self.tokens_issued = 0
        self.calls_429 = 0
        self.seen: list[dict] = []

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("client_secret") != SECRET and "authorization" not in request.headers:
            return JSONResponse({"error": "invalid_client"}, 401)
        self.tokens_issued += 1
        return JSONResponse({"access_token": f"tok-{self.tokens_issued}-{SECRET[:4]}xyz", "token_type": "bearer",
                             "expires_in": 3600})

    async def echo(self, request: Request) -> Response:
        self.seen.append(dict(request.headers))
        return JSONResponse({"auth": request.headers.get("authorization", "")})

    async def protected(self, request: Request) -> Response:
        # the first token is "revoked": a 401 mid-run must re-authenticate once
        if request.headers.get("authorization", "").startswith("Bearer tok-1-"):
            return JSONResponse({}, 401)
        return JSONResponse({"ok": True})

    async def limited(self, request: Request) -> Response:
        self.calls_429 += 1
        if self.calls_429 == 1:
            return Response(status_code=429, headers={"Retry-After": "0"})
        return JSONResponse({"ok": True})

    async def redirect(self, request: Request) -> Response:
        return Response(status_code=302, headers={"Location": "http://127.0.0.2:9/steal"})

    async def big(self, request: Request) -> Response:
        return Response(b"x" * 5000)

    async def slow(self, request: Request) -> Response:
        await asyncio.sleep(2)
        return Response(b"late")

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/token", self.token, methods=["POST"]), Route("/echo", self.echo),
                                 Route("/echo", self.echo, methods=["POST"]), Route("/protected", self.protected),
                                 Route("/limited", self.limited), Route("/redirect", self.redirect),
                                 Route("/big", self.big), Route("/slow", self.slow)])


@pytest.fixture(scope="module")
def server():
    fake = Fake()
    with ServerThread(fake.app()) as srv:
        srv.fake = fake
        yield srv


def make(server, tmp_path=None, **safety):
    target = parse({"name": "t", "api": "pega-dx-v2", "base_url": server.url,
                    "auth": {"type": "oauth2-client-credentials", "token_url": f"{server.url}/token",
                             "client_id": "cid", "client_secret": SECRET, "client_auth": "body"},
                    "fixtures": {"case_type_id": "X"}, "safety": safety}, env={})
    return Session(target, ExchangeLog(tmp_path / "ex.jsonl" if tmp_path else None))


def test_oauth2_token_sent_and_secrets_redacted_everywhere(server, tmp_path):
    with make(server, tmp_path) as s:
        ex = s.request("POST", "/echo", json_body={"note": f"contains {SECRET}"})
    assert ex.status == 200 and server.fake.seen[-1]["authorization"].startswith("Bearer tok-")
    assert ex.request_headers["authorization"] == "[REDACTED]"
    log = (tmp_path / "ex.jsonl").read_text()
    token = server.fake.seen[-1]["authorization"].split()[1]
    assert SECRET not in log and token not in log and SECRET not in ex.curl() and token not in ex.curl()
    assert "[REDACTED]" in json.loads(log.splitlines()[0])["request_body"]


def test_401_mid_run_reauthenticates_once(server):
    with make(server) as s:
        s.tokens.header()  # whichever token comes first
        server.fake.tokens_issued = 0
        s.tokens.header(force_new=True)  # now holds tok-1-..., which /protected refuses
        ex = s.request("GET", "/protected")
        assert ex.status == 200 and server.fake.tokens_issued == 2


def test_token_failure_is_a_clear_run_level_error(server):
    target = parse({"name": "t", "api": "pega-dx-v2", "base_url": server.url,
                    "auth": {"type": "oauth2-client-credentials", "token_url": f"{server.url}/token",
                             "client_id": "cid", "client_secret": "wrong", "client_auth": "body"},
                    "fixtures": {"case_type_id": "X"}}, env={})
    with Session(target) as s, pytest.raises(TokenError, match="token request to .* failed"):
        s.request("GET", "/echo")


def test_read_only_refuses_mutations_before_sending(server):
    with make(server, read_only=True) as s:
        for method in ("DELETE", "POST", "PUT", "PATCH", "TRACE", "QUERY"):
            with pytest.raises(ReadOnlyRefused):
                s.request(method, "/echo")
        assert s.requests_sent == 0 and s.request("GET", "/echo").status == 200


def test_budget_is_never_exceeded(server):
    with make(server, max_requests=3) as s:
        for _ in range(3):
            s.request("GET", "/echo", auth=False)
        with pytest.raises(BudgetExceeded):
            s.request("GET", "/echo", auth=False)
        assert s.requests_sent == 3


def test_429_retry_after_is_waited_out(server):
    with make(server) as s:
        ex = s.request("GET", "/limited", auth=False)
        assert ex.status == 200 and server.fake.calls_429 == 2


def test_redirects_are_not_followed(server):
    with make(server) as s:
        ex = s.request("GET", "/redirect")
        assert ex.status == 302 and s.requests_sent == 1  # the Authorization never left for the other host


def test_response_size_cap(server):
    with make(server, max_response_bytes=1000) as s, pytest.raises(ResponseTooLarge):
        s.request("GET", "/big", auth=False)


def test_timeout_is_broken_not_a_hang(server):
    with make(server, timeout=0.3) as s, pytest.raises(SuiteBroken, match="timeout after 0.3s"):
        s.request("GET", "/slow", auth=False)


def test_rate_limit_spaces_requests(server):
    import time

    with make(server, rate_limit=20) as s:
        started = time.perf_counter()
        for _ in range(5):
            s.request("GET", "/echo", auth=False)
        assert time.perf_counter() - started >= 4 / 20 * 0.9
