"""Shared test helpers: isolated environments and one real build of the demo organisation."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

TEST_KEY = "test-pseudonym-key-0123456789abcdef"
DEMO_DIRECTORY = Path(__file__).resolve().parents[1] / "config" / "demo" / "directory.csv"

# Variables of every source: unset in tests unless a test sets them, so no developer's .env leaks in.
SOURCE_PREFIXES = (
    "DIRECTORY_CSV", "MSGRAPH_", "BAMBOOHR_", "JIRA_", "ZENDESK_", "SERVICENOW_", "GITHUB_", "OPENAI_",
    "TYPEFORM_", "QUALTRICS_", "TRAINING_CSV", "SURVEY_CSV", "IDENTITY_OVERRIDES", "ARCHIPELAGO_",
)

# The demo organisation every story test reads: the story of docs/sandbox_story.md, fixed dates.
STORY_SEED = 42
STORY_EMPLOYEES = 300
STORY_MONTHS = 12
STORY_END = dt.date(2026, 10, 31)


@dataclass
class Build:
    home: Path
    warehouse: Path
    published: Path
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance
    sandbox: object  # the running SandboxServer (its org holds the generator's truth)


def isolated_env(mp: pytest.MonkeyPatch, home: Path) -> None:
    for name in list(os.environ):
        if name.startswith(SOURCE_PREFIXES):
            mp.delenv(name)
    mp.setenv("ARCHIPELAGO_HOME", str(home))
    mp.setenv("ARCHIPELAGO_PSEUDONYM_KEY", TEST_KEY)
    mp.setenv("ARCHIPELAGO_WAREHOUSE_PATH", str(home / "warehouse.duckdb"))


def materialize_everything(instance: dg.DagsterInstance, **kwargs) -> dg.ExecuteInProcessResult:
    from pipelines.definitions import ASSETS, CHECKS, RESOURCES  # noqa: PLC0415

    return dg.materialize([*ASSETS, *CHECKS], resources=RESOURCES, instance=instance, raise_on_error=False, **kwargs)


def temp_instance(directory: Path) -> dg.DagsterInstance:
    directory.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.local_temp(str(directory), overrides={"telemetry": {"enabled": False}})


def failures(result: dg.ExecuteInProcessResult) -> str:
    """The failed steps and failed checks of a run, for assertion messages."""
    lines = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            while error and error.cause:
                error = error.cause
            lines.append(f"{event.step_key}: {error.message.strip()[:800] if error else '?'}")
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            lines.append(f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name}: {evaluation.description}")
    return "\n".join(lines) or "no failed step"
