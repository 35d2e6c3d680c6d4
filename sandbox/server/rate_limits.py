"""Each vendor's documented request limits, enforced by the sandbox when asked (off by default).

    SandboxServer(org, vendor_limits=True)             # the limits as documented
    SandboxServer(org, vendor_limits=True, limits_time_scale=0.01)  # windows 100x shorter (tests)

A request over a limit gets what the vendor sends: 429 with `Retry-After` (seconds until the oldest
request of the window leaves it) and the vendor's own rate-limit headers. Windows slide: a limit of
N per W seconds admits a request when fewer than N were admitted in the last W seconds. The
sources of each figure are in docs/rate_limits.md; where a vendor publishes no number (ServiceNow's
limits are rules each instance sets; OpenAI's admin endpoints; BambooHR) nothing is enforced.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    name: str  # what the vendor calls it
    pattern: str  # regular expression on the path under the vendor's prefix; a separate window per distinct match
    requests: int
    seconds: float


# source (fault-middleware name) -> limits; a request counts against every limit whose pattern it matches.
VENDOR_LIMITS: dict[str, tuple[Limit, ...]] = {
    "zendesk": (
        Limit("incremental exports", r"^/api/v2/incremental/", 10, 60),
        Limit("account, Enterprise plan", r"^/api/v2/", 700, 60),
    ),
    "jira": (
        # Atlassian publishes the mechanism (burst limits per tenant, endpoint and method), not the
        # number for API-token traffic; this is the figure its own 429 headers show (X-RateLimit-Limit).
        Limit("burst, per endpoint", r"^/rest/api/3/[a-z]+(?:/[a-z]+)?", 100, 1),
    ),
    "github": (
        Limit("primary, personal access token", r"^/(?:orgs|enterprises)/", 5000, 3600),
    ),
    "msgraph": (
        Limit("reports, per report API (CSV)", r"^/v1\.0/(?:copilot/)?reports/[A-Za-z0-9]+", 14, 600),
        Limit("reports, per report API (JSON, beta)", r"^/beta/(?:copilot/)?reports/[A-Za-z0-9]+", 100, 600),
        Limit("directory, large tenant (~2 resource units a list page)", r"^/v1\.0/(?:users|groups)", 4000, 10),
    ),
    "typeform": (Limit("per account", r"^/", 2, 1),),
    "qualtrics": (Limit("per brand", r"^/API/v3/", 3000, 60),),
}


@dataclass
class VendorLimits:
    """Sliding windows per (source, limit, matched path); thread-safe."""

    enabled: bool = False
    time_scale: float = 1.0  # < 1 shortens every window (tests); Retry-After shrinks with it
    clock: Callable[[], float] = time.monotonic
    table: dict[str, tuple[Limit, ...]] = field(default_factory=lambda: dict(VENDOR_LIMITS))
    throttled: dict[str, int] = field(default_factory=dict)  # source -> 429s sent
    _windows: dict[tuple, deque] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, source: str, path: str) -> tuple[Limit, float] | None:
        """None when the request may pass (and is counted); else the limit hit and the seconds to wait."""
        if not self.enabled:
            return None
        now = self.clock()
        hits = []
        for limit in self.table.get(source, ()):
            match = re.match(limit.pattern, path)
            if match:
                hits.append(((source, limit.name, match.group(0)), limit))
        with self._lock:
            for key, limit in hits:
                window = self._window(key, limit, now)
                if len(window) >= limit.requests:
                    self.throttled[source] = self.throttled.get(source, 0) + 1
                    return limit, window[0] + limit.seconds * self.time_scale - now
            for key, _ in hits:
                self._windows[key].append(now)
        return None

    def _window(self, key: tuple, limit: Limit, now: float) -> deque:
        window = self._windows.setdefault(key, deque())
        span = limit.seconds * self.time_scale
        while window and window[0] <= now - span:
            window.popleft()
        return window

    def retry_after(self, wait: float) -> str:
        """Whole seconds as vendors send them; fractions only when windows are scaled down (tests)."""
        if self.time_scale >= 1:
            return str(max(1, math.ceil(wait)))
        return f"{max(0.01, wait):.2f}"
