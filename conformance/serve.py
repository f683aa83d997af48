"""`conformance report --serve`: a report folder on http://127.0.0.1, for the browsers that open a multi-file
Allure report only over HTTP (it loads its data with fetch(), which file:// pages may not use)."""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # one line per file of the report would bury the URL


class _Server(ThreadingHTTPServer):
    # Ctrl-C stops at once: closing the server does not wait for a browser's open keep-alive connections
    # (socketserver joins every handler thread on close by default)
    block_on_close = False


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM stop the server whatever its parent left it: a process started by one
    that ignores SIGINT (a shell's background job, `nohup`, some supervisors) inherits SIG_IGN, and Python
    then installs no KeyboardInterrupt handler; a blocked signal mask is inherited too. Both handlers are
    installed here and both signals unblocked; SIGTERM (a service manager's stop) is a clean stop too."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def serve_folder(folder: Path, port: int, ready: Callable[[str], None], host: str = "127.0.0.1") -> None:
    """Serve `folder` on loopback until Ctrl-C or SIGTERM; `ready` is told the URL once the socket listens."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    with _Server((host, port), handler) as server:
        try:
            with _stopped_by_signals():
                ready(f"http://{host}:{server.server_address[1]}/index.html")
                server.serve_forever()
        except KeyboardInterrupt:
            pass
