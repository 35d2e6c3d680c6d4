"""The AI initiatives the value chain measures: `config/initiatives.yml`, validated, turned into the dbt seed.

The YAML file is the one place a user edits (docs/value_chain.md); `ARCHIPELAGO_INITIATIVES` may
point at another one (the demo writes its own, dated for its generated history). Every refresh,
`make setup` and the test session validate it and write `dbt_project/seeds/initiatives.csv` from it
(generated, not versioned); a wrong entry fails with one line naming the file, line and field.
`python -m pipelines.initiatives` does the same by hand.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connectors.errors import ConfigError
from pipelines.settings import PROJECT_ROOT

CONFIG_PATH = PROJECT_ROOT / "config" / "initiatives.yml"
CONFIG_VARIABLE = "ARCHIPELAGO_INITIATIVES"
SEED_PATH = PROJECT_ROOT / "dbt_project" / "seeds" / "initiatives.csv"

# Link -> the metrics the warehouse can measure for it (int_value_chain__link_units).
LINK_METRICS: dict[str, tuple[str, ...]] = {
    "change_activity": ("trained_share",),
    "behaviour_change": ("wau_share",),
    "primary_benefit": ("median_first_reply_minutes", "median_resolution_minutes", "median_first_reply_business_minutes",
                        "median_resolution_business_minutes", "median_lead_time_hours"),
    "business_value": ("csat_good_share", "reopen_rate", "median_resolution_minutes", "median_resolution_business_minutes"),
    "financial_impact": ("net_monthly_value_eur",),
}
SEED_COLUMNS = (
    "initiative_id", "initiative_name", "target_departments", "comparison_departments", "tools", "start_date",
    "baseline_days", "ramp_days", "hourly_rate_eur", "change_activity_metric", "behaviour_metric",
    "primary_benefit_metric", "business_value_metric", "financial_metric", "version", "valid_from",
)
FIELDS = ("id", "name", "target_departments", "comparison_departments", "tools", "start", "baseline_days",
          "ramp_days", "hourly_rate_eur", "links", "version", "valid_from")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Initiative:
    id: str
    name: str
    target_departments: tuple[str, ...]
    comparison_departments: tuple[str, ...]  # empty: every department not targeted
    tools: tuple[str, ...]
    start: dt.date
    baseline_days: int
    ramp_days: int
    hourly_rate_eur: float
    links: Mapping[str, str | None]
    version: int
    valid_from: dt.date

    def seed_row(self) -> dict[str, Any]:
        return {
            "initiative_id": self.id, "initiative_name": self.name,
            "target_departments": "|".join(self.target_departments),
            "comparison_departments": "|".join(self.comparison_departments),
            "tools": "|".join(self.tools), "start_date": self.start.isoformat(),
            "baseline_days": self.baseline_days, "ramp_days": self.ramp_days,
            "hourly_rate_eur": f"{self.hourly_rate_eur:.2f}",
            "change_activity_metric": self.links.get("change_activity") or "",
            "behaviour_metric": self.links.get("behaviour_change") or "",
            "primary_benefit_metric": self.links.get("primary_benefit") or "",
            "business_value_metric": self.links.get("business_value") or "",
            "financial_metric": self.links.get("financial_impact") or "",
            "version": self.version, "valid_from": self.valid_from.isoformat(),
        }


class _LineLoader(yaml.SafeLoader):
    """Safe loader that remembers the line of every mapping, for error messages."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _fail(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError(f"{path}: line {line}: {message} (see docs/value_chain.md)")


def _names(entry: Mapping[str, Any], key: str, fail, *, required: bool) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None or value == []:
        if required:
            raise fail(f"{key} is missing; give a list such as [Customer Support]")
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and "|" not in v for v in value):
        raise fail(f"{key} must be a list of names without '|'")
    return tuple(v.strip() for v in value)


def _date(entry: Mapping[str, Any], key: str, fail) -> dt.date:
    value = entry.get(key)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise fail(f"{key} {value!r} is not a date (YYYY-MM-DD)") from None


def _number(entry: Mapping[str, Any], key: str, fail, low: float, integer: bool, default=None) -> float:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        raise fail(f"{key} {value!r} is not {'a whole number' if integer else 'a number'}")
    if value < low:
        raise fail(f"{key} {value} is below {low:g}")
    return value


