"""The benchmark's scenario classes: the what-ifs a planning meeting asks, each timed cold and
warm after a small edit, with the textbook model (textbook.py) side by side in the same run.

Each class is a scenario file in data/scenarios/bench/ derived from the default (written by
`python -m scripts.build_bench_scenarios`). Per class: the median of `repeats` cold solves
(lanes built once, outside the timing), the median of warm re-solves after small edits (a
WarmSolver from the class's own solution: close its last open site, force a closed one open,
each share target 5 points down and up), the proven gap, and HiGHS on the textbook model to
the same gap, capped (a capped run counts as the cap, so its ratio is a lower bound). Wall and
CPU seconds both: the ratio of CPU seconds is the fair one when either side uses more than one
thread.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from network.bench.textbook import TextbookRun, textbook_highs
from network.lanes import LaneTable, build_lanes
from network.optimize import OptimizeResult, SolveParams, WarmSolver, optimize
from network.optimize.window_mip import forget_solved_lps
from network.scenario import Scenario, ShareTarget, Targets
from network.scenario_file import DATA_DIR, load_scenario

CLASS_DIR = DATA_DIR / "scenarios" / "bench"
BENCH_PARAMS = SolveParams(time_limit_s=60.0, relative_gap=1e-4)  # the gap and the
# app's time limit: a solve it stops shows as "feasible" with the gap it proved


@dataclass(frozen=True)
class ClassRow:
    name: str
    cold_s: tuple[float, ...]
    cold_cpu_s: tuple[float, ...]  # the process's CPU time in each cold solve, every thread
    warm: tuple[tuple[str, float], ...]  # (edit, seconds)
    result: OptimizeResult  # the first cold solve's
    textbook: TextbookRun | None  # None: not run

    @property
    def cold_median_s(self) -> float:
        return statistics.median(self.cold_s)

    @property
    def cold_cpu_median_s(self) -> float:
        return statistics.median(self.cold_cpu_s)

    @property
    def warm_median_s(self) -> float | None:
        return statistics.median(s for _, s in self.warm) if self.warm else None

    @property
    def ratio(self) -> float | None:
        """Textbook seconds over our cold median (a lower bound when the textbook was capped)."""
        if self.textbook is None:
            return None
        return self.textbook.seconds / max(self.cold_median_s, 1e-9)

    @property
    def cpu_ratio(self) -> float | None:
        """The textbook's CPU seconds over our cold median's: the fair ratio when either uses
        more than one thread (a lower bound when the textbook was capped; nan when killed)."""
        if self.textbook is None:
            return None
        return self.textbook.cpu_seconds / max(self.cold_cpu_median_s, 1e-9)


def class_names() -> list[str]:
    """Every class in data/scenarios/bench/, the default first."""
    names = sorted(p.stem for p in CLASS_DIR.glob("*.json"))
    return sorted(names, key=lambda n: n != "default")


def load_class(name: str) -> Scenario:
    path = CLASS_DIR / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"no benchmark class '{name}' (known: {', '.join(class_names())})")
    return load_scenario(path)


def run_class(name: str, repeats: int, warm_edits: int, textbook_limit_s: float | None
              ) -> ClassRow:
    """Time one class: cold solves, warm edits, then the textbook model (None: skipped)."""
    return time_scenario(name, load_class(name), repeats, warm_edits, textbook_limit_s)


def time_scenario(name: str, scenario: Scenario, repeats: int, warm_edits: int,
                  textbook_limit_s: float | None) -> ClassRow:
    lanes = build_lanes(scenario)
    cold, cpu = [], []
    for _ in range(max(1, repeats)):
        forget_solved_lps()  # cold: no LP of the last solve answers for this one
        start_cpu = time.process_time()
        cold.append(optimize(scenario, lanes, BENCH_PARAMS))
        cpu.append(time.process_time() - start_cpu)
    warm = warm_times(scenario, lanes, warm_edits)
    textbook = None if textbook_limit_s is None else textbook_highs(scenario, lanes,
                                                                    textbook_limit_s)
    return ClassRow(name, tuple(r.solve_seconds for r in cold), tuple(cpu), tuple(warm),
                    cold[0], textbook)


def warm_times(scenario: Scenario, lanes: LaneTable, n_edits: int) -> list[tuple[str, float]]:
    """Re-solve after each of the first `n_edits` small edits, each from the base solution."""
    solver = WarmSolver(scenario, lanes, BENCH_PARAMS)
    base = solver.solve()
    out = []
    for name, edit in small_edits(scenario, base.open_site_ids)[:n_edits]:
        solver.solve(scenario)  # back to the base solution first
        start = time.perf_counter()
        solver.solve(edit)
        out.append((name, time.perf_counter() - start))
    return out


def small_edits(scenario: Scenario, open_ids: tuple[str, ...]) -> list[tuple[str, Scenario]]:
    """Close the last open site, force the first closed site open, move every share target
    5 points down, then up."""
    k = scenario.constraints
    closeable = [s for s in open_ids if s not in k.forced_open]
    closed = [s for s in scenario.site_ids if s not in open_ids and s not in k.forced_closed]
    edits = []
    if closeable:
        edits.append((f"close {closeable[-1]}", scenario.with_changes(
            constraints=replace(k, forced_closed=k.forced_closed + (closeable[-1],)))))
    if closed:
        edits.append((f"open {closed[0]}", scenario.with_changes(
            constraints=replace(k, forced_open=k.forced_open + (closed[0],)))))
    for delta in (-5, 5):
        targets = tuple(ShareTarget(t.within_days, max(0.0, min(100.0, t.share_pct + delta)))
                        for t in scenario.targets.share_targets)
        if targets:
            edits.append((f"targets {delta:+d} pts", scenario.with_changes(
                targets=Targets(targets, scenario.targets.max_days_any_zip3))))
    return edits


def print_header() -> None:
    print(f"{'class':<24}{'cold_s':>8}{'warm_s':>8}{'gap':>10}{'textbook_s':>16}{'ratio':>8}"
          f"{'cpu_ratio':>10}  status, cost, sites")


def print_row(row: ClassRow) -> None:
    r = row.result
    warm = "-" if row.warm_median_s is None else f"{row.warm_median_s:.2f}"
    gap = "-" if r.gap is None else f"{r.gap:.1e}"
    if row.textbook is None:
        tb, ratio, cpu_ratio = "-", "-", "-"
    else:
        tb = f"{row.textbook.seconds:.1f}" + (" (capped)" if row.textbook.capped else "")
        ratio, cpu_ratio = f"{row.ratio:.1f}", f"{row.cpu_ratio:.1f}"
    cost = "-" if r.objective_usd is None else f"${r.objective_usd:,.0f}"
    print(f"{row.name[:23]:<24}{row.cold_median_s:>8.2f}{warm:>8}{gap:>10}{tb:>16}{ratio:>8}"
          f"{cpu_ratio:>10}  {r.status.value}, {cost}, {len(r.open_site_ids)}", flush=True)


def print_detail(row: ClassRow) -> None:
    print(f"    cold {[round(s, 2) for s in row.cold_s]} (CPU "
          f"{[round(s, 2) for s in row.cold_cpu_s]}); warm "
          + ", ".join(f"{n} {s:.2f}" for n, s in row.warm), flush=True)
    tb = row.textbook
    if tb is not None:
        obj = "none" if tb.objective is None else f"${tb.objective:,.0f}"
        bound = "none" if tb.bound is None else f"${tb.bound:,.0f}"
        print(f"    textbook HiGHS: {tb.status}, best {obj}, bound {bound}, CPU "
              f"{tb.cpu_seconds:.1f} s (model build {tb.build_seconds:.1f} s, not counted)",
              flush=True)
        if tb.log_tail:
            print(f"    textbook HiGHS's last log line: {tb.log_tail}", flush=True)


def class_file(name: str) -> Path:
    return CLASS_DIR / f"{name}.json"
