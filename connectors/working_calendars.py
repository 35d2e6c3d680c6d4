"""Working calendars as organisations keep them: the calendar file, vendor schedules, expansion.

The calendar file (`config/calendars.yml`, or `ARCHIPELAGO_CALENDARS_PATH`) names schedules, each with
an IANA time zone, weekly working intervals at minute precision and holidays, assigns them to
departments and ticket groups, and names the organisation's default. Zendesk business-hours
schedules (landed by the Zendesk connector) are schedules too, referred to as `zendesk:<name>`.

dbt cannot turn local wall-clock hours into UTC portably, so each schedule is expanded here into
UTC working intervals per UTC day, each with the working seconds of the schedule before it (a
running clock). Business time between two instants is then clock(end) - clock(start), where
clock(t) needs only the rows of t's UTC day: an equality join, the same SQL on every engine. Every
UTC day has a zero-length row at midnight carrying the clock at midnight, so a day without work
still answers.

Local wall-clock hours are what a schedule means: a 09:00-17:00 day is 8 hours on both sides of a
daylight-saving change, and a 00:00-24:00 day on the change is 23 or 25 hours long.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from connectors.errors import ConfigError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "calendars.yml"
PATH_VARIABLE = "ARCHIPELAGO_CALENDARS_PATH"
# The span expanded by default (the dbt project's business-hour figures are null outside it).
DEFAULT_SPAN = (dt.date(2015, 1, 1), dt.date(2035, 12, 31))
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TICKET_SYSTEMS = ("zendesk", "servicenow", "jira")
VENDOR_PREFIX = "zendesk:"
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Holiday:
    name: str
    start: dt.date
    end: dt.date  # inclusive

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Schedule:
    schedule_id: str          # the file's key, or `zendesk:<name>`
    name: str
    time_zone: str            # IANA
    week: tuple[tuple[int, int, int], ...]  # (ISO weekday 1-7, start minute, end minute <= 1440), local
    holidays: tuple[Holiday, ...] = ()
    origin: str = "config"    # config | zendesk

    def minutes_per_week(self) -> int:
        return sum(end - start for _, start, end in self.week)


@dataclass(frozen=True)
class Assignment:
    scope: str                # group | department | vendor | default
    source: str | None        # ticket system of a group (and of a vendor row)
    name: str | None          # group or department name
    schedule_id: str


@dataclass(frozen=True)
class CalendarConfig:
    schedules: Mapping[str, Schedule]
    default: str
    assignments: tuple[Assignment, ...]
    span: tuple[dt.date, dt.date]
    path: Path

    def vendor_references(self) -> set[str]:
        refs = {a.schedule_id for a in self.assignments} | {self.default}
        return {r for r in refs if r.startswith(VENDOR_PREFIX)}


@dataclass(frozen=True)
class WorkingInterval:
    schedule_id: str
    utc_date: dt.date
    start_at: dt.datetime     # naive UTC
    end_at: dt.datetime
    seconds_before: int       # working seconds of the schedule from the span's start to start_at


# ------------------------------------------------------------------ the calendar file


def calendars_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(PATH_VARIABLE) or DEFAULT_PATH)


def _fail(path: Path, where: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {message}")


def _minute(text: str, path: Path, where: str) -> int:
    match = _TIME.match(text.strip())
    if not match or int(match[2]) > 59 or int(match[1]) > 24 or (int(match[1]) == 24 and int(match[2])):
        raise _fail(path, where, f"{text!r} is not a time HH:MM between 00:00 and 24:00")
    return int(match[1]) * 60 + int(match[2])


def _days(spec: str, path: Path, where: str) -> list[int]:
    """'mon', 'mon-fri', 'sat,sun' -> ISO weekdays."""
    out: list[int] = []
    for part in str(spec).lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise _fail(path, where, f"{spec!r} is not a day or a day range such as mon-fri (days: {', '.join(DAYS)})")
        a, b = DAYS.index(first), DAYS.index(last or first)
        if b < a:
            raise _fail(path, where, f"day range {part!r} runs backwards")
        out.extend(range(a + 1, b + 2))
    return out


def parse_week(hours: Any, path: Path, where: str) -> tuple[tuple[int, int, int], ...]:
    """`{mon-fri: "09:00-17:00", sat: ["10:00-12:00", "13:00-16:00"], fri: "22:00-06:00"}` -> intervals.

    An interval ending at or before its start runs past midnight into the next day (a night shift).
    """
    if not isinstance(hours, Mapping) or not hours:
        raise _fail(path, where, "hours must map days to intervals, e.g. {mon-fri: \"09:00-17:00\"}")
    pieces: list[tuple[int, int, int]] = []
    for day_spec, spans in hours.items():
        spans = [spans] if isinstance(spans, str) else spans
        if not isinstance(spans, list):
            raise _fail(path, f"{where}.{day_spec}", "give an interval \"HH:MM-HH:MM\" or a list of them")
        for day in _days(day_spec, path, f"{where}.{day_spec}"):
            for span in spans:
                start_text, sep, end_text = str(span).partition("-")
                if not sep:
                    raise _fail(path, f"{where}.{day_spec}", f"{span!r} is not an interval HH:MM-HH:MM")
                start = _minute(start_text, path, f"{where}.{day_spec}")
                end = _minute(end_text, path, f"{where}.{day_spec}")
                if start == end or (end == 0 and start == 0):
                    raise _fail(path, f"{where}.{day_spec}", f"{span!r} is empty")
                if end > start:
                    pieces.append((day, start, end))
                else:  # past midnight
                    pieces.append((day, start, 1440))
                    if end:
                        pieces.append((day % 7 + 1, 0, end))
    return _merged(pieces, path, where)


def _merged(pieces: Iterable[tuple[int, int, int]], path: Path, where: str) -> tuple[tuple[int, int, int], ...]:
    ordered = sorted(pieces)
    for (d1, _, e1), (d2, s2, _) in zip(ordered, ordered[1:], strict=False):
        if d1 == d2 and s2 < e1:
            raise _fail(path, where, f"intervals overlap on {DAYS[d1 - 1]}")
    return tuple(ordered)


def _date(value: Any, path: Path, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(path, where, f"{value!r} is not a date YYYY-MM-DD") from None


def parse_holidays(entries: Any, named: Mapping[str, tuple[Holiday, ...]], path: Path, where: str) -> tuple[Holiday, ...]:
    """A list of `{date, name}` / `{from, to, name}` entries and names of the file's holiday lists."""
    entries = [entries] if isinstance(entries, str | Mapping) else (entries or [])
    out: list[Holiday] = []
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if isinstance(entry, str):
            if entry not in named:
                raise _fail(path, at, f"no holiday list {entry!r} (lists: {', '.join(sorted(named)) or 'none'})")
            out.extend(named[entry])
            continue
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise _fail(path, at, "a holiday is {date: YYYY-MM-DD, name: ...} or {from: ..., to: ..., name: ...}")
        if "date" in entry:
            start = end = _date(entry["date"], path, at)
        elif "from" in entry and "to" in entry:
            start, end = _date(entry["from"], path, at), _date(entry["to"], path, at)
            if end < start:
                raise _fail(path, at, f"holiday {entry['name']!r} ends before it starts")
        else:
            raise _fail(path, at, f"holiday {entry['name']!r} needs a date, or from and to")
        out.append(Holiday(str(entry["name"]), start, end))
    return tuple(out)


