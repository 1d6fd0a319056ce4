"""The optimizer: choose sites, assign every ZIP3 a site and carrier service, prove the gap.

    optimize(scenario, lanes=None, params=SolveParams(), hint=None) -> OptimizeResult
    WarmSolver(scenario).solve(edited_scenario)  re-solve a small edit from the last design
    sweep_site_counts(scenario, counts) -> [OptimizeResult]  best design with exactly k sites
    first_design(scenario) -> Design | None  a good design in well under a second, no proof

Stages (each its own module): reduce.py (lane dominance) -> problem.py (solver-neutral data)
-> model.py (the MIP as arrays, formulation in its docstring) -> search.py (the exact search,
below) -> evaluate() (the independent check); explain.py says why a scenario is infeasible.

The exact search (search.py) works one count of open sites at a time:
    heuristic.py   a design first (greedy + swaps; after an edit, swaps from the last design),
                   and the design rounded from each LP or window's prices
    windows.py     count windows: a small LP over each point's nearest sites (over all counts,
                   beside the heuristic, for a cold start; else per count) whose lifted prices
                   usually settle the windows, else the full LP (solve.py: HiGHS cold, GLOP
                   from a kept basis) and a reduced-cost filtered MIP; estimates that let most
                   counts go unsolved
    lagrange.py    subgradient bounds for counts without their own LP
    enumerate.py   1-2 open sites with binding capacity: solved one site set at a time
    scale.py       ZIP5 x 300 sites: heuristic + Lagrangian bound to a stated gap (no MIP)
    bench.py, orlib.py, smoke.py   `python -m network bench` and the OR-Library readers
"""

from network.optimize.optimizer import WarmSolver, first_design, optimize, sweep_site_counts
from network.optimize.result import OptimizeResult, SolveParams, SolveStatus

__all__ = ["OptimizeResult", "SolveParams", "SolveStatus", "WarmSolver", "first_design",
           "optimize", "sweep_site_counts"]
