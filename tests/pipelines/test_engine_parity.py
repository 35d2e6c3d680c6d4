"""Every engine publishes what DuckDB publishes: the demo organisation (60 employees, 2 months) through the
sandbox over real HTTP, refreshed once and again after the sandbox clock moved one day (the incremental
path), compared table by table with tests/publication_compare.py.

Add an engine to ENGINES (and its set-up to `_engine_environment`) to hold it to the same publication.
Spark, the longest (two refreshes on a local session: minutes), is a group of its own under `make test`,
so that one worker runs it while the other takes the rest; DuckDB's refreshes are made once per test
session, by whichever engine's test asks first, and the other waits for them (`_once_per_session`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from pathlib import Path

import pytest
from archipelago_testing import TEST_KEY, failures, isolated_env, materialize_everything, temp_instance
from publication_compare import publication_differences

SEED, EMPLOYEES, MONTHS = 42, 60, 2  # `archipelago demo --employees 60 --months 2`
END = dt.date(2026, 10, 31)
DAYS = (END + dt.timedelta(days=1), END + dt.timedelta(days=2))  # the first refresh, then one day later
# The xdist group of Spark's test (tests/conftest.py schedules it right after the story build's).
SPARK_GROUP = "engine_parity_spark"
ENGINES = ["postgres", pytest.param("spark", marks=pytest.mark.xdist_group(SPARK_GROUP))]
# Two refreshes per engine, DuckDB's included: minutes under load.
pytestmark = pytest.mark.timeout(3000)


def _engine_environment(engine: str, stack: contextlib.ExitStack) -> dict[str, str]:
    """What a user sets for `engine`, against a server this test starts."""
    if engine == "postgres":
        from postgres_testing import running_postgres  # noqa: PLC0415

        return {"ARCHIPELAGO_POSTGRES_URL": stack.enter_context(running_postgres("warehouse"))}
    return {}


def _demo_refreshes(root: Path, engine: str) -> list[Path]:
    """The demo's refreshes on `engine`: the publication (marts.duckdb) of each day in DAYS."""
    from archipelago.demo_history import land_m365_history  # noqa: PLC0415
    from connectors.privacy import Pseudonymiser  # noqa: PLC0415
    from pipelines.publishing import PUBLISHED_FILE, current_version  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415
    from sandbox.story import initiatives_yaml  # noqa: PLC0415

    home = root / engine / "home"
    mp = pytest.MonkeyPatch()
    publications = []
    with contextlib.ExitStack() as stack:
        stack.callback(mp.undo)
        isolated_env(mp, home)
        mp.setenv("ARCHIPELAGO_ENGINE", engine)
        for name, value in _engine_environment(engine, stack).items():
            mp.setenv(name, value)
        org = generate_organisation(seed=SEED, employees=EMPLOYEES, months=MONTHS, end_date=END)
        server = stack.enter_context(SandboxServer(org, port=0, exports_dir=root / engine / "exports"))
        for name, value in server.env().items():
            mp.setenv(name, value)
        initiatives = root / engine / "initiatives.yml"
        initiatives.write_text(initiatives_yaml(org.timeline), encoding="utf-8")
        mp.setenv("ARCHIPELAGO_INITIATIVES", str(initiatives))
        # As `archipelago demo` does: the nights before the first refresh, through the engine.
        land_m365_history(server, home / "warehouse.duckdb", dict(os.environ),
                          Pseudonymiser(TEST_KEY), org.timeline.start, END - dt.timedelta(days=3))
        for day in DAYS:
            server.set_now(day)
            mp.setenv("ARCHIPELAGO_TODAY", day.isoformat())
            started = time.perf_counter()
            result = materialize_everything(temp_instance(root / engine / f"instance-{day}"))
            print(f"{engine} refresh of {day}: {time.perf_counter() - started:.1f} s")
            assert result.success, f"{engine}, {day}: {failures(result)}"
            publications.append(current_version(home / "published") / PUBLISHED_FILE)
    return publications


def _once_per_session(root: Path, engine: str) -> list[Path]:
    """`engine`'s publications, made by the first test (on any xdist worker) that asks; later ones wait for
    them and read them. A failed attempt leaves nothing behind, so the next one tries again."""
    root.mkdir(parents=True, exist_ok=True)
    done = root / f"{engine}.json"
    with open(root / f"{engine}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            done.write_text(json.dumps([str(path) for path in _demo_refreshes(root, engine)]))
        return [Path(path) for path in json.loads(done.read_text())]


@pytest.fixture(scope="module")
def refreshes(tmp_path_factory):
    """Engine -> its publications, each engine run once per test session (a directory every xdist worker
    of the session shares: the parent of the worker's own)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "engine-parity"
    return lambda engine: _once_per_session(root, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_engine_publishes_what_duckdb_publishes_then_and_one_day_later(engine, refreshes):
    expected, actual = refreshes("duckdb"), refreshes(engine)
    for day, want, got in zip(DAYS, expected, actual, strict=True):
        assert want != got
        differences = publication_differences(want, got)
        assert not differences, f"{engine} on {day}:\n" + "\n".join(differences)


def _publication(path: Path, rows: list[tuple]) -> Path:
    import duckdb  # noqa: PLC0415

    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema org")
        conn.execute("create table org.t (id integer, name varchar, share double, tags varchar[])")
        conn.executemany("insert into org.t values (?, ?, ?, ?)", rows)
    return path


@pytest.mark.parametrize(("changed", "found"), [
    ((2, "b", 0.25 * (1 + 1e-12), ["x", "y"]), None),  # a float within 1e-9 relative; rows in another order
    ((2, "b", 0.25 * (1 + 1e-6), ["x", "y"]), "share is"),
    ((2, "b", 0.25, ["y", "x"]), "tags is"),  # a list in another order
    ((3, "b", 0.25, ["x", "y"]), "id is"),  # another key
])
def test_the_comparison_tolerates_float_noise_only(tmp_path, changed, found):
    first = (1, "a", None, None)
    want = _publication(tmp_path / "want.duckdb", [first, (2, "b", 0.25, ["x", "y"])])
    got = _publication(tmp_path / "got.duckdb", [changed, first])
    differences = publication_differences(want, got)
    assert (differences == []) if found is None else (found in differences[0]), differences
