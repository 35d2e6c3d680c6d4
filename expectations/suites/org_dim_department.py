"""org.dim_department: the department dimension every other mart refers to."""

from expectations.spec import Expect, SuiteContext, volume_expectation

TABLE = "org.dim_department"


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        Expect(
            "ExpectTableColumnsToMatchSet",
            {"column_set": ["department_id", "department_name", "first_seen_on", "is_active"], "exact_match": True},
            label="schema: columns",
        ),
        Expect("ExpectColumnValuesToBeUnique", {"column": "department_id"}, label="grain: department_id unique"),
        Expect("ExpectColumnValuesToNotBeNull", {"column": "department_id"}, label="key not null: department_id"),
        Expect("ExpectColumnValuesToNotBeNull", {"column": "department_name"}, label="not null: department_name"),
        *volume_expectation(ctx),
    ]
