"""The Designer's export buttons (every format, named after the scenario and the day) and the
scenario import (a JSON file replaces the current scenario only once it is checked; Undo brings
the previous one back). The files themselves are made by network/export, on click."""

from __future__ import annotations

from datetime import date

import streamlit as st

from network.errors import InputError, ProblemList
from network.export.cells import file_name
from network.export.content import ScenarioWithDesign, from_result
from network.export.formats import MIME, ExportFormat, export_bytes
from network.export.scenario_json import ImportedScenario
from network.scenario import Scenario
from network.scenario_file import MAX_SCENARIO_FILE_BYTES
from ui import fmt, state

IMPORT_KEY = "scenario_import"
IMPORT_PROBLEMS = "scenario_import_problems"  # session key: problem lines of the last import
MAX_IMPORT_MB = MAX_SCENARIO_FILE_BYTES // 2**20
BUTTONS = (  # label, format, file part, needs a design
    ("Scenario and design (JSON)", ExportFormat.JSON, "", False),
    ("Sites (CSV)", ExportFormat.CSV, "sites", False),
    ("Lanes per ZIP3 (CSV)", ExportFormat.CSV, "lanes", True),
    ("Map layers (GeoJSON)", ExportFormat.GEOJSON, "", True),
    ("Workbook (Excel)", ExportFormat.XLSX, "", True),
    ("Report (HTML)", ExportFormat.HTML, "", True),
)


def export_section(scenario: Scenario, record: state.SolveRecord | None) -> None:
    """The download buttons (each file made on click) and the scenario import. A click runs
    no page script (`on_click="ignore"`): a download changes nothing, and a click's rerun gave
    its file a new id and dropped the clicked one once it ended; a busy server that came to
    the file's request after that sent no file (CI: no download within 60 s)."""
    solved = record is not None and record.result.status.has_design
    day = date.today()
    cols = st.columns(len(BUTTONS))
    for col, (label, fmt_, part, needs_design) in zip(cols, BUTTONS, strict=True):
        col.download_button(
            label, key=f"dl_{fmt_.value}_{part}", width="stretch",
            disabled=needs_design and not solved,
            data=_maker(scenario, record, fmt_, part, day),
            file_name=file_name(scenario.name, day, fmt_.value, part),
            mime=MIME[fmt_.value], on_click="ignore")
    st.caption("Files are named after the scenario and today's date. The JSON opens again "
               "below (with its design) and the sites CSV uploads back under Candidate sites. "
               + ("" if solved else "Solve first for the design, lanes, map, workbook and "
                  "report."))
    st.file_uploader(f"Open a scenario file (JSON exported from this app or another server; at "
                     f"most {MAX_IMPORT_MB} MB). It replaces the current scenario once it has "
                     "been checked; Undo brings the current one back.", type=["json"],
                     key=IMPORT_KEY, on_change=_on_import, max_upload_size=MAX_IMPORT_MB)
    problems = st.session_state.get(IMPORT_PROBLEMS)
    if problems:
        st.error(f"**The scenario file was not opened; the current scenario is kept.** "
                 f"{len(problems)} problem{'s' if len(problems) > 1 else ''}:\n\n"
                 + "\n".join(f"- {fmt.md_text(p)}" for p in problems[:50]))


def _maker(scenario: Scenario, record: state.SolveRecord | None, fmt_: ExportFormat, part: str,
           day: date):
    """The file's bytes, made when the planner clicks (Streamlit calls this then)."""
    def make() -> bytes:
        item = current_item(scenario, record)
        if part == "lanes":
            from network.export.csv_files import lanes_csv

            return lanes_csv(item.scenario, item.require_design("The lanes CSV")).encode()
        return export_bytes(item, fmt_, day)
    return make


def current_item(scenario: Scenario, record: state.SolveRecord | None) -> ScenarioWithDesign:
    """The scenario with the last solve's design, when that solve was of this scenario."""
    if record is None or not record.result.status.has_design:
        return ScenarioWithDesign(scenario)
    return from_result(record.scenario, record.result)


def _on_import() -> None:
    uploaded = st.session_state.get(IMPORT_KEY)
    st.session_state[IMPORT_PROBLEMS] = None
    if uploaded is None:
        return
    try:
        imported = import_upload(uploaded.getvalue(), uploaded.name)
    except InputError as err:
        st.session_state[IMPORT_PROBLEMS] = [str(p) for p in err.problems]
        return
    apply_import(imported, uploaded.name)


def import_upload(data: bytes, name: str) -> ImportedScenario:
    """An uploaded file read as a scenario (InputError listing every problem)."""
    from network.export.scenario_json import read_scenario_file

    if not name.lower().endswith(".json"):
        problems = ProblemList(name)
        problems.add("open a scenario JSON here; a sites CSV goes under Candidate sites, a "
                     "demand or rate-card CSV under Settings")
        problems.raise_if_any()
    return read_scenario_file(data, name)  # its size checked first


def apply_import(imported: ImportedScenario, name: str) -> None:
    """Make the imported scenario current (the previous one goes on the Undo stack); with a
    design whose solver status the file kept, show it as the last solve."""
    item = imported.content
    state.set_scenario(item.scenario, f"Opened scenario '{fmt.md_text(item.scenario.name)}' "
                       f"from {fmt.md_text(name)}. Undo brings back the previous scenario.")
    for note in imported.notes:
        state.notify("info", fmt.md_text(note))
    if item.has_design and item.solve is not None and item.solve.status in ("optimal",
                                                                              "feasible"):
        state.record_solve(_record(item))
        state.notify("info", f"Its design is shown as the file says its solver found it "
                     f"({item.solve.status}); its KPIs are computed here from the design.")
    elif item.has_design:
        state.notify("info", "The file's design was checked, but not how it was found: press "
                     "**Solve** to see this scenario's best network and its proven gap.")


def _record(item: ScenarioWithDesign) -> state.SolveRecord:
    """The file's design as the last solve, so that its map and KPIs show without solving."""
    from network.optimize.result import OptimizeResult, SolveStatus
    from ui.data import scenario_key

    total = item.evaluation.kpis.total_cost_usd
    result = OptimizeResult(SolveStatus(item.solve.status), item.design, item.evaluation,
                            total, item.solve.best_bound_usd, item.solve.gap, 0.0)
    return state.SolveRecord(result, item.scenario, scenario_key(item.scenario), 0.0)
