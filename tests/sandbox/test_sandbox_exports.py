"""File exports: exact columns of docs/configuration.md, contents as of the simulated now."""

from __future__ import annotations

import csv
from datetime import date

DIRECTORY = "employee_id,email,display_name,department,team,role_family,job_title,manager_email,location,start_date,end_date"
TRAINING = "email,module_id,module_name,started_on,completed_on,pre_score,post_score"
SURVEY = "response_id,survey_id,submitted_at,respondent_email,department,question_id,answer"


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_headers_are_the_documented_contract(server):
    heads = {k: p.read_text(encoding="utf-8").splitlines()[0] for k, p in server.exports.items()}
    assert heads == {"directory": DIRECTORY + ",valid_from", "training": TRAINING, "survey": SURVEY,
                     "identity_overrides": "source,vendor_id,email"}


def test_directory_is_a_snapshot_as_of_now(server, org):
    rows = _rows(server.exports["directory"])
    today = server.now.date()
    assert len({(r["email"], r["valid_from"]) for r in rows}) == len(rows)
    assert all(r["start_date"] <= r["valid_from"] <= today.isoformat() for r in rows)
    movers = {r["email"] for r in rows} - {r["email"] for r in rows if r["valid_from"] == r["start_date"]}
    assert not movers, "everyone's first row starts on their start date"
    assert len(rows) > len({r["email"] for r in rows}), "department moves add effective-dated rows"
    assert all(date.fromisoformat(r["start_date"]) <= today for r in rows)
    assert all(not r["end_date"] or date.fromisoformat(r["end_date"]) <= today for r in rows)
    assert any(r["end_date"] for r in rows), "leavers are listed with their end date"
    emails = {r["email"] for r in rows}
    assert all(not r["manager_email"] or r["manager_email"] in emails for r in rows)
    assert {"Sales", "Marketing", "Customer Support", "Product", "Engineering", "IT", "HR", "Finance"} <= \
        {r["department"] for r in rows}


def test_training_and_survey_rows(server):
    training = _rows(server.exports["training"])
    assert {r["module_id"] for r in training} >= {"SUP-M365", "AI-101"}
    done = [r for r in training if r["completed_on"]]
    assert done and all(r["completed_on"] >= r["started_on"] for r in done)
    assert all(0 <= int(r["post_score"]) <= 100 for r in done if r["post_score"])
    survey = _rows(server.exports["survey"])
    assert survey and all(r["respondent_email"] == "" for r in survey)
    assert all(1 <= int(r["answer"]) <= 5 for r in survey)


def test_snapshot_variant_has_the_base_columns(org, tmp_path):
    paths = org.write_exports(tmp_path, job_history=False)
    rows = _rows(paths["directory"])
    assert paths["directory"].read_text().splitlines()[0] == DIRECTORY
    assert len({r["email"] for r in rows}) == len(rows)


def test_identity_overrides_cover_github_logins(server, org):
    rows = _rows(server.exports["identity_overrides"])
    github = {r["vendor_id"]: r["email"] for r in rows if r["source"] == "github"}
    engineers = [e for e in org.people.employees if e.github_login and e.start_date <= server.now.date()]
    assert github and all(github[e.github_login] == e.email for e in engineers)
    assert {r["source"] for r in rows} >= {"github", "jira"}
