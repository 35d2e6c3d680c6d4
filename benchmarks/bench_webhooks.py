"""How many webhook events per second the receiver accepts *durably* (committed + fsynced).

Starts the real receiver (`python -m pipelines.webhooks.serve`, uvicorn on 127.0.0.1) in a
subprocess on a fresh ARCHIPELAGO_HOME, sends signed deliveries over HTTP from client threads
(mixed Jira/Zendesk/GitHub/Typeform), counts 200 "stored" answers, then re-opens the inbox and checks
every acknowledged event is there.

    uv run python benchmarks/bench_webhooks.py                 # 2,000 requests, 4 threads
    uv run python benchmarks/bench_webhooks.py --requests 5000 --threads 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.webhooks.inbox import InboxReader, inbox_path  # noqa: E402
from pipelines.webhooks.signatures import SECRET_VARIABLES, SIGNERS  # noqa: E402

SOURCES = ("jira", "zendesk", "github", "typeform")
SECRETS = {s: f"bench-{s}-secret-0123456789" for s in SOURCES}


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def delivery(source: str) -> tuple[bytes, dict[str, str], str]:
    did = str(uuid.uuid4())
    now = time.time()
    headers = {"Content-Type": "application/json"}
    if source == "jira":
        body = {"timestamp": int(now * 1000), "webhookEvent": "jira:issue_updated", "issue": {"id": "1", "key": "OPS-1"}}
        headers["X-Atlassian-Webhook-Identifier"] = did
    elif source == "zendesk":
        body = {"id": did, "type": "zen:event-type:ticket.status_changed", "detail": {"id": "4343"}}
        headers["X-Zendesk-Webhook-Invocation-Id"] = did
    elif source == "github":
        body = {"action": "created", "organization": {"login": "acme"}}
        headers["X-GitHub-Delivery"] = did
        headers["X-GitHub-Event"] = "copilot"
    else:
        body = {"event_id": did, "event_type": "form_response", "form_response": {"form_id": "f", "submitted_at": _iso(now)}}
    raw = json.dumps(body).encode()
    if source == "zendesk":
        headers.update(SIGNERS[source](raw, SECRETS[source], _iso(now)))
    else:
        headers.update(SIGNERS[source](raw, SECRETS[source]))
    return raw, headers, did


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="archipelago-bench-") as tmp:
        home = Path(tmp)
        port = free_port()
        env = dict(os.environ, ARCHIPELAGO_HOME=str(home), PYTHONPATH=str(REPO))
        env.update({SECRET_VARIABLES[s]: v for s, v in SECRETS.items()})
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.webhooks.serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.time() + 20
            while True:
                try:
                    requests.get(f"{url}/healthz", timeout=1)
                    break
                except requests.ConnectionError:
                    if time.time() > deadline:
                        raise SystemExit("receiver did not start") from None
                    time.sleep(0.05)

            # Requests are signed before the clock starts: we measure the receiver, not the client.
            work = [delivery(SOURCES[i % len(SOURCES)]) + (SOURCES[i % len(SOURCES)],) for i in range(args.requests)]
            chunks = [work[i :: args.threads] for i in range(args.threads)]
            stored: list[str] = []
            failures: list[int] = []
            lock = threading.Lock()
            latencies: list[float] = []

            def client(items):
                # One keep-alive connection per thread (http.client): little client CPU, so the
                # figure is the receiver's, not the load generator's.
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                mine, lat, bad = [], [], []
                for raw, headers, did, source in items:
                    t0 = time.perf_counter()
                    conn.request("POST", f"/webhooks/{source}", body=raw, headers=headers)
                    response = conn.getresponse()
                    answer = json.loads(response.read() or b"{}")
                    lat.append(time.perf_counter() - t0)
                    if response.status == 200 and answer.get("status") == "stored":
                        mine.append(did)
                    else:
                        bad.append(response.status)
                conn.close()
                with lock:
                    stored.extend(mine)
                    failures.extend(bad)
                    latencies.extend(lat)

            threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(timeout=10)

        on_disk = {e.delivery_id for e in InboxReader(inbox_path(home)).read_after(0, args.requests * 2)}
        lost = [d for d in stored if d not in on_disk]
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        print(
            f"webhook receiver: {len(stored)} events stored durably in {elapsed:.2f} s "
            f"= {len(stored) / elapsed:,.0f} events/s ({args.threads} client threads, HTTP on 127.0.0.1, "
            f"fsync per commit, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}); latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
            f"rejected {len(failures)}; acknowledged but missing on disk: {len(lost)}"
        )
        return 0 if not failures and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