def time_zone(name: str, path: Path | str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: {where}: {name!r} is not an IANA time zone such as Europe/Amsterdam") from None


def load_calendars(path: str | Path | None = None) -> CalendarConfig:
    """Read and validate the calendar file; ConfigError names the file and the entry at fault."""
    path = calendars_path() if path is None else Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: calendar file not found (set {PATH_VARIABLE} or restore config/calendars.yml)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "file"
        raise ConfigError(f"{path}: {line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(doc, Mapping) or doc.get("version") != 1:
        raise ConfigError(f"{path}: the calendar file must be a mapping with `version: 1`")
    named = {}
    for list_name, entries in (doc.get("holidays") or {}).items():
        named[str(list_name)] = parse_holidays(entries, {}, path, f"holidays.{list_name}")
    schedules: dict[str, Schedule] = {}
    for key, spec in (doc.get("schedules") or {}).items():
        key = str(key)
        where = f"schedules.{key}"
        if key.startswith(VENDOR_PREFIX) or not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_ .-]*$", key):
            raise _fail(path, where, "a schedule key is letters, digits, space, _ . - (zendesk: is kept for vendor schedules)")
        if not isinstance(spec, Mapping) or "time_zone" not in spec or "hours" not in spec:
            raise _fail(path, where, "a schedule needs time_zone and hours")
        time_zone(str(spec["time_zone"]), path, f"{where}.time_zone")
        schedules[key] = Schedule(
            schedule_id=key,
            name=str(spec.get("name") or key),
            time_zone=str(spec["time_zone"]),
            week=parse_week(spec["hours"], path, f"{where}.hours"),
            holidays=parse_holidays(spec.get("holidays"), named, path, f"{where}.holidays"),
        )
    if not schedules and not str(doc.get("default", "")).startswith(VENDOR_PREFIX):
        raise ConfigError(f"{path}: no schedules: name at least the organisation's default schedule")
    known = set(schedules)

    def ref(value: Any, where: str) -> str:
        value = str(value or "")
        if value not in known and not (value.startswith(VENDOR_PREFIX) and len(value) > len(VENDOR_PREFIX)):
            raise _fail(path, where, f"no schedule {value!r} (schedules: {', '.join(sorted(known))}; "
                                     f"a Zendesk schedule is {VENDOR_PREFIX}<its name>)")
        return value

    default = ref(doc.get("default"), "default")
    assign = doc.get("assign") or {}
    assignments: list[Assignment] = [Assignment("default", None, None, default)]
    for department, schedule_id in (assign.get("departments") or {}).items():
        assignments.append(Assignment("department", None, str(department),
                                      ref(schedule_id, f"assign.departments.{department}")))
    for system, groups in (assign.get("groups") or {}).items():
        if system not in TICKET_SYSTEMS:
            raise _fail(path, f"assign.groups.{system}", f"ticket system is one of {', '.join(TICKET_SYSTEMS)}")
        for group, schedule_id in (groups or {}).items():
            assignments.append(Assignment("group", system, str(group), ref(schedule_id, f"assign.groups.{system}.{group}")))
    span = doc.get("span") or {}
    first = _date(span.get("from", DEFAULT_SPAN[0]), path, "span.from")
    last = _date(span.get("to", DEFAULT_SPAN[1]), path, "span.to")
    if last < first:
        raise _fail(path, "span", "span.to is before span.from")
    return CalendarConfig(schedules, default, tuple(assignments), (first, last), path)


# ------------------------------------------------------------------ Zendesk schedules

# Zendesk names time zones the Rails way ("Amsterdam", "Eastern Time (US & Canada)"); IANA names pass as they are.
_RAILS_ZONES = """
International Date Line West=Pacific/Midway|Midway Island=Pacific/Midway|American Samoa=Pacific/Pago_Pago
Hawaii=Pacific/Honolulu|Alaska=America/Juneau|Pacific Time (US & Canada)=America/Los_Angeles|Tijuana=America/Tijuana
Mountain Time (US & Canada)=America/Denver|Arizona=America/Phoenix|Chihuahua=America/Chihuahua|Mazatlan=America/Mazatlan
Central Time (US & Canada)=America/Chicago|Saskatchewan=America/Regina|Guadalajara=America/Mexico_City
Mexico City=America/Mexico_City|Monterrey=America/Monterrey|Central America=America/Guatemala
Eastern Time (US & Canada)=America/New_York|Indiana (East)=America/Indiana/Indianapolis|Bogota=America/Bogota
Lima=America/Lima|Quito=America/Lima|Atlantic Time (Canada)=America/Halifax|Caracas=America/Caracas
La Paz=America/La_Paz|Santiago=America/Santiago|Newfoundland=America/St_Johns|Brasilia=America/Sao_Paulo
Buenos Aires=America/Argentina/Buenos_Aires|Montevideo=America/Montevideo|Georgetown=America/Guyana
Greenland=America/Nuuk|Mid-Atlantic=Atlantic/South_Georgia|Azores=Atlantic/Azores|Cape Verde Is.=Atlantic/Cape_Verde
Dublin=Europe/Dublin|Edinburgh=Europe/London|Lisbon=Europe/Lisbon|London=Europe/London|Casablanca=Africa/Casablanca
Monrovia=Africa/Monrovia|UTC=Etc/UTC|Belgrade=Europe/Belgrade|Bratislava=Europe/Bratislava|Budapest=Europe/Budapest
Ljubljana=Europe/Ljubljana|Prague=Europe/Prague|Sarajevo=Europe/Sarajevo|Skopje=Europe/Skopje|Warsaw=Europe/Warsaw
Zagreb=Europe/Zagreb|Brussels=Europe/Brussels|Copenhagen=Europe/Copenhagen|Madrid=Europe/Madrid|Paris=Europe/Paris
Amsterdam=Europe/Amsterdam|Berlin=Europe/Berlin|Bern=Europe/Zurich|Zurich=Europe/Zurich|Rome=Europe/Rome
Stockholm=Europe/Stockholm|Vienna=Europe/Vienna|West Central Africa=Africa/Algiers|Bucharest=Europe/Bucharest
Cairo=Africa/Cairo|Helsinki=Europe/Helsinki|Kyiv=Europe/Kyiv|Riga=Europe/Riga|Sofia=Europe/Sofia
Tallinn=Europe/Tallinn|Vilnius=Europe/Vilnius|Athens=Europe/Athens|Istanbul=Europe/Istanbul|Minsk=Europe/Minsk
Jerusalem=Asia/Jerusalem|Harare=Africa/Harare|Pretoria=Africa/Johannesburg|Moscow=Europe/Moscow
St. Petersburg=Europe/Moscow|Volgograd=Europe/Volgograd|Kuwait=Asia/Kuwait|Riyadh=Asia/Riyadh|Nairobi=Africa/Nairobi
Baghdad=Asia/Baghdad|Tehran=Asia/Tehran|Abu Dhabi=Asia/Muscat|Muscat=Asia/Muscat|Baku=Asia/Baku|Tbilisi=Asia/Tbilisi
Yerevan=Asia/Yerevan|Kabul=Asia/Kabul|Ekaterinburg=Asia/Yekaterinburg|Islamabad=Asia/Karachi|Karachi=Asia/Karachi
Tashkent=Asia/Tashkent|Chennai=Asia/Kolkata|Kolkata=Asia/Kolkata|Mumbai=Asia/Kolkata|New Delhi=Asia/Kolkata
Kathmandu=Asia/Kathmandu|Astana=Asia/Almaty|Dhaka=Asia/Dhaka|Sri Jayawardenepura=Asia/Colombo|Almaty=Asia/Almaty
Novosibirsk=Asia/Novosibirsk|Rangoon=Asia/Yangon|Bangkok=Asia/Bangkok|Hanoi=Asia/Bangkok|Jakarta=Asia/Jakarta
Krasnoyarsk=Asia/Krasnoyarsk|Beijing=Asia/Shanghai|Chongqing=Asia/Chongqing|Hong Kong=Asia/Hong_Kong
Urumqi=Asia/Urumqi|Kuala Lumpur=Asia/Kuala_Lumpur|Singapore=Asia/Singapore|Taipei=Asia/Taipei|Perth=Australia/Perth
Irkutsk=Asia/Irkutsk|Ulaanbaatar=Asia/Ulaanbaatar|Seoul=Asia/Seoul|Osaka=Asia/Tokyo|Sapporo=Asia/Tokyo
Tokyo=Asia/Tokyo|Yakutsk=Asia/Yakutsk|Darwin=Australia/Darwin|Adelaide=Australia/Adelaide
Canberra=Australia/Melbourne|Melbourne=Australia/Melbourne|Sydney=Australia/Sydney|Brisbane=Australia/Brisbane
Hobart=Australia/Hobart|Vladivostok=Asia/Vladivostok|Guam=Pacific/Guam|Port Moresby=Pacific/Port_Moresby
Magadan=Asia/Magadan|Solomon Is.=Pacific/Guadalcanal|New Caledonia=Pacific/Noumea|Fiji=Pacific/Fiji
Kamchatka=Asia/Kamchatka|Marshall Is.=Pacific/Majuro|Auckland=Pacific/Auckland|Wellington=Pacific/Auckland
Nuku'alofa=Pacific/Tongatapu|Samoa=Pacific/Apia
"""
ZENDESK_TIME_ZONES = dict(
    pair.split("=", 1) for line in _RAILS_ZONES.strip().splitlines() for pair in line.split("|")
)


def iana_zone(zendesk_name: str) -> str:
    """Zendesk's zone name as an IANA name; a name Zendesk already gives in IANA form passes as it is."""
    return ZENDESK_TIME_ZONES.get(zendesk_name, zendesk_name)


def within_one_day(start: int, end: int) -> bool:
    """A Zendesk interval (minutes since Sunday 00:00) that starts and ends inside one day of the week."""
    return 0 <= start < end <= 7 * 1440 and start // 1440 == (end - 1) // 1440


def zendesk_schedule(name: str, zone: str, intervals: Sequence[tuple[int, int]], holidays: Iterable[Holiday]) -> Schedule:
    """A Zendesk schedule: intervals in minutes since Sunday 00:00 local (Monday 09:00-17:00 is 1980-2460)."""
    where = f"Zendesk schedule {name!r}"
    time_zone(iana_zone(zone), "raw_zendesk.business_hours_schedules", f"{where}.time_zone")
    pieces = []
    for start, end in intervals:
        if not within_one_day(start, end):
            raise ConfigError(f"raw_zendesk.business_hours_schedules: {where}: interval {start}-{end} "
                              "is not inside one day of the week")
        sunday_based = start // 1440  # 0 = Sunday
        iso_day = 7 if sunday_based == 0 else sunday_based
        pieces.append((iso_day, start % 1440, end - sunday_based * 1440))
    week = _merged(pieces, Path("raw_zendesk.business_hours_schedules"), where)
    return Schedule(f"{VENDOR_PREFIX}{name}", name, iana_zone(zone), week, tuple(holidays), origin="zendesk")


# ------------------------------------------------------------------ expansion


def _local_pieces(schedule: Schedule, first: dt.date, last: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Working intervals in UTC, in order, for the local days first..last (holidays left out)."""
    zone = ZoneInfo(schedule.time_zone)
    by_day: dict[int, list[tuple[int, int]]] = {}
    for day, start, end in schedule.week:
        by_day.setdefault(day, []).append((start, end))
    day = first
    while day <= last:
        if not any(h.covers(day) for h in schedule.holidays):
            midnight = dt.datetime(day.year, day.month, day.day)
            for start, end in by_day.get(day.isoweekday(), ()):
                yield _utc(midnight + dt.timedelta(minutes=start), zone), _utc(midnight + dt.timedelta(minutes=end), zone)
        day += dt.timedelta(days=1)


def _utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    # Wall-clock time in the zone (fold=0: the first of an ambiguous hour) to naive UTC.
    return local.replace(tzinfo=zone).astimezone(_UTC).replace(tzinfo=None)


def expand(schedule: Schedule, first: dt.date, last: dt.date) -> list[WorkingInterval]:
    """UTC working intervals of the UTC days first..last, split at UTC midnight, with the running clock.

    Every UTC day also gets a zero-length row at 00:00 holding the clock at midnight.
    """
    # Local days reach one day past each end: UTC days first..last hold pieces of those local days.
    pieces = _local_pieces(schedule, first - dt.timedelta(days=1), last + dt.timedelta(days=1))
    start_utc = dt.datetime(first.year, first.month, first.day)
    end_utc = dt.datetime(last.year, last.month, last.day) + dt.timedelta(days=1)
    split: list[tuple[dt.datetime, dt.datetime]] = []
    for a, b in pieces:
        a, b = max(a, start_utc), min(b, end_utc)
        while a < b:
            midnight = dt.datetime(a.year, a.month, a.day) + dt.timedelta(days=1)
            split.append((a, min(b, midnight)))
            a = min(b, midnight)
    rows: list[WorkingInterval] = []
    clock, i, day = 0, 0, first
    while day <= last:
        midnight = dt.datetime(day.year, day.month, day.day)
        rows.append(WorkingInterval(schedule.schedule_id, day, midnight, midnight, clock))
        while i < len(split) and split[i][0] < midnight + dt.timedelta(days=1):
            a, b = split[i]
            rows.append(WorkingInterval(schedule.schedule_id, day, a, b, clock))
            clock += int((b - a).total_seconds())
            i += 1
        day += dt.timedelta(days=1)
    return rows


def clock_at(rows: Sequence[WorkingInterval], at: dt.datetime) -> int | None:
    """Working seconds before `at` (naive UTC): the lookup the dbt models do, for tests and the sandbox."""
    values = [r.seconds_before + int((min(at, r.end_at) - r.start_at).total_seconds())
              for r in rows if r.utc_date == at.date() and r.start_at <= at]
    return max(values) if values else None


def working_seconds(rows: Sequence[WorkingInterval], start: dt.datetime, end: dt.datetime) -> int | None:
    a, b = clock_at(rows, start), clock_at(rows, end)
    return None if a is None or b is None else b - a


def assignment_rows(config: CalendarConfig, vendor: Mapping[str, Schedule], vendor_default: str | None) -> list[Assignment]:
    """The file's assignments, plus the vendor row: Zendesk groups the file says nothing about follow
    the Zendesk account's default schedule (`vendor_default`, a `zendesk:<name>` id)."""
    missing = sorted(config.vendor_references() - set(vendor))
    if missing:
        known = ", ".join(sorted(vendor)) or "none landed yet"
        raise ConfigError(f"{config.path}: refers to {', '.join(missing)}, which Zendesk does not have "
                          f"(Zendesk schedules: {known})")
    rows = list(config.assignments)
    if vendor_default is not None:
        rows.append(Assignment("vendor", "zendesk", None, vendor_default))
    return rows
