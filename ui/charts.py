"""Charts (Altair) for the results of a solve, styled for a projector: large
dark labels, values written on the bars and points.

Imported only where a chart is drawn: altair takes about 0.3 s to import, which the first page
(no solve yet) should not pay.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from network.evaluate import ABROAD, US_SITES, Evaluation
from ui import fmt

FONT = 15
COMPONENT_LABELS = {"fixed": "Fixed (sites)", "inventory": "Inventory (safety stock)",
                    "goods_to_us": "Goods to the US", "customs": "Customs (duty, entry)",
                    "inbound": "Inbound (ports to sites)", "handling": "Handling (pick & pack)",
                    "outbound": "Outbound parcels", "returns": "Returns"}
PATH_LABELS = {US_SITES: "US sites", ABROAD: "Cross-border direct"}
PATH_COLOURS = ["#1f4e9c", "#f59646"]


def cost_frame(evaluation: Evaluation) -> pd.DataFrame:
    """Annual cost by component and path (US sites, cross-border direct), components in the
    breakdown's order, zero rows left out."""
    rows = [{"component": COMPONENT_LABELS.get(part, part), "order": i,
             "path": PATH_LABELS[path], "usd": usd}
            for path, parts in evaluation.kpis.cost_breakdown_by_path_usd.items()
            for i, (part, usd) in enumerate(parts.items()) if usd > 0]
    return pd.DataFrame(rows, columns=["component", "order", "path", "usd"])


def cost_chart(evaluation: Evaluation) -> alt.Chart:
    """Annual cost by component, each bar split by path: both paths have the same elements."""
    frame = cost_frame(evaluation)
    totals = frame.groupby(["component", "order"], as_index=False)["usd"].sum()
    totals["label"] = [fmt.usd_millions(v) for v in totals["usd"]]
    y = alt.Y("component:N", sort=list(totals.sort_values("order")["component"]), title=None)
    x_scale = alt.Scale(domain=[0, 1.25 * float(totals["usd"].max())], nice=False)
    bars = alt.Chart(frame).mark_bar().encode(
        y=y, x=alt.X("usd:Q", title="USD per year", stack="zero", scale=x_scale,
                     axis=alt.Axis(format="$,.3~s")),
        color=alt.Color("path:N", title=None, sort=list(PATH_LABELS.values()),
                        scale=alt.Scale(domain=list(PATH_LABELS.values()), range=PATH_COLOURS),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("component:N"), alt.Tooltip("path:N"),
                 alt.Tooltip("usd:Q", format="$,.0f")])
    # the total written after each bar, with room for it on the right
    text = alt.Chart(totals).mark_text(align="left", dx=4, fontSize=FONT).encode(
        y=y, x=alt.X("usd:Q", scale=x_scale), text="label:N")
    return _styled(bars + text, "Annual cost by component", alt.Step(34))


def days_frame(evaluation: Evaluation) -> pd.DataFrame:
    """Share of orders by delivery days (cross-border direct as its own bar)."""
    lt = evaluation.lanes
    cross = evaluation.site_index < 0
    z = np.arange(len(cross))
    s = np.where(cross, 0, evaluation.site_index)
    k = np.where(cross, 0, evaluation.service_index)
    days = np.where(cross, lt.cross_border_days, lt.delivery_days[z, s, k])
    orders = lt.demand.orders_per_year
    rows = []
    for d in sorted(set(days[~cross].tolist())):
        share = float(orders[(days == d) & ~cross].sum() / orders.sum())
        rows.append({"days": fmt.day_count(d), "share": share})
    if cross.any():
        rows.append({"days": f"{fmt.day_count(lt.cross_border_days)} (cross-border)",
                     "share": float(orders[cross].sum() / orders.sum())})
    frame = pd.DataFrame(rows)
    frame["label"] = [fmt.pct(v) for v in frame["share"]]
    return frame


def days_chart(evaluation: Evaluation) -> alt.Chart:
    frame = days_frame(evaluation)
    base = alt.Chart(frame).encode(
        x=alt.X("days:N", sort=None, title="Delivery time", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="Share of orders", axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("days:N"), alt.Tooltip("share:Q", format=".1%")])
    bars = base.mark_bar(color="#2c7bb6")
    text = base.mark_text(dy=-8, fontSize=FONT).encode(text="label:N")
    return _styled(bars + text, "Orders by delivery time")


def _styled(chart, title: str, height: int | alt.Step = 300) -> alt.Chart:
    """Large dark axis labels and title: pale grey small print is lost on a projector."""
    return (chart.properties(title=title, height=height)
            .configure_axis(labelFontSize=FONT, titleFontSize=FONT, labelLimit=260,
                            labelColor="#111827", titleColor="#111827")
            .configure_title(fontSize=FONT + 3, anchor="start", color="#111827")
            .configure_legend(labelColor="#111827", labelFontSize=FONT))


def compare_cost_chart(items: list[tuple[str, Evaluation]]) -> alt.Chart:
    """Annual cost by component, one bar per compared scenario in each component."""
    frame = pd.DataFrame([{"component": COMPONENT_LABELS.get(n, n), "scenario": label, "usd": v}
                          for label, e in items for n, v in e.kpis.cost_breakdown_usd.items()])
    keep = frame.groupby("component")["usd"].transform("max") > 0
    chart = alt.Chart(frame[keep]).mark_bar().encode(
        y=alt.Y("component:N", title=None, sort=list(COMPONENT_LABELS.values())),
        yOffset=alt.YOffset("scenario:N", sort=[label for label, _ in items]),
        x=alt.X("usd:Q", title="USD per year", axis=alt.Axis(format="$,.3~s")),
        color=_scenario_colors(items),
        tooltip=[alt.Tooltip("scenario:N"), alt.Tooltip("component:N"),
                 alt.Tooltip("usd:Q", format="$,.0f")])
    return _styled(chart, "Annual cost by component", 340)


def compare_days_chart(items: list[tuple[str, Evaluation]]) -> alt.Chart:
    """Share of orders by delivery days, one bar per compared scenario in each day count."""
    rows = [r | {"scenario": label} for label, e in items
            for r in days_frame(e).to_dict("records")]
    frame = pd.DataFrame(rows)
    order = sorted(set(frame["days"]), key=lambda t: int(t.split()[0]))
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("days:N", sort=order, title="Delivery time", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("scenario:N", sort=[label for label, _ in items]),
        y=alt.Y("share:Q", title="Share of orders", axis=alt.Axis(format=".0%")),
        color=_scenario_colors(items),
        tooltip=[alt.Tooltip("scenario:N"), alt.Tooltip("days:N"),
                 alt.Tooltip("share:Q", format=".1%")])
    return _styled(chart, "Orders by delivery time", 340)


def _scenario_colors(items: list[tuple[str, Evaluation]]) -> alt.Color:
    labels = [label for label, _ in items]
    return alt.Color("scenario:N", title=None, sort=labels,
                     scale=alt.Scale(domain=labels, range=COMPARE_COLORS[:len(labels)]),
                     legend=alt.Legend(orient="bottom", columns=2, labelLimit=400))


COMPARE_COLORS = ["#1f4e9c", "#f59646", "#2ca25f", "#8e44ad"]  # distinct on a projector
