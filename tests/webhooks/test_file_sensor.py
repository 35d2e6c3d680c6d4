"""The export file sensor: each dropped file claimed and requested once, ends processed or rejected."""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    Definitions,
    asset,
    build_sensor_context,
    materialize,
)

from pipelines.sensors.file_sensor import build_export_file_sensor
from pipelines.webhooks import exports_inbox as ex

DIRECTORY_KEY = AssetKey(["raw_directory_csv", "employees"])
TRAINING_KEY = AssetKey(["raw_training_csv", "completions"])


@asset(key=DIRECTORY_KEY)
def directory_asset(context):
    """A real loader: counts the rows of the claimed file, then hands it to processed/ or rejected/."""
    claimed = ex.claimed_from_tags(context.run.tags)
    with open(claimed.path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "email" not in rows[0]:
        ex.mark_rejected(claimed.path, "header lacks column 'email'")
        return 0
    ex.mark_processed(claimed.path)
    return len(rows)


@asset(key=TRAINING_KEY)
def training_asset():
    return 0


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def root(tmp_path):
    return ex.ensure_layout(tmp_path / "inbox" / "exports")


def drop(root, kind, name, text, *, age=60):
    path = root / kind / name
    path.write_text(text)
    past = time.time() - age
    os.utime(path, (past, past))
    return path


def make(root, **kw):
    sensor_def = build_export_file_sensor(root, {"directory": [DIRECTORY_KEY], "training": [TRAINING_KEY]}, **kw)
    defs = Definitions(assets=[directory_asset, training_asset], sensors=[sensor_def])
    return defs, defs.resolve_sensor_def(sensor_def.name)


def evaluate(defs, sensor_def, instance, cursor):
    return sensor_def.evaluate_tick(build_sensor_context(cursor=cursor, instance=instance, definitions=defs))


CSV = "employee_id,email,department\n1,a@example.com,Sales\n2,b@example.com,Ops\n"


def test_dropped_file_is_claimed_once_and_second_evaluation_requests_nothing(root, instance):
    defs, sensor_def = make(root)
    drop(root, "directory", "people.csv", CSV)
    first = evaluate(defs, sensor_def, instance, None)
    [req] = first.run_requests
    sha = ex.file_sha256(req.tags[ex.TAG_PATH])
    assert req.run_key == f"export:directory:{sha}"
    assert req.asset_selection == [DIRECTORY_KEY]
    assert req.tags[ex.TAG_KIND] == "directory" and req.tags[ex.TAG_NAME] == "people.csv"
    # the ingestion asset's file override tag points at the claimed copy
    assert ex.claimed_from_tags(req.tags).path == Path(req.tags[ex.TAG_PATH])
    assert not (root / "directory" / "people.csv").exists()
    assert [p.name for p in ex.in_processing(root, "directory")] == [f"{sha[:16]}__people.csv"]
    second = evaluate(defs, sensor_def, instance, first.cursor)
    assert second.run_requests == []


def test_run_loads_the_claimed_file_and_moves_it_to_processed(root, instance):
    defs, sensor_def = make(root)
    drop(root, "directory", "people.csv", CSV)
    [req] = evaluate(defs, sensor_def, instance, None).run_requests
    result = materialize([directory_asset], instance=instance, tags=req.tags)
    assert result.success
    assert result.output_for_node("raw_directory_csv__employees") == 2
    assert ex.in_processing(root, "directory") == []
    assert [p.name for p in (root / "processed" / "directory").iterdir()] == [f"{req.tags[ex.TAG_SHA][:16]}__people.csv"]


def test_bad_file_is_rejected_with_reason(root, instance):
    defs, sensor_def = make(root)
    drop(root, "directory", "wrong.csv", "id,name\n1,x\n")
    [req] = evaluate(defs, sensor_def, instance, None).run_requests
    assert materialize([directory_asset], instance=instance, tags=req.tags).success
    rejected = root / "rejected" / "directory"
    name = f"{req.tags[ex.TAG_SHA][:16]}__wrong.csv"
    assert (rejected / name).exists()
    assert "lacks column 'email'" in (rejected / f"{name}.reason.txt").read_text()


def test_same_content_dropped_again_is_rejected_as_duplicate(root, instance):
    defs, sensor_def = make(root)
    drop(root, "directory", "people.csv", CSV)
    first = evaluate(defs, sensor_def, instance, None)
    ex.mark_processed(first.run_requests[0].tags[ex.TAG_PATH])
    drop(root, "directory", "people-again.csv", CSV)
    second = evaluate(defs, sensor_def, instance, first.cursor)
    assert second.run_requests == []
    assert "duplicate" in (root / "rejected" / "directory" / "people-again.csv.reason.txt").read_text()


def test_unsettled_temp_empty_and_foreign_files(root, instance):
    defs, sensor_def = make(root, settle_seconds=30)
    drop(root, "training", "fresh.csv", "email,module_id\n", age=0)  # still being written
    drop(root, "training", "upload.csv.part", "email\n")
    drop(root, "training", "empty.csv", "")
    drop(root, "training", "notes.xlsx", "binary")
    data = evaluate(defs, sensor_def, instance, None)
    assert data.run_requests == []
    assert (root / "training" / "fresh.csv").exists()
    assert (root / "training" / "upload.csv.part").exists()
    assert (root / "rejected" / "training" / "empty.csv.reason.txt").read_text().strip().endswith("empty file")
    assert (root / "rejected" / "training" / "notes.xlsx.reason.txt").exists()


def test_claim_without_committed_cursor_is_requested_again_under_the_same_key(root, instance):
    defs, sensor_def = make(root)
    drop(root, "directory", "people.csv", CSV)
    first = evaluate(defs, sensor_def, instance, None)
    # the daemon died before committing `first.cursor`: evaluate again from the old cursor
    retry = evaluate(defs, sensor_def, instance, None)
    assert [r.run_key for r in retry.run_requests] == [r.run_key for r in first.run_requests]
    assert json.loads(retry.cursor) == json.loads(first.cursor)


def test_failed_run_file_goes_to_rejected(root):
    path = drop(root, "survey", "answers.csv", "response_id\n1\n")
    claimed = ex.claim(path)
    moved = ex.reject_for_failed_run(claimed.tags(), "run abc failed: ValueError")
    assert moved.parent == root / "rejected" / "survey"
    assert "run abc failed" in (moved.parent / f"{moved.name}.reason.txt").read_text()
    assert ex.reject_for_failed_run(claimed.tags(), "again") is None
