"""The pieces of the Designer page: solve button, placing and removing sites, the map, the
site table, undo and exports. Each reads and writes the session through `ui.state`."""

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from network.errors import InputError
from network.places import NearSite, Place, place_table, search_places, sites_near
from network.scenario import Scenario
from ui import data, edits, fmt, library, maps, results, solve, state
from ui.uploads import rejection_markdown, show_problems, uploader

# The map's key changes only to clear a stale selection (see map_selection): a new key makes
# the browser build a new map (a new WebGL context and every shader compiled again: 1 s of a
# 2 s rerun in software WebGL). So does a map that moves among the page's elements: see
# `toolbar`.
MAP_KEY = "designer_map"
SEARCH_KEY = "site_search"
NEAR_SITE_KEY = "near_site_add"
PICK_KEY = "search_pick"
SITES_UPLOAD_KEY = "sites_upload"
SITES_EXPANDER_KEY = "sites_expander"
SITES_LABEL = "Candidate sites: edit the table, or add sites from a CSV"
SAVE_EXPANDER_KEY = "save_expander"
MY_NETWORK_EXPANDER_KEY = "my_network_expander"
EXPORT_EXPANDER_KEY = "export_expander"
EXPORT_LABEL = "Export and import: JSON, CSV, GeoJSON, Excel, HTML report; open a scenario file"
MAP_HEIGHT_PX = 460  # beside the KPI cards, below the toolbar: on one 1280x720 screen
# The map takes 3/5 of the width (about 690 px at 1280): the lower 48 span about 58 degrees of
# longitude, 82.5 x 2^zoom pixels in Web Mercator, so zoom 3.0 holds them (660 px by 360).
DESIGNER_VIEW = pdk.ViewState(latitude=38.4, longitude=-96.0, zoom=3.0, pitch=0, bearing=0)
MAP_SHARE = (1.45, 1)  # map and side column (KPI cards, legend)
WHEEL_ZOOM_KEY = "map_wheel_zoom"


def show_notices() -> None:
    """This run's messages, in one container: the page's top-level elements keep their
    places whether or not there are any (see `toolbar`)."""
    with st.container():
        for kind, text in state.pop_notices():
            getattr(st, kind)(text)
        problem = library.autosave_error(st.session_state.get("session_key"))
        if problem:
            st.warning(f"**This session's work is not being autosaved** (a reload would lose "
                       f"it): {problem}")


def current_record(scenario: Scenario) -> state.SolveRecord | None:
    """The last solve if it was made for this very scenario."""
    record = state.last_solve()
    if record is not None and record.scenario_key == data.scenario_key(scenario):
        return record
    return None


# ---------------------------------------------------------------------------------------------
# The toolbar above the map: solve, undo, add a site by city or ZIP


def toolbar(scenario: Scenario) -> None:
    """One row above the map and the KPI cards; starts a solve when one is due (pressed, asked
    for by My network, or automatic after a change)."""
    cols = st.columns([1.0, 0.9, 2.2, 2.8, 1.0, 1.5], vertical_alignment="bottom")
    solve_clicked = cols[0].button("Solve", type="primary", width="stretch", key="solve_button",
                                   help="Find the cheapest network that meets the targets")
    cols[1].button("Undo", width="stretch", disabled=not state.can_undo(), key="undo_button",
                   help="Go back to the scenario before the last change", on_click=state.undo)
    query = cols[2].text_input("Add a site: city or ZIP", key=SEARCH_KEY,
                               placeholder="e.g. Reno, NV or 89501")
    places, problem = _search(query)
    if places:
        labels = [f"{p.name}, {p.state} {p.zip5} (ZIP3 {p.zip3})" for p in places]
        # One pick list per search: under a single key the browser kept the last search's
        # pick, which is not among a new search's places (Streamlit then hands back its label).
        pick_key = f"{PICK_KEY}:{query.strip().lower()}"
        cols[3].selectbox("Place", range(len(places)), format_func=lambda i: labels[i],
                          key=pick_key)
        cols[4].button("Add site", key="add_search", width="stretch", on_click=_add_picked,
                       args=(places, pick_key))
    elif problem:
        cols[3].warning(problem)
    auto = cols[5].toggle("Auto re-solve", key="auto_solve",
                          help="Solve again whenever the scenario changes (after the first "
                               "solve)")
    requested = st.session_state.pop("solve_requested", False)  # by My network
    if solve_clicked or requested:
        solve.solve(scenario, wait=True)  # the side column shows its progress, and waits
    elif auto and _auto_solve_due(scenario):  # a little for it (solve.status_area)
        solve.auto_solve(scenario, wait=True)


