"""The CLI: `python -m sandbox serve` prints export lines for a server that really answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from sandbox.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_serve_prints_env_and_serves(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--employees", "60", "--months", "3", "--port", "0",
         "--exports-dir", str(tmp_path), "--fault", "jira:rate_limit:every=1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        env = {}
        for line in proc.stdout:
            if line.startswith("export "):
                key, _, value = line[7:].strip().partition("=")
                env[key] = value.strip("'")
            if "TYPEFORM_WEBHOOK_SECRET" in env:
                break
        assert {"JIRA_BASE_URL", "ZENDESK_BASE_URL", "DIRECTORY_CSV_PATH", "IDENTITY_OVERRIDES_PATH"} <= set(env)
        assert Path(env["DIRECTORY_CSV_PATH"]).parent == tmp_path
        r = requests.get(env["ZENDESK_BASE_URL"] + "/api/v2/groups.json",
                         auth=(env["ZENDESK_EMAIL"] + "/token", env["ZENDESK_API_TOKEN"]), timeout=10)
        assert r.status_code == 200
        jira = requests.get(env["JIRA_BASE_URL"] + "/rest/api/3/myself",
                            auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]), timeout=10)
        assert jira.status_code == 429  # the fault given on the command line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)  # graceful shutdown; slow only on a loaded machine
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_exports_command_and_bad_arguments(tmp_path, capsys):
    assert main(["exports", "--employees", "50", "--months", "2", str(tmp_path)]) == 0
    assert (tmp_path / "directory.csv").exists() and (tmp_path / "identity_overrides.csv").exists()
    assert main(["exports", "--employees", "10", str(tmp_path)]) == 2
    assert "employees must be between" in capsys.readouterr().err
