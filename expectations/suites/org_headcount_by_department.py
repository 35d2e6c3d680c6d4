"""org.headcount_by_department: headcount by department and role family."""

from expectations.spec import Expect, SqlExpect, SuiteContext, freshness_expectation, volume_expectation

TABLE = "org.headcount_by_department"
# A directory export older than this means the HR feed stopped.
DIRECTORY_MAX_DELAY_DAYS = 7


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        Expect(
            "ExpectTableColumnsToMatchSet",
            {
                "column_set": [
                    "department_id", "department_name", "role_family", "as_of_date",
                    "headcount", "joiners_last_90_days", "leavers_last_90_days", "is_suppressed",
                ],
                "exact_match": True,
            },
            label="schema: columns",
        ),
        Expect(
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["department_id", "role_family"]},
            label="grain: department_id x role_family unique",
        ),
        Expect("ExpectColumnValuesToNotBeNull", {"column": "department_id"}, label="key not null: department_id"),
        Expect("ExpectColumnValuesToNotBeNull", {"column": "role_family"}, label="key not null: role_family"),
        Expect(
            "ExpectColumnValuesToBeInSet",
            {"column": "department_id", "value_set": sorted(ctx.department_ids)},
            label="referential integrity: department_id in dim_department",
        ),
        Expect("ExpectColumnValuesToBeBetween", {"column": "headcount", "min_value": 0}, label="range: headcount >= 0"),
        freshness_expectation("as_of_date", ctx, max_delay_days=DIRECTORY_MAX_DELAY_DAYS),
        *volume_expectation(ctx),
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    # The same people counted twice must agree: headcount summed over role families equals the
    # number of current employees in the person dimension.
    return [
        SqlExpect(
            label="consistency: total headcount equals current people in dim_person",
            sql="""
                select
                    (select sum(headcount) from {marts}.headcount_by_department) || ' vs ' ||
                    (select count(*) from {marts}.dim_person
                      where employment_end_date is null
                         or employment_end_date > (select max(as_of_date) from {marts}.headcount_by_department)),
                    (select sum(headcount) from {marts}.headcount_by_department) =
                    (select count(*) from {marts}.dim_person
                      where employment_end_date is null
                         or employment_end_date > (select max(as_of_date) from {marts}.headcount_by_department))
            """,
        )
    ]
