"""Showing a solve: KPI cards with deltas, cost and delivery-day charts, the per-site table, and
the optimizer's explanation when no network meets the targets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from network import carrier_mix
from network.evaluate import Evaluation
from network.scenario import Scenario
from ui import fmt, settings_tabs, state
from ui.saved import Figures
from ui.state import SolveRecord

NAMED_ZIP3 = re.compile(r"\bZIP3 \d{3}\b")  # how the optimizer's explanation names one
TARGETS_TAB = settings_tabs.TARGETS_TAB
CROSS_BORDER_TAB = settings_tabs.CROSS_BORDER_TAB
ORDERS_TAB = settings_tabs.ORDERS_TAB
Measure = Callable[[Figures], float]  # one KPI card's number
Formatter = Callable[[float], str]  # its signed change as shown
COST_HELP = ("Fixed + inventory + goods to the US + customs + inbound + handling + outbound + "
             "returns, per year; cross-border orders have the same elements. Rates: "
             "large-shipper prices (USPS commercial; UPS and FedEx list less an estimated "
             "discount), sources in Settings → Rate cards; other costs in Settings, many marked "
             "estimate.")


@dataclass(frozen=True)
class BaselineView:
    """The pinned baseline as the KPI cards show it: its label and figures (None with the
    reason when it has none for this scenario)."""

    label: str
    figures: Figures | None
    problem: str = ""


@dataclass(frozen=True)
class KpiPlaces:
    """Where `show_kpis` draws: a column per card (three rows beside the map: the total given
    room first) and, under them, a place for the targets' lines and the notes that follow."""

    cards: tuple[DeltaGenerator, ...]
    below: DeltaGenerator


def kpi_places() -> KpiPlaces:
    """The KPI cards' rows and columns, empty: the Designer draws them before it waits for an
    edit's solve when that run will most likely show a design (the old cards stay on screen
    in them until the new ones come)."""
    cards = (*st.columns([1.35, 1]), *st.columns([1.35, 1]), *st.columns(3))
    return KpiPlaces(cards, st.container())


def show_kpis(record: SolveRecord, previous: SolveRecord | None,
              baseline: BaselineView | None = None, places: KpiPlaces | None = None) -> None:
    """The KPI cards of a solve with a design, each with its change since the previous solve
    and, when a baseline is pinned, against the baseline (`places`: the cards' places if
    drawn already, `kpi_places`)."""
    places = kpi_places() if places is None else places
    k = Figures.of(record.result.evaluation.kpis)
    p = Figures.of(previous.result.evaluation.kpis) if previous is not None else None
    b = baseline.figures if baseline is not None else None

    def card(col: DeltaGenerator, label: str, value: str, fn: Measure, fmt_fn: Formatter,
             color: str = "normal", help: str | None = None) -> None:
        delta = _delta(fn, fmt_fn, color, k, p)
        if b is None:  # the metric's own border: one element where a bordered box and the
            col.metric(label, value, help=help, border=True, **delta)  # metric were two
            return  # (each element the browser renders again on every edit)
        with col.container(border=True):  # the metric and its baseline line in one box
            st.metric(label, value, help=help, **delta)
            st.caption(_baseline_text(fmt_fn(fn(k) - fn(b)), color))

    # Beside the map (two fifths of the width): three short rows, the total given room first
    row = places.cards[:2]
    total = fmt.usd_card(k.total_cost_usd)
    full = fmt.usd(k.total_cost_usd).replace("$", "\\$")  # a bare $ starts LaTeX in markdown
    exact = "" if total == fmt.usd(k.total_cost_usd) else f"**{full}** a year. "
    card(row[0], "Total annual cost", total, lambda x: x.total_cost_usd, fmt.signed_usd,
         "inverse", exact + COST_HELP)
    card(row[1], "Cost per order", fmt.usd_cents(k.cost_per_order_usd),
         lambda x: x.cost_per_order_usd, fmt.signed_usd_cents, "inverse",
         f"Total annual cost / {fmt.count(record.result.evaluation.kpis.orders_per_year)} "
         "orders a year")
    row = places.cards[2:4]
    card(row[0], "Average delivery", fmt.days(k.avg_delivery_days), lambda x: x.avg_delivery_days,
         fmt.signed_days, "inverse", "Business days from order to door, weighted by orders: "
         "processing days + carrier transit days by zone (data/rate_cards/transit_days.csv)")
    card(row[1], "Sites open", str(k.n_open_sites), lambda x: x.n_open_sites, fmt.signed_count,
         "off")
    row = places.cards[4:]
    for col, d in zip(row, (1, 2, 3), strict=True):
        card(col, f"Within {fmt.day_count(d)}", fmt.pct(k.share_within_days[d]),
             lambda x, d=d: x.share_within_days[d], fmt.signed_points)
    targets = record.result.evaluation.targets
    with places.below:
        for t in targets:
            mark = ":green[:material/check_circle:]" if t.met else ":red[:material/cancel:]"
            st.markdown(f"{mark} **Target** {'met' if t.met else 'missed'}: {t.description}")
        if baseline is not None:
            label = fmt.md_text(baseline.label)
            note = (f"Second line of each card: change against the baseline, **{label}**."
                    if b is not None else
                    f"Baseline **{label}**: no figures ({fmt.md_text(baseline.problem)}).")
            st.caption(note)


