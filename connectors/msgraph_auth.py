"""Microsoft Graph access: an Entra ID client-credentials token, refreshed before it expires.

Shared by every Graph connector (directory users here, Microsoft 365 Copilot usage elsewhere):

    client = graph_client(settings)          # settings: MSGRAPH_* variables (docs/configuration.md)
    client.get_json("/v1.0/users", params={...})

The token is requested from `POST {MSGRAPH_LOGIN_URL}/{tenant}/oauth2/v2.0/token` with scope
`https://graph.microsoft.com/.default` (the scope names the resource, not the URL we call, so it is
the same when MSGRAPH_BASE_URL points at a sandbox). A 401 from Graph makes the client fetch a new
token once (`invalidate`); a refused token request is a `SourceAuthError` naming the variables.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from connectors.errors import ConfigError, SourceAuthError
from connectors.http import SourceHttpClient, SourceStatusError, checked_base_url

SOURCE_NAME = "msgraph"
TENANT_VARIABLE, CLIENT_ID_VARIABLE, SECRET_VARIABLE = "MSGRAPH_TENANT_ID", "MSGRAPH_CLIENT_ID", "MSGRAPH_CLIENT_SECRET"
BASE_URL_VARIABLE, LOGIN_URL_VARIABLE = "MSGRAPH_BASE_URL", "MSGRAPH_LOGIN_URL"
DEFAULT_BASE_URL = "https://graph.microsoft.com"
DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
CREDENTIAL_VARIABLES = (TENANT_VARIABLE, CLIENT_ID_VARIABLE, SECRET_VARIABLE)
REFRESH_MARGIN = 300.0  # seconds before expiry at which a token is renewed


class GraphToken(requests.auth.AuthBase):
    """`requests` auth that sets `Authorization: Bearer <token>`, fetching/renewing as needed."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        login_url: str = DEFAULT_LOGIN_URL,
        scope: str = GRAPH_SCOPE,
        clock: Callable[[], float] = time.monotonic,
        **client_options: Any,
    ):
        self.tenant_id = tenant_id
        self._form = {"grant_type": "client_credentials", "client_id": client_id,
                      "client_secret": client_secret, "scope": scope}
        self._login = SourceHttpClient(SOURCE_NAME, login_url, credential_variables=CREDENTIAL_VARIABLES,
                                       secrets=(client_secret,), **client_options)
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self._clients: list[SourceHttpClient] = [self._login]
        self.issued = 0

    def register(self, client: SourceHttpClient) -> None:
        """Tell `client` about every token issued, so it redacts them from text."""
        self._clients.append(client)
        client.add_secret(self._token)

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN:
                self._fetch()
            assert self._token is not None
            return self._token

    def _fetch(self) -> None:
        path = f"/{self.tenant_id}/oauth2/v2.0/token"
        try:
            body = self._login.post_json(path, data=self._form)
        except (SourceStatusError, SourceAuthError) as exc:
            # Entra answers 400 for an unknown tenant or client id, 401 for a wrong secret.
            status = getattr(exc, "status", 401)
            raise SourceAuthError(
                f"msgraph: the token request to {path} was refused (HTTP {status}); check "
                f"{', '.join(CREDENTIAL_VARIABLES)} and {LOGIN_URL_VARIABLE}. Detail: {_entra_error(str(exc))}"
            ) from None
        token = (body or {}).get("access_token") if isinstance(body, Mapping) else None
        if not token:
            raise SourceAuthError(f"msgraph: the token response from {path} carries no access_token; "
                                  f"check {LOGIN_URL_VARIABLE}.")
        for client in self._clients:
            client.add_secret(token)
        self._token = token
        self._expires_at = self._clock() + float(body.get("expires_in") or 3599)
        self.issued += 1

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


def _entra_error(text: str) -> str:
    """The AADSTS code of an Entra error: enough to act on, free of any request content."""
    for word in text.replace('"', " ").replace(":", " ").split():
        if word.startswith("AADSTS"):
            return word
    return "see the tenant's sign-in logs"


def graph_client(settings: Mapping[str, str], **client_options: Any) -> SourceHttpClient:
    """A Graph client from resolved MSGRAPH_* settings; `client_options` reach both HTTP clients."""
    missing = [v for v in CREDENTIAL_VARIABLES if not (settings.get(v) or "").strip()]
    if missing:
        raise ConfigError(f"Microsoft Graph needs {', '.join(missing)}; set them in the environment or .env.")
    login_url = checked_base_url(settings.get(LOGIN_URL_VARIABLE) or DEFAULT_LOGIN_URL, LOGIN_URL_VARIABLE)
    base_url = checked_base_url(settings.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL, BASE_URL_VARIABLE)
    token = GraphToken(settings[TENANT_VARIABLE], settings[CLIENT_ID_VARIABLE], settings[SECRET_VARIABLE],
                       login_url=login_url, **client_options)
    client = SourceHttpClient(SOURCE_NAME, base_url, auth=token, credential_variables=CREDENTIAL_VARIABLES,
                              url_variable=BASE_URL_VARIABLE,
                              secrets=(settings[SECRET_VARIABLE],), **client_options)
    token.register(client)
    return client
