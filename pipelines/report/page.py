"""Assemble the report as one self-contained HTML file: layout, the Vega-Lite specs with their data,
and the vega / vega-lite / vega-embed JavaScript, all inlined (the file opens offline, e-mailed or on
a share, and keeps showing the publication it was built from)."""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import altair as alt

STATUS_COLOURS = {"on_track": "#2e7d32", "at_risk": "#f9a825", "off_track": "#c62828", "no_data": "#9e9e9e",
                 "incomplete": "#90a4ae", "suppressed": "#616161"}
WITHHELD = "withheld"


@dataclass
class Chart:
    """One Vega-Lite chart; `name` is how the browser test and a reader refer to it."""

    name: str
    chart: alt.TopLevelMixin
    caption: str = ""

    def spec(self) -> dict:
        # Inline every row (no 5,000-row cap): the file must carry its own data.
        with alt.data_transformers.enable("default", max_rows=None):
            return self.chart.to_dict(validate=False)  # Altair validated the encodings as they were built


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    # A str is trusted HTML built with esc(); a list mixes HTML and charts drawn in place (table cells).
    items: list[Chart | str | list[Chart | str]] = field(default_factory=list)

    def add(self, item: Chart | str | list[Chart | str]) -> None:
        self.items.append(item)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


@lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """vega-embed, vega-lite and vega as one script that defines window.vegaEmbed (ships with vl-convert).

    Bundling takes ~4 s, so the result is kept in the user's cache, one file per vl-convert and Vega-Lite version.
    """
    import vl_convert  # noqa: PLC0415  (a large native module, needed only here)

    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "archipelago"
    cached = cache / f"vega-bundle-{vl_convert.__version__}-vl{major_minor}.js"
    if cached.exists():
        return cached.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle(vl_version=major_minor)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    tmp.write_text(bundle, encoding="utf-8")
    os.replace(tmp, cached)
    return bundle


def _script_json(value: dict) -> str:
    # Inside <script>, "</" would end the element early.
    return json.dumps(value, separators=(",", ":"), default=str).replace("</", "<\\/")


EMBED = """
const charts = document.querySelectorAll('.chart');
const pending = [];
for (const el of charts) {
  const spec = JSON.parse(document.getElementById('spec-' + el.id).textContent);
  pending.push(vegaEmbed(el, spec, {renderer: 'svg', actions: false})
    .then(() => { el.dataset.rendered = 'yes'; })
    .catch((err) => {
      el.dataset.rendered = 'error';
      el.textContent = 'This chart could not be drawn: ' + err;
      console.error('chart ' + el.dataset.chart + ': ' + err);
    }));
}
Promise.allSettled(pending).then(() => { document.body.dataset.chartsDone = String(charts.length); });
"""

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; margin: 0;
       color: #1f2933; background: #f7f8fa; }
header { background: #14324a; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 24px; }
header .facts { display: flex; flex-wrap: wrap; gap: 8px 28px; font-size: 14px; opacity: .95; }
nav { padding: 8px 32px; background: #e7edf3; font-size: 14px; }
nav a { margin-right: 18px; color: #14324a; }
section { background: #fff; margin: 18px 24px; padding: 16px 24px 24px; border-radius: 6px;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { margin-top: 4px; color: #14324a; }
.intro { max-width: 900px; color: #3e4c59; }
.chart { margin: 14px 0 4px; }
td .chart { margin: 0; }
.caption { font-size: 13px; color: #52606d; max-width: 900px; margin: 0 0 14px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 12px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: middle; }
th { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; white-space: nowrap; }
.tag { display: inline-block; padding: 0 6px; border-radius: 8px; background: #e0e8f0; font-size: 11px; margin-left: 4px; }
.withheld { color: #7b8794; font-style: italic; }
.warn { color: #b54708; }
.ok { color: #2e7d32; }
header .ok { color: #9be29b; }
header .warn { color: #ffb74d; }
.grid { display: flex; flex-wrap: wrap; gap: 10px 36px; }
footer { font-size: 12px; color: #52606d; padding: 8px 32px 24px; }
"""


def render_page(title: str, header_html: str, sections: list[Section], footer_html: str) -> str:
    parts: list[str] = []
    specs: list[str] = []

    def chart_html(chart: Chart) -> str:
        chart_id = f"chart{len(specs) + 1}"
        specs.append(f'<script type="application/json" id="spec-{chart_id}">{_script_json(chart.spec())}</script>')
        caption = f'<p class="caption">{chart.caption}</p>' if chart.caption else ""
        return f'<div class="chart" id="{chart_id}" data-chart="{esc(chart.name)}"></div>{caption}'

    for section in sections:
        parts.append(f'<section id="{esc(section.key)}" data-section="{esc(section.key)}"><h2>{esc(section.title)}</h2>')
        if section.intro:
            parts.append(f'<p class="intro">{section.intro}</p>')
        for item in section.items:
            for piece in item if isinstance(item, list) else [item]:
                parts.append(chart_html(piece) if isinstance(piece, Chart) else piece)
        parts.append("</section>")
    nav = "".join(f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s in sections)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"{header_html}<nav>{nav}</nav><main>{''.join(parts)}</main><footer>{footer_html}</footer>"
        f"{''.join(specs)}"
        f"<script type=\"module\">{javascript_bundle()}</script>"
        f"<script type=\"module\">{EMBED}</script>"
        "</body></html>\n"
    )
