"""The folded per-model data test (dbt_project/macros/test_model_rules.sql) fails a build on the same rows
as the dbt tests it replaces (unique_combination, unique, not_null, accepted_values, value_between and
the other range tests, expression_is_true, at_most_n_per_group), and the failure line names the model,
each broken rule and its column. Real dbt on a tiny project with a deliberately broken seed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.dbt_failures import failure_line

ROOT = Path(__file__).resolve().parents[2]
MACRO = ROOT / "dbt_project" / "macros" / "test_model_rules.sql"

HEADER = "person_id,day,email,department_id,status,score,share\n"
# Every rule holds; NULLs pass accepted_values, between and the expressions, as in dbt's own tests.
CLEAN = HEADER + ("1,2026-01-01,a@x,d1,active,5,0.5\n1,2026-01-02,e@x,d1,left,,1.0\n"
                  "2,2026-01-01,,d2,active,10,0\n3,2026-01-01,,d2,,0,\n")
# Row 2 repeats the grain (person_id, day); row 3 has no department; rows 4 and 5 share an e-mail;
# row 4's status is not accepted, its score above the range and it breaks `status <> 'retired'`;
# row 5's score is below the range, its share above 1, and it breaks `person_id < 5`; the day has 5 rows.
BROKEN = HEADER + ("1,2026-01-01,a@x,d1,active,5,0.5\n1,2026-01-01,b@x,d1,active,5,0.5\n"
                   "2,2026-01-01,c@x,,active,5,0.5\n3,2026-01-01,d@x,d2,retired,11,0.5\n"
                   "5,2026-01-01,d@x,d2,active,-1,1.5\n")

SCHEMA = """version: 2
seeds:
{seeds}
"""
SEED = """  - name: {name}
    config:
      column_types: {{person_id: integer, day: date, email: varchar, department_id: varchar, status: varchar,
                     score: integer, share: double}}
    data_tests:
      - model_rules:
          name: rules_{name}
          arguments:
            grain: [[person_id, day], [person_id, email]]
            unique: [email]
            not_null: [person_id, day, department_id]
            accepted_values:
              status: [active, left]
            between:
              score: [0, 10]
              share: [null, 1]
            expressions:
              - "person_id < 5"
              - "status <> 'retired'"
            at_most_per_group: {{group_by: [day], n: 3}}
"""
EXPECTED = [
    ("accepted_values", "status", 1),
    ("at most 3 rows per", "day", 5),
    ("expression", "person_id < 5", 1),
    ("expression", 'status <> "retired"', 1),
    ("grain", "person_id, day", 2),
    ("not_null", "department_id", 1),
    ("range", "score outside [0, 10]", 2),
    ("range", "share above 1", 1),
    ("unique", "email", 2),
]


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "macros").mkdir(parents=True)
    (project / "seeds").mkdir()
    shutil.copy(MACRO, project / "macros")
    (project / "dbt_project.yml").write_text(
        "name: folded\nversion: '1.0'\nprofile: folded\nmacro-paths: [macros]\nseed-paths: [seeds]\n")
    (project / "profiles.yml").write_text(
        f"folded:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n      path: {tmp_path / 'w.duckdb'}\n      threads: 1\n")
    (project / "seeds" / "clean_people.csv").write_text(CLEAN)
    (project / "seeds" / "broken_people.csv").write_text(BROKEN)
    (project / "seeds" / "_seeds.yml").write_text(
        SCHEMA.format(seeds="".join(SEED.format(name=n) for n in ("clean_people", "broken_people"))))
    return project


def test_every_broken_rule_fails_the_build_naming_model_rule_and_column(tmp_path):
    project = _project(tmp_path)
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    out = subprocess.run([str(dbt), "build", "--profiles-dir", ".", "--no-partial-parse"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0, out.stdout[-3000:]
    target = project / "target"
    results = {r["unique_id"].split(".")[2]: r for r in json.loads((target / "run_results.json").read_text())["results"]}
    assert results["rules_clean_people"]["status"] == "pass"
    broken = results["rules_broken_people"]
    assert broken["status"] == "fail" and broken["failures"] == len(EXPECTED)  # one row per broken rule

    def query(sql: str) -> list[tuple]:
        with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    assert sorted(query(broken["compiled_code"])) == EXPECTED
    line = failure_line(target, query)
    assert line.startswith(f"dbt build failed on 1 node(s): rules_broken_people: Got {len(EXPECTED)} results")
    for rule, column, rows in EXPECTED:
        assert f"{rule} {column}: {rows} rows" in line
    assert "\n" not in line


def test_a_model_without_any_rule_is_refused_at_compile_time(tmp_path):
    project = _project(tmp_path)
    (project / "seeds" / "_seeds.yml").write_text(SCHEMA.format(
        seeds="  - name: clean_people\n    data_tests:\n      - model_rules: {name: rules_clean_people}\n"))
    (project / "seeds" / "broken_people.csv").unlink()
    dbt = Path(sys.executable).with_name("dbt")
    out = subprocess.run([str(dbt), "compile", "--profiles-dir", ".", "--no-partial-parse"], cwd=project,
                         env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "give at least one rule" in out.stdout, out.stdout[-2000:]
