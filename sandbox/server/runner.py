"""`SandboxServer`: runs the vendor app with uvicorn in a background thread on 127.0.0.1.

    with SandboxServer(org, port=0) as server:
        env = server.env()          # every source variable of docs/configuration.md
        server.advance(days=1)      # reveal the next simulated day (exports are rewritten)
        server.faults.set("jira", "rate_limit", every=3)
        server.emit_webhook("jira", "jira:issue_updated", "http://127.0.0.1:9000/webhooks/jira")
"""

from __future__ import annotations

import logging
import socket
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import uvicorn

from sandbox.org import Organisation
from sandbox.server.app import build_app
from sandbox.server.faults import Faults
from sandbox.server.rate_limits import VendorLimits
from sandbox.server.state import Credentials, ServerState
from sandbox.surveys import QUALTRICS_SURVEY_ID, TYPEFORM_FORM_ID

LOOPBACK = "127.0.0.1"


class SandboxServer:
    def __init__(self, org: Organisation, port: int = 0, exports_dir: str | Path | None = None,
                 log_level: str = "warning", download_ttl_seconds: float = 600.0,
                 faults: Iterable[tuple[str, str, dict[str, Any]]] = (), vendor_limits: bool = False,
                 limits_time_scale: float = 1.0):
        """`faults`: (source, kind, options) to switch on from the start, e.g.
        `[("jira", "rate_limit", {"every": 3})]`; `server.faults.set(...)` changes them at runtime.
        `vendor_limits` enforces each vendor's documented request limits (sandbox/server/rate_limits.py),
        with windows multiplied by `limits_time_scale`."""
        self.org = org
        self.faults = Faults(seed=org.seed)
        for source, kind, options in faults:
            self.faults.set(source, kind, **options)
        self.credentials = Credentials.for_seed(org.seed)
        self.state = ServerState(org=org, faults=self.faults, credentials=self.credentials,
                                 download_ttl_seconds=download_ttl_seconds,
                                 limits=VendorLimits(enabled=vendor_limits, time_scale=limits_time_scale))
        self._port = port
        self._log_level = log_level
        self._tmp: tempfile.TemporaryDirectory | None = None
        if exports_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="archipelago-sandbox-")
            exports_dir = self._tmp.name
        self.exports_dir = Path(exports_dir)
        self.exports: dict[str, Path] = {}
        self.deliveries: list = []  # webhook deliveries posted by advance(webhook_urls=...)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, self._port))
        except OSError as e:
            sock.close()
            raise RuntimeError(f"cannot listen on {LOOPBACK}:{self._port} ({e}); pick another port or use port=0") from e
        self._socket = sock
        self.port = sock.getsockname()[1]
        self.state.base_url = f"http://{LOOPBACK}:{self.port}"
        self.write_exports()
        _ = self.org.usage  # build the usage matrices now, not racily inside two first requests
        config = uvicorn.Config(build_app(self.state), log_level=self._log_level, lifespan="off",
                                access_log=False, timeout_keep_alive=5, date_header=False)
        self._server = uvicorn.Server(config)
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)  # injected drops are not server errors
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start within 15 s; see the log above")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (Ctrl-C)."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # --- addresses and configuration ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        if not self.state.base_url:
            raise RuntimeError("the server is not started; use `with SandboxServer(org) as server:` or call start()")
        return self.state.base_url

    def env(self) -> dict[str, str]:
        """Every source variable of docs/configuration.md, pointing at this server with valid credentials."""
        b, c = self.base_url, self.credentials
        return {
            "DIRECTORY_CSV_PATH": str(self.exports["directory"]),
            "DIRECTORY_CSV_SNAPSHOT_DATE": self.now.date().isoformat(),  # simulated, not the file's mtime
            "MSGRAPH_TENANT_ID": c.msgraph_tenant_id,
            "MSGRAPH_CLIENT_ID": c.msgraph_client_id,
            "MSGRAPH_CLIENT_SECRET": c.msgraph_client_secret,
            "MSGRAPH_BASE_URL": f"{b}/graph",
            "MSGRAPH_LOGIN_URL": f"{b}/login",
            "BAMBOOHR_COMPANY": c.bamboohr_company,
            "BAMBOOHR_API_KEY": c.bamboohr_api_key,
            "BAMBOOHR_BASE_URL": f"{b}/bamboohr/api/gateway.php/{c.bamboohr_company}",
            "JIRA_BASE_URL": f"{b}/jira",
            "JIRA_EMAIL": c.jira_email,
            "JIRA_API_TOKEN": c.jira_api_token,
            "ZENDESK_BASE_URL": f"{b}/zendesk",
            "ZENDESK_EMAIL": c.zendesk_email,
            "ZENDESK_API_TOKEN": c.zendesk_api_token,
            "SERVICENOW_BASE_URL": f"{b}/servicenow",
            "SERVICENOW_USER": c.servicenow_user,
            "SERVICENOW_PASSWORD": c.servicenow_password,
            "GITHUB_ORG": c.github_org,
            "GITHUB_TOKEN": c.github_token,
            "GITHUB_BASE_URL": f"{b}/github",
            "OPENAI_ADMIN_KEY": c.openai_admin_key,
            "OPENAI_BASE_URL": f"{b}/openai",
            "TYPEFORM_TOKEN": c.typeform_token,
            "TYPEFORM_FORM_IDS": TYPEFORM_FORM_ID,
            "TYPEFORM_BASE_URL": f"{b}/typeform",
            "QUALTRICS_API_TOKEN": c.qualtrics_api_token,
            "QUALTRICS_SURVEY_IDS": QUALTRICS_SURVEY_ID,
            "QUALTRICS_BASE_URL": f"{b}/qualtrics",
            "TRAINING_CSV_PATH": str(self.exports["training"]),
            "SURVEY_CSV_PATH": str(self.exports["survey"]),
            "IDENTITY_OVERRIDES_PATH": str(self.exports["identity_overrides"]),
            "JIRA_WEBHOOK_SECRET": c.webhook_secrets["jira"],
            "ZENDESK_WEBHOOK_SECRET": c.webhook_secrets["zendesk"],
            "GITHUB_WEBHOOK_SECRET": c.webhook_secrets["github"],
            "TYPEFORM_WEBHOOK_SECRET": c.webhook_secrets["typeform"],
        }

    # --- simulated time -----------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.org.now

    def advance(self, days: float = 1.0, webhook_urls: dict[str, str] | None = None) -> datetime:
        """Move the simulated clock forward; new and updated records become visible.

        With `webhook_urls` ({"jira": url, ...}) each vendor also posts one signed event for its
        latest change inside the revealed window (none if nothing changed); see `self.deliveries`.
        """
        before = self.org.now
        with self.state.lock:
            self.org.advance(days)
            self.write_exports()
        from sandbox.webhooks import EVENTS, emit

        for vendor, url in (webhook_urls or {}).items():
            try:
                self.deliveries.append(emit(self.state, vendor, EVENTS[vendor][0], url, since=before))
            except LookupError:
                continue  # nothing of that kind happened in the window
        return self.org.now

    def set_now(self, when: datetime | date) -> datetime:
        with self.state.lock:
            self.org.set_now(when)
            self.write_exports()
        return self.org.now

    @contextmanager
    def clock_at(self, when: datetime | date) -> Iterator[datetime]:
        """Serve the vendors as of `when` for a while, then return to the present, exports untouched.

        What a tenant that has run Archipelago every night would have landed: the report snapshots
        of days gone by (archipelago/demo_history.py), fetched through the production connectors.
        """
        with self.state.lock:
            present = self.org.now
            self.org.set_now(when)
        try:
            yield self.org.now
        finally:
            with self.state.lock:
                self.org.set_now(present)

    def write_exports(self) -> dict[str, Path]:
        self.exports = self.org.write_exports(self.exports_dir)
        return self.exports

    # --- switches a test may flip -------------------------------------------------------------
    def conceal_graph_names(self, concealed: bool = True) -> None:
        """The tenant setting that hashes user names in Microsoft 365 usage reports."""
        self.state.msgraph_concealed = concealed
        self.state._cache.clear()

    def share_bamboohr_directory(self, shared: bool = True) -> None:
        self.state.bamboohr_directory_shared = shared

    def deny_servicenow_table(self, table: str, denied: bool = True) -> None:
        """Make a table ACL-protected for the integration user (403), as sys_audit often is."""
        (self.state.servicenow_denied_tables.add if denied else self.state.servicenow_denied_tables.discard)(table)

    # --- webhooks -----------------------------------------------------------------------------
    def emit_webhook(self, vendor: str, event: str, url: str, **options: Any):
        """POST one signed change event, as `vendor` would, to `url`; returns the `Delivery`."""
        from sandbox.webhooks import emit

        return emit(self.state, vendor, event, url, **options)