def _delta(fn: Measure, fmt_fn: Formatter, color: str, k: Figures, p: Figures | None) -> dict:
    """st.metric's delta arguments: the change since the previous solve as shown, or 'no
    change' (grey, no arrow) when it is zero at the card's precision, not a red or green
    '+$0'."""
    if p is None:
        return {}
    text = fmt_fn(fn(k) - fn(p))
    if fmt.is_zero_change(text):
        return {"delta": "no change", "delta_color": "off", "delta_arrow": "off"}
    return {"delta": text, "delta_color": color}


def _baseline_text(change: str, color: str) -> str:
    """'−$12,345 vs baseline' coloured as st.metric colours its delta: green when better
    (lower for costs and days, higher for shares), grey for no change or no direction."""
    if fmt.is_zero_change(change):
        return ":gray[same as the baseline]"
    up = change.startswith("+")
    good = {"normal": up, "inverse": not up}.get(color)
    tint = "gray" if good is None else ("green" if good else "red")
    escaped = change.replace("$", "\\$")  # a bare $ starts LaTeX in markdown
    return f":{tint}[{escaped} vs baseline]"


def show_explanation(record: SolveRecord) -> None:
    """Why there is no network: the optimizer's sentences, plainly, and what to change (or,
    when its design failed the independent check, each violation)."""
    result = record.result
    status = result.status.value
    if status == "check_failed":  # a defect: the scenario is not at fault, and nothing to change
        st.error("**The optimizer's design fails the independent check (evaluate)**, so it is "
                 "not a result.")
        st.markdown("\n".join(f"- {fmt.md_text(s)}" for s in result.explanation))
        return
    if status == "infeasible":
        st.error("**No network meets the targets and constraints.**")
    elif status == "no_solution":
        st.warning("**No network was found within the time limit.**")
    else:
        st.error("**The scenario cannot be solved as it stands.**")
    sentences = result.explanation or ("The optimizer gave no further explanation.",)
    st.markdown("\n".join(f"- {fmt.md_text(s)}" for s in sentences))  # names sites: user text
    tips = advice(record.scenario, sentences)
    st.info("**What to change:** " + "; ".join(t.shown for t in tips) + ".")
    for tab in _tabs_of(tips):
        if st.button(f"Open Settings → {tab}", icon=":material/tune:", key=f"open_tab:{tab}"):
            settings_tabs.open_tab(tab)


@dataclass(frozen=True)
class Tip:
    """One piece of advice and the Settings tab where it is done (None: not in Settings); the
    tab is named in the advice as shown and gets the page's button, from this one field."""

    text: str
    tab: str | None = None

    @property
    def shown(self) -> str:
        return self.text if self.tab is None else f"{self.text} (Settings → {self.tab})"


def advice(scenario: Scenario, explanation: tuple[str, ...]) -> list[Tip]:
    """What a planner can change when no network meets the targets: only what applies to
    this scenario and its explanation."""
    tips = [Tip("relax the delivery targets or allow more sites", TARGETS_TAB)]
    closed = scenario.constraints.forced_closed
    if closed:
        tips.append(Tip(f"let forced-closed sites open ({fmt.md_text(', '.join(closed))}: "
                        "Candidate sites, below the map)"))
    if any(NAMED_ZIP3.search(s) for s in explanation):
        tips.append(Tip("add candidate sites near the ZIP3s named above"))
    else:
        tips.append(Tip("add candidate sites nearer the demand the targets miss (search above "
                        "the map)"))
    if any("peak multiplier" in s for s in explanation):  # explain.py's two capacity checks
        tips.append(Tip("raise the capacity of the sites (Candidate sites, below the map) or "
                        "lower the peak-season multiplier", ORDERS_TAB))
    if not scenario.costs.cross_border.enabled:
        tips.append(Tip("enable cross-border direct", CROSS_BORDER_TAB))
    return tips


