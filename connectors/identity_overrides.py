"""Identity overrides from a CSV file (`source,vendor_id,email`).

Maps vendor identities that no API resolves to a person (GitHub logins, OpenAI users who signed up
with a private address, Jira users whose profile hides the e-mail). Lands
`raw_identity_overrides.overrides`: one row per (source, identity_key) with the `person_key` of the
work e-mail; `identity_key` is `identity_key(source, vendor_id)`, the same hash the vendor's connector
lands, so the warehouse joins them without ever seeing the vendor id. A file already landed (same
SHA-256) is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors.base import Batch, Column, Reject, StreamSpec
from connectors.csv_files import file_fingerprint, read_export, require
from connectors.errors import RecordError
from connectors.privacy import Pseudonymiser, is_email
from connectors.registry import SourceDefinition, Variable

SOURCE_NAME = "identity_overrides"
PATH_VARIABLE = "IDENTITY_OVERRIDES_PATH"
REQUIRED_COLUMNS = ("source", "vendor_id", "email")

OVERRIDES = StreamSpec(
    source=SOURCE_NAME,
    name="overrides",
    description="One row per vendor identity mapped by hand to a work e-mail.",
    columns=(
        Column("source", "VARCHAR", "identity namespace: github, openai, jira, zendesk, servicenow, ..."),
        Column("identity_key", "VARCHAR", "identity_key(source, vendor_id), as the vendor's connector lands it"),
        Column("person_key", "VARCHAR", "keyed hash of the work e-mail"),
        Column("source_line", "BIGINT", "line in the CSV file"),
    ),
    primary_key=("source", "identity_key"),
)


class IdentityOverridesExtractor:
    source = SOURCE_NAME
    name = "overrides"
    specs = (OVERRIDES,)

    def __init__(self, path: Path, pseudonymiser: Pseudonymiser):
        self.path = path
        self.pseudonymiser = pseudonymiser

    def _parse(self, line: int, raw: dict[str, str]) -> dict[str, Any]:
        source = require(raw["source"], "source").lower()
        vendor_id = require(raw["vendor_id"], "vendor_id")
        email = require(raw["email"], "email")
        if not is_email(email):
            raise RecordError("email is not an e-mail address")
        p = self.pseudonymiser
        return {
            "source": source,
            "identity_key": p.identity_key(source, vendor_id),
            "person_key": p.person_key(email),
            "source_line": line,
        }

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        fingerprint = file_fingerprint(self.path)
        if state and state.get("sha256") == fingerprint:
            return
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        rejects: list[Reject] = []
        export = read_export(self.path, REQUIRED_COLUMNS, PATH_VARIABLE)
        for csv_row in export.rows:
            line, raw = csv_row.line, csv_row.values
            try:
                if csv_row.problem:
                    raise RecordError(csv_row.problem)
                row = self._parse(line, raw)
                key = (row["source"], row["identity_key"])
                if key in rows and rows[key]["person_key"] != row["person_key"]:
                    raise RecordError("the same vendor identity is mapped to two different e-mails")
                rows[key] = row
            except RecordError as exc:
                # Vendor ids and e-mails are personal data: only their keyed hashes are kept.
                payload = {"source": raw.get("source"),
                           "identity_key": self.pseudonymiser.identity_key(raw.get("source", "").lower(), raw.get("vendor_id")),
                           "email": self.pseudonymiser.scrub(raw.get("email", ""))}
                rejects.append(Reject("overrides", f"line {line}: {exc}", payload, str(line)))
        yield Batch(rows={"overrides": list(rows.values())}, rejects=rejects,
                    state={"sha256": fingerprint, "file": self.path.name}, unknown_fields=export.unknown_columns)


def _build(settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> list[IdentityOverridesExtractor]:
    return [IdentityOverridesExtractor(Path(settings[PATH_VARIABLE]).expanduser(), pseudonymiser)]


SOURCE = SourceDefinition(
    name=SOURCE_NAME,
    title="Identity overrides CSV",
    variables=(Variable(PATH_VARIABLE, "path of the identity-override CSV (source,vendor_id,email)"),),
    extractors={"overrides": (OVERRIDES,)},
    build=_build,
)
