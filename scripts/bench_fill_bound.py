"""How close to the fixed-sites LP a design can come using only options of small reduced cost.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/bench_fill_bound.py \
        --classes capacity_overflow_200m --edits 4 --near 1,0.02,0.1 --seconds 20 .

Per checkout in turn, a fresh process (this interpreter, that checkout's code) solves each
class with one WarmSolver, then each of its first `--edits` small edits from the base solution
(as scripts/bench_warm_edits.py times its warm column), and catches the arguments of every
call to capacity_sets.small_assignment (the narrow assignment MIP on the least set). For each
caught call and each `--near` (USD of reduced cost, or below 1 a multiple of the caller's gap
in USD of the LP's bound), it solves with CP-SAT (one worker, `--seconds`) the assignment to
the same sites restricted to the options of reduced cost at most that (and those the LP
uses), with the objective

    sum_p max(r_p, 0) x_p + sum_s m_s (Q_s - load_s) + sigma (fast - a O),

r the fixed-sites LP's reduced costs, m_s its capacity prices per order (Q_s the loosened
capacity), sigma its share target's price per order (one target; a O at the target itself,
above the loosened row's, which only lowers the sum). Every design's cost exceeds the LP's
bound by at least that (the dropped terms, the link rows' prices times their slack and the
negative reduced costs' box terms, are >= 0), and the CP-SAT model is a relaxation of the
restricted problem (loads with their orders rounded down, the capacity and the target's
orders rounded out, the objective's coefficients rounded down to the cent), so CP-SAT's
proven bound is a lower bound on (cost - LP bound) of every design using only those options.
Prints it beside the room the caller has (its `enough`, a cost that proves its window, less
the LP's bound) and the best design CP-SAT found: a bound above the room says that no design
of those options proves the window. Why: issue 15's capacity_overflow_200m edits spend most
of their time in that MIP, and a fill of the sites' subset sums over the options tied at zero
reduced cost was the proposed way around it; this says whether such a fill can be within the
gap at all (BENCHMARKS.md, branch overflow15).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ONE_CHECKOUT = """
import math, sys, time
import numpy as np
from ortools.sat.python import cp_model
from network.bench.classes import BENCH_PARAMS, load_class, small_edits
from network.lanes import build_lanes
from network.optimize import WarmSolver, capacity_cuts
from network.optimize.lagrange import coupling_rows
from network.optimize.model import lagrangian_bound
from network.optimize.problem import NO_SITE
from network.optimize.window_mip import fixed_sites_columns, fixed_sites_lp
NEAR = [float(v) for v in sys.argv[3].split(",")]
SECONDS = float(sys.argv[4])
caught = []
real = capacity_cuts.small_assignment
def catch(problem, full, is_open, best, gap, deadline, enough=None):
    caught.append((problem, full, is_open.copy(), gap, enough, best))
    return real(problem, full, is_open, best, gap, deadline, enough)
capacity_cuts.small_assignment = catch
def bound_of(problem, full, is_open, gap, enough, best, near):
    fixed, keep = fixed_sites_columns(problem, full, is_open)
    keep_x = keep[fixed.x]
    sub, cols, rows, lp = fixed_sites_lp(problem, full, is_open, fixed, keep_x, best,
                                         time.perf_counter() + 60)
    sub_bound, reduced = lagrangian_bound(sub, lp.duals)
    duals = np.zeros(len(fixed.row_lb))
    duals[rows] = lp.duals
    values = np.zeros(len(fixed.var_lb)); values[cols] = lp.values
    at = np.full(len(fixed.var_lb), np.inf); at[cols] = reduced
    x, r = values[fixed.x], at[fixed.x]
    opt, o = problem.options, problem.orders_per_year
    total = float(o.sum())
    near_usd = near if near >= 1 else near * gap * abs(sub_bound)
    cand = np.nonzero(keep_x & ((r <= near_usd) | (x > 1e-9)))[0]
    m = np.zeros(problem.n_sites)
    for s in np.nonzero(is_open)[0]:
        for row in fixed.rows_of(f"capacity[{s}]"):
            m[s] = max(0.0, -duals[row])
    (target,) = problem.share_requirements
    sigma = max(0.0, float(duals[fixed.rows_of(f"target[{target.within_days}]")[0]])) / total
    fast = coupling_rows(problem)[0][0] > 0
    model = cp_model.CpModel()
    var = [model.NewBoolVar("") for _ in cand]
    for z in np.unique(opt.point[cand]):
        model.AddExactlyOne([var[i] for i in np.nonzero(opt.point[cand] == z)[0]])
    cents = lambda v: int(math.floor(v * 100))  # noqa: E731
    objective, const = [], 0
    for s in np.nonzero(is_open)[0]:
        if not len(fixed.rows_of(f"capacity[{s}]")):
            continue  # no row to meet there
        here = np.nonzero(opt.site[cand] == s)[0]
        room = problem.capacity_orders_per_year[s] * (1 + 1e-6)
        model.Add(sum(int(math.floor(o[opt.point[cand[i]]])) * var[i] for i in here)
                  <= int(math.ceil(room)))
        const += cents(m[s] * room)
        objective += [cents(-m[s] * o[opt.point[cand[i]]]) * var[i] for i in here]
    quick = np.nonzero(fast[cand])[0]
    model.Add(sum(int(math.ceil(o[opt.point[cand[i]]])) * var[i] for i in quick)
              >= int(math.floor((target.share - 1e-6) * total)))
    const += cents(-sigma * target.share * total)
    objective += [cents(sigma * o[opt.point[cand[i]]]) * var[i] for i in quick]
    objective += [cents(max(r[p], 0.0)) * var[i] for i, p in enumerate(cand)]
    model.Minimize(sum(objective) + const)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = SECONDS
    cpu = time.process_time()
    status = solver.Solve(model)
    found = (solver.ObjectiveValue() / 100 if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
             else float("nan"))
    room = enough - sub_bound  # a design at most `enough` proves the caller's window
    return (len(np.unique(opt.point[cand])), len(cand), near_usd, room,
            solver.BestObjectiveBound() / 100, found, solver.StatusName(status),
            time.process_time() - cpu)
for name in sys.argv[1].split(","):
    scenario = load_class(name)
    solver = WarmSolver(scenario, build_lanes(scenario), BENCH_PARAMS)
    base = solver.solve()
    for edit, edited in small_edits(scenario, base.open_site_ids)[:int(sys.argv[2])]:
        solver.solve(scenario)
        caught.clear()
        solver.solve(edited)
        for problem, full, is_open, gap, enough, best in caught:
            if enough is None or len(problem.share_requirements) != 1:
                continue
            for near in NEAR:
                points, options, usd, room, bound, found, status, cpu = bound_of(
                    problem, full, is_open, gap, enough, best, near)
                print(f"{name} {edit:14s} r <= ${usd:9,.0f}: {points} points, {options} options;"
                      f" room ${room:,.0f}, CP-SAT bound ${bound:,.0f} "
                      f"({'above' if bound > room else 'within'} the room), best ${found:,.0f}"
                      f" {status} cpu {cpu:.1f}", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--classes", default="capacity_overflow_200m")
    parser.add_argument("--edits", type=int, default=4)
    parser.add_argument("--near", default="1,0.02,0.1")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    for checkout in args.checkouts:
        print(f"== {checkout}", flush=True)
        subprocess.run([sys.executable, "-c", ONE_CHECKOUT, args.classes, str(args.edits),
                        args.near, str(args.seconds)], cwd=checkout.resolve(), check=True)


if __name__ == "__main__":
    main()