def side_actions(scenario: Scenario, selection: tuple[str | None, str | None]) -> None:
    """The top of the column beside the map: what to do with a new site near an existing one
    or with a map click (below them the Designer puts the solve's status and "why not this
    site?"). Here, not above the map, so that the map keeps its place on screen and among the
    page's elements (a map that moves is built anew: a new WebGL context, every shader
    compiled again)."""
    near_site_choice(scenario)
    _selection_controls(scenario, *selection)


def why_not(scenario: Scenario, selected_site: str | None) -> None:
    """"Why not this site?" for the site clicked or just added, once there is a design."""
    record = current_record(scenario)
    if record is None or not record.result.status.has_design:
        return
    from ui import whynot

    whynot.designer_panel(scenario, record, whynot.site_in_question(scenario, selected_site))


def _search(query: str) -> tuple[list[Place], str | None]:
    """Places matching a city name or ZIP, or why there are none."""
    if not query.strip():
        return [], None
    try:
        places = search_places(query, limit=6)
    except InputError as err:
        return [], "; ".join(p.message for p in err.problems)
    return places, None if places else f"No place matches '{query}'."


def map_key() -> str:
    return f"{MAP_KEY}_{st.session_state['map_epoch']}"


def map_selection() -> tuple[str | None, str | None]:
    """(ZIP3, site id) clicked on the map since the last scenario change, if any. Read once
    per run, before the map (it may change the map's key).

    The browser keeps a map click selected across reruns, so a click made before the scenario
    last changed (say, the click whose site was just added) counts as no selection: each
    selection is remembered with the scenario version it was first seen in. The browser also
    dims every other object while one is selected, so a stale selection gets the map a new key
    (one rebuild) to clear it; edits made with nothing selected keep the map as it is."""
    event = st.session_state.get(map_key())
    objects = ((event or {}).get("selection") or {}).get("objects") or {}
    version = st.session_state["scenario_version"]
    seen = st.session_state["map_selection_seen"]
    if seen is None or seen[0] != objects:
        seen = (objects, version)
        st.session_state["map_selection_seen"] = seen
    if seen[1] != version:
        if any(objects.values()):
            st.session_state["map_epoch"] += 1
            st.session_state["map_selection_seen"] = ({}, version)
        return None, None
    zips = objects.get(maps.ZIP3_LAYER) or []
    sites = objects.get(maps.SITE_LAYER) or []
    return (zips[0].get("zip3") if zips else None, sites[0].get("site_id") if sites else None)


def place_in_zip3(scenario: Scenario, zip3: str) -> Place:
    """The largest embedded place in a ZIP3, or the ZIP3's own point."""
    table = place_table()
    hits = table[table["zip3"] == zip3].sort_values("population", ascending=False)
    if not hits.empty:
        r = hits.iloc[0]
        return Place(r["name"], r["state"], float(r["lat"]), float(r["lon"]), r["zip5"],
                     zip3, int(r["population"]))
    base = scenario.zip3_base
    i = base.zip3.index(zip3)
    return Place(f"ZIP3 {zip3}", base.state[i], float(base.lat[i]), float(base.lon[i]), "",
                 zip3)