def what_to_change(scenario: Scenario, explanation: tuple[str, ...]) -> list[str]:
    """The advice as the page shows it (`advice`)."""
    return [t.shown for t in advice(scenario, explanation)]


def settings_tabs_to_open(scenario: Scenario, explanation: tuple[str, ...]) -> list[str]:
    """The Settings tabs the advice names (`advice`), in its order, each opened by its own
    button."""
    return _tabs_of(advice(scenario, explanation))


def _tabs_of(tips: list[Tip]) -> list[str]:
    return list(dict.fromkeys(t.tab for t in tips if t.tab is not None))


def site_use_frame(evaluation: Evaluation) -> pd.DataFrame:
    rows = [{"Site": u.name, "Id": u.site_id, "Orders per year": u.orders_per_year,
             "Utilization at peak": 100 * u.utilization_share,
             "Fixed cost (USD/yr)": u.fixed_cost_usd_per_year,
             "Variable cost (USD/yr)": u.variable_cost_usd_per_year,
             "Total cost (USD/yr)": u.fixed_cost_usd_per_year + u.variable_cost_usd_per_year}
            for u in evaluation.sites if u.is_open]
    return pd.DataFrame(rows).sort_values("Orders per year", ascending=False)


def carrier_mix_frame(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """Parcels by carrier service in a design (a rate-shopped ZIP3 counts each parcel weight
    under the service that carries it), with the average cost per parcel of each."""
    mix = carrier_mix.by_service(scenario, evaluation)
    names = {s.service_id: s.name for s in scenario.services}
    return pd.DataFrame({"Carrier": mix["carrier"], "Service": mix["service"].map(names),
                         "Parcels per year": mix["parcels"], "Share of parcels": 100 * mix["share"],
                         "USD per parcel": mix["usd_per_parcel"]})


def carrier_by_weight_zone_frame(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """Rows: parcel weight; columns: zone; cells: the carriers' shares of those parcels."""
    table = carrier_mix.by_weight_and_zone(scenario, evaluation)
    text = table.apply(lambda r: ", ".join(f"{c} {fmt.pct(v, 0)}" for c, v in r.items()
                                           if v >= 0.005), axis=1)
    frame = text.unstack("zone")
    frame.columns = [f"Zone {z}" for z in frame.columns]
    frame.index = [f"{w:g} lb" for w in frame.index]
    return frame.fillna("").rename_axis("Parcel").reset_index()


def show_carrier_mix(scenario: Scenario, mix: pd.DataFrame, by_weight_zone: pd.DataFrame
                     ) -> None:
    """The carrier mix (`carrier_mix_frame`) and who carries which parcels
    (`carrier_by_weight_zone_frame`)."""
    st.dataframe(mix, hide_index=True, width="stretch",
                 column_config={
                     "Parcels per year": st.column_config.NumberColumn(format="%,.0f"),
                     "Share of parcels": st.column_config.NumberColumn(format="%.1f%%"),
                     "USD per parcel": st.column_config.NumberColumn(format="$%.2f")})
    st.markdown("**Which carrier takes which parcels**, by weight and zone")
    st.dataframe(by_weight_zone, hide_index=True, width="stretch")
    shop = ("each parcel goes by the cheapest service for its weight and zone among those "
            "that meet the ZIP3's delivery days (its days are the slowest such service's)"
            if scenario.costs.rate_shop_per_parcel else
            "each ZIP3 takes one site and service for its whole weight mix")
    st.caption(f"Parcels shipped from US sites: {shop}. Rates are large-shipper prices: USPS "
               "commercial, UPS and FedEx list less an estimated discount; each service's "
               "source and the cheapest service per parcel by weight and zone are in Settings "
               "→ Rate cards.")


def show_site_use(frame: pd.DataFrame) -> None:
    """The open sites (`site_use_frame`)."""
    money = st.column_config.NumberColumn(format="$%,.0f")
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "Orders per year": st.column_config.NumberColumn(format="%,.0f"),
        "Utilization at peak": st.column_config.ProgressColumn(
            format="%.0f%%", min_value=0.0, max_value=100.0,
            help="Orders x peak-season multiplier / capacity"),
        "Fixed cost (USD/yr)": money, "Variable cost (USD/yr)": money,
        "Total cost (USD/yr)": money})


