"""Compare two publications table by table, whatever engine built them (the engine parity tests).

Equal means: the same published tables with the same columns; the same rows, matched by every column that
is not a float (the keys and every integer, text, date, boolean and list value); integers equal, floats
within 1e-9 relative (1e-12 absolute near zero), lists in the same order.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

REL = 1e-9
ABS = 1e-12


def published_tables(path: Path) -> dict[str, tuple[list[str], list[str], list[tuple]]]:
    """Published name -> (column names, DuckDB types, rows) of a publication's marts.duckdb."""
    with duckdb.connect(str(path), read_only=True) as conn:
        names = [f"{s}.{t}" for s, t in conn.execute(
            "select table_schema, table_name from information_schema.tables where table_schema <> 'meta' "
            "order by 1, 2").fetchall()]
        out = {}
        for name in names:
            schema, table = name.split(".")
            columns = conn.execute("select column_name, data_type from information_schema.columns "
                                   "where table_schema = ? and table_name = ? order by ordinal_position",
                                   [schema, table]).fetchall()
            out[name] = ([c for c, _ in columns], [t for _, t in columns], conn.execute(f"select * from {name}").fetchall())
    return out


def _is_float(kind: str) -> bool:
    return kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL")


def _sort_key(row: tuple, exact: list[int]) -> tuple:
    return tuple((row[i] is not None, repr(row[i]) if isinstance(row[i], list | dict) else row[i]) for i in exact)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)


def table_differences(name: str, expected, actual, limit: int = 3) -> list[str]:
    (columns, kinds, want), (got_columns, _, got) = expected, actual
    if got_columns != columns:
        return [f"{name}: columns {got_columns} instead of {columns}"]
    if len(got) != len(want):
        return [f"{name}: {len(got)} rows instead of {len(want)}"]
    exact = [i for i, kind in enumerate(kinds) if not _is_float(kind)]
    want, got = sorted(want, key=lambda r: _sort_key(r, exact)), sorted(got, key=lambda r: _sort_key(r, exact))
    problems = []
    for w, g in zip(want, got, strict=True):
        for i, column in enumerate(columns):
            same = _close(w[i], g[i]) if i not in exact else w[i] == g[i]
            if not same:
                key = {columns[j]: w[j] for j in exact[:4]}
                problems.append(f"{name}: row {key}: {column} is {g[i]!r} instead of {w[i]!r}")
                break
        if len(problems) >= limit:
            break
    return problems


def publication_differences(expected: Path, actual: Path) -> list[str]:
    """Everything that differs between two publications' marts.duckdb files (empty when equal)."""
    want, got = published_tables(expected), published_tables(actual)
    if sorted(got) != sorted(want):
        return [f"tables {sorted(got)} instead of {sorted(want)}"]
    return [problem for name in want for problem in table_differences(name, want[name], got[name])]