def _selection_controls(scenario: Scenario, zip3: str | None, site_id: str | None) -> None:
    if zip3 is None and site_id is None:
        return
    if zip3 is not None and zip3 in scenario.zip3_base.zip3:
        place = place_in_zip3(scenario, zip3)
        st.button(f"Add candidate site at {place.name}, {place.state} (ZIP3 {zip3})",
                  key="add_clicked", width="stretch", on_click=_ask_to_add, args=(place,))
    if site_id is not None and site_id in scenario.site_ids:
        name = scenario.site(site_id).name
        st.button(f"Remove {fmt.md_text(maps.short_name(name))} ({fmt.md_text(site_id)})",
                  key="remove_clicked", width="stretch",
                  help=f"Remove candidate site {fmt.md_text(name)} from the scenario",
                  on_click=_remove_site, args=(site_id,))


# Button callbacks: they run before the page script, so the page draws the new scenario in the
# same run; messages go to the notices shown at the top of the page.


def _add_picked(places: list[Place], pick_key: str) -> None:
    pick = st.session_state.get(pick_key)
    _ask_to_add(places[pick if isinstance(pick, int) and 0 <= pick < len(places) else 0])


def _ask_to_add(place: Place) -> None:
    """Add a site at `place`, unless a candidate is already there (within NEAR_SITE_MI or in
    its ZIP3): then ask first (near_site_choice)."""
    if sites_near(place, state.scenario().sites):
        st.session_state[NEAR_SITE_KEY] = (place, st.session_state["scenario_version"])
        return
    _add_site(place)


def near_site_choice(scenario: Scenario) -> None:
    """The planner's choice for a new site close to an existing candidate: use that one (no
    new site), or add it anyway. Gone once the scenario changes."""
    pending = st.session_state[NEAR_SITE_KEY]
    if pending is None or pending[1] != st.session_state["scenario_version"]:
        st.session_state[NEAR_SITE_KEY] = None
        return
    place = pending[0]
    near = sites_near(place, scenario.sites)  # the same scenario as when it was asked
    st.warning(f"**{fmt.md_text(place.name)}, {place.state}** (ZIP3 {place.zip3}) is next to "
               f"{_near_text(near)}. A second site there would add its fixed cost for nearly "
               "the same delivery times.", icon=":material/where_to_vote:")
    nearest = near[0].site
    left, right = st.columns(2)
    use = f"{nearest.name} ({nearest.site_id})"
    left.button(f"Use {fmt.md_text(use)}",
                key="near_use_existing", type="primary", width="stretch",
                on_click=_use_existing, args=(place, near[0]))
    right.button(f"Add {fmt.md_text(place.name)} anyway", key="near_add_anyway",
                 width="stretch", on_click=_add_anyway, args=(place,))


def _near_text(near: list[NearSite]) -> str:
    return ", ".join(
        f"candidate site **{fmt.md_text(n.site.name)}** ({fmt.md_text(n.site.site_id)}, "
        + ("same ZIP3, " if n.same_zip3 else f"ZIP3 {n.site.zip3}, ")
        + f"{n.distance_mi:.0f} mi away)" for n in near)


def _use_existing(place: Place, near: NearSite) -> None:
    st.session_state[NEAR_SITE_KEY] = None
    state.notify("info", f"No site added: **{fmt.md_text(near.site.name)}** "
                 f"({fmt.md_text(near.site.site_id)}), {near.distance_mi:.0f} mi from "
                 f"{fmt.md_text(place.name)}, is already a candidate. Its costs and forced "
                 "open are under Candidate sites, below the map.")


def _add_anyway(place: Place) -> None:
    st.session_state[NEAR_SITE_KEY] = None
    _add_site(place)


def _add_site(place: Place) -> None:
    try:
        new, site = edits.add_site(state.scenario(), place)
    except InputError as err:
        state.notify("error", rejection_markdown(err, "The site was not added."))
        return
    st.session_state["last_added_site"] = site.site_id
    state.set_scenario(new, f"Added candidate site {fmt.md_text(site.name)}, {site.state} "
                       f"({fmt.md_text(site.site_id)}); "
                       f"fixed cost {fmt.usd(site.fixed_cost_usd_per_year)}/yr and capacity "
                       f"{fmt.count(site.capacity_orders_per_year)} orders/yr are estimates: "
                       "edit them under Candidate sites, below the map.")
    _auto_solve_now()


