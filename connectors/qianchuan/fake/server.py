"""A fake Qianchuan Open API on 127.0.0.1: real HTTP around ``FakeQianchuan``.

    with FakeServer(FakeSettings(accounts=3, latency_s=0.05, qps_limit=10)) as server:
        settings = QianchuanSettings(base_url=server.base_url, auth_url=server.auth_url, ...)
        code = server.world.issue_auth_code()

It serves the tests and ``scripts/fake_qianchuan.py`` (try the whole flow
without an account). Latency is added outside the platform lock, so calls
overlap as they would against the real API. Loopback only.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from connectors.qianchuan.fake.world import FakeAnswer, FakeQianchuan, FakeSettings

__all__ = ["FakeServer"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: URLs can carry tokens

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = None
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if method == "POST":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._send(
                    FakeAnswer(
                        200, {"code": 40001, "message": "body is not a JSON object", "request_id": "", "data": {}}
                    )
                )
                return
        latency = self.server.world.settings.latency_s
        if latency:
            time.sleep(latency)
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.world.handle(method, parts.path, query, body, headers)
        delay = answer.delay_s + (self.server.world.settings.write_latency_s if method == "POST" else 0.0)
        if delay:
            time.sleep(delay)
        self._send(answer)

    def _send(self, answer: FakeAnswer) -> None:
        if answer.drop:
            self.close_connection = True
            return
        if answer.location:
            self.send_response(answer.status)
            self.send_header("Location", answer.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if answer.body is not None:
            payload = json.dumps(answer.body, ensure_ascii=False).encode()
            kind = "application/json; charset=utf-8"
        else:
            payload = (answer.html or "").encode()
            kind = "text/html; charset=utf-8"
        self.send_response(answer.status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        if answer.body and answer.body.get("request_id"):
            self.send_header("X-Tt-Logid", str(answer.body["request_id"]))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, world: FakeQianchuan) -> None:
        self.world = world
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client gave up (its timeout, or it was killed): nothing to answer
        super().handle_error(request, client_address)


class FakeServer:
    """The fake platform on ``127.0.0.1:port`` (0 = any free port), in a thread."""

    def __init__(
        self, settings: FakeSettings | None = None, *, world: FakeQianchuan | None = None, port: int = 0
    ) -> None:
        self.world = world or FakeQianchuan(settings or FakeSettings())
        self._server = _Server(("127.0.0.1", port), self.world)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/openapi/qc/audit/oauth.html"

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-qianchuan", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
