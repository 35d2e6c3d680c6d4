"""The versioned AI-tool catalogue (`config/tool_catalogue.csv`): loader, validator, unknown tools.

One row per tool and version: who sells it, which capability it serves (code assistant, chat
assistant, recruiting, ...), which department owns it, its monthly seat price and its governance
zone. A tool's row is valid from `valid_from` until the next version's `valid_from`, so a price or
zone change keeps history. A wrong cell fails fast naming the file and line: the fragmentation and
duplicate-spend marts are meaningless on a half-read catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from connectors.csv_files import parse_date, parse_float, read_rows, require
from connectors.errors import ConfigError, RecordError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "tool_catalogue.csv"
COLUMNS = (
    "tool", "vendor", "capability", "owning_department", "monthly_seat_price_eur",
    "governance_zone", "version", "valid_from",
)
GOVERNANCE_ZONES = ("exploration", "transition", "production")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ToolVersion:
    tool: str
    vendor: str
    capability: str
    owning_department: str
    monthly_seat_price_eur: float
    governance_zone: str
    version: int
    valid_from: dt.date
    line: int


class Catalogue:
    def __init__(self, entries: Iterable[ToolVersion], path: Path):
        self.path = path
        self.entries = sorted(entries, key=lambda e: (e.tool, e.valid_from))

    @property
    def tools(self) -> frozenset[str]:
        return frozenset(e.tool for e in self.entries)

    def entry_on(self, tool: str, day: dt.date) -> ToolVersion | None:
        """The version of `tool` valid on `day`, or None (unknown tool, or before its first version)."""
        current = None
        for entry in self.entries:
            if entry.tool == tool and entry.valid_from <= day:
                current = entry
        return current

    def unknown_tools(self, seen: Iterable[str | None]) -> list[str]:
        """Tool ids seen in the data but absent from the catalogue: reported by a check, never dropped."""
        return sorted({t for t in seen if t} - self.tools)

    def as_rows(self) -> list[dict[str, Any]]:
        """Every version with its `valid_to` (exclusive; None for the current one), e.g. to land or seed."""
        rows = []
        for i, entry in enumerate(self.entries):
            nxt = self.entries[i + 1] if i + 1 < len(self.entries) else None
            row = asdict(entry)
            row.pop("line")
            row["valid_to"] = nxt.valid_from if nxt and nxt.tool == entry.tool else None
            rows.append(row)
        return rows


def _parse(line: int, raw: dict[str, str]) -> ToolVersion:
    tool = require(raw["tool"], "tool")
    capability = require(raw["capability"], "capability")
    for column, value in (("tool", tool), ("capability", capability)):
        if not _SLUG.match(value):
            raise RecordError(f"{column} {value!r} must be a lower-case slug (letters, digits, _)")
    zone = raw["governance_zone"]
    if zone not in GOVERNANCE_ZONES:
        raise RecordError(f"governance_zone {zone!r} is not one of {', '.join(GOVERNANCE_ZONES)}")
    price = parse_float(require(raw["monthly_seat_price_eur"], "monthly_seat_price_eur"), "monthly_seat_price_eur", 0, 1e6)
    version = require(raw["version"], "version")
    if not version.isdigit() or int(version) < 1:
        raise RecordError(f"version {version!r} is not a positive whole number")
    return ToolVersion(
        tool=tool,
        vendor=require(raw["vendor"], "vendor"),
        capability=capability,
        owning_department=require(raw["owning_department"], "owning_department"),
        monthly_seat_price_eur=price,
        governance_zone=zone,
        version=int(version),
        valid_from=parse_date(require(raw["valid_from"], "valid_from"), "valid_from"),
        line=line,
    )


def load_catalogue(path: str | Path = DEFAULT_PATH) -> Catalogue:
    """Read and validate the catalogue; ConfigError names the file and line of the first problem."""
    path = Path(path)
    entries: list[ToolVersion] = []
    for line, raw in read_rows(path, COLUMNS, "tool catalogue"):
        try:
            entry = _parse(line, raw)
        except RecordError as exc:
            raise ConfigError(f"{path}: line {line}: {exc}") from None
        for other in entries:
            if other.tool == entry.tool and (other.valid_from == entry.valid_from or other.version == entry.version):
                raise ConfigError(
                    f"{path}: line {line}: tool {entry.tool} already has version {other.version} "
                    f"valid from {other.valid_from} on line {other.line}; each version needs its own number and date"
                )
            if other.tool == entry.tool and (other.version < entry.version) != (other.valid_from < entry.valid_from):
                raise ConfigError(
                    f"{path}: line {line}: tool {entry.tool} version {entry.version} (valid from {entry.valid_from}) "
                    f"is out of order with version {other.version} on line {other.line}; later versions start later"
                )
        entries.append(entry)
    if not entries:
        raise ConfigError(f"{path}: no tools listed")
    return Catalogue(entries, path)
