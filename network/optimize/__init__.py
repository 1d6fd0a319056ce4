"""The optimizer: choose sites, assign every ZIP3 a site and carrier service, prove the gap.

    optimize(scenario, lanes=None, params=SolveParams(), hint=None) -> OptimizeResult
    WarmSolver(scenario).solve(edited_scenario)  re-solve a small edit from the last solution
    sweep_site_counts(scenario, counts) -> [OptimizeResult]  best design with exactly k sites
    first_design(scenario) -> Design | None  a good design in well under a second, no proof

The algorithm on one page, each step mapped to its file: docs/optimizer.md. The files:

    scenario_solver.py  optimize(): check, reduce, build, search, then evaluate() decides
    warm_solver.py      WarmSolver and sweep_site_counts: re-solves from the last solution
    result.py           SolveStatus, SolveParams, OptimizeResult; when a bound holds
    report.py           the result as files (result.json, lanes.csv, sites.csv) and one line
    explain.py          why a scenario is infeasible, in a planner's words
    reduce.py           lane dominance: drop every option no optimal design needs
    problem.py          the solver-neutral location problem; a design's cost and site loads
    model.py            the MIP as arrays (the formulation, numbered, in its docstring)
    mathopt_backend.py  HiGHS and GLOP through OR-Tools MathOpt; solver objects stay there
    count_search.py     the exact search: best-first over counts of open sites
    window_bounds.py    what is known of each count window; bounds without a MIP
    window_mip.py       a window's MIP, kept small by reduced-cost filtering
    site_branching.py   a one-count window closed by branching on its sites, LPs warm
    lagrange.py         Lagrangian bounds for one count by subgradient ascent
    share_prices.py     the share rows' prices in those bounds, by 1-D searches
    coverage.py         counts too small to meet a share target, proven by a coverage bound
    site_sets.py        a bound per set of open sites; a window with few sets, solved set by set
    heuristic.py        greedy adding and swaps: a first design, and designs from LP or prices
    carrier_repair.py   a design repaired to meet every share row, within capacity if asked
    incumbent.py        the best design so far, and the gate (every row checked) into it
    warm_basis.py       what a search keeps for the next one: an LP basis and row prices
    approximate.py      the second optimizer, for instances too large for the exact search
                        (ZIP5 x 300 sites): a heuristic design and a Lagrangian bound, no MIP

Benchmarks (`python -m network bench`) live in network/bench/, apart from the optimizer.

The names below load their module on first use (PEP 562), as in network.store: a caller that
needs only `SolveParams` or `SolveStatus` (the command line's option defaults, parsed for
every command) does not import OR-Tools (0.3-0.8 s) through scenario_solver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from network.lazy_names import lazy_names

_WHERE = {
    "network.optimize.result": ("OptimizeResult", "SolveParams", "SolveStatus"),
    "network.optimize.scenario_solver": ("first_design", "optimize"),
    "network.optimize.warm_solver": ("WarmSolver", "sweep_site_counts"),
}
__getattr__, __dir__, __all__ = lazy_names(globals(), _WHERE)


if TYPE_CHECKING:  # what type checkers and readers see
    from network.optimize.result import OptimizeResult, SolveParams, SolveStatus  # noqa: F401
    from network.optimize.scenario_solver import first_design, optimize  # noqa: F401
    from network.optimize.warm_solver import WarmSolver, sweep_site_counts  # noqa: F401
