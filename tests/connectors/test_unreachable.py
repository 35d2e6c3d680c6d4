"""A closed port fails in seconds, naming host and variable, and is not retried by the step policy."""

from __future__ import annotations

import socket

import pytest
from localhttp import LocalServer, Reply

from connectors.errors import SourceRequestError, SourceUnreachableError
from connectors.http import SourceHttpClient
from connectors.jira import make_client
from pipelines.retries import PERMANENT_ERRORS


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: nothing listens there


def test_connection_refused_fails_after_two_attempts_naming_host_and_variable():
    port = closed_port()
    slept: list[float] = []
    client = make_client({"JIRA_BASE_URL": f"http://127.0.0.1:{port}", "JIRA_EMAIL": "bot@acme.example",
                          "JIRA_API_TOKEN": "t" * 24}, sleep=slept.append)
    with pytest.raises(SourceUnreachableError) as caught:
        client.get_json("/rest/api/3/myself")
    assert str(caught.value) == (f"jira: cannot connect to 127.0.0.1:{port} (connection refused); check JIRA_BASE_URL "
                                 "and that the service is running.")
    assert client.requests_sent == 2 and len(slept) == 1 and slept[0] <= 0.5
    assert isinstance(caught.value, PERMANENT_ERRORS)  # the step's retry policy does not multiply it


def test_a_refusal_after_the_host_answered_is_retried_as_transient():
    server = LocalServer()
    server.route("GET", "/", Reply(json={"ok": True}))
    with server:
        client = SourceHttpClient("toy", server.url, max_attempts=4, sleep=lambda s: None)
        client.get_json("/")
        # the source has answered: a refusal now (a restarting service) is a transient fault, retried
        with pytest.raises(SourceRequestError) as caught:
            client.get_json(f"http://127.0.0.1:{closed_port()}/")
    assert not isinstance(caught.value, SourceUnreachableError) and client.requests_sent == 5
