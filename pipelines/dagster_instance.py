"""The Dagster instance's `dagster.yaml`: local SQLite under the home, or Postgres when configured.

With `ARCHIPELAGO_DAGSTER_POSTGRES_URL` set, runs, event logs and schedules live in Postgres, so a
webserver and a daemon on other hosts (with the same variable) see the runs the command line starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from connectors.errors import ConfigError

POSTGRES_URL_VARIABLE = "ARCHIPELAGO_DAGSTER_POSTGRES_URL"
# SQLAlchemy 2.1 maps a bare `postgresql://` to psycopg 3; dagster-postgres ships psycopg2.
SQLALCHEMY_SCHEME = "postgresql+psycopg2"
ACCEPTED_SCHEMES = ("postgresql", "postgres", SQLALCHEMY_SCHEME)
CONNECT_TIMEOUT_SECONDS = 5

MARKER = "# Written by archipelago from ARCHIPELAGO_DAGSTER_POSTGRES_URL; edit the variable, not this file.\n"
# What earlier versions wrote (no marker): still ours to rewrite.
LEGACY_LOCAL_CONFIG = "telemetry:\n  enabled: false\n"
LOCAL_CONFIG = MARKER + "# Local SQLite storage under the home; telemetry off (no network here, nor wanted).\n" + LEGACY_LOCAL_CONFIG
POSTGRES_CONFIG = MARKER + f"""storage:
  postgres:
    postgres_url:
      env: {POSTGRES_URL_VARIABLE}
telemetry:
  enabled: false
"""


def sqlalchemy_url(url: str) -> str:
    """The URL as SQLAlchemy with psycopg2 wants it; a clear error for anything that is not Postgres."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ACCEPTED_SCHEMES:
        raise ConfigError(f"{POSTGRES_URL_VARIABLE} must start with postgresql:// (got {parts.scheme or 'no'} scheme); "
                          "e.g. postgresql://user:password@host:5432/dagster")
    if not parts.path.strip("/"):
        raise ConfigError(f"{POSTGRES_URL_VARIABLE} names no database: add it after the host, e.g. "
                          "postgresql://user:password@host:5432/dagster")
    return urlunsplit(parts._replace(scheme=SQLALCHEMY_SCHEME))


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    where = parts.hostname or "local socket"
    if parts.port:
        where += f":{parts.port}"
    return f"{where}{parts.path}"


def check_reachable(url: str) -> None:
    """Open and close one connection, so a wrong host or password stops the command before any step."""
    import psycopg2  # noqa: PLC0415  (only when the variable is set)

    libpq_url = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
    try:
        psycopg2.connect(libpq_url, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
    except psycopg2.Error as exc:
        reason = " ".join(str(exc).split())[:300]
        raise ConfigError(f"{POSTGRES_URL_VARIABLE}: cannot connect to Postgres at {_redacted(url)} ({reason}); "
                          "start Postgres or fix the URL") from None


def _ours(config: Path) -> bool:
    if not config.exists():
        return True
    text = config.read_text()
    return text.startswith(MARKER) or text == LEGACY_LOCAL_CONFIG


def configure_instance(dagster_home: Path) -> None:
    """Write `dagster.yaml` for the storage the environment asks for (a hand-written file is left alone,
    unless it contradicts ARCHIPELAGO_DAGSTER_POSTGRES_URL)."""
    config = dagster_home / "dagster.yaml"
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not _ours(config):
        if url:
            raise ConfigError(f"{POSTGRES_URL_VARIABLE} is set but {config} was written by hand: move its settings "
                              "elsewhere and delete it, or unset the variable and configure storage there")
        return
    wanted = LOCAL_CONFIG
    if url:
        # Child processes (`archipelago ui`'s webserver and code server) inherit the rewritten URL.
        os.environ[POSTGRES_URL_VARIABLE] = sqlalchemy_url(url)
        check_reachable(os.environ[POSTGRES_URL_VARIABLE])
        wanted = POSTGRES_CONFIG
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
