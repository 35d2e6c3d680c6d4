"""Graph client-credentials token: issued once, renewed before expiry and after a 401, errors named."""

from __future__ import annotations

import pytest
from localhttp import LocalServer, Reply, Seen

from connectors.errors import ConfigError, SourceAuthError
from connectors.msgraph_auth import GraphToken, graph_client

SECRET = "client-secret-value-XYZ"


class Entra:
    """Issues t1, t2, ...; Graph accepts only the newest token (older ones count as expired)."""

    def __init__(self) -> None:
        self.issued = 0
        self.forms: list[str] = []

    def token(self, seen: Seen) -> Reply:
        self.forms.append(seen.body.decode())
        if f"client_secret={SECRET}" not in seen.body.decode():
            return Reply(401, json={"error": "invalid_client", "error_description":
                                    "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215]})
        self.issued += 1
        return Reply(json={"token_type": "Bearer", "expires_in": 3599, "access_token": f"t{self.issued}"})

    def users(self, seen: Seen) -> Reply:
        if seen.headers.get("Authorization") != f"Bearer t{self.issued}":
            return Reply(401, json={"error": {"code": "InvalidAuthenticationToken", "message": "expired"}})
        return Reply(json={"value": [{"id": "u1"}]})


@pytest.fixture
def entra():
    fake = Entra()
    with LocalServer() as server:
        server.route("POST", "/tenant-1/oauth2/v2.0/token", fake.token)
        server.route("GET", "/v1.0/users", fake.users)
        fake.url = server.url
        yield fake


def settings(url, secret=SECRET):
    return {"MSGRAPH_TENANT_ID": "tenant-1", "MSGRAPH_CLIENT_ID": "app-1", "MSGRAPH_CLIENT_SECRET": secret,
            "MSGRAPH_BASE_URL": url, "MSGRAPH_LOGIN_URL": url}


def test_token_is_reused_then_renewed_before_expiry(entra):
    now = [1000.0]
    token = GraphToken("tenant-1", "app-1", SECRET, login_url=entra.url, clock=lambda: now[0])
    assert token.token() == "t1" and token.token() == "t1"
    assert "grant_type=client_credentials" in entra.forms[0] and "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" in entra.forms[0]
    now[0] += 3599 - 299  # inside the renewal margin
    assert token.token() == "t2" and entra.issued == 2


def test_a_401_from_graph_fetches_a_new_token_once(entra):
    client = graph_client(settings(entra.url), sleep=lambda s: None)
    assert client.get_json("/v1.0/users") == {"value": [{"id": "u1"}]}
    entra.issued += 1  # the token the client holds is now stale, as after a revocation
    assert client.get_json("/v1.0/users") == {"value": [{"id": "u1"}]}
    assert entra.issued == 3


def test_refused_token_request_names_variables_and_hides_the_secret(entra):
    client = graph_client(settings(entra.url, secret="wrong-secret-123"), sleep=lambda s: None)
    with pytest.raises(SourceAuthError) as err:
        client.get_json("/v1.0/users")
    text = str(err.value)
    assert "MSGRAPH_CLIENT_SECRET" in text and "AADSTS7000215" in text and "wrong-secret-123" not in text


def test_missing_settings_are_config_errors():
    with pytest.raises(ConfigError, match="MSGRAPH_CLIENT_SECRET"):
        graph_client({"MSGRAPH_TENANT_ID": "t", "MSGRAPH_CLIENT_ID": "c"})
    with pytest.raises(ConfigError, match="MSGRAPH_BASE_URL"):
        graph_client({**settings("http://127.0.0.1:1"), "MSGRAPH_BASE_URL": "graph.microsoft.com"})
