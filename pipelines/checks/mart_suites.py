"""Every published mart's great-expectations suite as a blocking Dagster asset check.

A failing blocking expectation fails the check with ERROR severity: the publish step of the same run
does not execute, so BI tools keep the last good publication. The check's metadata lists each failed
expectation with its observed value; every outcome is also kept in `meta.check_results`.
"""


from collections.abc import Mapping
from types import ModuleType

import dagster as dg

from expectations.spec import BLOCKING, Outcome
from expectations.suites import load_suites
from pipelines.publishing import PUBLISHED_FILE
from pipelines.quality import blocking_failures, record_outcomes, run_suite, suite_context, write_data_docs
from pipelines.resources import WarehouseResource

CHECK_NAME = "gx_suite"


def relation_of(key: dg.AssetKey) -> str:
    return ".".join(key.path)


def check_result(table: str, outcomes: list[Outcome]) -> dg.AssetCheckResult:
    failed = [o for o in outcomes if not o.success]
    blocking = blocking_failures(outcomes)
    metadata: dict[str, dg.RawMetadataValue] = {
        "table": table,
        "expectations": len(outcomes),
        "failed": len(failed),
        "failed_blocking": len(blocking),
    }
    if failed:
        metadata["failures"] = dg.MetadataValue.md(
            "\n".join(f"- **{o.expectation}** ({o.severity}): observed `{o.observed_value[:300]}`" for o in failed)
        )
    for outcome in outcomes:
        metadata[f"observed: {outcome.expectation}"[:120]] = outcome.observed_value[:500]
    return dg.AssetCheckResult(
        passed=not blocking,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description="; ".join(o.describe() for o in failed)[:2000] or f"{len(outcomes)} expectations passed",
    )


def _suite_outcomes(conn, warehouse: WarehouseResource, run_id: str, table: str, key: dg.AssetKey,
                    suite: ModuleType | None) -> list[Outcome]:
    if suite is None:
        return [Outcome(table, "a suite exists for every published table", BLOCKING, False,
                        "no module in expectations.suites declares TABLE = " + repr(table))]
    ctx = suite_context(conn, warehouse.published_dir / PUBLISHED_FILE, table, relation_of(key),
                        getattr(suite, "PERIOD_COLUMN", None))
    outcomes = run_suite(conn, table, relation_of(key), suite, ctx)
    record_outcomes(conn, run_id, outcomes)
    return outcomes


def build_suite_checks(published: Mapping[str, dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    """One blocking check per published mart, all evaluated in one step.

    A multi-asset check, subsettable (a run that builds some marts evaluates their suites only): one
    step opens the warehouse and writes the data docs once for all suites, where a step per suite
    paid that and Dagster's own per-step work fifteen times. Each mart keeps its own check and its
    own verdict; a suite that fails blocks its mart, and the publish step, as before.
    """
    suites = load_suites()
    targets = {
        dg.AssetCheckKey(key, CHECK_NAME): (table, key, suites.get(table))
        for table, key in published.items()
    }
    specs = [
        dg.AssetCheckSpec(CHECK_NAME, asset=key, blocking=True,
                          description=f"great-expectations suite of the published table {table}")
        for table, key, _ in targets.values()
    ]
    if not specs:
        return []

    @dg.multi_asset_check(specs=specs, name="mart_suites", can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        run_id = context.run.run_id
        selected = [key for key in targets if key in context.selected_asset_check_keys]
        errors: list[str] = []
        with warehouse.connect() as conn:
            for check_key in selected:
                table, key, suite = targets[check_key]
                try:
                    outcomes = _suite_outcomes(conn, warehouse, run_id, table, key, suite)
                except Exception as exc:  # the other suites still run; the step fails below
                    context.log.error(f"{table}: the suite could not run: {exc}")
                    errors.append(f"{table}: {exc}")
                    continue
                for outcome in outcomes:
                    if not outcome.success:
                        context.log.warning(outcome.describe())
                result = check_result(table, outcomes)
                yield dg.AssetCheckResult(
                    asset_key=key, check_name=CHECK_NAME, passed=result.passed, severity=result.severity,
                    metadata=result.metadata, description=result.description,
                )
            write_data_docs(conn, warehouse.home_path, run_id)
        if errors:
            raise RuntimeError("mart suites that could not run: " + "; ".join(errors))

    return [_checks]
