"""My network: exactly the sites a planner picks, costed against the delivery targets.

A planner often knows the network to cost ("Seattle + Dallas + New Jersey, nothing else", or
the network running today). `my_network_scenario` turns that pick into the scenario's own
constraints: the picked sites forced open, every other candidate forced closed, and the site
count limits dropped (the pick says how many). `cost_my_network` then asks the optimizer for
the cheapest assignment of ZIP3s to those sites and services that meets the targets, capacity,
the per-ZIP3 day limit and carrier shares; when none does, the result carries the optimizer's
explanation and `reach` says what those sites do achieve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from network.errors import InputError, Problem, shown_value
from network.evaluate import Design, Evaluation, evaluate
from network.lanes import LaneTable, build_lanes
from network.scenario import Scenario
from network.wording import day_count

if TYPE_CHECKING:  # the optimizer loads ortools; importing this module should not
    from network.optimize.result import OptimizeResult, SolveParams


def picked_site_ids(scenario: Scenario, site_ids: Iterable[str]) -> tuple[str, ...]:
    """The pick in the scenario's site order, each once; InputError naming unknown ids."""
    wanted = [s.strip() for s in site_ids if s.strip()]
    unknown = [s for s in dict.fromkeys(wanted) if s not in scenario.site_ids]
    if unknown:
        known = ", ".join(scenario.site_ids)
        raise InputError([Problem("my network", f"unknown site id '{shown_value(s)}' (the "
                                  f"scenario's sites are {known})", field="open")
                          for s in unknown])
    return tuple(s for s in scenario.site_ids if s in set(wanted))


def my_network_scenario(scenario: Scenario, site_ids: Iterable[str]) -> Scenario:
    """`scenario` with exactly `site_ids` open: those forced open, every other site forced
    closed, no minimum or maximum site count."""
    picked = picked_site_ids(scenario, site_ids)
    constraints = replace(scenario.constraints, forced_open=picked,
                          forced_closed=tuple(s for s in scenario.site_ids if s not in picked),
                          min_sites=0, max_sites=None)
    return scenario.with_changes(constraints=constraints)


def exact_network(scenario: Scenario) -> tuple[str, ...] | None:
    """The picked sites when `scenario`'s constraints fix every site open or closed (a "my
    network" scenario), else None."""
    k = scenario.constraints
    if set(k.forced_open) | set(k.forced_closed) != set(scenario.site_ids):
        return None
    return tuple(s for s in scenario.site_ids if s in set(k.forced_open))


@dataclass(frozen=True)
class Reach:
    """What a set of open sites achieves when the targets cannot all be met."""

    best_share_within: dict[int, float]  # per target's day count: the fastest lanes' share
    cheapest: Evaluation  # each ZIP3 on its cheapest lane (targets ignored)

    def sentences(self, scenario: Scenario) -> list[str]:
        out = [f"at best {100 * share:.1f}% of orders within {day_count(d)} (target "
               f"{_target_pct(scenario, d):g}%), every ZIP3 on its fastest lane from these "
               f"sites, capacity aside" for d, share in self.best_share_within.items()]
        k = self.cheapest.kpis
        within = ", ".join(f"{100 * k.share_within_days.get(d, 1.0):.1f}% within {day_count(d)}"
                           for d in self.best_share_within)
        out.append(f"each ZIP3 on its cheapest lane from these sites: ${k.total_cost_usd:,.0f} "
                   f"a year, {within}")
        return out


@dataclass(frozen=True)
class MyNetworkResult:
    """The optimizer's answer for exactly these open sites, and what they reach when it
    finds no design."""

    site_ids: tuple[str, ...]
    scenario: Scenario  # the scenario with the pick as its constraints
    result: OptimizeResult
    reach: Reach | None  # None when a design meets the targets

    def explanation(self) -> list[str]:
        """Why no design: the optimizer's sentences, then what these sites reach."""
        if self.reach is None:
            return list(self.result.explanation)
        return list(self.result.explanation) + [
            "what these sites reach: " + s for s in self.reach.sentences(self.scenario)]


def cost_my_network(scenario: Scenario, site_ids: Iterable[str],
                    lanes: LaneTable | None = None,
                    params: SolveParams | None = None) -> MyNetworkResult:
    """The cheapest assignment to exactly `site_ids` meeting `scenario`'s targets, or why
    not. `lanes` are the scenario's (the pick does not change them)."""
    from network.optimize import SolveParams, optimize

    mine = my_network_scenario(scenario, site_ids)
    lanes = lanes or build_lanes(scenario)
    result = optimize(mine, lanes, params or SolveParams())
    picked = exact_network(mine) or ()
    reach = None if result.status.has_design else what_sites_reach(mine, picked, lanes)
    return MyNetworkResult(picked, mine, result, reach)


def what_sites_reach(scenario: Scenario, site_ids: tuple[str, ...], lanes: LaneTable
                     ) -> Reach | None:
    """The fastest share within each target's days, and the cheapest-lane evaluation, of
    these open sites (None when nothing can serve the demand: no site, no cross-border)."""
    is_open = np.isin(lanes.site_ids, site_ids)
    if not is_open.any() and not lanes.cross_border_enabled:
        return None
    fastest = np.where(is_open[None, :, None], lanes.delivery_days.astype(float), np.inf)
    best = fastest.min(axis=(1, 2))
    if lanes.cross_border_enabled:
        best = np.minimum(best, lanes.cross_border_days)
    orders = lanes.demand.orders_per_year
    shares = {t.within_days: float(orders[best <= t.within_days].sum() / orders.sum())
              for t in scenario.targets.share_targets}
    return Reach(shares, evaluate(scenario, Design(site_ids), lanes))


def _target_pct(scenario: Scenario, within_days: int) -> float:
    return next(t.share_pct for t in scenario.targets.share_targets
                if t.within_days == within_days)
