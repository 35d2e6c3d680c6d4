"""A ticket as a creation snapshot plus time-stamped changes, shared by Jira, Zendesk and ServiceNow.

The server shows every ticket as of its simulated "now": `state_at(now)` folds the changes made
up to then, so advancing the clock reveals later reassignments, resolutions and reopens exactly as
a vendor's incremental API would.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from typing import Any

# One change: (time, author employee index or None, ((field, from, to), ...), change id)
Change = tuple[datetime, "int | None", tuple[tuple[str, Any, Any], ...], int]
# One comment: (time, author employee index or None, body, public, comment id)
Comment = tuple[datetime, "int | None", str, bool, int]


_SCHEMAS: dict[tuple[str, ...], type] = {}


def _schema(names: tuple[str, ...]) -> type:
    """A tuple subclass read like a dict: one shared key index per ticket system.

    A 15-key dict per ticket costs ~650 bytes; this tuple ~180, which keeps 20,000 employees
    (half a million tickets) well under 2 GB.
    """
    if names not in _SCHEMAS:
        index = {k: i for i, k in enumerate(names)}

        class Fields(tuple):
            __slots__ = ()

            def __getitem__(self, name):
                return tuple.__getitem__(self, index[name])

            def get(self, name, default=None):
                return tuple.__getitem__(self, index[name]) if name in index else default

            def keys(self):
                return names

            def items(self):
                return zip(names, tuple.__iter__(self), strict=True)

        _SCHEMAS[names] = Fields
    return _SCHEMAS[names]


class Ticket:
    __slots__ = ("id", "key", "created", "fields", "changes", "comments", "_times", "extra")

    def __init__(self, id: int, key: str, created: datetime, fields: dict[str, Any]):
        self.id = id
        self.key = key
        self.created = created
        self.fields = _schema(tuple(fields))(fields.values())  # values at creation, read like a dict
        self.changes: list[Change] = []
        self.comments: list[Comment] = []
        self._times: list[datetime] | None = None
        self.extra: dict[str, Any] | None = None  # system-specific facts (story flags), where needed

    def add_change(self, when: datetime, author: int | None, items, change_id: int) -> None:
        self.changes.append((when, author, tuple(items), change_id))
        self._times = None

    def finish(self) -> None:
        """Sort changes and comments by time once generation is done."""
        self.changes.sort(key=lambda c: (c[0], c[3]))
        self.comments.sort(key=lambda c: (c[0], c[4]))
        self._times = [c[0] for c in self.changes]

    def changes_until(self, now: datetime) -> list[Change]:
        if self._times is None:
            self.finish()
        return self.changes[: bisect_right(self._times, now)]

    def comments_until(self, now: datetime) -> list[Comment]:
        return [c for c in self.comments if c[0] <= now]

    def state_at(self, now: datetime) -> dict[str, Any]:
        state = dict(self.fields.items())
        for _, _, items, _ in self.changes_until(now):
            for fieldname, _, to in items:
                state[fieldname] = to
        return state

    def updated_at(self, now: datetime) -> datetime:
        """Last change or comment at or before `now` (the creation time if none)."""
        last = self.created
        done = self.changes_until(now)
        if done:
            last = max(last, done[-1][0])
        for c in self.comments:
            if last < c[0] <= now:
                last = c[0]
        return last
