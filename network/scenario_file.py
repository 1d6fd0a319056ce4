"""The versioned scenario JSON format: read (with checks), write, and the default scenario.

Format: docs/scenario-format.md; schema: docs/scenario.schema.json. A file may point at the
embedded data (`"zip3_file": "embedded"`, `"sites_file"`, `"rate_cards_dir"`, paths relative to
the file) or carry sites and services inline, which is how saved and shared scenarios are
written so that they stand alone.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from network.errors import InputError, Problem, ProblemList
from network.geo import N_ZONES
from network.scenario import (
    FORMAT_VERSION,
    CarrierShare,
    CostSettings,
    CrossBorderSettings,
    DemandSettings,
    DesignConstraints,
    InboundSettings,
    Port,
    ReturnsSettings,
    Scenario,
    Service,
    ShareTarget,
    Site,
    Targets,
)
from network.tables import DATA_DIR, ZIP3_FILE, load_services, load_sites, load_zip3_base

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "scenario.schema.json"
DEFAULT_SCENARIO_FILE = DATA_DIR / "scenarios" / "default.json"
US_REGIONS = {  # Census regions, for region multipliers
    "Northeast": "CT ME MA NH RI VT NJ NY PA",
    "Midwest": "IL IN MI OH WI IA KS MN MO NE ND SD",
    "South": "DE DC FL GA MD NC SC VA WV AL KY MS TN AR LA OK TX",
    "West": "AZ CO ID MT NV NM UT WY AK CA HI OR WA",
}
STATE_REGION = {st: region for region, states in US_REGIONS.items() for st in states.split()}


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


@lru_cache(maxsize=4)
def _embedded_zip3_base():
    return load_zip3_base(ZIP3_FILE)


def load_default_scenario() -> Scenario:
    return load_scenario(DEFAULT_SCENARIO_FILE)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario JSON file; raises InputError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError([Problem(str(path), f"cannot read the file ({exc.strerror})")]) from None
    return scenario_from_json(text, name=str(path), base_dir=path.parent)


def scenario_from_json(text: str, name: str = "scenario", base_dir: Path | None = None
                       ) -> Scenario:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, f"not valid JSON: {exc.msg}", row=exc.lineno,
                                  field=f"column {exc.colno}")]) from None
    return scenario_from_dict(doc, name=name, base_dir=base_dir or DATA_DIR / "scenarios")


def scenario_from_dict(doc: Any, name: str = "scenario", base_dir: Path | None = None
                       ) -> Scenario:
    """Build a Scenario from parsed JSON, after the version, schema and meaning checks."""
    base_dir = base_dir or DATA_DIR / "scenarios"
    _check_version(doc, name)
    _check_schema(doc, name)
    base = _zip3_base(doc, base_dir, name)
    sites = _sites(doc, base_dir, base, name)
    services = _services(doc, base_dir, name)
    scenario = Scenario(
        name=doc["name"], description=doc.get("description", ""), zip3_base=base,
        sites=sites, services=services, demand=_demand(doc.get("demand", {})),
        costs=_costs(doc.get("costs", {})), targets=_targets(doc.get("targets", {})),
        constraints=_constraints(doc.get("constraints", {})))
    check_scenario(scenario, name)
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


def _check_schema(doc: dict, name: str) -> None:
    validator = jsonschema.Draft202012Validator(_schema())
    problems = ProblemList(name)
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path))):
        path = list(err.path)
        row = next((p + 1 for p in path if isinstance(p, int)), None)
        field = ".".join(str(p) for p in path if not isinstance(p, int)) or None
        problems.add(err.message, row=row, field=field)
    problems.raise_if_any()


def _zip3_base(doc: dict, base_dir: Path, name: str):
    ref = doc.get("zip3_file", "embedded")
    if ref == "embedded":
        return _embedded_zip3_base()
    return load_zip3_base(_resolve(base_dir, ref, name, "zip3_file"))


def _resolve(base_dir: Path, ref: str, name: str, field: str) -> Path:
    path = (base_dir / ref).resolve()
    if not path.exists():
        raise InputError([Problem(name, f"'{ref}' does not exist (looked for {path})",
                                  field=field)])
    return path


def _sites(doc: dict, base_dir: Path, base, name: str) -> tuple[Site, ...]:
    if "sites" in doc:
        return tuple(Site(**{**s, "zip3": s.get("zip3", ""), "state": s.get("state", "")})
                     for s in doc["sites"])
    ref = doc.get("sites_file")
    if ref is None:
        raise InputError([Problem(name, "give either 'sites' or 'sites_file'", field="sites")])
    return load_sites(_resolve(base_dir, ref, name, "sites_file"), base)


def _services(doc: dict, base_dir: Path, name: str) -> tuple[Service, ...]:
    if "services" in doc:
        return tuple(_service(s) for s in doc["services"])
    ref = doc.get("rate_cards_dir")
    if ref is None:
        raise InputError([Problem(name, "give either 'services' or 'rate_cards_dir'",
                                  field="services")])
    return load_services(_resolve(base_dir, ref, name, "rate_cards_dir"))


def _service(s: dict) -> Service:
    bands = sorted(s["rates_usd_by_weight_lb"].items(), key=lambda kv: float(kv[0]))
    return Service(service_id=s["service"], carrier=s["carrier"], name=s["name"],
                   fuel_surcharge_pct=s["fuel_surcharge_pct"],
                   residential_surcharge_usd=s["residential_surcharge_usd"],
                   noncontiguous_extra_days=s.get("noncontiguous_extra_days", 0),
                   weight_bands_lb=tuple(float(w) for w, _ in bands),
                   rates_usd=tuple(tuple(float(r) for r in rates) for _, rates in bands),
                   transit_days_by_zone=tuple(s["transit_days_by_zone"]),
                   source=s.get("source", ""))


def _demand(d: dict) -> DemandSettings:
    defaults = DemandSettings()
    return DemandSettings(
        annual_orders=float(d.get("annual_orders", defaults.annual_orders)),
        growth_pct=float(d.get("growth_pct", 0.0)),
        state_multipliers=tuple(sorted(d.get("state_multipliers", {}).items())),
        region_multipliers=tuple(sorted(d.get("region_multipliers", {}).items())),
        include_noncontiguous=bool(d.get("include_noncontiguous", False)),
        orders_by_zip3=tuple(sorted((k, float(v)) for k, v in
                                    d.get("orders_by_zip3", {}).items())),
        source=d.get("source", defaults.source))


def _costs(c: dict) -> CostSettings:
    d = CostSettings()
    mix = c.get("weight_mix")
    returns, inbound, xb = c.get("returns", {}), c.get("inbound", {}), c.get("cross_border", {})
    rd, ind, xd = ReturnsSettings(), InboundSettings(), CrossBorderSettings()
    return CostSettings(
        weight_mix=tuple(sorted((float(w), float(s)) for w, s in mix.items())) if mix
        else d.weight_mix,
        processing_days=c.get("processing_days", d.processing_days),
        pick_pack_usd_per_order=c.get("pick_pack_usd_per_order", d.pick_pack_usd_per_order),
        peak_multiplier=c.get("peak_multiplier", d.peak_multiplier),
        safety_stock_usd_per_year_one_site=c.get("safety_stock_usd_per_year_one_site",
                                                 d.safety_stock_usd_per_year_one_site),
        returns=ReturnsSettings(**{**rd.__dict__, **returns}),
        inbound=InboundSettings(**{**ind.__dict__, **{k: v for k, v in inbound.items()
                                                      if k != "ports"},
                                   "ports": tuple(Port(**p) for p in inbound.get("ports", []))}),
        cross_border=CrossBorderSettings(**{**xd.__dict__, **xb}),
        sources=tuple(sorted(c.get("sources", {}).items())))


def _targets(t: dict) -> Targets:
    return Targets(share_targets=tuple(ShareTarget(**s) for s in t.get("share_targets", [])),
                   max_days_any_zip3=t.get("max_days_any_zip3"))


def _constraints(c: dict) -> DesignConstraints:
    return DesignConstraints(
        min_sites=c.get("min_sites", 0), max_sites=c.get("max_sites"),
        forced_open=tuple(c.get("forced_open", [])),
        forced_closed=tuple(c.get("forced_closed", [])),
        carrier_shares=tuple(CarrierShare(**s) for s in c.get("carrier_shares", [])))


# ---------------------------------------------------------------------------------------------
# Meaning checks (what a schema cannot say)


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
    for i, s in enumerate(scenario.services, start=1):
        if s.service_id in seen:
            p.add(f"duplicate service '{s.service_id}'", i, "services.service")
        seen.add(s.service_id)
        if len(s.transit_days_by_zone) != N_ZONES or any(len(r) != N_ZONES for r in s.rates_usd):
            p.add(f"{s.service_id} must give 8 zones", i, "services")
        heaviest = max(w for w, _ in scenario.costs.weight_mix)
        if s.weight_bands_lb and max(s.weight_bands_lb) < heaviest:
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
            p.add(f"unknown ZIP3 '{zip3}'", field="demand.orders_by_zip3")
    for region, _ in scenario.demand.region_multipliers:
        if region not in US_REGIONS:
            p.add(f"unknown region '{region}'; use one of {', '.join(US_REGIONS)}",
                  field="demand.region_multipliers")
    states = set(scenario.zip3_base.state)
    for state, _ in scenario.demand.state_multipliers:
        if state not in states:
            p.add(f"unknown state '{state}'", field="demand.state_multipliers")


# ---------------------------------------------------------------------------------------------
# Writing


def scenario_to_dict(scenario: Scenario) -> dict:
    """A self-contained JSON document (sites and services inline; ZIP3 base embedded)."""
    c, k, d = scenario.costs, scenario.constraints, scenario.demand
    return {
        "format_version": FORMAT_VERSION,
        "name": scenario.name,
        "description": scenario.description,
        "zip3_file": "embedded",
        "sites": [_site_dict(s) for s in scenario.sites],
        "services": [_service_dict(s) for s in scenario.services],
        "demand": {"annual_orders": d.annual_orders, "growth_pct": d.growth_pct,
                   "state_multipliers": dict(d.state_multipliers),
                   "region_multipliers": dict(d.region_multipliers),
                   "include_noncontiguous": d.include_noncontiguous,
                   "orders_by_zip3": dict(d.orders_by_zip3), "source": d.source},
        "costs": {
            "weight_mix": {f"{w:g}": s for w, s in c.weight_mix},
            "processing_days": c.processing_days,
            "pick_pack_usd_per_order": c.pick_pack_usd_per_order,
            "peak_multiplier": c.peak_multiplier,
            "safety_stock_usd_per_year_one_site": c.safety_stock_usd_per_year_one_site,
            "returns": dict(c.returns.__dict__),
            "inbound": {**{k2: v for k2, v in c.inbound.__dict__.items() if k2 != "ports"},
                        "ports": [dict(p.__dict__) for p in c.inbound.ports]},
            "cross_border": dict(c.cross_border.__dict__),
            "sources": dict(c.sources)},
        "targets": {"share_targets": [dict(t.__dict__) for t in scenario.targets.share_targets],
                    "max_days_any_zip3": scenario.targets.max_days_any_zip3},
        "constraints": {"min_sites": k.min_sites, "max_sites": k.max_sites,
                        "forced_open": list(k.forced_open),
                        "forced_closed": list(k.forced_closed),
                        "carrier_shares": [dict(s.__dict__) for s in k.carrier_shares]},
    }


def _site_dict(s: Site) -> dict:
    out = dict(s.__dict__)
    return {key: v for key, v in out.items() if v is not None}


def _service_dict(s: Service) -> dict:
    return {"service": s.service_id, "carrier": s.carrier, "name": s.name, "source": s.source,
            "fuel_surcharge_pct": s.fuel_surcharge_pct,
            "residential_surcharge_usd": s.residential_surcharge_usd,
            "noncontiguous_extra_days": s.noncontiguous_extra_days,
            "transit_days_by_zone": list(s.transit_days_by_zone),
            "rates_usd_by_weight_lb": {f"{w:g}": list(r) for w, r in
                                       zip(s.weight_bands_lb, s.rates_usd, strict=True)}}


def scenario_to_json(scenario: Scenario) -> str:
    return json.dumps(scenario_to_dict(scenario), indent=2)


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    Path(path).write_text(scenario_to_json(scenario) + "\n")
