"""Verify each vendor's webhook signature, then extract a small, PII-free summary of the event.

Every verifier takes the request headers (any case), the raw body bytes exactly as received and the
shared secret, checks the signature in constant time *before* parsing the body, and returns a
`VerifiedEvent`. Failures raise a `WebhookRejected` subclass carrying the HTTP status the receiver
answers with (see `pipelines/webhooks/app.py` for the status table).

Schemes (vendor documentation, checked 2026-11):

| vendor   | signature header                              | signed bytes          | encoding          | delivery id                         | freshness |
|----------|-----------------------------------------------|-----------------------|-------------------|-------------------------------------|-----------|
| Jira     | `X-Hub-Signature: sha256=<hex>` (admin webhooks with a secret, WebSub `method=signature`) | raw body | hex | header `X-Atlassian-Webhook-Identifier` (stable across retries) | payload `timestamp` (epoch ms, event time) |
| Zendesk  | `X-Zendesk-Webhook-Signature: <base64>`        | timestamp + raw body  | base64            | header `X-Zendesk-Webhook-Invocation-Id` (fallback: payload `id`) | header `X-Zendesk-Webhook-Signature-Timestamp` (signed) |
| GitHub   | `X-Hub-Signature-256: sha256=<hex>`            | raw body              | hex               | header `X-GitHub-Delivery` (kept on redelivery) | none: replay protection only |
| Typeform | `Typeform-Signature: sha256=<base64>`          | raw body              | base64            | payload `event_id`                  | payload `form_response.submitted_at` (event time) |

Freshness. Only Zendesk signs a send-time timestamp; it must lie within `tolerance_seconds`
(default 300 s) of our clock. Jira and Typeform carry an *event* time in the signed payload, not a
send time, and both vendors retry failed deliveries for hours (Typeform up to ~10 h), so that time
is checked against the wider `payload_tolerance_seconds` (default 24 h): a captured delivery older
than that is refused as stale, a younger one is caught by its delivery id, which the inbox keeps
forever (`payload_tolerance_seconds=None` turns this payload check off, e.g. for a sandbox whose
simulated event times lie in the past). GitHub sends no timestamp at all: replay protection
(delivery id) is its only defence.

Only allow-listed identifiers go into the summary (issue key, ticket id, form id, repository...):
never e-mails, names, answers or the body itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TOLERANCE_SECONDS = 300
DEFAULT_PAYLOAD_TOLERANCE_SECONDS = 24 * 3600
_MAX_ID_LENGTH = 200
_MAX_SUMMARY_VALUE = 200


class WebhookRejected(Exception):
    """A request the receiver refuses. `reason` is safe to log: it never contains secret or body."""

    status = 400

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class MissingSignature(WebhookRejected):
    status = 401


class InvalidSignature(WebhookRejected):
    status = 401


class StaleRequest(WebhookRejected):
    # 401, not 408: a 408 makes Jira and Typeform retry the very same stale delivery for hours.
    status = 401


class MalformedRequest(WebhookRejected):
    status = 400


@dataclass(frozen=True)
class VerifiedEvent:
    source: str
    delivery_id: str
    event_type: str | None
    event_time: float | None  # epoch seconds, when the vendor says when the event happened
    summary: dict[str, str | int] = field(default_factory=dict)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _check_prefixed(header_value: str | None, header_name: str, expected: bytes, *, encoding: str) -> None:
    """Compare `sha256=<digest>` against `expected` (raw digest bytes) in constant time."""
    if header_value is None or not header_value.strip():
        raise MissingSignature(f"missing {header_name} header")
    scheme, sep, value = header_value.strip().partition("=")
    if not sep or scheme.strip().lower() != "sha256":
        raise InvalidSignature(f"{header_name} is not of the form sha256=<digest>")
    _compare(value.strip(), expected, header_name, encoding=encoding)


def _compare(given: str, expected: bytes, header_name: str, *, encoding: str) -> None:
    if encoding == "hex":
        calculated = expected.hex()
        given = given.lower()
    else:
        calculated = base64.b64encode(expected).decode("ascii")
    # compare_digest on equal-type ASCII strings is constant-time in their contents.
    if not given.isascii() or not hmac.compare_digest(given.encode("ascii"), calculated.encode("ascii")):
        raise InvalidSignature(f"{header_name} does not match the body")


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRequest(f"body is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(payload, dict):
        raise MalformedRequest("body is not a JSON object")
    return payload


def _clean_id(value: Any, what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MalformedRequest(f"missing {what}")
    text = str(value).strip()
    if len(text) > _MAX_ID_LENGTH or not text.isprintable():
        raise MalformedRequest(f"{what} is not a short printable identifier")
    return text


def _dig(payload: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(payload, dict):
            return None
        payload = payload.get(key)
    return payload


def _summary(**values: Any) -> dict[str, str | int]:
    out: dict[str, str | int] = {}
    for key, value in values.items():
        if value is None or isinstance(value, (dict, list)):
            continue
        if isinstance(value, bool):
            value = str(value).lower()
        if isinstance(value, int):
            out[key] = value
        else:
            out[key] = str(value)[:_MAX_SUMMARY_VALUE]
    return out


def _parse_time(value: Any) -> float | None:
    """Epoch seconds from an ISO 8601 string or an epoch number (seconds or milliseconds)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.timestamp()
    return number / 1000.0 if number > 1e11 else number