def _remove_site(site_id: str) -> None:
    scenario = state.scenario()
    try:
        new = edits.remove_site(scenario, site_id)
    except InputError as err:
        state.notify("error", rejection_markdown(err, "The site was not removed."))
        return
    state.set_scenario(new, f"Removed site {fmt.md_text(scenario.site(site_id).name)} "
                       f"({fmt.md_text(site_id)}).")
    _auto_solve_now()


def _auto_solve_now() -> None:
    """With "Auto re-solve" on (and a solve shown before), ask for the edited scenario's solve
    from the edit's own callback, before the page script runs: the solve then runs while the
    page's top is built and sent, instead of starting once the toolbar has been (the toolbar
    finds it running and asks no second time)."""
    scenario = state.scenario()
    if st.session_state.get("auto_solve") and _auto_solve_due(scenario):
        solve.auto_solve(scenario, wait=True)


def _auto_solve_due(scenario: Scenario) -> bool:
    """A solve was shown before, and none is for `scenario`: the auto re-solve's condition
    (the toolbar's and an edit's callback's)."""
    return state.last_solve() is not None and current_record(scenario) is None


# ---------------------------------------------------------------------------------------------
# Map and KPIs


def build_ahead(scenario: Scenario, record: state.SolveRecord | None,
                selection: tuple[str | None, str | None]) -> None:
    """Build what this run draws from the solve (the map's deck and JSON, the results' charts
    and tables; `state.derived`) before the first of its elements (the KPI cards) is sent, so
    that the cards are not on screen while the server still builds the map: the cards and
    the map leave together (the results follow once Streamlit has marshalled their charts and
    tables; BENCHMARKS.md, App). The page is the same."""
    map_deck(scenario, record, selection)
    if record is not None and record.result.status.has_design:
        results.result_views(record, results.open_results_tab())


def map_deck(scenario: Scenario, record: state.SolveRecord | None,
             selection: tuple[str | None, str | None]) -> pdk.Deck:
    """The Designer map's deck (no mouse-wheel zoom unless switched on, and back to the lower
    48 whenever "Reset view" was pressed: a new view id, ui.maps), with its JSON, built once
    per solve or scenario and selection; a scenario's map before its solve once per server
    (`scenario_deck`)."""
    zip3, site_id = selection
    basemap, wheel_zoom = state.basemap(), st.session_state[WHEEL_ZOOM_KEY]
    view_id = f"designer-{st.session_state['map_view_epoch']}"
    if record is None or not record.result.status.has_design:
        def make() -> pdk.Deck:
            return scenario_deck(scenario, data.scenario_key(scenario), zip3, site_id,
                                 basemap, wheel_zoom, view_id)
    else:
        def make() -> pdk.Deck:
            return _deck(scenario, record.result.evaluation, zip3, site_id, basemap,
                         wheel_zoom, view_id)
    return state.derived(record or scenario, ("map", zip3, site_id, basemap, wheel_zoom, view_id),
                         make)


def _deck(scenario: Scenario, evaluation, zip3: str | None, site_id: str | None,
          basemap: bool, wheel_zoom: bool, view_id: str) -> pdk.Deck:
    deck = maps.network_deck(scenario, data.lanes(scenario), evaluation, zip3, site_id,
                             basemap=basemap, view=DESIGNER_VIEW, wheel_zoom=wheel_zoom,
                             view_id=view_id)
    deck.to_json()  # kept by the deck (maps.CompactDeck)
    return deck


@st.cache_resource(show_spinner=False, max_entries=16)
def scenario_deck(_scenario: Scenario, key: str, zip3: str | None, site_id: str | None,
                  basemap: bool, wheel_zoom: bool, view_id: str) -> pdk.Deck:
    """The Designer's map of a scenario without a design (`key`: its content digest), shared
    by every session: each new session's first page shows the default scenario's, which
    the server's warm-up builds (`first_map`, ui.serve) while the browser loads the page's
    scripts. A deck is not changed once built (its JSON is kept with it)."""
    return _deck(_scenario, None, zip3, site_id, basemap, wheel_zoom, view_id)


