"""The page toolkit of every report: the style sheet and escaped HTML tables."""

from __future__ import annotations

import html
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"

STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:4px 8px}
td{text-align:right}td:first-child,th{text-align:left}table.outcomes td{white-space:nowrap}
table.outcomes td:first-child{white-space:normal}th{background:#f2f2f2}img{max-width:100%}
figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:0.3em}pre{font-size:0.75em;background:#f7f7f7;padding:1em;overflow:auto}
.note{color:#444;max-width:60em}.warning{color:#8a1c00;max-width:60em}.ci{color:#555;font-size:0.85em}"""


def html_cell(text: str) -> str:
    """A table cell; a second line (the interval) goes below the value, smaller."""
    value, _, interval = text.partition("\n")
    below = f"<br><span class='ci'>{html.escape(interval)}</span>" if interval else ""
    return f"<td>{html.escape(value)}{below}</td>"


def html_table(header: list[str], rows: list[list[str]], css_class: str = "") -> str:
    """An HTML table, every cell escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(html_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table class='{css_class}'><tr>{head}</tr>{body}</table>"


def render_page(template: str, **values: object) -> str:
    """A page from templates/`template`, every value autoescaped (jinja2)."""
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True).get_template(template).render(**values)