def _check_fresh(event_time: float | None, now: float, tolerance: float | None, what: str) -> None:
    if event_time is None or tolerance is None:
        return
    if abs(now - event_time) > tolerance:
        raise StaleRequest(f"{what} is outside the {int(tolerance)} s window")


# --------------------------------------------------------------------------------------------- Jira


def verify_jira(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    payload_tolerance_seconds: float | None = DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
) -> VerifiedEvent:
    h = _lower(headers)
    _check_prefixed(h.get("x-hub-signature"), "X-Hub-Signature", _hmac(secret, body), encoding="hex")
    payload = _json(body)
    delivery = _clean_id(h.get("x-atlassian-webhook-identifier"), "X-Atlassian-Webhook-Identifier header")
    event_time = _parse_time(payload.get("timestamp"))
    _check_fresh(event_time, time.time() if now is None else now, payload_tolerance_seconds, "payload timestamp")
    issue = payload.get("issue") if isinstance(payload.get("issue"), dict) else {}
    return VerifiedEvent(
        source="jira",
        delivery_id=delivery,
        event_type=_opt_str(payload.get("webhookEvent")),
        event_time=event_time,
        summary=_summary(
            issue_key=issue.get("key"),
            issue_id=issue.get("id"),
            project_key=_dig(issue, "fields", "project", "key"),
            issue_event_type=payload.get("issue_event_type_name"),
        ),
    )


