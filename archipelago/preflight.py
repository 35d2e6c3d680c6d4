"""`archipelago check`, also run at the start of `refresh`: is the configuration usable, before any step runs?

Checks, each reported on one line: the pseudonym key (set, long enough, the warehouse's own key);
the working-calendar file (config/calendars.yml) reads and validates; DuckDB's memory limit is a size; which sources are enabled (none is an error: a refresh would only re-publish old marts); each
enabled source's required variables, secrets that are too short to be real, readable files, and
one quick TCP probe of every base URL, naming the variable when nothing answers.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from connectors.errors import ConfigError
from connectors.privacy import KEY_VARIABLE, Pseudonymiser
from connectors.registry import SourceDefinition, load_sources

PROBE_SECONDS = 3.0
MIN_SECRET_LENGTH = 8


@dataclass(frozen=True)
class Finding:
    ok: bool
    line: str


def _key(env: Mapping[str, str], warehouse: Path | None) -> tuple[list[Finding], Pseudonymiser | None]:
    key = (env.get(KEY_VARIABLE) or "").strip()
    if not key:
        return [Finding(False, f"{KEY_VARIABLE} is not set; set it to a long random secret "
                               "(`python -c 'import secrets; print(secrets.token_hex(32))'`), in the environment or .env.")], None
    try:
        pseudonymiser = Pseudonymiser(key)
    except ConfigError as exc:
        return [Finding(False, str(exc))], None
    findings = [Finding(True, f"{KEY_VARIABLE} is set (fingerprint {pseudonymiser.fingerprint()})")]
    if warehouse is not None and warehouse.exists():
        import duckdb  # noqa: PLC0415

        try:
            with duckdb.connect(str(warehouse), read_only=True) as conn:
                row = conn.execute("select fingerprint from meta.pseudonym_key order by recorded_at limit 1").fetchone()
        except duckdb.CatalogException:
            row = None  # a warehouse from before fingerprints: the next run records this key's
        except duckdb.IOException:
            return findings + [Finding(True, "warehouse busy (a run is writing): key fingerprint not compared")], pseudonymiser
        if row and row[0] != pseudonymiser.fingerprint():
            from pipelines.warehouse import key_mismatch_message  # noqa: PLC0415

            findings = [Finding(False, key_mismatch_message(pseudonymiser.fingerprint(), row[0]))]
    return findings, pseudonymiser


def probe(url: str, variable: str, seconds: float = PROBE_SECONDS) -> Finding:
    """One TCP connection to the URL's host and port."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    if not host:
        return Finding(False, f"{variable}={url!r} is not an http(s) URL.")
    try:
        with socket.create_connection((host, port), timeout=seconds):
            return Finding(True, f"{variable}: {host}:{port} answers")
    except ConnectionRefusedError:
        problem = "connection refused (nothing listens on that port)"
    except socket.gaierror:
        problem = "the host name does not resolve"
    except TimeoutError:
        problem = f"no answer within {seconds:g} s"
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
    return Finding(False, f"{variable}={url} is unreachable: {host}:{port}: {problem}; check {variable} and the network.")


def _source(source: SourceDefinition, env: Mapping[str, str], pseudonymiser: Pseudonymiser | None,
            probe_urls: bool) -> list[Finding]:
    try:
        settings = source.settings(env)
    except ConfigError as exc:
        return [Finding(False, str(exc))]
    findings: list[Finding] = []
    for var in source.variables:
        value = settings.get(var.name)
        if value is None:
            continue
        if var.secret and len(value) < MIN_SECRET_LENGTH:
            findings.append(Finding(False, f"{var.name} is only {len(value)} characters long: set it to the real "
                                           f"{source.title} secret."))
        elif var.name.endswith("_PATH"):
            path = Path(value).expanduser()
            if not path.exists() or not os.access(path, os.R_OK):
                findings.append(Finding(False, f"{var.name}={value} is not a readable file or directory."))
        elif var.name.endswith("_URL") and probe_urls:
            found = probe(value, var.name)
            if not found.ok:
                findings.append(found)
    if pseudonymiser is not None and not findings:
        try:
            source.build(settings, pseudonymiser)
        except ConfigError as exc:
            findings.append(Finding(False, str(exc)))
    if not findings:
        findings.append(Finding(True, f"{source.title} ({source.name}) is configured"))
    return findings


def preflight(env: Mapping[str, str] | None = None, warehouse: Path | None = None, *, probe_urls: bool = True) -> list[Finding]:
    """Every finding, problems and passes; a run may start only when none is a problem."""
    env = os.environ if env is None else env
    findings, pseudonymiser = _key(env, warehouse)
    findings.append(_engine(env, warehouse, probe_urls))
    enabled = [s for s in load_sources() if s.is_enabled(env)]
    if not enabled:
        findings.append(Finding(False, "no source is configured: set at least one source's variables (e.g. "
                                       "DIRECTORY_CSV_PATH, JIRA_BASE_URL), see docs/configuration.md; a refresh "
                                       "with no source would only re-publish the old marts."))
    findings.append(_calendars(env))
    findings.append(_memory_limit(env))
    for source in enabled:
        findings += _source(source, env, pseudonymiser, probe_urls)
    return findings


def _engine(env: Mapping[str, str], warehouse: Path | None, probe_urls: bool) -> Finding:
    """The warehouse engine (ARCHIPELAGO_ENGINE): a known name, its client installed, and (probing) reachable."""
    from pipelines.engines import get_engine  # noqa: PLC0415
    from pipelines.warehouse import archipelago_home  # noqa: PLC0415

    try:
        engine = get_engine(warehouse.parent if warehouse is not None else archipelago_home(env), env)
        problem = engine.problem() if probe_urls else None
    except ConfigError as exc:
        return Finding(False, str(exc))
    return Finding(False, problem) if problem else Finding(True, f"engine: {engine.describe()}")


def _calendars(env: Mapping[str, str]) -> Finding:
    from connectors.working_calendars import calendars_path, load_calendars  # noqa: PLC0415

    try:
        config = load_calendars(calendars_path(env))
    except ConfigError as exc:
        return Finding(False, str(exc))
    return Finding(True, f"working calendars {config.path}: {len(config.schedules)} schedule(s), default {config.default}")


def _memory_limit(env: Mapping[str, str]) -> Finding:
    from pipelines.warehouse import memory_limit  # noqa: PLC0415

    try:
        return Finding(True, f"DuckDB memory limit {memory_limit(env)}")
    except ConfigError as exc:
        return Finding(False, str(exc))


def problems(findings: list[Finding]) -> list[str]:
    return [f.line for f in findings if not f.ok]
