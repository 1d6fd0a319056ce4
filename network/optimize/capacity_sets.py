"""Designs for a one-count window where capacity binds, from the sets its LP opens in part.

Why: with every site full (capacity_overflow_200m: 6 sites of 57 hold 54% of the orders) the
LP with capacity rows opens a dozen sites, 9 of them in part, and the 6 it opens most, assigned
under every row, were 0.39% above its bound where another choice among them was 0.23% above.
With the sites fixed the LP is almost exact, so each choice S is ranked by a bound B(S), and
the best few are assigned under every row (window_mip.fixed_sites_design).

B(S) (site_sets.priced_set_bounds: the assignment rows kept, capacity and every share target
priced; a lower bound on every design with open set S, proof there and in docs/optimizer.md)
is as strong as the LP with y fixed to S when its steps converge, started here from the
window LP's prices. It only ranks the sets here and stops the loop once no set can beat the
incumbent; it proves nothing about the window (a proof by sets would need every set of 6 of 57
bounded: at the LP's prices more than 20,000 lie within 0.1% of its bound, BENCHMARKS.md).
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from network.optimize.capacity_prices import capacity_multipliers
from network.optimize.incumbent import Incumbent
from network.optimize.lagrange import initial_prices
from network.optimize.model import MipModel
from network.optimize.problem import LocationProblem
from network.optimize.site_sets import priced_set_bounds
from network.optimize.window_bounds import WindowState
from network.optimize.window_mip import fixed_sites_design

MAX_SUPPORT_SETS = 1_000  # sets of the LP's sites ranked by B(S)
SUPPORT_SET_DESIGNS = 1  # of which the best this many are assigned (fixed_sites_design)


def support_set_designs(problem: LocationProblem, full: MipModel, window: WindowState,
                        best: Incumbent, relative_gap: float, deadline: float) -> None:
    """Offer `best` designs on the sets of n sites the window's LP (with capacity rows)
    opens at least in part: every site it opens fully, and each choice of the rest among the
    sites it opens in part (the most open ones, at most MAX_SUPPORT_SETS sets), the
    SUPPORT_SET_DESIGNS sets of least B(S) each assigned under every row.

    Why: that LP opens a dozen sites a little (capacity_overflow_200m: 12 for 6), and the n it
    opens most are not the best choice among them (module docstring); B(S) (the LP with the
    sites fixed, by prices) ranks the choices, all at once."""
    if window.lo != window.hi or window.lp_values is None or window.duals is None:
        return
    n = window.lo
    y = window.lp_values[full.y]
    sure = problem.forced_open | ((y >= 1 - 1e-6) & ~problem.forced_closed)
    need = n - int(sure.sum())
    part = np.nonzero(~sure & ~problem.forced_closed & (y > 1e-6))[0]
    part = part[np.argsort(-y[part], kind="stable")]
    if need < 0 or need > len(part):
        return
    while len(part) > need and math.comb(len(part), need) > MAX_SUPPORT_SETS:
        part = part[:-1]
    base = np.nonzero(sure)[0]
    sets = np.array([np.r_[base, c] for c in itertools.combinations(part.tolist(), need)],
                    int).reshape(-1, n)
    m = capacity_multipliers(problem, full, window.duals)
    sigma = initial_prices(full, window.duals)[1][:len(problem.share_requirements)]
    bounds = priced_set_bounds(problem, sets, m, sigma, deadline)
    for k in np.argsort(bounds, kind="stable")[:SUPPORT_SET_DESIGNS]:
        if bounds[k] >= best.objective * (1 - relative_gap) or time.perf_counter() >= deadline:
            break  # no design on this set (or a later one) can beat the incumbent by the gap
        is_open = np.zeros(problem.n_sites, bool)
        is_open[sets[k]] = True
        fixed_sites_design(problem, full, is_open, best, relative_gap / 10, deadline)
