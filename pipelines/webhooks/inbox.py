"""The durable webhook inbox: `$ARCHIPELAGO_HOME/inbox/events.sqlite3`.

Why SQLite and not the warehouse: the pipeline holds `warehouse.duckdb` as its single writer, while
the receiver must write at any moment. SQLite (stdlib) in WAL mode with `synchronous=FULL` fsyncs
the write-ahead log on every commit, so once `append` returns the event survives a killed process
or a power cut, and the Dagster sensor can read concurrently from another process.

Appends are *group-committed*: callers on any thread hand their event to one writer thread, which
inserts everything queued in one transaction and fsyncs once, then wakes each caller with its
result. A caller (the HTTP handler) returns only after that commit, so a 2xx is never sent for an
event that is not on disk, and concurrent requests share one fsync instead of paying one each.

Each row: sequence number (monotonic), source, delivery id, event type, received_at, the vendor's
event time, and a small allow-listed summary (issue key, ticket id, ...). No body is kept unless
`keep_bodies=True` (debugging only; bodies can hold personal data). Replay detection is the unique
key (source, delivery_id), which persists across restarts, and outlives pruning: a pruned event
leaves its (source, delivery_id) in `delivered`, so a delivery without a vendor timestamp (Jira,
Typeform) cannot be replayed once its event is gone.
"""

from __future__ import annotations

import contextlib
import json
import queue
import sqlite3
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INBOX_DIRNAME = "inbox"
INBOX_FILENAME = "events.sqlite3"

_SCHEMA = """
create table if not exists events (
    seq integer primary key autoincrement,
    source text not null,
    delivery_id text not null,
    event_type text,
    received_at real not null,
    event_time real,
    summary text not null default '{}',
    body blob,
    unique (source, delivery_id)
)
"""
# Delivery ids of pruned events: a few bytes each, kept so that pruning never re-opens a replay.
_DELIVERED_SCHEMA = """
create table if not exists delivered (
    source text not null,
    delivery_id text not null,
    primary key (source, delivery_id)
) without rowid
"""


def inbox_path(home: Path | str) -> Path:
    return Path(home) / INBOX_DIRNAME / INBOX_FILENAME


@dataclass(frozen=True)
class InboxEvent:
    seq: int
    source: str
    delivery_id: str
    event_type: str | None
    received_at: float
    event_time: float | None
    summary: dict[str, Any]


@dataclass(frozen=True)
class AppendResult:
    seq: int | None  # the new event's sequence number; None when it was a duplicate
    duplicate: bool


@dataclass
class _Pending:
    source: str
    delivery_id: str
    event_type: str | None
    received_at: float
    event_time: float | None
    summary: str
    body: bytes | None
    future: Future


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma synchronous=full")
    conn.execute("pragma busy_timeout=30000")
    return conn


