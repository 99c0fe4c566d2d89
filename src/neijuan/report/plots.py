"""Plotly figures from the gathered data of :mod:`neijuan.report.core` (no model arithmetic):
series with seed bands, the run against its no-AI twin, scenarios side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from neijuan.report.i18n import figure_label, t

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
TWIN_GREY = "#6b7280"
PALETTE = ("#1f5fa8", "#c2452d", "#2e8b57", "#8a5bb5", "#d08c00", "#4f6d7a", "#b03a78")


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def add_band(fig: go.Figure, x: Sequence[float] | Sequence[str], band: dict[str, Any],
             name: str, colour: str, row: int | None = None, col: int | None = None, dash: str = "solid",
             legend: bool = True) -> None:
    """A mean line and its 5-95% band (filled between lo and hi)."""
    where = {"row": row, "col": col} if row is not None else {}
    group = f"{name}-{colour}"
    fig.add_trace(go.Scatter(x=list(x), y=band["hi"], mode="lines", line={"width": 0},
                             hoverinfo="skip", showlegend=False, legendgroup=group), **where)
    fig.add_trace(go.Scatter(x=list(x), y=band["lo"], mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=_rgba(colour, 0.2), hoverinfo="skip",
                             showlegend=False, legendgroup=group), **where)
    fig.add_trace(go.Scatter(x=list(x), y=band["mean"], mode="lines", name=name,
                             line={"color": colour, "dash": dash, "width": 2},
                             showlegend=legend, legendgroup=group), **where)


def layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, height=height, template="plotly_white",
                      font={"family": FONT, "size": 13}, margin={"l": 60, "r": 20, "t": 60, "b": 50},
                      legend={"orientation": "h", "y": -0.15})
    return fig


def run_and_twin(payloads: Sequence[dict[str, Any]], names: Sequence[str], lang: str,
                 title: str, *, twin: bool = True, cols: int = 2) -> go.Figure:
    """One panel per figure; each scenario's run (solid) and, with ``twin``, its no-AI twin
    (dashed), each with its seed band."""
    rows = (len(names) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols,
                        subplot_titles=[figure_label(n, lang, short=True) for n in names],
                        horizontal_spacing=0.1, vertical_spacing=0.16 if rows > 1 else 0.1)
    for k, payload in enumerate(payloads):
        colour = PALETTE[k % len(PALETTE)]
        scen = payload["stamp"]["scenario"]
        for i, name in enumerate(names):
            r, c = i // cols + 1, i % cols + 1
            bands = payload["bands"]
            if name in bands["figures"]:
                label = f"{scen}: {t('with_ai', lang)}" if payload["stamp"]["twin"] else scen
                add_band(fig, bands["year"], bands["figures"][name], label, colour, r, c,
                         legend=i == 0)
            tb = payload.get("twin_bands") or {}
            if twin and name in tb.get("figures", {}):
                # one scenario: the twin in grey; several: dotted in the scenario's colour
                twin_colour = TWIN_GREY if len(payloads) == 1 else colour
                add_band(fig, tb["year"], tb["figures"][name], f"{scen}: {t('no_ai', lang)}",
                         twin_colour, r, c, dash="dot", legend=i == 0)
    fig.update_xaxes(tickformat=".1~f")
    return layout(fig, title, height=300 * rows + 80)


def compare_bars(frame: Any, figures: Sequence[str], lang: str, title: str,
                 effect: bool = True) -> go.Figure:
    """Each figure's AI effect (or level) per scenario, with its 5-95% interval as error bars."""
    cols = 2
    rows = (len(figures) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols,
                        subplot_titles=[figure_label(n, lang, short=True) for n in figures],
                        vertical_spacing=0.18 if rows > 1 else 0.1)
    key, lo, hi = ("effect", "effect_lo", "effect_hi") if effect else ("mean", "lo", "hi")
    for i, name in enumerate(figures):
        part = frame.filter(frame["figure"] == name)
        if part.height == 0:
            continue
        y = [v if v is not None else 0.0 for v in part[key].to_list()]
        plus = [(h - m) if h is not None and m is not None else 0.0
                for h, m in zip(part[hi].to_list(), part[key].to_list(), strict=True)]
        minus = [(m - low) if low is not None and m is not None else 0.0
                 for low, m in zip(part[lo].to_list(), part[key].to_list(), strict=True)]
        fig.add_trace(go.Bar(x=part["scenario"].to_list(), y=y, name=name, showlegend=False,
                             marker_color=[PALETTE[k % len(PALETTE)] for k in range(part.height)],
                             error_y={"type": "data", "symmetric": False, "array": plus,
                                      "arrayminus": minus}),
                      row=i // cols + 1, col=i % cols + 1)
    return layout(fig, title, height=280 * rows + 80)


def plot_result(result: Any, figures: Sequence[str] | None = None, lang: str = "en") -> go.Figure:
    """``Result.plot()``: the run's main per-period figures with seed bands, against its no-AI
    twin when it has one."""
    from neijuan.report.core import result_payload
    from neijuan.report.i18n import check_lang

    check_lang(lang)
    names = list(figures or ("effort_per_position", "real_reward_per_position",
                             "output_per_employed", "employment", "unemployment_rate",
                             "retained_not_needed_share"))
    payload = result_payload(result, names)
    st = payload["stamp"]
    title = (f"{st['scenario']}: {st['workers']:,} {t('workers', lang)}, "
             f"{len(st['seeds'])} {t('seeds', lang)}, {t('code', lang)} {st['code_version']}")
    return run_and_twin([payload], names, lang, title)
