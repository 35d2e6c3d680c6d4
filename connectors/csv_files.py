"""Reading CSV exports strictly: encoding, quoting, field counts, declared columns, typed cells.

A CSV export is either read as its author meant it or refused, never half read:
- the encoding is UTF-8 (with or without BOM) or UTF-16 (by its BOM); any other encoding is set per
  source (`<SOURCE>_ENCODING`, e.g. `latin-1`); bytes that do not decode refuse the file, naming
  the line;
- a quoted field must close on its own line: a quote that runs past a line end (an unterminated
  quote swallows the rest of the file) refuses the file, naming the line where it opened;
- a row with more or fewer fields than the header is a row problem: it is reported with its line
  (the caller quarantines it) and the well-delimited rows around it still land;
- only declared columns are read; other columns are dropped and their names listed
  (`CsvExport.unknown_columns`), unless the source's allow-list (`<SOURCE>_EXTRA_COLUMNS`) names
  them, in which case they are returned in `CsvRow.extra`: an unknown column may carry a name or
  an address, so nothing lands that nobody asked for.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from connectors.errors import ConfigError, RecordError
from connectors.registry import Variable
from connectors.undeclared import allow_list, allow_list_variable


class CsvFileError(ConfigError):
    """The file cannot be read as a whole (encoding, quoting): it is refused and read again once fixed."""


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the cursor of a file source (same file, nothing to do)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------ per-source settings


def encoding_variable(prefix: str) -> Variable:
    return Variable(f"{prefix}_ENCODING", "encoding of files without a BOM, e.g. `latin-1` or `cp1252` "
                    "(UTF-8 and UTF-16 with a BOM are detected)", required=False, default="utf-8")


def extra_columns_variable(prefix: str, example: str = "cost_centre") -> Variable:
    return allow_list_variable(f"{prefix}_EXTRA_COLUMNS", "columns", example)


@dataclass(frozen=True)
class CsvSettings:
    """How a source reads its files: the encoding of BOM-less files and the allow-listed extra columns."""

    encoding: str = "utf-8"
    encoding_variable: str = ""
    extra_columns: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Mapping[str, str], prefix: str) -> CsvSettings:
        variable = f"{prefix}_ENCODING"
        encoding = (settings.get(variable) or "utf-8").strip()
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ConfigError(f"{variable}={encoding!r} is not an encoding Python knows; use e.g. utf-8, latin-1 or cp1252.") from exc
        return cls(encoding, variable, allow_list(settings, f"{prefix}_EXTRA_COLUMNS"))


# ------------------------------------------------------------------ reading


@dataclass
class CsvRow:
    line: int  # physical line of the row in the file (the header is line 1)
    values: dict[str, str]  # declared columns present in the header, stripped
    extra: dict[str, str] = field(default_factory=dict)  # allow-listed extra columns with a value
    problem: str | None = None  # set when the row is not well formed: values are then empty


@dataclass
class CsvExport:
    path: Path
    header: list[str]
    unknown_columns: list[str]  # dropped: neither declared nor allow-listed
    rows: list[CsvRow]


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(path: Path, data: bytes, settings: CsvSettings) -> str:
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), settings.encoding)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        how = f"; set {settings.encoding_variable} to the file's encoding (e.g. latin-1)" if settings.encoding_variable else ""
        raise CsvFileError(
            f"{path}: line {line}: bytes that are not {encoding} ({exc.reason}); the file is refused whole and read "
            f"again once fixed{how}."
        ) from None


def read_export(path: Path, declared: Sequence[str], variable: str, settings: CsvSettings | None = None,
                *, required: Sequence[str] | None = None) -> CsvExport:
    """Read a whole CSV export strictly (module docstring). `declared` are the columns the source
    understands; `required` (default: all declared) must be in the header, else a `ConfigError`."""
    settings = settings or CsvSettings()
    if not path.is_file():
        raise ConfigError(f"{variable} points at {path}, which is not a file; set {variable} to an existing CSV export.")
    text = _decode(path, path.read_bytes(), settings)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise CsvFileError(f"{path}: line 1: the header is not valid CSV ({exc}).") from None
    required = declared if required is None else required
    missing = [c for c in required if c not in header]
    if missing:
        raise ConfigError(
            f"{path}: line 1: header lacks column(s) {', '.join(missing)}; expected at least "
            f"{', '.join(required)} (see docs/configuration.md)."
        )
    declared_set = set(declared)
    unknown = [h for h in header if h and h not in declared_set and h not in settings.extra_columns]
    rows: list[CsvRow] = []
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvFileError(f"{path}: line {start}: {_quote_problem(exc)}; the file is refused whole and read again once fixed.") from None
        end, previous_end = reader.line_num, reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip() and len(header) > 1):
            continue  # a blank line
        if end > start:
            raise CsvFileError(
                f"{path}: line {start}: a quoted field runs past the end of the line (an unterminated quote?); "
                "the file is refused whole and read again once fixed."
            )
        if len(fields) != len(header):
            rows.append(CsvRow(start, {}, problem=f"the row has {len(fields)} fields, the header {len(header)}"))
            continue
        values: dict[str, str] = {}
        extra: dict[str, str] = {}
        for name, value in zip(header, fields, strict=True):
            if name in declared_set:
                values[name] = value.strip()
            elif name in settings.extra_columns and value.strip():
                extra[name] = value.strip()
        rows.append(CsvRow(start, values, extra))
    return CsvExport(path, header, unknown, rows)


def read_rows(path: Path, required: Sequence[str], variable: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a configuration CSV (a mapping file): read strictly, and any malformed row is a
    `ConfigError` naming file and line, since a mapping file is fixed by its owner, not quarantined."""
    for row in read_export(path, required, variable).rows:
        if row.problem:
            raise ConfigError(f"{path}: line {row.line}: {row.problem}; fix the file.")
        yield row.line, row.values


def _quote_problem(exc: csv.Error) -> str:
    message = str(exc)
    if "unexpected end of data" in message or "EOF" in message:
        return "a quoted field is never closed (an unterminated quote)"
    return f"not valid CSV ({message})"


def declared_payload(values: Mapping[str, str], keep: Iterable[str], scrub, line: int, **context) -> dict:
    """A quarantine payload: the raw line number and only the listed declared columns, scrubbed."""
    return {**context, "line": line, **{k: scrub(values[k]) for k in keep if values.get(k)}}


# ------------------------------------------------------------------ typed cells


def parse_date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise RecordError(f"{column} {value!r} is not an ISO date (YYYY-MM-DD)") from exc


def parse_float(value: str, column: str, low: float | None = None, high: float | None = None) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise RecordError(f"{column} {value!r} is not a number") from exc
    if (low is not None and number < low) or (high is not None and number > high):
        raise RecordError(f"{column} {number:g} is outside [{low:g}, {high:g}]")
    return number


def require(value: str, column: str) -> str:
    if not value:
        raise RecordError(f"{column} is empty")
    return value
