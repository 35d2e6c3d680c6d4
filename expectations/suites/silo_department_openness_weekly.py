"""silo.department_openness_weekly: E-I index, openness, ping-pong, boundary wait per department and week."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.silo_common import freshness, volume

TABLE = "silo.department_openness_weekly"
RELATION = "department_openness_weekly"
TICKETS_MAX_DELAY_DAYS = 14


def expectations(ctx: SuiteContext) -> list[Expect]:
    rate = lambda c, lo, hi: Expect(  # noqa: E731
        "ExpectColumnValuesToBeBetween", {"column": c, "min_value": lo, "max_value": hi}, label=f"range: {c} in [{lo}, {hi}]"
    )
    return [
        Expect(
            "ExpectTableColumnsToMatchSet",
            {
                "column_set": [
                    "week_start", "is_complete", "department_id", "department_name", "people_with_ties", "ties_external",
                    "ties_internal", "ei_index", "openness", "is_suppressed", "organisation_openness",
                    "tickets_resolved", "pingpong_tickets_resolved", "pingpong_rate", "handoffs_out", "handoffs_in",
                    "handoffs_in_passed_on", "handoffs_in_open",
                    "boundary_wait_calendar_hours_median", "boundary_wait_business_hours_median",
                    "tickets_created", "miscommunication_tickets", "miscommunication_per_100_tickets",
                ],
                "exact_match": True,
            },
            label="schema: columns",
        ),
        Expect("ExpectCompoundColumnsToBeUnique", {"column_list": ["week_start", "department_id"]},
               label="grain: week_start x department_id unique"),
        *(
            Expect("ExpectColumnValuesToNotBeNull", {"column": c}, label=f"key not null: {c}")
            for c in ("week_start", "department_id", "is_suppressed", "tickets_resolved", "handoffs_out", "handoffs_in")
        ),
        Expect("ExpectColumnValuesToBeInSet", {"column": "department_id", "value_set": sorted(ctx.department_ids)},
               label="referential integrity: department_id in dim_department"),
        rate("ei_index", -1, 1),
        rate("openness", 0, 1),
        rate("organisation_openness", 0, 1),
        rate("pingpong_rate", 0, 1),
        rate("miscommunication_per_100_tickets", 0, 100),
        *volume(ctx, RELATION)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            # The same handoffs counted twice must agree: the matrix's total equals the handoffs out of
            # and into departments here, and so does every row and column of it.
            label="consistency: handoffs_weekly totals equal handoffs_out and handoffs_in",
            sql="""
                with matrix_out as (
                    select week_start, from_department_id as department_id, sum(handoffs) as n
                    from {marts}.handoffs_weekly group by 1, 2
                ),
                matrix_in as (
                    select week_start, to_department_id as department_id, sum(handoffs) as n
                    from {marts}.handoffs_weekly group by 1, 2
                ),
                mismatches as (
                    select count(*) as n
                    from {marts}.department_openness_weekly as d
                    left join matrix_out as o on o.week_start = d.week_start and o.department_id = d.department_id
                    left join matrix_in as i on i.week_start = d.week_start and i.department_id = d.department_id
                    where d.handoffs_out <> coalesce(o.n, 0) or d.handoffs_in <> coalesce(i.n, 0)
                ),
                totals as (
                    select
                        coalesce((select sum(handoffs) from {marts}.handoffs_weekly), 0) as matrix,
                        coalesce((select sum(handoffs_out) from {marts}.department_openness_weekly), 0) as handoffs_out,
                        coalesce((select sum(handoffs_in) from {marts}.department_openness_weekly), 0) as handoffs_in
                )
                select
                    'matrix ' || matrix || ', out ' || handoffs_out || ', in ' || handoffs_in
                        || ', mismatched rows ' || (select n from mismatches),
                    matrix = handoffs_out and matrix = handoffs_in and (select n from mismatches) = 0
                from totals
            """,
        ),
        freshness(ctx, RELATION, "week_start", TICKETS_MAX_DELAY_DAYS),
        *volume(ctx, RELATION)[1],
    ]