def first_map(scenario: Scenario) -> pdk.Deck:
    """The map a new session's first run shows for `scenario` (nothing selected, no basemap,
    no wheel zoom, the first view: `state.init_state`'s defaults)."""
    return scenario_deck(scenario, data.scenario_key(scenario), None, None, False, False,
                         "designer-0")


def network_map(scenario: Scenario, record: state.SolveRecord | None,
                selection: tuple[str | None, str | None]) -> None:
    """The Designer's map (`map_deck`)."""
    st.pydeck_chart(map_deck(scenario, record, selection), on_select="rerun",
                    selection_mode="single-object", key=map_key(), height=MAP_HEIGHT_PX)


def design_expected(scenario: Scenario) -> bool:
    """Before the Designer's wait for a solve: whether this run will most likely show a
    design, so that the results' tabs can be drawn while the solve runs. True when the
    scenario's own solve has one, or when a design is shown and this run waits for the
    edited scenario's solve (an edit rarely takes the design away); a run that then shows
    none takes the tabs away again."""
    record = current_record(scenario)
    if record is not None:
        return record.result.status.has_design
    last = state.last_solve()
    return (last is not None and last.result.status.has_design
            and bool(st.session_state.get(solve.WAIT_KEY)) and solve.solving(scenario))


def design_evaluation(record: state.SolveRecord | None):
    return record.result.evaluation if record and record.result.status.has_design else None


def map_controls() -> None:
    """Reset view and mouse-wheel zoom, beside the map's top."""
    left, right = st.columns([1, 1.4], vertical_alignment="center")
    left.button("Reset view", icon=":material/zoom_out_map:", key="reset_view",
                on_click=_reset_view, help="Back to the whole lower 48")
    right.toggle("Mouse-wheel zoom", key=WHEEL_ZOOM_KEY,
                 help="Off, the mouse wheel scrolls the page; drag to pan, double-click to "
                      "zoom in (Shift + double-click: out), + and - keys zoom.")


def _reset_view() -> None:
    st.session_state["map_view_epoch"] += 1


def legend(evaluation) -> None:
    """The legend as a row of swatches under a map, with its sources and the basemap toggle
    (Compare, Tradeoffs)."""
    # st.html, not st.markdown(unsafe_allow_html=True): the page then needs no HTML-in-markdown
    # parser, one script chunk less for the browser to fetch before the first map
    st.html(f"<div style='font-size:1rem'>{_swatches(evaluation)}</div>")
    map_notes(evaluation)


def legend_over_map(evaluation) -> None:
    """The legend drawn over the map's lower left corner (the Pacific and Mexico at the
    Designer's view), right after the map: on a 1280x720 screen there is no room below it.
    Clicks and hovers go through it to the map."""
    st.html(f"<div class='map-legend' data-testid='mapLegend'>{_swatches(evaluation)}</div>")


def _swatches(evaluation) -> str:
    return " ".join(
        f"<span style='white-space:nowrap;margin-right:1.0em'><span style='display:inline-block;"
        f"width:0.95em;height:0.95em;border-radius:50%;border:1.5px solid #333;"
        f"background:rgb{rgb};vertical-align:middle'></span> {label}</span>"
        for rgb, label in maps.legend_items(evaluation))


def map_notes(evaluation) -> None:
    """What the map's marks mean and where its outlines come from; the basemap toggle."""
    map_caption(evaluation)
    basemap_toggle()


def map_caption(evaluation) -> None:
    """What the map's marks mean (`evaluation`: of the design shown, if any) and where its
    outlines come from."""
    outlines = "State outlines from data/us_states.geojson (drawn offline too)"
    source = (f"{outlines}; {maps.BASEMAP_CREDIT} (tiles load when this browser is online)."
              if state.basemap() else f"{outlines}; no basemap.")
    clicks = ("Click a ZIP3 bubble on the map to add a site there, a site to remove it; hover "
              "for the numbers. ")
    if evaluation is not None:
        st.caption(f"{clicks}Bubble size = orders per year; lines join each open site to the "
                   f"ZIP3s it serves. {source}")
    else:
        st.caption(clicks + source)


