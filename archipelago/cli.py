"""The `archipelago` command: demo, refresh, check, rekey, report, status, ui, sandbox, webhooks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEMO_PSEUDONYM_KEY = "archipelago-demo-key--not-a-secret"
ENGINE_HELP = ("where raw tables land and dbt builds: duckdb (default), postgres or spark; overrides "
               "ARCHIPELAGO_ENGINE (docs/engines.md)")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _load_definitions():
    _say("Loading the pipelines …")
    from pipelines.definitions import defs  # noqa: PLC0415  (imports Dagster and dbt: seconds)

    return defs


def _run_nightly(defs, *, full_refresh: bool = False) -> int:
    import duckdb  # noqa: PLC0415

    from pipelines.assets.dbt import FULL_REFRESH_TAG  # noqa: PLC0415
    from pipelines.jobs import NIGHTLY_JOB_NAME  # noqa: PLC0415
    from pipelines.quality import failed_checks  # noqa: PLC0415
    from pipelines.resources import warehouse_held_open  # noqa: PLC0415
    from pipelines.run_job import run_job  # noqa: PLC0415
    from pipelines.warehouse import archipelago_home, warehouse_path  # noqa: PLC0415

    log_path = archipelago_home() / "logs" / "last_run.log"
    tags = {FULL_REFRESH_TAG: "true"} if full_refresh else {}
    tags.update(_forget_dead_runs())
    how = " rebuilding every incremental model from scratch" if full_refresh else ""
    _say(f"Running {NIGHTLY_JOB_NAME}{how} (step output in {log_path}) …")
    with warehouse_held_open():  # one run at a time here (run lock): no reopening between steps
        outcome = run_job(defs, NIGHTLY_JOB_NAME, log_path=log_path, tags=tags)
    if outcome.success:
        _say(f"Run {outcome.run_id[:8]} succeeded in {outcome.seconds:.1f}s.")
        return 0
    _say(f"Run {outcome.run_id[:8]} FAILED in {outcome.seconds:.1f}s:")
    for step in outcome.failed_steps:
        _say(f"  ✗ {step}: {outcome.errors.get(step, 'failed')}")
    if outcome.not_run:
        _say(f"  ({len(outcome.not_run)} later steps not run because of it)")
    try:
        with duckdb.connect(str(warehouse_path(archipelago_home())), read_only=True) as conn:
            failures = failed_checks(conn, outcome.run_id)
    except duckdb.IOException:
        failures = []
        _say("(the warehouse is in use by another process: failed checks not listed)")
    if failures:
        _say("Publication blocked; the last good publication stays in place. Failed checks:")
        for table, expectation, severity, observed in failures:
            _say(f"  ✗ {table}: {expectation} ({severity}); observed {str(observed)[:200]}")
    _say(f"Details: `archipelago status`, {log_path}, or run {outcome.run_id[:8]} in the Dagster UI (`archipelago ui`).")
    return 1


def _forget_dead_runs() -> dict[str, str]:
    """Mark runs of killed processes failed (they would stay STARTED forever); tags for the new run."""
    import dagster as dg  # noqa: PLC0415

    from pipelines.dead_runs import mark_dead_runs, process_tags  # noqa: PLC0415

    for run_id in mark_dead_runs(dg.DagsterInstance.get()):
        _say(f"Run {run_id[:8]} was left unfinished by a killed process; marked failed.")
    return process_tags()


def _summary(home: Path) -> None:
    import duckdb  # noqa: PLC0415

    from pipelines.publishing import PUBLISHED_FILE  # noqa: PLC0415
    from pipelines.report import DICTIONARY_FILE, REPORT_FILE  # noqa: PLC0415
    from pipelines.warehouse import published_dir  # noqa: PLC0415

    path = published_dir(home) / PUBLISHED_FILE
    conn = duckdb.connect(str(path), read_only=True)
    try:
        print(f"\nPublished marts: {path}")
        print(f"Parquet copies:  {published_dir(home) / 'parquet'}")
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema <> 'meta' order by 1"
        ).fetchall()
        for (name,) in tables:
            count = conn.execute(f"select count(*) from {name}").fetchone()[0]
            print(f"  {name:<42} {count:>8} rows")
        try:
            rows = conn.execute(
                "select department_name, sum(headcount) from org.headcount_by_department group by 1 order by 2 desc"
            ).fetchall()
            print("\nHeadcount by department: " + ", ".join(f"{d} {n}" for d, n in rows))
        except duckdb.CatalogException:
            pass
    finally:
        conn.close()
    print(f"\nQuery it read-only, e.g.: {Path(sys.executable).parent / 'python'} -c \"import duckdb; "
          f"print(duckdb.connect('{path}', read_only=True).sql('from kpi.scorecard_monthly limit 5'))\"")
    print(f"Data dictionary: {published_dir(home) / DICTIONARY_FILE}")
    print(f"Report:          {published_dir(home) / REPORT_FILE}")


def _preflight_ok(home: Path) -> bool:
    """`archipelago check` before a run: every problem on one line, and no step runs if there is one."""
    from archipelago.preflight import preflight, problems  # noqa: PLC0415
    from pipelines.warehouse import warehouse_path  # noqa: PLC0415

    found = problems(preflight(warehouse=warehouse_path(home)))
    for line in found:
        _say(f"✗ {line}")
    if found:
        _say("Nothing was run: fix the configuration above (`archipelago check` re-checks it).")
    return not found


def _exclusive(home: Path, command: str):
    """One run at a time per ARCHIPELAGO_HOME (a second one exits naming the first)."""
    from pipelines.run_lock import run_lock  # noqa: PLC0415

    return run_lock(home, command)


def _land_m365_history(server, home: Path, first_day, last_day) -> None:
    """The nights a real tenant would have run before today: M365 keeps no usage history of its own."""
    from archipelago.demo_history import land_m365_history  # noqa: PLC0415
    from connectors.privacy import Pseudonymiser  # noqa: PLC0415
    from pipelines.warehouse import warehouse_path  # noqa: PLC0415

    _say(f"Landing the Microsoft 365 Copilot usage reports of every night from {first_day} to {last_day} …")
    land_m365_history(server, warehouse_path(home), dict(os.environ),
                      Pseudonymiser(os.environ["ARCHIPELAGO_PSEUDONYM_KEY"]), first_day, last_day)


def _use_story_initiatives(home: Path, timeline) -> None:
    """The value chain measures the story's initiatives on the demo's own dates (its history ends yesterday)."""
    from sandbox.story import initiatives_yaml  # noqa: PLC0415

    path = home / "sandbox" / "initiatives.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(initiatives_yaml(timeline), encoding="utf-8")
    os.environ["ARCHIPELAGO_INITIATIVES"] = str(path)


def _choose_engine(value: str | None) -> None:
    """`--engine` wins over ARCHIPELAGO_ENGINE (and .env); an unknown name stops here, in one line."""
    from pipelines.engines import ENGINE_VARIABLE, engine_name  # noqa: PLC0415

    os.environ[ENGINE_VARIABLE] = engine_name(value)


def cmd_demo(args: argparse.Namespace) -> int:
    """The demo organisation through the local vendor sandbox, over real HTTP, into the warehouse engine."""
    import datetime as dt  # noqa: PLC0415

    from pipelines.settings import configure_environment  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    home = configure_environment()
    _choose_engine(args.engine)
    os.environ.setdefault("ARCHIPELAGO_PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY)
    # The organisation's history ends yesterday, so the freshness checks see a current feed.
    end = dt.date.today() - dt.timedelta(days=1)
    _say(f"Generating the demo organisation (seed {args.seed}, {args.employees} employees, {args.months} months to {end}) …")
    org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months, end_date=end)
    with _exclusive(home, "archipelago demo"), SandboxServer(org, port=0, exports_dir=home / "sandbox" / "exports") as server:
        os.environ.update(server.env())
        _say(f"Vendor sandbox serving every source on {server.base_url}; landing into {home}")
        _use_story_initiatives(home, org.timeline)
        if _preflight_ok(home):
            _land_m365_history(server, home, org.timeline.start, end - dt.timedelta(days=3))
            code = _run_nightly(_load_definitions())
        else:
            code = 2
    if code == 0:
        _summary(home)
    return code


def cmd_refresh(args: argparse.Namespace) -> int:
    from pipelines.settings import configure_environment  # noqa: PLC0415

    home = configure_environment()
    _choose_engine(args.engine)
    with _exclusive(home, "archipelago refresh"):
        if not _preflight_ok(home):
            return 2
        code = _run_nightly(_load_definitions(), full_refresh=args.full_refresh)
    if code == 0:
        _summary(home)
    return code


def cmd_check(args: argparse.Namespace) -> int:
    from archipelago.preflight import preflight, problems  # noqa: PLC0415
    from pipelines.settings import configure_environment  # noqa: PLC0415
    from pipelines.warehouse import warehouse_path  # noqa: PLC0415

    home = configure_environment()
    findings = preflight(warehouse=warehouse_path(home), probe_urls=not args.no_probe)
    for finding in findings:
        print(f"{'✓' if finding.ok else '✗'} {finding.line}")
    found = problems(findings)
    print(f"\n{len(found)} problem(s): a refresh would not start." if found else "\nReady: `archipelago refresh` can run.")
    return 2 if found else 0


def cmd_rekey(args: argparse.Namespace) -> int:
    from archipelago.rekey import rekey  # noqa: PLC0415
    from pipelines.settings import configure_environment  # noqa: PLC0415

    home = configure_environment()
    if not args.yes:
        _say("`archipelago rekey` sets the working warehouse aside and starts an empty one for the current "
             "ARCHIPELAGO_PSEUDONYM_KEY; the next `archipelago refresh --full-refresh` reloads every source. "
             "Run it again with --yes to do so.")
        return 2
    with _exclusive(home, "archipelago rekey"):
        kept = rekey(home)
    _say(f"Re-keyed: the old warehouse is kept as {kept}; the published marts stay until the next refresh publishes. "
         "Now run `archipelago refresh --full-refresh`.")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild the report and the data dictionary from the current publication."""
    from pipelines.publishing import PUBLISHED_FILE  # noqa: PLC0415
    from pipelines.report import rebuild_documents  # noqa: PLC0415
    from pipelines.settings import configure_environment  # noqa: PLC0415
    from pipelines.warehouse import published_dir  # noqa: PLC0415

    directory = published_dir(configure_environment())
    if not (directory / PUBLISHED_FILE).exists():
        _say(f"No publication in {directory}: run `archipelago demo` or `archipelago refresh` first.")
        return 1
    report, dictionary = rebuild_documents(directory, PUBLISHED_FILE)
    _say(f"Data dictionary: {dictionary}")
    print(report)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from archipelago.status import dagster_runs, status_lines  # noqa: PLC0415
    from pipelines.settings import configure_environment  # noqa: PLC0415

    home = configure_environment()
    runs = []
    try:
        runs = dagster_runs(args.runs)
    except Exception as exc:  # the status of the warehouse is still worth showing
        _say(f"(could not read the Dagster instance: {exc})")
    print("\n".join(status_lines(home, runs)))
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from archipelago.ui import run_dagster_dev  # noqa: PLC0415
    from pipelines.settings import PROJECT_ROOT, configure_environment  # noqa: PLC0415

    configure_environment()
    _say(f"Dagster UI on http://{args.host}:{args.port} (instance {os.environ['DAGSTER_HOME']}); Ctrl-C stops it.")
    return run_dagster_dev(PROJECT_ROOT / "workspace.yaml", args.host, args.port)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from sandbox.cli import main as sandbox_main  # noqa: PLC0415

    return sandbox_main(args.rest)


