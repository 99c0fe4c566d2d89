"""One self-contained HTML page: plotly.js embedded from the installed plotly package (no CDN),
a font stack that renders Chinese (Noto Sans CJK first), tables and figures from plain data."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from neijuan.report.i18n import t

CSS_FONTS = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
             '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif')

CSS = "body { font-family: " + CSS_FONTS + """; margin: 0 auto; max-width: 1080px;
       padding: 1.5em 2em; color: #1d2430; line-height: 1.55; }
h1 { font-size: 1.9em; margin-bottom: .2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ccd;
     padding-bottom: .2em; } h3 { margin-top: 1.6em; }
.stamp { color: #5a6472; font-size: .82em; margin: .2em 0 1.2em; }
.absent { background: #fff6e0; border-left: 4px solid #d08c00; padding: .6em 1em; }
table { border-collapse: collapse; font-size: .86em; margin: .8em 0; }
th, td { border-bottom: 1px solid #e3e6ea; padding: .25em .6em; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
td.text { max-width: 34em; } nav ol { columns: 2; }
.plot { width: 100%; }
@media print { .plot { break-inside: avoid; } h2 { break-before: page; } }
"""


@dataclass
class Section:
    """A titled part of the page: paragraphs, figures and tables in order."""

    id: str
    title: str
    parts: list[str] = field(default_factory=list)

    def para(self, text: str) -> None:
        self.parts.append(f"<p>{html.escape(text)}</p>")

    def heading(self, text: str) -> None:
        self.parts.append(f"<h3>{html.escape(text)}</h3>")

    def stamp(self, text: str) -> None:
        self.parts.append(f'<p class="stamp">{html.escape(text)}</p>')

    def absent(self, text: str) -> None:
        self.parts.append(f'<p class="absent">{html.escape(text)}</p>')

    def figure(self, fig: Any, stamp: str) -> None:
        """A Plotly figure (drawn by the embedded plotly.js) with the line that dates it."""
        spec = fig.to_plotly_json()
        n = sum(1 for p in self.parts if 'class="plot"' in p)
        div = f"fig-{self.id}-{n}"
        payload = json.dumps({"data": spec["data"], "layout": spec["layout"]},
                             default=_json_default).replace("</", "<\\/")
        self.parts.append(
            f'<div class="plot" id="{div}"></div><script>(function(){{var f = {payload};'
            f'Plotly.newPlot("{div}", f.data, f.layout, {{"responsive": true, '
            f'"displaylogo": false}});}})();</script>'
            f'<p class="stamp">{html.escape(stamp)}</p>')

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]],
              text_cols: Sequence[int] = ()) -> None:
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = []
        for row in rows:
            cells = "".join(
                f'<td{" class=text" if i in text_cols else ""}>{html.escape(str(c))}</td>'
                for i, c in enumerate(row))
            body.append(f"<tr>{cells}</tr>")
        self.parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}"
                          "</tbody></table>")


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)


def plotly_js() -> str:
    """plotly.js from the installed plotly package (works offline)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def page(title: str, intro: str, sections: Sequence[Section], lang: str, footer: str) -> str:
    """The whole document: inline CSS and plotly.js, a table of contents, the sections."""
    toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in sections)
    body = "".join(f'<section id="{s.id}"><h2>{html.escape(s.title)}</h2>{"".join(s.parts)}'
                   "</section>" for s in sections)
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style>"
            f"<script>{plotly_js()}</script></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>"
            f"<nav><h3>{t('contents', lang)}</h3><ol>{toc}</ol></nav>{body}"
            f'<p class="stamp">{html.escape(footer)}</p></body></html>')