def _fsync_dir(path: Path) -> None:
    import os

    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Inbox:
    """Writer and reader of the inbox. Thread-safe; one writer thread per instance."""

    def __init__(self, path: Path | str, *, keep_bodies: bool = False, max_batch: int = 512):
        self.path = Path(path)
        self.keep_bodies = keep_bodies
        self._max_batch = max_batch
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = _connect(self.path)
        self._conn.execute(_SCHEMA)
        self._conn.execute(_DELIVERED_SCHEMA)
        self._conn.execute("create index if not exists events_received on events (received_at)")
        if created:
            _fsync_dir(self.path.parent)
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="inbox-writer", daemon=True)
        self._writer.start()
        # Reads use their own connection: the writer's may be inside an uncommitted transaction.
        self._rconn = _connect(self.path)
        self._read_lock = threading.Lock()

    @classmethod
    def for_home(cls, home: Path | str, **kwargs: Any) -> Inbox:
        return cls(inbox_path(home), **kwargs)

    # ------------------------------------------------------------------------------------ writing

    def append(
        self,
        source: str,
        delivery_id: str,
        event_type: str | None = None,
        *,
        summary: Mapping[str, Any] | None = None,
        event_time: float | None = None,
        body: bytes | None = None,
        received_at: float | None = None,
        timeout: float | None = 60.0,
    ) -> AppendResult:
        """Store one event durably (committed and fsynced) and return its sequence number, or
        report a duplicate (same source and delivery id already stored; nothing is written)."""
        if self._closed:
            raise RuntimeError("inbox is closed")
        pending = _Pending(
            source=source,
            delivery_id=delivery_id,
            event_type=event_type,
            received_at=time.time() if received_at is None else received_at,
            event_time=event_time,
            summary=json.dumps(dict(summary or {}), sort_keys=True, separators=(",", ":")),
            body=body if self.keep_bodies else None,
            future=Future(),
        )
        self._queue.put(pending)
        return pending.future.result(timeout=timeout)

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Pending]) -> None:
        results: list[AppendResult] = []
        try:
            self._conn.execute("begin immediate")
            for p in batch:
                cur = self._conn.execute(
                    "insert into events (source, delivery_id, event_type, received_at, event_time, summary, body)"
                    " select ?, ?, ?, ?, ?, ?, ? where not exists"
                    " (select 1 from delivered where source = ? and delivery_id = ?)"
                    " on conflict (source, delivery_id) do nothing",
                    (p.source, p.delivery_id, p.event_type, p.received_at, p.event_time, p.summary, p.body,
                     p.source, p.delivery_id),
                )
                if cur.rowcount == 1:
                    results.append(AppendResult(seq=cur.lastrowid, duplicate=False))
                else:
                    results.append(AppendResult(seq=None, duplicate=True))
            self._conn.execute("commit")
        except BaseException as exc:  # noqa: BLE001 - every waiting caller must hear about it
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("rollback")
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(exc)
            return
        for p, result in zip(batch, results, strict=True):
            p.future.set_result(result)

    def prune(self, retention_seconds: float, *, now: float | None = None) -> int:
        """Delete events received more than `retention_seconds` ago; returns how many.

        Sequence numbers are never reused (AUTOINCREMENT), so a sensor cursor stays valid. Pruned
        delivery ids still count as replays (table `delivered`). Keep the retention above any
        sensor outage you want bridged (the nightly refresh covers the rest)."""
        cutoff = (time.time() if now is None else now) - retention_seconds
        with self._read_lock:
            conn = _connect(self.path)
            try:
                with conn:
                    conn.execute(_DELIVERED_SCHEMA)
                    conn.execute("insert or ignore into delivered (source, delivery_id) "
                                 "select source, delivery_id from events where received_at < ?", (cutoff,))
                    cur = conn.execute("delete from events where received_at < ?", (cutoff,))
                return cur.rowcount
            finally:
                conn.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._writer.join(timeout=30)
        self._conn.close()
        self._rconn.close()

    def __enter__(self) -> Inbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------ reading

    def read_after(self, seq: int, limit: int = 1000) -> list[InboxEvent]:
        with self._read_lock:
            return _read_after(self._rconn, seq, limit)

    def last_seq(self) -> int:
        with self._read_lock:
            return _last_seq(self._rconn)

    def count(self) -> int:
        with self._read_lock:
            return self._rconn.execute("select count(*) from events").fetchone()[0]

    def seen(self, source: str, delivery_id: str) -> bool:
        with self._read_lock:
            row = self._rconn.execute(
                "select 1 from events where source = ? and delivery_id = ?", (source, delivery_id)
            ).fetchone()
        return row is not None


def _row(row: tuple) -> InboxEvent:
    return InboxEvent(
        seq=row[0],
        source=row[1],
        delivery_id=row[2],
        event_type=row[3],
        received_at=row[4],
        event_time=row[5],
        summary=json.loads(row[6] or "{}"),
    )


def _read_after(conn: sqlite3.Connection, seq: int, limit: int) -> list[InboxEvent]:
    rows = conn.execute(
        "select seq, source, delivery_id, event_type, received_at, event_time, summary"
        " from events where seq > ? order by seq limit ?",
        (int(seq), int(limit)),
    ).fetchall()
    return [_row(r) for r in rows]


def _last_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("select coalesce(max(seq), 0) from events").fetchone()[0]


class InboxReader:
    """Read-only access for the sensor (another process than the receiver). A missing inbox reads
    as empty; nothing is created."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @classmethod
    def for_home(cls, home: Path | str) -> InboxReader:
        return cls(inbox_path(home))

    def _conn(self) -> sqlite3.Connection | None:
        if not self.path.exists():
            return None
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        conn.execute("pragma busy_timeout=30000")
        return conn

    def read_after(self, seq: int, limit: int = 1000) -> list[InboxEvent]:
        conn = self._conn()
        if conn is None:
            return []
        try:
            return _read_after(conn, seq, limit)
        finally:
            conn.close()

    def last_seq(self) -> int:
        conn = self._conn()
        if conn is None:
            return 0
        try:
            return _last_seq(conn)
        finally:
            conn.close()


def read_after(home: Path | str, seq: int, limit: int = 1000) -> list[InboxEvent]:
    """Events with sequence number > `seq`, oldest first, at most `limit`."""
    return InboxReader.for_home(home).read_after(seq, limit)
