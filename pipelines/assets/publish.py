"""The publish step of write-audit-publish: runs only after every mart's blocking checks passed."""


from collections.abc import Mapping

import dagster as dg

from pipelines.checks.mart_suites import relation_of
from pipelines.publishing import ArtefactBuilder, publish
from pipelines.report import publication_documents
from pipelines.resources import WarehouseResource

PUBLISHED_ASSET_KEY = dg.AssetKey(["published", "marts"])

# Files built from the validated marts and published with them as one unit (a report, a data
# dictionary): each an `ArtefactBuilder` (pipelines.publishing), run on the new version before it
# becomes current. Add a builder here to publish another artefact.
PUBLICATION_ARTEFACTS: tuple[ArtefactBuilder, ...] = (publication_documents,)


def _source_freshness(conn) -> dict[str, str]:
    rows = conn.execute(
        "select source, max(finished_at) from meta.ingestion_runs where status = 'succeeded' group by source"
    ).fetchall()
    return {source: str(at) for source, at in rows}


def _check_summary(conn, run_id: str) -> dict[str, int]:
    row = conn.execute(
        "select count(*), count(*) filter (where success), count(*) filter (where not success and severity = 'warning') "
        "from meta.check_results where run_id = ?",
        [run_id],
    ).fetchone()
    return {"expectations": row[0], "passed": row[1], "warnings_failed": row[2]}


def build_publish_asset(published: Mapping[str, dg.AssetKey],
                        artefacts: tuple[ArtefactBuilder, ...] = PUBLICATION_ARTEFACTS) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISHED_ASSET_KEY,
        deps=list(published.values()),
        group_name="published",
        kinds={"duckdb", "parquet"},
        # Republish whenever a mart changed and every blocking check on the marts passed.
        automation_condition=dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed(),
        description="published/marts.duckdb (+ Parquet and artefacts): the validated marts BI tools read, a new "
                    "immutable version switched in by one rename (docs/operations.md).",
    )
    def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        run_id = context.run.run_id
        with warehouse.connect() as conn:
            blocked = conn.execute(
                "select table_name, expectation, observed_value from meta.check_results "
                "where run_id = ? and not success and severity = 'blocking'",
                [run_id],
            ).fetchall()
            if blocked:
                # Belt and braces: the blocking checks already stop this step within a run.
                raise dg.Failure(
                    "publication blocked by failed checks: "
                    + "; ".join(f"{t}: {e} observed {v}" for t, e, v in blocked)
                )
            publication = publish(
                conn,
                warehouse.published_dir,
                {name: relation_of(key) for name, key in published.items()},
                run_id,
                check_summary=_check_summary(conn, run_id),
                source_freshness=_source_freshness(conn),
                artefacts=artefacts,
            )
        context.log.info(f"published {len(publication.row_counts)} tables to {publication.path}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(publication.path)),
                "version": dg.MetadataValue.path(str(publication.version_dir)),
                "tables": dg.MetadataValue.json(publication.row_counts),
                "published_at": str(publication.published_at),
            }
        )

    return published_marts
