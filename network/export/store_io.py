"""Between exports and the scenario store: what a save of a scenario with its design holds, and
storing an imported scenario file under a name not yet taken."""

from __future__ import annotations

from network.evaluate import kpis_dict
from network.export.content import ScenarioWithDesign
from network.export.scenario_json import ImportedScenario
from network.scenario_file import scenario_to_json
from network.store import NameTaken, ScenarioStore, VersionContent, VersionRef
from network.store.records import MAX_NAME_CHARS, MAX_NOTE_CHARS, clean_name

MAX_NAME_TRIES = 50


def version_content(item: ScenarioWithDesign, note: str = "") -> VersionContent:
    """A save of the scenario, its design, the design's KPIs and the solve."""
    return VersionContent(
        scenario_json=scenario_to_json(item.scenario), design=item.design,
        kpis=kpis_dict(item.evaluation) if item.evaluation is not None else None,
        solve=item.solve if item.design is not None else None, note=note)


def import_to_store(store: ScenarioStore, imported: ImportedScenario, note: str,
                    name: str | None = None) -> VersionRef:
    """Store an imported scenario as a new scenario (version 1): under `name`, else its own
    name, else, when a scenario of that name exists, "NAME (imported)", "NAME (imported 2)"...
    The imported file's notes go into the version's note."""
    note = "; ".join(n for n in (note, *imported.notes) if n)[:MAX_NOTE_CHARS]
    content = version_content(imported.content, note)
    wanted = clean_name(name if name is not None else imported.content.scenario.name)
    if name is not None:
        return store.create(wanted, content)  # the planner's own name: taken is an error
    for candidate in _names(wanted):
        try:
            return store.create(candidate, content)
        except NameTaken:
            continue
    return store.create(wanted, content)  # raises NameTaken, saying which name


def _names(base: str) -> list[str]:
    room = MAX_NAME_CHARS - len(" (imported 99)")
    short = base if len(base) <= room else base[:room].rstrip()
    return [base, f"{short} (imported)"] + [f"{short} (imported {n})"
                                            for n in range(2, MAX_NAME_TRIES)]
