"""Shared pieces of the silo suites: an empty silo mart is right only when no ticket was landed."""

from expectations.spec import Expect, SqlExpect, SuiteContext, volume_expectation
from expectations.suites.activity import activity_freshness

# Every ticketing system the silo marts read; with none of them landed the marts are empty by design.
TICKET_TABLES = ("raw_jira.issues", "raw_zendesk.tickets", "raw_servicenow.incidents")


def _landed_tickets_sql() -> str:
    return " + ".join(f"(select count(*) from {t})" for t in TICKET_TABLES)


def volume(ctx: SuiteContext, table: str, landed: str | None = None) -> tuple[list[Expect], list[SqlExpect]]:
    """Row count band after a non-empty publication; before one, not empty unless nothing was landed.

    `landed` counts the source rows the mart is built from (default: tickets of every system).
    """
    if ctx.previous_row_count:
        return volume_expectation(ctx), []
    landed = landed or _landed_tickets_sql()
    return [], [
        SqlExpect(
            label="volume: not empty when its source rows were landed",
            sql=f"""
                select
                    (select count(*) from {{marts}}.{table}) || ' rows, ' || ({landed}) || ' source rows landed',
                    (select count(*) from {{marts}}.{table}) > 0 or ({landed}) = 0
            """,
        )
    ]


def freshness(ctx: SuiteContext, table: str, column: str, max_delay_days: int, activity: str | None = None,
              raw_tables: tuple[str, ...] = TICKET_TABLES) -> SqlExpect:
    """The latest period keeps up with the tickets' activity (`activity`: a scalar subquery of the
    latest relevant date, default any ticket's) and the ticketing systems are landing."""
    return activity_freshness(ctx, table, column, max_delay_days, raw_tables, activity)
