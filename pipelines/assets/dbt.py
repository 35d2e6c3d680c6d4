"""The dbt project as Dagster assets.

The manifest is prepared once, at set-up (`make setup` runs `dbt parse`) or by `dagster dev`
(`prepare_if_dev`, when a model changed since), never at import: loading the code location only reads
target/manifest.json.
"""


import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets, get_asset_key_for_model
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from packaging import version

from expectations.runner import warm_up_in_background
from pipelines.checks.mart_suites import CHECK_NAME as MART_SUITE_CHECK_NAME
from pipelines.dbt_failures import DbtBuildError, failure_line, unreported_line
from pipelines.dbt_manifest import DBT_PROJECT_DIR, manifest_is_stale
from pipelines.engines import apply_dbt_environment
from pipelines.engines.duckdb import DuckDBEngine
from pipelines.initiatives import seed_held as initiatives_seed_held
from pipelines.resources import WarehouseResource
from pipelines.warehouse import WAREHOUSE_FILE

# Runs dbt from the warehouse's directory, so that the profile dbt hashes for its partial parse does
# not depend on ARCHIPELAGO_HOME (see the script).
DBT_IN_WAREHOUSE_DIR = Path(__file__).with_name("dbt_in_warehouse_dir.sh")
# The environment in which `dbt parse` prepares the partial parse every refresh reuses (`make setup`,
# the tests' set-up): the warehouse by its file name, as the script above shows it to dbt.
PARSE_ENVIRONMENT = {"ARCHIPELAGO_WAREHOUSE_PATH": WAREHOUSE_FILE}
# What a refresh runs. Unit tests pin SQL logic on fixed inputs, not the data: CI runs them
# (tests/story/test_dbt_unit_tests.py), a refresh need not pay for them every time.
REFRESH_BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test")
REFRESH_EXCLUDE = "source:*"
# What Dagster's freshness views hold the marts to (the nightly job runs at 02:00).
MART_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=48), warn_window=dt.timedelta(hours=26))
# Run tag that makes the dbt step rebuild incremental models from scratch (`archipelago refresh --full-refresh`).
FULL_REFRESH_TAG = "archipelago/full_refresh"


def dbt_executable() -> str:
    """The dbt next to this interpreter (the project's venv), else whatever is on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def dbt_python(executable: str) -> str | None:
    """The Python a dbt console script runs with (its own venv's), or None when that is not plain to see."""
    python = Path(executable).with_name("python")
    return str(python) if python.exists() else None


def _dbt_on_path() -> None:
    """`prepare_if_dev` (under `dagster dev`) runs plain `dbt`: make it this environment's, activated or not."""
    directory = str(Path(dbt_executable()).parent)
    path = os.environ.get("PATH", "")
    if directory not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([directory, path]) if path else directory


@lru_cache(maxsize=1)
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    _dbt_on_path()
    if manifest_is_stale(DBT_PROJECT_DIR):
        # Under `dagster dev` only, and only after a model changed: a parse rewrites the manifest that
        # other processes on this checkout read.
        project.prepare_if_dev()
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"dbt manifest {project.manifest_path} is missing: run `make setup` (or `ARCHIPELAGO_WAREHOUSE_PATH="
            f"{WAREHOUSE_FILE} dbt parse --project-dir {DBT_PROJECT_DIR} --profiles-dir {DBT_PROJECT_DIR}`) once "
            "before loading the pipelines."
        )
    return project


class ArchipelagoDbtTranslator(DagsterDbtTranslator):
    """Models keyed by their warehouse layer (`staging/…`, `intermediate/…`, `marts/…`); sources by raw schema."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["alias"] or dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.key.path[0] == "marts":
            # The nightly refresh rebuilds every mart once a day: late after a day and a bit, stale after two.
            return spec.replace_attributes(freshness_policy=MART_FRESHNESS)
        return spec

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> dg.AutomationCondition | None:
        # Models follow their upstream (an event-triggered ingestion run, say) by declarative automation,
        # but never build on top of an upstream whose blocking checks failed.
        return dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()


TRANSLATOR = ArchipelagoDbtTranslator()


def published_models_meta() -> dict[str, dict[str, Any]]:
    """Published name -> the model's `meta` (published_as, grain, privacy, ...), from the manifest."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    models = {}
    for node in manifest["nodes"].values():
        meta = node.get("config", {}).get("meta") or {}
        if node["resource_type"] == "model" and meta.get("published_as"):
            models[meta["published_as"]] = {**meta, "asset_key": TRANSLATOR.get_asset_key(node)}
    return dict(sorted(models.items()))


def published_tables() -> dict[str, dg.AssetKey]:
    """Published name (e.g. `org.dim_department`) -> asset key of the mart, from the models' `meta.published_as`."""
    return {name: meta["asset_key"] for name, meta in published_models_meta().items()}


def dbt_target_path(home: Path) -> Path:
    """Where a refresh's dbt writes its artefacts (compiled SQL, run results, logs)."""
    return home / "dbt" / "target"


class ArchipelagoDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, minus two fixed costs of every dbt step that buy this project nothing:
    a `dbt --version` subprocess (a dbt start-up, ~3 s of CPU, and a request to PyPI: the dbt it runs
    is the dbt-core installed with this interpreter), and loading dbt's profile, project and adapter
    into this process (~1.5 s of CPU), which only serves the column metadata and row counts that
    `fetch_column_metadata()` / `fetch_row_counts()` add and this project does not ask for."""

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__  # noqa: PLC0415  (dagster-dbt has imported dbt already)

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002
        return None


def dbt_resource() -> DbtCliResource:
    os.environ["ARCHIPELAGO_DBT_EXECUTABLE"] = dbt_executable()
    python = dbt_python(os.environ["ARCHIPELAGO_DBT_EXECUTABLE"])
    if python:  # dbt through pipelines/assets/dbt_main.py: less garbage collection
        os.environ["ARCHIPELAGO_DBT_PYTHON"] = python
    return ArchipelagoDbtCliResource(project_dir=dbt_project(), dbt_executable=str(DBT_IN_WAREHOUSE_DIR))


def _runs_mart_suites(context: dg.AssetExecutionContext) -> bool:
    """Whether this run includes great-expectations suites (`gx_suite` checks), which run in this process."""
    selection = context.run.asset_check_selection
    return selection is None or any(key.name == MART_SUITE_CHECK_NAME for key in selection)


def _query_on(warehouse: WarehouseResource):
    """Runs a failed test's SQL again on the DuckDB warehouse dbt built (None on other engines: their
    compiled SQL is not DuckDB's), so the failure line can name the broken rule and column."""
    if not isinstance(warehouse.get_engine(), DuckDBEngine):
        return None

    def query(sql: str) -> list[tuple]:
        with warehouse.connect(read_only=True) as conn:
            return conn.execute(sql).fetchall()

    return query


def _releasing_after(events: Iterator, key: dg.AssetKey, release: Callable[[], None]) -> Iterator:
    """dbt's events, passed on; `release` is called once the asset `key` has been materialised."""
    for event in events:
        yield event
        if getattr(event, "asset_key", None) == key or (isinstance(event, dg.Output) and event.output_name == key.to_python_identifier()):
            release()


def _every_selected_node_reported(context: dg.AssetExecutionContext, events: Iterator, target_path: Path) -> Iterator:
    """dbt's events, passed on; then a DbtBuildError if a selected model or test sent none. dagster-dbt
    skips an output line it cannot parse as JSON, and Dagster then only logs the missing output and skips
    everything downstream (the checks, the publication) in a run that still succeeds."""
    assets, checks = set(context.selected_asset_keys), set(context.selected_asset_check_keys)
    for event in events:
        if isinstance(event, dg.Output):
            assets.discard(context.assets_def.keys_by_output_name.get(event.output_name))
        elif isinstance(event, dg.AssetMaterialization):
            assets.discard(event.asset_key)
        elif isinstance(event, dg.AssetCheckResult):
            checks.discard(dg.AssetCheckKey(event.asset_key, event.check_name))
        yield event
    missing = [key.to_user_string() for key in assets] + [key.to_user_string() for key in checks]
    if missing:
        raise DbtBuildError(unreported_line(missing, target_path))


def build_dbt_assets() -> dg.AssetsDefinition:
    # dbt's tests on the raw sources are not selected: Dagster has no asset check for them (the raw assets
    # belong to the ingestion steps), so it logged a warning per source test on every run. The raw tables'
    # keys and shape are checked where they land (the source checks on the raw assets).
    @dbt_assets(manifest=dbt_project().manifest_path, dagster_dbt_translator=TRANSLATOR, name="dbt_models",
                exclude=REFRESH_EXCLUDE)
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        # dbt runs as a subprocess (DBT_IN_WAREHOUSE_DIR); its profile reads the warehouse from the environment.
        os.environ["ARCHIPELAGO_WAREHOUSE_PATH"] = str(warehouse.path)
        apply_dbt_environment(warehouse.get_engine(), os.environ)  # the dbt target of the run's engine
        warehouse.release_for_another_process()
        os.environ.setdefault("ARCHIPELAGO_DBT_EXECUTABLE", dbt_executable())
        # The mart suites after the build import great-expectations (seconds): start while dbt works.
        if _runs_mart_suites(context):
            warm_up_in_background()
        args = list(REFRESH_BUILD_ARGS)
        if context.run.tags.get(FULL_REFRESH_TAG) == "true":
            args.append("--full-refresh")
        # One target directory under ARCHIPELAGO_HOME, overwritten by each run: not a new folder per run
        # in the code checkout.
        target_path = dbt_target_path(warehouse.home_path)
        # The initiatives seed is generated from config/initiatives.yml (validated: a wrong entry stops
        # here) and held as this run wrote it until dbt has loaded it (or is done, if it is not built).
        with initiatives_seed_held() as release_seed:
            try:
                events = dbt.cli(args, context=context, target_path=target_path).stream()
                events = _releasing_after(events, get_asset_key_for_model([context.assets_def], "initiatives"), release_seed)
                yield from _every_selected_node_reported(context, events, target_path)
            except DagsterDbtCliRuntimeError:
                line = failure_line(target_path, _query_on(warehouse))
                if line is None:
                    raise
                raise DbtBuildError(line) from None
        # The checks and the publication read the marts in the control warehouse (nothing to do on DuckDB).
        copied = warehouse.copy_marts()
        if copied:
            context.log.info(f"copied {len(copied)} marts ({sum(copied.values())} rows) from the engine for the checks")

    return dbt_models
