"""Every reader sees the newest validated publication, whole: versioned files switched by one rename."""

from __future__ import annotations

import os

import duckdb
import pytest

from pipelines.publishing import CURRENT_LINK, KEEP_VERSIONS, PUBLISHED_FILE, VERSIONS_DIR, publish
from pipelines.warehouse import connect

TABLES = {"org.a": "marts.a", "org.b": "marts.b"}


def _stage(conn, version: int) -> None:
    for table in ("a", "b"):
        conn.execute(f"create or replace table marts.{table} as select range as id, {version} as version from range(10)")


def _report(stage, marts):
    """An artefact built from the validated marts (as the HTML report is)."""
    version = marts.execute("select max(version) from org.a").fetchone()[0]
    (stage / "report.html").write_text(f"<p>version {version}</p>")
    return ["report.html"]


@pytest.fixture
def warehouse(tmp_path):
    with connect(tmp_path / "warehouse.duckdb") as conn:
        yield conn


def test_a_new_connection_sees_the_new_publication_while_an_old_one_is_held(warehouse, tmp_path):
    published = tmp_path / "published"
    _stage(warehouse, 1)
    publish(warehouse, published, TABLES, "run-1", artefacts=[_report])
    path = str(published / PUBLISHED_FILE)
    held = duckdb.connect(path, read_only=True)  # a BI tool's pooled connection
    assert held.execute("select max(version) from org.a").fetchone()[0] == 1
    _stage(warehouse, 2)
    publish(warehouse, published, TABLES, "run-2", artefacts=[_report])
    fresh = duckdb.connect(path, read_only=True)  # same process, new connection
    assert fresh.execute("select max(version), (select run_id from meta.publication) from org.a").fetchone() == (2, "run-2")
    assert held.execute("select max(version) from org.b").fetchone()[0] == 1  # its own whole, older view
    parquet = duckdb.sql(f"select max(version) from '{published}/parquet/org.b.parquet'").fetchone()[0]
    assert parquet == 2 and (published / "report.html").read_text() == "<p>version 2</p>"
    held.close()
    fresh.close()


def test_a_failed_publication_leaves_the_previous_one_current_and_nothing_behind(warehouse, tmp_path):
    published = tmp_path / "published"
    _stage(warehouse, 1)
    first = publish(warehouse, published, TABLES, "run-1", artefacts=[_report])

    def broken(stage, marts):
        raise RuntimeError("report failed")

    _stage(warehouse, 2)
    with pytest.raises(RuntimeError):
        publish(warehouse, published, TABLES, "run-2", artefacts=[_report, broken])
    assert (published / CURRENT_LINK).resolve() == first.version_dir
    assert sorted(p.name for p in (published / VERSIONS_DIR).iterdir()) == [first.version_dir.name]
    with duckdb.connect(str(published / PUBLISHED_FILE), read_only=True) as conn:
        assert conn.execute("select max(version) from org.a").fetchone()[0] == 1
    assert (published / "report.html").read_text() == "<p>version 1</p>"


def test_dead_runs_leftovers_and_old_versions_are_removed(warehouse, tmp_path):
    published = tmp_path / "published"
    # an installation from before versions: a real file, a real Parquet folder, a dead run's temp files
    (published / "parquet").mkdir(parents=True)
    (published / "parquet" / ".org.a.dead.tmp").write_bytes(b"x")
    (published / ".marts.duckdb.dead-run.tmp").write_bytes(b"x")
    with duckdb.connect(str(published / PUBLISHED_FILE)) as old:
        old.execute("create table t as select 0 as version")
    (published / VERSIONS_DIR).mkdir()
    (published / VERSIONS_DIR / ".19990101T000000000000Z-killed.tmp").mkdir()  # a run killed while writing
    for version in range(1, KEEP_VERSIONS + 3):
        _stage(warehouse, version)
        last = publish(warehouse, published, TABLES, f"run-{version}")
    assert sorted(os.listdir(published)) == [CURRENT_LINK, PUBLISHED_FILE, "parquet", VERSIONS_DIR]
    assert (published / PUBLISHED_FILE).is_symlink() and (published / "parquet").is_symlink()
    kept = sorted(p.name for p in (published / VERSIONS_DIR).iterdir())
    assert len(kept) == KEEP_VERSIONS and kept[-1] == last.version_dir.name
    with duckdb.connect(str(published / PUBLISHED_FILE), read_only=True) as conn:
        assert conn.execute("select max(version) from org.b").fetchone()[0] == KEEP_VERSIONS + 2
