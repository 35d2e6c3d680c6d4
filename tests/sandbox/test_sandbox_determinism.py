"""Same seed, same bytes: exports and endpoint responses hash identically across two generations."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import requests

from sandbox import SandboxServer, generate_organisation


def _fingerprint(seed: int, tmp_path) -> str:
    org = generate_organisation(seed=seed, employees=60, months=4, end_date=date(2026, 6, 30))
    h = hashlib.sha256()
    with SandboxServer(org, port=0, exports_dir=Path(tmp_path) / f"s{seed}-{id(org)}") as server:
        for name in sorted(server.exports):
            h.update(server.exports[name].read_bytes())
        env = server.env()
        responses = [
            requests.get(env["JIRA_BASE_URL"] + "/rest/api/3/search/jql", auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]),
                         params={"jql": 'updated >= "2020-01-01 00:00"', "fields": "*all", "expand": "changelog"}, timeout=30),
            requests.get(env["ZENDESK_BASE_URL"] + "/api/v2/incremental/tickets/cursor.json",
                         auth=(env["ZENDESK_EMAIL"] + "/token", env["ZENDESK_API_TOKEN"]),
                         params={"start_time": 0, "include": "metric_sets"}, timeout=30),
            requests.get(env["SERVICENOW_BASE_URL"] + "/api/now/table/sys_audit",
                         auth=(env["SERVICENOW_USER"], env["SERVICENOW_PASSWORD"]), timeout=30),
        ]
        for r in responses:
            assert r.status_code == 200
            h.update(r.content.replace(server.base_url.encode(), b"BASE"))
    return h.hexdigest()


def test_same_seed_same_bytes(tmp_path):
    assert _fingerprint(3, tmp_path) == _fingerprint(3, tmp_path)


def test_same_bytes_in_another_process_with_another_hash_seed(tmp_path):
    here = Path(__file__).resolve()
    code = (f"import importlib.util, sys; spec = importlib.util.spec_from_file_location('fp', {str(here)!r}); "
            f"m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            f"print(m._fingerprint(3, {str(tmp_path)!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         cwd=here.parents[2], env={**os.environ, "PYTHONHASHSEED": "987",
                                                   "PYTHONPATH": str(here.parents[2])})
    assert out.stdout.strip() == _fingerprint(3, tmp_path)


def test_other_seed_other_bytes(tmp_path):
    assert _fingerprint(3, tmp_path) != _fingerprint(4, tmp_path)
