"""The Tradeoffs page pieces: the cheapest network for exactly k sites, k = 1..N, as cost and
delivery-share curves, with the current design marked and any point shown on the map."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from network.scenario import Scenario
from ui import data, fmt, maps, state
from ui.panels import legend

FONT = 15


def sweep_frame(results: list, counts: tuple[int, ...]) -> pd.DataFrame:
    """One row per site count with a design: cost, cost per order and delivery shares."""
    rows = []
    for k, r in zip(counts, results, strict=True):
        if not r.status.has_design:
            rows.append({"sites": k, "status": r.status.value.replace("_", " "),
                         "why": " ".join(r.explanation) or "no design found"})
            continue
        kp = r.evaluation.kpis
        rows.append({"sites": k, "status": r.status.value, "total_cost_usd": kp.total_cost_usd,
                     "cost_per_order_usd": kp.cost_per_order_usd,
                     "avg_delivery_days": kp.avg_delivery_days,
                     "within_1_day": kp.share_within_days.get(1, 1.0),
                     "within_2_days": kp.share_within_days.get(2, 1.0),
                     "open_sites": ", ".join(r.open_site_ids)})
    frame = pd.DataFrame(rows)
    if "total_cost_usd" in frame:
        frame["change_vs_one_fewer_usd"] = frame["total_cost_usd"].diff()
    return frame


def current_site_count(scenario: Scenario) -> int | None:
    """Sites open in the last solve of this scenario, if any."""
    record = state.last_solve()
    if record is None or record.scenario_key != data.scenario_key(scenario):
        return None
    return record.result.evaluation.kpis.n_open_sites if record.result.status.has_design \
        else None


def cost_chart(frame: pd.DataFrame, current: int | None) -> alt.Chart:
    rows = frame.dropna(subset=["total_cost_usd"]).assign(
        label=lambda f: [fmt.usd_millions(v) for v in f["total_cost_usd"]],
        current=lambda f: f["sites"] == current)
    base = alt.Chart(rows).encode(
        x=alt.X("sites:O", title="Number of sites", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("total_cost_usd:Q", title="Total annual cost (USD)",
                scale=alt.Scale(zero=False), axis=alt.Axis(format="$,.3~s")),
        tooltip=[alt.Tooltip("sites:O", title="Sites"),
                 alt.Tooltip("total_cost_usd:Q", title="Annual cost", format="$,.0f"),
                 alt.Tooltip("open_sites:N", title="Open")])
    line = base.mark_line(color="#1f4e9c", strokeWidth=3)
    points = base.mark_point(filled=True, size=120, color="#1f4e9c")
    labels = base.mark_text(dy=-16, fontSize=FONT).encode(text="label:N")
    layers = [line, points, labels]
    if current is not None:
        mark = alt.Chart(rows[rows["current"]]).encode(x="sites:O", y="total_cost_usd:Q")
        layers += [mark.mark_point(shape="diamond", size=500, color="#d7191c", filled=True),
                   mark.mark_text(dy=26, fontSize=FONT, color="#d7191c", fontWeight="bold")
                   .encode(text=alt.value("current design"))]
    return _styled(alt.layer(*layers), "Cheapest network for each number of sites")


def service_chart(frame: pd.DataFrame, scenario: Scenario) -> alt.Chart:
    rows = frame.dropna(subset=["total_cost_usd"])
    long = rows.melt(id_vars=["sites"], value_vars=["within_1_day", "within_2_days"],
                     var_name="promise", value_name="share")
    long["promise"] = long["promise"].map({"within_1_day": "within 1 day",
                                           "within_2_days": "within 2 days"})
    long["label"] = [fmt.pct(v, 0) for v in long["share"]]
    base = alt.Chart(long).encode(
        x=alt.X("sites:O", title="Number of sites", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="Share of orders", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%")),
        color=alt.Color("promise:N", title=None,
                        scale=alt.Scale(range=["#2c7bb6", "#f59646"]),
                        legend=alt.Legend(orient="bottom", labelFontSize=FONT)),
        tooltip=[alt.Tooltip("sites:O"), alt.Tooltip("promise:N"),
                 alt.Tooltip("share:Q", format=".1%")])
    layers = [base.mark_line(strokeWidth=3), base.mark_point(filled=True, size=100),
              base.mark_text(dy=-14, fontSize=FONT - 1).encode(text="label:N")]
    targets = pd.DataFrame([{"share": t.share_pct / 100,
                             "label": f"target: {t.share_pct:g}% within {t.within_days} d"}
                            for t in scenario.targets.share_targets if t.within_days <= 2])
    if not targets.empty:
        rule = alt.Chart(targets).encode(y="share:Q")
        layers += [rule.mark_rule(strokeDash=[6, 4], color="#555", strokeWidth=2),
                   rule.mark_text(align="left", x=4, dy=-8, fontSize=FONT - 1, color="#333")
                   .encode(text="label:N")]
    return _styled(alt.layer(*layers), "Orders delivered within 1 and 2 days")


def _styled(chart, title: str) -> alt.Chart:
    return (chart.properties(title=title, height=340)
            .configure_axis(labelFontSize=FONT, titleFontSize=FONT, labelColor="#111827",
                            titleColor="#111827")
            .configure_title(fontSize=FONT + 3, anchor="start", color="#111827"))


def sweep_table(frame: pd.DataFrame) -> None:
    """The sweep as text formatted for reading aloud: USD with separators, days with one
    decimal, shares as percentages; '—' where a count has no design."""
    def text(column: str, fn) -> list[str]:
        if column not in frame:
            return ["—"] * len(frame)
        return ["—" if pd.isna(v) else fn(v) for v in frame[column]]

    shown = pd.DataFrame({
        "Sites": frame["sites"],
        "Annual cost": text("total_cost_usd", fmt.usd),
        "Change vs one fewer site": text("change_vs_one_fewer_usd", fmt.signed_usd),
        "Per order": text("cost_per_order_usd", fmt.usd_cents),
        "Average delivery": text("avg_delivery_days", fmt.days),
        "Within 1 day": text("within_1_day", fmt.pct),
        "Within 2 days": text("within_2_days", fmt.pct),
        "Open sites": text("open_sites", str),
        "Status": frame["status"],
        "Why no design": text("why", str)})
    if "why" not in frame:
        shown = shown.drop(columns="Why no design")
    st.dataframe(shown, hide_index=True, width="stretch")


def show_network(scenario: Scenario, result, k: int) -> None:
    """The chosen point's network on the map (one map on this page: WebGL contexts are few)."""
    kp = result.evaluation.kpis
    st.markdown(f"**{k} site{'s' if k > 1 else ''}:** {', '.join(result.open_site_ids)} · "
                f"{fmt.usd(kp.total_cost_usd)} a year · {fmt.usd_cents(kp.cost_per_order_usd)} "
                f"per order · {fmt.days(kp.avg_delivery_days)} on average · "
                f"{fmt.pct(kp.share_within_days.get(2, 1.0))} within 2 days")
    deck = maps.network_deck(scenario, data.lanes(scenario), result.evaluation)
    st.pydeck_chart(deck, height=520, key="tradeoff_map")
    legend(result.evaluation)
