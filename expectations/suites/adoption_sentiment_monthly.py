"""adoption.sentiment_monthly: survey constructs per month x department, NPS in [-100, 100].

Its privacy floor (and complementary suppression) is the generic privacy check (pipelines.checks.privacy_floor)."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import (
    SURVEY_TABLES,
    between,
    departments_known,
    freshness,
    grain,
    not_null,
    schema,
    volume,
)

TABLE = "adoption.sentiment_monthly"
RELATION = "sentiment_monthly"
# The AI pulse runs monthly: a latest month older than two months means the survey feed stopped.
MAX_DELAY_DAYS = 62
TOTAL = "all_departments"
COLUMNS = (
    "month_start", "is_complete", "department_id", "department_name", "construct", "score_kind", "score", "promoter_share",
    "detractor_share", "respondents", "is_suppressed",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("month_start", "department_id", "construct")),
        *not_null("month_start", "is_complete", "department_id", "construct", "is_suppressed"),
        departments_known("department_id", ctx, extra=[TOTAL]),
        Expect("ExpectColumnValuesToBeInSet",
               {"column": "construct", "value_set": ["usefulness", "resistance", "psychological_safety", "tool_nps", "enps"]},
               label="range: construct known"),
        between("score", -100, 100),
        between("promoter_share", 0, 1),
        between("detractor_share", 0, 1),
        *volume(ctx, RELATION, SURVEY_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="range: mean constructs in [0, 100]",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where score_kind = 'mean_0_100' and (score < 0 or score > 100)
            """,
        ),
        SqlExpect(
            # Respondents appear twice: per department and in the organisation total, which must be
            # their sum (each respondent answers for one department) where every part is published.
            label="consistency: total respondents equal the sum over departments",
            sql=f"""
                with parts as (
                    select month_start, construct, sum(respondents) as respondents,
                           count(*) filter (where is_suppressed) as hidden
                    from {{marts}}.{RELATION} where department_id <> '{TOTAL}' group by 1, 2
                )
                select count(*) || ' mismatches', count(*) = 0
                from {{marts}}.{RELATION} t
                left join parts p on p.month_start = t.month_start and p.construct = t.construct
                where t.department_id = '{TOTAL}' and not t.is_suppressed and coalesce(p.hidden, 0) = 0
                  and t.respondents <> coalesce(p.respondents, -1)
            """,
        ),
        freshness(ctx, RELATION, "month_start", MAX_DELAY_DAYS, SURVEY_TABLES),
        *volume(ctx, RELATION, SURVEY_TABLES)[1],
    ]
