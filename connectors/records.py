"""Typed field parsing and safe rejects for JSON API records (shared by the HTTP connectors).

Parsers raise `RecordError` with the field's name, so a broken record becomes a `Reject` with a
reason a person can act on. Timestamps become naive UTC datetimes, as `connectors.base` requires.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from connectors.base import Reject
from connectors.errors import RecordError
from connectors.privacy import Pseudonymiser


def timestamp(value: Any, name: str, *, required: bool = False) -> dt.datetime | None:
    """ISO 8601 (any offset, `Z`, `+0000`), `YYYY-MM-DD HH:MM:SS` (taken as UTC) or Unix seconds."""
    if value is None or value == "":
        if required:
            raise RecordError(f"{name} is missing")
        return None
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, (int, float)):  # noqa: UP038
            raise RecordError(f"{name} {value!r} is not a timestamp")
        return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise RecordError(f"{name} {value!r} is not an ISO 8601 timestamp") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def date(value: Any, name: str) -> dt.date | None:
    if value is None or value == "" or value == "0000-00-00":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise RecordError(f"{name} {value!r} is not an ISO date") from exc


def integer(value: Any, name: str, *, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise RecordError(f"{name} is missing")
        return None
    if isinstance(value, bool):
        raise RecordError(f"{name} {value!r} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise RecordError(f"{name} {value!r} is not an integer")


def number(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{name} {value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"{name} {value!r} is not a number") from exc


def boolean(value: Any, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise RecordError(f"{name} {value!r} is not a boolean")


def text(value: Any, name: str, *, required: bool = False) -> str | None:
    if type(value) is str and value:  # the common case first: this runs for every field of every record
        return value
    if value is None or value == "":
        if required:
            raise RecordError(f"{name} is missing")
        return None
    if isinstance(value, (dict, list)):  # noqa: UP038 - a tuple is faster than a union here
        raise RecordError(f"{name} is an object, expected a scalar")
    return str(value)


def mapping(value: Any, name: str) -> Mapping[str, Any]:
    """A nested object that may be absent or null; anything else breaks the contract."""
    if type(value) is dict:  # parsed JSON: skip the slower ABC check
        return value
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise RecordError(f"{name} is {type(value).__name__}, expected an object")
    return value


class CachedPseudonymiser:
    """A `Pseudonymiser` that remembers keys it computed: a ticket page names the same few people
    hundreds of times, and each key is an HMAC."""

    def __init__(self, pseudonymiser: Pseudonymiser, maxsize: int = 200_000):
        self.inner = pseudonymiser
        self.person_key = functools.lru_cache(maxsize=maxsize)(pseudonymiser.person_key)
        self._identity = functools.lru_cache(maxsize=maxsize)(pseudonymiser.identity_key)

    def identity_key(self, source: str, vendor_id: Any) -> str | None:
        if vendor_id is not None and not isinstance(vendor_id, str | int):
            return self.inner.identity_key(source, vendor_id)  # unhashable or odd: no cache
        return self._identity(source, vendor_id)

    def scrub(self, value: Any) -> Any:
        return self.inner.scrub(value)


def cached(pseudonymiser: Pseudonymiser | CachedPseudonymiser) -> CachedPseudonymiser:
    return pseudonymiser if isinstance(pseudonymiser, CachedPseudonymiser) else CachedPseudonymiser(pseudonymiser)


# Free text in vendor payloads (ticket subjects, comment bodies): may name people, never needed raw.
FREE_TEXT_KEYS = ("subject", "raw_subject", "description", "short_description", "summary", "body", "html_body",
                  "plain_body", "comment", "text")


class Scrubber:
    """Scrubs a payload for quarantine or allow-listed `_extra` fields: e-mails -> person keys, names redacted, and
    the source's vendor user ids (under the given key names) -> identity keys."""

    def __init__(
        self,
        pseudonymiser: Pseudonymiser,
        source: str,
        id_keys: Iterable[str] = (),
        transform: Callable[[Mapping[str, Any], Callable[[Any], str]], Mapping[str, Any]] | None = None,
        redact_keys: Iterable[str] = (),
    ):
        self.p = pseudonymiser
        self.source = source
        self.id_keys = frozenset(k.lower() for k in id_keys)
        # Keys whose values are names or free text in this source (a `supervisor` name, a ticket
        # `subject`): redacted, since free text may name people.
        self.redact_keys = frozenset(k.lower() for k in (*FREE_TEXT_KEYS, *redact_keys))
        # Source-specific: ids under generic keys (e.g. a changelog item's `from`/`to`).
        self.transform = transform

    def __call__(self, value: Any) -> Any:
        return self.p.scrub(self._ids(value))

    def identity(self, vendor_id: Any) -> str:
        return "identity:" + (self.p.identity_key(self.source, vendor_id) or "")

    def _ids(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            if self.transform is not None:
                value = self.transform(value, self.identity)
            out = {}
            for k, v in value.items():
                key = str(k).lower()
                if key in self.redact_keys and v not in (None, "", [], {}):
                    out[k] = "<redacted>"
                elif key in self.id_keys and isinstance(v, str | int) and not isinstance(v, bool):
                    out[k] = self.identity(v)
                else:
                    out[k] = self._ids(v)
            return out
        if isinstance(value, list | tuple):
            return [self._ids(v) for v in value]
        return value

    def reject(self, stream: str, reason: str, payload: Any, record_id: Any = None) -> Reject:
        return Reject(stream, reason, self(payload), None if record_id is None else str(record_id))


def record_id(record: Any, *keys: str) -> str | None:
    """Best-effort id of a record for a reject, never failing."""
    if isinstance(record, Mapping):
        for key in keys:
            value = record.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return None