def sign_jira(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Hub-Signature": "sha256=" + _hmac(secret, body).hex()}


# ------------------------------------------------------------------------------------------ Zendesk


def verify_zendesk(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    payload_tolerance_seconds: float | None = DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
) -> VerifiedEvent:
    h = _lower(headers)
    signature = h.get("x-zendesk-webhook-signature")
    timestamp = h.get("x-zendesk-webhook-signature-timestamp")
    if not signature or not signature.strip():
        raise MissingSignature("missing X-Zendesk-Webhook-Signature header")
    if not timestamp or not timestamp.strip():
        raise MissingSignature("missing X-Zendesk-Webhook-Signature-Timestamp header")
    _compare(
        signature.strip(),
        _hmac(secret, timestamp.encode("utf-8") + body),
        "X-Zendesk-Webhook-Signature",
        encoding="base64",
    )
    sent_at = _parse_time(timestamp)
    if sent_at is None:
        raise MalformedRequest("X-Zendesk-Webhook-Signature-Timestamp is not a timestamp")
    _check_fresh(sent_at, time.time() if now is None else now, tolerance_seconds, "signature timestamp")
    payload = _json(body)
    invocation = h.get("x-zendesk-webhook-invocation-id") or payload.get("id")
    delivery = _clean_id(invocation, "X-Zendesk-Webhook-Invocation-Id header (or payload id)")
    event_type = _opt_str(payload.get("type"))
    detail = payload.get("detail") if isinstance(payload.get("detail"), dict) else {}
    ticket_id = payload.get("ticket_id") or _dig(payload, "ticket", "id")
    if ticket_id is None and event_type and "ticket" in event_type:
        ticket_id = detail.get("id")
    return VerifiedEvent(
        source="zendesk",
        delivery_id=delivery,
        event_type=event_type,
        event_time=sent_at,
        summary=_summary(ticket_id=ticket_id, webhook_id=h.get("x-zendesk-webhook-id")),
    )


def sign_zendesk(body: bytes, secret: str, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = _hmac(secret, ts.encode("utf-8") + body)
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode("ascii"),
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
    }


# ------------------------------------------------------------------------------------------- GitHub


def verify_github(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    payload_tolerance_seconds: float | None = DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
) -> VerifiedEvent:
    h = _lower(headers)
    _check_prefixed(h.get("x-hub-signature-256"), "X-Hub-Signature-256", _hmac(secret, body), encoding="hex")
    delivery = _clean_id(h.get("x-github-delivery"), "X-GitHub-Delivery header")
    payload = _json(body)
    return VerifiedEvent(
        source="github",
        delivery_id=delivery,
        event_type=_opt_str(h.get("x-github-event")),
        event_time=None,
        summary=_summary(
            action=payload.get("action"),
            organization=_dig(payload, "organization", "login"),
            repository=_dig(payload, "repository", "full_name"),
        ),
    )


def sign_github(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + _hmac(secret, body).hex()}


# ----------------------------------------------------------------------------------------- Typeform


def verify_typeform(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    payload_tolerance_seconds: float | None = DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
) -> VerifiedEvent:
    h = _lower(headers)
    _check_prefixed(h.get("typeform-signature"), "Typeform-Signature", _hmac(secret, body), encoding="base64")
    payload = _json(body)
    delivery = _clean_id(payload.get("event_id"), "payload event_id")
    response = payload.get("form_response") if isinstance(payload.get("form_response"), dict) else {}
    event_time = _parse_time(response.get("submitted_at"))
    _check_fresh(event_time, time.time() if now is None else now, payload_tolerance_seconds, "form_response.submitted_at")
    return VerifiedEvent(
        source="typeform",
        delivery_id=delivery,
        event_type=_opt_str(payload.get("event_type")),
        event_time=event_time,
        summary=_summary(form_id=response.get("form_id"), response_token=response.get("token")),
    )


def sign_typeform(body: bytes, secret: str) -> dict[str, str]:
    return {"Typeform-Signature": "sha256=" + base64.b64encode(_hmac(secret, body)).decode("ascii")}


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:_MAX_SUMMARY_VALUE]


Verifier = Callable[..., VerifiedEvent]

VERIFIERS: dict[str, Verifier] = {
    "jira": verify_jira,
    "zendesk": verify_zendesk,
    "github": verify_github,
    "typeform": verify_typeform,
}

SIGNERS: dict[str, Callable[..., dict[str, str]]] = {
    "jira": sign_jira,
    "zendesk": sign_zendesk,
    "github": sign_github,
    "typeform": sign_typeform,
}

# The variable that holds each endpoint's secret (docs/configuration.md, "Webhooks").
SECRET_VARIABLES: dict[str, str] = {
    "jira": "JIRA_WEBHOOK_SECRET",
    "zendesk": "ZENDESK_WEBHOOK_SECRET",
    "github": "GITHUB_WEBHOOK_SECRET",
    "typeform": "TYPEFORM_WEBHOOK_SECRET",
}

# Webhook endpoint -> connector source (connectors/registry.py) whose assets an event refreshes.
REGISTRY_SOURCES: dict[str, str] = {
    "jira": "jira",
    "zendesk": "zendesk",
    "github": "github_copilot",
    "typeform": "typeform",
}


def secrets_from_env(env: Mapping[str, str]) -> dict[str, str | None]:
    """Each endpoint's secret from `env`, None where the variable is unset or blank."""
    return {source: (env.get(var) or "").strip() or None for source, var in SECRET_VARIABLES.items()}
