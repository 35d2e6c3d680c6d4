"""Turn new webhook inbox events into debounced, deduplicated incremental runs per source.

An event only says "something changed at this source": the run re-reads the source through its
connector's incremental cursor, so a burst of 1,000 events is worth one run, not 1,000.

Each evaluation reads the events past the cursor and groups them by source. A source is *ready*
once it has been quiet for `debounce_seconds` (no newer event) or its oldest waiting event has
waited `max_wait_seconds` (so a never-ending stream still gets runs). For each ready source the
sensor emits one `RunRequest` for that source's assets, with

- run key `webhook:<source>:<last seq covered>`: an event is covered by exactly one run key, and
  Dagster never launches two runs with the same key for this sensor;
- tags `archipelago/trigger=webhook`, `archipelago/source`, `archipelago/inbox_first_seq`,
  `archipelago/inbox_last_seq`, `archipelago/inbox_events`.

The cursor (JSON) holds `seq`, the low-water mark below which every event is handled (requested or
skipped), and `done`, per source the last sequence already requested. It only moves over what was
requested: a source still debouncing keeps the low-water mark below its first waiting event.
Events of a source with no target are skipped (counted in the skip reason).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster import (
    AssetKey,
    AssetSelection,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipelines.webhooks.inbox import InboxEvent, InboxReader
from pipelines.webhooks.signatures import REGISTRY_SOURCES

Target = AssetSelection | Sequence[AssetKey]


def selection_union(targets: Iterable[Target]) -> AssetSelection:
    """One selection covering every target (what a sensor may request)."""
    union: AssetSelection | None = None
    for target in targets:
        selection = target if isinstance(target, AssetSelection) else AssetSelection.assets(*target)
        union = selection if union is None else union | selection
    if union is None:
        raise ValueError("a sensor needs at least one target")
    return union

DEFAULT_DEBOUNCE_SECONDS = 30
DEFAULT_MAX_WAIT_SECONDS = 300
PAGE = 5_000
MAX_EVENTS_PER_EVALUATION = 100_000


@dataclass
class _Group:
    source: str
    first_seq: int
    last_seq: int
    first_received: float
    last_received: float
    count: int = 0


def _parse_cursor(cursor: str | None) -> tuple[int, dict[str, int]]:
    if not cursor:
        return 0, {}
    try:
        data = json.loads(cursor)
        return int(data.get("seq", 0)), {str(k): int(v) for k, v in (data.get("done") or {}).items()}
    except (ValueError, TypeError, AttributeError):
        # A bare integer cursor (set by hand: `dagster sensor cursor --set 123`) is a low-water mark.
        return int(cursor), {}


def _dump_cursor(seq: int, done: Mapping[str, int]) -> str:
    return json.dumps({"seq": seq, "done": {k: v for k, v in sorted(done.items()) if v > seq}}, sort_keys=True)


def _default_home() -> Path:
    return Path(os.environ.get("ARCHIPELAGO_HOME") or ".archipelago").expanduser().resolve()


@dataclass(frozen=True)
class Evaluation:
    run_requests: list[RunRequest]
    cursor: str
    waiting: dict[str, int]  # source -> events still debouncing
    skipped: dict[str, int]  # source -> events with no target


def plan(
    events: Sequence[InboxEvent],
    cursor: str | None,
    keys_for: Callable[[str], Sequence[AssetKey] | None],
    *,
    now: float,
    debounce_seconds: float,
    max_wait_seconds: float,
) -> Evaluation:
    """Pure decision: which sources to run for, and the next cursor. `events` are those after the
    cursor's low-water mark, in sequence order."""
    low, done = _parse_cursor(cursor)
    groups: dict[str, _Group] = {}
    skipped: dict[str, int] = {}
    last_read = low
    for e in events:
        last_read = max(last_read, e.seq)
        if e.seq <= done.get(e.source, 0):
            continue  # already requested by an earlier evaluation
        if keys_for(e.source) is None:
            skipped[e.source] = skipped.get(e.source, 0) + 1
            continue
        g = groups.get(e.source)
        if g is None:
            g = groups[e.source] = _Group(e.source, e.seq, e.seq, e.received_at, e.received_at)
        g.last_seq = e.seq
        g.first_received = min(g.first_received, e.received_at)
        g.last_received = max(g.last_received, e.received_at)
        g.count += 1

    requests: list[RunRequest] = []
    waiting: dict[str, int] = {}
    new_done = dict(done)
    pending_floor: int | None = None
    for g in sorted(groups.values(), key=lambda g: g.first_seq):
        quiet = now - g.last_received >= debounce_seconds
        overdue = now - g.first_received >= max_wait_seconds
        if not (quiet or overdue):
            waiting[g.source] = g.count
            pending_floor = g.first_seq if pending_floor is None else min(pending_floor, g.first_seq)
            continue
        keys = list(keys_for(g.source) or [])
        requests.append(
            RunRequest(
                run_key=f"webhook:{g.source}:{g.last_seq}",
                asset_selection=keys,
                tags={
                    "archipelago/trigger": "webhook",
                    "archipelago/source": g.source,
                    "archipelago/inbox_first_seq": str(g.first_seq),
                    "archipelago/inbox_last_seq": str(g.last_seq),
                    "archipelago/inbox_events": str(g.count),
                },
            )
        )
        new_done[g.source] = g.last_seq
    new_low = last_read if pending_floor is None else max(low, pending_floor - 1)
    return Evaluation(requests, _dump_cursor(new_low, new_done), waiting, skipped)


