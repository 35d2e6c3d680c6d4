"""A tiny real HTTP server for connector tests (stdlib `http.server` in a thread, 127.0.0.1 only).

Routes answer with scripted `Reply`s: a status, JSON or raw body, headers, and transport faults
(`cut` sends half the promised body and closes, `drop` closes without answering, `hang` waits
longer than the client's read timeout). Every request is recorded for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None  # "cut" | "drop" | "hang"
    hang_seconds: float = 1.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        return {k: v[-1] for k, v in self.query.items()}

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Handler = Callable[[Seen], Reply]


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                            {k: v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.seen.append(seen)
                    handler = server.routes.get((self.command, parts.path))
                reply = handler(seen) if handler else Reply(404, json={"error": "no route"})
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.fault == "drop":
                    self.close_connection = True
                    return
                if reply.fault == "hang":
                    time.sleep(reply.hang_seconds)
                if reply.json is not None:
                    payload = json.dumps(reply.json).encode()
                    ctype = "application/json"
                else:
                    payload = reply.body.encode() if isinstance(reply.body, str) else (reply.body or b"")
                    ctype = "application/json"
                self.send_response(reply.status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if reply.fault == "cut":
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, handler: Handler | Reply | list[Reply]) -> None:
        """Register a handler; a list of replies is served in order, the last one repeating."""
        if isinstance(handler, Reply):
            handler = [handler]
        if isinstance(handler, list):
            queue = list(handler)

            def scripted(_: Seen, queue: list[Reply] = queue) -> Reply:
                return queue.pop(0) if len(queue) > 1 else queue[0]

            handler = scripted
        self.routes[(method, path)] = handler

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
