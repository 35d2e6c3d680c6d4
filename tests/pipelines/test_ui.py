"""`.venv/bin/archipelago ui` from a shell that never activated the venv: the code location loads
(its GraphQL lists the asset graph, no load error) and SIGTERM stops it with every child process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from archipelago.ui import alive, descendants
from pipelines.dbt_manifest import MANIFEST, manifest_is_stale

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
QUERY = """{
  workspaceOrError { __typename ... on Workspace { locationEntries { name locationOrLoadError {
    __typename ... on PythonError { message } } } } }
  assetNodes { assetKey { path } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int) -> dict | None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": QUERY}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["data"]
    except OSError:
        return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ui_loads_the_code_location_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    if manifest_is_stale():
        # Another test of this session ran a demo with its own initiatives file, which rewrites the
        # generated seed: parse as `make setup` does, so that the check below is about the UI alone.
        from pipelines.assets.dbt import PARSE_ENVIRONMENT, dbt_executable  # noqa: PLC0415
        from pipelines.initiatives import CONFIG_PATH, write_seed  # noqa: PLC0415

        write_seed(CONFIG_PATH)
        subprocess.run([dbt_executable(), "parse", "--quiet", "--profiles-dir", "."], cwd=MANIFEST.parent.parent,
                       check=True, env={**os.environ, **PARSE_ENVIRONMENT})
    assert not manifest_is_stale(), "the dbt project could not be parsed before the UI starts"
    manifest_before = MANIFEST.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "DAGSTER_HOME")}
    env["PATH"] = "/usr/bin:/bin"  # not activated: no venv on PATH
    env["ARCHIPELAGO_HOME"] = str(tmp_path / "home")
    ui = subprocess.Popen([str(Path(sys.executable).parent / "archipelago"), "ui", "--port", str(port)], cwd=tmp_path,
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    children: set[int] = set()
    try:
        data, deadline = None, time.monotonic() + 300
        while time.monotonic() < deadline and ui.poll() is None:
            data = _graphql(port)
            entries = (data or {}).get("workspaceOrError", {}).get("locationEntries") or []
            if entries and all(e["locationOrLoadError"] for e in entries):
                break
            time.sleep(2)
        assert ui.poll() is None, f"archipelago ui exited: {ui.stderr.read()[-2000:]}"
        assert data, "no answer from the UI's GraphQL"
        loaded = [e["locationOrLoadError"] for e in data["workspaceOrError"]["locationEntries"]]
        assert [e["__typename"] for e in loaded] == ["RepositoryLocation"], loaded
        keys = {"/".join(node["assetKey"]["path"]) for node in _graphql(port)["assetNodes"]}
        assert {"published/marts", "marts/scorecard_monthly", "raw_jira/issues"} <= keys
        children = descendants(ui.pid)
        assert any("api" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
                   for pid in children if alive(pid)), "no code server among the UI's processes"
        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=90) == 0
        time.sleep(1)
        assert [pid for pid in children if alive(pid)] == [], "processes outlived the UI"
        # An up-to-date manifest is not parsed again: other processes on this checkout read it.
        assert MANIFEST.stat().st_mtime_ns == manifest_before
    finally:
        # Whatever failed above, nothing this test started outlives it.
        if ui.poll() is None:
            children |= descendants(ui.pid)
            ui.send_signal(signal.SIGTERM)
            try:
                ui.wait(timeout=90)
            except subprocess.TimeoutExpired:
                ui.kill()
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
