"""One line for a failed dbt build: which nodes failed, why, and what to do where we know it.

dagster-dbt reports only "the dbt CLI process failed with exit code 1"; dbt's own reasons are in the
target directory's run_results.json."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

# dbt's words when an incremental model (on_schema_change='fail') meets a table built by an older version.
SCHEMA_CHANGED = "out of sync"
FULL_REFRESH_HINT = ("a model's columns changed since this warehouse was built (an upgrade): run "
                     "`archipelago refresh --full-refresh` once")
SHOWN = 3  # failed nodes named in the line; the rest are counted
# The per-model test that checks a model's row rules in one query (dbt_project/macros/test_model_rules.sql),
# named rules_<model>; its rows name the broken rule and column.
FOLDED_TEST = "rules_"
# Runs a failed test's compiled SQL against the warehouse dbt built, or None where that is not possible.
Query = Callable[[str], Sequence[tuple]]


class DbtBuildError(Exception):
    """The dbt step failed; the message names the failed models or tests and what to do."""


def _node_name(unique_id: str) -> str:
    # model.archipelago.int_tickets__handoffs / test.archipelago.not_null_x_y.3f2a1b -> the third part
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def _first_line(message: object) -> str:
    text = str(message or "").strip()
    return text.splitlines()[0].strip() if text else "failed"


def _broken_rules(result: dict, query: Query | None) -> str:
    """' (not_null department_id: 2 rows; grain week, tool: 4 rows)' for a failed model_rules test,
    whose dbt message only counts the broken rules; '' for other nodes or when it cannot be asked."""
    if query is None or not _node_name(result.get("unique_id", "")).startswith(FOLDED_TEST):
        return ""
    sql = result.get("compiled_code")
    if not sql:
        return ""
    try:
        rows = query(sql)
    except Exception:  # noqa: BLE001 - the line must still be written; dbt's count stands
        return ""
    return " (" + "; ".join(f"{rule} {column}: {count} rows" for rule, column, count in rows) + ")" if rows else ""


def failure_line(target_path: Path, query: Query | None = None) -> str | None:
    """The line for the failed nodes of the last build in `target_path`, or None when run_results.json
    is missing or names no failure (dbt failed before building anything: its own message stands).
    `query` runs a failed model_rules test's SQL again so the line names the rule and column."""
    try:
        results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    failed = [r for r in results if r.get("status") in ("error", "fail")]
    if not failed:
        return None
    named = "; ".join(f"{_node_name(r.get('unique_id', '?'))}: {_first_line(r.get('message'))}{_broken_rules(r, query)}"
                      for r in failed[:SHOWN])
    more = f" and {len(failed) - SHOWN} more" if len(failed) > SHOWN else ""
    if any(SCHEMA_CHANGED in str(r.get("message") or "") for r in failed):
        what_to_do = FULL_REFRESH_HINT
    else:
        what_to_do = f"fix the model or the data it reads; every node's result is in {target_path / 'run_results.json'}"
    return f"dbt build failed on {len(failed)} node(s): {named}{more}; {what_to_do}"


def unreported_line(missing: Sequence[str], target_path: Path) -> str:
    """The line for a dbt build that succeeded while Dagster received no event for some selected models or
    tests: dagster-dbt reads dbt's events from its output, one JSON object a line, and skips a line it cannot
    read (something else wrote into it), so those assets would silently miss their checks and publication."""
    named = ", ".join(sorted(missing)[:SHOWN]) + (f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else "")
    return (f"dbt build finished but Dagster received no result for {len(missing)} selected node(s) ({named}): "
            "their lines in dbt's output were unreadable, so nothing was checked or published; run the refresh "
            f"again, and report it if it repeats (every node's result is in {target_path / 'run_results.json'})")
