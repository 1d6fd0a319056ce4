"""The versioned scenario JSON format: read (with checks), write, and the default scenario.

Format: docs/scenario-format.md; schema: docs/scenario.schema.json, both generated from the
definition (network/scenario.py and `ScenarioFile` below; `python -m network schema`). A file
holds a scenario's fields under the same keys, plus a few of its own: `format_version`,
references to data files in place of inline data (`zip3_file`, `sites_file`,
`rate_cards_dir`, paths relative to the file) and, in an export, the `design`. Saved and
exported scenarios carry everything inline (a ZIP3 base other than the embedded one too), so
they refer to no file.

Versions: 1 (no inline `zip3_base`), 2 and 3 (this one: the same cost elements on both paths)
are read, older ones through network/scenario_upgrade.py; 3 is written.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import KW_ONLY, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import Field, TypeAdapter, ValidationError, model_validator
from pydantic.dataclasses import dataclass

from network.errors import (
    InputError,
    Problem,
    ProblemList,
    problems_from_validation,
    reported_as,
)
from network.fields import CONFIG
from network.input_files import parse_json, read_json
from network.scenario import FORMAT_VERSION, Scenario, Service, Site, Zip3Base
from network.scenario_upgrade import upgraded, with_own_reference_volume
from network.tables import (
    DATA_DIR,
    ZIP3_FILE,
    load_services,
    load_sites,
    load_zip3_base,
    nearest_zip3,
)

DEFAULT_SCENARIO_FILE = DATA_DIR / "scenarios" / "default.json"
EMBEDDED = "embedded"  # `zip3_file` value: data/us_zip3_demand.csv
MAX_SCENARIO_FILE_BYTES = 5 * 2**20  # the largest real scenario (1,000 ZIP3s, 300 sites) is
# under 1 MB; every reader of a scenario file (the app's, `import`, `load_scenario`) refuses a
# larger one unread
FIRST_KEYS = ("format_version", "name", "description", "zip3_file", "zip3_base")


def _absent(value: Any) -> bool:
    return value is None


@dataclass(frozen=True, config=CONFIG | {"extra": "allow"})
class AssignedLane:
    """How the exported design serves one ZIP3 (`site_id` CROSS_BORDER: direct from abroad)."""

    zip3: str
    site_id: str
    service: str


@dataclass(frozen=True, config=CONFIG)
class SolveInfo:
    """How the exported design was found: the optimizer's status ("optimal", "feasible"; or
    "evaluated" for a design given, not solved), its relative gap and its proven bound."""

    status: Annotated[str, Field(min_length=1, max_length=32)]
    gap: Annotated[float | None, Field(ge=0, le=1, description="relative: 0.01 = 1%")] = None
    best_bound_usd: Annotated[float | None, Field(
        ge=0, description="proven lower bound on any design's cost, USD a year")] = None


@dataclass(frozen=True, config=CONFIG | {"extra": "allow"})
class ExportedDesign:
    """A network chosen for the scenario, as an export writes it (network/export/document.py);
    not part of the scenario read back by `load_scenario`, read with it by an import."""

    open_site_ids: tuple[str, ...]
    assignment: tuple[AssignedLane, ...] = ()
    kpis: dict[str, Any] = dataclasses.field(default_factory=dict)
    solve: SolveInfo | None = None


# Data a file gives inline or as a reference, never both: (inline key, reference key, whether
# one of them is required). Both the reader and the schema follow this table.
INLINE_OR_FILE = (("sites", "sites_file", True), ("services", "rate_cards_dir", True),
                  ("zip3_base", "zip3_file", False))


def _inline_or_file_rules(schema: dict) -> None:
    schema["allOf"] = [{"not": {"required": [inline, ref]}}
                       for inline, ref, _ in INLINE_OR_FILE] + [
        {"anyOf": [{"required": [inline]}, {"required": [ref]}]}
        for inline, ref, required in INLINE_OR_FILE if required]


@dataclass(frozen=True, config=CONFIG | {"json_schema_extra": _inline_or_file_rules,
                                         "title": "Network-design scenario"})
class ScenarioFile(Scenario):
    """A scenario as its file holds it: the scenario's own fields, where the ZIP3 base, the
    sites and the services may instead be references to data files, plus the file's keys."""

    zip3_base: Annotated[Zip3Base | None, Field(
        exclude_if=_absent, description="the ZIP3 table inline (version 2), when it is not "
        "the embedded one")] = None
    sites: Annotated[tuple[Site, ...] | None, Field(
        min_length=1, description="candidate sites inline; or give sites_file")] = None
    services: Annotated[tuple[Service, ...] | None, Field(
        min_length=1, description="services with their cards inline; or give "
        "rate_cards_dir")] = None
    _: KW_ONLY
    format_version: Annotated[int, Field(ge=1, le=FORMAT_VERSION, description=(
        f"this format's version, {FORMAT_VERSION}; versions 1 and 2 are read too"))]
    zip3_file: Annotated[str | None, Field(exclude_if=_absent, description=(
        f"'{EMBEDDED}' (the default: data/us_zip3_demand.csv) or a CSV path relative to this "
        "file"))] = None
    sites_file: Annotated[str | None, Field(exclude_if=_absent, description=(
        "a sites CSV (as data/candidate_sites.csv), path relative to this file"))] = None
    rate_cards_dir: Annotated[str | None, Field(exclude_if=_absent, description=(
        "a rate-card folder (as data/rate_cards), path relative to this file"))] = None
    design: Annotated[ExportedDesign | None, Field(exclude_if=_absent, description=(
        "written by the app's export: open sites, assignment and KPIs; ignored when a "
        "scenario is read"))] = None

    @model_validator(mode="after")
    def _one_source_each(self) -> ScenarioFile:
        for inline, ref, required in INLINE_OR_FILE:
            given = [k for k in (inline, ref) if getattr(self, k) is not None]
            if len(given) == 2:
                raise ValueError(f"give '{inline}' or '{ref}', not both")
            if not given and required:
                raise ValueError(f"give either '{inline}' or '{ref}'")
        return self


