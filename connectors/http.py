"""One HTTP client per source: timeouts, retries with backoff, clear errors, no secrets in text.

Every connector talks to its vendor through a `SourceHttpClient`, so retry and error behaviour
(the design rule: a failed call names source, endpoint and attempts, never a secret) is written once:

- every call has a (connect, read) timeout;
- 429, 5xx, connection errors, timeouts and bodies cut mid-stream are retried with exponential
  backoff and full jitter, honouring `Retry-After` (seconds or an HTTP date, capped);
- 401/403 raise `SourceAuthError` at once, naming the source and the variables to fix;
- other 4xx raise `SourceStatusError` at once (callers may catch e.g. a 404);
- when retries run out, `SourceRequestError` names source, endpoint (path only) and attempts;
- a connection refused before the host ever answered fails after a second attempt with
  `SourceUnreachableError`, naming host, port and the base URL variable: seconds, not minutes.

Credentials are sent only to the base URL's origin (a signed download link on another host gets
no Authorization header), and every known secret is replaced by `***` in logs and error text.
"""

from __future__ import annotations

import email.utils
import http.client
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import orjson
import requests
from requests.adapters import HTTPAdapter

from connectors.errors import ConfigError, SourceAuthError, SourceRequestError, SourceUnreachableError

log = logging.getLogger("connectors.http")


