"""Chat-service receivers on 127.0.0.1 for the notify tests.

Each receiver checks a request the way its service documents it, with its
own code (never spendopt's): the signature recomputed from the documented
formula, the message shape, and the service's rate limit on the test's clock.
A request that breaks a rule gets the service's error answer and is counted
in ``violations``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeClock:
    """Unix seconds that move only when slept on."""

    def __init__(self, start: float) -> None:
        self.now = float(start)
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds
        self.slept += seconds


def feishu_expected(timestamp: str, secret: str) -> str:
    key = (timestamp + "\n" + secret).encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_expected(timestamp_ms: str, secret: str) -> str:
    """The sign before URL-encoding (the receiver sees the decoded query value)."""
    mac = hmac.new(secret.encode("utf-8"), (timestamp_ms + "\n" + secret).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class Arrival:
    service: str
    at: float
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    raw_body: bytes


LIMITS = {
    "feishu": ((5, 1.0), (100, 60.0)),
    "dingtalk": ((20, 60.0),),
    "wecom": ((20, 60.0),),
    "webhook": ((60, 60.0),),
}
RATE_ANSWER = {
    "feishu": {"code": 11232, "msg": "frequency limited psm"},
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast"},
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "webhook": None,
}


@dataclass
class Receivers:
    clock: FakeClock
    secrets: dict[str, str]
    wecom_key: str = "wecom-test-key"
    arrivals: list[Arrival] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    script: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)  # service -> forced answers, in order
    _accepted: dict[str, list[float]] = field(default_factory=dict)

    def start(self) -> Receivers:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                status, answer = owner.handle(self.path, dict(self.headers.items()), raw)
                data = json.dumps(answer).encode() if answer is not None else b"ok"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, service: str) -> str:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return {
            "feishu": f"{base}/open-apis/bot/v2/hook/test-hook",
            "dingtalk": f"{base}/robot/send?access_token=test-token",
            "wecom": f"{base}/cgi-bin/webhook/send?key={self.wecom_key}",
            "webhook": f"{base}/hooks/spendopt",
        }[service]

    def of(self, service: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.service == service]

    # ------------------------------------------------------------------ checks
    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        parsed = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        service = {
            "/open-apis/bot/v2/hook/test-hook": "feishu",
            "/robot/send": "dingtalk",
            "/cgi-bin/webhook/send": "wecom",
            "/hooks/spendopt": "webhook",
        }[parsed.path]
        body = json.loads(raw.decode("utf-8"))
        self.arrivals.append(Arrival(service, self.clock.now, parsed.query, query, headers, body, raw))
        if self.script.get(service):
            return self.script[service].pop(0)
        problem = getattr(self, f"_check_{service}")(query, headers, body, raw)
        if problem:
            self.violations.append(f"{service}: {problem[0]}")
            return problem[1]
        accepted = self._accepted.setdefault(service, [])
        for count, seconds in LIMITS[service]:
            if len([t for t in accepted if t > self.clock.now - seconds]) >= count:
                self.violations.append(f"{service}: over {count} per {seconds}s")
                answer = RATE_ANSWER[service]
                return (429, None) if answer is None else (200, answer)
        accepted.append(self.clock.now)
        return 200, {"feishu": {"code": 0, "msg": "success", "data": {}}}.get(service, {"errcode": 0, "errmsg": "ok"})

    def _fresh(self, seconds: float) -> bool:
        return abs(self.clock.now - seconds) <= 3600

    def _check_feishu(self, query, headers, body, raw):
        fail = (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"})
        ts, sign = body.get("timestamp"), body.get("sign")
        if not isinstance(ts, str) or not ts.isdigit() or not self._fresh(int(ts)):
            return "bad timestamp", fail
        if sign != feishu_expected(ts, self.secrets["feishu"]):
            return "bad sign", fail
        if body.get("msg_type") != "interactive" or not body["card"]["elements"]:
            return "not an interactive card", (200, {"code": 9499, "msg": "Bad Request"})
        if len(raw) > 20 * 1024:
            return "body over 20 KB", (200, {"code": 9499, "msg": "request too large"})
        return None

    def _check_dingtalk(self, query, headers, body, raw):
        fail = (200, {"errcode": 310000, "errmsg": "sign not match"})
        ts, sign = query.get("timestamp", ""), query.get("sign", "")
        if query.get("access_token") != "test-token" or not ts.isdigit() or not self._fresh(int(ts) / 1000):
            return "bad token or timestamp", fail
        if sign != dingtalk_expected(ts, self.secrets["dingtalk"]):
            return "bad sign", fail
        md = body.get("markdown") or {}
        if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return "not markdown", (200, {"errcode": 300001, "errmsg": "param error"})
        if len(raw) > 20_000:
            return "over 20000 bytes", (200, {"errcode": 460101, "errmsg": "message too long"})
        return None

    def _check_wecom(self, query, headers, body, raw):
        if query.get("key") != self.wecom_key:
            return "bad key", (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        content = (body.get("markdown") or {}).get("content", "")
        if body.get("msgtype") != "markdown" or not content:
            return "not markdown", (200, {"errcode": 40008, "errmsg": "invalid message type"})
        if len(content.encode("utf-8")) > 4096:
            return "content over 4096 bytes", (200, {"errcode": 40058, "errmsg": "markdown.content exceed max length"})
        return None

    def _check_webhook(self, query, headers, body, raw):
        lower = {k.lower(): v for k, v in headers.items()}
        ts = lower.get("x-spendopt-timestamp", "")
        want = (
            "sha256=" + hmac.new(self.secrets["webhook"].encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        )
        if (
            not ts.isdigit()
            or not self._fresh(int(ts))
            or not hmac.compare_digest(lower.get("x-spendopt-signature", ""), want)
        ):
            return "bad signature", (401, None)
        if body.get("source") != "spendopt" or not body.get("notices"):
            return "bad body", (400, None)
        return None


def receivers(clock: FakeClock, secrets: dict[str, str]) -> Callable[[], Receivers]:
    return lambda: Receivers(clock, secrets).start()
