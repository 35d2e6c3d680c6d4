# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   builds the warehouse end to end on the demo organisation
#   make test   runs the test suite
# Both bootstrap uv from PyPI when it is missing and build .venv from uv.lock.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(or $(shell command -v uv 2>/dev/null),$(TOOLS)/bin/uv)
VENV := .venv
STAMP := $(VENV)/.synced-pyc-$(shell cat uv.lock pyproject.toml | $(PYTHON) -c "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml

.PHONY: setup demo test refresh status ui lint clean docs

setup: $(STAMP) $(MANIFEST)

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Packages are compiled to bytecode here, once. Where Python may not write .pyc files itself
# (PYTHONDONTWRITEBYTECODE, as container images set it; a read-only install) every process would
# otherwise compile each module it imports again: seconds of CPU for each refresh, dbt run and test.
$(STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	rm -f $(VENV)/.synced-* && touch $@

# The dbt manifest is prepared here, once, not every time the pipelines are imported. The warehouse
# named as a refresh shows it to dbt (pipelines/assets/dbt_in_warehouse_dir.sh): every refresh then
# reuses this parse. The initiatives seed is generated from config/initiatives.yml first (validated;
# not versioned).
$(MANIFEST): $(STAMP) $(DBT_SOURCES) config/initiatives.yml
	$(VENV)/bin/python -m pipelines.initiatives
	cd dbt_project && ARCHIPELAGO_WAREHOUSE_PATH=warehouse.duckdb ../$(VENV)/bin/dbt parse --quiet --profiles-dir .

demo: setup
	$(VENV)/bin/archipelago demo

refresh: setup
	$(VENV)/bin/archipelago refresh

status: setup
	$(VENV)/bin/archipelago status

ui: setup
	$(VENV)/bin/archipelago ui

# Two workers on a two-core machine (one per core): the story build's tests keep one of them busy
# while the other starts the Spark parity test, then both take the rest (groups and their order:
# tests/conftest.py; without --no-loadscope-reorder xdist would run the groups with most tests first).
test: setup
	$(VENV)/bin/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) $(TOOLS) dbt_project/target dbt_project/logs .archipelago

docs: setup
	$(VENV)/bin/python -m archipelago.config_docs --write README.md
