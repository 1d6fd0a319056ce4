"""Robustness: is the chosen network still good if demand shifts?

Monte Carlo over demand. Draw d multiplies each state's orders by exp(e_state), e_state ~
Normal(-spread^2 / 2, spread) (mean-one lognormal: states move, the expected total does not),
on top of the scenario's own state multipliers, and adds a national growth g ~ Normal(0,
growth_sd) percentage points to its growth. Draws come from one seeded generator on the
caller's side, so a seed gives the same draws on any executor.

Per draw: the optimal design (which sites, what cost), and the current design with its sites
kept and each ZIP3 re-assigned to the cheapest lane that meets the targets (a solve with
exactly those sites open; `infeasible` when they cannot meet the targets or capacities on
that draw's demand). Regret = current design's cost - the draw's optimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from network.explore.points import PointResult, PointTask, new_sweep_id
from network.scenario import Scenario

ROBUSTNESS_COLUMNS = ["draw", "growth_pct", "orders_per_year", "status", "cost_usd",
                      "open_sites", "current_design_status", "current_design_cost_usd",
                      "regret_usd"]
FREQUENCY_COLUMNS = ["site_id", "name", "state", "lat", "lon", "draws_open", "share_of_draws",
                     "in_current_design"]


@dataclass(frozen=True)
class DemandNoise:
    """How demand is drawn: `draws` draws, state-level spread (standard deviation of the log
    multiplier, 0.10 is about +-10%), national growth standard deviation in percentage
    points, and the seed."""

    draws: int = 100
    state_spread: float = 0.10
    growth_sd_pct: float = 5.0
    seed: int = 0

    def problems(self) -> list[str]:
        out = []
        if self.draws < 1:
            out.append(f"draws must be at least 1, got {self.draws}")
        if not 0 <= self.state_spread <= 1:
            out.append(f"state spread must be in [0, 1], got {self.state_spread}")
        if not 0 <= self.growth_sd_pct <= 50:
            out.append(f"growth standard deviation must be in [0, 50] points, got "
                       f"{self.growth_sd_pct}")
        return out


def demand_draws(scenario: Scenario, noise: DemandNoise) -> list[tuple[float, Scenario]]:
    """(growth drawn in points, the scenario with that draw's demand), one per draw."""
    rng = np.random.default_rng(noise.seed)
    states = sorted(set(scenario.zip3_base.state))
    own = dict(scenario.demand.state_multipliers)
    out = []
    for _ in range(noise.draws):
        sigma = noise.state_spread
        factors = np.exp(rng.normal(-sigma ** 2 / 2, sigma, len(states)))
        growth = float(rng.normal(0.0, noise.growth_sd_pct))
        multipliers = tuple((s, own.get(s, 1.0) * float(f))
                            for s, f in zip(states, factors, strict=True))
        demand = replace(scenario.demand, state_multipliers=multipliers,
                         growth_pct=scenario.demand.growth_pct + growth)
        out.append((growth, scenario.with_changes(demand=demand)))
    return out


def robustness_tasks(scenario: Scenario, current_sites: Sequence[str], noise: DemandNoise
                     ) -> list[PointTask]:
    """One task per draw: its optimum, and the current design's sites on its demand."""
    problems = noise.problems()
    if problems:
        raise ValueError("; ".join(problems))
    sweep_id, fixed = new_sweep_id(), tuple(current_sites)
    return [PointTask(sweep_id, i, {"draw": i + 1, "growth_pct": growth}, moved,
                      fixed_sites=fixed)
            for i, (growth, moved) in enumerate(demand_draws(scenario, noise))]


def robustness_frame(points: Sequence[PointResult]) -> pd.DataFrame:
    """One row per draw (robustness.csv)."""
    rows = []
    for p in sorted(points, key=lambda p: p.index):
        o, f = p.optimum, p.fixed
        regret = None
        if o.has_design and f is not None and f.has_design:
            regret = f.cost_usd - o.cost_usd
        rows.append({"draw": p.labels["draw"], "growth_pct": p.labels["growth_pct"],
                     "orders_per_year": o.orders_per_year,
                     "status": o.status, "cost_usd": o.cost_usd,
                     "open_sites": ";".join(o.open_sites),
                     "current_design_status": f.status if f else None,
                     "current_design_cost_usd": f.cost_usd if f else None,
                     "regret_usd": regret})
    return pd.DataFrame(rows, columns=ROBUSTNESS_COLUMNS)


def site_frequency_frame(points: Sequence[PointResult], scenario: Scenario,
                         current_sites: Sequence[str]) -> pd.DataFrame:
    """How often each candidate is in a draw's optimal design (share of draws with one)."""
    designs = [p.optimum.open_sites for p in points if p.optimum.has_design]
    counts = {s: 0 for s in scenario.site_ids}
    for sites in designs:
        for s in sites:
            counts[s] += 1
    rows = [{"site_id": s.site_id, "name": s.name, "state": s.state, "lat": s.lat,
             "lon": s.lon, "draws_open": counts[s.site_id],
             "share_of_draws": counts[s.site_id] / len(designs) if designs else None,
             "in_current_design": s.site_id in current_sites} for s in scenario.sites]
    frame = pd.DataFrame(rows, columns=FREQUENCY_COLUMNS)
    return frame.sort_values(["draws_open", "site_id"], ascending=[False, True],
                             ignore_index=True)


@dataclass(frozen=True)
class RobustnessSummary:
    """Across the draws: how many had an optimum, the optimum's cost percentiles, the current
    design's cost and regret percentiles (over draws where both have a design), and the draws
    where the current sites could not meet the targets."""

    draws: int
    draws_with_optimum: int
    cost_p10_usd: float | None
    cost_p50_usd: float | None
    cost_p90_usd: float | None
    current_p50_usd: float | None
    current_p90_usd: float | None
    regret_p50_usd: float | None
    regret_p90_usd: float | None
    current_infeasible_draws: int


def summarize(frame: pd.DataFrame) -> RobustnessSummary:
    def pct(column: str, q: float) -> float | None:
        values = frame[column].dropna().to_numpy(float)
        return float(np.percentile(values, q)) if len(values) else None

    failed = frame["current_design_status"].isin(["infeasible", "rejected", "no_solution"])
    return RobustnessSummary(
        len(frame), int(frame["cost_usd"].notna().sum()), pct("cost_usd", 10),
        pct("cost_usd", 50), pct("cost_usd", 90), pct("current_design_cost_usd", 50),
        pct("current_design_cost_usd", 90), pct("regret_usd", 50), pct("regret_usd", 90),
        int(failed.sum()))
