"""`archipelago rekey`: start the working warehouse afresh for a new pseudonym key, on purpose.

A person_key is a one-way keyed hash: rows landed under the old key cannot be translated to the new
one. Re-keying therefore sets the old warehouse aside (renamed, never deleted: it is the only copy of
history a source may no longer deliver) and starts an empty one bound to the current key; the next
`archipelago refresh --full-refresh` reloads every source from the beginning. The published marts
stay in place until that refresh publishes.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from connectors.errors import ConfigError
from connectors.privacy import KEY_VARIABLE, Pseudonymiser
from pipelines.warehouse import check_key, connect, warehouse_path


def rekey(home: Path, env: dict[str, str] | None = None) -> Path | None:
    """Returns where the old warehouse was kept (None when there was none). Hold the run lock."""
    env = os.environ if env is None else env
    key = (env.get(KEY_VARIABLE) or "").strip()
    if not key:
        raise ConfigError(f"{KEY_VARIABLE} is not set: set the new key first, then re-key.")
    pseudonymiser = Pseudonymiser(key)
    path = warehouse_path(home)
    kept = None
    if path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = path.with_name(f"{path.name}.before-rekey-{stamp}")
        wal = path.with_name(path.name + ".wal")
        if wal.exists():  # committed but not yet checkpointed: it belongs with the old file
            os.replace(wal, kept.with_name(kept.name + ".wal"))
        os.replace(path, kept)
    with connect(path) as conn:
        check_key(conn, pseudonymiser.fingerprint())
    return kept
