"""The best design found so far, and the one gate every design passes to become it.

Designs come from the heuristic, from rounded LPs and prices, and from MIPs whose values are
integral and feasible only within the solver's tolerances. `offer` reads a design from such
values (sites with y > 0.5, each point's largest x), rebuilds its exact 0/1 vector, checks it
against every row of the model with the tolerance evaluate() uses (its slack), costs it
exactly, and keeps it only if it is cheaper. So the incumbent always is a design that meets
the model, at the cost the model gives it; evaluate() then checks it against the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from network.optimize.model import MipModel, entries_of
from network.optimize.problem import LocationProblem


@dataclass
class Incumbent:
    """The best design so far: its cost, its exact 0/1 vector over the full model's variables
    (or only a hint for the solver, with cost inf), and whether a solver limit cut a MIP short
    on the way (then no proof is claimed)."""

    objective: float = np.inf
    values: np.ndarray | None = None
    hit_limit: bool = False
    priced_sites: set[bytes] = field(default_factory=set)  # open-site masks (bytes) whose
    # priced assignment was offered in this search (count_search._offer_priced)
    fixed_lps: dict[bytes, object] = field(default_factory=dict)  # open-site mask (bytes) ->
    # the fixed-sites LP solved in this search (window_mip.fixed_sites_lp), of one model
    repaired_prices: tuple[float, np.ndarray] | None = None  # (cost, sigma): a repaired
    # design that became the incumbent at that cost, and the rows' prices of the priced
    # choice it was repaired from (carrier_repair.offer_repaired); stale once `objective`
    # is another cost


def read_design(problem: LocationProblem, model: MipModel, values: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Open sites and each point's option from a solver's values: y > 0.5, and the largest x
    of each point (the options are sorted by cost, so a split point takes its cheapest)."""
    is_open = values[model.y] > 0.5
    x = values[model.x]
    opt = problem.options
    starts = np.searchsorted(opt.point, np.arange(problem.n_points))
    best = np.maximum.reduceat(x, starts)
    first_max = np.nonzero(x >= best[opt.point] - 1e-6)[0]
    _, pick = np.unique(opt.point[first_max], return_index=True)
    return is_open, first_max[pick]


def design_vector(model: MipModel, is_open: np.ndarray, choice: np.ndarray
                  ) -> np.ndarray | None:
    """The exact 0/1 vector of a design (open sites, one option per point) over the model's
    variables; None when the model has no count variable for its number of open sites."""
    n = int(is_open.sum())
    where = np.nonzero(model.count_values == n)[0]
    if not len(where):
        return None
    values = np.zeros(len(model.var_lb))
    values[model.y] = is_open
    values[model.x.start + choice] = 1.0
    values[model.u.start + int(where[0])] = 1.0
    return values


def meets_rows(problem: LocationProblem, model: MipModel, values: np.ndarray) -> bool:
    """True when `values` is within every variable bound and meets every row of the model
    within the row's slack (model.row_slack): ROW_TOLERANCE of all orders for targets and
    carrier shares (their rows are in shares), of the capacity for a capacity row (the
    tolerance of evaluate()); exactly for the rows of whole numbers, which a 0/1 vector meets
    exactly or misses by 1. Every bound holds for the rows loosened so (model.py)."""
    if np.any(values < model.var_lb - 1e-9) or np.any(values > model.var_ub + 1e-9):
        return False
    used = entries_of(model, np.nonzero(values)[0])  # a design's few nonzero columns: the
    # same sums (the zero terms add nothing), without the product over every entry
    rows = np.bincount(model.a_row[used], weights=model.a_val[used] * values[model.a_col[used]],
                       minlength=len(model.row_lb))
    slack = model.slack
    return bool(np.all(rows >= model.row_lb - slack) and np.all(rows <= model.row_ub + slack))


def offer(problem: LocationProblem, full: MipModel, best: Incumbent, values: np.ndarray
          ) -> bool:
    """Make the design in `values` (any solver vector over `full`'s variables) the incumbent
    if it meets every row of `full` and costs less; True when it did. A design that does not
    fit still becomes the solver hint while there is no incumbent."""
    is_open, choice = read_design(problem, full, values)
    exact = design_vector(full, is_open, choice)
    if exact is None or not meets_rows(problem, full, exact):
        if best.values is None:
            best.values = values
        return False
    cost = float(full.objective[np.flatnonzero(exact)].sum())  # exact is 0/1: the same
    # terms as full.objective @ exact without OpenBLAS's threads for a long vector (a wake
    # cost 4-8 ms of CPU a design on the shared machine; BENCHMARKS.md, branch nextday12)
    if cost >= best.objective:
        return False
    best.objective, best.values = cost, exact
    return True
