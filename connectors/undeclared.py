"""Fields a source sends that its connector does not declare: reported by name, landed only on purpose.

A vendor adds a field to its API, or an export gains a column: the run goes on, but the values do not
land, since an unknown field may carry a name or an address. The field's name (never its value) is
listed in the run log and `archipelago status` (`Batch.unknown_fields` -> `meta.unknown_fields`). A
user who wants the values names the field in the source's allow-list (`<SOURCE>_EXTRA_FIELDS` for an
API source, `<SOURCE>_EXTRA_COLUMNS` for a CSV export); they then land in the row's `_extra`, still
scrubbed (e-mails become person keys, known name keys are redacted).

The CSV exports split by header (`connectors.csv_files.read_export`); the API sources split each
record with `UndeclaredFields` and hand the names to their batches with `@reports_undeclared`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

from connectors.base import Batch
from connectors.registry import Variable

_EMPTY = (None, "", [], {})


def allow_list_variable(name: str, what: str = "fields", example: str = "cost_center") -> Variable:
    return Variable(name, f"comma-separated undeclared {what} to keep (in `_extra`), e.g. `{example}`; any other "
                    f"undeclared {what[:-1]} is dropped and listed by name in the run log and `archipelago status`",
                    required=False)


def allow_list(settings: Mapping[str, str], variable: str) -> frozenset[str]:
    return frozenset(n.strip() for n in (settings.get(variable) or "").split(",") if n.strip())


def extra_fields_name(source: str) -> str:
    return f"{source.upper()}_EXTRA_FIELDS"


def extra_fields_variable(source: str, example: str = "cost_center") -> Variable:
    """The allow-list setting of an API source; nested fields are named by path, e.g. `fields.customfield_10010`."""
    return allow_list_variable(extra_fields_name(source), "fields", example)


def allowed_fields(settings: Mapping[str, str], source: str) -> frozenset[str]:
    return allow_list(settings, extra_fields_name(source))


class UndeclaredFields:
    """Splits records of one extractor: allow-listed undeclared fields are returned (scrubbed) for
    `_extra`; the names of the others (with a value) are remembered until the next `drain()`."""

    def __init__(self, allowed: Iterable[str] = (), scrub: Callable[[Any], Any] = lambda value: value):
        self.allowed = frozenset(allowed)
        self.scrub = scrub
        self._dropped: set[str] = set()

    def extra(self, record: Mapping[str, Any], known: Collection[str] = (), *, within: str = "") -> dict[str, Any] | None:
        """The allow-listed fields of `record`, and the names of the others outside `known` noted.
        `known` are the fields the connector reads or deliberately leaves out (those are not reported;
        the allow-list may still name one); `within` names the level of a nested object (`fields` ->
        `fields.customfield_10010`)."""
        kept: dict[str, Any] = {}
        for key, value in record.items():
            if value in _EMPTY:
                continue
            name = f"{within}.{key}" if within else key
            if name in self.allowed:
                kept[key] = value
            elif key not in known:
                self._dropped.add(str(name))
        return self.scrub(kept) if kept else None

    def drain(self) -> list[str]:
        """Names dropped since the last drain, sorted."""
        names, self._dropped = sorted(self._dropped), set()
        return names


def reports_undeclared(batches: Callable[..., Iterator[Batch]]) -> Callable[..., Iterator[Batch]]:
    """Decorates an extractor's `batches`: each batch carries the names its records dropped (from the
    extractor's `undeclared`). Records are parsed before their batch is yielded, so a name commits
    with the batch that dropped it (or an earlier one, where a connector yields a page behind)."""

    @functools.wraps(batches)
    def wrapper(self: Any, state: dict[str, Any] | None) -> Iterator[Batch]:
        for batch in batches(self, state):
            dropped = self.undeclared.drain()
            if dropped:
                batch.unknown_fields = sorted({*batch.unknown_fields, *dropped})
            yield batch

    return wrapper
