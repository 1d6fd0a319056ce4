"""The solver-neutral location problem that the model is built from.

A `LocationProblem` is plain data: demand points, candidate sites and, for every demand point,
its *options* (a site and service with a cost per order and delivery days, or "no site" for
cross-border direct). Scenarios become problems through `problem_from_scenario` (after the lane
reduction of `reduce.py`); the OR-Library benchmarks become problems through `orlib.py`, so the
same model and solver prove both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from network.evaluate import ROW_TOLERANCE
from network.inventory import inventory_usd_per_year
from network.lanes import LaneTable
from network.scenario import Scenario

NO_SITE = -1  # option index of "no site": cross-border direct

SHARE_SLACK = ROW_TOLERANCE  # how far a design may miss a share row (a target (3) or a carrier
# share (7), in shares of all orders) and still meet it: evaluate()'s and incumbent.offer's. A
# bound must hold for every design they accept, so every relaxation lowers the row's right-hand
# side by this (docs/optimizer.md, "The rows a design must meet, and what a bound bounds").


def capacity_slack(problem: LocationProblem) -> np.ndarray:
    """[s] How many orders a design may load a site beyond its capacity and still meet it
    (ROW_TOLERANCE of the capacity, as evaluate() and overloaded_sites); 0 where it is
    infinite. The capacity rows' SHARE_SLACK: every bound prices the capacity Q_s + this."""
    capacity = problem.capacity_orders_per_year
    return np.where(np.isfinite(capacity), ROW_TOLERANCE * capacity, 0.0)


@dataclass(frozen=True)
class Options:
    """Every option kept for each demand point, sorted by (point, cost, site, service).

    Arrays are indexed by option p. `site[p]` is NO_SITE for cross-border direct; `service[p]`
    is -1 then (and for problems without services, such as the OR-Library ones)."""

    point: np.ndarray  # [p] demand point (ZIP3) index
    site: np.ndarray  # [p] site index or NO_SITE
    service: np.ndarray  # [p] service index or -1
    cost_usd_per_order: np.ndarray  # [p]
    days: np.ndarray  # [p] delivery days

    def __len__(self) -> int:
        return len(self.point)

    @cached_property
    def site_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the options at a site, the index of each one's (point, site) pair, each pair's
        site), the pairs in (point, site) order: the link rows of model.py, one per pair.
        Made once per Options. Why: np.unique over sites_150's 260,000 options took 12-18 ms
        of every model built, and a WarmSolver's edits keep their options (BENCHMARKS.md,
        branch warm5)."""
        at_site = np.nonzero(self.site != NO_SITE)[0]
        width = int(self.site[at_site].max()) + 1 if len(at_site) else 1
        pairs, pair_of = np.unique(self.point[at_site] * width + self.site[at_site],
                                   return_inverse=True)
        return at_site, pair_of, pairs % width


@dataclass(frozen=True)
class CarrierBound:
    """Share of parcels shipped from sites that one carrier may carry (fractions 0-1)."""

    carrier: str
    option_fraction: np.ndarray  # [p] share of each option's parcels this carrier carries
    min_share: float | None
    max_share: float | None


@dataclass(frozen=True)
class ShareRequirement:
    """At least `share` (0-1) of orders within `within_days` days."""

    within_days: int
    share: float


@dataclass(frozen=True)
class LocationProblem:
    """min fixed + per-order costs + inventory(count) subject to the scenario's constraints."""

    orders_per_year: np.ndarray  # [z]
    fixed_cost_usd_per_year: np.ndarray  # [s]
    capacity_orders_per_year: np.ndarray  # [s] after dividing by the peak multiplier
    options: Options
    inventory_usd_by_count: np.ndarray  # [n] for n = 0..n_sites open sites
    min_sites: int
    max_sites: int
    forced_open: np.ndarray  # [s] bool
    forced_closed: np.ndarray  # [s] bool
    share_requirements: tuple[ShareRequirement, ...] = ()
    carrier_bounds: tuple[CarrierBound, ...] = ()

    @property
    def n_points(self) -> int:
        return len(self.orders_per_year)

    @property
    def n_sites(self) -> int:
        return len(self.fixed_cost_usd_per_year)

    @cached_property
    def cheapest_cost_per_order(self) -> np.ndarray:
        """[z] each point's cheapest option per order, whatever is open (inf: no option)."""
        cheapest = np.full(self.n_points, np.inf)
        np.minimum.at(cheapest, self.options.point, self.options.cost_usd_per_order)
        return cheapest

    @cached_property
    def cheapest_assignment_usd(self) -> float:
        """Every point at its cheapest option, whatever is open: part of a cheap lower bound
        that the search asks for hundreds of times (computed once per problem)."""
        return float(self.orders_per_year @ self.cheapest_cost_per_order)

    @property
    def single_sourcing_matters(self) -> bool:
        """True when a point split over options could beat any single choice, so the
        assignment must be binary (targets, carrier shares or capacities couple the points)."""
        return bool(self.share_requirements or self.carrier_bounds)


