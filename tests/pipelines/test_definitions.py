"""The code location loads cleanly, cheaply, and has what the README promises."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys, time
started = time.perf_counter()
import pipelines.definitions as d
seconds = time.perf_counter() - started
graph = d.defs.resolve_asset_graph()
print(json.dumps({
    "seconds": seconds,
    "gx_imported": any(m == "great_expectations" or m.startswith("great_expectations.") for m in sys.modules),
    "assets": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
    "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys),
    "jobs": [j.name for j in d.defs.resolve_all_job_defs()],
    "marts_without_freshness": sorted(k.to_user_string() for k in graph.get_all_asset_keys()
                                      if k.path[0] == "marts" and graph.get(k).freshness_policy is None),
    "schedules": [s.name for s in d.defs.resolve_schedule_defs()] if hasattr(d.defs, "resolve_schedule_defs") else [],
}))
"""


def test_code_location_loads_without_great_expectations_or_dbt_parsing(tmp_path):
    manifest = ROOT / "dbt_project" / "target" / "manifest.json"
    before = manifest.stat().st_mtime_ns
    env = {"PATH": "/usr/bin:/bin", "ARCHIPELAGO_HOME": str(tmp_path), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"code location import: {facts['seconds']:.2f}s")
    assert facts["gx_imported"] is False
    assert manifest.stat().st_mtime_ns == before, "loading the code location must not re-parse the dbt project"
    assert {"raw_directory_csv/employees", "marts/dim_department", "marts/headcount_by_department", "published/marts"} <= set(facts["assets"])
    assert {"marts/dim_department:gx_suite", "marts/headcount_by_department:gx_suite"} <= set(facts["checks"])
    assert "nightly_refresh" in facts["jobs"]
    assert facts["marts_without_freshness"] == [], "Dagster's freshness views need a policy on every mart"


def test_workspace_yaml_points_at_the_definitions():
    text = (ROOT / "workspace.yaml").read_text()
    assert "module_name: pipelines.definitions" in text and "attribute: defs" in text


def test_dagster_loads_the_workspace_as_dagster_dev_does(tmp_path):
    """`dagster dev` (README: `make ui`) loads workspace.yaml; validating it runs the same loading."""
    dagster = Path(sys.executable).with_name("dagster")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "ARCHIPELAGO_HOME": str(tmp_path / "home"), "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    out = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert "Validation successful for code location archipelago" in out.stdout + out.stderr
