"""The inbox itself: replay ledger, ordering, pruning, no body unless asked."""

from __future__ import annotations

import sqlite3

from pipelines.webhooks.inbox import Inbox, InboxReader, read_after


def test_duplicates_and_order(tmp_path):
    with Inbox(tmp_path / "e.sqlite3") as inbox:
        a = inbox.append("jira", "d1", "x", summary={"issue_key": "A-1"})
        b = inbox.append("zendesk", "d1", "y")  # same id, other source: a different delivery
        c = inbox.append("jira", "d1", "x")
        assert (a.duplicate, b.duplicate, c.duplicate) == (False, False, True)
        assert b.seq > a.seq and c.seq is None
        assert [e.delivery_id for e in inbox.read_after(a.seq, 10)] == ["d1"]
        assert inbox.read_after(0, 1)[0].summary == {"issue_key": "A-1"}


def test_prune_keeps_sequence_numbers_growing(tmp_path):
    path = tmp_path / "e.sqlite3"
    with Inbox(path) as inbox:
        inbox.append("jira", "old", "x", received_at=1_000.0)
        last = inbox.append("jira", "new", "x", received_at=10_000.0).seq
        assert inbox.prune(5_000, now=10_000.0) == 1
        assert [e.delivery_id for e in inbox.read_after(0, 10)] == ["new"]
        assert inbox.append("jira", "newer", "x").seq == last + 1
        # a delivery without a vendor time, replayed after its event was pruned, is still a replay
        assert inbox.append("jira", "old", "x").duplicate
    with Inbox(path) as inbox:  # and stays one across restarts
        assert inbox.append("jira", "old", "x").duplicate and not inbox.append("typeform", "old", "x").duplicate
    assert InboxReader(path).last_seq() == last + 2


def test_bodies_are_not_kept_unless_asked(tmp_path):
    for keep, expected in ((False, None), (True, b'{"a":1}')):
        path = tmp_path / f"e-{keep}.sqlite3"
        with Inbox(path, keep_bodies=keep) as inbox:
            inbox.append("github", "d", "push", body=b'{"a":1}')
        assert sqlite3.connect(path).execute("select body from events").fetchone()[0] == expected


def test_reader_on_missing_inbox_is_empty(tmp_path):
    assert read_after(tmp_path, 0) == []
    assert not (tmp_path / "inbox").exists()


def test_serve_cli_options():
    from pipelines.webhooks.serve import parse_args

    args = parse_args(["serve", "--port", "9000", "--payload-tolerance-seconds", "off"])
    assert (args.host, args.port, args.payload_tolerance_seconds) == ("127.0.0.1", 9000, None)
    assert parse_args([]).port == 8787
