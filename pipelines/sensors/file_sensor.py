"""Pick up export files dropped in `$ARCHIPELAGO_HOME/inbox/exports/{directory,training,survey}/`.

Per evaluation and kind: every settled file (unchanged for `settle_seconds`, not a hidden or
temporary name) is hashed; a `.csv` with new content is claimed (moved atomically to
`processing/<kind>/`) and one run is requested for that kind's assets with run key
`export:<kind>:<sha256>` and tags naming the file (`archipelago/export_path`, `..._kind`,
`..._sha256`, `..._name`; read them with `exports_inbox.claimed_from_tags`). Content already
processed or being processed, empty files and other extensions are moved to `rejected/` with a
reason at once.

The cursor lists the claimed files whose run was requested. A file in `processing/` missing from it
was claimed by an evaluation that never committed its run request (the process died in between): it
is requested again, under the same run key, so it is never lost and never run twice.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from dagster import AssetKey, AssetSelection, RunRequest, SensorDefinition, SensorResult, SkipReason, sensor

from pipelines.sensors.inbox_sensor import Target, selection_union
from pipelines.webhooks import exports_inbox as ex

DEFAULT_SETTLE_SECONDS = 10


def _default_root() -> Path:
    home = Path(os.environ.get("ARCHIPELAGO_HOME") or ".archipelago").expanduser().resolve()
    return ex.exports_root(home)


def build_export_file_sensor(
    inbox_dir: Path | str | None,
    kinds: Mapping[str, Target],
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    name: str = "export_file_sensor",
    minimum_interval_seconds: int = 30,
    clock: Callable[[], float] = time.time,
    default_status=None,
) -> SensorDefinition:
    """`inbox_dir`: the exports folder (`$ARCHIPELAGO_HOME/inbox/exports`); None reads
    `ARCHIPELAGO_HOME` at evaluation time. `kinds` maps directory/training/survey to the assets that
    load that kind of file (an `AssetSelection` or `AssetKey`s)."""
    unknown = set(kinds) - set(ex.KINDS)
    if unknown:
        raise ValueError(f"unknown export kinds {sorted(unknown)}; known: {', '.join(ex.KINDS)}")
    if not kinds:
        raise ValueError("build_export_file_sensor needs at least one kind -> assets target")
    union = selection_union(kinds.values())
    extra = {} if default_status is None else {"default_status": default_status}

    @sensor(
        name=name,
        asset_selection=union,
        minimum_interval_seconds=minimum_interval_seconds,
        description="Loads each export CSV dropped in the inbox once; moves it to processed/ or rejected/.",
        **extra,
    )
    def _export_sensor(context):
        root = Path(inbox_dir) if inbox_dir is not None else _default_root()
        ex.ensure_layout(root, kinds)
        try:
            requested = set(json.loads(context.cursor or "{}").get("requested", []))
        except (ValueError, AttributeError):
            requested = set()
        now = clock()
        resolved: dict[str, list[AssetKey]] = {}

        def keys_for(kind: str) -> list[AssetKey]:
            if kind not in resolved:
                target = kinds[kind]
                if isinstance(target, AssetSelection):
                    graph = context.repository_def.asset_graph
                    resolved[kind] = sorted(target.resolve(graph), key=lambda k: k.to_user_string())
                else:
                    resolved[kind] = list(target)
            return resolved[kind]

        run_requests: list[RunRequest] = []
        notes: list[str] = []
        still_processing: set[str] = set()

        def request(claimed: ex.ClaimedFile) -> None:
            run_requests.append(
                RunRequest(run_key=claimed.run_key, asset_selection=keys_for(claimed.kind), tags=claimed.tags())
            )

        for kind in kinds:
            # 1. claimed earlier but never requested (crash between claim and cursor commit)
            for path in ex.in_processing(root, kind):
                still_processing.add(path.name)
                if path.name not in requested:
                    sha = ex.file_sha256(path)
                    original = path.name.split("__", 1)[1] if "__" in path.name else path.name
                    request(ex.ClaimedFile(kind=kind, path=path.resolve(), sha256=sha, original_name=original))
                    notes.append(f"re-requested {kind}/{path.name}")
            # 2. new settled files
            for path in ex.stable_files(root, kind, now=now, settle_seconds=settle_seconds):
                try:
                    if path.suffix.lower() not in ex.ALLOWED_SUFFIXES:
                        ex.mark_rejected(path, f"not a {'/'.join(ex.ALLOWED_SUFFIXES)} file")
                        notes.append(f"rejected {kind}/{path.name}: extension")
                        continue
                    if path.stat().st_size == 0:
                        ex.mark_rejected(path, "empty file")
                        notes.append(f"rejected {kind}/{path.name}: empty")
                        continue
                    sha = ex.file_sha256(path)
                    same = ex.find_same_content(root, kind, sha)
                    if same is not None:
                        ex.mark_rejected(path, f"duplicate: same content (sha256 {sha}) as {same.parent.parent.name}/{kind}/{same.name}")
                        notes.append(f"rejected {kind}/{path.name}: duplicate")
                        continue
                    claimed = ex.claim(path, sha)
                except FileNotFoundError:
                    continue  # moved away meanwhile
                still_processing.add(claimed.path.name)
                request(claimed)
                context.log.info(f"claimed {kind}/{claimed.original_name} (sha256 {claimed.sha256[:16]})")

        new_requested = sorted(n for n in (requested | {Path(r.tags[ex.TAG_PATH]).name for r in run_requests}) if n in still_processing)
        cursor = json.dumps({"requested": new_requested})
        if run_requests:
            return SensorResult(run_requests=run_requests, cursor=cursor)
        return SensorResult(skip_reason=SkipReason("; ".join(notes) or "no new export files"), cursor=cursor)

    return _export_sensor
