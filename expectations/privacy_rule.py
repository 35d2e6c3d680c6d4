"""The privacy rule of every published table, read from its dbt model's `meta` and checked in SQL.

Each published model declares, next to `published_as`, its `grain` (the row key) and `privacy`:

    privacy:                         # the table describes people
      - group_size: people           # the column holding the group's population
        figures: [seats, ...]        # the people figures published only for groups of at least k
        flag: is_suppressed          # optional, default is_suppressed
        group_size_is_published: true  # optional: the group size is org structure (a headcount)
        where: "kpi in ('...')"      # optional: rows the rule applies to
        total: {part_column: department_id, total_value: all_departments, within: [month_start]}
                                     # optional: a published total row -> complementary suppression
    privacy: {not_people: why}       # the table counts tickets, epics or org structure

A row breaks the rule when a figure is shown while the row is flagged or its group is below k (or
unknown), when a row below k is not flagged, when a withheld group size is shown, or when a total
is published beside exactly one hidden part (it could be subtracted back). The check names the
table, the first offending row's key and the column. No great_expectations import here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from expectations.spec import BLOCKING, Outcome

LABEL = "privacy floor"
DEFAULT_FLAG = "is_suppressed"


class RuleError(ValueError):
    """A published model's privacy metadata is missing or malformed."""


@dataclass(frozen=True)
class GroupRule:
    group_size: str
    figures: tuple[str, ...]
    flag: str = DEFAULT_FLAG
    group_size_is_published: bool = False
    where: str | None = None
    total: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TableRule:
    table: str
    grain: tuple[str, ...]
    groups: tuple[GroupRule, ...] = ()
    not_people: str | None = None


def parse_rule(table: str, meta: Mapping[str, Any]) -> TableRule:
    """The rule of `table` from its model's meta; RuleError says what to declare when it is missing."""
    privacy = meta.get("privacy")
    grain = tuple(meta.get("grain") or ())
    if privacy is None:
        raise RuleError(f"{table}: no privacy rule declared; add meta.privacy to its dbt model "
                        "(group_size + figures, or not_people: <why>)")
    if not grain:
        raise RuleError(f"{table}: no row key declared; add meta.grain (the grain columns) to its dbt model")
    if isinstance(privacy, Mapping) and "not_people" in privacy:
        return TableRule(table, grain, not_people=str(privacy["not_people"]))
    if isinstance(privacy, Mapping):
        privacy = [privacy]
    groups = []
    for item in privacy:
        if not isinstance(item, Mapping) or not item.get("group_size") or not item.get("figures"):
            raise RuleError(f"{table}: each meta.privacy entry needs group_size and figures, got {item!r}")
        groups.append(GroupRule(
            group_size=str(item["group_size"]),
            figures=tuple(item["figures"]),
            flag=str(item.get("flag") or DEFAULT_FLAG),
            group_size_is_published=bool(item.get("group_size_is_published", False)),
            where=item.get("where"),
            total=item.get("total"),
        ))
    return TableRule(table, grain, tuple(groups))


def _row_key(grain: Sequence[str]) -> str:
    return " || ', ' || ".join(f"'{c}=' || coalesce(cast({c} as varchar), 'NULL')" for c in grain)


def violations_sql(rule: TableRule, relation: str, k: int) -> str | None:
    """One row per broken row: (row_key, columns, problem). None when the table is not about people.

    One scan per group rule: each row lists the columns that break it (concat_ws skips the NULLs)."""
    if rule.not_people is not None:
        return None
    key = _row_key(rule.grain)
    parts: list[str] = []
    for group in rule.groups:
        n, flag = group.group_size, f"coalesce({group.flag}, false)"
        scope = f"({group.where})" if group.where else "true"
        below = f"({n} is null or {n} < {k})"
        broken = [f"case when {figure} is not null and ({flag} or {below}) then '{figure}' end" for figure in group.figures]
        broken.append(f"case when not {flag} and {n} < {k} then '{group.flag} (false below k)' end")
        if not group.group_size_is_published:
            broken.append(f"case when {n} is not null and {flag} then '{n} (shown on a suppressed row)' end")
        parts.append(f"""
            select 0 as priority, row_key, columns,
                   'published for a group of ' || coalesce(group_size, 'unknown size') || suppressed as problem
            from (
                select {key} as row_key, concat_ws(', ', {', '.join(broken)}) as columns,
                       cast({n} as varchar) as group_size,
                       case when {flag} then ' on a suppressed row' else '' end as suppressed
                from {relation} where {scope}
            ) as rows_checked
            where columns <> ''""")
        if group.total:
            part, total_value = group.total["part_column"], group.total["total_value"]
            within = list(group.total.get("within") or [])
            parts.append(f"""
                select 1 as priority, {_row_key(within) if within else "'all rows'"} as row_key, '{part}' as columns,
                       'total published beside exactly one hidden part: it can be subtracted back' as problem
                from {relation} where {scope}
                group by {", ".join(within) if within else "()"}
                having sum(case when {part} <> '{total_value}' and {flag} then 1 else 0 end) = 1
                   and max(case when {part} = '{total_value}' and not {flag} then 1 else 0 end) = 1""")
    return "\nunion all\n".join(parts)


def check_table(conn, rule: TableRule, relation: str, k: int) -> Outcome:
    """Run the rule on `relation`; the outcome's observed value names the first broken row and column."""
    if rule.not_people is not None:
        return Outcome(rule.table, f"{LABEL}: not about people", BLOCKING, True, rule.not_people,
                       {"kind": "privacy_rule", "not_people": rule.not_people})
    label = f"{LABEL}: people figures only for groups of at least k={k}"
    details = {"kind": "privacy_rule", "k": k, "grain": list(rule.grain),
               "groups": [{"group_size": g.group_size, "figures": list(g.figures), "flag": g.flag} for g in rule.groups]}
    sql = f"""
        with broken as ({violations_sql(rule, relation, k)})
        select counted.n, first.row_key, first.columns, first.problem
        from (select count(*) as n from broken) as counted
        left join (select * from broken order by priority, row_key limit 1) as first on true
    """
    try:
        count, row_key, column, problem = conn.execute(sql).fetchone()
    except Exception as exc:  # a declared column that does not exist, a bad `where`: the rule is broken
        return Outcome(rule.table, label, BLOCKING, False, f"rule could not be checked: {exc}".splitlines()[0], details)
    if not count:
        return Outcome(rule.table, label, BLOCKING, True, "0 rows break the floor", details)
    observed = f"{count} rows break the floor, e.g. {rule.table} row ({row_key}) column {column}: {problem}"
    return Outcome(rule.table, label, BLOCKING, False, observed, {**details, "row_key": row_key, "column": column})


def missing_rule_outcome(table: str, error: RuleError) -> Outcome:
    return Outcome(table, f"{LABEL}: rule declared", BLOCKING, False, str(error), {"kind": "privacy_rule"})
