"""The survey question map: the shipped file is valid, lookups prefer the survey's own entries,
and a wrong entry fails naming the file and line."""

from __future__ import annotations

import pytest

from connectors._survey import DEFAULT_MAP_PATH, load_question_map
from connectors.errors import ConfigError

BASE = """version: 2
valid_from: 2026-01-01
departments:
  Sales: [sales desk]
  Customer Support: [support]
questions:
  qualtrics:
    "*":
      QID1: {construct: enps, min: 0, max: 10}
    SV_special:
      QID1: {construct: tool_nps, tool: m365_copilot, min: 0, max: 10}
"""


def test_shipped_map_covers_every_construct_and_department():
    qmap = load_question_map(DEFAULT_MAP_PATH)
    constructs = {qmap.question(tool, survey, [q]).construct for tool, survey, q in (
        ("typeform", "AIpulse7", "tool_nps"), ("qualtrics", "SV_3KZ9collab01", "QID1"), ("typeform", "AIpulse7", "ai_usefulness"),
        ("csv", "ai-readiness-check", "RES2"), ("csv", "ai-readiness-check", "PSY1"), ("qualtrics", "SV_3KZ9collab01", "QID2_5"))}
    assert constructs == {"tool_nps", "enps", "usefulness", "resistance", "psychological_safety", "collaboration"}
    assert qmap.question("qualtrics", "SV_3KZ9collab01", ["QID2_3"]).target_department == "Customer Support"
    assert qmap.question("qualtrics", "SV_other", ["QID1"]) is None
    assert qmap.department(" customer  SERVICE ") == "Customer Support"
    assert qmap.department("Narnia") is None


def test_survey_entries_win_over_the_default(tmp_path):
    path = tmp_path / "q.yml"
    path.write_text(BASE)
    qmap = load_question_map(path)
    assert qmap.question("qualtrics", "SV_other", ["QID1"]).construct == "enps"
    assert qmap.question("qualtrics", "SV_special", ["QID1"]).construct == "tool_nps"
    assert qmap.question("typeform", "SV_special", ["QID1"]) is None
    assert qmap.department("Sales Desk") == "Sales" and qmap.version == 2


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("QID1: {construct: enps, min: 0, max: 10}", "QID1: {construct: happiness, min: 0, max: 10}", "line 9: question QID1: construct 'happiness'"),
        ("QID1: {construct: enps, min: 0, max: 10}", "QID1: {construct: enps, min: 10, max: 0}", "line 9: question QID1: enps needs a numeric scale"),
        ("QID1: {construct: enps, min: 0, max: 10}", "QID1: {construct: collaboration, target_department: Legal, min: 0, max: 10}",
         "line 9: question QID1: target_department 'Legal'"),
        ("  qualtrics:", "  surveymonkey:", "line 7: unknown survey tool 'surveymonkey'"),
        ("  Customer Support: [support]", "  Customer Support: [sales desk]", "line 5: spelling 'sales desk' names both"),
        ("version: 2", "version: two", "version must be a positive whole number"),
    ],
)
def test_wrong_entries_name_file_and_line(tmp_path, old, new, message):
    path = tmp_path / "q.yml"
    path.write_text(BASE.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_question_map(path)
    assert str(path) in str(err.value) and message in str(err.value)
