"""Runs a suite on a pandas DataFrame with great-expectations 1.x (imported here, lazily).

GX's SQL engine cannot read DuckDB (every metric comes back empty), so callers hand us the table as
a DataFrame (DuckDB -> Arrow -> pandas) and compute heavy aggregates in SQL (`SqlExpect`).
"""

from __future__ import annotations

import gc
import json
import threading
from functools import lru_cache
from typing import Any

from expectations.spec import Expect, Outcome

_GX_LOCK = threading.Lock()


def warm_up_in_background() -> threading.Thread:
    """Import great-expectations in a thread now, so the first suite does not wait for it.

    A refresh calls this when the dbt build starts: dbt works in its own process on one core, the
    import (6-15 s of Python) takes the other, and the suites after the build find it done.
    """
    thread = threading.Thread(target=_gx, name="great-expectations-import", daemon=True)
    thread.start()
    return thread


def _gx():
    with _GX_LOCK:  # the warm-up thread and a suite may ask at once: one import, one context
        return _gx_context()


@lru_cache(maxsize=1)
def _gx_context():
    import great_expectations as gx  # noqa: PLC0415  (about 6 s: only when a check really runs)
    import great_expectations.expectations as gxe  # noqa: PLC0415

    context = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: PLC0415

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic; an API change must not break validation
        pass
    source = context.data_sources.add_pandas("archipelago")
    # great-expectations' modules stay for the process: out of later garbage collections, as the
    # code location's imports are (pipelines/gc_tuning.py).
    gc.freeze()
    return gx, gxe, context, source


def _observed(result: dict[str, Any]) -> str:
    if "observed_value" in result:
        value = result["observed_value"]
    elif "unexpected_count" in result:
        value = {
            "unexpected_count": result.get("unexpected_count"),
            "unexpected_examples": result.get("partial_unexpected_list", [])[:5],
        }
    else:
        value = result
    return json.dumps(value, default=str)


def validate_dataframe(table: str, frame, expectations: list[Expect]) -> list[Outcome]:
    """Validate `frame` (the rows of `table`) against `expectations`; one Outcome each."""
    if not expectations:
        return []
    gx, gxe, context, source = _gx()
    asset_name = table.replace(".", "__")
    try:
        asset = source.get_asset(asset_name)
    except (LookupError, KeyError, ValueError):
        asset = source.add_dataframe_asset(asset_name)
    try:
        batch_definition = asset.get_batch_definition("whole")
    except (LookupError, KeyError, ValueError):
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    suite = gx.ExpectationSuite(name=f"{table}.suite")
    for index, spec in enumerate(expectations):
        expectation_class = getattr(gxe, spec.type)
        suite.add_expectation(expectation_class(**spec.kwargs, meta={"index": index}))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite)
    outcomes: list[Outcome] = []
    for item in result.results:
        spec = expectations[int(item.expectation_config.meta["index"])]
        details = {"type": spec.type, "kwargs": spec.kwargs}
        if item.exception_info and item.exception_info.get("raised_exception"):
            details["exception"] = str(item.exception_info.get("exception_message"))
        outcomes.append(
            Outcome(
                table=table,
                expectation=spec.name,
                severity=spec.severity,
                success=bool(item.success),
                observed_value=_observed(item.result or {}) if not details.get("exception") else details["exception"],
                details=json.loads(json.dumps(details, default=str)),
            )
        )
    return outcomes
