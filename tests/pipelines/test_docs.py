"""The README documents every variable a source reads (the table is generated from the registry)."""

from pathlib import Path

from archipelago.config_docs import render_sources_table, rewrite
from connectors.registry import load_sources

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_sources_table_is_current():
    text = README.read_text()
    assert rewrite(text) == text, "README's sources table is out of date: run `make docs`"


def test_every_source_variable_is_in_the_table():
    table = render_sources_table()
    for source in load_sources():
        for var in source.variables:
            assert f"`{var.name}`" in table
