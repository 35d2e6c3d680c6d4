"""ServiceNow encoded queries: `field>=value^field=value^ORDERBYfield^ORDERBYDESCfield`.

Supports the operators the connectors send (=, !=, >, >=, <, <=, IN, STARTSWITH, ISEMPTY,
ISNOTEMPTY) and the `javascript:gs.dateGenerate('2026-03-01','00:00:00')` date form. ServiceNow
ignores conditions it cannot parse on unknown fields; the sandbox answers 400 instead, so a
connector bug shows up rather than returning the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DATEGEN = re.compile(r"javascript:gs\.dateGenerate\('([^']+)'\s*,\s*'([^']+)'\)")
_OPS = ("ISNOTEMPTY", "ISEMPTY", "STARTSWITH", "NOT IN", "IN", ">=", "<=", "!=", ">", "<", "=")


class QueryError(ValueError):
    pass


@dataclass
class Condition:
    field: str
    op: str
    value: str

    def matches(self, record: dict) -> bool:
        actual = _plain(record.get(self.field, ""))
        v = self.value
        if self.op == "=":
            return actual == v
        if self.op == "!=":
            return actual != v
        if self.op == "IN":
            return actual in v.split(",")
        if self.op == "NOT IN":
            return actual not in v.split(",")
        if self.op == "STARTSWITH":
            return actual.startswith(v)
        if self.op == "ISEMPTY":
            return actual == ""
        if self.op == "ISNOTEMPTY":
            return actual != ""
        # ordered comparisons: timestamps "YYYY-MM-DD HH:MM:SS" compare as strings; numbers as numbers
        a, b = (float(actual), float(v)) if _numeric(actual) and _numeric(v) else (actual, v)
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[self.op]


@dataclass
class Query:
    conditions: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    def filter(self, records: list[dict]) -> list[dict]:
        out = [r for r in records if all(c.matches(r) for c in self.conditions)]
        for name, desc in reversed(self.order):
            out.sort(key=lambda r: _sort_key(r.get(name, "")), reverse=desc)
        return out


def parse(text: str, known_fields: set[str]) -> Query:
    q = Query()
    for part in (p for p in (text or "").split("^") if p):
        if part.startswith("ORDERBYDESC"):
            q.order.append((part[11:], True))
            continue
        if part.startswith("ORDERBY"):
            q.order.append((part[7:], False))
            continue
        if part.startswith("OR") or part == "NQ":
            raise QueryError(f"the sandbox does not support OR/NQ query parts ({part!r}); split the query")
        m = _DATEGEN.search(part)
        if m:
            part = part[: m.start()] + f"{m.group(1)} {m.group(2)}"
        for op in _OPS:
            i = part.find(op)
            if i > 0:
                name, value = part[:i], part[i + len(op):]
                if name not in known_fields:
                    raise QueryError(f"unknown field {name!r} in sysparm_query")
                q.conditions.append(Condition(name, op, value))
                break
        else:
            raise QueryError(f"cannot parse sysparm_query part {part!r}")
    for name, _ in q.order:
        if name not in known_fields:
            raise QueryError(f"unknown field {name!r} in ORDERBY")
    return q


def _plain(value) -> str:
    if isinstance(value, dict):
        return str(value.get("value", ""))
    return "" if value is None else str(value)


def _numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _sort_key(value):
    plain = _plain(value)
    return (0, float(plain), "") if _numeric(plain) else (1, 0.0, plain)
