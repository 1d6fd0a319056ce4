"""Charts for the results of a solve, styled for a projector: large dark labels, values
written on the bars and points. The Designer's two are Vega-Lite specs written out (drawn
after every solve: Altair took 0.1-0.3 s a chart to build and convert); Compare's are Altair
charts, Altair imported only there (0.3 s), never by the first page or the Designer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from network.evaluate import ABROAD, US_SITES, Evaluation
from ui import fmt

if TYPE_CHECKING:  # Altair (0.3 s to import) only for Compare's charts, not the Designer's
    import altair as alt

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


def cost_spec(evaluation: Evaluation) -> dict:
    """Annual cost by component, each bar split by path: both paths have the same elements.
    A Vega-Lite spec for st.vega_lite_chart (module docstring)."""
    frame = cost_frame(evaluation)
    totals = frame.groupby(["component", "order"], as_index=False)["usd"].sum()
    totals["label"] = [fmt.usd_millions(v) for v in totals["usd"]]
    y = {"field": "component", "type": "nominal", "title": None,
         "sort": list(totals.sort_values("order")["component"])}
    x_scale = {"domain": [0, 1.25 * float(totals["usd"].max())], "nice": False}
    paths = list(PATH_LABELS.values())
    bars = {"data": {"name": "parts"}, "mark": {"type": "bar"}, "encoding": {
        "y": y,
        "x": {"field": "usd", "type": "quantitative", "title": "USD per year",
              "stack": "zero", "scale": x_scale, "axis": {"format": "$,.3~s"}},
        "color": {"field": "path", "type": "nominal", "title": None, "sort": paths,
                  "scale": {"domain": paths, "range": PATH_COLOURS},
                  "legend": {"orient": "bottom"}},
        "tooltip": [{"field": "component", "type": "nominal"},
                    {"field": "path", "type": "nominal"},
                    {"field": "usd", "type": "quantitative", "format": "$,.0f"}]}}
    # the total written after each bar, with room for it on the right
    text = {"data": {"name": "totals"},
            "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": FONT},
            "encoding": {"y": y, "x": {"field": "usd", "type": "quantitative",
                                       "scale": x_scale},
                         "text": {"field": "label", "type": "nominal"}}}
    return _styled_spec({"layer": [bars, text], "datasets": {
        "parts": _records(frame), "totals": _records(totals)}},
        "Annual cost by component", {"step": 34})


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


def days_spec(evaluation: Evaluation) -> dict:
    """Share of orders by delivery days, as a Vega-Lite spec (see `cost_spec`)."""
    encoding = {
        "x": {"field": "days", "type": "nominal", "sort": None, "title": "Delivery time",
              "axis": {"labelAngle": 0}},
        "y": {"field": "share", "type": "quantitative", "title": "Share of orders",
              "axis": {"format": ".0%"}},
        "tooltip": [{"field": "days", "type": "nominal"},
                    {"field": "share", "type": "quantitative", "format": ".1%"}]}
    bars = {"mark": {"type": "bar", "color": "#2c7bb6"}, "encoding": encoding}
    text = {"mark": {"type": "text", "dy": -8, "fontSize": FONT},
            "encoding": {**encoding, "text": {"field": "label", "type": "nominal"}}}
    return _styled_spec({"data": {"name": "days"}, "layer": [bars, text],
                         "datasets": {"days": _records(days_frame(evaluation))}},
                        "Orders by delivery time")


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


# Large dark axis labels and title: pale grey small print is lost on a projector.
STYLE = {"axis": {"labelFontSize": FONT, "titleFontSize": FONT, "labelLimit": 260,
                  "labelColor": "#111827", "titleColor": "#111827"},
         "title": {"fontSize": FONT + 3, "anchor": "start", "color": "#111827"},
         "legend": {"labelColor": "#111827", "labelFontSize": FONT}}


def _styled_spec(spec: dict, title: str, height: int | dict = 300) -> dict:
    return {**spec, "title": title, "height": height, "config": STYLE}


def _styled(chart, title: str, height: int | alt.Step = 300) -> alt.Chart:
    """An Altair chart with the STYLE of the Designer's charts."""
    return (chart.properties(title=title, height=height).configure_axis(**STYLE["axis"])
            .configure_title(**STYLE["title"]).configure_legend(**STYLE["legend"]))


def compare_cost_chart(items: list[tuple[str, Evaluation]]) -> alt.Chart:
    """Annual cost by component, one bar per compared scenario in each component."""
    import altair as alt

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
    import altair as alt

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
    import altair as alt

    labels = [label for label, _ in items]
    return alt.Color("scenario:N", title=None, sort=labels,
                     scale=alt.Scale(domain=labels, range=COMPARE_COLORS[:len(labels)]),
                     legend=alt.Legend(orient="bottom", columns=2, labelLimit=400))


COMPARE_COLORS = ["#1f4e9c", "#f59646", "#2ca25f", "#8e44ad"]  # distinct on a projector
