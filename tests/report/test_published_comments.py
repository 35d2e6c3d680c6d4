"""The published file explains itself: every table and column carries a comment, and dictionary.md
lists them all, without the project's internal design references."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.report import DICTIONARY_FILE

pytestmark = pytest.mark.integration

# The publication's own tables, not DuckDB's catalog views.
OWN = "not internal and database_name = current_database()"


def test_every_published_table_and_column_has_a_comment(story_build):
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        tables = conn.execute(f"select schema_name || '.' || table_name, comment from duckdb_tables() where {OWN}").fetchall()
        columns = conn.execute(
            f"select schema_name || '.' || table_name || '.' || column_name, comment from duckdb_columns() where {OWN}"
        ).fetchall()
    assert len(tables) > 10
    assert [name for name, comment in tables if not comment] == []
    assert [name for name, comment in columns if not comment] == []
    grain = dict(tables)["kpi.scorecard_monthly"]
    assert "Grain:" in grain
    assert "Privacy floor" in dict(tables)["adoption.sentiment_monthly"]
    assert not [name for name, comment in tables + columns if re.search(r"METRICS\.md|DESIGN\.md|context/0", comment)]


def test_dictionary_lists_every_table_and_column(story_build):
    dictionary = (story_build.published.parent / DICTIONARY_FILE).read_text()
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        for schema, table in conn.execute(f"select schema_name, table_name from duckdb_tables() where {OWN}").fetchall():
            assert f"## {schema}.{table}\n" in dictionary
        for (column,) in conn.execute(f"select distinct column_name from duckdb_columns() where {OWN}").fetchall():
            assert f"| `{column}` |" in dictionary
