"""The generic privacy rule on hand-made tables: what it reads from a model's meta and what it catches."""

import duckdb
import pytest

from expectations.privacy_rule import RuleError, check_table, parse_rule

META = {
    "grain": ["month_start", "department_id"],
    "privacy": [{"group_size": "people", "figures": ["active", "share"],
                 "total": {"part_column": "department_id", "total_value": "all", "within": ["month_start"]}}],
}


@pytest.fixture()
def conn():
    conn = duckdb.connect()
    conn.execute("""
        create table t as select * from (values
            (date '2026-10-01', 'sales', 12, 6, 0.5, false),
            (date '2026-10-01', 'ops', 7, 1, 0.14, false),
            (date '2026-10-01', 'hr', null, null, null, true),      -- 4 people: k - 1
            (date '2026-10-01', 'legal', null, null, null, true),   -- hidden with it (complementary)
            (date '2026-10-01', 'all', 31, 9, 0.29, false)
        ) as v(month_start, department_id, people, active, share, is_suppressed)
    """)
    yield conn
    conn.close()


def test_a_suppressed_table_passes(conn):
    outcome = check_table(conn, parse_rule("x.t", META), "t", 5)
    assert outcome.success and outcome.severity == "blocking", outcome.observed_value


def test_a_figure_on_a_group_of_k_minus_one_fails_naming_row_and_column(conn):
    conn.execute("update t set people = 4, active = 2, is_suppressed = false where department_id = 'hr'")
    outcome = check_table(conn, parse_rule("x.t", META), "t", 5)
    assert not outcome.success
    assert outcome.observed_value.startswith("2 rows break the floor, e.g. x.t row (")
    assert outcome.details["row_key"] == "month_start=2026-10-01, department_id=hr"
    assert outcome.details["column"] == "active, is_suppressed (false below k)"
    assert "group of 4" in outcome.observed_value


def test_a_figure_on_a_flagged_row_and_a_shown_group_size_fail(conn):
    conn.execute("update t set share = 0.25 where department_id = 'legal'")
    assert check_table(conn, parse_rule("x.t", META), "t", 5).details["column"] == "share"
    conn.execute("update t set share = null, people = 4 where department_id = 'legal'")
    assert check_table(conn, parse_rule("x.t", META), "t", 5).details["column"] == "people (shown on a suppressed row)"


def test_a_total_beside_one_hidden_part_fails(conn):
    conn.execute("update t set people = 9, active = 3, share = 0.33, is_suppressed = false where department_id = 'legal'")
    outcome = check_table(conn, parse_rule("x.t", META), "t", 5)
    assert not outcome.success and "subtracted back" in outcome.observed_value
    assert outcome.details["row_key"] == "month_start=2026-10-01"


def test_a_published_group_size_may_stay_and_a_larger_k_bites(conn):
    meta = {"grain": META["grain"], "privacy": {"group_size": "people", "figures": ["active"], "group_size_is_published": True}}
    conn.execute("update t set people = 4 where is_suppressed")
    assert check_table(conn, parse_rule("x.t", meta), "t", 5).success
    stricter = check_table(conn, parse_rule("x.t", meta), "t", 10)
    assert not stricter.success and stricter.details["row_key"] == "month_start=2026-10-01, department_id=ops"


def test_rules_must_be_declared_and_must_name_real_columns(conn):
    with pytest.raises(RuleError, match="no privacy rule declared"):
        parse_rule("x.t", {"grain": ["month_start"]})
    with pytest.raises(RuleError, match="meta.grain"):
        parse_rule("x.t", {"privacy": {"not_people": "tickets"}})
    with pytest.raises(RuleError, match="group_size and figures"):
        parse_rule("x.t", {"grain": ["a"], "privacy": [{"group_size": "n"}]})
    broken = {"grain": META["grain"], "privacy": {"group_size": "people", "figures": ["no_such_column"]}}
    outcome = check_table(conn, parse_rule("x.t", broken), "t", 5)
    assert not outcome.success and outcome.observed_value.startswith("rule could not be checked")
    exempt = check_table(conn, parse_rule("x.t", {"grain": ["a"], "privacy": {"not_people": "tickets"}}), "t", 5)
    assert exempt.success and exempt.observed_value == "tickets"
