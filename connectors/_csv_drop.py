"""Dropped CSV exports (training, survey): which files to read, and the cursor that skips the rest.

A path names one file or a directory of `*.csv` files, so a new export can be dropped beside the
old ones. The cursor is each file's SHA-256: an unchanged file is not read again, a changed one is
read whole (rows merge by primary key, so re-reading is harmless). A file whose header is wrong is
quarantined as a whole with the reason, and the other files still land. A file that cannot be read
whole (encoding, an unterminated quote) is refused: the other files land, its cursor does not
move, so the fixed file is read on the next run, and the step then fails naming file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from connectors.base import Batch, Reject
from connectors.csv_files import CsvFileError, file_fingerprint
from connectors.errors import ConfigError


def csv_files(path: Path, variable: str) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if path.is_file():
        return [path]
    raise ConfigError(f"{variable} points at {path}, which is neither a file nor a directory; set {variable} to a CSV export.")


def drop_batches(path: Path, variable: str, state: dict[str, Any] | None, stream: str,
                 read_file: Callable[[Path], Batch]) -> Iterator[Batch]:
    """One batch per file not landed in its current content, each carrying the cursor that covers it."""
    done: dict[str, str] = dict((state or {}).get("files", {}))
    refused: list[str] = []
    for file in csv_files(path, variable):
        fingerprint = file_fingerprint(file)
        if done.get(file.name) == fingerprint:
            continue
        try:
            batch = read_file(file)
        except CsvFileError as exc:
            refused.append(str(exc))
            continue
        except ConfigError as exc:  # wrong header: quarantine the file, land the others
            batch = Batch(rejects=[header_reject(stream, file, exc)])
        done[file.name] = fingerprint
        batch.state = {"files": dict(done)}
        yield batch
    if refused:
        raise CsvFileError(" ".join(refused))


def header_reject(stream: str, file: Path, error: ConfigError) -> Reject:
    """The whole file, quarantined: its header does not carry the documented columns."""
    return Reject(stream, f"wrong header: {error}", {"file": file.name}, file.name)
