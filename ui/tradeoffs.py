"""The Tradeoffs page pieces: the cheapest network for exactly k sites, k = 1..N, as cost and
delivery-share curves, with the current design marked and any point shown on the map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from network.scenario import Scenario
from ui import data, fmt, maps, state
from ui.panels import legend


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


def sweep_controls(scenario: Scenario) -> tuple[tuple[int, ...], list] | None:
    """The slider and button; the sweep for this scenario and counts if run (now or before)."""
    n = st.slider("Up to how many sites", min_value=2, max_value=15, key="tradeoff_counts")
    counts = tuple(range(1, min(n, len(scenario.sites)) + 1))
    key = data.scenario_key(scenario)
    if st.button(f"Compare 1 to {counts[-1]} sites", type="primary", key="run_sweep"):
        with st.spinner(f"Solving for 1 to {counts[-1]} sites…", show_time=True):
            st.session_state["sweep"] = (key, counts, data.sweep_for(scenario, key, counts))
    sweep = st.session_state["sweep"]
    if sweep is None or sweep[0] != key or sweep[1] != counts:
        return None
    return counts, sweep[2]


def count_clicked(event) -> int | None:
    """The site count clicked on the sweep chart, the first time it is clicked (afterwards the
    radio below the chart decides, so a stale chart selection does not override it)."""
    from ui.charts import PICK

    picked = ((event or {}).get("selection") or {}).get(PICK) or []
    k = picked[0].get("sites") if picked else None
    if k is None or k == st.session_state["tradeoff_clicked"]:
        return None
    st.session_state["tradeoff_clicked"] = k
    return int(k)


def current_site_count(scenario: Scenario) -> int | None:
    """Sites open in the last solve of this scenario, if any."""
    record = state.last_solve()
    if record is None or record.scenario_key != data.scenario_key(scenario):
        return None
    return record.result.evaluation.kpis.n_open_sites if record.result.status.has_design \
        else None


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
    sites = fmt.md_text(", ".join(result.open_site_ids))
    st.markdown(f"**{k} site{'s' if k > 1 else ''}:** {sites} · "
                f"{fmt.usd(kp.total_cost_usd)} a year · {fmt.usd_cents(kp.cost_per_order_usd)} "
                f"per order · {fmt.days(kp.avg_delivery_days)} on average · "
                f"{fmt.pct(kp.share_within_days.get(2, 1.0))} within 2 days")
    deck = maps.network_deck(scenario, data.lanes(scenario), result.evaluation,
                             basemap=state.basemap())
    st.pydeck_chart(deck, height=520, key="tradeoff_map")
    legend(result.evaluation)
