"""silo.collaboration_scores_monthly: survey collaboration score and asymmetry per month x department pair."""

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

TABLE = "silo.collaboration_scores_monthly"
RELATION = "collaboration_scores_monthly"
# The collaboration survey is quarterly: allow a quarter and a month.
MAX_DELAY_DAYS = 125
COLUMNS = (
    "month_start", "is_complete", "rater_department_id", "rated_department_id", "rater_department_name", "rated_department_name",
    "is_self_rating", "score", "asymmetry", "raters", "is_suppressed",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("month_start", "rater_department_id", "rated_department_id")),
        *not_null("month_start", "is_complete", "rater_department_id", "rated_department_id", "is_suppressed"),
        departments_known("rater_department_id", ctx),
        departments_known("rated_department_id", ctx),
        between("score", 0, 10),
        between("asymmetry", -10, 10),
        *volume(ctx, RELATION, SURVEY_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            # The asymmetry of A->B appears again, negated, as that of B->A.
            label="consistency: asymmetry(A, B) = -asymmetry(B, A)",
            sql=f"""
                select count(*), count(*) = 0
                from {{marts}}.{RELATION} a
                join {{marts}}.{RELATION} b
                  on b.month_start = a.month_start and b.rater_department_id = a.rated_department_id
                 and b.rated_department_id = a.rater_department_id
                where abs(a.asymmetry + b.asymmetry) > 1e-9
            """,
        ),
        freshness(ctx, RELATION, "month_start", MAX_DELAY_DAYS, SURVEY_TABLES),
        *volume(ctx, RELATION, SURVEY_TABLES)[1],
    ]
