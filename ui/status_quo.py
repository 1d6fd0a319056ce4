"""The design beside the status quo: every order shipped direct from abroad, as the company
ships today. Both are costed by the same evaluate() from the same cost elements (goods to the
US, customs, inbound, handling, outbound, returns; fixed and inventory for US sites)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from network.evaluate import Evaluation, status_quo
from network.lanes import PARTS
from network.scenario import Scenario
from ui import fmt
from ui.charts import COMPONENT_LABELS

QUO, DESIGN, CHANGE = "Status quo: all cross-border", "This design", "Change"


def comparison_frame(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame | None:
    """KPIs and cost per order by element, status quo against the design, as display text
    (None when cross-border direct is disabled: no status quo)."""
    found = status_quo(scenario, evaluation.lanes)
    if found is None:
        return None
    quo, ours = found.kpis, evaluation.kpis

    def row(label: str, value, text, signed) -> dict:
        a, b = value(quo), value(ours)
        return {"": label, QUO: text(a), DESIGN: text(b), CHANGE: signed(b - a)}

    rows = [row("Total annual cost", lambda k: k.total_cost_usd, fmt.usd, fmt.signed_usd),
            row("Cost per order", lambda k: k.cost_per_order_usd, fmt.usd_cents,
                fmt.signed_usd_cents)]
    for part in ("fixed", "inventory", *PARTS):
        rows.append(row(f"· {COMPONENT_LABELS[part]}",
                        lambda k, p=part: k.cost_breakdown_usd[p] / k.orders_per_year,
                        fmt.usd_cents, fmt.signed_usd_cents))
    rows.append(row("Average delivery", lambda k: k.avg_delivery_days, fmt.days,
                    fmt.signed_days))
    for days in sorted({t.within_days for t in scenario.targets.share_targets} or {2}):
        rows.append(row(f"Orders within {days} day{'s' if days > 1 else ''}",
                        lambda k, d=days: k.share_within_days.get(d, 1.0), fmt.pct,
                        fmt.signed_points))
    return pd.DataFrame(rows)


def show_status_quo(scenario: Scenario, frame: pd.DataFrame | None) -> None:
    """The `comparison_frame` of a design, or why there is none."""
    if frame is None:
        st.caption("Cross-border direct is disabled in this scenario, so there is no status "
                   "quo to compare with (Settings → Cross-border direct).")
        return
    st.table(frame.set_index(""))
    st.caption("Per order, each element is the annual cost over all orders. Cross-border "
               "direct: international parcel, per-parcel entry and duty, the exporter's pick "
               "and pack and its return policy (Settings → Cross-border direct).")
