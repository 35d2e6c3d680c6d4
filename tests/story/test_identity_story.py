"""Identity resolution on the demo organisation: every vendor identity is tied to a person or counted.

docs/sandbox_story.md §2: identity_overrides.csv maps every GitHub login, the OpenAI users who signed
up with a private address and the Jira users whose profile hides the e-mail. Reads the working
warehouse of the session build read-only (the identity models are not published).
"""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def warehouse(story_build):
    with duckdb.connect(str(story_build.warehouse), read_only=True) as conn:
        yield conn


def _summary(conn) -> dict[str, dict[str, int]]:
    cursor = conn.execute("select * from marts.identity_resolution_summary")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_every_github_login_resolves_through_the_override_file(warehouse, story_build):
    org = story_build.sandbox.org
    summary = _summary(warehouse)["github"]
    logins = {e.github_login for e in org.people.employees if e.github_login and e.start_date <= org.now.date()}
    assert summary["unresolved"] == 0
    assert summary["resolved_by_override"] == summary["identities"] == len(logins)


def test_private_openai_addresses_resolve_to_the_work_person(warehouse, story_build):
    org = story_build.sandbox.org
    private = sum(1 for person, _, email in org.openai_users() if email != org.people.employees[person].email)
    summary = _summary(warehouse)["openai"]
    assert private > 0
    assert summary["resolved_by_override"] == private
    assert summary["unresolved"] == 0 and summary["resolved_outside_directory"] == 0


def test_hidden_jira_emails_are_resolved_and_nothing_is_dropped(warehouse):
    summary = _summary(warehouse)
    assert summary["jira"]["resolved_by_override"] > 0 and summary["jira"]["unresolved"] == 0
    # Zendesk requesters are customers: resolved to an e-mail key outside the directory, not unresolved.
    assert summary["zendesk"]["resolved_outside_directory"] > 0
    for source, row in summary.items():
        assert row["identities"] == row["resolved_by_vendor_email"] + row["resolved_by_override"] + row["unresolved"], source
    raw = warehouse.execute("select count(*) from raw_jira.users").fetchone()[0]
    assert summary["jira"]["identities"] >= raw


def test_a_person_resolved_in_two_systems_is_one_person(warehouse):
    # The same employee's Jira, Zendesk and ServiceNow accounts meet in one person_key of the directory.
    shared = warehouse.execute(
        """
        select count(*) from (
            select person_key from intermediate.int_identity__resolved
            where is_in_directory and source in ('jira', 'zendesk', 'servicenow')
            group by person_key having count(distinct source) = 3
        )
        """
    ).fetchone()[0]
    assert shared > 100
