"""Webhook deliveries: signatures verified with an independent HMAC, events match real changes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def receiver():
    """A plain stdlib HTTP server on 127.0.0.1 that records what it receives."""
    got: list[tuple[dict, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/hook", got
    httpd.shutdown()
    httpd.server_close()


def _mac(secret: str, data: bytes) -> bytes:
    return hmac.new(secret.encode(), data, hashlib.sha256).digest()


def test_jira_signature_and_the_change_is_real(receiver, server, env, http):
    url, got = receiver
    delivery = server.emit_webhook("jira", "jira:issue_updated", url)
    assert delivery.status_code == 202
    headers, body = got[0]
    assert headers["x-hub-signature"] == "sha256=" + _mac(env["JIRA_WEBHOOK_SECRET"], body).hex()
    assert headers["x-atlassian-webhook-identifier"] == delivery.delivery_id
    payload = json.loads(body)
    assert payload["webhookEvent"] == "jira:issue_updated" and isinstance(payload["timestamp"], int)
    item = next(i for i in payload["changelog"]["items"] if i["field"] == "assignee")
    key = payload["issue"]["key"]
    log = http.get(f"{env['JIRA_BASE_URL']}/rest/api/3/issue/{key}/changelog", params={"maxResults": 100},
                   auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]), timeout=10).json()
    history = next(h for h in log["values"] if h["id"] == payload["changelog"]["id"])
    assert item in history["items"]


def test_zendesk_signature_covers_timestamp_and_body(receiver, server, env):
    url, got = receiver
    server.emit_webhook("zendesk", "zen:event-type:ticket.group_assignment_changed", url)
    headers, body = got[0]
    stamp = headers["x-zendesk-webhook-signature-timestamp"]
    expected = base64.b64encode(_mac(env["ZENDESK_WEBHOOK_SECRET"], stamp.encode() + body)).decode()
    assert headers["x-zendesk-webhook-signature"] == expected
    assert headers["x-zendesk-webhook-invocation-id"]
    payload = json.loads(body)
    assert payload["type"] == "zen:event-type:ticket.group_assignment_changed"
    assert payload["event"]["current"] == payload["detail"]["group_id"] != payload["event"]["previous"]


def test_github_and_typeform_signatures(receiver, server, env):
    url, got = receiver
    gh = server.emit_webhook("github", "membership", url)
    tf = server.emit_webhook("typeform", "form_response", url)
    (gh_headers, gh_body), (tf_headers, tf_body) = got
    assert gh_headers["x-hub-signature-256"] == "sha256=" + _mac(env["GITHUB_WEBHOOK_SECRET"], gh_body).hex()
    assert gh_headers["x-github-event"] == "membership" and gh_headers["x-github-delivery"] == gh.delivery_id
    expected = "sha256=" + base64.b64encode(_mac(env["TYPEFORM_WEBHOOK_SECRET"], tf_body)).decode()
    assert tf_headers["typeform-signature"] == expected
    assert json.loads(tf_body)["event_id"] == tf.delivery_id


def test_a_wrong_secret_does_not_verify(receiver, server, env):
    url, got = receiver
    server.emit_webhook("jira", "jira:issue_updated", url, secret="someone-else")
    headers, body = got[0]
    assert headers["x-hub-signature"] != "sha256=" + _mac(env["JIRA_WEBHOOK_SECRET"], body).hex()


def test_delivery_ids_are_unique(receiver, server):
    url, _ = receiver
    ids = {server.emit_webhook("github", "membership", url).delivery_id for _ in range(3)}
    assert len(ids) == 3


def test_advance_posts_events_for_changes_in_the_revealed_window(receiver, server, env, http):
    url, got = receiver
    before = server.now
    server.advance(days=2, webhook_urls={"jira": url, "zendesk": url})
    vendors = {d.vendor for d in server.deliveries[-len(got):]}
    assert got and vendors <= {"jira", "zendesk"}
    for _, body in got:
        payload = json.loads(body)
        if "webhookEvent" in payload:
            history = payload["changelog"]["id"]
            key = payload["issue"]["key"]
            log = http.get(f"{env['JIRA_BASE_URL']}/rest/api/3/issue/{key}/changelog", params={"maxResults": 100},
                           auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]), timeout=10).json()
            created = next(h["created"] for h in log["values"] if h["id"] == history)
            assert created[:19] > before.isoformat()[:19]  # the change happened inside the window
