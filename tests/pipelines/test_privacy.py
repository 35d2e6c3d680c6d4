import pytest

from connectors.errors import ConfigError
from connectors.privacy import Pseudonymiser

KEY = "k" * 32


def test_person_key_is_stable_across_case_and_spaces():
    p = Pseudonymiser(KEY)
    assert p.person_key(" Mia@Acme.COM ") == p.person_key("mia@acme.com")
    assert len(p.person_key("mia@acme.com")) == 32


def test_person_key_depends_on_the_secret():
    assert Pseudonymiser(KEY).person_key("mia@acme.com") != Pseudonymiser("x" * 32).person_key("mia@acme.com")


def test_identity_keys_are_namespaced_by_source():
    p = Pseudonymiser(KEY)
    assert p.identity_key("jira", "42") != p.identity_key("zendesk", "42")
    assert p.identity_key("jira", None) is None and p.person_key("") is None


def test_short_key_is_refused_with_the_variable_named():
    with pytest.raises(ConfigError, match="ARCHIPELAGO_PSEUDONYM_KEY"):
        Pseudonymiser("short")


def test_scrub_removes_emails_and_names_from_nested_payloads():
    p = Pseudonymiser(KEY)
    scrubbed = p.scrub({"user": {"displayName": "Mia Krystof", "mail": "mia@acme.com"}, "notes": ["cc bob@acme.com"]})
    text = repr(scrubbed)
    assert "mia@acme.com" not in text and "bob@acme.com" not in text and "Mia Krystof" not in text
    assert p.person_key("mia@acme.com") in text
