"""Configuration and concurrency guards: preflight, one run at a time, the pseudonym key fingerprint."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import textwrap

import dagster as dg
import pytest
from archipelago_testing import TEST_KEY, isolated_env, temp_instance

from archipelago.cli import main
from archipelago.rekey import rekey
from connectors import directory_csv
from connectors.directory_csv import REQUIRED_COLUMNS
from pipelines.assets.ingestion import build_ingestion_asset
from pipelines.resources import default_resources
from pipelines.warehouse import connect


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    isolated_env(monkeypatch, home)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.chdir(tmp_path)  # no developer .env
    return home


def test_refresh_with_no_source_configured_is_an_error_and_runs_nothing(home, capsys):
    assert main(["refresh"]) == 2
    err = capsys.readouterr().err
    assert "no source is configured" in err and "Nothing was run" in err
    assert "Running" not in err and not (home / "published").exists()


def test_a_missing_or_short_key_is_one_line(home, monkeypatch, capsys):
    monkeypatch.setenv("DIRECTORY_CSV_PATH", str(home))
    monkeypatch.delenv("ARCHIPELAGO_PSEUDONYM_KEY")
    assert main(["refresh"]) == 2
    [line] = [x for x in capsys.readouterr().err.splitlines() if x.startswith("✗")]
    assert "ARCHIPELAGO_PSEUDONYM_KEY is not set" in line
    monkeypatch.setenv("ARCHIPELAGO_PSEUDONYM_KEY", "short")
    assert main(["check"]) == 2
    problems = [x for x in capsys.readouterr().out.splitlines() if x.startswith("✗")]
    assert len(problems) == 1 and "at least 16 characters" in problems[0]


def test_check_names_an_unreachable_base_url_and_a_short_secret(home, monkeypatch, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("JIRA_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("JIRA_EMAIL", "bot@acme.example")
    monkeypatch.setenv("JIRA_API_TOKEN", "abc")
    assert main(["check"]) == 2
    out = capsys.readouterr().out
    assert "✗ JIRA_API_TOKEN is only 3 characters long" in out
    monkeypatch.setenv("JIRA_API_TOKEN", "a-real-looking-token")
    assert main(["refresh"]) == 2
    err = capsys.readouterr().err
    assert f"✗ JIRA_BASE_URL=http://127.0.0.1:{port} is unreachable: 127.0.0.1:{port}: connection refused" in err


def test_a_wrong_calendar_file_stops_the_refresh_before_it_starts(home, monkeypatch, capsys):
    monkeypatch.setenv("DIRECTORY_CSV_PATH", str(home))
    calendars = home.parent / "calendars.yml"
    calendars.write_text("version: 1\ndefault: office\nschedules:\n  office: {time_zone: Europe/Amsterdam, hours: {mon-fri: '9-17'}}\n")
    monkeypatch.setenv("ARCHIPELAGO_CALENDARS_PATH", str(calendars))
    assert main(["refresh"]) == 2
    [line] = [x for x in capsys.readouterr().err.splitlines() if x.startswith("✗")]
    assert f"{calendars}: schedules.office.hours.mon-fri: '9' is not a time HH:MM" in line


def test_a_wrong_memory_limit_is_one_line_and_a_right_one_limits_the_warehouse(home, monkeypatch, capsys):
    monkeypatch.setenv("DIRECTORY_CSV_PATH", str(home))
    monkeypatch.setenv("ARCHIPELAGO_DUCKDB_MEMORY_LIMIT", "lots")
    assert main(["refresh"]) == 2
    [line] = [x for x in capsys.readouterr().err.splitlines() if x.startswith("✗")]
    assert "ARCHIPELAGO_DUCKDB_MEMORY_LIMIT='lots' is not a memory size" in line
    monkeypatch.setenv("ARCHIPELAGO_DUCKDB_MEMORY_LIMIT", "300MB")
    with connect(home / "warehouse.duckdb") as conn:
        limit = conn.execute("select current_setting('memory_limit')").fetchone()[0]
    assert limit == "286.1 MiB"  # DuckDB shows 300 MB in MiB


HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipelines.run_lock import run_lock
    with run_lock(Path(sys.argv[1]), "archipelago refresh"):
        print("held", flush=True)
        time.sleep(60)
""")


def test_a_second_run_exits_naming_the_running_one(home, capsys):
    home.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(home)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["refresh"]) == 2
        err = capsys.readouterr().err
        assert f"another run is using {home}: `archipelago refresh` (pid {holder.pid}, started " in err
        assert "Traceback" not in err
        assert main(["status"]) == 0
        assert f"Run in progress: `archipelago refresh` (pid {holder.pid}" in capsys.readouterr().out
    finally:
        holder.kill()
        holder.wait()
    # killed with -9 above: the kernel released the lock, so nothing stale blocks the next run
    assert main(["refresh"]) == 2 and "no source is configured" in capsys.readouterr().err


def test_status_and_check_do_not_crash_while_another_process_writes(home, monkeypatch, capsys):
    home.mkdir(parents=True, exist_ok=True)
    code = "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(60)"
    writer = subprocess.Popen([sys.executable, "-c", code, str(home / "warehouse.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        monkeypatch.setenv("DIRECTORY_CSV_PATH", str(home))
        assert main(["check", "--no-probe"]) == 0
        assert main(["status"]) == 0
        assert "busy" in capsys.readouterr().out
    finally:
        writer.kill()
        writer.wait()


def _land_directory(tmp_path, monkeypatch, key: str) -> dg.ExecuteInProcessResult:
    monkeypatch.setenv("ARCHIPELAGO_PSEUDONYM_KEY", key)
    asset = build_ingestion_asset(directory_csv.SOURCE, "employees", directory_csv.SOURCE.extractors["employees"])
    return dg.materialize([asset], resources=default_resources(), instance=temp_instance(tmp_path / "instance"),
                          raise_on_error=False)


def test_a_changed_key_stops_before_landing_and_rekey_starts_afresh(home, tmp_path, monkeypatch):
    export = tmp_path / "directory.csv"
    export.write_text("\n".join([",".join(REQUIRED_COLUMNS)] + [
        f"E{i},p{i}@acme.example,P {i},Sales,Field,sales,Rep,,Remote,2020-01-01," for i in range(79)]) + "\n")
    monkeypatch.setenv("DIRECTORY_CSV_PATH", str(export))
    monkeypatch.setenv("DIRECTORY_CSV_SNAPSHOT_DATE", dt.date(2026, 11, 1).isoformat())
    assert _land_directory(tmp_path, monkeypatch, TEST_KEY).success
    export.write_text(export.read_text() + "E99,new@acme.example,New,Sales,Field,sales,Rep,,Remote,2020-01-01,\n")
    other_key = "another-key-0123456789abcdef-xyz"
    result = _land_directory(tmp_path, monkeypatch, other_key)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "ARCHIPELAGO_PSEUDONYM_KEY is not the key this warehouse was built with" in failure.step_failure_data.error.message
    with connect(home / "warehouse.duckdb", read_only=True) as conn:
        assert conn.execute("select count(*) from raw_directory_csv.employees").fetchone()[0] == 79  # not 158
    kept = rekey(home)
    assert kept.exists() and kept.name.startswith("warehouse.duckdb.before-rekey-")
    assert _land_directory(tmp_path, monkeypatch, other_key).success
    with connect(home / "warehouse.duckdb", read_only=True) as conn:
        assert conn.execute("select count(*) from raw_directory_csv.employees").fetchone()[0] == 80