def build_inbox_sensor(
    targets: Mapping[str, Target],
    *,
    debounce_seconds: float = DEFAULT_DEBOUNCE_SECONDS,
    max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
    name: str = "webhook_inbox_sensor",
    home: Path | str | None = None,
    minimum_interval_seconds: int = 15,
    clock: Callable[[], float] = time.time,
    default_status=None,
) -> SensorDefinition:
    """A sensor over the webhook inbox.

    `targets` maps an inbox source (webhook endpoint: jira, zendesk, github, typeform) or its
    connector source name (`REGISTRY_SOURCES`: github -> github_copilot) to the assets an event of
    that source refreshes, e.g. `pipelines.assets.ingestion.source_asset_keys()` as is. Each target is
    an `AssetSelection` (resolved against the code location's
    asset graph) or a list of `AssetKey`s, e.g.
    `{"jira": AssetSelection.key_prefixes("raw_jira"), "github": AssetSelection.key_prefixes("raw_github_copilot")}`.
    `home` defaults to `$ARCHIPELAGO_HOME` read at evaluation time.
    """
    if not targets:
        raise ValueError("build_inbox_sensor needs at least one source -> assets target")
    union = selection_union(targets.values())

    extra = {} if default_status is None else {"default_status": default_status}

    @sensor(
        name=name,
        asset_selection=union,
        minimum_interval_seconds=minimum_interval_seconds,
        description=(
            "Requests one incremental run per source for new webhook events in the inbox "
            f"(debounce {debounce_seconds:g} s, max wait {max_wait_seconds:g} s)."
        ),
        **extra,
    )
    def _inbox_sensor(context: SensorEvaluationContext):
        root = Path(home) if home is not None else _default_home()
        reader = InboxReader.for_home(root)
        low, _ = _parse_cursor(context.cursor)
        events: list[InboxEvent] = []
        after = low
        while len(events) < MAX_EVENTS_PER_EVALUATION:
            page = reader.read_after(after, PAGE)
            events.extend(page)
            if len(page) < PAGE:
                break
            after = page[-1].seq

        resolved: dict[str, list[AssetKey] | None] = {}

        def keys_for(source: str) -> list[AssetKey] | None:
            if source not in resolved:
                # keyed by webhook endpoint ("github") or by registry source ("github_copilot")
                target = targets.get(source)
                if target is None:
                    target = targets.get(REGISTRY_SOURCES.get(source, source))
                if target is None:
                    resolved[source] = None
                elif isinstance(target, AssetSelection):
                    graph = context.repository_def.asset_graph
                    resolved[source] = sorted(target.resolve(graph), key=lambda k: k.to_user_string())
                else:
                    resolved[source] = list(target)
                if not resolved[source]:
                    resolved[source] = None  # an empty run request would mean "the whole job"
            return resolved[source]

        result = plan(
            events,
            context.cursor,
            keys_for,
            now=clock(),
            debounce_seconds=debounce_seconds,
            max_wait_seconds=max_wait_seconds,
        )
        if result.run_requests:
            return SensorResult(run_requests=result.run_requests, cursor=result.cursor)
        parts = []
        if not events:
            parts.append("no new webhook events")
        if result.waiting:
            parts.append("debouncing " + ", ".join(f"{s} ({n} events)" for s, n in sorted(result.waiting.items())))
        if result.skipped:
            parts.append("no target for " + ", ".join(f"{s} ({n} events)" for s, n in sorted(result.skipped.items())))
        return SensorResult(skip_reason=SkipReason("; ".join(parts) or "nothing to do"), cursor=result.cursor)

    return _inbox_sensor
