"""Webhook deliveries, signed the way each vendor signs them, describing real changes.

| vendor   | signature header                                     | signed bytes       | delivery id header               |
|----------|------------------------------------------------------|--------------------|----------------------------------|
| jira     | `X-Hub-Signature: sha256=<hex>`                      | raw body           | `X-Atlassian-Webhook-Identifier` |
| zendesk  | `X-Zendesk-Webhook-Signature: <base64>` + `...-Timestamp` | timestamp + body | `X-Zendesk-Webhook-Invocation-Id` |
| github   | `X-Hub-Signature-256: sha256=<hex>` (+ `X-GitHub-Event`) | raw body       | `X-GitHub-Delivery`              |
| typeform | `Typeform-Signature: sha256=<base64>`                | raw body           | payload `event_id`               |

Every event describes something the vendor endpoint returns as of the simulated now: the Jira
event is the latest assignee change (and `GET /rest/api/3/issue/{key}/changelog` lists it), the
Zendesk event the latest group reassignment, the GitHub event the latest Copilot seat assigned via a
team, the Typeform event the latest submitted response. `clock="wall"` (default) stamps envelope
times (Jira `timestamp`, Zendesk `time` and signature timestamp) with the real time of delivery, as
a live vendor would; `clock="simulated"` uses the simulated time of the change instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from sandbox.ids import hex_id
from sandbox.server import timefmt
from sandbox.server.state import ServerState

EVENTS = {
    "jira": ("jira:issue_updated",),
    "zendesk": ("zen:event-type:ticket.group_assignment_changed",),
    "github": ("membership",),
    "typeform": ("form_response",),
}


@dataclass
class Delivery:
    vendor: str
    event: str
    delivery_id: str
    url: str
    headers: dict[str, str]
    body: bytes
    payload: dict[str, Any]
    status_code: int
    response_text: str


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def emit(state: ServerState, vendor: str, event: str, url: str, *, clock: str = "wall",
         timeout: float = 10.0, secret: str | None = None, since: datetime | None = None) -> Delivery:
    """POST one signed event for the latest matching change (after `since`, if given: else LookupError)."""
    if vendor not in EVENTS:
        raise ValueError(f"unknown webhook vendor {vendor!r}; use one of {', '.join(EVENTS)}")
    short = event.split(":")[-1] if vendor == "zendesk" else event
    if event not in EVENTS[vendor] and short not in {e.split(":")[-1] for e in EVENTS[vendor]}:
        raise ValueError(f"the sandbox emits {vendor} events {', '.join(EVENTS[vendor])}, not {event!r}")
    if clock not in ("wall", "simulated"):
        raise ValueError("clock must be 'wall' or 'simulated'")
    secret = secret or state.credentials.webhook_secrets[vendor]
    with state.lock:
        state.webhook_count += 1
        n = state.webhook_count
    build = {"jira": _jira, "zendesk": _zendesk, "github": _github, "typeform": _typeform}[vendor]
    payload, headers, delivery_id = build(state, n, clock, since or datetime.min)
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", **headers}
    if vendor == "jira":
        headers["X-Hub-Signature"] = "sha256=" + hmac_sha256(secret, body).hex()
    elif vendor == "zendesk":
        stamp = headers["X-Zendesk-Webhook-Signature-Timestamp"]
        headers["X-Zendesk-Webhook-Signature"] = base64.b64encode(hmac_sha256(secret, stamp.encode() + body)).decode()
    elif vendor == "github":
        headers["X-Hub-Signature-256"] = "sha256=" + hmac_sha256(secret, body).hex()
        headers["X-Hub-Signature"] = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    else:
        headers["Typeform-Signature"] = "sha256=" + base64.b64encode(hmac_sha256(secret, body)).decode()
    response = requests.post(url, data=body, headers=headers, timeout=timeout)
    return Delivery(vendor, event, delivery_id, url, headers, body, payload, response.status_code, response.text)


def _stamp(clock: str, simulated: datetime) -> datetime:
    if clock == "wall":
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return simulated


def _jira(state: ServerState, n: int, clock: str, since: datetime):
    from sandbox.server.jira import NAVIGABLE, JiraApi

    now = state.now
    best = None
    for t in state.org.jira.tickets:
        if t.created > now:
            continue
        for change in reversed(t.changes_until(now)):
            if any(f == "assignee" and old is not None for f, old, _ in change[2]):
                if best is None or change[0] > best[1][0]:
                    best = (t, change)
                break
    if best is None or best[1][0] <= since:
        raise LookupError("no Jira reassignment is visible in that window; advance the simulated clock")
    t, (when, author, _items, cid) = best
    api = JiraApi(state)
    items = [i for i in (api._item(*item) for item in _items) if i is not None]
    payload = {
        "timestamp": timefmt.epoch(_stamp(clock, when)) * 1000, "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_assigned", "user": api._user(author),
        "issue": api.render(t, now, set(NAVIGABLE) - {"comment"}, set()),
        "changelog": {"id": str(cid), "items": items},
    }
    delivery = str(int(hex_id(state.org.seed, "jira-delivery", n, 12), 16))
    return payload, {"X-Atlassian-Webhook-Identifier": delivery, "X-Atlassian-Webhook-Retry": "0",
                     "User-Agent": "Atlassian Webhook HTTP Client"}, delivery


def _zendesk(state: ServerState, n: int, clock: str, since: datetime):
    from sandbox.server.zendesk import ZendeskApi

    now = state.now
    best = None
    for t in state.org.zendesk.tickets:
        if t.created > now:
            continue
        for change in reversed(t.changes_until(now)):
            if any(f == "group" for f, _, _ in change[2]):
                if best is None or change[0] > best[1][0]:
                    best = (t, change)
                break
    if best is None or best[1][0] <= since:
        raise LookupError("no Zendesk group reassignment is visible in that window; advance the simulated clock")
    t, (when, author, items, _cid) = best
    api = ZendeskApi(state)
    ticket = api.ticket_json(t, now)
    old, new = next((o, v) for f, o, v in items if f == "group")
    groups = state.org.zendesk.groups
    stamp = timefmt.iso_z(_stamp(clock, when))
    event_id = str(uuid.UUID(hex=hex_id(state.org.seed, "zendesk-event", n), version=4))
    payload = {
        "account_id": 24680135, "detail": {
            "actor_id": str(api._agent_id(author)), "assignee_id": _s(ticket["assignee_id"]), "brand_id": str(ticket["brand_id"]),
            "created_at": ticket["created_at"], "custom_status": str(ticket["custom_status_id"]),
            "description": ticket["description"], "external_id": None, "form_id": str(ticket["ticket_form_id"]),
            "group_id": str(ticket["group_id"]), "id": str(t.id), "is_public": True,
            "organization_id": _s(ticket["organization_id"]), "priority": ticket["priority"].upper(),
            "requester_id": str(ticket["requester_id"]), "status": ticket["status"].upper(),
            "subject": ticket["subject"], "submitter_id": str(ticket["submitter_id"]), "tags": ticket["tags"],
            "type": ticket["type"].upper(), "updated_at": ticket["updated_at"], "via": {"channel": "web_service"}},
        "event": {"current": str(groups[new]), "previous": str(groups[old])},
        "id": event_id, "subject": f"zen:ticket:{t.id}", "time": stamp,
        "type": "zen:event-type:ticket.group_assignment_changed", "zendesk_event_version": "2022-11-06",
    }
    invocation = str(int(hex_id(state.org.seed, "zendesk-invocation", n, 12), 16))
    return payload, {"X-Zendesk-Webhook-Id": "01GSXKQW5H8T3SANDBOX0WEBHK", "X-Zendesk-Webhook-Invocation-Id": invocation,
                     "X-Zendesk-Webhook-Signature-Timestamp": stamp, "User-Agent": "Zendesk Webhook"}, invocation


def _github(state: ServerState, n: int, clock: str, since: datetime):
    from sandbox.server.github import GitHubApi

    api = GitHubApi(state)
    stamp = timefmt.iso_z(since) if since > datetime.min else ""
    seats = [s for s in api._seat_rows() if s.get("assigning_team") and s["created_at"] > stamp]
    if not seats:
        raise LookupError("no GitHub Copilot seat is visible yet; advance the simulated clock")
    seat = max(seats, key=lambda s: (s["created_at"], s["assignee"]["id"]))
    org = state.credentials.github_org
    payload = {
        "action": "added", "scope": "team",
        "member": {k: seat["assignee"][k] for k in ("login", "id", "node_id", "avatar_url", "type", "site_admin")},
        "sender": {"login": "acme-admin", "id": 4000001, "type": "User", "site_admin": False},
        "team": {k: seat["assigning_team"][k] for k in ("id", "name", "slug", "description", "privacy", "permission")},
        "organization": {"login": org, "id": 90210, "node_id": "MDEyOk9yZ2FuaXphdGlvbjkwMjEw"},
    }
    delivery = str(uuid.UUID(hex=hex_id(state.org.seed, "github-delivery", n), version=4))
    return payload, {"X-GitHub-Event": "membership", "X-GitHub-Delivery": delivery, "X-GitHub-Hook-ID": "512345678",
                     "X-GitHub-Hook-Installation-Target-Type": "organization",
                     "X-GitHub-Hook-Installation-Target-ID": "90210", "User-Agent": "GitHub-Hookshot/sandbox"}, delivery


def _typeform(state: ServerState, n: int, clock: str, since: datetime):
    from sandbox.server.typeform import TypeformApi
    from sandbox.surveys import TYPEFORM_FORM_ID

    api = TypeformApi(state)
    items = [i for i in api._items() if i["_at"] > since]
    if not items:
        raise LookupError("no Typeform response is visible yet; advance the simulated clock")
    item = {k: v for k, v in items[0].items() if k != "_at"}  # newest
    event_id = "01" + hex_id(state.org.seed, "typeform-event", n, 24).upper()
    payload = {"event_id": event_id, "event_type": "form_response", "form_response": {
        "form_id": TYPEFORM_FORM_ID, "token": item["token"], "landed_at": item["landed_at"],
        "submitted_at": item["submitted_at"], "hidden": item["hidden"], "calculated": item["calculated"],
        "variables": item["variables"],
        "definition": {"id": TYPEFORM_FORM_ID, "title": "Monthly AI pulse", "fields": api._fields(),
                       "hidden": ["department"]},
        "answers": item["answers"]}}
    return payload, {"User-Agent": "Typeform Webhooks"}, event_id


def _s(value) -> str | None:
    return None if value is None else str(value)

