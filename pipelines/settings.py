"""Process environment: `.env`, `ARCHIPELAGO_HOME` and the Dagster instance home under it.

Called once by the command line and by the code location, before anything reads a variable.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.dagster_instance import configure_instance
from pipelines.warehouse import DEFAULT_HOME, HOME_VARIABLE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def configure_environment(dotenv: Path | None = None) -> Path:
    """Load `.env` (real variables win), resolve ARCHIPELAGO_HOME and point DAGSTER_HOME inside it.

    Raises ConfigError (one line) when ARCHIPELAGO_DAGSTER_POSTGRES_URL is malformed or unreachable.

    Returns the resolved home. The Dagster instance living under the home is what makes runs started
    from the command line visible in the UI that `archipelago ui` opens.
    """
    from dotenv import load_dotenv  # noqa: PLC0415  (small, but only needed here)

    load_dotenv(dotenv or Path.cwd() / ".env", override=False)
    home = Path(os.environ.get(HOME_VARIABLE) or DEFAULT_HOME).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ[HOME_VARIABLE] = str(home)
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home / "dagster").resolve()
    dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    configure_instance(dagster_home)  # SQLite under the home, or Postgres (ARCHIPELAGO_DAGSTER_POSTGRES_URL)
    os.environ.setdefault("ARCHIPELAGO_WAREHOUSE_PATH", str(home / "warehouse.duckdb"))
    return home
