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


def build_suite_check(table: str, key: dg.AssetKey, suite: ModuleType | None) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=key,
        name=CHECK_NAME,
        blocking=True,
        description=f"great-expectations suite of the published table {table}",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        if suite is None:
            outcomes = [Outcome(table, "a suite exists for every published table", BLOCKING, False,
                                "no module in expectations.suites declares TABLE = " + repr(table))]
            return check_result(table, outcomes)
        with warehouse.connect() as conn:
            ctx = suite_context(conn, warehouse.published_dir / PUBLISHED_FILE, table)
            outcomes = run_suite(conn, table, relation_of(key), suite, ctx)
            record_outcomes(conn, context.run.run_id, outcomes)
            write_data_docs(conn, warehouse.home_path, context.run.run_id)
        for outcome in outcomes:
            if not outcome.success:
                context.log.warning(outcome.describe())
        return check_result(table, outcomes)

    return _check


def build_suite_checks(published: Mapping[str, dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    suites = load_suites()
    return [build_suite_check(table, key, suites.get(table)) for table, key in published.items()]