def cmd_webhooks(args: argparse.Namespace) -> int:
    from pipelines.settings import configure_environment  # noqa: PLC0415
    from pipelines.webhooks.serve import main as webhooks_main  # noqa: PLC0415

    configure_environment()
    return webhooks_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archipelago",
        description="Measure AI adoption, value and department silos: ingest, model, check and publish.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="build the warehouse end to end on the demo organisation",
                          description="Generate the demo organisation, serve it through the local vendor sandbox, "
                                      "run the nightly job against it and print where the published marts are.")
    demo.add_argument("--seed", type=int, default=42, help="seed of the generated organisation (default 42)")
    demo.add_argument("--employees", type=int, default=300, help="size of the organisation (default 300)")
    demo.add_argument("--months", type=int, default=12, help="months of history (default 12)")
    demo.add_argument("--engine", metavar="ENGINE", help=ENGINE_HELP)
    demo.set_defaults(func=cmd_demo)

    refresh = sub.add_parser("refresh", help="run the nightly refresh against the configured sources",
                             description="Run the nightly_refresh job against the sources configured in the environment (.env honoured).")
    refresh.add_argument("--full-refresh", action="store_true",
                         help="rebuild the incremental models from scratch: after a source corrected history older "
                              "than their lookback (a back-dated seat, a re-stated department history)")
    refresh.add_argument("--engine", metavar="ENGINE", help=ENGINE_HELP)
    refresh.set_defaults(func=cmd_refresh)

    check = sub.add_parser("check", help="check the configuration before a run (also done by `refresh`)",
                           description="Validate the configuration: pseudonym key, enabled sources, missing or short "
                                       "secrets, readable files, reachable base URLs. Exit 2 when a refresh would not start.")
    check.add_argument("--no-probe", action="store_true", help="do not open a connection to each base URL")
    check.set_defaults(func=cmd_check)

    rekey = sub.add_parser("rekey", help="start the warehouse afresh for a new pseudonym key",
                           description="Set the working warehouse aside (kept, renamed) and start an empty one bound "
                                       "to the current ARCHIPELAGO_PSEUDONYM_KEY; then run `refresh --full-refresh`.")
    rekey.add_argument("--yes", action="store_true", help="really do it")
    rekey.set_defaults(func=cmd_rekey)

    status = sub.add_parser("status", help="last runs, source freshness, last publication, failing checks",
                            description="Show the last runs (start, duration, outcome, failed step), per source the age "
                                        "of its newest data, last success and last failure, the cursors, the last "
                                        "publication and failing checks.")
    status.add_argument("--runs", type=int, default=5, help="how many recent runs to list (default 5)")
    status.set_defaults(func=cmd_status)

    report = sub.add_parser("report", help="rebuild published/report.html and dictionary.md from the current publication",
                            description="Rebuild the self-contained HTML report and the data dictionary from the "
                                        "published marts, and print the report's path.")
    report.set_defaults(func=cmd_report)

    ui = sub.add_parser("ui", help="open the Dagster UI on this installation's instance",
                        description="Run `dagster dev` on the code location, with the instance under ARCHIPELAGO_HOME.")
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ui.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    ui.set_defaults(func=cmd_ui)

    sandbox = sub.add_parser("sandbox", help="the demo organisation's vendor sandbox (`archipelago sandbox serve --help`)",
                             description="Run the local vendor sandbox; arguments go to `python -m sandbox`.", add_help=False)
    sandbox.add_argument("rest", nargs=argparse.REMAINDER)
    sandbox.set_defaults(func=cmd_sandbox)

    webhooks = sub.add_parser("webhooks", help="the webhook receiver (`archipelago webhooks serve --help`)",
                              description="Run the signed-webhook receiver that feeds the event inbox.", add_help=False)
    webhooks.add_argument("rest", nargs=argparse.REMAINDER)
    webhooks.set_defaults(func=cmd_webhooks)
    return parser


# Commands whose arguments belong to another parser (argparse's REMAINDER drops a leading --help).
DELEGATED = {"sandbox": cmd_sandbox, "webhooks": cmd_webhooks}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATED:
        return DELEGATED[argv[0]](argparse.Namespace(rest=argv[1:]))
    args = build_parser().parse_args(argv)
    import duckdb  # noqa: PLC0415

    from connectors.errors import ConfigError  # noqa: PLC0415
    from pipelines.run_lock import RunLocked  # noqa: PLC0415

    try:
        return args.func(args)
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except (RunLocked, ConfigError) as exc:  # errors a user can meet: one line, no traceback
        _say(f"✗ {exc}")
        return 2
    except duckdb.IOException as exc:
        _say(f"✗ the warehouse is in use by another process ({str(exc).splitlines()[0][:200]}); "
             "wait for the other run to finish (`archipelago status`) and try again.")
        return 2
    finally:
        # The interpreter's last garbage collection at exit walked every object of the run: seconds
        # after a refresh (pipelines/gc_tuning.py).
        from pipelines.gc_tuning import freeze_long_lived  # noqa: PLC0415

        freeze_long_lived()


if __name__ == "__main__":
    sys.exit(main())
