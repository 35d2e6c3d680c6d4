"""Fault injection per source, reproducible by seed and switchable at runtime.

    server.faults.set("jira", "rate_limit", every=3)           # every 3rd Jira request answers 429
    server.faults.set("zendesk", "server_error", every=4, burst=2)
    server.faults.set("github", "slow", every=1, delay=3.0)     # past a 2-second client timeout
    server.faults.set("servicenow", "malformed_record", every=2)
    server.faults.set("openai", "duplicate_record", every=1)   # a page repeats the previous page's last record
    server.faults.set("typeform", "unknown_field", every=1)
    server.faults.set("jira", "unknown_field", every=1, field_name="manager_name", field_value="Anouk Bos")
    server.faults.set("msgraph", "drop_connection", every=2)    # half the body, then the socket closes
    server.faults.clear("jira")

Request-level kinds (rate_limit, server_error, slow, drop_connection) count every request to the
source; record-level kinds (malformed_record, duplicate_record, unknown_field) count pages of
records. `every=N` fires on the N-th, 2N-th, ... counted event; `probability=p` fires at random from
a stream seeded by (seed, source, kind); `times=k` stops after k injections. `injected` logs what fired.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

REQUEST_KINDS = ("rate_limit", "server_error", "slow", "drop_connection")
RECORD_KINDS = ("malformed_record", "duplicate_record", "unknown_field")
KINDS = REQUEST_KINDS + RECORD_KINDS
SOURCES = ("jira", "zendesk", "servicenow", "github", "msgraph", "openai", "typeform", "qualtrics", "bamboohr")
UNKNOWN_FIELD = "x_sandbox_new_field"


@dataclass
class Rule:
    kind: str
    every: int | None = None
    probability: float | None = None
    times: int | None = None
    retry_after: int = 1  # rate_limit: seconds in Retry-After
    status: int = 503  # server_error: status code
    burst: int = 1  # server_error: consecutive failing requests once triggered
    delay: float = 5.0  # slow: seconds before the response starts
    field_name: str = UNKNOWN_FIELD  # unknown_field: the field added to every record of the page
    field_value: Any = None  # unknown_field: its value (default: a small object)
    counted: int = 0
    fired: int = 0
    burst_left: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def trigger(self) -> bool:
        if self.burst_left > 0:
            self.burst_left -= 1
            return True
        if self.times is not None and self.fired >= self.times:
            return False
        self.counted += 1
        hit = False
        if self.every is not None:
            hit = self.counted % self.every == 0
        elif self.probability is not None:
            hit = self.rng.random() < self.probability
        if hit:
            self.fired += 1
            self.burst_left = max(0, self.burst - 1) if self.kind == "server_error" else 0
        return hit


class Faults:
    def __init__(self, seed: int = 0):
        self._seed = seed
        self._rules: dict[tuple[str, str], Rule] = {}
        self._lock = threading.Lock()
        self.injected: list[tuple[str, str, str]] = []  # (source, kind, path)

    def set(self, source: str, kind: str, *, every: int | None = None, probability: float | None = None,
            times: int | None = None, **options: Any) -> None:
        if source not in SOURCES:
            raise ValueError(f"unknown fault source {source!r}; use one of {', '.join(SOURCES)}")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(KINDS)}")
        if (every is None) == (probability is None):
            raise ValueError("give exactly one of every=N (deterministic) or probability=p (seeded random)")
        if every is not None and every < 1:
            raise ValueError("every must be >= 1")
        rule = Rule(kind=kind, every=every, probability=probability, times=times,
                    rng=random.Random(f"{self._seed}:{source}:{kind}"), **options)
        with self._lock:
            self._rules[(source, kind)] = rule

    def clear(self, source: str | None = None, kind: str | None = None) -> None:
        with self._lock:
            for key in list(self._rules):
                if (source is None or key[0] == source) and (kind is None or key[1] == kind):
                    del self._rules[key]

    def count(self, source: str, kind: str) -> int:
        return sum(1 for s, k, _ in self.injected if s == source and k == kind)

    def request_fault(self, source: str, path: str) -> Rule | None:
        """The request-level fault to inject into this request, if any (first matching kind wins)."""
        with self._lock:
            for kind in REQUEST_KINDS:
                rule = self._rules.get((source, kind))
                if rule and rule.trigger():
                    self.injected.append((source, kind, path))
                    return rule
        return None

    def records(self, source: str, path: str, records: list[Any], previous: Any = None,
                id_key: str = "id", time_keys: tuple[str, ...] = ()) -> list[Any]:
        """Apply record-level faults to one page of records (dicts); returns the page to send."""
        with self._lock:
            rules = {k: r for (s, k), r in self._rules.items() if s == source and k in RECORD_KINDS}
            fired = [k for k, r in rules.items() if r.trigger()]
            for k in fired:
                self.injected.append((source, k, path))
        if not fired or not records:
            return records
        records = [dict(r) if isinstance(r, dict) else r for r in records]
        if "unknown_field" in fired:
            rule = rules["unknown_field"]
            value = rule.field_value if rule.field_value is not None else {
                "introduced": "2026-11", "note": "a field this connector has never seen"}
            for r in records:
                if isinstance(r, dict):
                    r[rule.field_name] = value
        if "malformed_record" in fired and isinstance(records[0], dict):
            bad = records[len(records) // 2]
            keys = [k for k in time_keys if k in bad]
            if keys:
                bad[keys[0]] = "not-a-timestamp"
            if id_key in bad:
                bad[id_key] = None
        if "duplicate_record" in fired:
            records.insert(0, previous if previous is not None else records[-1])
        return records
