"""The tool catalogue: the shipped file loads, versions resolve by date, bad cells name file and line."""

import datetime as dt

import pytest

from connectors.catalogue import DEFAULT_PATH, load_catalogue
from connectors.errors import ConfigError

HEADER = "tool,vendor,capability,owning_department,monthly_seat_price_eur,governance_zone,version,valid_from\n"


def write(tmp_path, body):
    path = tmp_path / "catalogue.csv"
    path.write_text(HEADER + body)
    return path


def test_shipped_catalogue_loads_and_versions_resolve_by_date():
    catalogue = load_catalogue(DEFAULT_PATH)
    assert {"github_copilot", "m365_copilot", "openai_chatgpt"} <= catalogue.tools
    before = catalogue.entry_on("m365_copilot", dt.date(2026, 2, 28))
    after = catalogue.entry_on("m365_copilot", dt.date(2026, 3, 1))
    assert (before.version, before.governance_zone) == (1, "transition")
    assert (after.version, after.governance_zone) == (2, "production")
    assert catalogue.entry_on("github_copilot", dt.date(2024, 12, 31)) is None
    rows = {(r["tool"], r["version"]): r for r in catalogue.as_rows()}
    assert rows[("m365_copilot", 1)]["valid_to"] == dt.date(2026, 3, 1)
    assert rows[("m365_copilot", 2)]["valid_to"] is None


def test_unknown_tools_are_reported_not_dropped():
    catalogue = load_catalogue(DEFAULT_PATH)
    assert catalogue.unknown_tools(["github_copilot", "cursor", None, "cursor", "claude_team"]) == ["claude_team", "cursor"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("x,GitHub,code_assistant,Engineering,19,production,1,2025-01-01\n"
         "y,Acme,chat,IT,10,sandbox,1,2025-01-01\n", "line 3: governance_zone 'sandbox'"),
        ("x,GitHub,code_assistant,Engineering,-1,production,1,2025-01-01\n", "line 2: monthly_seat_price_eur -1"),
        ("x,GitHub,code_assistant,Engineering,19,production,1,01/02/2025\n", "line 2: valid_from '01/02/2025'"),
        ("X Tool,GitHub,code_assistant,Engineering,19,production,1,2025-01-01\n", "line 2: tool 'X Tool'"),
        ("x,GitHub,code_assistant,Engineering,19,production,1,2025-01-01\n"
         "x,GitHub,code_assistant,Engineering,21,production,1,2025-06-01\n", "line 3: tool x already has version 1"),
        ("x,GitHub,code_assistant,Engineering,19,production,2,2025-01-01\n"
         "x,GitHub,code_assistant,Engineering,21,production,1,2025-06-01\n", "line 3: tool x version 1"),
    ],
)
def test_bad_cells_fail_naming_file_and_line(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        load_catalogue(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_wrong_header_names_the_missing_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("tool,vendor\nx,y\n")
    with pytest.raises(ConfigError, match="capability"):
        load_catalogue(path)
