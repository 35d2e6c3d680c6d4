"""Operational guarantees on the story build: dbt writes under ARCHIPELAGO_HOME, the publication is a
versioned unit behind stable paths."""

import os

from pipelines.assets.dbt import DBT_PROJECT_DIR
from pipelines.publishing import CURRENT_LINK


def test_dbt_artefacts_live_under_the_home_not_in_the_checkout(story_build):
    target = story_build.home / "dbt" / "target"
    assert (target / "run_results.json").exists()
    run_id = story_build.result.run_id
    assert not [p for p in (DBT_PROJECT_DIR / "target").glob(f"*{run_id[:7]}*")], "a per-run folder in the checkout"


def test_the_published_marts_parquet_and_current_version_are_one_unit(story_build):
    published = story_build.published.parent
    version = (published / CURRENT_LINK).resolve()
    assert os.path.realpath(story_build.published) == str(version / "marts.duckdb")
    assert os.path.realpath(published / "parquet") == str(version / "parquet")
    assert {p.name for p in (version / "parquet").iterdir()} >= {"org.headcount_by_department.parquet"}
