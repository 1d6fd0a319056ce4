"""The cost of a delivery promise: the frontier, and the site-count view with targets kept.

Frontier: for a promise "share of orders within N days" (N = 1, 2 or 3) at each level, and for
each number of sites k in the counts (exactly k open) and for "any" number the scenario allows,
the cheapest design meeting that level with every other target and constraint of the scenario
kept. A level above the share bound (reach.py) for a count is infeasible without a solve, and
the bound is the best share reachable shown beside it.

The envelope (the "any" rows) is, at each level, the cheapest design found for any count the
scenario allows. When the count rows of that level are settled and a bound shows that no count
outside them can be cheaper (envelope.py), it is the cheapest row, its gap against the least of
the rows' bounds and that bound, and no search runs for it; else the "any" solve itself, or a
count's point when that came out cheaper within the solver's gap, its gap against the "any"
solve's bound, which holds for every count. The knee is the envelope point farthest below the
chord joining its first and last feasible points (both axes scaled to 0-1): where the cost of a
further point of promise starts to climb fastest.

Site counts: the cheapest design with exactly k sites meeting the scenario's own targets (the
Tradeoffs view, which used to drop them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from network.explore.points import Outcome, PointResult, PointTask, new_sweep_id, with_bound
from network.explore.reach import site_count_range
from network.scenario import Scenario, ShareTarget

ANY = "any"  # the `sites` label of the envelope
FRONTIER_COLUMNS = ["sites", "target", "status", "cost_usd", "cost_per_order_usd", "avg_days",
                    "share_within_1d", "share_within_2d", "share_within_3d", "open_sites",
                    "gap", "best_share", "knee"]
GAP_SLACK = 1e-9


def with_promise(scenario: Scenario, within_days: int, level: float) -> Scenario:
    """`scenario` with its target for N days set to `level` (0-1), added if it had none."""
    pct = round(100 * level, 9)
    others = tuple(t for t in scenario.targets.share_targets if t.within_days != within_days)
    targets = replace(scenario.targets, share_targets=others + (ShareTarget(within_days, pct),))
    return scenario.with_changes(targets=targets)


def with_site_count(scenario: Scenario, count: int) -> Scenario:
    """`scenario` with exactly `count` sites open."""
    return scenario.with_changes(constraints=replace(scenario.constraints, min_sites=count,
                                                     max_sites=count))


def frontier_tasks(scenario: Scenario, within_days: int, levels: Sequence[float],
                   counts: Sequence[int], include_any: bool = True) -> list[PointTask]:
    """One task per (count, level), count by count with levels falling, then the "any" row.
    Falling, so that a worker's next point is near its last and the last design meets the
    next level (a design meeting a share meets every lower one: the warm solver's incumbent
    from the start); rising, it never did. Each count's levels are one chain, walked in turn
    by one worker (executor._Plan). An "any" point waits for the count points of its
    level (those the scenario allows) and is searched only when they cannot settle it
    (envelope.py)."""
    sweep_id = new_sweep_id()
    lo, hi = site_count_range(scenario)
    tasks: list[PointTask] = []
    for k in counts:
        base = with_site_count(scenario, k)
        for level in sorted(levels, reverse=True):
            tasks.append(PointTask(sweep_id, len(tasks), {"sites": k, "target": level},
                                   with_promise(base, within_days, level), check_reach=True,
                                   chain=f"{k} sites"))
    if include_any:
        for level in sorted(levels):
            swept = [t for t in tasks if t.labels["target"] == level
                     and lo <= t.labels["sites"] <= hi]
            tasks.append(PointTask(
                sweep_id, len(tasks), {"sites": ANY, "target": level},
                with_promise(scenario, within_days, level), check_reach=True,
                after=tuple(t.index for t in swept),
                swept_counts=tuple(t.labels["sites"] for t in swept)))
    return tasks


def site_count_tasks(scenario: Scenario, counts: Sequence[int]) -> list[PointTask]:
    """The cheapest design with exactly k sites meeting the scenario's targets, per k."""
    sweep_id = new_sweep_id()
    return [PointTask(sweep_id, i, {"sites": k}, with_site_count(scenario, k), check_reach=True)
            for i, k in enumerate(counts)]