def _initiative(entry: Any, path: Path, known_tools: frozenset[str] | None) -> Initiative:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{path}: every item under `initiatives` must be a mapping with id, name, ...")
    line = entry.get("__line__", 0)

    def fail(message: str) -> ConfigError:
        return _fail(path, line, f"initiative {entry.get('id', '?')}: {message}")

    unknown = sorted(k for k in entry if k not in FIELDS and k != "__line__")
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _SLUG.match(ident):
        raise fail("id must be lower-case letters, digits and '_' (e.g. support_m365_pilot)")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name is missing")
    targets = _names(entry, "target_departments", fail, required=True)
    comparison = _names(entry, "comparison_departments", fail, required=False)
    if overlap := sorted(set(targets) & set(comparison)):
        raise fail(f"{', '.join(overlap)} is both a target and a comparison department")
    tools = _names(entry, "tools", fail, required=True)
    if known_tools is not None and (unknown_tools := sorted(set(tools) - known_tools)):
        raise fail(f"tool(s) {', '.join(unknown_tools)} are not in config/tool_catalogue.csv")
    links = entry.get("links")
    if not isinstance(links, Mapping):
        raise fail(f"links must map each of {', '.join(LINK_METRICS)} to a metric")
    chosen: dict[str, str | None] = {}
    for link, metrics in LINK_METRICS.items():
        metric = links.get(link)
        if metric is not None and metric not in metrics:
            raise fail(f"links.{link} {metric!r} is not one of {', '.join(metrics)} (or null: not measured)")
        chosen[link] = metric
    if extra := sorted(k for k in links if k not in LINK_METRICS and k != "__line__"):
        raise fail(f"links has unknown link(s) {', '.join(extra)}; the five links are {', '.join(LINK_METRICS)}")
    start = _date(entry, "start", fail)
    return Initiative(
        id=ident, name=name.strip(), target_departments=targets, comparison_departments=comparison, tools=tools,
        start=start,
        baseline_days=int(_number(entry, "baseline_days", fail, 14, True, 90)),
        ramp_days=int(_number(entry, "ramp_days", fail, 0, True, 0)),
        hourly_rate_eur=float(_number(entry, "hourly_rate_eur", fail, 0, False)),
        links=chosen,
        version=int(_number(entry, "version", fail, 1, True, 1)),
        valid_from=_date(entry, "valid_from", fail) if "valid_from" in entry else start,
    )


def load_initiatives(path: Path = CONFIG_PATH, known_tools: frozenset[str] | None = None) -> list[Initiative]:
    """Every initiative of the file, validated; a wrong entry raises ConfigError naming file, line and field."""
    if not path.is_file():
        raise ConfigError(f"{path} is missing: the value chain reads its initiatives there (see docs/value_chain.md).")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"{path}: line {mark.line + 1 if mark else '?'}: not valid YAML: "
                          f"{getattr(exc, 'problem', exc)}") from None
    items = document.get("initiatives") if isinstance(document, Mapping) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path}: expected a top-level `initiatives:` list (see docs/value_chain.md).")
    initiatives = [_initiative(item, path, known_tools) for item in items]
    seen: set[str] = set()
    for item, initiative in zip(items, initiatives, strict=True):
        if initiative.id in seen:
            raise _fail(path, item.get("__line__", 0), f"initiative id {initiative.id} appears twice")
        seen.add(initiative.id)
    return initiatives


def seed_text(initiatives: list[Initiative]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, SEED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for initiative in initiatives:
        writer.writerow(initiative.seed_row())
    return out.getvalue()


def configured_path() -> Path:
    """`ARCHIPELAGO_INITIATIVES` if set, else config/initiatives.yml."""
    value = os.environ.get(CONFIG_VARIABLE, "").strip()
    return Path(value) if value else CONFIG_PATH


def write_seed(config: Path | None = None, seed: Path = SEED_PATH) -> bool:
    """Validate `config` (default: configured_path()) and rewrite the dbt seed from it; True when it changed."""
    from connectors.catalogue import load_catalogue  # noqa: PLC0415 - only the tool names are needed

    config = config or configured_path()
    text = seed_text(load_initiatives(config, load_catalogue().tools))
    if seed.is_symlink() or not seed.exists() or seed.read_text(encoding="utf-8") != text:
        seed.unlink(missing_ok=True)
        seed.write_text(text, encoding="utf-8")
        return True
    return False


def _seed_text_now(seed: Path) -> str | None:
    try:
        return seed.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def seed_held(config: Path | None = None, seed: Path = SEED_PATH) -> Iterator[Callable[[], None]]:
    """Write the seed from `config` and keep it so until the block ends (a dbt build), or until the
    caller calls the function it is given: once dbt has loaded the seed it reads the file no more, and
    a build on Spark lasts minutes that other runs need not wait.

    Every home of a checkout shares the seed file, and a demo or test may bring initiatives of its own:
    without this, one run could rewrite the seed while another's dbt reads it. Runs that want the same
    seed share the lock; one that wants another seed waits until they are done. flock converts a
    lock by releasing it first, so the seed is checked again each time the shared lock is taken.
    """
    from connectors.catalogue import load_catalogue  # noqa: PLC0415 - only the tool names are needed

    text = seed_text(load_initiatives(config or configured_path(), load_catalogue().tools))
    lock_path = seed.parent.parent / "target" / "initiatives-seed.lock"  # not among the seeds dbt reads
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        while _seed_text_now(seed) != text:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _seed_text_now(seed) != text:
                seed.unlink(missing_ok=True)
                seed.write_text(text, encoding="utf-8")
            fcntl.flock(lock, fcntl.LOCK_SH)
        yield lambda: fcntl.flock(lock, fcntl.LOCK_UN)


if __name__ == "__main__":
    try:
        write_seed()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
