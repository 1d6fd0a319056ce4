"""Cost and service KPIs of a design, computed from the design alone.

This is the independent check of every optimizer result: given the open sites (and optionally
each ZIP3's site and service) it recomputes cost, delivery days and capacity use from the lane
table, without any solver.

Annual cost = fixed (open sites) + sum_z orders_z * cost per order of z's option, whose
              elements (goods to the US, customs, inbound, handling, outbound, returns) are the
              same on both paths (network/lanes.py)
              + inventory = safety_stock_one_site x (orders / reference orders)^exponent
                x sqrt(number of open sites): the square-root law in the number of sites
                (Maister 1976) and in the volume for independent demand; none with no US site
                (network/inventory.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from network.errors import InputError, Problem, shown_value
from network.inventory import inventory_usd_per_year
from network.lanes import CROSS_BORDER, PARTS, LaneTable, build_lanes, options_frame
from network.scenario import Scenario
from network.wording import day_count

ROW_TOLERANCE = 1e-6  # how far a design may miss a row and still meet it: a share target or a
# carrier share by this share of all orders (1e-6 = 0.0001 percentage points), a capacity by
# this share of the capacity. It is the MIP solver's feasibility tolerance on those rows, and
# the optimizer accepts a design only within it (network/optimize), so a design it returns
# passes this check.
US_SITES, ABROAD = "us_sites", "cross_border"  # the two paths of the cost breakdown by path


@dataclass(frozen=True)
class Design:
    """Open sites and, optionally, the (site, service) serving each ZIP3.

    `assignment` maps ZIP3 -> (site_id, service_id); site_id CROSS_BORDER (service "") means
    shipped direct from abroad. Without an assignment each ZIP3 takes its cheapest option.
    """

    open_site_ids: tuple[str, ...]
    assignment: tuple[tuple[str, str, str], ...] = ()  # (zip3, site_id, service_id)


@dataclass(frozen=True)
class TargetCheck:
    description: str
    required: float
    achieved: float
    met: bool


@dataclass(frozen=True)
class SiteUse:
    site_id: str
    name: str
    is_open: bool
    fixed_cost_usd_per_year: float
    capacity_orders_per_year: float
    orders_per_year: float
    utilization_share: float  # orders x peak multiplier / capacity
    variable_cost_usd_per_year: float


@dataclass(frozen=True)
class Kpis:
    total_cost_usd: float
    cost_breakdown_usd: dict[str, float]  # fixed, inventory and each element of PARTS
    cost_breakdown_by_path_usd: dict[str, dict[str, float]]  # us_sites / cross_border -> same
    orders_per_year: float
    cost_per_order_usd: float
    avg_delivery_days: float
    share_within_days: dict[int, float]  # fraction of orders delivered within d days
    max_delivery_days: int
    n_open_sites: int
    carrier_share: dict[str, float]  # fraction of all orders, by carrier (and cross-border)


@dataclass(frozen=True)
class Evaluation:
    kpis: Kpis
    sites: tuple[SiteUse, ...]
    targets: tuple[TargetCheck, ...]
    violations: tuple[str, ...]
    site_index: np.ndarray  # [z] chosen site, -1 = cross-border
    service_index: np.ndarray  # [z] chosen service, -1 = cross-border
    lanes: LaneTable = field(repr=False)

    @property
    def feasible(self) -> bool:
        return not self.violations


def evaluate(scenario: Scenario, design: Design, lanes: LaneTable | None = None) -> Evaluation:
    """KPIs of `design` under `scenario`; `lanes` may be passed to save recomputing them."""
    lanes = lanes or build_lanes(scenario)
    is_open = _open_mask(lanes, design)
    if design.assignment:
        site_idx, svc_idx = _given_assignment(lanes, design, is_open)
    else:
        site_idx, svc_idx = cheapest_assignment(lanes, is_open, scenario.targets.max_days_any_zip3)
    return _report(scenario, lanes, is_open, site_idx, svc_idx)


def status_quo(scenario: Scenario, lanes: LaneTable | None = None) -> Evaluation | None:
    """The status quo, a built-in baseline: every order shipped cross-border direct from
    abroad, no US site open, costed from the same lane table as a design so that the two
    compare element by element; None when the scenario has cross-border direct disabled."""
    if not scenario.costs.cross_border.enabled:
        return None
    lanes = lanes or build_lanes(scenario)
    return evaluate(scenario, status_quo_design(lanes), lanes)


def _open_mask(lanes: LaneTable, design: Design) -> np.ndarray:
    unknown = sorted(set(design.open_site_ids) - set(lanes.site_ids))
    if unknown:
        raise InputError([Problem("design", f"unknown site id '{shown_value(u)}'", field="open")
                          for u in unknown])
    return np.array([s in design.open_site_ids for s in lanes.site_ids])


def cheapest_assignment(lanes: LaneTable, is_open: np.ndarray, max_days: int | None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Each ZIP3's cheapest option among open sites x services (and cross-border when enabled)
    that meets the per-ZIP3 day limit; when none does, its fastest option. Ties go to the
    lowest site index, then service index, so the result is the same every time."""
    n_z, n_s, n_k = lanes.shape
    cost = lanes.cost_usd_per_order.reshape(n_z, n_s * n_k)
    days = lanes.delivery_days.reshape(n_z, n_s * n_k).astype(float)
    allowed = np.repeat(is_open, n_k)[None, :].repeat(n_z, axis=0)
    if lanes.cross_border_enabled:
        cost = np.hstack([cost, np.full((n_z, 1), lanes.cross_border_usd_per_order)])
        days = np.hstack([days, np.full((n_z, 1), float(lanes.cross_border_days))])
        allowed = np.hstack([allowed, np.ones((n_z, 1), bool)])
    if not allowed.any():
        raise InputError([Problem("design", "no site is open and cross-border direct is "
                                  "disabled: nothing can serve the demand", field="open")])
    within = allowed & (days <= max_days) if max_days is not None else allowed
    fallback = ~within.any(axis=1)  # no option meets the limit: take the fastest
    score = np.where(within, cost, np.inf)
    fastest = np.where(allowed, days * 1e6 + cost, np.inf)
    choice = np.where(fallback, fastest.argmin(axis=1), score.argmin(axis=1))
    cross = choice == n_s * n_k
    site_idx = np.where(cross, -1, choice // n_k)
    svc_idx = np.where(cross, -1, choice % n_k)
    return site_idx, svc_idx


def _given_assignment(lanes: LaneTable, design: Design, is_open: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    pos = {z: i for i, z in enumerate(lanes.demand.zip3)}
    site_pos = {s: i for i, s in enumerate(lanes.site_ids)}
    svc_pos = {k: i for i, k in enumerate(lanes.service_ids)}
    site_idx = np.full(len(pos), -2)
    svc_idx = np.full(len(pos), -2)
    problems = []
    for row, (zip3, site_id, service_id) in enumerate(design.assignment, start=1):
        if zip3 not in pos:
            problems.append(Problem("assignment", f"unknown ZIP3 '{zip3}'", row, "zip3"))
        elif site_id == CROSS_BORDER:
            site_idx[pos[zip3]], svc_idx[pos[zip3]] = -1, -1
        elif site_id not in site_pos or service_id not in svc_pos:
            problems.append(Problem("assignment", f"unknown site '{site_id}' or service "
                                    f"'{service_id}'", row, "site_id"))
        else:
            site_idx[pos[zip3]], svc_idx[pos[zip3]] = site_pos[site_id], svc_pos[service_id]
    missing = [z for z, i in pos.items() if site_idx[i] == -2]
    if missing:
        problems.append(Problem("assignment", f"{len(missing)} ZIP3s have no lane, for "
                                f"example {', '.join(missing[:5])}", field="zip3"))
    if problems:
        raise InputError(problems)
    return site_idx, svc_idx


def _report(scenario: Scenario, lanes: LaneTable, is_open: np.ndarray, site_idx: np.ndarray,
            svc_idx: np.ndarray) -> Evaluation:
    orders = lanes.demand.orders_per_year
    cross = site_idx < 0
    s, k = np.where(cross, 0, site_idx), np.where(cross, 0, svc_idx)
    z = np.arange(len(orders))
    us_orders = np.where(cross, 0.0, orders)
    days = np.where(cross, lanes.cross_border_days, lanes.delivery_days[z, s, k])
    n_open = int(is_open.sum())
    by_path = _breakdown_by_path(scenario, lanes, is_open, z, s, k, cross)
    breakdown = {part: by_path[US_SITES][part] + by_path[ABROAD][part]
                 for part in by_path[US_SITES]}
    total = sum(breakdown.values())
    orders_total = float(orders.sum())
    max_day = int(days.max()) if len(days) else 0
    within = {d: float(orders[days <= d].sum() / orders_total) for d in range(1, max_day + 1)}
    kpis = Kpis(
        total_cost_usd=total, cost_breakdown_usd=breakdown, cost_breakdown_by_path_usd=by_path,
        orders_per_year=orders_total, cost_per_order_usd=total / orders_total,
        avg_delivery_days=float(days @ orders / orders_total), share_within_days=within,
        max_delivery_days=max_day, n_open_sites=n_open,
        carrier_share=_carrier_share(lanes, z, s, k, cross, orders))
    sites = _site_use(scenario, lanes, is_open, site_idx, us_orders, z, s, k)
    targets = _target_checks(scenario, days, orders)
    violations = _violations(scenario, sites, targets, is_open, site_idx, days, kpis)
    return Evaluation(kpis, sites, targets, tuple(violations), site_idx, svc_idx, lanes)


def _breakdown_by_path(scenario: Scenario, lanes: LaneTable, is_open: np.ndarray,
                       z: np.ndarray, s: np.ndarray, k: np.ndarray, cross: np.ndarray
                       ) -> dict[str, dict[str, float]]:
    """Annual cost by element on each path: the US sites (their fixed and inventory costs too)
    and cross-border direct, with the same per-order elements."""
    orders = lanes.demand.orders_per_year
    parts = lanes.parts_usd_per_order(z, s, k, cross)
    n_open = int(is_open.sum())
    inventory = inventory_usd_per_year(scenario, n_open, lanes.demand.total_orders_per_year)
    us = {"fixed": float(lanes.fixed_cost_usd_per_year[is_open].sum()),
          "inventory": float(inventory)}
    us |= {part: float(np.where(cross, 0.0, orders) @ parts[part]) for part in PARTS}
    abroad = dict.fromkeys(("fixed", "inventory"), 0.0)
    abroad |= {part: float(np.where(cross, orders, 0.0) @ parts[part]) for part in PARTS}
    return {US_SITES: us, ABROAD: abroad}


def _carrier_share(lanes: LaneTable, z: np.ndarray, s: np.ndarray, k: np.ndarray,
                   cross: np.ndarray, orders: np.ndarray) -> dict[str, float]:
    """Fraction of all orders (parcels) each carrier carries, and cross-border direct."""
    total = orders.sum()
    carried = orders[~cross] @ lanes.service_shares(z[~cross], s[~cross], k[~cross])
    share = {carrier: float(sum(carried[i] for i, c in enumerate(lanes.carriers) if c == carrier)
                            / total) for carrier in sorted(set(lanes.carriers))}
    if lanes.cross_border_enabled:
        share["cross-border direct"] = float(orders[cross].sum() / total)
    return share


def _site_use(scenario, lanes, is_open, site_idx, us_orders, z, s, k) -> tuple[SiteUse, ...]:
    per_order = lanes.cost_usd_per_order[z, s, k]
    peak = scenario.costs.peak_multiplier
    out = []
    for i, site in enumerate(scenario.sites):
        mine = site_idx == i
        served = float(us_orders[mine].sum())
        out.append(SiteUse(site.site_id, site.name, bool(is_open[i]),
                           site.fixed_cost_usd_per_year, site.capacity_orders_per_year, served,
                           served * peak / site.capacity_orders_per_year,
                           float(us_orders[mine] @ per_order[mine])))
    return tuple(out)


def _target_checks(scenario: Scenario, days: np.ndarray, orders: np.ndarray
                   ) -> tuple[TargetCheck, ...]:
    checks = []
    total = orders.sum()
    for t in scenario.targets.share_targets:
        achieved = 100 * orders[days <= t.within_days].sum() / total
        checks.append(TargetCheck(f"at least {t.share_pct:g}% of orders within "
                                  f"{day_count(t.within_days)}", t.share_pct, float(achieved),
                                  bool(achieved >= t.share_pct - 100 * ROW_TOLERANCE)))
    limit = scenario.targets.max_days_any_zip3
    if limit is not None:
        worst = float(days.max())
        checks.append(TargetCheck(f"no ZIP3 over {day_count(limit)}", limit, worst, worst <= limit))
    return tuple(checks)


def _violations(scenario, sites, targets, is_open, site_idx, days, kpis) -> list[str]:
    v = [f"target not met: {t.description} (achieved {t.achieved:.2f})" for t in targets
         if not t.met]
    v += [f"{u.site_id} over capacity: {u.utilization_share:.1%} at peak" for u in sites
          if u.utilization_share > 1 + ROW_TOLERANCE]
    closed_used = sorted({scenario.sites[i].site_id for i in site_idx[site_idx >= 0]
                          if not is_open[i]})
    v += [f"ZIP3s assigned to closed site {s}" for s in closed_used]
    k = scenario.constraints
    ids = scenario.site_ids
    v += [f"{s} is forced open but closed" for s in k.forced_open if not is_open[ids.index(s)]]
    v += [f"{s} is forced closed but open" for s in k.forced_closed if is_open[ids.index(s)]]
    if kpis.n_open_sites < k.min_sites:
        v.append(f"{kpis.n_open_sites} sites open, minimum is {k.min_sites}")
    if k.max_sites is not None and kpis.n_open_sites > k.max_sites:
        v.append(f"{kpis.n_open_sites} sites open, maximum is {k.max_sites}")
    if not scenario.costs.cross_border.enabled and (site_idx < 0).any():
        v.append("cross-border direct is disabled but used")
    us_share = sum(u.orders_per_year for u in sites) / kpis.orders_per_year
    for cs in k.carrier_shares:  # shares of the parcels shipped from US sites
        carried = kpis.carrier_share.get(cs.carrier, 0.0)  # of all orders, as us_share
        pct = 100 * carried / us_share if us_share else 0.0
        if cs.min_pct is not None and carried < cs.min_pct / 100 * us_share - ROW_TOLERANCE:
            v.append(f"{cs.carrier} carries {pct:.1f}% of parcels, minimum {cs.min_pct:g}%")
        if cs.max_pct is not None and carried > cs.max_pct / 100 * us_share + ROW_TOLERANCE:
            v.append(f"{cs.carrier} carries {pct:.1f}% of parcels, maximum {cs.max_pct:g}%")
    return v


def chosen_lanes_frame(evaluation: Evaluation) -> pd.DataFrame:
    """The option chosen for each ZIP3: site (CROSS_BORDER: direct from abroad), service,
    zone, days, orders, each cost element per order (the same on both paths), each carrier's
    share of the parcels and the service carrying each parcel weight."""
    lanes = evaluation.lanes
    site_idx, svc_idx = evaluation.site_index, evaluation.service_index
    frame = options_frame(lanes, np.arange(len(site_idx)), site_idx, svc_idx, site_idx < 0)
    frame.insert(1, "state", lanes.demand.state)
    return frame


def status_quo_design(lanes: LaneTable) -> Design:
    """Every ZIP3 shipped direct from abroad, no US site: how the company ships today."""
    return Design((), tuple((zip3, CROSS_BORDER, "") for zip3 in lanes.demand.zip3))


def kpis_dict(evaluation: Evaluation) -> dict:
    """KPIs as plain JSON-ready data (keys of share_within_days are day counts as text)."""
    k = evaluation.kpis
    return {
        "total_cost_usd": round(k.total_cost_usd, 2),
        "cost_breakdown_usd": {n: round(v, 2) for n, v in k.cost_breakdown_usd.items()},
        "cost_breakdown_by_path_usd": {path: {n: round(v, 2) for n, v in parts.items()}
                                       for path, parts in k.cost_breakdown_by_path_usd.items()},
        "orders_per_year": round(k.orders_per_year, 1),
        "cost_per_order_usd": round(k.cost_per_order_usd, 6),
        "avg_delivery_days": round(k.avg_delivery_days, 4),
        "share_within_days": {str(d): round(v, 6) for d, v in k.share_within_days.items()},
        "max_delivery_days": k.max_delivery_days,
        "n_open_sites": k.n_open_sites,
        "carrier_share": {c: round(v, 6) for c, v in k.carrier_share.items()},
        "targets": [t.__dict__ for t in evaluation.targets],
        "violations": list(evaluation.violations),
    }


def sites_frame(evaluation: Evaluation) -> pd.DataFrame:
    frame = pd.DataFrame([u.__dict__ for u in evaluation.sites])
    return frame.rename(columns={"is_open": "open"})
