"""The baseline every KPI card is measured against, besides the previous solve.

Three kinds:
- the status quo: every order shipped cross-border direct (network.evaluate.status_quo),
  under the current scenario's inputs;
- my network: exactly the picked sites, the cheapest assignment meeting the current
  scenario's targets (network.my_network), re-costed when the inputs change;
- a saved scenario version: its saved KPIs, as saved (versions never change).

The built-in ones follow the scenario on screen, so a change of demand or rates moves them
too: the comparison is always of two networks under the same inputs. A saved version is a
fixed point: the plan the meeting measures against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from network.scenario import Scenario
from ui import data
from ui.saved import Figures, OpenedFrom

STATUS_QUO, MY_NETWORK, SAVED = "status_quo", "my_network", "saved"


@dataclass(frozen=True)
class Baseline:
    kind: str  # STATUS_QUO, MY_NETWORK or SAVED
    site_ids: tuple[str, ...] = ()  # MY_NETWORK's sites
    saved: OpenedFrom | None = None  # SAVED's version

    @property
    def label(self) -> str:
        if self.kind == STATUS_QUO:
            return "status quo (all cross-border)"
        if self.kind == MY_NETWORK:
            return f"my network ({', '.join(self.site_ids)})"
        assert self.saved is not None
        return self.saved.label

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "site_ids": list(self.site_ids),
                "saved": self.saved.to_dict() if self.saved else None}

    @classmethod
    def from_dict(cls, doc: Any) -> Baseline | None:
        if not isinstance(doc, dict) or doc.get("kind") not in (STATUS_QUO, MY_NETWORK, SAVED):
            return None
        saved = OpenedFrom.from_dict(doc.get("saved"))
        if doc["kind"] == SAVED and saved is None:
            return None
        return cls(doc["kind"], tuple(str(s) for s in doc.get("site_ids") or ()), saved)


def figures(baseline: Baseline, scenario: Scenario) -> tuple[Figures | None, str]:
    """The baseline's KPI figures for `scenario` on screen, or None and why not."""
    if baseline.kind == STATUS_QUO:
        quo = _status_quo(scenario, data.scenario_key(scenario))
        if quo is None:
            return None, "cross-border direct is disabled in this scenario (Settings)"
        return quo, ""
    if baseline.kind == MY_NETWORK:
        return _my_network(scenario, data.scenario_key(scenario), baseline.site_ids)
    assert baseline.saved is not None
    return _saved(baseline.saved.scenario_id, baseline.saved.version)


@st.cache_data(show_spinner=False, max_entries=64)
def _status_quo(_scenario: Scenario, key: str) -> Figures | None:
    from network.evaluate import status_quo

    quo = status_quo(_scenario, data.lanes(_scenario))
    return None if quo is None else Figures.of(quo.kpis)


@st.cache_data(show_spinner="Costing my network…", max_entries=64)
def _my_network(_scenario: Scenario, key: str, site_ids: tuple[str, ...]
                ) -> tuple[Figures | None, str]:
    from network.errors import InputError
    from network.my_network import cost_my_network

    unknown = [s for s in site_ids if s not in _scenario.site_ids]
    if unknown:
        return None, f"{', '.join(unknown)} not among this scenario's candidate sites"
    try:
        found = cost_my_network(_scenario, site_ids, data.lanes(_scenario), data.solve_params())
    except InputError as err:
        return None, "; ".join(p.message for p in err.problems)
    if not found.result.status.has_design:
        return None, "these sites cannot meet the targets: " + "; ".join(found.explanation())
    return Figures.of(found.result.evaluation.kpis), ""


@st.cache_data(show_spinner=False, max_entries=64)
def _saved(scenario_id: int, version: int) -> tuple[Figures | None, str]:
    """A saved version's KPIs (versions never change, so this is cached for good)."""
    from ui import library

    opened, problem = library.store_call(
        lambda: library.opening().store.open_version(scenario_id, version))
    if opened is None:
        return None, problem or "not found"
    saved = Figures.from_saved(opened.content.kpis)
    return (saved, "") if saved else (None, "that version was saved before a solve")
