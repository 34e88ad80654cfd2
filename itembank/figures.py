"""The charts of itembank, as Plotly figures: one module for the dashboard, the reports and
the notebooks, so a committee sees the same picture on screen, on paper and in an analysis.

Pure functions of analysis results (no Dash, no database). Wording comes from
:mod:`itembank.text`; colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal
Design"), which readers with the common colour-vision deficiencies can tell apart — never a
red/green pair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import plotly.graph_objects as go

from itembank.display import chart_percent_format
from itembank.scoring import format_fraction
from itembank.text import TEXT, t

__all__ = ["COLOURS", "score_figure", "groups_figure", "distractor_figure", "pass_rate_figure", "trend_figure",
           "first_passing_score", "hofstee_figure", "beuk_figure"]

#: Okabe–Ito colours by meaning.
COLOURS = {
    "pass": "#0072B2",  # blue
    "fail": "#E69F00",  # orange
    "cut": "#000000",
    "low": "#E69F00",  # orange
    "mid": "#BBBBBB",  # grey
    "high": "#0072B2",  # blue
    "line": "#009E73",  # bluish green
    "accent": "#CC79A7",  # reddish purple
}


def _hover(key: str) -> str:
    """A Plotly hover template from :mod:`itembank.text`, as written: its ``%{x}`` fields are
    Plotly's, not ours to fill (``t`` would read them as format fields)."""
    return TEXT[key]


_LAYOUT: dict[str, Any] = {"margin": {"l": 50, "r": 20, "t": 50, "b": 40}, "template": "plotly_white"}


def first_passing_score(cut: Fraction | float, scores: Sequence[float]) -> float | None:
    """The lowest of ``scores`` that reaches ``cut`` (score >= cut passes, DESIGN §3), or None."""
    reaching = [s for s in scores if s >= cut]
    return min(reaching) if reaching else None


