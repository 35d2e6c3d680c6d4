"""value_chain.initiative_links: baseline, current, delta, DiD with its interval, pre-trend and evidence
per initiative x value-chain link."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import TICKET_TABLES, grain, not_null, schema, volume

TABLE = "value_chain.initiative_links"
RELATION = "initiative_links"
LINKS = ["change_activity", "behaviour_change", "primary_benefit", "business_value", "financial_impact"]
EVIDENCE = ["clear effect", "no clear effect", "not comparable: groups diverged before", "insufficient data"]
COLUMNS = (
    "initiative_id", "initiative_name", "link_order", "link", "metric", "unit", "target_departments",
    "comparison_departments", "baseline_start", "baseline_end", "current_start", "current_end", "baseline_value",
    "current_value", "delta", "delta_pct", "comparison_baseline_value", "comparison_current_value",
    "comparison_delta_pct", "did_estimate", "did_estimate_pct", "ci_level", "did_ci_low", "did_ci_high",
    "did_pct_ci_low", "did_pct_ci_high", "pretrend_did", "pretrend_ci_low", "pretrend_ci_high", "evidence",
    "baseline_observations", "current_observations", "status", "status_reason", "insufficient_data",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("initiative_id", "link")),
        *not_null("initiative_id", "link", "status"),
        Expect("ExpectColumnValuesToBeInSet", {"column": "link", "value_set": LINKS}, label="range: link is one of the five"),
        Expect("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["ok", "insufficient_data"]},
               label="range: status"),
        Expect("ExpectColumnValuesToBeInSet", {"column": "evidence", "value_set": EVIDENCE}, label="range: evidence"),
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
            label="consistency: intervals are ordered, insufficient_data says why, evidence follows the intervals",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where did_ci_low > did_ci_high or did_pct_ci_low > did_pct_ci_high or pretrend_ci_low > pretrend_ci_high
                   or (status = 'insufficient_data' and (status_reason is null or evidence <> 'insufficient data'))
                   or (link <> 'financial_impact' and evidence = 'clear effect'
                       and not (did_ci_low > 0 or did_ci_high < 0))
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
