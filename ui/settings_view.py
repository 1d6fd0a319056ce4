"""The Settings page sections. Each section is a form: its changes apply together when its
button is pressed, after the scenario checks; on any problem the old scenario stays and every
problem is listed with its row and field. Uploads are checked the same way."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from network.demand import left_out_orders
from network.errors import InputError
from network.fields import Range
from network.scenario import Scenario
from network.tables import DEMAND_MAX_ROWS, RATE_CARD_MAX_ROWS
from ui import data, edits, fmt, state
from ui import settings_edits as se
from ui.uploads import show_problems, uploader

SHOWN_ZIP3S = 12

def _apply(make: Callable[[], Scenario], what: str) -> None:
    """Build the edited scenario; make it current, or show why it was rejected."""
    try:
        new = make()
    except InputError as err:
        show_problems(err, f"{what} not applied.")
        return
    if data.scenario_key(new) == data.scenario_key(state.scenario()):
        st.info("Nothing changed.")
        return
    state.set_scenario(new, f"{what} applied.")
    st.rerun()


def _limits(allowed: Range) -> dict:
    """A number input's bounds from the scenario definition (its check is in settings_edits;
    an exclusive bound such as growth > -100 % is offered, then refused with the reason)."""
    return {"min_value": allowed.minimum, "max_value": allowed.maximum}


def _source(scenario: Scenario, *keys: str) -> str:
    sources = dict(scenario.costs.sources)
    found = [f"{k}: {sources[k]}" for k in keys if k in sources]
    return " · ".join(found) if found else "estimate"


def demand_section(scenario: Scenario) -> None:
    d = scenario.demand
    with st.form("demand_form"):
        cols = st.columns(3)
        millions = cols[0].number_input("Annual orders (millions)", value=d.annual_orders / 1e6,
                                        step=1.0, format="%.3f", disabled=bool(d.orders_by_zip3),
                                        **_limits(se.ANNUAL_ORDERS.scaled(1e-6)))
        growth = cols[1].number_input("Growth (%)", value=float(d.growth_pct), step=1.0,
                                      **_limits(se.GROWTH_PCT))
        offshore = cols[2].checkbox("Include Alaska, Hawaii and territories",
                                    value=d.include_noncontiguous)
        if st.form_submit_button("Apply demand"):
            _apply(lambda: se.apply_demand(scenario, millions * 1e6, growth, offshore),
                   "Demand")
    total = d.annual_orders * (1 + d.growth_pct / 100)
    st.caption(f"Now: {fmt.count(total)} orders a year. Source: {fmt.md_text(d.source)}.")
    left_out_warning(scenario)
    if d.orders_by_zip3 and st.button("Use population demand again", key="population_demand"):
        _apply(lambda: se.population_demand(scenario), "Population demand")
    uploader("Upload your own demand (CSV: zip3 or zip5, orders_per_year)", "demand_upload",
             edits.apply_demand_upload, "Demand file", DEMAND_MAX_ROWS)


def left_out_warning(scenario: Scenario) -> None:
    """Uploaded orders in Alaska, Hawaii or the territories while they are excluded: how many,
    where, what happens to them, and a button to include them."""
    out = left_out_orders(scenario)
    if out is None:
        return
    shown = ", ".join(out.zip3[:SHOWN_ZIP3S]) + (", ..." if len(out.zip3) > SHOWN_ZIP3S else "")
    st.warning(
        f"**{fmt.count(out.orders_per_year)} uploaded orders a year ({100 * out.share:.1f}% of "
        f"the file) are in {', '.join(out.states)}, which this scenario leaves out** "
        f"({len(out.zip3)} ZIP3s: {shown}). They are not served: the annual total, theirs "
        "included, is spread over the included ZIP3s in proportion to the file's orders there.")
    if st.button("Include Alaska, Hawaii and the territories", key="include_left_out"):
        d = scenario.demand
        _apply(lambda: se.apply_demand(scenario, d.annual_orders, d.growth_pct, True), "Demand")


def orders_section(scenario: Scenario) -> None:
    c = scenario.costs
    with st.form("orders_form"):
        left, right = st.columns([1, 1])
        with left:
            st.markdown("**Package weight mix**")
            mix = st.data_editor(se.weight_mix_table(scenario), width="stretch",
                                 num_rows="dynamic", hide_index=True, column_config={
                                     "weight_lb": st.column_config.NumberColumn(
                                         "Up to (lb)", format="%.1f", **_limits(se.WEIGHT_LB)),
                                     "share_pct": st.column_config.NumberColumn(
                                         "Orders (%)", format="%.1f",
                                         **_limits(se.SHARE_PCT))})
            st.caption(f"Source: {_source(scenario, 'weight_mix')}")
        with right:
            rate = st.number_input("Return rate (%)", value=100 * c.returns.return_rate_share,
                                   step=1.0, **_limits(se.RETURN_RATE_PCT))
            days = st.number_input("Processing days before shipping", value=c.processing_days,
                                   step=1, **_limits(se.PROCESSING_DAYS))
            pick = st.number_input("Pick and pack (USD per order)",
                                   value=float(c.pick_pack_usd_per_order), step=0.25,
                                   **_limits(se.PICK_PACK_USD))
            peak = st.number_input("Peak-season multiplier", value=float(c.peak_multiplier),
                                   step=0.05, **_limits(se.PEAK_MULTIPLIER))
        if st.form_submit_button("Apply orders and costs"):
            _apply(lambda: se.apply_orders_profile(scenario, mix, rate, days, pick, peak),
                   "Orders and costs")
    st.caption(_source(scenario, "returns.return_rate_share", "processing_days",
                       "pick_pack_usd_per_order", "peak_multiplier"))


def targets_section(scenario: Scenario) -> None:
    t, k = scenario.targets, scenario.constraints
    with st.form("targets_form"):
        left, right = st.columns([1, 1])
        with left:
            st.markdown("**Delivery promise**")
            table = st.data_editor(se.targets_table(scenario), width="stretch",
                                   num_rows="dynamic", hide_index=True, column_config={
                                       "within_days": st.column_config.NumberColumn(
                                           "Within (days)", format="%d", step=1,
                                           **_limits(se.WITHIN_DAYS)),
                                       "share_pct": st.column_config.NumberColumn(
                                           "At least (% of orders)", format="%.1f",
                                           **_limits(se.TARGET_PCT))})
            st.caption("One row per promise, e.g. 90% of orders within 2 days. Add or delete "
                       "rows in the table.")
        with right:
            max_days = st.number_input("No ZIP3 over this many days (0 = no limit)",
                                       value=t.max_days_any_zip3 or 0, step=1, min_value=0,
                                       max_value=se.MAX_DAYS.maximum)
            low = st.number_input("Minimum number of sites", value=k.min_sites, step=1,
                                  **_limits(se.MIN_SITES))
            high = st.number_input("Maximum number of sites (0 = no limit)",
                                   value=k.max_sites or 0, step=1, min_value=0,
                                   max_value=se.MAX_SITES.maximum)
        if st.form_submit_button("Apply targets and limits"):
            _apply(lambda: se.apply_targets(scenario, table, max_days, low, high),
                   "Targets and limits")


def _number_inputs(scenario: Scenario, section: str, labels: dict[str, str],
                   steps: dict[str, float], columns: int = 3) -> dict[str, float | None]:
    """One number input per field of a costs section, with the definition's limits (a field
    that may be left out shows blank when it is); steps of 1,000 or more show whole numbers."""
    owner = se.SECTION_CLASSES[section]
    current = getattr(scenario.costs, section) if section else scenario.costs
    cols = st.columns(columns)
    values: dict[str, float | None] = {}
    for i, (name, label) in enumerate(labels.items()):
        value = getattr(current, name)
        allowed = Range.of(owner, name)
        kind = int if allowed.integer else float
        step = steps.get(name, 1)
        whole = {"format": "%.0f"} if step >= 1000 else {}
        values[name] = cols[i % columns].number_input(
            label, value=None if value is None else kind(value), step=kind(step),
            **_limits(allowed), key=f"{section or 'costs'}_{name}", **whole)
    return values


def inbound_section(scenario: Scenario) -> None:
    """The domestic path's goods to the US: freight to the ports, trucks to the sites,
    receiving."""
    with st.form("ports_form"):
        ports = st.data_editor(se.ports_table(scenario), num_rows="dynamic",
                               hide_index=True, width="stretch", column_config={
                                   "name": "Port", "lat": st.column_config.NumberColumn(
                                       "Latitude", format="%.2f", **_limits(se.LATITUDE)),
                                   "lon": st.column_config.NumberColumn(
                                       "Longitude", format="%.2f", **_limits(se.LONGITUDE)),
                                   "share_pct": st.column_config.NumberColumn(
                                       "Share of imports (%)", format="%.1f",
                                       **_limits(se.PORT_SHARE_PCT)),
                                   "freight_usd_per_container": st.column_config.NumberColumn(
                                       "Freight to port (USD per 40 ft)", format="$%,.0f",
                                       help="Origin to this port; blank: the figure below",
                                       **_limits(se.PORT_FREIGHT_USD))})
        numbers = _number_inputs(scenario, "inbound", {
            "freight_usd_per_container": "Freight to a port without its own (USD per 40 ft)",
            "orders_per_container": "Orders per container",
            "receiving_usd_per_container": "Receiving at the site (USD per container)",
            "truckload_usd_per_mile": "Truckload port to site (USD per mile)"},
            {"freight_usd_per_container": 50, "orders_per_container": 100,
             "receiving_usd_per_container": 25, "truckload_usd_per_mile": 0.05}, columns=4)
        if st.form_submit_button("Apply ports and inbound costs"):
            _apply(lambda: se.apply_inbound(scenario, ports, numbers), "Ports and inbound costs")
    st.caption(_source(scenario, "inbound.ports", "inbound.freight_usd_per_container",
                       "inbound.orders_per_container", "inbound.receiving_usd_per_container",
                       "inbound.truckload_usd_per_mile"))


def customs_section(scenario: Scenario) -> None:
    """Duty and entry costs: both paths, side by side."""
    st.markdown("Duty is charged on both paths on the customs value, the price the importer "
                "pays for the goods (freight to the US not included). Imports in bulk pay one "
                "entry per container, spread over its orders; cross-border parcels one entry "
                "each (duty-free de minimis entry is suspended).")
    with st.form("customs_form"):
        numbers = _number_inputs(scenario, "customs", {
            "duty_rate_pct": "Duty (% of the customs value)",
            "goods_value_usd_per_order": "Customs value of an order's goods (USD)",
            "parcel_value_usd_per_order": "Value declared on a cross-border parcel (USD; "
                                          "blank: the same)",
            "entry_usd_per_container": "Entry per container, bulk (USD)",
            "entry_usd_per_parcel": "Entry per cross-border parcel (USD)"},
            {"duty_rate_pct": 0.5, "goods_value_usd_per_order": 1,
             "parcel_value_usd_per_order": 1, "entry_usd_per_container": 25,
             "entry_usd_per_parcel": 0.5})
        if st.form_submit_button("Apply customs"):
            _apply(lambda: se.apply_customs(scenario, numbers), "Customs")
    st.caption(_source(scenario, *(f"customs.{k}" for k in se.CUSTOMS_NUMBERS)))


RETURN_LABELS = {"return_label": "Prepaid international return label (goods come back)",
                 "refund_without_return": "Refund without return (goods' value lost)"}


def cross_border_section(scenario: Scenario) -> None:
    xb = scenario.costs.cross_border
    with st.form("cross_border_form"):
        left, right = st.columns([1, 2])
        enabled = left.checkbox("Allow cross-border direct", value=xb.enabled,
                                help="Ship orders from abroad, no US site")
        policy = right.radio("A returned cross-border order", list(RETURN_LABELS),
                             format_func=RETURN_LABELS.get, horizontal=True,
                             index=list(RETURN_LABELS).index(xb.return_policy),
                             help="The return rate and processing cost are those of Orders and "
                                  "costs; a refund without return loses the customs value of "
                                  "the goods (Customs)")
        numbers = _number_inputs(scenario, "cross_border", {
            "parcel_usd_per_parcel": "International parcel (USD per parcel)",
            "parcel_usd_per_lb": "International parcel (USD per lb)",
            "pick_pack_usd_per_order": "Exporter's pick and pack (USD per order)",
            "return_label_usd": "International return label (USD)",
            "delivery_days": "Delivery days"},
            {"parcel_usd_per_parcel": 0.5, "parcel_usd_per_lb": 0.1,
             "pick_pack_usd_per_order": 0.25, "return_label_usd": 0.5})
        if st.form_submit_button("Apply cross-border"):
            _apply(lambda: se.apply_cross_border(scenario, enabled, policy, numbers),
                   "Cross-border")
    st.caption(_source(scenario, *(f"cross_border.{k}" for k in se.CROSS_BORDER_NUMBERS)))


def inventory_section(scenario: Scenario) -> None:
    st.markdown("**Inventory (safety stock)**: carrying cost a year = the one-site figure x "
                "sqrt(open sites) x (orders a year / reference orders)^exponent; none with no "
                "US site open.")
    with st.form("inventory_form"):
        numbers = _number_inputs(scenario, "", {
            "safety_stock_usd_per_year_one_site": "Safety stock with one site (USD a year)",
            "safety_stock_reference_orders_per_year": "at this many orders a year",
            "safety_stock_volume_exponent": "Volume exponent (0.5: independent demand)"},
            {"safety_stock_usd_per_year_one_site": 1e6,
             "safety_stock_reference_orders_per_year": 1e6,
             "safety_stock_volume_exponent": 0.05})
        if st.form_submit_button("Apply inventory"):
            _apply(lambda: se.apply_inventory(scenario, numbers), "Inventory")
    st.caption(_source(scenario, *se.INVENTORY_NUMBERS))


RATE_BASIS = (
    "**Price basis.** The default cards are what a large shipper pays: USPS commercial prices, "
    "and UPS and FedEx list prices less a typical large-shipper discount, an estimate (each "
    "service's source below; docs/sources.md in the project). Upload your negotiated cards on "
    "the same basis: your net rates per parcel, before the fuel and residential surcharges "
    "set for the service.")


def rate_cards_section(scenario: Scenario) -> None:
    st.markdown(RATE_BASIS)
    with st.form("rate_shop_form", border=False):
        shop = st.checkbox(
            "Rate-shop each parcel: the cheapest service for its weight and zone, among the "
            "services that meet the lane's delivery days",
            value=scenario.costs.rate_shop_per_parcel,
            help="Off: each ZIP3 and site take one service for the whole weight mix")
        if st.form_submit_button("Apply carrier choice"):
            _apply(lambda: se.apply_rate_shopping(scenario, shop), "Carrier choice")
    names = {s.service_id: f"{s.name} ({s.carrier})" for s in scenario.services}
    service_id = st.selectbox("Service", list(names), format_func=names.get, key="card_service")
    service = scenario.service(service_id)
    st.dataframe(se.rate_card_table(scenario, service_id), hide_index=True, width="stretch",
                 column_config={f"Zone {z}": st.column_config.NumberColumn(format="$%.2f")
                                for z in range(1, 9)})
    st.caption(f"USD per package before a {service.fuel_surcharge_pct:g}% fuel surcharge and a "
               f"{fmt.usd_cents(service.residential_surcharge_usd)} residential surcharge. "
               f"Source: {fmt.md_text(service.source or 'not given')}.")
    st.markdown("**Transit business days by zone**")
    st.dataframe(se.transit_table(scenario), hide_index=True, width="stretch")
    st.markdown("**What one parcel costs** (USD, rate + fuel + residential surcharge): the "
                "cheapest service for each weight and zone is highlighted, whatever its days")
    table = se.parcel_cost_table(scenario)
    cheapest = se.cheapest_in_table(table)
    styled = table.style.apply(
        lambda _: np.where(cheapest, "background-color: #d9f2d9; font-weight: 600", ""),
        axis=None).format({c: "${:.2f}" for c in table.columns if c.startswith("Zone")})
    st.dataframe(styled, hide_index=True, width="stretch")
    uploader("Upload a negotiated rate card (CSV: service, zone, weight_lb, rate_usd[, source])",
             "rate_upload", edits.apply_rate_card_upload, "Rate card", RATE_CARD_MAX_ROWS)


def sources_section(scenario: Scenario) -> None:
    rows = [{"Parameter": k, "Source": v} for k, v in scenario.costs.sources]
    st.dataframe(rows, hide_index=True, width="stretch")
