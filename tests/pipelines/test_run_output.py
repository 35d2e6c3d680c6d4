"""What a run prints: one line per step, skipped sources as such, one line per failed step with the
error's own message, Dagster's log (warnings, tracebacks) in the log file and not on the terminal."""

from __future__ import annotations

import dagster as dg

from pipelines.run_job import run_job


@dg.asset
def configured() -> dg.MaterializeResult:
    return dg.MaterializeResult()


@dg.asset
def unconfigured() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"status": "skipped", "reason": "EXAMPLE_TOKEN not set"})


@dg.asset
def broken() -> None:
    raise ValueError("the example API refused the token: set EXAMPLE_TOKEN to a valid one")


@dg.asset(deps=[broken])
def downstream() -> None:
    pass


def test_run_prints_steps_skips_and_failures_and_logs_the_rest(tmp_path, capsys):
    defs = dg.Definitions(assets=[configured, unconfigured, broken, downstream],
                          jobs=[dg.define_asset_job("example", selection=dg.AssetSelection.all())],
                          executor=dg.in_process_executor)
    lines: list[str] = []
    log = tmp_path / "last_run.log"
    with dg.instance_for_test() as instance:
        outcome = run_job(defs, "example", instance=instance, write=lines.append, log_path=log)
    assert not outcome.success
    assert "  – unconfigured skipped (not configured)" in lines
    assert any(line.startswith("  ✓ configured done") for line in lines)
    assert any(line.startswith("  ✗ broken FAILED") for line in lines)
    assert outcome.failed_steps == ["broken"]
    assert outcome.errors == {"broken": "the example API refused the token: set EXAMPLE_TOKEN to a valid one"}
    assert outcome.not_run == ["downstream"]
    assert not any("downstream" in line for line in lines)
    terminal = capsys.readouterr()
    assert "Traceback" not in terminal.err and "ValueError" not in terminal.err
    assert "ValueError" in log.read_text()
