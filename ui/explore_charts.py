"""Charts (Altair) of the Tradeoffs page: the promise frontier, the site counts, the tornado
and the robustness draws; styled like ui.charts for a projector (large dark labels, values
written on the marks). Imported only when the page draws one (altair is slow to import).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from network.scenario import Scenario
from ui import fmt
from ui.charts import FONT
from ui.charts import _styled as styled

PICK = "pick"  # the click selection of the frontier and site-count charts
CURRENT_RGB = "#d7191c"
ENVELOPE_LABEL = "any number (the frontier)"
# One colour per site count (Tableau 10 without its red, kept for the current design), the
# envelope in black
COUNT_COLORS = ["#4e79a7", "#f28e2b", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f",
                "#ff9da7", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f",
                "#aec7e8"]
DOWN_RGB, UP_RGB = "#2c7bb6", "#f59646"
OPTIMUM, CURRENT = "each draw's optimum", "current design"


def series_label(sites) -> str:
    if sites == "any":
        return ENVELOPE_LABEL
    return f"{sites} site{'s' if int(sites) != 1 else ''}"


def frontier_rows(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The points with a design, with what the chart draws: the series, the value shown
    (`y`), whether the time limit stopped it, and the tooltip texts."""
    rows = frame[frame["cost_usd"].notna()].copy()
    rows["sites"] = rows["sites"].astype(str)
    rows["series"] = [series_label(s) for s in rows["sites"]]
    rows["y"] = rows[metric]
    rows["stopped"] = rows["status"] != "optimal"
    rows["precision"] = [("proven optimal" if s == "optimal" else
                          f"stopped at the time limit, gap {fmt.pct(g or 0.0, 2)}")
                         for s, g in zip(rows["status"], rows["gap"], strict=True)]
    rows["cost_text"] = [fmt.usd(v) for v in rows["cost_usd"]]
    rows["per_order_text"] = [fmt.usd_cents(v) for v in rows["cost_per_order_usd"]]
    rows["open_text"] = [str(v).replace(";", ", ") for v in rows["open_sites"]]
    return rows


