"""`archipelago webhooks serve`: run the receiver with uvicorn (127.0.0.1 by default).

Put a TLS-terminating reverse proxy in front of it to take vendor traffic; bind another interface
with `--host` only behind such a proxy. Secrets come from `*_WEBHOOK_SECRET` (docs/configuration.md);
a source without its secret answers 503 naming the variable, the others keep working.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipelines.webhooks.app import DEFAULT_MAX_BODY_BYTES, create_app
from pipelines.webhooks.inbox import Inbox, inbox_path
from pipelines.webhooks.signatures import (
    DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
    DEFAULT_TOLERANCE_SECONDS,
    SECRET_VARIABLES,
    secrets_from_env,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
KEEP_BODIES_VARIABLE = "ARCHIPELAGO_WEBHOOK_KEEP_BODIES"
DEFAULT_RETENTION_DAYS = 30.0

log = logging.getLogger("archipelago.webhooks")


def resolve_home(home: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    path = Path(home or env.get("ARCHIPELAGO_HOME") or ".archipelago").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    home: Path | str | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    payload_tolerance_seconds: float | None = DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
    keep_bodies: bool | None = None,
    retention_days: float = DEFAULT_RETENTION_DAYS,
    env: Mapping[str, str] | None = None,
    log_level: str = "info",
) -> None:
    """Serve until interrupted. Blocks."""
    import uvicorn

    env = os.environ if env is None else env
    root = resolve_home(home, env)
    if keep_bodies is None:
        keep_bodies = (env.get(KEEP_BODIES_VARIABLE) or "").strip().lower() in {"1", "true", "yes"}
    secrets = secrets_from_env(env)
    missing = [SECRET_VARIABLES[s] for s, v in secrets.items() if not v]
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if missing:
        log.warning("webhook secrets not set (those endpoints answer 503): %s", ", ".join(missing))
    if keep_bodies:
        log.warning("%s is on: request bodies (may contain personal data) are kept in the inbox", KEEP_BODIES_VARIABLE)
    inbox = Inbox(inbox_path(root), keep_bodies=keep_bodies)
    pruned = inbox.prune(retention_days * 86400)
    if pruned:
        log.info("pruned %d inbox events older than %g days", pruned, retention_days)
    app = create_app(
        inbox,
        secrets,
        max_body_bytes=max_body_bytes,
        tolerance_seconds=tolerance_seconds,
        payload_tolerance_seconds=payload_tolerance_seconds,
    )
    log.info("webhook receiver on http://%s:%d, inbox %s", host, port, inbox.path)
    try:
        # access_log off: our own line per request says source, delivery id and status.
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, server_header=False)
    finally:
        inbox.close()


def _seconds_or_off(value: str) -> float | None:
    if value.strip().lower() in {"off", "none", "no"}:
        return None
    seconds = float(value)
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds, or 'off'")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="archipelago webhooks serve", description="Run the webhook receiver.")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--home", default=None, help="ARCHIPELAGO_HOME (default: the variable, else ./.archipelago)")
    p.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    p.add_argument("--tolerance-seconds", type=float, default=DEFAULT_TOLERANCE_SECONDS,
                   help="window for signed send-time timestamps (Zendesk)")
    p.add_argument("--payload-tolerance-seconds", type=_seconds_or_off, default=DEFAULT_PAYLOAD_TOLERANCE_SECONDS,
                   help="window for event times inside payloads (Jira, Typeform); 'off' disables the check "
                        "(delivery ids still stop replays)")
    p.add_argument("--retention-days", type=float, default=DEFAULT_RETENTION_DAYS,
                   help="inbox events older than this are deleted at start-up (default 30)")
    p.add_argument("--log-level", default="info")
    return p


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options of `archipelago webhooks serve`; a leading `serve` (the CLI hands over
    `webhooks serve ...` as is) is accepted."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        argv = argv[1:]
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        from dotenv import load_dotenv

        load_dotenv(override=False)
    except ImportError:  # pragma: no cover - python-dotenv is a dependency
        pass
    serve(
        args.host,
        args.port,
        args.home,
        max_body_bytes=args.max_body_bytes,
        tolerance_seconds=args.tolerance_seconds,
        payload_tolerance_seconds=args.payload_tolerance_seconds,
        retention_days=args.retention_days,
        log_level=args.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