class _QueryRedactingFilter(logging.Filter):
    """urllib3 logs request lines (path and query) at DEBUG: drop query strings, which may carry
    signatures or tokens, should anyone turn that logger on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                a.split("?", 1)[0] + "?<redacted>" if isinstance(a, str) and "?" in a else a for a in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_QueryRedactingFilter())

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504}) | frozenset(range(505, 600))
# Query parameter names whose values are secrets (signed URLs, API keys in the query string).
_SECRET_PARAM_MARKERS = ("sig", "token", "key", "secret", "password", "passwd", "auth", "credential", "code", "x-amz-")
_SECRET_HEADER_NAMES = frozenset({"authorization", "proxy-authorization", "x-api-token", "x-api-key", "api-key", "cookie"})
_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,  # includes ConnectTimeout
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # body cut mid-stream (also a short Content-Length body)
    requests.exceptions.ContentDecodingError,
    http.client.IncompleteRead,
)


class SourceStatusError(SourceRequestError):
    """The source answered with a non-retryable status (4xx other than 401/403)."""

    def __init__(self, message: str, status: int, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        # e.g. a vendor's error header, for the connector to read (names are case-insensitive)
        self.headers = requests.structures.CaseInsensitiveDict(headers or {})


class _RetryableBody(Exception):
    """A 2xx response whose body could not be parsed: most likely cut in transit."""


def is_secret_param(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in _SECRET_PARAM_MARKERS)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if unusable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return parts.scheme.lower(), f"{host}:{port}"


class SourceHttpClient:
    """A `requests.Session` for one source with timeouts, retries and redacted errors."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        auth: requests.auth.AuthBase | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        credential_variables: tuple[str, ...] = (),
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_max: float = 300.0,
        max_rate_limit_waits: int = 1000,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        secrets: Iterable[str] = (),
        url_variable: str | None = None,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.auth = requests.auth.HTTPBasicAuth(*auth) if isinstance(auth, tuple) else auth
        self.headers = {"Accept": "application/json", **dict(headers or {})}
        self.credential_variables = tuple(credential_variables)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        # A 429 with Retry-After is the vendor pacing us, not a failure: waiting it out does not use
        # up the attempts (a first backfill under a 10-a-minute limit meets hundreds of them).
        self.max_rate_limit_waits = max_rate_limit_waits
        self._sleep = sleep
        self._jitter = jitter
        self._origin = _origin(self.base_url)
        self.url_variable = url_variable
        self._answered = False  # has the host ever answered? (then a refused connection is transient)
        if session is None:
            session = requests.Session()
            # We retry ourselves; urllib3 must not retry behind our back.
            adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=8)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session
        self._secrets: set[str] = {s for s in secrets if s}
        self._collect_secrets()
        # Counters for tests, logs and benchmarks.
        self.requests_sent = 0
        self.retries = 0
        self.slept = 0.0
        self.rate_limited = 0  # 429s (or GitHub's rate-limit 403s) waited out per Retry-After

    # ----------------------------------------------------------------- public API

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        response, _ = self._call(method, path_or_url, params, json, data, headers, stream, parse=None)
        return response

    def get(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path_or_url, **kwargs)

    def post(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path_or_url, **kwargs)

    def request_json(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[requests.Response, Any]:
        """Like `request`, and parse the body as JSON, retrying when the body is cut mid-stream."""
        return self._call(method, path_or_url, params, json, data, headers, False, parse=_parse_json)

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self.request_json("GET", path_or_url, **kwargs)[1]

    def post_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self.request_json("POST", path_or_url, **kwargs)[1]

    def url_for(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def redact(self, text: str) -> str:
        """Replace every secret this client knows by `***`."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def endpoint(self, url: str) -> str:
        """What errors name: the path only, without query string (signatures, tokens) or userinfo."""
        return self.redact(urlsplit(url).path or "/")

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SourceHttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- internals

    def _collect_secrets(self) -> None:
        auth = self.auth
        if isinstance(auth, requests.auth.HTTPBasicAuth):
            for part in (auth.username, auth.password):
                if isinstance(part, bytes):
                    part = part.decode("latin1")
                if part and len(part) >= 4:
                    self._secrets.add(part)
        for name, value in self.headers.items():
            if name.lower() in _SECRET_HEADER_NAMES and value:
                self._secrets.add(value)
                self._secrets.add(value.split(" ", 1)[-1])  # the token without its scheme

    def add_secret(self, value: str | None) -> None:
        """Register a value (e.g. a freshly issued token) that must never appear in text."""
        if value:
            self._secrets.add(value)

    def _log_url(self, url: str) -> str:
        parts = urlsplit(url)
        query = urlencode(
            [(k, "***" if is_secret_param(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        )
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return self.redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        # Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^n)].
        return self._jitter() * min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))

    def _call(
        self,
        method: str,
        path_or_url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Any,
        headers: Mapping[str, str] | None,
        stream: bool,
        parse: Callable[[requests.Response], Any] | None,
    ) -> tuple[requests.Response, Any]:
        url = self.url_for(path_or_url)
        for name, value in (params or {}).items():
            if is_secret_param(str(name)) and isinstance(value, str):
                self.add_secret(value)
        for name, value in parse_qsl(urlsplit(url).query):
            if is_secret_param(name):
                self.add_secret(value)
        same_origin = _origin(url) == self._origin
        send_headers = dict(self.headers)
        if not same_origin:
            send_headers = {k: v for k, v in send_headers.items() if k.lower() not in _SECRET_HEADER_NAMES}
        send_headers.update(headers or {})
        endpoint = self.endpoint(url)
        last_problem = "no attempt made"
        reauthenticated = False
        attempt = waits = 0
        while attempt < self.max_attempts:
            attempt += 1
            retry_after: float | None = None
            self.requests_sent += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers=send_headers,
                    auth=self.auth if same_origin else None,
                    timeout=self.timeout,
                    stream=stream,
                    allow_redirects=True,
                )
            except _TRANSIENT_ERRORS as exc:
                last_problem = type(exc).__name__
                if not self._answered and _is_refused(exc) and attempt >= min(2, self.max_attempts):
                    raise self._unreachable(url) from None
            else:
                self._answered = True
                status = response.status_code
                if status in (401, 403) and not self._is_rate_limit(response):
                    invalidate = getattr(self.auth, "invalidate", None)
                    if status == 401 and same_origin and callable(invalidate) and not reauthenticated:
                        # An expired bearer token: fetch a fresh one once before giving up.
                        invalidate()
                        reauthenticated = True
                        attempt -= 1
                        response.close()
                        continue
                    detail = self._error_detail(response)
                    response.close()
                    raise SourceAuthError(self._auth_message(method, endpoint, status) + detail)
                if status in RETRY_STATUSES or (status in (401, 403)):
                    last_problem = f"HTTP {status}"
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if status in (429, 403) and retry_after is not None and waits < self.max_rate_limit_waits:
                        waits += 1
                        self.rate_limited += 1
                        attempt -= 1  # paced by the vendor: wait as told, keep every attempt
                    response.close()
                elif status >= 400:
                    detail = self._error_detail(response)
                    response.close()
                    raise SourceStatusError(
                        f"{self.source}: {method} {endpoint} answered HTTP {status}{detail}", status,
                        {k: self.redact(v) for k, v in response.headers.items()},
                    )
                else:
                    if parse is None:
                        return response, None
                    try:
                        return response, parse(response)
                    except _RetryableBody:
                        last_problem = "unparseable (truncated?) response body"
                    except _TRANSIENT_ERRORS as exc:
                        last_problem = type(exc).__name__
            if attempt >= self.max_attempts:
                break
            wait = self._backoff(attempt, retry_after)
            self.retries += 1
            self.slept += wait
            log.warning(
                "%s: %s %s failed (%s), attempt %d/%d, retrying in %.2f s",
                self.source, method, self._log_url(url), last_problem, attempt, self.max_attempts, wait,
            )
            self._sleep(wait)
        raise SourceRequestError(
            f"{self.source}: {method} {endpoint} failed after {attempt} attempt"
            f"{'s' if attempt != 1 else ''}; last problem: {self.redact(last_problem)}"
        ) from None

    def _unreachable(self, url: str) -> SourceUnreachableError:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        variable = f"; check {self.url_variable}" if self.url_variable else "; check the source's base URL"
        return SourceUnreachableError(
            f"{self.source}: cannot connect to {parts.hostname}:{port} (connection refused){variable} "
            "and that the service is running."
        )

    @staticmethod
    def _is_rate_limit(response: requests.Response) -> bool:
        # GitHub signals rate limits with 403 + Retry-After or x-ratelimit-remaining: 0.
        headers = response.headers
        return response.status_code == 403 and (
            "Retry-After" in headers or headers.get("x-ratelimit-remaining") == "0"
        )

    def _auth_message(self, method: str, endpoint: str, status: int) -> str:
        what = "rejected the credentials" if status == 401 else "refused access (missing permission or scope)"
        fix = (
            f"check {', '.join(self.credential_variables)}"
            if self.credential_variables
            else "check the source's credentials"
        )
        return f"{self.source}: {method} {endpoint} answered HTTP {status}: the source {what}; {fix}. Source said"

    def _error_detail(self, response: requests.Response) -> str:
        """A short, redacted excerpt of the vendor's error body (its message says what to fix)."""
        try:
            text = response.text[:300].strip()
        except Exception:  # noqa: BLE001 - the detail is a courtesy, never a second failure
            return ""
        return f": {self.redact(' '.join(text.split()))}" if text else ": (empty body)"


def _parse_json(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        if response.status_code == 204:
            return None
        raise _RetryableBody()
    try:
        # JSON is UTF-8 (RFC 8259): decode the bytes directly, without requests' charset sniffing.
        return orjson.loads(response.content)
    except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
        raise _RetryableBody() from exc


def server_date(response: requests.Response) -> datetime | None:
    """The source's own clock (`Date` header) as an aware UTC datetime, if it sent a valid one.

    Snapshots are dated by the source's clock rather than ours, so a source whose day differs
    (a sandbox replaying the past, or a skewed host) dates them consistently with its records.
    """
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _is_refused(exc: BaseException) -> bool:
    """Whether a connection error is a refused TCP connection (nothing listens on that port)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ConnectionRefusedError):
            return True
        nested = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = getattr(exc, "reason", None) or nested or exc.__cause__ or exc.__context__
    return False


def checked_base_url(value: str, variable: str) -> str:
    """A base URL from the environment, or a `ConfigError` naming the variable."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{variable}={value!r} is not an http(s) URL; set it to e.g. https://acme.example.com.")
    if parts.username or parts.password:
        raise ConfigError(f"{variable} must not carry credentials; set them in their own variables.")
    return value.strip().rstrip("/")


def resolve_url(base: str, link: str) -> str:
    """Absolute URL of a possibly relative link found in a response."""
    return urljoin(base, link)
