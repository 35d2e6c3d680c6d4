"""The published file explains itself: table and column comments from the dbt descriptions (grain,
units, privacy rule) written into the publication, and `dictionary.md` generated from those comments."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

import duckdb

from pipelines.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "dbt_project" / "target" / "manifest.json"

# The one table the publication writes itself, not a dbt model.
META_DOCS = {
    "meta.publication": (
        "This publication: one row. Grain: one publication (a run of the nightly job whose checks all passed).",
        {
            "run_id": "Dagster run that built and published these marts.",
            "published_at": "When the publication replaced the previous one (UTC).",
            "tables": "Published table -> row count (JSON).",
            "source_freshness": "Source -> last successful ingestion (UTC, JSON).",
            "check_summary": "Expectations evaluated, passed, and failed warnings in the run's quality gate (JSON).",
        },
    )
}

# The project's internal design references mean nothing to a reader of the published file.
_REFERENCE = r"(?:METRICS\.md(?:\s*§\s*[\d.-]+)?|DESIGN\.md|context/\d+[\w*]*)"
_INTERNAL_REFERENCES = (
    (re.compile(rf"\s+of\s+{_REFERENCE}\s+and\s+{_REFERENCE}\.?"), " of the seed articles."),
    (re.compile(rf"\s*\(\s*{_REFERENCE}\s*\)"), ""),
    (re.compile(rf"{_REFERENCE}\s*,\s*"), ""),
    (re.compile(rf"\s*{_REFERENCE}"), ""),
)


def _clean(text: str) -> str:
    text = text or ""
    for pattern, replacement in _INTERNAL_REFERENCES:
        text = pattern.sub(replacement, text)
    return " ".join(text.replace("( ", "(").replace(" )", ")").replace("()", "").split())


@lru_cache(maxsize=1)
def published_docs() -> dict[str, tuple[str, dict[str, str]]]:
    """Published name -> (table description, column -> description), from the dbt manifest."""
    manifest = json.loads(MANIFEST.read_text())
    docs = dict(META_DOCS)
    for node in manifest["nodes"].values():
        published_as = (node.get("config", {}).get("meta") or {}).get("published_as")
        if node["resource_type"] == "model" and published_as:
            columns = {name: _clean(column.get("description", "")) for name, column in node.get("columns", {}).items()}
            docs[published_as] = (_clean(node.get("description", "")), columns)
    return docs


def _privacy_note(columns: list[str]) -> str:
    flags = [c for c in columns if c.startswith("is_") and "suppressed" in c]
    if not flags:
        return ""
    k = os.environ.get("ARCHIPELAGO_PRIVACY_K", "5")
    return (f" Privacy floor: figures about fewer than {k} people are withheld (null), and {', '.join(flags)} "
            "is true on those rows.")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_publication(conn: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """Write COMMENT ON for every table and column of the publication attached as `catalog`."""
    docs = published_docs()
    tables = conn.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [catalog]
    ).fetchall()
    for schema, table in tables:
        name = f"{schema}.{table}"
        description, column_docs = docs.get(name, ("", {}))
        columns = [c for (c,) in conn.execute(
            "select column_name from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ? "
            "order by column_index", [catalog, schema, table]).fetchall()]
        relation = f'"{catalog}"."{schema}"."{table}"'
        if description:
            conn.execute(f"comment on table {relation} is {_literal(description + _privacy_note(columns))}")
        for column in columns:
            if column_docs.get(column):
                conn.execute(f'comment on column {relation}."{column}" is {_literal(column_docs[column])}')


def write_dictionary(conn: duckdb.DuckDBPyConnection, catalog: str, out_path: Path) -> Path:
    """`dictionary.md`: every table and column of the publication attached as `catalog`, with its comment."""
    tables = conn.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = ? order by schema_name = 'meta', 1, 2", [catalog]).fetchall()
    lines = ["# Data dictionary of the published marts", "",
             "Generated at each publication from the comments in `marts.duckdb`; the Parquet copies in "
             "`parquet/` hold the same tables as `schema.table.parquet`.", ""]
    for schema, table, comment in tables:
        lines += [f"## {schema}.{table}", "", comment or "_(no description)_", "",
                  "| column | type | description |", "| --- | --- | --- |"]
        for column, data_type, column_comment in conn.execute(
            "select column_name, data_type, comment from duckdb_columns() where database_name = ? "
            "and schema_name = ? and table_name = ? order by column_index", [catalog, schema, table]).fetchall():
            text = (column_comment or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{column}` | {data_type} | {text} |")
        lines.append("")
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, out_path)
    return out_path
