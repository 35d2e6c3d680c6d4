#!/bin/sh
# dbt as the refresh runs it: from the warehouse's directory, naming the warehouse by its file name.
#
# dbt re-parses the whole project (seconds) whenever the connection settings in the profile change,
# and the warehouse path is one of them. Run from the warehouse's directory with the relative path
# `warehouse.duckdb`, the profile is the same for every ARCHIPELAGO_HOME, so the partial parse made
# at set-up (`make setup`) serves every refresh. Set by pipelines/assets/dbt.py:
#   ARCHIPELAGO_DBT_EXECUTABLE  the dbt to run
#   ARCHIPELAGO_WAREHOUSE_PATH  the warehouse (absolute); dbt sees its file name only
#   ARCHIPELAGO_DBT_PYTHON      the Python of that dbt, if known: dbt then runs through dbt_main.py
#                               (the same command line, with less garbage collection)
set -e
launcher="$(cd "$(dirname "$0")" && pwd)/dbt_main.py"
project_dir="${DBT_PROJECT_DIR:-$(pwd)}"
# dagster-dbt passes a log path relative to the project directory; keep it there.
case "${DBT_LOG_PATH:-/}" in /*) ;; *) DBT_LOG_PATH="$project_dir/$DBT_LOG_PATH"; export DBT_LOG_PATH ;; esac
if [ -n "$ARCHIPELAGO_WAREHOUSE_PATH" ]; then
    cd "$(dirname "$ARCHIPELAGO_WAREHOUSE_PATH")"
    ARCHIPELAGO_WAREHOUSE_PATH="$(basename "$ARCHIPELAGO_WAREHOUSE_PATH")"
    export ARCHIPELAGO_WAREHOUSE_PATH
fi
if [ -n "$ARCHIPELAGO_DBT_PYTHON" ]; then
    exec "$ARCHIPELAGO_DBT_PYTHON" -P "$launcher" "$@"  # -P: its directory holds a dbt.py of ours
fi
exec "${ARCHIPELAGO_DBT_EXECUTABLE:-dbt}" "$@"
