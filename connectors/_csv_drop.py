"""Dropped CSV exports (training, survey): which files to read, and the cursor that skips the rest.

A path names one file or a directory of `*.csv` files, so a new export can be dropped beside the
old ones. The cursor is each file's SHA-256: an unchanged file is not read again, a changed one is
read whole (rows merge by primary key, so re-reading is harmless). A file whose header is wrong is
quarantined as a whole with the reason, and the other files still land.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.base import Reject
from connectors.csv_files import file_fingerprint
from connectors.errors import ConfigError


def csv_files(path: Path, variable: str) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if path.is_file():
        return [path]
    raise ConfigError(f"{variable} points at {path}, which is neither a file nor a directory; set {variable} to a CSV export.")


def changed_files(path: Path, variable: str, state: dict[str, Any] | None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Files not landed in their current content, each with the cursor to commit once it is landed."""
    done: dict[str, str] = dict((state or {}).get("files", {}))
    for file in csv_files(path, variable):
        fingerprint = file_fingerprint(file)
        if done.get(file.name) == fingerprint:
            continue
        done[file.name] = fingerprint
        yield file, {"files": dict(done)}


def header_reject(stream: str, file: Path, error: ConfigError) -> Reject:
    """The whole file, quarantined: its header does not carry the documented columns."""
    return Reject(stream, f"wrong header: {error}", {"file": file.name}, file.name)