def score_figure(hist: Any, cut: Fraction | None, *, title: str | None = None, height: int = 320) -> go.Figure:
    """Histogram of the total scores with the cut score (cesuur) drawn *between* bars.

    ``hist`` is :meth:`analysis.ctt.ScoreDistribution.histogram` (``lower``, ``upper``,
    ``count``). A bar whose scores reach the cut is drawn in the pass colour, the others in the
    fail colour, and the line stands at the lower edge of the first passing bar, so which side
    of the line passes is never in doubt. (With one bar per possible score, that edge is
    ``first passing score - 0.5``.) When a bar straddles the cut (wide bins on fractional
    scores), the line is drawn at the cut itself.
    """
    lower = np.asarray(hist["lower"], dtype=float)
    upper = np.asarray(hist["upper"], dtype=float)
    counts = np.asarray(hist["count"])
    centre = (lower + upper) / 2
    passes = np.zeros(len(centre), dtype=bool) if cut is None else np.asarray([c >= cut for c in centre])
    fig = go.Figure()
    for outcome in ("fail", "pass"):
        mask = passes if outcome == "pass" else ~passes
        if cut is None and outcome == "pass":
            continue
        fig.add_trace(go.Bar(
            x=centre[mask], y=counts[mask], width=(upper - lower)[mask] * 0.9,
            customdata=np.column_stack([lower[mask], upper[mask]]),
            name=t(f"chart_{outcome}") if cut is not None else t("count_axis"),
            hovertemplate="%{customdata[0]:g}–%{customdata[1]:g}: %{y}<extra></extra>",
            marker_color=COLOURS[outcome] if cut is not None else COLOURS["pass"],
        ))
    if cut is not None:
        # One bar per possible score (unit width, whole-number centres): every score in a bar
        # is its centre, so the line goes at the edge before the first passing bar. Wider bins
        # may hold scores on both sides of the cut: then the line marks the cut itself.
        per_score = bool(len(centre)) and np.allclose(upper - lower, 1) and np.allclose(centre, np.round(centre))
        x = float(lower[int(np.argmax(passes))]) if per_score and passes.any() else float(cut)
        fig.add_vline(x=x, line_color=COLOURS["cut"], line_width=2, line_dash="dash",
                      annotation_text=t("cut_line", cut=format_fraction(cut)), annotation_position="top right")
    fig.update_layout(title=title or t("distribution_title"), xaxis_title=t("score_axis"), yaxis_title=t("count_axis"),
                      bargap=0.05, height=height, barmode="overlay",
                      legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"}, **_LAYOUT)
    return fig


def groups_figure(groups: dict[str, Any], *, height: int = 320) -> go.Figure:
    """Share of the low, middle and high score groups choosing each option of one item.

    ``groups``: ``labels`` (option labels, the key marked) and ``low``/``mid``/``high`` (shares
    0..1, None where undefined). A good key is chosen more often as the group scores higher; a
    distractor less often.
    """
    share = chart_percent_format()
    fig = go.Figure([
        go.Bar(name=t(f"group_{g}"), x=groups["labels"], y=groups[g], marker_color=COLOURS[g],
               marker_pattern_shape=pattern,
               hovertemplate="%{x}: %{y:" + share + "}<extra>" + t(f"group_{g}") + "</extra>")
        # A pattern as well as a colour: the groups stay apart in black-and-white print too.
        for g, pattern in (("low", "/"), ("mid", ""), ("high", "."))
    ])
    fig.update_layout(title=t("groups_title"), barmode="group", yaxis_tickformat=share, yaxis_title=t("share_axis"),
                      height=height, legend={"orientation": "h", "y": -0.2}, **_LAYOUT)
    return fig


def distractor_figure(options: Any, *, height: int = 300) -> go.Figure:
    """The score-group chart of one item from its rows of the distractor table
    (:func:`analysis.ctt.distractors`: ``option``, ``is_key``, ``prop_low``, ``prop_mid``,
    ``prop_high``), with the key marked and the omitted/invalid row named in words; drawn by
    :func:`groups_figure`, so the report and the dashboard show the same chart."""
    from analysis.distractors import OMITTED

    labels = [t("omitted") if o == OMITTED else (t("key_mark", option=o) if k else str(o))
              for o, k in zip(options["option"], options["is_key"])]
    shares = {g: [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                  for v in options[f"prop_{g}"]] for g in ("low", "mid", "high")}
    return groups_figure({"labels": labels, **shares}, height=height)


def pass_rate_figure(totals: Sequence[float], maximum: float, cut: Fraction | None = None, *,
                     height: int = 300) -> go.Figure:
    """The pass rate as a function of the cut score: for every possible cut c (0..maximum in
    whole points), the share of candidates with total >= c. The current cut is marked."""
    scores = np.sort(np.asarray(totals, dtype=float))
    cuts = np.arange(0, math.floor(maximum) + 1)
    # share with total >= c = 1 - (number below c) / n; searchsorted counts those below.
    rates = 1 - np.searchsorted(scores, cuts, side="left") / max(len(scores), 1)
    share = chart_percent_format()
    fig = go.Figure(go.Scatter(x=cuts, y=rates, mode="lines+markers", line_color=COLOURS["line"], marker_size=4,
                               hovertemplate=_hover("pass_rate_hover") + "<extra></extra>"))
    if cut is not None:
        rate = float((scores >= float(cut)).mean()) if len(scores) else float("nan")
        fig.add_trace(go.Scatter(x=[float(cut)], y=[rate], mode="markers", marker={"size": 11, "color": COLOURS["cut"]},
                                 name=t("cut_score"), hovertemplate=_hover("pass_rate_hover") + "<extra></extra>"))
    fig.update_layout(title=t("pass_rate_title"), xaxis_title=t("cut_axis"), yaxis_title=t("pass_rate_axis"),
                      yaxis_tickformat=share, yaxis_range=[0, 1.02], height=height, showlegend=False, **_LAYOUT)
    return fig


def trend_figure(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, height: int = 300,
                 title: str | None = None, y_range: tuple[float, float] = (0, 1.02)) -> go.Figure:
    """Values per sitting, in date order: one line per series (e.g. pass rate and Cronbach's
    alpha for the yearly evaluation; an item's p and Rir on its page). ``labels`` name the
    sittings on the x axis."""
    palette = [COLOURS["pass"], COLOURS["line"], COLOURS["accent"], COLOURS["fail"]]
    fig = go.Figure([
        go.Scatter(x=list(labels), y=[None if v is None or v != v else v for v in values], name=name,
                   mode="lines+markers", line_color=palette[k % len(palette)],
                   marker_symbol=("circle", "square", "diamond", "triangle-up")[k % 4],
                   hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>")
        for k, (name, values) in enumerate(series.items())
    ])
    fig.update_layout(title=title or t("trend_title"), yaxis_range=list(y_range), height=height,
                      legend={"orientation": "h", "y": -0.25}, **_LAYOUT)
    return fig


def _pass_curve(totals: Sequence[float], maximum: float, pass_if: str = ">=") -> tuple[np.ndarray, np.ndarray]:
    """Whole cuts 0..maximum and the percentage of ``totals`` passing each (total >= c, or
    total > c with ``pass_if=">"``): the observed curve the compromise methods intersect."""
    scores = np.sort(np.asarray(totals, dtype=float))
    cuts = np.arange(0, math.floor(maximum) + 1, dtype=float)
    side = "right" if pass_if == ">" else "left"
    return cuts, 100.0 * (1 - np.searchsorted(scores, cuts, side=side) / max(len(scores), 1))


def hofstee_figure(totals: Sequence[float], result: Any, *, height: int = 260) -> go.Figure:
    """The Hofstee chart: the observed fail rate for each cut, the panel's line from
    (k_min, f_max) to (k_max, f_min) and the cut where they meet.

    ``result`` is :func:`analysis.standard_setting.hofstee`'s result (its ``inputs`` and
    ``details["line"]`` give the line in points; ``cut`` and ``details["fail_rate_at_cut"]``
    the crossing).
    """
    line = result.details["line"]
    cuts, passing = _pass_curve(totals, float(result.inputs["max_score"]), result.pass_if)
    f_min, f_max = float(result.inputs["f_min"]), float(result.inputs["f_max"])
    fig = go.Figure([
        go.Scatter(x=cuts, y=100 - passing, mode="lines", line_color=COLOURS["line"], name=t("hofstee_curve"),
                   hovertemplate=_hover("fail_rate_hover") + "<extra></extra>"),
        go.Scatter(x=[line["k_min_points"], line["k_max_points"]], y=[f_max, f_min], mode="lines+markers",
                   line={"color": COLOURS["accent"], "width": 3}, name=t("hofstee_line"),
                   hovertemplate=_hover("fail_rate_hover") + "<extra></extra>"),
        go.Scatter(x=[result.details["unrounded_cut"]], y=[result.details["fail_rate_at_cut"]], mode="markers",
                   marker={"size": 11, "color": COLOURS["cut"]}, name=t("cut_score"),
                   hovertemplate=_hover("fail_rate_hover") + "<extra></extra>"),
    ])
    fig.update_layout(title=t("hofstee_title"), xaxis_title=t("cut_axis"), yaxis_title=t("fail_rate_axis"),
                      yaxis_range=[0, 100], height=height, showlegend=True,
                      legend={"orientation": "h", "y": -0.3}, **{**_LAYOUT, "margin": {"l": 50, "r": 10, "t": 40, "b": 30}})
    return fig


def beuk_figure(totals: Sequence[float], result: Any, *, height: int = 260) -> go.Figure:
    """The Beuk chart: the observed pass rate for each cut, the judges' points (cut, expected
    pass rate), the line through their mean with slope s_p / s_k, and the cut where it meets
    the curve. ``result`` is :func:`analysis.standard_setting.beuk`'s result."""
    d = result.details
    maximum = float(result.inputs["max_score"])
    cuts, passing = _pass_curve(totals, maximum, result.pass_if)
    scale = 1.0 if result.inputs["scale"] == "points" else maximum / 100.0
    judges_x = [k * scale for k in result.inputs["judge_cuts"]]
    traces = [
        go.Scatter(x=cuts, y=passing, mode="lines", line_color=COLOURS["line"], name=t("beuk_curve"),
                   hovertemplate=_hover("pass_rate_percent_hover") + "<extra></extra>"),
        go.Scatter(x=judges_x, y=result.inputs["judge_pass_rates"], mode="markers", name=t("beuk_judges"),
                   marker={"size": 8, "color": COLOURS["fail"], "symbol": "diamond"},
                   hovertemplate=_hover("pass_rate_percent_hover") + "<extra></extra>"),
    ]
    slope = d["slope_percent_per_point"]
    if math.isfinite(slope) and slope > 0:
        # The line through the judges' mean point, drawn where it stays within 0..100 %.
        lo = max(0.0, d["mean_cut_points"] - d["mean_pass_rate"] / slope)
        hi = min(maximum, d["mean_cut_points"] + (100 - d["mean_pass_rate"]) / slope)
        xs = [lo, hi]
        ys = [d["mean_pass_rate"] + slope * (x - d["mean_cut_points"]) for x in xs]
    else:
        xs, ys = [d["mean_cut_points"]] * 2, [0, 100]
    traces.append(go.Scatter(x=xs, y=ys, mode="lines", line={"color": COLOURS["accent"], "width": 3},
                             name=t("beuk_line"), hoverinfo="skip"))
    traces.append(go.Scatter(x=[d["unrounded_cut"]], y=[d["pass_rate_curve_at_cut"]], mode="markers",
                             marker={"size": 11, "color": COLOURS["cut"]}, name=t("cut_score"),
                             hovertemplate=_hover("pass_rate_percent_hover") + "<extra></extra>"))
    fig = go.Figure(traces)
    fig.update_layout(title=t("beuk_title"), xaxis_title=t("cut_axis"), yaxis_title=t("pass_rate_percent_axis"),
                      yaxis_range=[0, 100], height=height, legend={"orientation": "h", "y": -0.3},
                      **{**_LAYOUT, "margin": {"l": 50, "r": 10, "t": 40, "b": 30}})
    return fig


def information_figure(theta: Sequence[float], information: Sequence[float], csem: Sequence[float],
                       cut_theta: float | None, *, height: int = 280) -> go.Figure:
    """The test information function I(θ) and the conditional standard error of measurement
    1/√I(θ) on a second axis, with the cut score's θ marked (where a pass/fail decision is
    made, the test should measure best)."""
    fig = go.Figure([
        go.Scatter(x=list(theta), y=list(information), name=t("information_name"), line_color=COLOURS["pass"],
                   hovertemplate="θ %{x:.2f}: %{y:.2f}<extra></extra>"),
        go.Scatter(x=list(theta), y=[None if not math.isfinite(v) else v for v in csem], name=t("csem_name"),
                   line={"color": COLOURS["fail"], "dash": "dot"}, yaxis="y2",
                   hovertemplate="θ %{x:.2f}: %{y:.2f}<extra></extra>"),
    ])
    if cut_theta is not None:
        fig.add_vline(x=cut_theta, line_color=COLOURS["cut"], line_width=2, line_dash="dash",
                      annotation_text=t("cut_theta_line", theta=f"{cut_theta:.2f}"), annotation_position="top right")
    fig.update_layout(title=t("information_title"), xaxis_title=t("theta_axis"), yaxis_title=t("information_name"),
                      yaxis2={"title": t("csem_name"), "overlaying": "y", "side": "right", "rangemode": "tozero",
                              # its own round ticks (not synced to the information axis) and no second grid
                              "tickmode": "auto", "showgrid": False, "tickformat": ".1f"},
                      height=height, legend={"orientation": "h", "y": -0.3}, **_LAYOUT)
    return fig
