"""Charts as SVG drawn on the server (pygal): pictures that need no JavaScript.

pygal draws the SVG; the script element it always adds (for hover
tooltips) is removed, so the page stays within its CSP and works with
scripting off. Each chart is a `<figure>` with its SVG, a caption and
the same figures as a table under `<details>`, for screen readers and
for anyone who wants the numbers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

import pygal
from pygal.style import Style

from node.admin.layout import table
from node.html import Markup, escape
from node.i18n import _

# Importing pygal appends a legacy sys.meta_path finder for its map plugins
# (unused here); on Python 3.11 every import that no other finder resolves
# then warns "find_spec() not found". Undo that side effect at once.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

STYLE = Style(font_family='system-ui,"Noto Sans CJK SC","Noto Sans SC",sans-serif', background="white",
              plot_background="white", colors=("#1f6feb", "#d1242f", "#2da44e", "#bf8700", "#8250df", "#57606a"))
KINDS = {"bar": pygal.Bar, "line": pygal.Line, "hbar": pygal.HorizontalBar}


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]
    secondary: bool = False  # drawn against the right-hand axis


@dataclass(frozen=True, slots=True)
class ChartData:
    key: str  # the figure's id: chart-<key>
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bar"


def _svg(data: ChartData) -> str:
    chart = KINDS[data.kind](
        js=[], style=STYLE, width=720, height=300, show_legend=True, legend_at_bottom=True,
        x_label_rotation=0 if data.kind == "hbar" else 30, print_values=False, include_x_axis=True,
        show_minor_x_labels=True, truncate_label=-1, disable_xml_declaration=True,
        **_count_labels([v for s in data.series if not s.secondary for v in s.values]))
    chart.title = data.title
    chart.x_labels = [label[5:] if _is_day(label) else label for label in data.labels]
    for series in data.series:
        chart.add(series.name, list(series.values), secondary=series.secondary)
    tree = chart.render_tree()
    for parent in tree.iter():  # pygal's tooltip script: not needed, and not allowed by the CSP
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    return ElementTree.tostring(tree, encoding="unicode")


def _count_labels(values: Sequence[float]) -> dict[str, list[int]]:
    """Whole-number ticks (these are counts: no 0.1 of a report), about five of them;
    none for a chart without data (pygal cannot place them there)."""
    if not values:
        return {}
    top = int(max(values)) or 1
    step = max(1, -(-top // 5))
    return {"y_labels": list(range(0, top + step, step))}


def _is_day(label: str) -> bool:
    return len(label) == 10 and label[4] == "-" and label[7] == "-"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def render_chart(data: ChartData) -> Markup:
    rows = [(label, *(_number(s.values[i]) for s in data.series)) for i, label in enumerate(data.labels)]
    numbers = table((_("day or peer"), *(s.name for s in data.series)), rows, _("No data."))
    summary = escape(_("The figures"))
    return Markup(f'<figure class="chart" id="chart-{escape(data.key)}">{_svg(data)}'
                  f"<figcaption>{escape(data.title)}</figcaption>"
                  f"<details><summary>{summary}</summary>{numbers}</details></figure>")


def series(name: str, values: Sequence[float], *, secondary: bool = False) -> Series:
    return Series(name, tuple(values), secondary)
