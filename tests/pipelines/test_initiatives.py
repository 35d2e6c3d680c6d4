"""config/initiatives.yml: the one place initiatives are declared, validated with one-line errors,
turned into the dbt seed."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from connectors.errors import ConfigError
from pipelines.initiatives import CONFIG_PATH, load_initiatives, write_seed
from sandbox.story import Timeline, initiatives_yaml

GOOD = """\
initiatives:
  - id: pilot
    name: A pilot
    target_departments: [Customer Support]
    tools: [m365_copilot]
    start: 2026-04-04
    baseline_days: 90
    ramp_days: 28
    hourly_rate_eur: 45
    links:
      change_activity: trained_share
      behaviour_change: wau_share
      primary_benefit: median_first_reply_minutes
      business_value: null
      financial_impact: net_monthly_value_eur
"""


def _write(tmp_path, text: str):
    path = tmp_path / "initiatives.yml"
    path.write_text(textwrap.dedent(text))
    return path


def test_the_config_declares_the_demo_story_as_the_sandbox_dates_it(tmp_path):
    # The demo writes the story's initiatives for its own dates; config/initiatives.yml has them for
    # the 12 months to 2026-10-31 (the story tests' organisation).
    rendered = _write(tmp_path, initiatives_yaml(Timeline.build(dt.date(2026, 10, 31), 12)))
    assert load_initiatives(rendered) == load_initiatives(CONFIG_PATH)


def test_the_demo_story_declares_three_initiatives():
    initiatives = {i.id: i for i in load_initiatives(CONFIG_PATH)}
    assert set(initiatives) == {"support_m365_pilot", "engineering_copilot_training", "product_m365_training"}
    assert initiatives["product_m365_training"].comparison_departments == ("Marketing", "IT", "HR", "Finance", "Operations")
    assert initiatives["engineering_copilot_training"].links["primary_benefit"] == "median_lead_time_hours"


def test_a_good_file_becomes_seed_rows(tmp_path):
    path = _write(tmp_path, GOOD)
    seed = tmp_path / "initiatives.csv"
    assert write_seed(path, seed) is True
    lines = seed.read_text().splitlines()
    assert lines[1] == ("pilot,A pilot,Customer Support,,m365_copilot,2026-04-04,90,28,45.00,trained_share,wau_share,"
                        "median_first_reply_minutes,,net_monthly_value_eur,1,2026-04-04")
    assert write_seed(path, seed) is False  # unchanged: not rewritten


@pytest.mark.parametrize(("change", "message"), [
    (("start: 2026-04-04", "start: April"), "line 2: initiative pilot: start 'April' is not a date"),
    (("median_first_reply_minutes", "median_happiness"), "links.primary_benefit 'median_happiness' is not one of"),
    (("tools: [m365_copilot]", "tools: [clippy]"), "tool(s) clippy are not in config/tool_catalogue.csv"),
    (("baseline_days: 90", "baseline_days: 3"), "baseline_days 3 is below 14"),
    (("    ramp_days: 28", "    ramp_days: 28\n    owner: me"), "unknown field(s) owner"),
    (("target_departments: [Customer Support]", "target_departments: []"), "target_departments is missing"),
])
def test_a_wrong_entry_fails_with_one_line_naming_file_line_and_field(tmp_path, change, message):
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as raised:
        write_seed(path, tmp_path / "initiatives.csv")
    text = str(raised.value)
    assert message in text and str(path) in text and "\n" not in text


def test_duplicate_ids_and_overlapping_groups_are_refused(tmp_path):
    twice = GOOD + GOOD.split("initiatives:\n", 1)[1]
    with pytest.raises(ConfigError, match="line 16: initiative id pilot appears twice"):
        load_initiatives(_write(tmp_path, twice))
    overlap = GOOD.replace("    tools:", "    comparison_departments: [Customer Support, Sales]\n    tools:")
    with pytest.raises(ConfigError, match="Customer Support is both a target and a comparison department"):
        load_initiatives(_write(tmp_path, overlap))


@pytest.mark.parametrize("released_by_the_build", [False, True], ids=["at_the_end", "once_loaded"])
def test_a_run_with_other_initiatives_waits_until_the_seed_in_use_is_released(tmp_path, released_by_the_build):
    """Homes of one checkout share the generated seed: a demo with initiatives of its own must not
    rewrite it under another run's dbt build, until that build has loaded it (the dbt step releases it
    then) or ends."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import time  # noqa: PLC0415

    from pipelines.initiatives import seed_held  # noqa: PLC0415

    seed = tmp_path / "dbt_project" / "seeds" / "initiatives.csv"
    seed.parent.mkdir(parents=True)
    other = _write(tmp_path, initiatives_yaml(Timeline.build(dt.date(2026, 6, 30), 6)))
    waiting = "\n".join([
        "import sys, pathlib",
        "from pipelines.initiatives import seed_held",
        "print('ready', flush=True)",
        "with seed_held(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])):",
        "    print(pathlib.Path(sys.argv[2]).read_text().splitlines()[1], flush=True)",
    ])
    with seed_held(CONFIG_PATH, seed) as release:
        ours = seed.read_text()
        child = subprocess.Popen([sys.executable, "-c", waiting, str(other), str(seed)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(2)  # ample time to validate its file and reach the lock
        assert child.poll() is None, "the other run did not wait for the seed in use"
        assert seed.read_text() == ours
        if released_by_the_build:
            release()
            out, _ = child.communicate(timeout=60)  # it goes on while this block is still open
    if not released_by_the_build:
        out, _ = child.communicate(timeout=60)  # it goes on once the seed is released
    assert child.returncode == 0
    assert seed.read_text() != ours and out.strip() == seed.read_text().splitlines()[1]
    with seed_held(CONFIG_PATH, seed):  # and back, for a run with the configured initiatives
        assert seed.read_text() == ours


def test_the_dbt_step_releases_the_seed_right_after_dbt_loaded_it():
    """The dbt step passes dbt's events on and lets the seed go after the seed's own event, not at the end."""
    import dagster as dg  # noqa: PLC0415

    from pipelines.assets.dbt import _releasing_after  # noqa: PLC0415

    seed = dg.AssetKey(["staging", "initiatives"])
    released = []
    events = [dg.Output(None, output_name="staging__departments"), dg.Output(None, output_name=seed.to_python_identifier()),
              dg.Output(None, output_name="marts__scorecard")]
    seen = []
    for event in _releasing_after(iter(events), seed, lambda: released.append(len(seen))):
        seen.append(event)
    assert seen == events and released == [2], "released once, right after the seed's event"
