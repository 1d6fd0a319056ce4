"""The optimizer: choose sites, assign every ZIP3 a site and carrier service, prove the gap.

    optimize(scenario, lanes=None, params=SolveParams(), hint=None) -> OptimizeResult
    WarmSolver(scenario).solve(edited_scenario)  re-solve a small edit from the last design
    sweep_site_counts(scenario, counts) -> [OptimizeResult]  best design with exactly k sites
    first_design(scenario) -> Design | None  a good design in well under a second, no proof

Stages (each its own module): reduce.py (lane dominance) -> problem.py (solver-neutral data)
-> model.py (the MIP as arrays, formulation in its docstring) -> solve.py (HiGHS via MathOpt)
-> search.py (capacity row generation) -> evaluate() (the independent check); explain.py says
why a scenario is infeasible.
"""

from network.optimize.optimizer import WarmSolver, first_design, optimize, sweep_site_counts
from network.optimize.result import OptimizeResult, SolveParams, SolveStatus

__all__ = ["OptimizeResult", "SolveParams", "SolveStatus", "WarmSolver", "first_design",
           "optimize", "sweep_site_counts"]
