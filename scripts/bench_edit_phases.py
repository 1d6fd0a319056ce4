"""Where a class's warm edits go, beside the same edit solved cold, phase by phase.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/bench_edit_phases.py \
        --classes capacity_overflow_200m --edits 4 <checkout> [<checkout> ...]

Per checkout in turn, a fresh process (this interpreter, that checkout's code) takes each class
with one WarmSolver (the class solved, solved again, then each of its first `--edits` small
edits from the base solution, as scripts/bench_warm_edits.py times its warm column) and then
solves each edited scenario cold, in a new WarmSolver over the same lanes (its option
reduction before the clock, as the warm edit's was). Each solve prints its wall and CPU
seconds and, under it, the LP and MIP solves (mathopt_backend's solve_lp and solve_model, by
the module and function that asked) and a few named steps, with their calls, wall and CPU
seconds (the steps include the solves they ask for). Why: a warm edit slower than a cold
solve of its class is either the edit's own problem being harder (its cold solve does the
same work) or the warm path doing work the cold one does not; the two columns say which.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.bench_warm_edits import alternate  # noqa: E402

ONE_CHECKOUT = """
import collections, importlib, sys, time
from network.bench.classes import BENCH_PARAMS, load_class, small_edits
from network.lanes import build_lanes
from network.optimize import WarmSolver
spent = collections.defaultdict(lambda: [0, 0.0, 0.0])
def timed(mod, name, label):
    real = getattr(mod, name)
    def run(*args, **kwargs):
        key = label + " <- " + sys._getframe(1).f_code.co_name
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            row = spent[key]
            row[0] += 1
            row[1] += time.perf_counter() - wall
            row[2] += time.process_time() - cpu
    setattr(mod, name, run)
STEPS = {"capacity_cuts": ("_enumerated_master", "_fixed_sites_lp", "small_assignment",
                           "exactly_filled_design", "best_assignment"),
         "count_search": ("_heuristic_incumbent",)}
for short in ("capacity_cuts", "capacity_sets", "window_mip", "count_search", "site_branching",
              "heuristic", "lagrange", "coverage", "window_bounds", "radius_prices",
              "site_sets", "reach_sets", "share_prices", "carrier_repair"):
    try:
        mod = importlib.import_module("network.optimize." + short)
    except ImportError:
        continue
    for name in ("solve_lp", "solve_model") + STEPS.get(short, ()):
        if hasattr(mod, name):
            timed(mod, name, short + "." + name)
def show(title, wall, cpu, r):
    cost = "-" if r.objective_usd is None else f"${r.objective_usd:,.0f}"
    gap = "-" if r.gap is None else f"{r.gap:.1e}"
    print(f"{title:40s} {wall:6.2f} s cpu {cpu:6.2f}  {r.status.value} {cost} gap {gap}")
    for key, (calls, w, c) in sorted(spent.items(), key=lambda kv: -kv[1][2]):
        if c >= 0.005 or w >= 0.005:
            print(f"    {key:60s} {calls:3d} x  {w:6.3f} s cpu {c:6.3f}")
    spent.clear()
    sys.stdout.flush()
def solved(solver, scenario):
    spent.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    r = solver.solve(scenario)
    return time.perf_counter() - wall, time.process_time() - cpu, r
for name in sys.argv[1].split(","):
    scenario = load_class(name)
    lanes = build_lanes(scenario)
    solver = WarmSolver(scenario, lanes, BENCH_PARAMS)
    show(name + " cold", *solved(solver, scenario))
    for edit, edited in small_edits(scenario, solver.solve(scenario).open_site_ids)[
            :int(sys.argv[2])]:
        solver.solve(scenario)
        show(name + " " + edit + " warm", *solved(solver, edited))
        show(name + " " + edit + " cold", *solved(WarmSolver(edited, lanes, BENCH_PARAMS),
                                                  edited))
"""


def main() -> None:
    alternate(__doc__.splitlines()[0], ONE_CHECKOUT, "capacity_overflow_200m")


if __name__ == "__main__":
    main()
