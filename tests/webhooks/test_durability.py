"""A receiver killed with SIGKILL right after answering 2xx loses no event it acknowledged."""

from __future__ import annotations

import os
import signal
import threading

import requests
from webhook_helpers import free_port, signed_request, start_receiver

from pipelines.webhooks.inbox import Inbox, inbox_path


def test_sigkill_right_after_2xx_loses_no_acknowledged_event(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    proc = start_receiver(home, port)
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    killed = threading.Event()

    def client(n: int) -> None:
        session = requests.Session()
        for i in range(200):
            if killed.is_set():
                return
            source = ("jira", "zendesk", "github", "typeform")[(n + i) % 4]
            body, headers, delivery = signed_request(source)
            try:
                r = session.post(f"http://127.0.0.1:{port}/webhooks/{source}", data=body, headers=headers, timeout=5)
            except requests.RequestException:
                return
            if r.status_code == 200:
                with lock:
                    acknowledged.append((source, delivery))
                    # Kill the moment the 25th acknowledgement arrives, other requests in flight.
                    if len(acknowledged) == 25 and not killed.is_set():
                        os.kill(proc.pid, signal.SIGKILL)
                        killed.set()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 25

    with Inbox(inbox_path(home)) as inbox:
        stored = {(e.source, e.delivery_id) for e in inbox.read_after(0, 100_000)}
    missing = [a for a in acknowledged if a not in stored]
    assert not missing, f"{len(missing)} acknowledged events lost"
    # and the receiver comes back on the same inbox, still rejecting replays of those events
    port2 = free_port()
    proc2 = start_receiver(home, port2)
    try:
        source, delivery = acknowledged[0]
        body, headers, _ = signed_request(source, delivery=delivery)
        r = requests.post(f"http://127.0.0.1:{port2}/webhooks/{source}", data=body, headers=headers, timeout=5)
        assert r.json()["status"] == "duplicate"
    finally:
        proc2.terminate()
        proc2.wait(timeout=10)