def outcome_columns(outcome: Outcome, within_days: int | None) -> dict:
    """The CSV columns of one outcome (open sites joined by ';'); `best_share` is the share
    bound for N = `within_days` when the bound decided the point."""
    share = outcome.share_within
    best = outcome.best_share.get(within_days) if within_days is not None else None
    return {"status": outcome.status, "cost_usd": outcome.cost_usd,
            "cost_per_order_usd": outcome.cost_per_order_usd, "avg_days": outcome.avg_days,
            "share_within_1d": share.get(1), "share_within_2d": share.get(2),
            "share_within_3d": share.get(3), "open_sites": ";".join(outcome.open_sites),
            "gap": outcome.gap, "best_share": best}


def site_count_frame(points: Sequence[PointResult], scenario: Scenario) -> pd.DataFrame:
    """One row per count: the frontier's columns (no target, no knee; `best_share` for the
    scenario's first share target) and the explanation."""
    targets = scenario.targets.share_targets
    days = targets[0].within_days if targets else None
    rows = [{"sites": p.labels["sites"], **outcome_columns(p.optimum, days),
             "explanation": " ".join(p.optimum.explanation)}
            for p in sorted(points, key=lambda p: p.index)]
    return pd.DataFrame(rows, columns=["sites"] + FRONTIER_COLUMNS[2:-1] + ["explanation"])


def frontier_frame(points: Sequence[PointResult], scenario: Scenario, within_days: int
                   ) -> pd.DataFrame:
    """Every point with the CSV columns, count rows first then the envelope ("any") rows,
    each by level; the knee flagged on the envelope. Points still missing (a cancelled sweep)
    are left out."""
    by_key = {(p.labels["sites"], p.labels["target"]): p.optimum for p in points}
    counts = sorted({k for k, _ in by_key if k != ANY})
    levels = sorted({t for _, t in by_key})
    rows = [{"sites": k, "target": t, **outcome_columns(by_key[k, t], within_days)}
            for k in counts for t in levels if (k, t) in by_key]
    lo, hi = site_count_range(scenario)
    for t in levels:
        if (ANY, t) in by_key:
            candidates = [by_key[k, t] for k in counts if lo <= k <= hi and (k, t) in by_key]
            envelope = envelope_outcome(by_key[ANY, t], candidates)
            rows.append({"sites": ANY, "target": t, **outcome_columns(envelope, within_days)})
    frame = pd.DataFrame(rows, columns=FRONTIER_COLUMNS[:-1])
    frame["knee"] = False
    knee = knee_index(frame[frame["sites"] == ANY])
    if knee is not None:
        frame.loc[knee, "knee"] = True
    return frame


def envelope_outcome(any_count: Outcome, per_count: Sequence[Outcome]) -> Outcome:
    """The cheapest of the "any" solve and the counts' designs at one level, with its gap
    against the "any" solve's bound (a bound over every count)."""
    designs = [o for o in (any_count, *per_count) if o.has_design]
    if not designs:
        return any_count
    best = min(designs, key=lambda o: o.cost_usd)
    if best is any_count or any_count.bound_usd is None:
        return best
    return with_bound(best, any_count.bound_usd)


def knee_index(envelope: pd.DataFrame) -> object | None:
    """The row label of the envelope's knee (at least 3 points with a design), else None."""
    feasible = envelope[envelope["cost_usd"].notna()].sort_values("target")
    if len(feasible) < 3:
        return None
    x = feasible["target"].to_numpy(float)
    y = feasible["cost_usd"].to_numpy(float)
    if x[-1] == x[0] or y[-1] == y[0]:
        return None
    xs, ys = (x - x[0]) / (x[-1] - x[0]), (y - y[0]) / (y[-1] - y[0])
    below = xs - ys  # the chord is ys = xs after scaling
    i = int(np.argmax(below))
    return feasible.index[i] if below[i] > GAP_SLACK else None
