"""Shared helpers for the webhook tests: realistic signed vendor requests and a live server."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
import uvicorn

from pipelines.webhooks.signatures import SECRET_VARIABLES, SIGNERS

REPO = Path(__file__).resolve().parents[2]

SECRETS = {
    "jira": "jira-secret-0123456789",
    "zendesk": "zendesk-secret-0123456789",
    "github": "github-secret-0123456789",
    "typeform": "typeform-secret-0123456789",
}


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def payload_for(source: str, delivery: str, *, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    if source == "jira":
        return {
            "timestamp": int(now * 1000),
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_generic",
            "user": {"displayName": "Ada Lovelace", "emailAddress": "ada@example.com"},
            "issue": {"id": "10001", "key": "OPS-42", "fields": {"project": {"key": "OPS"}, "summary": "secret plan"}},
        }
    if source == "zendesk":
        return {
            "id": delivery,
            "type": "zen:event-type:ticket.status_changed",
            "time": iso(now),
            "detail": {"id": "4343", "requester_id": "99", "subject": "printer on fire"},
            "event": {"previous": "open", "current": "solved"},
        }
    if source == "github":
        return {
            "action": "created",
            "organization": {"login": "acme"},
            "repository": {"full_name": "acme/app"},
            "sender": {"login": "octocat", "email": "octo@example.com"},
        }
    if source == "typeform":
        return {
            "event_id": delivery,
            "event_type": "form_response",
            "form_response": {
                "form_id": "lT4Z3j",
                "token": "a3a12ec67a1365927098a606107fac15",
                "submitted_at": iso(now),
                "hidden": {"email": "bob@example.com"},
                "answers": [{"type": "text", "text": "I love it"}],
            },
        }
    raise KeyError(source)


def signed_request(
    source: str,
    *,
    delivery: str | None = None,
    secret: str | None = None,
    now: float | None = None,
    body: bytes | None = None,
    zendesk_timestamp: str | None = None,
) -> tuple[bytes, dict[str, str], str]:
    """(body, headers, delivery id) for a genuine-looking delivery from `source`."""
    delivery = delivery or str(uuid.uuid4())
    now = time.time() if now is None else now
    if body is None:
        body = json.dumps(payload_for(source, delivery, now=now)).encode()
    secret = SECRETS[source] if secret is None else secret
    headers = {"Content-Type": "application/json"}
    if source == "zendesk":
        headers.update(SIGNERS["zendesk"](body, secret, zendesk_timestamp or iso(now)))
        headers["X-Zendesk-Webhook-Invocation-Id"] = delivery
        headers["X-Zendesk-Webhook-Id"] = "01F1KRFQ6BG29CNWFR60NK5FNY"
    else:
        headers.update(SIGNERS[source](body, secret))
    if source == "jira":
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    if source == "github":
        headers["X-GitHub-Delivery"] = delivery
        headers["X-GitHub-Event"] = "copilot"
    return body, headers, delivery


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(app):
    """Serve `app` with uvicorn on 127.0.0.1 in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def start_receiver(home: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, ARCHIPELAGO_HOME=str(home), PYTHONPATH=str(REPO))
    env.update({SECRET_VARIABLES[s]: v for s, v in SECRETS.items()})
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.webhooks.serve", "--port", str(port), "--log-level", "warning"],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"receiver did not start: {proc.stderr.read().decode()[-2000:]}")


class KeepAliveClient:
    """A lean HTTP/1.1 client on one keep-alive connection (http.client): bursts of thousands of
    requests without `requests`' per-call overhead."""

    def __init__(self, base_url: str):
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(base_url)
        self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        self._conn.request("POST", path, body=body, headers=headers)
        response = self._conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def close(self) -> None:
        self._conn.close()
