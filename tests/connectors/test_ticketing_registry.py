"""The ticketing and HR-directory sources are registered and configured by their documented variables."""

from __future__ import annotations

import pytest

from connectors.registry import load_sources

# Variables from docs/configuration.md (a contract shared with the sandbox).
DOCUMENTED = {
    "jira": ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"),
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
