"""Reading CSV exports: header checks, fingerprints and typed cell parsing shared by the file sources."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from connectors.errors import ConfigError, RecordError


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the cursor of a file source (same file, nothing to do)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_rows(path: Path, required: Sequence[str], variable: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a UTF-8 CSV, after checking that its header has `required`."""
    if not path.is_file():
        raise ConfigError(f"{variable} points at {path}, which is not a file; set {variable} to an existing CSV export.")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise ConfigError(
                f"{path}: line 1: header lacks column(s) {', '.join(missing)}; expected at least "
                f"{', '.join(required)} (see docs/configuration.md)."
            )
        reader.fieldnames = header
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def parse_date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise RecordError(f"{column} {value!r} is not an ISO date (YYYY-MM-DD)") from exc


def parse_float(value: str, column: str, low: float | None = None, high: float | None = None) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise RecordError(f"{column} {value!r} is not a number") from exc
    if (low is not None and number < low) or (high is not None and number > high):
        raise RecordError(f"{column} {number:g} is outside [{low:g}, {high:g}]")
    return number


def require(value: str, column: str) -> str:
    if not value:
        raise RecordError(f"{column} is empty")
    return value
