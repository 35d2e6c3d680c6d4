"""The ticketing and HR-directory sources are registered and configured by their documented variables."""

from __future__ import annotations

import pytest

from connectors.registry import load_sources

# Variables from docs/configuration.md (a contract shared with the sandbox).
DOCUMENTED = {
    "jira": ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"),
    "zendesk": ("ZENDESK_BASE_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"),
    "servicenow": ("SERVICENOW_BASE_URL", "SERVICENOW_USER", "SERVICENOW_PASSWORD"),
    "msgraph_directory": ("MSGRAPH_TENANT_ID", "MSGRAPH_CLIENT_ID", "MSGRAPH_CLIENT_SECRET", "MSGRAPH_BASE_URL",
                          "MSGRAPH_LOGIN_URL"),
    "bamboohr": ("BAMBOOHR_COMPANY", "BAMBOOHR_API_KEY", "BAMBOOHR_BASE_URL"),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_source_registered_with_documented_variables(name):
    sources = {s.name: s for s in load_sources()}
    source = sources[name]
    assert tuple(v.name for v in source.variables)[: len(DOCUMENTED[name])] == DOCUMENTED[name]
    assert source.enabling_variable == DOCUMENTED[name][0]
    assert not source.is_enabled({})
    for specs in source.extractors.values():
        assert all(spec.source == name for spec in specs)


def test_missing_variable_is_named():
    from connectors.errors import ConfigError

    sources = {s.name: s for s in load_sources()}
    with pytest.raises(ConfigError, match="SERVICENOW_PASSWORD"):
        sources["servicenow"].settings({"SERVICENOW_BASE_URL": "https://acme.service-now.com", "SERVICENOW_USER": "u"})
    with pytest.raises(ConfigError, match="ZENDESK_BASE_URL"):
        from connectors import zendesk

        zendesk.build({"ZENDESK_BASE_URL": "not a url", "ZENDESK_EMAIL": "a", "ZENDESK_API_TOKEN": "b"}, None)
