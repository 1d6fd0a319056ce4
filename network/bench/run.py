"""`python -m network bench`: the optimizer against the textbook model, side by side in one run.

Rows: the default scenario (median of cold solves), the end-to-end time (lanes + solve + KPIs),
warm re-solves after small edits, and the textbook formulation (textbook.py) solved with CBC,
capped (a capped run counts as the cap and says so). `--orlib` adds the OR-Library sets
(orlib.py) and `--scale` the ZIP5 x 300 instance (zip5.py). The last line is machine-readable:
    ratio_vs_textbook=N.N median_default_solve_s=N.NN warm_resolve_s=N.NN
(`--scale-only` ends with `scale_gap=N.NNNN scale_solve_s=N.NN scale_peak_mb=N`, `--orlib-only`
with `orlib_matched=M/N`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from network.bench.orlib import run_orlib
from network.bench.textbook import textbook_cbc
from network.bench.zip5 import SCALE_GAP, run_scale
from network.lanes import LaneTable, build_lanes
from network.optimize import WarmSolver, optimize
from network.scenario import Scenario, ShareTarget, Targets
from network.scenario_file import load_default_scenario


def run_bench(args: argparse.Namespace) -> int:
    if getattr(args, "scale_only", False):
        row = run_scale(args.scale_points, args.scale_sites, args.scale_time_limit)
        print(f"scale_gap={row['gap']:.4f} scale_solve_s={row['solve_s']:.2f} "
              f"scale_peak_mb={row['peak_mb']:.0f}")
        return 0 if row["gap"] <= SCALE_GAP else 1
    if getattr(args, "orlib_only", False):
        rows = run_orlib(args.orlib_filter, args.orlib_time_limit)
        print(f"orlib_matched={sum(r[5] for r in rows)}/{len(rows)}")
        return 0 if all(r[5] for r in rows) else 1
    scenario, repeats, cap = _instance(args)
    lanes = build_lanes(scenario)
    cold = [optimize(scenario, lanes) for _ in range(repeats)]
    median = statistics.median(r.solve_seconds for r in cold)
    end_to_end = _end_to_end(scenario)
    warm = _warm_times(scenario, lanes)
    textbook = textbook_cbc(scenario, lanes, cap)
    ours = cold[0]
    print(f"{'instance':<28}{'ours_s':>10}{'textbook_cbc_s':>16}{'ratio':>8}{'our_gap':>10}")
    tb = f"{textbook.seconds:.2f}" + (" (capped)" if textbook.capped else "")
    ratio = textbook.seconds / median
    print(f"{scenario.name[:27]:<28}{median:>10.2f}{tb:>16}{ratio:>8.1f}{ours.gap:>10.2e}")
    solves = [round(r.solve_seconds, 2) for r in cold]
    print(f"  ours: {ours.status.value}, ${ours.objective_usd:,.0f}, {len(ours.open_site_ids)} "
          f"sites, bound ${ours.best_bound_usd:,.0f}; solves {solves}")
    tb_obj = "none" if textbook.objective is None else f"${textbook.objective:,.0f}"
    print(f"  textbook CBC: {textbook.status}, {tb_obj} (model build "
          f"{textbook.build_seconds:.1f} s, not counted)")
    print(f"  end to end (lanes + solve + KPIs): {end_to_end:.2f} s")
    print("  warm re-solves: " + ", ".join(f"{name} {s:.2f} s" for name, s in warm))
    if getattr(args, "orlib", False):
        run_orlib(args.orlib_filter, args.orlib_time_limit)
    if getattr(args, "scale", False):
        run_scale(args.scale_points, args.scale_sites, args.scale_time_limit)
    warm_median = statistics.median(s for _, s in warm)
    print(f"ratio_vs_textbook={ratio:.1f} median_default_solve_s={median:.2f} "
          f"warm_resolve_s={warm_median:.2f}")
    return 0


def _instance(args: argparse.Namespace) -> tuple[Scenario, int, float]:
    if getattr(args, "smoke", False):
        from network.bench.smoke import smoke_scenario

        return smoke_scenario(), 1, 10.0
    return load_default_scenario(), max(1, args.repeats), args.textbook_limit


def _end_to_end(scenario: Scenario) -> float:
    start = time.perf_counter()
    optimize(scenario, build_lanes(scenario))
    return time.perf_counter() - start


def _warm_times(scenario: Scenario, lanes: LaneTable) -> list[tuple[str, float]]:
    """Re-solve after each small edit of the base scenario, from the base solution."""
    solver = WarmSolver(scenario, lanes)
    base = solver.solve()
    out = []
    for name, edit in _edits(scenario, base.open_site_ids):
        solver.solve(scenario)  # back to the base solution first
        start = time.perf_counter()
        solver.solve(edit)
        out.append((name, time.perf_counter() - start))
    return out


def _edits(scenario: Scenario, open_ids: tuple[str, ...]) -> list[tuple[str, Scenario]]:
    k = scenario.constraints
    closed = [s for s in scenario.site_ids if s not in open_ids]
    edits = []
    if open_ids:
        edits.append((f"close {open_ids[-1]}", scenario.with_changes(
            constraints=replace(k, forced_closed=k.forced_closed + (open_ids[-1],)))))
    if closed:
        edits.append((f"open {closed[0]}", scenario.with_changes(
            constraints=replace(k, forced_open=k.forced_open + (closed[0],)))))
    for delta in (-5, 5):
        targets = tuple(ShareTarget(t.within_days, min(100.0, t.share_pct + delta))
                        for t in scenario.targets.share_targets)
        if targets:
            edits.append((f"target {delta:+d} pts", scenario.with_changes(
                targets=Targets(targets, scenario.targets.max_days_any_zip3))))
    return edits
