"""The folded grain/not-null data test (dbt_project/macros/test_grain_and_not_null.sql) fails a build on
the same rows as the dbt tests it replaces (unique_combination, unique, not_null), and the failure line
names the model, the rule and the column. Real dbt on a tiny project with a deliberately broken seed."""

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
MACRO = ROOT / "dbt_project" / "macros" / "test_grain_and_not_null.sql"

CLEAN = "person_id,day,email,department_id\n1,2026-01-01,a@x,d1\n1,2026-01-02,e@x,d1\n2,2026-01-01,,d2\n3,2026-01-01,,d2\n"
# Row 2 repeats the grain (person_id, day), rows 4 and 5 share an e-mail, row 3 has no department.
BROKEN = ("person_id,day,email,department_id\n1,2026-01-01,a@x,d1\n1,2026-01-01,b@x,d1\n2,2026-01-01,c@x,\n"
          "3,2026-01-01,d@x,d2\n4,2026-01-01,d@x,d2\n")

SCHEMA = """version: 2
seeds:
{seeds}
"""
SEED = """  - name: {name}
    config:
      column_types: {{person_id: integer, day: date, email: varchar, department_id: varchar}}
    data_tests:
      - grain_and_not_null:
          name: grain_and_not_null_{name}
          arguments:
            grain: [person_id, day]
            unique: [email]
            not_null: [person_id, day, department_id]
"""


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


def test_a_duplicated_grain_a_shared_key_and_a_null_fail_the_build_naming_model_rule_and_column(tmp_path):
    project = _project(tmp_path)
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    out = subprocess.run([str(dbt), "build", "--profiles-dir", ".", "--no-partial-parse"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0, out.stdout[-3000:]
    target = project / "target"
    results = {r["unique_id"].split(".")[2]: r for r in json.loads((target / "run_results.json").read_text())["results"]}
    assert results["grain_and_not_null_clean_people"]["status"] == "pass"
    broken = results["grain_and_not_null_broken_people"]
    assert broken["status"] == "fail" and broken["failures"] == 3  # three rules broken

    def query(sql: str) -> list[tuple]:
        with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    rows = sorted(query(broken["compiled_code"]))
    assert rows == [("grain", "person_id, day", 2), ("not_null", "department_id", 1), ("unique", "email", 2)]
    line = failure_line(target, query)
    assert line.startswith("dbt build failed on 1 node(s): grain_and_not_null_broken_people: Got 3 results")
    assert "not_null department_id: 1 rows" in line and "grain person_id, day: 2 rows" in line
    assert "unique email: 2 rows" in line and "\n" not in line
