"""dbt's command line (what the `dbt` script runs), with Python's garbage collector kept off dbt's own
long-lived objects: a refresh's dbt spent seconds in full collections that walked every module, class
and schema dbt-core and the adapter import (see pipelines/gc_tuning.py, which does the same for the
refresh's own process). Run by dbt_in_warehouse_dir.sh with the Python of the dbt it would run."""

import gc
import sys

from dbt.cli.main import cli

if __name__ == "__main__":
    gc.freeze()  # dbt-core's modules, as imported above, live as long as the process
    gc.set_threshold(50_000, *gc.get_threshold()[1:])  # young objects every 50,000 allocations, not 700
    sys.argv[0] = "dbt"
    sys.exit(cli())
