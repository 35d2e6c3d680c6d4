"""What every vendor module shares: the organisation, its clock, credentials, faults, caches."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.ids import hex_id
from sandbox.org import Organisation
from sandbox.server.faults import Faults
from sandbox.server.rate_limits import VendorLimits

CACHE_ENTRIES = 48


@dataclass(frozen=True)
class Credentials:
    """Valid credentials for every vendor, derived from the seed so a demo can be reproduced."""

    jira_email: str
    jira_api_token: str
    zendesk_email: str
    zendesk_api_token: str
    servicenow_user: str
    servicenow_password: str
    github_org: str
    github_token: str
    github_token_no_scope: str  # authenticates but lacks the Copilot permission -> 403
    msgraph_tenant_id: str
    msgraph_client_id: str
    msgraph_client_secret: str
    openai_admin_key: str
    openai_project_key: str  # a project key on admin endpoints -> 403
    typeform_token: str
    qualtrics_api_token: str
    bamboohr_company: str
    bamboohr_api_key: str
    webhook_secrets: dict[str, str]

    @classmethod
    def for_seed(cls, seed: int) -> Credentials:
        def h(name: str, n: int = 32) -> str:
            return hex_id(seed, "credential", hash_name(name), n)

        return cls(
            jira_email="sandbox-bot@acme.example", jira_api_token="ATATT3x" + h("jira", 40),
            zendesk_email="sandbox-bot@acme.example", zendesk_api_token=h("zendesk", 40),
            servicenow_user="sandbox.integration", servicenow_password=h("servicenow", 24),
            github_org="acme-demo", github_token="ghp_" + h("github", 36),
            github_token_no_scope="ghp_" + h("github-noscope", 36),
            msgraph_tenant_id=f"{h('tenant', 8)}-{h('tenant2', 4)}-4{h('tenant3', 3)}-8{h('tenant4', 3)}-{h('tenant5', 12)}",
            msgraph_client_id=f"{h('client', 8)}-{h('client2', 4)}-4{h('client3', 3)}-9{h('client4', 3)}-{h('client5', 12)}",
            msgraph_client_secret=h("graph-secret", 40),
            openai_admin_key="sk-admin-" + h("openai", 48), openai_project_key="sk-proj-" + h("openai-proj", 48),
            typeform_token="tfp_" + h("typeform", 44), qualtrics_api_token=h("qualtrics", 40),
            bamboohr_company="acme", bamboohr_api_key=h("bamboohr", 40),
            webhook_secrets={v: "whsec_" + h(f"webhook-{v}", 32) for v in ("jira", "zendesk", "github", "typeform")},
        )


def hash_name(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


@dataclass
class ServerState:
    org: Organisation
    faults: Faults
    credentials: Credentials
    base_url: str = ""  # set once the port is known
    lock: threading.RLock = field(default_factory=threading.RLock)
    signing_key: bytes = b""
    download_ttl_seconds: float = 600.0
    msgraph_concealed: bool = False  # the tenant's "display concealed user names" setting
    bamboohr_directory_shared: bool = True  # off -> the directory endpoint answers 403
    servicenow_denied_tables: set[str] = field(default_factory=set)  # ACL-protected for our user -> 403
    graph_tokens: dict[str, float] = field(default_factory=dict)  # token -> wall-clock expiry
    qualtrics_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook_count: int = 0  # numbers the deliveries so their ids are unique and reproducible
    limits: VendorLimits = field(default_factory=VendorLimits)  # vendors' documented limits; off by default
    _cache: OrderedDict = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        if not self.signing_key:
            self.signing_key = hex_id(self.org.seed, "download-signing", 1, 64).encode()

    @property
    def now(self) -> datetime:
        return self.org.now

    def cached(self, key: tuple, build):
        """Memoise per simulated "now": a view of the data is rebuilt only after the clock moves."""
        full = (*key, self.org.now)
        with self.lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
            value = self._cache[full] = build()
            while len(self._cache) > CACHE_ENTRIES:  # least recently used views go first
                self._cache.popitem(last=False)
            return value

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def sign(self, message: str) -> str:
        return hmac.new(self.signing_key, message.encode(), hashlib.sha256).hexdigest()

    def wall_time(self) -> float:
        return time.time()