def basemap_toggle() -> None:
    """The basemap's switch (state.basemap)."""
    st.toggle("Basemap tiles", value=state.basemap(), key="basemap_toggle",
              on_change=state.set_basemap_from_toggle, args=("basemap_toggle",),
              help="CARTO's light basemap (roads, places) under the map. The browser loads it "
                   "from the internet; off, the map draws from embedded data only and faster.")


def kpi_section(scenario: Scenario, record: state.SolveRecord | None,
                places: results.KpiPlaces | None = None) -> None:
    """The KPI cards and the solve's notes, or what stands in their place (press Solve, the
    solve running, why no design); `places`: the cards' places if drawn already (only with a
    design to show)."""
    last = state.last_solve()
    if last is None:
        st.info("Solving: the numbers and the map appear here when it is done." if
                solve.solving() else
                "Press **Solve** to find the cheapest network for this scenario.")
        return
    if record is None:
        if solve.solving(scenario):
            st.info("Solving the changed scenario; the numbers and the map update when it is "
                    "done (the rest of the page stays usable).")
        else:
            st.warning("The scenario changed since the last solve; press **Solve** to update "
                       "the numbers and the map.")
        return
    if not record.result.status.has_design:
        results.show_explanation(record)
        from ui.my_network_view import show_reach  # here: only after a failed solve

        show_reach(record)
        return
    places = results.kpi_places() if places is None else places
    results.show_kpis(record, state.previous_solve(), baseline_view(scenario), places)
    with places.below:
        _solve_notes(record)


def _solve_notes(record: state.SolveRecord) -> None:
    r = record.result
    gap = f", proven gap {fmt.pct(r.gap, 2)}" if r.gap is not None else ""
    how = fmt.md_text(record.origin) if record.origin else solve_time(record)
    st.caption(f"Solver: {r.status.value}{gap}, {how}. Open sites: "
               f"{fmt.md_text(', '.join(r.open_site_ids))}. Changes are against the previous "
               "solve.")
    if r.explanation:  # a design without a proven optimum: why (explain.targets_at_capacity,
        # or no gap claimed), as the optimizer said it
        st.caption("Why no optimum was proven: " + " ".join(fmt.md_text(s) for s in r.explanation))


def solve_time(record: state.SolveRecord) -> str:
    """The solve's time as the status line above gives it (the whole request: the first solve
    also builds the session's warm solver), and the search's own part when it differs by a
    tenth of a second or more, so the page never shows two unexplained times for one solve."""
    search = record.result.solve_seconds
    wall = record.wall_seconds
    if wall <= 0.0 or round(wall, 1) <= round(search, 1):  # remembered, or no difference
        return f"{search:.1f} s"
    return f"{wall:.1f} s (the search itself {search:.1f} s)"


def baseline_view(scenario: Scenario) -> results.BaselineView | None:
    """The pinned baseline's figures for this scenario (None when none is pinned)."""
    pinned = state.baseline()
    if pinned is None:
        return None
    from ui.baseline import figures  # here: only when a baseline is pinned

    found, problem = figures(pinned, scenario)
    return results.BaselineView(pinned.label, found, problem)


# ---------------------------------------------------------------------------------------------
# Site table


def sites_section(scenario: Scenario) -> None:
    """The site table and the sites upload in an expander whose contents run only while it is
    open. Closed (how a session starts) the first page sends no table, so the browser fetches
    no table code while it loads the map: with Streamlit's file watcher off (ui.serve) that
    brings the first page from about 3.0 to 2.7 s here (BENCHMARKS.md, App). Once opened it
    stays open for the session, across page switches."""
    if SITES_EXPANDER_KEY not in st.session_state:  # first run, or back from another page
        st.session_state[SITES_EXPANDER_KEY] = state.sites_table_open()
    box = st.expander(SITES_LABEL, key=SITES_EXPANDER_KEY, icon=":material/table:",
                      on_change=state.set_sites_table_open_from_expander,
                      args=(SITES_EXPANDER_KEY,))
    if box.open:
        with box:
            sites_editor(scenario)


