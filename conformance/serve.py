"""`conformance report --serve`: a report folder on http://127.0.0.1, for the browsers that open a multi-file
Allure report only over HTTP (it loads its data with fetch(), which file:// pages may not use)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # one line per file of the report would bury the URL


class _Server(ThreadingHTTPServer):
    # Ctrl-C stops at once: closing the server does not wait for a browser's open keep-alive connections
    # (socketserver joins every handler thread on close by default)
    block_on_close = False


def serve_folder(folder: Path, port: int, ready: Callable[[str], None], host: str = "127.0.0.1") -> None:
    """Serve `folder` on loopback until Ctrl-C; `ready` is told the URL once the socket listens."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    with _Server((host, port), handler) as server:
        ready(f"http://{host}:{server.server_address[1]}/index.html")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
