"""What the survey connectors (Typeform, Qualtrics, survey CSV) share: the question map and the rows.

Each connector turns its vendor's payload into `SurveyResponse`s; `SurveyRows` turns those into the
same three raw tables for every tool, applying one set of rules:
- a respondent is a `person_key` (from an e-mail) or anonymous with only a department;
- a department must be one of the question map's departments (or a listed spelling), else the whole
  response is quarantined: its scores cannot be attributed;
- an answer to a mapped question must be a number on the question's scale, else that answer is
  quarantined and the rest of the response lands;
- free text is landed only when ARCHIPELAGO_LAND_FREE_TEXT=true; e-mail and phone answers never;
- every question seen is listed in `questions`, mapped or not, so unmapped ones are reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connectors.base import Batch, Column, Reject, StreamSpec
from connectors.errors import ConfigError
from connectors.privacy import Pseudonymiser, is_email
from connectors.registry import Variable
from connectors.undeclared import UndeclaredFields, allowed_fields

DEFAULT_MAP_PATH = Path(__file__).resolve().parent.parent / "config" / "survey_questions.yml"
FREE_TEXT_VARIABLE = "ARCHIPELAGO_LAND_FREE_TEXT"
# docs/metrics.md constructs; `comment` is free text and has no scale.
CONSTRUCTS = ("tool_nps", "enps", "usefulness", "resistance", "psychological_safety", "collaboration", "comment")
TOOLS = ("typeform", "qualtrics", "csv")


# ---------------------------------------------------------------- the question map


@dataclass(frozen=True)
class Question:
    question_id: str
    construct: str
    scale_min: float | None = None
    scale_max: float | None = None
    tool: str | None = None
    target_department: str | None = None

    @property
    def free_text(self) -> bool:
        return self.construct == "comment"


class _Lines(dict):
    """A YAML mapping that remembers the line of each key, for error messages."""

    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _mapping_with_lines(loader: _LineLoader, node: yaml.MappingNode) -> _Lines:
    mapping = _Lines(loader.construct_mapping(node, deep=True))
    mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_lines)


class QuestionMap:
    def __init__(self, path: Path, version: int, valid_from: dt.date, departments: Mapping[str, str],
                 questions: Mapping[tuple[str, str], Mapping[str, Question]]):
        self.path = path
        self.version = version
        self.valid_from = valid_from
        self._departments = dict(departments)  # lower-cased spelling -> canonical name
        self._questions = questions  # (tool, survey id or "*") -> question id -> Question

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(sorted(set(self._departments.values())))

    def department(self, raw: str | None) -> str | None:
        """Canonical department for a spelling, None when unknown."""
        return self._departments.get(" ".join(str(raw or "").split()).lower())

    def question(self, tool: str, survey_id: str, question_ids: Sequence[str]) -> Question | None:
        """The mapping of the first of `question_ids` listed for this survey, else for "*"."""
        for survey in (survey_id, "*"):
            listed = self._questions.get((tool, survey), {})
            for qid in question_ids:
                if qid in listed:
                    return listed[qid]
        return None


def _fail(path: Path, line: int | None, message: str) -> ConfigError:
    return ConfigError(f"{path}: line {line}: {message}" if line else f"{path}: {message}")


def load_question_map(path: str | Path = DEFAULT_MAP_PATH) -> QuestionMap:
    """Read and validate the question map; ConfigError names the file and line of a problem."""
    path = Path(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except FileNotFoundError:
        raise ConfigError(f"{path}: survey question map not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _fail(path, mark.line + 1 if mark else None, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(doc, _Lines):
        raise _fail(path, 1, "expected a mapping with version, valid_from, departments, questions")
    for key in ("version", "valid_from", "departments", "questions"):
        if key not in doc:
            raise _fail(path, None, f"missing top-level key {key!r}")
    if not isinstance(doc["version"], int) or doc["version"] < 1:
        raise _fail(path, doc.key_lines["version"], "version must be a positive whole number")
    if not isinstance(doc["valid_from"], dt.date):
        raise _fail(path, doc.key_lines["valid_from"], "valid_from must be an ISO date")

    departments: dict[str, str] = {}
    if not isinstance(doc["departments"], _Lines) or not doc["departments"]:
        raise _fail(path, doc.key_lines["departments"], "departments must map each department to its spellings")
    for name, spellings in doc["departments"].items():
        line = doc["departments"].key_lines[str(name)]
        if spellings is not None and not isinstance(spellings, list):
            raise _fail(path, line, f"department {name}: spellings must be a list")
        for spelling in [name, *(spellings or [])]:
            key = " ".join(str(spelling).split()).lower()
            if departments.get(key, name) != name:
                raise _fail(path, line, f"spelling {spelling!r} names both {departments[key]} and {name}")
            departments[key] = str(name)

    questions: dict[tuple[str, str], dict[str, Question]] = {}
    if not isinstance(doc["questions"], _Lines):
        raise _fail(path, doc.key_lines["questions"], "questions must map survey tools to surveys")
    for tool, surveys in doc["questions"].items():
        tool_line = doc["questions"].key_lines[str(tool)]
        if tool not in TOOLS:
            raise _fail(path, tool_line, f"unknown survey tool {tool!r}; expected one of {', '.join(TOOLS)}")
        if not isinstance(surveys, _Lines):
            raise _fail(path, tool_line, f"{tool}: expected survey id -> questions")
        for survey, entries in surveys.items():
            survey_line = surveys.key_lines[str(survey)]
            if not isinstance(entries, _Lines):
                raise _fail(path, survey_line, f"{tool}/{survey}: expected question id -> mapping")
            questions[(str(tool), str(survey))] = {
                str(qid): _question(path, entries.key_lines[str(qid)], str(qid), spec, departments)
                for qid, spec in entries.items()
            }
    return QuestionMap(path, doc["version"], doc["valid_from"], departments, questions)


def _question(path: Path, line: int, qid: str, spec: Any, departments: Mapping[str, str]) -> Question:
    if not isinstance(spec, dict):
        raise _fail(path, line, f"question {qid}: expected a mapping with at least `construct`")
    unknown = set(spec) - {"construct", "min", "max", "tool", "target_department"}
    if unknown:
        raise _fail(path, line, f"question {qid}: unknown key(s) {', '.join(sorted(unknown))}")
    construct = spec.get("construct")
    if construct not in CONSTRUCTS:
        raise _fail(path, line, f"question {qid}: construct {construct!r} is not one of {', '.join(CONSTRUCTS)}")
    low, high = spec.get("min"), spec.get("max")
    if construct == "comment":
        if low is not None or high is not None:
            raise _fail(path, line, f"question {qid}: a comment (free text) has no scale")
    elif not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)) or low >= high:
        raise _fail(path, line, f"question {qid}: {construct} needs a numeric scale with min < max")
    target = spec.get("target_department")
    if construct == "collaboration":
        if departments.get(str(target or "").lower()) != target:
            raise _fail(path, line, f"question {qid}: target_department {target!r} is not a listed department")
    elif target is not None:
        raise _fail(path, line, f"question {qid}: only collaboration questions have a target_department")
    return Question(qid, construct, None if low is None else float(low), None if high is None else float(high),
                    spec.get("tool"), target)


FREE_TEXT = Variable(FREE_TEXT_VARIABLE, "land free-text answers (true/false)", required=False, default="false")


def id_list(settings: Mapping[str, str], variable: str, what: str) -> list[str]:
    """A comma-separated list of survey or form ids from a setting; ConfigError when it is empty."""
    ids = [i.strip() for i in settings[variable].split(",") if i.strip()]
    if not ids:
        raise ConfigError(f"{variable} lists no {what}; set it to a comma-separated list")
    return ids


def survey_rows(tool: str, settings: Mapping[str, str], pseudonymiser: Pseudonymiser) -> SurveyRows:
    """The shared rules for `tool`, with the shipped question map and the free-text setting."""
    return SurveyRows(tool, load_question_map(DEFAULT_MAP_PATH), pseudonymiser,
                      parse_flag(settings.get(FREE_TEXT_VARIABLE), FREE_TEXT_VARIABLE), allowed_fields(settings, tool))


def parse_flag(value: str | None, variable: str) -> bool:
    text = (value or "false").strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ConfigError(f"{variable}={value!r}: expected true or false")


# ---------------------------------------------------------------- raw tables


def survey_specs(source: str) -> tuple[StreamSpec, StreamSpec, StreamSpec]:
    responses = StreamSpec(
        source=source,
        name="responses",
        description="One row per submitted survey response.",
        columns=(
            Column("survey_id", "VARCHAR", "the survey (form) in its tool"),
            Column("response_id", "VARCHAR"),
            Column("submitted_at", "TIMESTAMP", "UTC"),
            Column("person_key", "VARCHAR", "respondent; NULL when anonymous"),
            Column("department", "VARCHAR", "as answered, normalised to a directory department; NULL if not asked"),
            Column("is_anonymous", "BOOLEAN"),
            Column("answers_landed", "INTEGER", "answers of this response in the answers table"),
            Column("question_map_version", "INTEGER"),
        ),
        primary_key=("survey_id", "response_id"),
    )
    answers = StreamSpec(
        source=source,
        name="answers",
        description="One row per answer, tied to its construct by config/survey_questions.yml.",
        columns=(
            Column("survey_id", "VARCHAR"),
            Column("response_id", "VARCHAR"),
            Column("question_id", "VARCHAR", "Typeform field ref (else id), Qualtrics QID, CSV question_id"),
            Column("submitted_at", "TIMESTAMP", "UTC"),
            Column("person_key", "VARCHAR", "respondent; NULL when anonymous"),
            Column("department", "VARCHAR", "respondent's department as answered"),
            Column("construct", "VARCHAR", "docs/metrics.md construct; NULL for an unmapped question"),
            Column("tool", "VARCHAR", "catalogue tool the question is about, if any"),
            Column("target_department", "VARCHAR", "department rated by a collaboration question"),
            Column("scale_min", "DOUBLE"),
            Column("scale_max", "DOUBLE"),
            Column("answer_value", "DOUBLE", "numeric answer on [scale_min, scale_max]"),
            Column("answer_label", "VARCHAR", "choice label(s) of a choice answer"),
            Column("answer_text", "VARCHAR", "free text; only when ARCHIPELAGO_LAND_FREE_TEXT=true"),
            Column("question_map_version", "INTEGER"),
        ),
        primary_key=("survey_id", "response_id", "question_id"),
    )
    questions = StreamSpec(
        source=source,
        name="questions",
        description="Every question seen in answers, and whether the question map knows it.",
        columns=(
            Column("survey_id", "VARCHAR"),
            Column("question_id", "VARCHAR"),
            Column("is_mapped", "BOOLEAN", "false: listed for the unmapped-questions report"),
            Column("construct", "VARCHAR"),
            Column("answer_kind", "VARCHAR", "number, boolean, choice, text or pii (never landed)"),
            Column("last_seen_at", "TIMESTAMP", "submitted_at of the latest response answering it"),
            Column("question_map_version", "INTEGER"),
        ),
        primary_key=("survey_id", "question_id"),
        updated_column="last_seen_at",
    )
    return responses, answers, questions


# ---------------------------------------------------------------- responses -> rows


@dataclass
class Answer:
    question_ids: tuple[str, ...]  # ids to look up, preferred first; the first is the landed id
    value: Any
    kind: str  # number | boolean | choice | text | pii


@dataclass
class SurveyResponse:
    survey_id: str
    response_id: str
    submitted_at: dt.datetime | None
    email: str | None
    department: str | None
    answers: list[Answer] = field(default_factory=list)
    # Fields the tool sent that the connector does not read, by name (nested: `hidden.cohort`): they
    # land only when the source's allow-list names them (`connectors.undeclared`).
    extra: dict[str, Any] = field(default_factory=dict)


class SurveyRows:
    """Adds survey responses to a batch of one survey connector, by the shared rules above."""

    def __init__(self, tool: str, qmap: QuestionMap, pseudonymiser: Pseudonymiser, land_free_text: bool,
                 extra_fields: Iterable[str] = ()):
        self.tool = tool
        self.qmap = qmap
        self.pseudonymiser = pseudonymiser
        self.land_free_text = land_free_text
        self.undeclared = UndeclaredFields(extra_fields, pseudonymiser.scrub)

    def reject(self, stream: str, reason: str, payload: dict[str, Any], record_id: str) -> Reject:
        return Reject(stream, reason, self.pseudonymiser.scrub(payload), record_id)

    def add(self, batch: Batch, response: SurveyResponse) -> None:
        r = response
        ident = {"survey_id": r.survey_id, "response_id": r.response_id}
        rid = f"{r.survey_id}/{r.response_id}"
        if not r.response_id:
            batch.rejects.append(self.reject("responses", "response has no id", {**ident, "submitted_at": str(r.submitted_at)}, rid))
            return
        department = self.qmap.department(r.department) if r.department else None
        email = r.email.strip() if is_email(r.email) else None
        if r.department and department is None:
            reason = (f"unknown department {r.department!r} (known: {', '.join(self.qmap.departments)}; "
                      f"add a spelling under departments in {self.qmap.path.name})")
            batch.rejects.append(self.reject("responses", reason, {**ident, "department": r.department}, rid))
            return
        if department is None and email is None:
            batch.rejects.append(self.reject(
                "responses", "anonymous response without a department cannot be attributed", ident, rid))
            return
        if r.submitted_at is None:
            batch.rejects.append(self.reject("responses", "response has no submitted_at", ident, rid))
            return
        person_key = self.pseudonymiser.person_key(email) if email else None
        base = {**ident, "submitted_at": r.submitted_at, "person_key": person_key, "department": department,
                "question_map_version": self.qmap.version}
        answers = batch.rows.setdefault("answers", [])
        questions = batch.rows.setdefault("questions", [])
        landed = 0
        seen_ids: set[str] = set()
        for answer in r.answers:
            qid = answer.question_ids[0]
            if qid in seen_ids:
                continue  # a vendor repeating a field; the first answer counts
            seen_ids.add(qid)
            question = self.qmap.question(self.tool, r.survey_id, answer.question_ids)
            questions.append({"survey_id": r.survey_id, "question_id": qid, "is_mapped": question is not None,
                              "construct": question.construct if question else None, "answer_kind": answer.kind,
                              "last_seen_at": r.submitted_at, "question_map_version": self.qmap.version})
            try:
                row = self._answer_row(base, qid, answer, question)
            except ValueError as exc:
                payload = {**ident, "question_id": qid, "answer": answer.value, "department": r.department}
                batch.rejects.append(self.reject("answers", str(exc), payload, f"{rid}/{qid}"))
                continue
            if row is not None:
                answers.append(row)
                landed += 1
        extra = self.undeclared.extra(r.extra) if r.extra else None
        batch.rows.setdefault("responses", []).append(
            {**base, "is_anonymous": person_key is None, "answers_landed": landed, "_extra": extra})

    def _answer_row(self, base: dict[str, Any], qid: str, answer: Answer, q: Question | None) -> dict[str, Any] | None:
        """The answers row, None when it must not land; ValueError (the reject reason) when it breaks its scale."""
        if answer.kind == "pii" or answer.value is None or answer.value == "":
            return None
        row = {**base, "question_id": qid, "construct": None, "tool": None, "target_department": None,
               "scale_min": None, "scale_max": None, "answer_value": None, "answer_label": None, "answer_text": None}
        if q is not None:
            row.update(construct=q.construct, tool=q.tool, target_department=q.target_department,
                       scale_min=q.scale_min, scale_max=q.scale_max)
        if (q is not None and q.free_text) or (q is None and answer.kind == "text"):
            if not self.land_free_text:
                return None
            row["answer_text"] = self.pseudonymiser.scrub(str(answer.value))
            return row
        if answer.kind == "choice":
            row["answer_label"] = _label(answer.value)
        number = as_number(answer.value)
        if q is None:
            row["answer_value"] = number
            return row
        if number is None:
            raise ValueError(f"answer {answer.value!r} to {qid} ({q.construct}) is not a number on its scale "
                             f"{q.scale_min:g}-{q.scale_max:g}")
        if not q.scale_min <= number <= q.scale_max:
            raise ValueError(f"answer {number:g} to {qid} ({q.construct}) is outside its scale {q.scale_min:g}-{q.scale_max:g}")
        row["answer_value"] = number
        return row


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _label(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def unmapped(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(survey_id, question_id) of `questions` rows the map does not know: what a check reports."""
    return sorted({(r["survey_id"], r["question_id"]) for r in rows if not r["is_mapped"]})
