"""One suite per published table of the BI contract: `SUITES[published name] -> module`.

A suite module defines `TABLE` (its published name), `expectations(ctx) -> list[Expect]` (run by
great-expectations on the table's rows) and optionally `sql_expectations(ctx) -> list[SqlExpect]`
(aggregates computed in DuckDB, e.g. consistency with another table).
"""

from __future__ import annotations

import importlib
from types import ModuleType

SUITE_MODULES = (
    "expectations.suites.org_dim_department",
    "expectations.suites.org_headcount_by_department",
    "expectations.suites.silo_handoffs_weekly",
    "expectations.suites.silo_department_openness_weekly",
    "expectations.suites.silo_epic_lead_time_monthly",
    "expectations.suites.adoption_tool_usage_daily",
    "expectations.suites.adoption_team_phase_weekly",
    "expectations.suites.adoption_sentiment_monthly",
    "expectations.suites.adoption_training_monthly",
    "expectations.suites.adoption_usage_segments_monthly",
    "expectations.suites.silo_ai_tool_fragmentation",
    "expectations.suites.silo_collaboration_scores_monthly",
    "expectations.suites.value_chain_ticket_outcomes_monthly",
    "expectations.suites.value_chain_initiative_links",
    "expectations.suites.kpi_scorecard_monthly",
)


def load_suites() -> dict[str, ModuleType]:
    suites = {}
    for path in SUITE_MODULES:
        module = importlib.import_module(path)
        suites[module.TABLE] = module
    return suites
