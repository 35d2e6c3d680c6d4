"""The webhook receiver: a Starlette app, one endpoint per vendor, 2xx only once the event is on disk.

`POST /webhooks/{jira|zendesk|github|typeform}` and `GET /healthz`.

| situation                                                      | status |
|----------------------------------------------------------------|--------|
| event verified and durably stored (committed + fsynced)         | 200 `{"status": "stored", "seq": n}` |
| replay: (source, delivery id) already stored                    | 200 `{"status": "duplicate"}`, nothing stored |
| verified GitHub `ping` (sent when the hook is created)          | 200, nothing stored (it announces no change) |
| unknown source                                                  | 404 |
| no secret configured for the source                             | 503, message names the variable (e.g. `JIRA_WEBHOOK_SECRET`) |
| body larger than `max_body_bytes` (Content-Length or streamed)  | 413, checked before any byte is verified |
| signature header missing                                        | 401 |
| signature wrong                                                 | 401 |
| timestamp outside the window (stale)                            | 401 |
| signature valid but body not a JSON object / no delivery id     | 400 |
| Content-Length not a number                                     | 400 |
| inbox write failed                                              | 503 (the vendor retries) |

Why 200 for a replay, not 409: Jira retries a delivery answered 408/409/425/429/5xx and Typeform
retries most failures for hours, so a 409 to a legitimate retry (our 2xx got lost on the way back)
would trigger more retries. A replay is harmless: it changes nothing. Why 401 for stale, not 408:
408 tells both vendors to retry the same stale request.

Logs carry source, delivery id, status and a short reason. Never a secret, signature or body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pipelines.webhooks.inbox import Inbox
from pipelines.webhooks.signatures import (
    DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
    DEFAULT_TOLERANCE_SECONDS,
    SECRET_VARIABLES,
    VERIFIERS,
    WebhookRejected,
)

log = logging.getLogger("archipelago.webhooks")

DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # 1 MiB: Jira and GitHub payloads are tens of kB


# Verified deliveries that announce no change at the source: acknowledged, not stored (no run).
_NOT_CHANGES = {("github", "ping")}


class _TooLarge(Exception):
    pass


def _safe(value: str | None, limit: int = 80) -> str:
    """A header value fit for a log line: printable, short (it is not yet authenticated)."""
    if not value:
        return "-"
    return "".join(c if c.isprintable() and c not in " \"'" else "?" for c in value[:limit])


def _delivery_hint(source: str, headers: Mapping[str, str]) -> str | None:
    name = {
        "jira": "x-atlassian-webhook-identifier",
        "zendesk": "x-zendesk-webhook-invocation-id",
        "github": "x-github-delivery",
    }.get(source)
    return headers.get(name) if name else None


async def _read_limited(request: Request, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    inbox: Inbox,
    secrets: Mapping[str, str | None],
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    payload_tolerance_seconds: float | None = DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
    clock=time.time,
) -> Starlette:
    """Build the receiver. `secrets` maps source -> shared secret (None/empty: not configured)."""

    def answer(source: str, delivery: str | None, status: int, reason: str, **extra) -> JSONResponse:
        level = logging.INFO if status < 400 else logging.WARNING
        log.log(level, "webhook source=%s delivery=%s status=%d reason=%s", source, _safe(delivery), status, reason)
        return JSONResponse({"status": reason if status < 400 else "rejected", "reason": reason, **extra}, status)

    async def receive(request: Request) -> JSONResponse:
        source = request.path_params["source"]
        if source not in VERIFIERS:
            return answer(_safe(source, 40), None, 404, "unknown source")
        hint = _delivery_hint(source, request.headers)
        secret = secrets.get(source)
        if not secret:
            return answer(source, hint, 503, f"{SECRET_VARIABLES[source]} is not set: webhook secret not configured")
        length = request.headers.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return answer(source, hint, 400, "Content-Length is not a number")
            if declared > max_body_bytes:
                return answer(source, hint, 413, f"body larger than {max_body_bytes} bytes")
        try:
            body = await _read_limited(request, max_body_bytes)
        except _TooLarge:
            return answer(source, hint, 413, f"body larger than {max_body_bytes} bytes")
        try:
            event = VERIFIERS[source](
                request.headers,
                body,
                secret,
                now=clock(),
                tolerance_seconds=tolerance_seconds,
                payload_tolerance_seconds=payload_tolerance_seconds,
            )
        except WebhookRejected as exc:
            return answer(source, hint, exc.status, exc.reason)
        if (source, event.event_type) in _NOT_CHANGES:
            return answer(source, event.delivery_id, 200, "not a change: not stored")
        try:
            result = await run_in_threadpool(
                inbox.append,
                event.source,
                event.delivery_id,
                event.event_type,
                summary=event.summary,
                event_time=event.event_time,
                body=body,
            )
        except Exception as exc:  # noqa: BLE001 - the vendor must retry; say why without details
            return answer(source, event.delivery_id, 503, f"inbox write failed ({type(exc).__name__})")
        if result.duplicate:
            return answer(source, event.delivery_id, 200, "duplicate")
        return answer(source, event.delivery_id, 200, "stored", seq=result.seq)

    async def healthz(request: Request) -> JSONResponse:
        configured = sorted(s for s in VERIFIERS if secrets.get(s))
        return JSONResponse({"status": "ok", "configured_sources": configured})

    routes = [
        Route("/webhooks/{source}", receive, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.inbox = inbox
    return app