FILE = TypeAdapter(ScenarioFile)
SCENARIO_FIELDS = tuple(f.name for f in dataclasses.fields(Scenario))


@lru_cache(maxsize=1)
def embedded_zip3_base() -> Zip3Base:
    """The embedded population-by-ZIP3 table (data/us_zip3_demand.csv), read once."""
    return replace(load_zip3_base(ZIP3_FILE), source="data/us_zip3_demand.csv")


def load_default_scenario() -> Scenario:
    return load_scenario(DEFAULT_SCENARIO_FILE)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario JSON file; raises InputError listing every problem (its size,
    encoding and JSON checked first, by network.input_files.read_json)."""
    path = Path(path)
    doc = read_json(path, str(path), MAX_SCENARIO_FILE_BYTES)
    return scenario_from_dict(doc, name=str(path), base_dir=path.parent)


def scenario_from_json(text: str, name: str = "scenario", base_dir: Path | None = None
                       ) -> Scenario:
    """A scenario from JSON text (a saved version, a test), read as strictly as a file."""
    return scenario_from_dict(parse_json(text, name), name=name,
                              base_dir=base_dir or DATA_DIR / "scenarios")


def scenario_from_dict(doc: Any, name: str = "scenario", base_dir: Path | None = None
                       ) -> Scenario:
    """Build a Scenario from parsed JSON, after the version, definition and meaning checks."""
    base_dir = base_dir or DATA_DIR / "scenarios"
    _check_version(doc, name)
    version = doc.get("format_version")
    stored = _validated(upgraded(doc), name)
    problems: list[Problem] = []
    base = _resolved(problems, _zip3_base, stored, base_dir, name)
    sites = _resolved(problems, _sites, stored, base_dir, name)
    services = _resolved(problems, _services, stored, base_dir, name)
    if problems:
        raise InputError(problems)
    sites = tuple(_with_location_codes(s, base) for s in sites)
    content = {k: getattr(stored, k) for k in SCENARIO_FIELDS}
    scenario = Scenario(**{**content, "zip3_base": base, "sites": sites, "services": services})
    check_scenario(scenario, name)
    if isinstance(version, int) and version < 3:
        scenario = with_own_reference_volume(scenario, version)
    return scenario


def _check_version(doc: Any, name: str) -> None:
    if not isinstance(doc, dict):
        raise InputError([Problem(name, "a scenario must be a JSON object")])
    version = doc.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise InputError([Problem(
            name, f"scenario format version {version} is newer than this tool reads "
            f"(up to {FORMAT_VERSION}); update the tool or save the scenario in version "
            f"{FORMAT_VERSION}", field="format_version")])


def _validated(doc: dict, name: str) -> ScenarioFile:
    """The file checked against the definition, strictly as JSON (a number in quotes is not a
    number); every problem at once."""
    try:
        return FILE.validate_json(json.dumps(doc), strict=True)
    except ValidationError as err:
        raise InputError(problems_from_validation(err, name, _known_keys)) from None


def _known_keys(loc: tuple) -> list[str]:
    """The keys a file may use where `loc` (an unknown key) was found."""
    owner: Any = ScenarioFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = next((f for n, f in owner.__pydantic_fields__.items()
                     if part in (n, f.alias, f.validation_alias)), None)
        owner = _dataclass_in(info.annotation) if info else None
        if owner is None:
            return []
    return [f.alias or n for n, f in owner.__pydantic_fields__.items() if not f.exclude]


def _dataclass_in(annotation: Any) -> type | None:
    """The scenario class a field holds (itself, optional, or a tuple of them)."""
    if dataclasses.is_dataclass(annotation):
        return annotation
    if get_origin(annotation) is None:
        return None
    return next((c for c in map(_dataclass_in, get_args(annotation)) if c), None)


def _resolved(problems: list[Problem], read: Any, *args: Any) -> Any:
    """`read(*args)`, or None after keeping its problems (all references are tried)."""
    try:
        return read(*args)
    except InputError as err:
        problems.extend(err.problems)
        return None


def _resolve(base_dir: Path, ref: str, name: str, field: str) -> Path:
    """The file a reference names, which must lie in the scenario's own folder (or below it)
    or in the project's data folder: a scenario file cannot read, or report on, anything
    else on the machine (links are followed first, so one cannot lead out either)."""
    try:
        path = (base_dir / ref).resolve()
    except (ValueError, OSError) as err:  # a NUL byte, a name too long for the file system
        raise InputError([Problem(name, f"'{ref[:80]}' is not a usable file name ({err})",
                                  field=field)]) from None
    roots = (base_dir.resolve(), DATA_DIR.resolve())
    if not any(path.is_relative_to(root) for root in roots):
        raise InputError([Problem(name, f"'{ref}' is outside the scenario's folder and the "
                                  "project's data folder; a scenario may refer only to files "
                                  "there", field=field)])
    try:
        found = path.exists()
    except OSError as err:  # a name too long for the file system
        raise InputError([Problem(name, f"'{ref[:80]}' is not a usable file name "
                                  f"({err.strerror})", field=field)]) from None
    if not found:
        raise InputError([Problem(name, f"'{ref}' does not exist (looked for {path})",
                                  field=field)])
    return path


def _zip3_base(stored: ScenarioFile, base_dir: Path, name: str) -> Zip3Base:
    if stored.zip3_base is not None:
        return stored.zip3_base
    if stored.zip3_file in (None, EMBEDDED):
        return embedded_zip3_base()
    path = _resolve(base_dir, stored.zip3_file, name, "zip3_file")
    with reported_as(stored.zip3_file):  # a table the CSV checks pass but the definition not
        return replace(load_zip3_base(path), source=stored.zip3_file)


def _sites(stored: ScenarioFile, base_dir: Path, name: str) -> tuple[Site, ...]:
    if stored.sites is not None:
        return stored.sites
    return load_sites(_resolve(base_dir, stored.sites_file, name, "sites_file"),
                      _zip3_base(stored, base_dir, name))


def _services(stored: ScenarioFile, base_dir: Path, name: str) -> tuple[Service, ...]:
    if stored.services is not None:
        return stored.services
    return load_services(_resolve(base_dir, stored.rate_cards_dir, name, "rate_cards_dir"))


def _with_location_codes(site: Site, base: Zip3Base) -> Site:
    """A site left without state or ZIP3 in its file gets those of the nearest ZIP3 point."""
    if site.state and site.zip3:
        return site
    zip3, state, _ = nearest_zip3(base, site.lat, site.lon)
    return replace(site, state=site.state or state, zip3=site.zip3 or zip3)


# ---------------------------------------------------------------------------------------------
# Meaning checks (what the definition of one field cannot say)


def check_scenario(scenario: Scenario, name: str = "scenario") -> None:
    """Cross-field checks; raises InputError listing every problem."""
    p = ProblemList(name)
    _check_sites(scenario, p)
    _check_services(scenario, p)
    _check_costs(scenario, p)
    _check_constraints(scenario, p)
    _check_demand(scenario, p)
    p.raise_if_any()


def _check_sites(scenario: Scenario, p: ProblemList) -> None:
    seen: set[str] = set()
    known_zip3 = set(scenario.zip3_base.zip3)
    for i, site in enumerate(scenario.sites, start=1):
        if site.site_id in seen:
            p.add(f"duplicate site id '{site.site_id}'", i, "sites.site_id")
        seen.add(site.site_id)
        if site.zip3 and site.zip3 not in known_zip3:
            p.add(f"unknown ZIP3 '{site.zip3}'", i, "sites.zip3")


def _check_services(scenario: Scenario, p: ProblemList) -> None:
    seen: set[str] = set()
    heaviest = max(w for w, _ in scenario.costs.weight_mix)
    for i, s in enumerate(scenario.services, start=1):
        if s.service_id in seen:
            p.add(f"duplicate service '{s.service_id}'", i, "services.service")
        seen.add(s.service_id)
        if max(s.weight_bands_lb) < heaviest:
            p.add(f"{s.service_id}'s card stops at {max(s.weight_bands_lb):g} lb but the weight "
                  f"mix has {heaviest:g} lb packages", i, "services.rates_usd_by_weight_lb")


def _check_costs(scenario: Scenario, p: ProblemList) -> None:
    c = scenario.costs
    mix_total = sum(s for _, s in c.weight_mix)
    if abs(mix_total - 1.0) > 1e-6:
        p.add(f"weight mix shares add up to {mix_total:.4f}, not 1", field="costs.weight_mix")
    if c.returns.label_service_id not in scenario.service_ids:
        p.add(f"unknown service '{c.returns.label_service_id}'",
              field="costs.returns.label_service_id")
    ports = c.inbound.ports
    share_total = sum(port.share for port in ports)
    if ports and abs(share_total - 1.0) > 1e-6:
        p.add(f"port shares add up to {share_total:.4f}, not 1", field="costs.inbound.ports")


def _check_constraints(scenario: Scenario, p: ProblemList) -> None:
    k = scenario.constraints
    ids = set(scenario.site_ids)
    for key, values in (("forced_open", k.forced_open), ("forced_closed", k.forced_closed)):
        for i, site_id in enumerate(values, start=1):
            if site_id not in ids:
                p.add(f"unknown site id '{site_id}'", i, f"constraints.{key}")
    for site_id in sorted(set(k.forced_open) & set(k.forced_closed)):
        p.add(f"site '{site_id}' is both forced open and forced closed",
              field="constraints.forced_open")
    if k.max_sites is not None and k.max_sites < k.min_sites:
        p.add(f"max_sites {k.max_sites} is below min_sites {k.min_sites}",
              field="constraints.max_sites")
    carriers = {s.carrier for s in scenario.services}
    for i, share in enumerate(k.carrier_shares, start=1):
        if share.carrier not in carriers:
            p.add(f"unknown carrier '{share.carrier}'; known: {', '.join(sorted(carriers))}",
                  i, "constraints.carrier_shares.carrier")
        if None not in (share.min_pct, share.max_pct) and share.min_pct > share.max_pct:
            p.add("min_pct is above max_pct", i, "constraints.carrier_shares")


def _check_demand(scenario: Scenario, p: ProblemList) -> None:
    known = set(scenario.zip3_base.zip3)
    for zip3, _ in scenario.demand.orders_by_zip3:
        if zip3 not in known:
            p.add(f"unknown ZIP3 '{zip3}'", field=f"demand.orders_by_zip3.{zip3}")
    states = set(scenario.zip3_base.state)
    for state, _ in scenario.demand.state_multipliers:
        if state not in states:
            p.add(f"unknown state '{state}'", field=f"demand.state_multipliers.{state}")


# ---------------------------------------------------------------------------------------------
# Writing


def scenario_to_dict(scenario: Scenario) -> dict:
    """A self-contained JSON document: sites and services inline, and the ZIP3 base too
    unless it is the embedded one."""
    content = {k: getattr(scenario, k) for k in SCENARIO_FIELDS}
    embedded = scenario.zip3_base == embedded_zip3_base()
    if embedded:
        content["zip3_base"] = None
    stored = ScenarioFile(**content, format_version=FORMAT_VERSION,
                          zip3_file=EMBEDDED if embedded else None)
    doc = FILE.dump_python(stored, mode="json")
    return {**{k: doc[k] for k in FIRST_KEYS if k in doc}, **doc}


def scenario_to_json(scenario: Scenario) -> str:
    return json.dumps(scenario_to_dict(scenario), indent=2)


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    Path(path).write_text(scenario_to_json(scenario) + "\n")
