"""The slice of JQL the connectors send: date, project and key restrictions joined by AND, ORDER BY.

`updated >= "2026-03-01 00:00" ORDER BY updated ASC` is the incremental query; dates have minute
resolution and are read in the API user's time zone, which is UTC in the sandbox. Anything else
is rejected with Jira's 400 error shape rather than silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

_CLAUSE = re.compile(
    r"""^\s*(?P<field>[A-Za-z_]+)\s*(?P<op>>=|<=|!=|=|>|<|\bnot\s+in\b|\bin\b)\s*(?P<value>"[^"]*"|'[^']*'|\([^)]*\)|[^\s()]+)\s*$""",
    re.IGNORECASE,
)
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
SORTABLE = {"updated", "created", "id", "key", "issuekey"}


class JqlError(ValueError):
    pass


@dataclass
class Query:
    date_filters: list[tuple[str, str, datetime]] = field(default_factory=list)  # (field, op, value)
    projects: set[str] | None = None
    excluded_projects: set[str] = field(default_factory=set)
    keys: set[str] | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    @property
    def bounded(self) -> bool:
        return bool(self.date_filters or self.projects or self.keys)


def parse(jql: str) -> Query:
    text = (jql or "").strip()
    q = Query()
    m = re.search(r"\border\s+by\b(.*)$", text, re.IGNORECASE | re.DOTALL)
    if m:
        for part in m.group(1).split(","):
            bits = part.split()
            if not bits:
                continue
            name = bits[0].lower()
            if name not in SORTABLE:
                raise JqlError(f"Not able to sort using field '{bits[0]}'.")
            desc = len(bits) > 1 and bits[1].lower() == "desc"
            q.order.append(("id" if name in ("id",) else "key" if name == "issuekey" else name, desc))
        text = text[: m.start()].strip()
    if text:
        for clause in re.split(r"\s+and\s+", text, flags=re.IGNORECASE):
            _clause(q, clause.strip())
    return q


def _clause(q: Query, clause: str) -> None:
    m = _CLAUSE.match(clause)
    if not m:
        raise JqlError(f"Error in the JQL Query: the sandbox cannot parse '{clause}'. "
                       "Use AND-joined clauses on updated, created, project or key.")
    name, op, value = m.group("field").lower(), " ".join(m.group("op").lower().split()), m.group("value")
    if name in ("updated", "created", "updateddate", "createddate"):
        if op not in (">=", ">", "<=", "<"):
            raise JqlError(f"Error in the JQL Query: operator '{op}' is not supported on '{name}' in the sandbox.")
        q.date_filters.append(("updated" if name.startswith("updated") else "created", op, _date(value)))
    elif name == "project":
        names = _values(value)
        if op in ("=", "in"):
            q.projects = names if q.projects is None else q.projects & names
        elif op in ("!=", "not in"):
            q.excluded_projects |= names
        else:
            raise JqlError(f"Error in the JQL Query: operator '{op}' is not supported on 'project'.")
    elif name in ("key", "issuekey", "id"):
        if op not in ("=", "in"):
            raise JqlError(f"Error in the JQL Query: operator '{op}' is not supported on '{name}'.")
        q.keys = _values(value)
    else:
        raise JqlError(f"Error in the JQL Query: field '{m.group('field')}' is not supported by the sandbox.")


def _values(value: str) -> set[str]:
    value = value.strip()
    if value.startswith("("):
        return {v.strip().strip("\"'").upper() for v in value[1:-1].split(",") if v.strip()}
    return {value.strip("\"'").upper()}


def _date(value: str) -> datetime:
    raw = value.strip("\"'")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise JqlError(f"Error in the JQL Query: date value '{raw}' is invalid. Valid formats include: "
                   "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd'.")
