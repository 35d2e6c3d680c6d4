"""Hand-off of dropped export files (directory, training, survey CSV) between the file sensor and
the ingestion asset. Pure Python, no Dagster import.

Layout under `$ARCHIPELAGO_HOME/inbox/exports/`:

    directory/ training/ survey/          drop a file here (write elsewhere and move it in, or let it
                                          sit `settle_seconds` unchanged)
    processing/<kind>/<sha16>__<name>     claimed by the sensor, a run is loading it
    processed/<kind>/<sha16>__<name>      loaded
    rejected/<kind>/<name>                refused, next to <name>.reason.txt

Every move is an `os.replace` inside one directory tree (atomic on one filesystem) followed by an
fsync of the target directory. A file is loaded once: its SHA-256 names the run key, and a file
whose content was already processed (or is being processed) is rejected as a duplicate.

The ingestion asset reads its file from the run tags (`claimed_from_tags`) and ends with
`mark_processed(path)` or `mark_rejected(path, reason)`; a failed run's file is rejected by the
run-failure sensor (`reject_for_failed_run`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

KINDS = ("directory", "training", "survey")
PROCESSING, PROCESSED, REJECTED = "processing", "processed", "rejected"
ALLOWED_SUFFIXES = (".csv",)
_TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart", ".swp")
REASON_SUFFIX = ".reason.txt"
_MAX_REASON = 4000

# Export kind -> connector source (connectors/registry.py) that loads it.
KIND_SOURCES = {"directory": "directory_csv", "training": "training_csv", "survey": "survey_csv"}

TAG_KIND = "archipelago/export_kind"
TAG_PATH = "archipelago/export_path"
TAG_SHA = "archipelago/export_sha256"
TAG_NAME = "archipelago/export_name"


@dataclass(frozen=True)
class ClaimedFile:
    kind: str
    path: Path  # in processing/<kind>/
    sha256: str
    original_name: str

    @property
    def run_key(self) -> str:
        return f"export:{self.kind}:{self.sha256}"

    def tags(self) -> dict[str, str]:
        # The ingestion asset of KIND_SOURCES[kind] loads TAG_PATH instead of its configured *_CSV_PATH.
        return {
            "archipelago/trigger": "file",
            TAG_KIND: self.kind,
            TAG_PATH: str(self.path),
            TAG_SHA: self.sha256,
            TAG_NAME: self.original_name,
        }


def exports_root(home: Path | str) -> Path:
    return Path(home) / "inbox" / "exports"


def ensure_layout(root: Path | str, kinds: Iterable[str] = KINDS) -> Path:
    root = Path(root)
    for kind in kinds:
        for sub in (root / kind, root / PROCESSING / kind, root / PROCESSED / kind, root / REJECTED / kind):
            sub.mkdir(parents=True, exist_ok=True)
    return root


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move(src: Path, dest_dir: Path, name: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    if dest.exists():  # never overwrite an earlier file of the same name
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        dest = dest_dir / f"{stamp}__{name}"
    os.replace(src, dest)
    _fsync_dir(dest_dir)
    if src.parent != dest_dir:
        _fsync_dir(src.parent)
    return dest


def _locate(path: Path) -> tuple[Path, str, str]:
    """(root, area, kind) of a file at root/<area>/<kind>/<name> or root/<kind>/<name>."""
    path = Path(path).resolve()
    kind = path.parent.name
    if path.parent.parent.name in (PROCESSING, PROCESSED, REJECTED):
        return path.parents[2], path.parent.parent.name, kind
    return path.parents[1], "drop", kind


def is_candidate(path: Path) -> bool:
    name = path.name
    return path.is_file() and not name.startswith((".", "~")) and not name.lower().endswith(_TEMP_SUFFIXES)


def stable_files(root: Path | str, kind: str, *, now: float, settle_seconds: float) -> list[Path]:
    """Files in the drop folder of `kind` unchanged for at least `settle_seconds`, oldest first."""
    folder = Path(root) / kind
    if not folder.is_dir():
        return []
    out = []
    for path in folder.iterdir():
        if not is_candidate(path):
            continue
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if now - st.st_mtime >= settle_seconds:
            out.append((st.st_mtime, path.name, path))
    return [p for _, _, p in sorted(out)]


def find_same_content(root: Path | str, kind: str, sha256: str) -> Path | None:
    """A file with this content already processed or being processed, if any."""
    prefix = sha256[:16] + "__"
    for area in (PROCESSED, PROCESSING):
        folder = Path(root) / area / kind
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.startswith(prefix):
                    return p
    return None


def claim(path: Path | str, sha256: str | None = None) -> ClaimedFile:
    """Move a dropped file into processing/<kind>/ atomically. Raises FileNotFoundError if it is
    gone (someone else claimed it)."""
    path = Path(path).resolve()
    root, area, kind = _locate(path)
    if area != "drop":
        raise ValueError(f"{path} is not in a drop folder of {root}")
    sha = sha256 or file_sha256(path)
    dest = _move(path, root / PROCESSING / kind, f"{sha[:16]}__{path.name}")
    return ClaimedFile(kind=kind, path=dest, sha256=sha, original_name=path.name)


def mark_processed(path: Path | str) -> Path:
    """Move a claimed file to processed/<kind>/. Idempotent: a file already there is left alone."""
    path = Path(path).resolve()
    root, area, kind = _locate(path)
    if area == PROCESSED:
        return path
    if not path.exists():
        done = root / PROCESSED / kind / path.name
        if done.exists():
            return done
        raise FileNotFoundError(path)
    return _move(path, root / PROCESSED / kind, path.name)


def mark_rejected(path: Path | str, reason: str) -> Path:
    """Move a file (claimed or still in its drop folder) to rejected/<kind>/ with `<name>.reason.txt`.
    `reason` must not carry personal data or secrets; it is truncated."""
    path = Path(path).resolve()
    root, area, kind = _locate(path)
    if area == REJECTED:
        return path
    dest_dir = root / REJECTED / kind
    dest = _move(path, dest_dir, path.name)
    text = f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} {reason.strip()[:_MAX_REASON]}\n"
    tmp = dest_dir / f".{dest.name}{REASON_SUFFIX}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest_dir / f"{dest.name}{REASON_SUFFIX}")
    _fsync_dir(dest_dir)
    return dest


def claimed_from_tags(tags: Mapping[str, str]) -> ClaimedFile | None:
    """The file a run was asked to load (None for runs not started by the file sensor)."""
    path = tags.get(TAG_PATH)
    if not path:
        return None
    return ClaimedFile(
        kind=tags.get(TAG_KIND, Path(path).parent.name),
        path=Path(path),
        sha256=tags.get(TAG_SHA, ""),
        original_name=tags.get(TAG_NAME, Path(path).name),
    )


def in_processing(root: Path | str, kind: str) -> list[Path]:
    folder = Path(root) / PROCESSING / kind
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def reject_for_failed_run(tags: Mapping[str, str], reason: str) -> Path | None:
    """Called by the run-failure sensor: a failed run's file, still in processing, is rejected."""
    claimed = claimed_from_tags(tags)
    if claimed is None or not claimed.path.exists():
        return None
    _, area, _ = _locate(claimed.path)
    if area != PROCESSING:
        return None
    return mark_rejected(claimed.path, reason)
