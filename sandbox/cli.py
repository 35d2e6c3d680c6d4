"""`python -m sandbox serve ...` (and `archipelago sandbox serve ...`, which delegates here)."""

from __future__ import annotations

import argparse
import shlex
import sys
from datetime import date

from sandbox.org import MAX_EMPLOYEES, MIN_EMPLOYEES, generate_organisation


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sandbox", description="The Archipelago demo organisation and vendor sandbox.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve every vendor API on 127.0.0.1 and print the env vars to use")
    exports = sub.add_parser("exports", help="write directory/training/survey/identity CSV exports and exit")
    for s in (serve, exports):
        s.add_argument("--seed", type=int, default=42)
        s.add_argument("--employees", type=int, default=300, help=f"{MIN_EMPLOYEES}..{MAX_EMPLOYEES}")
        s.add_argument("--months", type=int, default=12, help="months of history")
        s.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31), help="last day of history (ISO)")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--exports-dir", default=None, help="where to write the CSV exports (default: a temp dir)")
    serve.add_argument("--env-file", default=None, help="also write the variables to this .env file")
    serve.add_argument("--fault", action="append", default=[], metavar="SOURCE:KIND:OPTION=VALUE,...",
                       help="inject a fault from the start, e.g. jira:rate_limit:every=3 (repeatable)")
    serve.add_argument("--vendor-limits", action="store_true",
                       help="enforce each vendor's documented request limits (429 + Retry-After); docs/rate_limits.md")
    serve.add_argument("--limits-time-scale", type=float, default=1.0,
                       help="multiply every limit's window by this (e.g. 0.01 for a quick look); default 1")
    exports.add_argument("directory", help="output directory")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months,
                                    end_date=args.end_date)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.command == "exports":
        for name, path in org.write_exports(args.directory).items():
            print(f"{name}: {path}")
        return 0
    from sandbox.server.runner import SandboxServer

    try:
        faults = [_fault(spec) for spec in args.fault]
        server = SandboxServer(org, port=args.port, exports_dir=args.exports_dir, faults=faults,
                               vendor_limits=args.vendor_limits, limits_time_scale=args.limits_time_scale)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        server.start()
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    lines = [f"export {k}={shlex.quote(v)}" for k, v in server.env().items()]
    if args.env_file:
        with open(args.env_file, "w", encoding="utf-8") as f:
            f.write("\n".join(f"{k}={v}" for k, v in server.env().items()) + "\n")
    print(f"# Archipelago sandbox on {server.base_url} (seed {args.seed}, {args.employees} employees, "
          f"{args.months} months to {args.end_date}); simulated now {server.now:%Y-%m-%d %H:%M} UTC")
    print("\n".join(lines), flush=True)
    print("# Ctrl-C to stop", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


def _fault(spec: str) -> tuple[str, str, dict]:
    parts = spec.split(":")
    if len(parts) != 3:
        raise ValueError(f"--fault {spec!r}: expected SOURCE:KIND:OPTION=VALUE[,OPTION=VALUE], e.g. jira:rate_limit:every=3")
    options = {}
    for item in filter(None, parts[2].split(",")):
        key, _, value = item.partition("=")
        try:
            options[key] = float(value) if "." in value else int(value)
        except ValueError:
            raise ValueError(f"--fault {spec!r}: option {key} needs a number, got {value!r}") from None
    return parts[0], parts[1], options


if __name__ == "__main__":
    raise SystemExit(main())
