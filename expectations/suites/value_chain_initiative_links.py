"""value_chain.initiative_links: baseline, current, delta and DiD per initiative x value-chain link."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import TICKET_TABLES, grain, not_null, schema, volume

TABLE = "value_chain.initiative_links"
RELATION = "initiative_links"
LINKS = ["change_activity", "behaviour_change", "primary_benefit", "business_value", "financial_impact"]
COLUMNS = (
    "initiative_id", "initiative_name", "link_order", "link", "metric", "unit", "target_departments",
    "baseline_start", "baseline_end", "current_start", "current_end", "baseline_value", "current_value", "delta",
    "delta_pct", "comparison_baseline_value", "comparison_current_value", "comparison_delta_pct", "did_estimate",
    "did_estimate_pct", "baseline_observations", "current_observations", "status", "insufficient_data",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("initiative_id", "link")),
        *not_null("initiative_id", "link", "status"),
        Expect("ExpectColumnValuesToBeInSet", {"column": "link", "value_set": LINKS}, label="range: link is one of the five"),
        Expect("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["ok", "insufficient_data"]},
               label="range: status"),
        *volume(ctx, RELATION, TICKET_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="consistency: insufficient_data links print no number, ok links print baseline and current",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where (status = 'insufficient_data' and (baseline_value is not null or current_value is not null
                                                        or delta is not null or did_estimate is not null))
                   or (status = 'ok' and (baseline_value is null or current_value is null))
            """,
        ),
        SqlExpect(
            label="consistency: delta = current - baseline and DiD = delta - comparison delta",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where status = 'ok' and (
                    abs(delta - (current_value - baseline_value)) > 1e-6
                    or (did_estimate is not null and abs(did_estimate - (delta - (comparison_current_value - comparison_baseline_value))) > 1e-6)
                )
            """,
        ),
        SqlExpect(
            label="range: every initiative has its five links",
            sql=f"""
                select count(*), count(*) = 0 from (
                    select initiative_id from {{marts}}.{RELATION} group by 1 having count(*) <> 5
                ) as incomplete
            """,
        ),
        *volume(ctx, RELATION, TICKET_TABLES)[1],
    ]
