"""Session set-up shared by every test folder."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
sys.path.insert(0, str(Path(__file__).parent))  # archipelago_testing

from archipelago_testing import (  # noqa: E402
    STORY_EMPLOYEES,
    STORY_END,
    STORY_MONTHS,
    STORY_SEED,
    TEST_KEY,
    Build,
    isolated_env,
    materialize_everything,
    temp_instance,
)


def pytest_configure(config):
    # `make test` prepares the manifest; running pytest directly after editing models should work too.
    # Under pytest-xdist the controller does it before the workers start. The initiatives seed is
    # generated from config/initiatives.yml (not versioned), so it is written first.
    from pipelines.dbt_manifest import manifest_is_stale  # noqa: PLC0415
    from pipelines.initiatives import CONFIG_PATH, seed_held  # noqa: PLC0415

    if not hasattr(config, "workerinput"):
        with seed_held(CONFIG_PATH):  # under the lock: another pytest's build in this checkout may hold its own seed
            pass

    if not hasattr(config, "workerinput") and manifest_is_stale(DBT_DIR):
        from pipelines.assets.dbt import PARSE_ENVIRONMENT, dbt_executable  # noqa: PLC0415

        subprocess.run([dbt_executable(), "parse", "--quiet", "--profiles-dir", "."], cwd=DBT_DIR, check=True,
                       env={**os.environ, **PARSE_ENVIRONMENT})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Groups for `pytest -n auto --dist loadgroup` (`make test`): every test on the story build shares
    one worker, so the build (minutes) is made once; any other module's tests share one, so its
    module-scoped fixtures (a landed sandbox, say) are made once too. A test that names its own group
    (the Spark parity test: minutes on one worker) keeps it. The story group, the longest, goes first and
    the named groups next, so that both workers start a long group at once (`make test` keeps this order:
    --no-loadscope-reorder) and share everything else as they finish."""
    named = {item.nodeid for item in items if item.get_closest_marker("xdist_group") is not None}
    for item in items:
        if item.nodeid not in named:
            group = "story_build" if "story_build" in item.fixturenames else item.module.__name__
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: 0 if "story_build" in item.fixturenames else 1 if item.nodeid in named else 2)


@pytest.fixture(scope="session")
def story_build(tmp_path_factory) -> Build:
    """The demo organisation served by the sandbox, landed, modelled, checked and published once per session.

    Story tests (silo, adoption, value chain, KPI) read `story_build.warehouse` / `.published` read-only.
    """
    from archipelago.demo_history import land_m365_history  # noqa: PLC0415
    from connectors.privacy import Pseudonymiser  # noqa: PLC0415
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
        # A tenant that ran nightly since the start: the M365 usage reports of the nights before.
        land_m365_history(server, home / "warehouse.duckdb", server.env(), Pseudonymiser(TEST_KEY),
                          org.timeline.start, STORY_END - dt.timedelta(days=3))
        instance = temp_instance(root / "instance")
        result = materialize_everything(instance)
        yield Build(home, home / "warehouse.duckdb", home / "published" / "marts.duckdb", result, instance, server)
    finally:
        server.stop()
        mp.undo()
