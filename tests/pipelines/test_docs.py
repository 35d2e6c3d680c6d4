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


def test_every_published_figure_is_defined_in_the_metric_definitions():
    """docs/metrics.md names every column of every published table, and each model's description links there."""
    import json  # noqa: PLC0415

    from pipelines.assets.dbt import dbt_project  # noqa: PLC0415

    definitions = (README.parent / "docs" / "metrics.md").read_text()
    manifest = json.loads(dbt_project().manifest_path.read_text())
    published = [n for n in manifest["nodes"].values()
                 if n["resource_type"] == "model" and (n["config"].get("meta") or {}).get("published_as")]
    assert len(published) >= 15
    for node in published:
        table = node["config"]["meta"]["published_as"]
        assert f"### {table}" in definitions, table
        assert "docs/metrics.md" in node["description"], table
        undefined = [c for c in node["columns"] if f"`{c}`" not in definitions and c not in definitions]
        assert not undefined, (table, undefined)


def test_nothing_cites_files_outside_the_repository():
    import re  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    root = README.parent
    pattern = re.compile("|".join(["METRICS" + r"\.md", "DESIGN" + r"\.md", "context/" + "0", r"\.\./" + "shared"]))
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    citing = []
    for name in files:
        path = root / name
        readable = path.suffix in {".py", ".sql", ".yml", ".yaml", ".md", ".csv", ".toml", ".txt"} and path.is_file()
        if readable and name != "tests/report/test_published_comments.py" and pattern.search(path.read_text(errors="ignore")):
            citing.append(name)
    assert not citing, citing
