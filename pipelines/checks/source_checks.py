"""Source contracts on the raw layer: the share of records each extractor sent to quarantine.

A record that breaks its source's contract goes to `quarantine.records` and the run goes on
(docs/quality_gate.md). This check says when that stopped being the exception: one check
per source, on its first raw table (waiting for all of them), comparing what the source's extractors
quarantined in the run with what they landed (`meta.ingestion_runs`):

    share = rows_quarantined / (rows_landed + rows_quarantined)

- share > ARCHIPELAGO_QUARANTINE_MAX_SHARE (default 0.05): blocking. The check fails with ERROR
  severity, the models downstream of that raw table do not build in this run, and the publish step
  refuses (it reads meta.check_results), so BI keeps the last good publication.
- share > ARCHIPELAGO_QUARANTINE_WARN_SHARE (default 0.01): warning. Reported in the check's
  metadata and meta.check_results; publication goes on.

Row-level source contracts (keys not null, unique, accepted values) are dbt tests on the staging
models, which dagster-dbt already surfaces as asset checks. No great_expectations import here.
"""


import json
import os
from collections.abc import Mapping, Sequence

import dagster as dg
import duckdb

from expectations.spec import BLOCKING, WARNING, Outcome
from pipelines.quality import record_outcomes, write_data_docs
from pipelines.resources import WarehouseResource

CHECK_NAME = "quarantine_share"
MAX_SHARE_VARIABLE = "ARCHIPELAGO_QUARANTINE_MAX_SHARE"
WARN_SHARE_VARIABLE = "ARCHIPELAGO_QUARANTINE_WARN_SHARE"
DEFAULT_MAX_SHARE = 0.05
DEFAULT_WARN_SHARE = 0.01


def _share_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a number between 0 and 1") from exc
    if not 0 <= value <= 1:
        raise ValueError(f"{name}={raw!r} is not a number between 0 and 1")
    return value


def thresholds() -> tuple[float, float]:
    """(warning share, blocking share) from the environment; the warning one never above the blocking one."""
    block = _share_env(MAX_SHARE_VARIABLE, DEFAULT_MAX_SHARE)
    warn = min(_share_env(WARN_SHARE_VARIABLE, DEFAULT_WARN_SHARE), block)
    return warn, block


def quarantine_outcome(conn: duckdb.DuckDBPyConnection, run_id: str | None, source: str, table: str,
                       extractors: Sequence[str] = ()) -> Outcome:
    """The source's quarantine share over its extractors' landings in `run_id` (an extractor that did
    not run in `run_id` counts with its latest landing)."""
    warn, block = thresholds()
    rows = conn.execute(
        """
        select extractor, run_id, status, coalesce(rows_landed, 0), coalesce(rows_quarantined, 0)
        from meta.ingestion_runs
        where source = ? and (len(?::varchar[]) = 0 or list_contains(?::varchar[], extractor))
        qualify row_number() over (partition by extractor order by (run_id = ?) desc, started_at desc) = 1
        order by extractor
        """,
        [source, list(extractors), list(extractors), run_id],
    ).fetchall()
    label = f"quarantine share of {source} <= {block:g} (warning above {warn:g})"
    if not rows:
        return Outcome(table, label, BLOCKING, True, "never landed", {"source": source})
    landed = sum(r[3] for r in rows)
    quarantined = sum(r[4] for r in rows)
    # The ledger itself says why: the most frequent reasons among the quarantined records of those runs.
    reasons = conn.execute(
        "select reason, count(*) from quarantine.records where source = ? and list_contains(?::varchar[], run_id) "
        "group by reason order by 2 desc limit 5",
        [source, sorted({r[1] for r in rows})],
    ).fetchall()
    total = landed + quarantined
    share = quarantined / total if total else 0.0
    success = share <= warn
    severity = WARNING if warn < share <= block else BLOCKING
    per_extractor = {r[0]: f"{r[4]}/{r[3] + r[4]} ({r[2]}, run {str(r[1])[:8]})" for r in rows}
    observed = (f"{share:.4f} ({quarantined} quarantined of {total} records; "
                + ", ".join(f"{k} {v}" for k, v in per_extractor.items()) + ")")
    details = {
        "source": source, "run_ids": sorted({r[1] for r in rows}), "rows_landed": landed,
        "rows_quarantined": quarantined, "share": round(share, 6), "warn_share": warn, "max_share": block,
        "per_extractor": per_extractor, "top_reasons": dict(reasons),
    }
    return Outcome(table, label, severity, success, observed, json.loads(json.dumps(details, default=str)))


def quarantine_check_result(outcome: Outcome) -> dg.AssetCheckResult:
    blocking = not outcome.success and outcome.severity == BLOCKING
    return dg.AssetCheckResult(
        passed=not blocking,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata={
            "table": outcome.table,
            "expectation": outcome.expectation,
            "observed": outcome.observed_value,
            "share": float(outcome.details.get("share", 0.0)),
            "rows_landed": int(outcome.details.get("rows_landed", 0)),
            "rows_quarantined": int(outcome.details.get("rows_quarantined", 0)),
            "top_reasons": dg.MetadataValue.json(outcome.details.get("top_reasons", {})),
        },
        description=outcome.describe(),
    )


def build_source_checks(sources=None, raw_keys: Mapping[str, Sequence[dg.AssetKey]] | None = None) -> list[dg.AssetChecksDefinition]:
    """The quarantine-share check of every registered source (optionally only the sources in
    `raw_keys`), on the source's first raw table and waiting for all of its raw tables.

    All of them run in one step (a multi-asset check, subsettable: a run that lands one source
    evaluates that source's check only): a Dagster step costs about half a second, the figure itself
    a millisecond.
    """
    from connectors.registry import load_sources  # noqa: PLC0415
    from pipelines.assets.ingestion import asset_key  # noqa: PLC0415

    sources = load_sources() if sources is None else sources
    targets: dict[dg.AssetCheckKey, tuple[str, str, list[str]]] = {}
    specs = []
    for source in sources:
        if raw_keys is not None and source.name not in raw_keys:
            continue
        keys = [asset_key(spec) for spec in source.specs()]
        if not keys:
            continue
        spec = dg.AssetCheckSpec(
            CHECK_NAME, asset=keys[0], additional_deps=keys[1:], blocking=True,
            description=f"share of {source.title} records quarantined in the run (source contract): blocking above "
                        f"{MAX_SHARE_VARIABLE} (default {DEFAULT_MAX_SHARE}), warning above {WARN_SHARE_VARIABLE} "
                        f"(default {DEFAULT_WARN_SHARE})",
        )
        specs.append(spec)
        targets[spec.key] = (source.name, ".".join(keys[0].path), list(source.extractors))
    if not specs:
        return []

    @dg.multi_asset_check(specs=specs, name="source_quarantine_shares", can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        run_id = context.run.run_id
        selected = [key for key in targets if key in context.selected_asset_check_keys]
        with warehouse.connect() as conn:
            outcomes = {key: quarantine_outcome(conn, run_id, *targets[key]) for key in selected}
            record_outcomes(conn, run_id, list(outcomes.values()))
            write_data_docs(conn, warehouse.home_path, run_id)
        for key, outcome in outcomes.items():
            if not outcome.success:
                context.log.warning(outcome.describe())
            result = quarantine_check_result(outcome)
            yield dg.AssetCheckResult(
                asset_key=key.asset_key, check_name=key.name, passed=result.passed, severity=result.severity,
                metadata=result.metadata, description=result.description,
            )

    return [_checks]