def meeting_sections():
    """"Save, share and baseline" and "My network": lazy like the site table (their contents,
    and the store, load only once opened), and open for the session once opened. Returns the
    open ones, to be filled (`fill_meeting_sections`) once the solve shown is known: the
    Designer sends the closed headers before it waits for a solve."""
    return (_lazy_expander("Save, share and baseline", SAVE_EXPANDER_KEY, ":material/save:"),
            _lazy_expander("My network: cost exactly the sites you pick",
                           MY_NETWORK_EXPANDER_KEY, ":material/hub:"))


def fill_meeting_sections(boxes, scenario: Scenario, record: state.SolveRecord | None) -> None:
    """The contents of the open ones of `meeting_sections`."""
    save, my_network = boxes
    if save is not None:
        from ui.saving import save_panel

        with save:
            save_panel(scenario)
    if my_network is not None:
        from ui.my_network_view import section

        with my_network:
            section(scenario, record)


def _lazy_expander(label: str, key: str, icon: str):
    """An expander that runs its contents only while open: the expander when open, else
    None. Whether it is open survives page switches."""
    memory = f"{key}_remembered"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(memory, False)
    box = st.expander(label, key=key, icon=icon, on_change=_remember, args=(key, memory))
    return box if box.open else None


def _remember(key: str, memory: str) -> None:
    st.session_state[memory] = bool(st.session_state[key])


def sites_editor(scenario: Scenario) -> None:
    st.caption("Edit fixed cost, capacity and the forced open / forced closed boxes; select rows "
               "and press the bin icon to remove them; then apply (edits not yet applied are "
               "dropped when this section is collapsed or you leave the page). Costs of "
               "user-placed sites are estimates.")
    version = st.session_state["scenario_version"]
    with st.form(f"sites_form_{version}", border=False):
        table = st.data_editor(
            edits.sites_table(scenario), key=f"sites_editor_{version}", num_rows="delete",
            hide_index=True, width="stretch", disabled=["site_id", "state", "zip3", "source"],
            column_config={
                "site_id": "Id", "name": "Name", "state": "State", "zip3": "ZIP3",
                "fixed_cost_usd_per_year": st.column_config.NumberColumn(
                    "Fixed cost (USD/yr)", format="$%,.0f", min_value=0),
                "capacity_orders_per_year": st.column_config.NumberColumn(
                    "Capacity (orders/yr)", format="%,.0f", min_value=1),
                "forced_open": st.column_config.CheckboxColumn("Forced open"),
                "forced_closed": st.column_config.CheckboxColumn("Forced closed"),
                "source": st.column_config.TextColumn("Source", width="large")})
        submitted = st.form_submit_button("Apply changes to sites")
    uploader("Add candidate sites from a CSV: name, zip (5 digits); optional site_id, "
             "fixed_cost_usd_per_year, capacity_orders_per_year (left out: the estimates of "
             "a searched site)", SITES_UPLOAD_KEY, edits.apply_sites_upload, "Sites file",
             edits.MAX_UPLOADED_SITES)
    if submitted:
        try:
            new = edits.apply_sites_table(scenario, table)
        except InputError as err:
            show_problems(err, "The site table has problems.")
            return
        if data.scenario_key(new) != data.scenario_key(scenario):
            state.set_scenario(new, "Site table applied.")
            st.rerun()


# ---------------------------------------------------------------------------------------------
# Exports


def export_box():
    """Every export format, and opening a scenario file (ui/export_import.py), in a lazy
    expander like the site table: closed, neither the first page nor an edit's rerun sends its
    fifteen elements (six download buttons in their columns, the upload), and the browser
    fetches no download or upload code for the first page. The expander if open (filled by
    `fill_export_box` once the solve shown is known), else None."""
    return _lazy_expander(EXPORT_LABEL, EXPORT_EXPANDER_KEY, ":material/download:")


def fill_export_box(box, scenario: Scenario, record: state.SolveRecord | None) -> None:
    if box is not None:
        from ui.export_import import export_section

        with box:
            export_section(scenario, record)
