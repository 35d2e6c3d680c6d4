"""Fixtures for the pipelines: an isolated ARCHIPELAGO_HOME and a current dbt manifest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = ROOT / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"
DEMO_DIRECTORY = ROOT / "config" / "demo" / "directory.csv"
TEST_KEY = "test-pseudonym-key-0123456789abcdef"

# Variables of every source: unset in tests unless a test sets them, so no developer's .env leaks in.
SOURCE_PREFIXES = (
    "DIRECTORY_CSV", "MSGRAPH_", "BAMBOOHR_", "JIRA_", "ZENDESK_", "SERVICENOW_", "GITHUB_", "OPENAI_",
    "TYPEFORM_", "QUALTRICS_", "TRAINING_CSV", "SURVEY_CSV", "IDENTITY_OVERRIDES",
)


def _manifest_is_stale() -> bool:
    if not MANIFEST.exists():
        return True
    built = MANIFEST.stat().st_mtime
    sources = [DBT_DIR / "dbt_project.yml", *[p for d in ("models", "macros", "seeds", "tests") for p in (DBT_DIR / d).rglob("*") if p.is_file()]]
    return any(p.stat().st_mtime > built for p in sources)


def pytest_configure(config):
    # `make test` prepares the manifest; running pytest directly after editing models should work too.
    if _manifest_is_stale():
        dbt = Path(sys.executable).with_name("dbt")
        subprocess.run([str(dbt), "parse", "--quiet", "--profiles-dir", "."], cwd=DBT_DIR, check=True)


@pytest.fixture
def archipelago_env(tmp_path, monkeypatch):
    """A fresh ARCHIPELAGO_HOME with the demo directory as the only source."""
    for name in list(os.environ):
        if name.startswith(SOURCE_PREFIXES):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ARCHIPELAGO_HOME", str(home))
    monkeypatch.setenv("ARCHIPELAGO_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("DIRECTORY_CSV_PATH", str(DEMO_DIRECTORY))
    monkeypatch.setenv("ARCHIPELAGO_WAREHOUSE_PATH", str(home / "warehouse.duckdb"))
    return home
