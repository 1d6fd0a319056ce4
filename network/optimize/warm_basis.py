"""What a search keeps for the next one after a what-if edit: an LP basis and row prices.

A WarmSolver (warm_solver.py) passes them back to `solve_problem`: the basis starts the LP of
the window that held the last design (only GLOP uses a starting basis: mathopt_backend.py),
and the row prices start every window's subgradient ascent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from network.optimize.incumbent import Incumbent
from network.optimize.mathopt_backend import AT_LOWER, BASIC, LpBasis
from network.optimize.model import MipModel
from network.optimize.window_bounds import WindowState


@dataclass(frozen=True)
class WarmBasis:
    """The LP basis of one count window [lo, hi], kept to start that window's LP again after
    a what-if edit (solve_lp starts GLOP from it: a few hundred iterations where a cold LP
    takes thousands). Its count variables are matched by count, since forcing a site open or
    closed changes their range."""

    basis: LpBasis
    count_values: np.ndarray
    lo: int
    hi: int


def warm_basis_of(windows: list[WindowState], full: MipModel, best: Incumbent,
                prior: WarmBasis | None) -> WarmBasis | None:
    """The basis of the window holding the best design (the next edit starts there): its LP's,
    else that of a nearest-sites LP it kept (a basis of the full model too, the options left
    out at 0).

    Why the second: where the window's Lagrangian bound proved it, no LP of its own was
    solved (next_day_35_3day_95 at 3 sites, since its heuristic finds the optimum's sites),
    and the next edit's LP at that count then had no start: the nearest-sites LP and its
    column generation took 9 s of CPU where the full LP from a basis took 3.7 s."""
    if best.values is None:
        return prior
    n = int(round(float(best.values[full.y].sum())))
    home = [(w, w.basis) for w in windows if w.basis is not None and w.lo <= n <= w.hi]
    home += [(w, w.nearest[1]) for w in windows if w.nearest is not None
             and w.nearest[1] is not None and w.lo <= n <= w.hi]
    if not home:
        return prior
    w, basis = home[0]
    return WarmBasis(basis, full.count_values.copy(), w.lo, w.hi)


def start_basis(prior: WarmBasis | None, full: MipModel, w: WindowState) -> LpBasis | None:
    """The prior basis fitted to this model, when it is of the same window."""
    if prior is None or (prior.lo, prior.hi) != (w.lo, w.hi):
        return None
    n_u = len(prior.count_values)
    old = prior.basis.variable_status
    if len(old) - n_u != full.u.start or len(prior.basis.row_status) != len(full.row_lb):
        return None  # other options or rows (capacity rows added): nothing to match
    by_count = dict(zip(prior.count_values.tolist(), old[full.u.start:].tolist(), strict=True))
    counts = full.count_values.tolist()
    u_status = [by_count.get(n, AT_LOWER) for n in counts]
    for gone in sorted(set(by_count) - set(counts)):
        if by_count[gone] == BASIC:  # a count the edit removed (a site closed: the most
            # sites): the nearest count left takes its place in the basis
            free = [k for k, n in enumerate(counts) if u_status[k] != BASIC]
            if free:
                u_status[min(free, key=lambda k: abs(counts[k] - gone))] = BASIC
    fitted = np.concatenate([old[:full.u.start], np.array(u_status, np.int8)])
    if np.count_nonzero(fitted == BASIC) != np.count_nonzero(old == BASIC):
        return None  # a basic count column has no counterpart: not a basis of this model
    return LpBasis(fitted, prior.basis.row_status)


def kept_duals(windows: list[WindowState], prior: np.ndarray | None) -> np.ndarray | None:
    """Row prices worth keeping for a warm re-solve: the best solved window's."""
    solved = [w for w in windows if w.duals is not None]
    return min(solved, key=lambda w: w.bound).duals if solved else prior