def unreachable_marks(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per series with a level it cannot meet: an x where its line ends, at the best share
    reachable (when the share bound gave one), labelled with it."""
    marks = []
    for sites, group in frame.groupby(frame["sites"].astype(str), sort=False):
        met = group[group["cost_usd"].notna()].sort_values("target")
        missed = group[group["status"] == "infeasible"].sort_values("target")
        if met.empty or missed.empty:
            continue
        best = missed["best_share"].dropna()
        share = float(best.iloc[0]) if not best.empty else float(missed["target"].iloc[0])
        marks.append({"series": series_label(sites), "target": share,
                      "y": float(met[metric].iloc[-1]),
                      "label": (f"max {fmt.pct(share, 1)}" if not best.empty
                                else "cannot go further")})
    return pd.DataFrame(marks, columns=["series", "target", "y", "label"])


def frontier_chart(frame: pd.DataFrame, within_days: int, metric: str,
                   current: dict | None) -> alt.LayerChart:
    """Cost (or cost per order) against the promise level: one line per site count, the
    envelope in black, hollow points where the time limit stopped the solve, x where a line
    cannot go further, the knee and the current design marked. `current` is
    {"share", "y"} of the current design, or None."""
    rows = frontier_rows(frame, metric)
    order = [series_label(s) for s in _series_order(rows["sites"])]
    colors = [("#111111" if s == ENVELOPE_LABEL else COUNT_COLORS[i % len(COUNT_COLORS)])
              for i, s in enumerate(order)]
    per_order = metric == "cost_per_order_usd"
    y_title = "Cost per order (USD)" if per_order else "Total annual cost (USD)"
    y_axis = alt.Axis(format="$,.2f" if per_order else "$,.3~s", tickCount=6)
    days = fmt.day_count(within_days)
    x = alt.X("target:Q", title=f"Promise: share of orders delivered within {days}",
              axis=alt.Axis(format=".0%"),
              scale=alt.Scale(domain=_x_domain(rows, current), nice=False))
    y = alt.Y("y:Q", title=y_title, scale=alt.Scale(zero=False), axis=y_axis)
    color = alt.Color("series:N", title="Sites open", sort=order,
                      scale=alt.Scale(domain=order, range=colors),
                      legend=alt.Legend(orient="right", labelFontSize=FONT, titleFontSize=FONT))
    tooltip = [alt.Tooltip("series:N", title="Sites"),
               alt.Tooltip("target:Q", title="Promise", format=".0%"),
               alt.Tooltip("cost_text:N", title="Annual cost"),
               alt.Tooltip("per_order_text:N", title="Per order"),
               alt.Tooltip("open_text:N", title="Open sites"),
               alt.Tooltip("precision:N", title="Solver")]
    base = alt.Chart(rows).encode(x=x, y=y, color=color, tooltip=tooltip)
    width = alt.condition(alt.datum.series == ENVELOPE_LABEL, alt.value(5), alt.value(2.5))
    layers = [
        base.mark_line().encode(strokeWidth=width, detail="series:N"),
        base.transform_filter(~alt.datum.stopped).mark_point(filled=True, size=110,
                                                             cursor="pointer"),
        base.transform_filter(alt.datum.stopped).mark_point(filled=False, size=130,
                                                            strokeWidth=2.5, cursor="pointer"),
        # an invisible, larger target over every point carries the click selection
        base.mark_point(size=400, opacity=0, cursor="pointer").add_params(
            alt.selection_point(name=PICK, fields=["sites", "target"], on="click")),
    ]
    layers += _unreachable_layers(unreachable_marks(frame, metric), x, y, color)
    layers += _knee_layers(rows, x, y)
    if current is not None:
        layers += _current_layers(current, x, y)
    return styled(alt.layer(*layers), f"The cost of each delivery promise ({days})", 420)


def _series_order(sites: pd.Series) -> list[str]:
    counts = sorted({s for s in sites if s != "any"}, key=int)
    return counts + (["any"] if "any" in set(sites) else [])


def _x_domain(rows: pd.DataFrame, current: dict | None) -> list[float]:
    xs = list(rows["target"]) + ([current["share"]] if current else [])
    lo = min(xs) if xs else 0.5
    return [max(0.0, lo - 0.03), 1.01]


def _unreachable_layers(marks: pd.DataFrame, x, y, color) -> list:
    if marks.empty:
        return []
    base = alt.Chart(marks).encode(x=x, y=y, color=color,
                                   tooltip=[alt.Tooltip("series:N", title="Sites"),
                                            alt.Tooltip("label:N", title="Reach")])
    return [base.mark_point(shape="cross", size=260, strokeWidth=3, angle=45),
            base.mark_text(dx=10, dy=-10, align="left", fontSize=FONT - 2)
            .encode(text="label:N")]


def _knee_layers(rows: pd.DataFrame, x, y) -> list:
    knee = rows[rows["knee"].fillna(False).astype(bool)]
    if knee.empty:
        return []
    base = alt.Chart(knee).encode(x=x, y=y)
    return [base.mark_point(shape="circle", size=700, strokeWidth=2.5, color="#111111",
                            filled=False),
            base.mark_text(dy=-24, fontSize=FONT, fontWeight="bold", color="#111111")
            .encode(text=alt.value("knee"))]


def _current_layers(current: dict, x, y) -> list:
    base = alt.Chart(pd.DataFrame([{"target": current["share"], "y": current["y"],
                                    "text": current.get("tip", "current design")}])).encode(
        x=x, y=y, tooltip=[alt.Tooltip("text:N", title="Current design")])
    return [base.mark_point(shape="diamond", size=420, color=CURRENT_RGB, filled=True),
            base.mark_text(dy=24, fontSize=FONT, fontWeight="bold", color=CURRENT_RGB)
            .encode(text=alt.value("current design"))]


# ---------------------------------------------------------------------------------------------
# Site counts (targets kept)


def site_count_cost_chart(frame: pd.DataFrame, current: dict | None) -> alt.LayerChart:
    """Cost of the cheapest network meeting the targets, per number of sites; the current
    design at its own count and cost ({"sites", "cost_usd"}), when there is one.

    Neighbouring counts often cost nearly the same, so their labels would sit side by side at
    one height: they alternate above and below the line (each label then has two points'
    width), in whole millions (the tooltip has the dollar)."""
    rows = frame.dropna(subset=["cost_usd"]).sort_values("sites").assign(
        label=lambda f: [f"${v / 1e6:,.0f}M" for v in f["cost_usd"]],
        open_text=lambda f: [str(v).replace(";", ", ") for v in f["open_sites"]])
    rows["above"] = [i % 2 == 0 for i in range(len(rows))]
    base = alt.Chart(rows).encode(
        x=alt.X("sites:O", title="Number of sites", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cost_usd:Q", title="Total annual cost (USD)",
                scale=alt.Scale(zero=False, padding=28),  # room for the labels below
                axis=alt.Axis(format="$,.3~s")),
        tooltip=[alt.Tooltip("sites:O", title="Sites"),
                 alt.Tooltip("cost_usd:Q", title="Annual cost", format="$,.0f"),
                 alt.Tooltip("open_text:N", title="Open")])
    line = base.mark_line(color="#1f4e9c", strokeWidth=3)
    points = base.mark_point(filled=True, size=160, color="#1f4e9c", cursor="pointer") \
        .add_params(alt.selection_point(name=PICK, fields=["sites"], on="click"))
    labels = [base.transform_filter(alt.datum.above == above)
              .mark_text(dy=-16 if above else 18, fontSize=FONT).encode(text="label:N")
              for above in (True, False)]
    layers = [line, points, *labels]
    if current is not None:
        mark = alt.Chart(pd.DataFrame([current])).encode(x="sites:O", y="cost_usd:Q")
        layers += [mark.mark_point(shape="diamond", size=500, color=CURRENT_RGB, filled=True),
                   mark.mark_text(dx=14, align="left", fontSize=FONT, color=CURRENT_RGB,
                                  fontWeight="bold").encode(text=alt.value("current design"))]
    return styled(alt.layer(*layers), "Cheapest network meeting the targets", 340)


def site_count_service_chart(frame: pd.DataFrame, scenario: Scenario) -> alt.LayerChart:
    """The share of orders within 1 and 2 days per number of sites. The 1-day share is never
    above the 2-day share, so 2-day labels go above their points and 1-day labels below: they
    cannot meet. The scale leaves room for both beyond 0% and 100%; a target's label sits
    below its line at the right."""
    rows = frame.dropna(subset=["cost_usd"])
    long = rows.melt(id_vars=["sites"], value_vars=["share_within_1d", "share_within_2d"],
                     var_name="promise", value_name="share")
    long["promise"] = long["promise"].map({"share_within_1d": f"within {fmt.day_count(1)}",
                                           "share_within_2d": f"within {fmt.day_count(2)}"})
    long["label"] = [fmt.pct(v, 0) for v in long["share"]]
    base = alt.Chart(long).encode(
        x=alt.X("sites:O", title="Number of sites", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="Share of orders", scale=alt.Scale(domain=[-0.1, 1.12]),
                axis=alt.Axis(format=".0%", values=[0, 0.2, 0.4, 0.6, 0.8, 1.0])),
        color=alt.Color("promise:N", title=None,
                        scale=alt.Scale(range=["#2c7bb6", "#f59646"]),
                        legend=alt.Legend(orient="bottom", labelFontSize=FONT)),
        tooltip=[alt.Tooltip("sites:O"), alt.Tooltip("promise:N"),
                 alt.Tooltip("share:Q", format=".1%")])
    labels = [base.transform_filter(alt.datum.promise == promise)
              .mark_text(fontSize=FONT - 1, dy=dy)
              .encode(text="label:N", color=alt.value("#111827"))
              for promise, dy in ((f"within {fmt.day_count(2)}", -14),
                                  (f"within {fmt.day_count(1)}", 16))]
    layers = [base.mark_line(strokeWidth=3), base.mark_point(filled=True, size=100), *labels]
    targets = pd.DataFrame([{"share": t.share_pct / 100,
                             "label": f"target {t.share_pct:g}% ({fmt.day_count(t.within_days)})"}
                            for t in scenario.targets.share_targets if t.within_days <= 2])
    if not targets.empty:
        rule = alt.Chart(targets).encode(y="share:Q")
        layers += [rule.mark_rule(strokeDash=[6, 4], color="#555", strokeWidth=2),
                   rule.mark_text(align="right", x="width", dx=-4, dy=14, fontSize=FONT - 1,
                                  color="#333").encode(text="label:N")]
    return styled(alt.layer(*layers), f"Orders delivered within {fmt.day_count(1)} and 2 days",
                  340)


# ---------------------------------------------------------------------------------------------
# Sensitivity and robustness


def tornado_chart(tornado: pd.DataFrame) -> alt.LayerChart:
    """Each input's re-optimized cost change when moved down and up, largest swing on top."""
    order = [f"{label} ±{100 * step:g}%" for label, step in
             zip(tornado["label"], tornado["step"], strict=True)]
    rows = []
    for name, (_, r) in zip(order, tornado.iterrows(), strict=True):
        for side, column in (("down", "down_delta_usd"), ("up", "up_delta_usd")):
            value = r[column]
            if pd.notna(value):
                rows.append({"input": name, "moved": f"input {side}", "usd": float(value),
                             "label": fmt.signed_usd_millions(float(value))})
    frame = pd.DataFrame(rows, columns=["input", "moved", "usd", "label"])
    span = float(frame["usd"].abs().max()) if not frame.empty else 1.0
    base = alt.Chart(frame).encode(
        y=alt.Y("input:N", sort=order, title=None),
        x=alt.X("usd:Q", title="Change in the re-optimized annual cost (USD)",
                axis=alt.Axis(format="$,.3~s"),
                scale=alt.Scale(domain=[-1.45 * span, 1.45 * span], nice=False)),
        color=alt.Color("moved:N", title=None, scale=alt.Scale(
            domain=["input down", "input up"], range=[DOWN_RGB, UP_RGB]),
            legend=alt.Legend(orient="bottom", labelFontSize=FONT)),
        tooltip=[alt.Tooltip("input:N"), alt.Tooltip("moved:N"),
                 alt.Tooltip("usd:Q", format="$,.0f")])
    bars = base.mark_bar(height=18)
    dark = alt.value("#111827")  # the values in black, whatever the bar's colour
    right = base.transform_filter(alt.datum.usd >= 0).mark_text(
        align="left", dx=4, fontSize=FONT - 1).encode(text="label:N", color=dark)
    left = base.transform_filter(alt.datum.usd < 0).mark_text(
        align="right", dx=-4, fontSize=FONT - 1).encode(text="label:N", color=dark)
    zero = alt.Chart(pd.DataFrame({"usd": [0.0]})).mark_rule(color="#111827").encode(x="usd:Q")
    return styled(alt.layer(bars, right, left, zero),
                  "Which inputs move the answer most (tornado)", 60 + 42 * len(order))


def cost_spread_chart(robustness: pd.DataFrame) -> alt.LayerChart:
    """The optimum's cost and the current design's cost across the draws, as histograms."""
    long = pd.concat([
        pd.DataFrame({"cost": robustness["cost_usd"], "which": OPTIMUM}),
        pd.DataFrame({"cost": robustness["current_design_cost_usd"],
                      "which": CURRENT})]).dropna()
    bins = max(5, min(20, int(np.sqrt(max(len(robustness), 1))) + 3))
    chart = alt.Chart(long).mark_bar(opacity=0.65, binSpacing=1).encode(
        x=alt.X("cost:Q", bin=alt.Bin(maxbins=bins), title="Annual cost (USD)",
                axis=alt.Axis(format="$,.3~s")),
        y=alt.Y("count():Q", stack=None, title="Draws"),
        color=alt.Color("which:N", title=None, scale=alt.Scale(
            domain=[OPTIMUM, CURRENT], range=["#2c7bb6", CURRENT_RGB]),
            legend=alt.Legend(orient="bottom", labelFontSize=FONT)),
        tooltip=[alt.Tooltip("which:N"), alt.Tooltip("count():Q", title="Draws")])
    return styled(chart, "Annual cost across the demand draws", 320)


def regret_chart(robustness: pd.DataFrame, p50: float | None, p90: float | None
                 ) -> alt.LayerChart:
    """How much more the current design costs than each draw's optimum, with P50 and P90."""
    frame = robustness[["regret_usd"]].dropna()
    bins = max(5, min(20, int(np.sqrt(max(len(frame), 1))) + 3))
    bars = alt.Chart(frame).mark_bar(color="#6b7280", binSpacing=1).encode(
        x=alt.X("regret_usd:Q", bin=alt.Bin(maxbins=bins), axis=alt.Axis(format="$,.3~s"),
                title="Regret: current design's cost - the draw's optimum (USD)"),
        y=alt.Y("count():Q", title="Draws"))
    marks = pd.DataFrame([{"usd": v, "label": f"{name} {fmt.usd_millions(v)}"}
                          for name, v in (("P50", p50), ("P90", p90)) if v is not None])
    layers = [bars]
    if not marks.empty:
        rule = alt.Chart(marks).encode(x="usd:Q")
        layers += [rule.mark_rule(color=CURRENT_RGB, strokeWidth=2.5, strokeDash=[6, 3]),
                   rule.mark_text(align="left", dx=5, y=12, fontSize=FONT, color=CURRENT_RGB,
                                  fontWeight="bold").encode(text="label:N")]
    return styled(alt.layer(*layers), "Regret of the current design", 320)
