"""Pseudonymisation: people become keyed hashes before anything is written (docs/metrics.md, privacy).

`person_key` is HMAC-SHA256 (key `ARCHIPELAGO_PSEUDONYM_KEY`) of the normalised work e-mail, so
every source that knows a person's e-mail lands the same key. Vendor user ids (Jira accountId,
Zendesk user id, GitHub login, ...) become `identity_key`s, namespaced by source; a source's user
table maps identity_key -> person_key where the vendor tells us the e-mail, and dbt resolves the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from connectors.errors import ConfigError

KEY_VARIABLE = "ARCHIPELAGO_PSEUDONYM_KEY"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_WHOLE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # a whole value shaped like an e-mail
_MIN_KEY_LENGTH = 16
# Keys whose values are people's names: redacted in quarantined payloads.
_NAME_KEYS = frozenset(
    k.lower()
    for k in (
        "displayName", "display_name", "firstName", "first_name", "lastName", "last_name",
        "fullName", "full_name", "givenName", "surname", "preferredName", "fromString", "toString",
    )
)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_email(value: str | None) -> bool:
    """Whether `value` (stripped) has the shape of an e-mail address, so it can become a person_key."""
    return bool(value) and bool(_WHOLE_EMAIL.match(str(value).strip()))


class Pseudonymiser:
    """Turns e-mails and vendor ids into stable keyed hashes (32 hex characters, 128 bits)."""

    def __init__(self, key: str | bytes):
        raw = key.encode() if isinstance(key, str) else key
        if len(raw) < _MIN_KEY_LENGTH:
            raise ConfigError(
                f"{KEY_VARIABLE} must be at least {_MIN_KEY_LENGTH} characters long; "
                "set it to a long random secret (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )
        self._key = raw

    def fingerprint(self) -> str:
        """Identifies the key without revealing it (HMAC of a constant): stored with the warehouse so a
        run with another key stops before it lands a second set of person keys."""
        return self._digest("archipelago:key-fingerprint:v1")[:16]

    def _digest(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def person_key(self, email: str | None) -> str | None:
        """Key of a person from their work e-mail; None for a missing or blank e-mail."""
        if email is None or not str(email).strip():
            return None
        return self._digest("email:" + normalise_email(str(email)))

    def identity_key(self, source: str, vendor_id: Any) -> str | None:
        """Key of a vendor identity (e.g. `jira`, accountId); None for a missing id."""
        if vendor_id is None or str(vendor_id).strip() == "":
            return None
        return self._digest(f"id:{source}:{str(vendor_id).strip()}")

    def scrub(self, value: Any) -> Any:
        """Replace every e-mail address found in a (nested) payload by its person_key.

        Used on quarantined payloads, which are kept for inspection but must not leak e-mails.
        """
        if isinstance(value, str):
            return _EMAIL.sub(lambda m: "person:" + (self.person_key(m.group(0)) or ""), value)
        if isinstance(value, dict):
            return {
                k: ("<redacted>" if str(k).lower() in _NAME_KEYS and v else self.scrub(v))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        return value
