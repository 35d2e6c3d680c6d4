"""A BI reader holding or opening the published file while publications replace it always sees a
complete publication: the old one or the new one, never an error or a half-written table."""

import subprocess
import sys
import textwrap

import duckdb

from pipelines.publishing import PUBLISHED_FILE, publish
from pipelines.warehouse import connect

ROWS = 20_000

# A dashboard that reconnects for every query (DuckDB caches one database per path and process, so a
# held connection and reconnections must live in different processes to see different files).
RECONNECTING = textwrap.dedent(
    """
    import sys, time, duckdb
    path, seconds, rows = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    seen, opened, deadline = set(), 0, time.time() + seconds
    while time.time() < deadline:
        conn = duckdb.connect(path, read_only=True)
        a = conn.execute("select count(*), min(version), max(version) from org.a").fetchone()
        b = conn.execute("select count(*), min(version), max(version) from org.b").fetchone()
        run = conn.execute("select run_id from meta.publication").fetchone()[0]
        conn.close()
        assert a[0] == rows and b[0] == rows, (a, b)
        assert a[1] == a[2] == b[1] == b[2], (a, b)
        assert run == f"run-{a[1]}", (run, a)
        seen.add(a[1]); opened += 1
    print(len(seen), opened)
    """
)

# A dashboard that keeps one connection open: it keeps its consistent view of the file it opened.
HOLDING = textwrap.dedent(
    """
    import sys, time, duckdb
    path, seconds, rows = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    held = duckdb.connect(path, read_only=True)
    version = held.execute("select max(version) from org.a").fetchone()[0]
    deadline, queries = time.time() + seconds, 0
    while time.time() < deadline:
        h = held.execute("select count(*), min(version), max(version) from org.b").fetchone()
        assert h == (rows, version, version), (h, version)
        queries += 1
    print(version, queries)
    """
)


def _stage(conn, version: int) -> None:
    for table in ("a", "b"):
        conn.execute(f"create or replace table marts.{table} as select range as id, {version} as version from range({ROWS})")


def test_readers_see_whole_publications_while_they_are_replaced(tmp_path):
    published_dir = tmp_path / "published"
    tables = {"org.a": "marts.a", "org.b": "marts.b"}
    with connect(tmp_path / "warehouse.duckdb") as conn:
        _stage(conn, 0)
        publish(conn, published_dir, tables, "run-0")
        target = str(published_dir / PUBLISHED_FILE)
        readers = [
            subprocess.Popen([sys.executable, "-c", code, target, "6", str(ROWS)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for code in (RECONNECTING, HOLDING)
        ]
        version = 0
        while any(r.poll() is None for r in readers):
            version += 1
            _stage(conn, version)
            publish(conn, published_dir, tables, f"run-{version}")
        outputs = [r.communicate() for r in readers]
    for reader, (_, err) in zip(readers, outputs, strict=True):
        assert reader.returncode == 0, err[-2000:]
    versions_seen, opens = map(int, outputs[0][0].split())
    held_version, held_queries = map(int, outputs[1][0].split())
    assert version >= 3 and opens >= 3 and held_queries >= 3
    assert versions_seen >= 2, "the reconnecting reader should have seen more than one publication"
    with duckdb.connect(str(published_dir / PUBLISHED_FILE), read_only=True) as final:
        assert final.execute("select max(version) from org.a").fetchone()[0] == version
    assert not list(published_dir.glob(".*tmp*")), "no temporary file is left behind"
    assert (published_dir / "parquet" / "org.a.parquet").exists()
