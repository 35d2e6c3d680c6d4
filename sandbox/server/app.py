"""Assembles the vendor apps under one starlette application, each behind its fault middleware.

Every vendor lives under its own path prefix (its "host"): `/jira`, `/zendesk`, `/servicenow`,
`/github`, `/graph`, `/login` (Entra ID), `/openai`, `/typeform`, `/qualtrics`, `/bamboohr`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from sandbox.server import (
    bamboohr,
    github,
    jira,
    msgraph,
    openai_api,
    qualtrics,
    servicenow,
    typeform,
    zendesk,
)
from sandbox.server.faults import Rule
from sandbox.server.http import json_response
from sandbox.server.state import ServerState

# prefix -> (fault source, module)
MOUNTS = (
    ("/jira", "jira", jira),
    ("/zendesk", "zendesk", zendesk),
    ("/servicenow", "servicenow", servicenow),
    ("/github", "github", github),
    ("/graph", "msgraph", msgraph),
    ("/login", "msgraph", msgraph.login),
    ("/openai", "openai", openai_api),
    ("/typeform", "typeform", typeform),
    ("/qualtrics", "qualtrics", qualtrics),
    ("/bamboohr", "bamboohr", bamboohr),
)

# What each vendor says when it throttles (status 429 unless noted).
RATE_LIMIT_BODIES = {
    "jira": {"errorMessages": ["Rate limit exceeded."], "errors": {}},
    "zendesk": {"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"},
    "servicenow": {"error": {"message": "Rate limit exceeded",
                             "detail": "Rate limit of 10 requests per hour for Table API exceeded"}, "status": "failure"},
    "github": {"message": "API rate limit exceeded for user.", "documentation_url":
               "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"},
    "msgraph": {"error": {"code": "TooManyRequests", "message": "Too many requests."}},
    "openai": {"error": {"message": "Rate limit reached for requests", "type": "requests",
                         "param": None, "code": "rate_limit_exceeded"}},
    "typeform": {"code": "RATE_LIMIT_EXCEEDED", "description": "Too many requests"},
    "qualtrics": {"meta": {"httpStatus": "429 - Too Many Requests",
                           "error": {"errorMessage": "Too many requests", "errorCode": "RATE_LIMIT"}}},
    "bamboohr": {"error": "Too Many Requests"},
}


class FaultMiddleware:
    """Injects request-level faults for one source before (or instead of) the vendor app."""

    def __init__(self, app, source: str, state: ServerState):
        self.app, self.source, self.state = app, source, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, root = scope.get("path", ""), scope.get("root_path", "")
        over = self.state.limits.check(self.source, path[len(root):] if root and path.startswith(root) else path)
        if over is not None:
            limit, wait = over
            return await self._throttled(self.state.limits.retry_after(wait), limit.requests, scope, receive, send)
        rule = self.state.faults.request_fault(self.source, scope.get("path", ""))
        if rule is None:
            return await self.app(scope, receive, send)
        if rule.kind == "rate_limit":
            return await self._rate_limited(rule, scope, receive, send)
        if rule.kind == "server_error":
            body = {"error": "sandbox injected server error", "status": rule.status}
            return await json_response(body, rule.status, {"Retry-After": str(rule.retry_after)}
                                       if rule.status == 503 else None)(scope, receive, send)
        if rule.kind == "slow":
            await asyncio.sleep(rule.delay)
            return await self.app(scope, receive, send)
        if rule.kind == "drop_connection":
            return await self.app(scope, receive, _truncating(send))
        raise AssertionError(rule.kind)

    async def _rate_limited(self, rule: Rule, scope, receive, send):
        return await self._throttled(str(rule.retry_after), None, scope, receive, send)

    async def _throttled(self, retry_after: str, limit: int | None, scope, receive, send):
        """429 with Retry-After and the vendor's own rate-limit headers."""
        headers = {"Retry-After": retry_after}
        if self.source == "jira":
            reset = datetime.now(UTC) + timedelta(seconds=float(retry_after))
            headers.update({"X-RateLimit-Limit": str(limit or 100), "X-RateLimit-Remaining": "0",
                            "RateLimit-Reason": "jira-burst-based", "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ")})
        elif self.source == "github":
            headers.update({"x-ratelimit-limit": str(limit or 5000), "x-ratelimit-remaining": "0",
                            "x-ratelimit-resource": "core"})
        elif self.source == "zendesk":
            headers.update({"X-Rate-Limit": str(limit or 10), "X-Rate-Limit-Remaining": "0"})
        body = RATE_LIMIT_BODIES[self.source]
        return await json_response(body, 429, headers)(scope, receive, send)


def _truncating(send):
    """Wraps `send` so the client gets the headers (with the full Content-Length) and half the body."""
    state = {"length": None}

    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
            state["start"] = {**message, "headers": headers}
            return
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            full = len(body) + 1024  # announce more than we will send
            start = state.pop("start", None)
            if start is not None:
                start["headers"].append((b"content-length", str(full).encode()))
                await send(start)
            await send({"type": "http.response.body", "body": body[: max(1, len(body) // 2)], "more_body": True})
            raise ConnectionAbortedError("sandbox fault: connection dropped mid-body")

    return wrapped


class SimulatedDateMiddleware:
    """Every response's `Date` header tells the simulated time, as a vendor's clock would: clients
    that date their snapshots by the server (seats, licences, directory) then agree with the data."""

    def __init__(self, app, state: ServerState):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message):
            if message["type"] == "http.response.start":
                stamp = format_datetime(self.state.now.replace(tzinfo=UTC), usegmt=True).encode("latin-1")
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        await self.app(scope, receive, send_with_date)


def build_app(state: ServerState) -> SimulatedDateMiddleware:
    mounts = [Mount(prefix, app=FaultMiddleware(Starlette(routes=module.routes(state)), source, state))
              for prefix, source, module in MOUNTS]
    mounts.append(Route("/", lambda request: json_response(_index(state))))
    return SimulatedDateMiddleware(Starlette(routes=mounts), state)


def _index(state: ServerState) -> dict:
    return {"sandbox": "archipelago", "now": state.now.isoformat() + "Z",
            "vendors": [prefix.strip("/") for prefix, _, _ in MOUNTS],
            "employees": state.org.headcount, "seed": state.org.seed}