# The results below the map, one tab at a time: only the open tab's content is built and sent
# (`st.tabs` with on_change), so an edit's rerun sends its two charts, not two charts, a table
# and three data grids (BENCHMARKS.md, Issue 15 §4, branch app8). The open tab is remembered
# for the session, across solves, edits and page switches.
RESULTS_TAB_KEY = "results_tab"
RESULTS_TAB_MEMORY = "results_tab_remembered"
COSTS_TAB, STATUS_QUO_TAB, SITES_TAB, MIX_TAB = RESULT_TABS = (
    "Cost and delivery days", "Against the status quo", "Open sites", "Carrier mix")
TAB_VIEWS = {COSTS_TAB: ("cost", "days"), STATUS_QUO_TAB: ("status_quo",),
             SITES_TAB: ("site_use",), MIX_TAB: ("mix", "by_weight_zone")}


def open_results_tab() -> str:
    """The results tab open in this session (the first until the planner picks another)."""
    if st.session_state.get(RESULTS_TAB_KEY) not in RESULT_TABS:  # first run, or back from
        st.session_state[RESULTS_TAB_KEY] = st.session_state.get(  # another page
            RESULTS_TAB_MEMORY, COSTS_TAB)
    return st.session_state[RESULTS_TAB_KEY]


def _remember_results_tab() -> None:
    st.session_state[RESULTS_TAB_MEMORY] = st.session_state[RESULTS_TAB_KEY]


def result_views(record: SolveRecord, tab: str) -> dict:
    """What `show_results` draws from a solve in its tab `tab` (chart specs, tables), each
    built once per solve (`state.derived`): by the Designer before it sends any of the solve's
    elements (`panels.build_ahead`), so that they leave together."""
    from ui import charts, status_quo  # here: the first page needs no chart

    evaluation, scenario = record.result.evaluation, record.scenario
    makers = {"cost": lambda: charts.cost_spec(evaluation),
              "days": lambda: charts.days_spec(evaluation),
              "status_quo": lambda: status_quo.comparison_frame(scenario, evaluation),
              "site_use": lambda: site_use_frame(evaluation),
              "mix": lambda: carrier_mix_frame(scenario, evaluation),
              "by_weight_zone": lambda: carrier_by_weight_zone_frame(scenario, evaluation)}
    return {name: state.derived(record, name, makers[name]) for name in TAB_VIEWS[tab]}


def results_tabs() -> dict[str, DeltaGenerator]:
    """The results' tabs (each tab's place by its title) and the note on the sources under
    them: what `show_results` draws before the tabs' content. The Designer draws them before
    it waits for an edit's solve when the page shows a design already."""
    open_results_tab()  # the tab kept for the session, before the tabs are made
    boxes = dict(zip(RESULT_TABS, st.tabs(RESULT_TABS, key=RESULTS_TAB_KEY,
                                           on_change=_remember_results_tab), strict=True))
    st.caption("Site costs and capacities: data/candidate_sites.csv (each figure's source per "
               "row; many are estimates). Other costs: Settings, each with its source or marked "
               "estimate.")
    return boxes


def show_results(record: SolveRecord, boxes: dict[str, DeltaGenerator] | None = None) -> None:
    """Charts, the status quo, the per-site table and the carrier mix of a solve with a design,
    each in a tab of its own (`boxes`: the tabs of `results_tabs` if drawn already); only the
    open tab's content is built."""
    from ui import status_quo

    tab = open_results_tab()
    views, scenario = result_views(record, tab), record.scenario
    if boxes is None:
        boxes = results_tabs()
    with boxes[tab]:
        if tab == COSTS_TAB:
            left, right = st.columns(2)
            left.vega_lite_chart(views["cost"], width="stretch")
            right.vega_lite_chart(views["days"], width="stretch")
        elif tab == STATUS_QUO_TAB:
            status_quo.show_status_quo(scenario, views["status_quo"])
        elif tab == SITES_TAB:
            show_site_use(views["site_use"])
        else:
            show_carrier_mix(scenario, views["mix"], views["by_weight_zone"])
