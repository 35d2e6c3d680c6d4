"""The publication's documents, built only from the published marts: the self-contained HTML report
(`report.html`) and the data dictionary (`dictionary.md`).

`publication_documents` is the artefact builder the publish step runs on each new publication (so the
documents switch in with the marts, as one unit); `build_report(published_db, out_path)` builds the
report from any published file; `rebuild_documents` serves `archipelago report`.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

REPORT_FILE = "report.html"
DICTIONARY_FILE = "dictionary.md"


def _write_report(marts, source_name: str, out_path: Path) -> Path:
    from pipelines.report.adoption import adoption_section  # noqa: PLC0415  (Altair: imported when used)
    from pipelines.report.header import as_of_date, header_html  # noqa: PLC0415
    from pipelines.report.page import esc, render_page  # noqa: PLC0415
    from pipelines.report.scorecard import scorecard_section  # noqa: PLC0415
    from pipelines.report.sentiment import sentiment_section  # noqa: PLC0415
    from pipelines.report.silos import silos_section  # noqa: PLC0415
    from pipelines.report.value_chain import value_chain_section  # noqa: PLC0415

    as_of = as_of_date(marts)
    sections = [build(marts, as_of) for build in
                (scorecard_section, adoption_section, silos_section, value_chain_section, sentiment_section)]
    header = header_html(marts, as_of)
    run_id = str(marts.publication().get("run_id", ""))
    footer = (f"Built from {esc(source_name)} (publication of run {esc(run_id[:8])}), data to {as_of:%d %b %Y}. "
              "Every figure comes from the published marts, after the quality gate and the privacy floor.")
    html = render_page("Archipelago report", header, sections, footer)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out_path)
    return out_path


def build_report(published_db: Path, out_path: Path) -> Path:
    """Write the report for the publication in `published_db` to `out_path`, atomically."""
    from pipelines.report.marts import open_published  # noqa: PLC0415

    with open_published(Path(published_db)) as marts:
        return _write_report(marts, Path(published_db).name, Path(out_path))


def publication_documents(stage: Path, conn: duckdb.DuckDBPyConnection) -> list[str]:
    """ArtefactBuilder (pipelines.publishing): the report and the dictionary of the new version in `stage`."""
    from pipelines.report.dictionary import write_dictionary  # noqa: PLC0415
    from pipelines.report.marts import marts_of  # noqa: PLC0415

    marts = marts_of(conn)
    _write_report(marts, "marts.duckdb", stage / REPORT_FILE)
    write_dictionary(conn, marts.catalog, stage / DICTIONARY_FILE)
    return [REPORT_FILE, DICTIONARY_FILE]


def rebuild_documents(published_dir: Path, published_file: str) -> list[Path]:
    """Rebuild the documents of the current publication in place (`archipelago report`); the stable
    names `published/<document>` are made when a publication from before the documents lacks them."""
    version = (published_dir / published_file).resolve().parent
    with duckdb.connect(str(version / published_file), read_only=True) as conn:
        names = publication_documents(version, conn)
    paths = []
    for name in names:
        link = published_dir / name
        if version != published_dir and not link.exists():
            link.symlink_to(os.path.relpath(version / name, published_dir))
        paths.append(link)
    return paths