def inventory_by_count(scenario: Scenario, orders_per_year: float) -> np.ndarray:
    """Safety-stock carrying cost with 0..n_sites open sites (network/inventory.py)."""
    return np.array([inventory_usd_per_year(scenario, n, orders_per_year)
                     for n in range(len(scenario.sites) + 1)])


def site_masks(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    ids = scenario.site_ids
    forced_open = np.array([s in scenario.constraints.forced_open for s in ids], dtype=bool)
    forced_closed = np.array([s in scenario.constraints.forced_closed for s in ids], dtype=bool)
    return forced_open, forced_closed


def problem_from_scenario(scenario: Scenario, lanes: LaneTable, options: Options
                          ) -> LocationProblem:
    """The location problem of a scenario, over the reduced `options` (see reduce.py)."""
    k = scenario.constraints
    forced_open, forced_closed = site_masks(scenario)
    n_sites = len(scenario.sites)
    max_sites = n_sites if k.max_sites is None else min(k.max_sites, n_sites)
    shipped = options.site != NO_SITE
    site, service = np.where(shipped, options.site, 0), np.where(shipped, options.service, 0)
    bounds = tuple(
        CarrierBound(c.carrier, np.where(shipped, lanes.carrier_fraction(c.carrier)[
                         options.point, site, service], 0.0),
                     None if c.min_pct is None else c.min_pct / 100,
                     None if c.max_pct is None else c.max_pct / 100)
        for c in k.carrier_shares)
    return LocationProblem(
        orders_per_year=lanes.demand.orders_per_year.astype(float),
        fixed_cost_usd_per_year=lanes.fixed_cost_usd_per_year.astype(float),
        capacity_orders_per_year=lanes.capacity_orders_per_year / scenario.costs.peak_multiplier,
        options=options,
        inventory_usd_by_count=inventory_by_count(scenario,
                                                  lanes.demand.total_orders_per_year),
        min_sites=k.min_sites, max_sites=max_sites,
        forced_open=forced_open, forced_closed=forced_closed,
        share_requirements=tuple(ShareRequirement(t.within_days, t.share_pct / 100)
                                 for t in scenario.targets.share_targets),
        carrier_bounds=bounds)


def problem_cost(problem: LocationProblem, is_open: np.ndarray, choice: np.ndarray) -> float:
    """Objective of a design in the problem's own terms (independent of any solver)."""
    opt = problem.options
    variable = float(problem.orders_per_year @ opt.cost_usd_per_order[choice])
    n_open = int(is_open.sum())
    return (float(problem.fixed_cost_usd_per_year[is_open].sum()) + variable
            + float(problem.inventory_usd_by_count[n_open]))


def site_loads(problem: LocationProblem, choice: np.ndarray) -> np.ndarray:
    """Orders a year each site serves in a design (one option per point)."""
    sites = problem.options.site[choice]
    us = sites != NO_SITE
    return np.bincount(sites[us], weights=problem.orders_per_year[us], minlength=problem.n_sites)


def overloaded_sites(problem: LocationProblem, choice: np.ndarray) -> tuple[int, ...]:
    """Sites a design loads beyond their capacity by more than ROW_TOLERANCE (evaluate()'s)."""
    over = site_loads(problem, choice) > problem.capacity_orders_per_year * (1 + ROW_TOLERANCE)
    return tuple(int(s) for s in np.nonzero(over)[0])
