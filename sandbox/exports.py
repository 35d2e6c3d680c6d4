"""File exports exactly as docs/configuration.md defines them, as of the organisation's "now"."""

from __future__ import annotations

import csv
import os
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.org import Organisation

DIRECTORY_COLUMNS = ("employee_id", "email", "display_name", "department", "team", "role_family", "job_title",
                     "manager_email", "location", "start_date", "end_date")
TRAINING_COLUMNS = ("email", "module_id", "module_name", "started_on", "completed_on", "pre_score", "post_score")
SURVEY_COLUMNS = ("response_id", "survey_id", "submitted_at", "respondent_email", "department", "question_id", "answer")
OVERRIDE_COLUMNS = ("source", "vendor_id", "email")


def _write(path: Path, header: tuple[str, ...], rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def directory_rows(org: Organisation, job_history: bool = True):
    """One row per person (snapshot) or per person and job change (`valid_from`, effective-dated)."""
    today = org.now.date()
    people = org.people.employees
    for e in people:
        if e.start_date > today:
            continue  # not yet joined
        left = e.end_date is not None and e.end_date <= today
        end = e.end_date.isoformat() if left else ""
        if job_history:
            jobs = [(max(a.valid_from, e.start_date), a) for a in e.history
                    if a.valid_from <= (e.end_date if left else today)]
        else:
            jobs = [(None, e.assignment_at(e.end_date if left else today))]
        for valid_from, job in jobs:
            manager = people[job.manager].email if job.manager is not None else ""
            row = (e.employee_id, e.email, e.display_name, job.department, job.team.name, job.role_family,
                   job.job_title, manager, e.location, e.start_date.isoformat(), end)
            yield (*row, valid_from.isoformat()) if job_history else row


def training_rows(org: Organisation):
    from sandbox.learning import MODULES

    today = org.now.date()
    people = org.people.employees
    for r in org.training:
        if r.started_on > today:
            continue
        done = r.completed_on is not None and r.completed_on <= today
        yield (people[r.person].email, r.module_id, MODULES[r.module_id], r.started_on.isoformat(),
               r.completed_on.isoformat() if done else "", "" if r.pre_score is None else r.pre_score,
               r.post_score if done and r.post_score is not None else "")


def survey_rows(org: Organisation):
    for r in org.surveys:
        if r.source != "csv" or r.submitted_at > org.now:
            continue
        at = r.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        for question, answer in r.answers:
            yield (r.response_id, r.survey_id, at, "", r.department, question, answer)  # anonymous survey


def override_rows(org: Organisation):
    today = org.now.date()
    for e in org.people.employees:
        if e.start_date > today:
            continue
        if e.github_login:
            yield ("github", e.github_login, e.email)
        if e.idx in org.jira.hidden_email:
            yield ("jira", e.jira_account_id, e.email)
    for seat_person, user_id, email in org.openai_users():
        person = org.people.employees[seat_person]
        if email != person.email:
            yield ("openai", user_id, person.email)


def write_exports(org: Organisation, directory: Path, job_history: bool = True) -> dict[str, Path]:
    """Write the four exports; `job_history` adds the optional `valid_from` column (one row per job).

    Each file is dated (modification time) by the simulated clock, as a real export would be by the
    day it arrived: the directory connector dates an export without a configured snapshot date so."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    header = (*DIRECTORY_COLUMNS, "valid_from") if job_history else DIRECTORY_COLUMNS
    written = {
        "directory": _write(directory / "directory.csv", header, directory_rows(org, job_history)),
        "training": _write(directory / "training.csv", TRAINING_COLUMNS, training_rows(org)),
        "survey": _write(directory / "survey.csv", SURVEY_COLUMNS, survey_rows(org)),
        "identity_overrides": _write(directory / "identity_overrides.csv", OVERRIDE_COLUMNS, override_rows(org)),
    }
    arrived = org.now.replace(tzinfo=UTC).timestamp()
    for path in written.values():
        os.utime(path, (arrived, arrived))
    return written
