"""The sandbox's signing side (sandbox/webhooks.py) and this receiver agree on every vendor scheme."""

from __future__ import annotations

import pytest

sandbox_webhooks = pytest.importorskip("sandbox.webhooks", reason="sandbox webhook emitter not present")

from webhook_helpers import running_server  # noqa: E402

from pipelines.webhooks.app import create_app  # noqa: E402
from pipelines.webhooks.inbox import Inbox  # noqa: E402
from pipelines.webhooks.signatures import secrets_from_env  # noqa: E402

EVENTS = {
    "jira": "jira:issue_updated",
    "zendesk": "zen:event-type:ticket.group_assignment_changed",
    "github": "membership",
    "typeform": "form_response",
}


@pytest.fixture(scope="module")
def sandbox():
    from sandbox.org import generate_organisation
    from sandbox.server.runner import SandboxServer

    with SandboxServer(generate_organisation(seed=42, employees=60, months=6), port=0) as server:
        yield server


def test_sandbox_deliveries_verify_store_and_dedupe(sandbox, tmp_path):
    # The sandbox stamps Typeform's submitted_at with simulated time (weeks in the past), so the
    # payload event-time check is off here; signatures and delivery ids are what is under test.
    with Inbox(tmp_path / "events.sqlite3") as inbox, running_server(
        create_app(inbox, secrets_from_env(sandbox.env()), payload_tolerance_seconds=None)
    ) as url:
        for vendor, event in EVENTS.items():
            d = sandbox.emit_webhook(vendor, event, f"{url}/webhooks/{vendor}")
            assert d.status_code == 200, (vendor, d.response_text)
            assert inbox.seen(vendor, d.delivery_id)
            wrong = sandbox.emit_webhook(vendor, event, f"{url}/webhooks/{vendor}", secret="not-the-secret")
            assert wrong.status_code == 401, vendor
        assert {e.source for e in inbox.read_after(0, 100)} == set(EVENTS)
        assert inbox.count() == 4
