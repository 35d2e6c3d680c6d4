"""Session set-up shared by every test folder."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"
sys.path.insert(0, str(Path(__file__).parent))  # archipelago_testing

from archipelago_testing import (  # noqa: E402
    STORY_EMPLOYEES,
    STORY_END,
    STORY_MONTHS,
    STORY_SEED,
    Build,
    isolated_env,
    materialize_everything,
    temp_instance,
)


def _manifest_is_stale() -> bool:
    if not MANIFEST.exists():
        return True
    built = MANIFEST.stat().st_mtime
    sources = [DBT_DIR / "dbt_project.yml"] + [
        p for d in ("models", "macros", "seeds", "tests") for p in (DBT_DIR / d).rglob("*") if p.is_file()
    ]
    return any(p.stat().st_mtime > built for p in sources)


def pytest_configure(config):
    # `make test` prepares the manifest; running pytest directly after editing models should work too.
    if _manifest_is_stale():
        dbt = Path(sys.executable).with_name("dbt")
        subprocess.run([str(dbt), "parse", "--quiet", "--profiles-dir", "."], cwd=DBT_DIR, check=True)


@pytest.fixture(scope="session")
def story_build(tmp_path_factory) -> Build:
    """The demo organisation served by the sandbox, landed, modelled, checked and published once per session.

    Story tests (silo, adoption, value chain, KPI) read `story_build.warehouse` / `.published` read-only.
    """
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("story")
    home = root / "home"
    home.mkdir()
    isolated_env(mp, home)
    mp.setenv("ARCHIPELAGO_TODAY", (STORY_END + dt.timedelta(days=1)).isoformat())
    org = generate_organisation(seed=STORY_SEED, employees=STORY_EMPLOYEES, months=STORY_MONTHS, end_date=STORY_END)
    server = SandboxServer(org, port=0, exports_dir=root / "exports").start()
    try:
        for name, value in server.env().items():
            mp.setenv(name, value)
        instance = temp_instance(root / "instance")
        result = materialize_everything(instance)
        yield Build(home, home / "warehouse.duckdb", home / "published" / "marts.duckdb", result, instance, server)
    finally:
        server.stop()
        mp.undo()
