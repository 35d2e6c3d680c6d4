"""Whether the dbt manifest (`dbt_project/target/manifest.json`) is older than the project's files.

Light on purpose (no Dagster, no dbt): the test session and the code location both ask it.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / "dbt_project.yml"] + [
        p for d in ("models", "macros", "seeds", "tests") for p in (project_dir / d).rglob("*") if p.is_file()
    ]
    return any(p.stat().st_mtime > built for p in sources)
