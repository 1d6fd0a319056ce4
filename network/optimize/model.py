"""Build the mixed-integer model of a `LocationProblem` as plain arrays (no solver here).

Data
    z in Z   demand points (ZIP3s) with orders o_z per year; O = sum_z o_z
    s in S   candidate sites: fixed cost F_s, capacity Q_s (orders/year divided by the peak
             multiplier)
    p in P_z options of point z after the dominance reduction (reduce.py): a site s(p) (or none:
             cross-border direct) and service, cost c_p per order, days d_p
    n        number of open sites, in [n_lo, n_hi]; inventory cost I_n (network/inventory.py,
             at the scenario's volume)
    targets  (N_t, a_t): at least share a_t of orders within N_t days
    carriers (f_jp, lo_j, hi_j): share of site-shipped parcels carried by carrier j, where
             f_jp is the share of option p's parcels that carrier j carries (1 or 0 for one
             service; a fraction for a rate-shopped option, network/lanes.py)

Variables
    y_s in {0,1}   site s open
    x_p in {0,1}   point z(p) served by option p (continuous in [0,1] when nothing couples the
                   points: then a cheapest open option is always an optimal choice, so single
                   sourcing holds anyway)
    u_n in {0,1}   exactly n sites open (one-hot), n_lo <= n <= n_hi

Model (each row block named as on the right; `MipModel.rows_of(name)`)
    min  sum_s F_s y_s + sum_z sum_{p in P_z} o_z c_p x_p + sum_n I_n u_n
    (1) sum_{p in P_z} x_p = 1                                   for all z     "assign"
    (2) sum_{p in P_z, s(p)=s} x_p <= y_s                         for all (z,s) "link"
    (3) sum_z (o_z/O) sum_{p in P_z, d_p <= N_t} x_p >= a_t       for all t     "target[N_t]"
    (4) sum_{p: s(p)=s} o_z x_p <= Q_s y_s                        for s in a given set "capacity[s]"
    (5) sum_s y_s = sum_n n u_n,  sum_n u_n = 1                                 "count", "one_count"
    (6) y_s = 1 for forced-open s, y_s = 0 for forced-closed s (variable bounds)
    (7) sum_p f_jp (o_z/O) x_p - lo_j sum_{p: s(p) exists} (o_z/O) x_p >= 0      "carrier_min[j]"
        sum_p f_jp (o_z/O) x_p - hi_j sum_{p: s(p) exists} (o_z/O) x_p <= 0      "carrier_max[j]"

(2) is the strong linking aggregated over the (few) services of one site: as tight as one row
per option and fewer rows. Capacity (4) is added only once a design overloads a site (then for
every site: count_search.py, row generation). The inventory term is exact for every count
through the one-hot u. Rows (3) and (7) are in shares of all orders, so the solver's absolute
feasibility tolerance on them is the share tolerance evaluate() uses (ROW_TOLERANCE).

Each row also has a slack (`MipModel.row_slack`): how far a 0/1 design may miss it and still
be accepted (incumbent.meets_rows, as evaluate()): SHARE_SLACK for (3) and (7), ROW_TOLERANCE
Q_s for (4) (problem.capacity_slack), 0 for the rows with whole coefficients and right-hand
sides, (1), (2), (5), which a 0/1 design meets exactly or misses by at least 1. The rows are
built as written; the bounds hold for the rows loosened by the slack: `lagrangian_bound`
prices the loosened sides, and the MIPs that give bounds solve `loosened(model)`.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, replace

import numpy as np

from network.optimize.problem import NO_SITE, SHARE_SLACK, LocationProblem, capacity_slack


@dataclass(frozen=True)
class MipModel:
    """A MIP as arrays: variables, rows (lb <= A v <= ub) and the index of each block."""

    var_lb: np.ndarray
    var_ub: np.ndarray
    var_integer: np.ndarray
    objective: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    a_row: np.ndarray  # triplets of the constraint matrix
    a_col: np.ndarray
    a_val: np.ndarray
    n_sites: int
    n_options: int
    count_values: np.ndarray  # n of each count variable u_n
    row_blocks: tuple[tuple[str, int, int], ...]  # (block name, first row, end row)
    capacity_sites: tuple[int, ...] = ()
    row_slack: np.ndarray | None = None  # [row] how far a design may miss the row and still
    # meet it (module docstring); None: 0 on every row (a model that is no location problem's)

    @property
    def slack(self) -> np.ndarray:
        return np.zeros(len(self.row_lb)) if self.row_slack is None else self.row_slack

    @property
    def y(self) -> slice:
        return slice(0, self.n_sites)

    @property
    def x(self) -> slice:
        return slice(self.n_sites, self.n_sites + self.n_options)

    @property
    def u(self) -> slice:
        return slice(self.n_sites + self.n_options, len(self.var_lb))

    def rows_of(self, block: str) -> range:
        for name, first, end in self.row_blocks:
            if name == block:
                return range(first, end)
        return range(0)


class _Rows:
    """Collects constraint blocks as triplets, remembering where each block starts."""

    def __init__(self) -> None:
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.blocks: list[tuple[str, int, int]] = []
        self.n = 0

    def add(self, name: str, n_rows: int, rows, cols, vals, lb, ub) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64) + self.n)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.asarray(vals, dtype=float))
        self.lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n_rows,)))
        self.ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n_rows,)))
        self.blocks.append((name, self.n, self.n + n_rows))
        self.n += n_rows


def count_range(problem: LocationProblem) -> tuple[int, int]:
    """The numbers of open sites the constraints allow (lo > hi means none)."""
    lo = max(problem.min_sites, int(problem.forced_open.sum()))
    if not (problem.options.site == NO_SITE).any():
        lo = max(lo, 1)  # someone must serve the demand
    hi = min(problem.max_sites, problem.n_sites - int(problem.forced_closed.sum()))
    return lo, hi


def build_model(problem: LocationProblem, capacity_sites: tuple[int, ...] = (),
                count_bounds: tuple[int, int] | None = None) -> MipModel:
    """The model of the module docstring; capacity rows (4) only for `capacity_sites`."""
    opt = problem.options
    n_s, n_p = problem.n_sites, len(opt)
    lo, hi = count_bounds or count_range(problem)
    counts = np.arange(lo, hi + 1)
    x0, u0 = n_s, n_s + n_p
    orders = problem.orders_per_year[opt.point]
    integer_x = problem.single_sourcing_matters or bool(capacity_sites)
    var_lb = np.concatenate([problem.forced_open.astype(float), np.zeros(n_p + len(counts))])
    var_ub = np.concatenate([(~problem.forced_closed).astype(float), np.ones(n_p + len(counts))])
    var_integer = np.concatenate([np.ones(n_s, bool), np.full(n_p, integer_x),
                                  np.ones(len(counts), bool)])
    objective = np.concatenate([problem.fixed_cost_usd_per_year, orders * opt.cost_usd_per_order,
                                problem.inventory_usd_by_count[counts]])
    rows = _Rows()
    _assign_rows(rows, problem, x0)
    _link_rows(rows, problem, x0)
    _target_rows(rows, problem, x0)
    _capacity_rows(rows, problem, x0, capacity_sites)
    _count_rows(rows, n_s, u0, counts)
    _carrier_rows(rows, problem, x0)
    return MipModel(var_lb, var_ub, var_integer, objective,
                    np.concatenate(rows.lb), np.concatenate(rows.ub),
                    np.concatenate(rows.rows), np.concatenate(rows.cols),
                    np.concatenate(rows.vals), n_s, n_p, counts, tuple(rows.blocks),
                    tuple(capacity_sites), _row_slack(problem, rows))


def _row_slack(problem: LocationProblem, rows: _Rows) -> np.ndarray:
    """Each row's slack (module docstring): the share rows' SHARE_SLACK, a capacity row's
    ROW_TOLERANCE of its capacity, 0 for the rows a 0/1 design meets exactly."""
    slack = np.zeros(rows.n)
    capacity = capacity_slack(problem)
    for name, first, end in rows.blocks:
        kind = name.split("[")[0]
        if kind in ("target", "carrier_min", "carrier_max"):
            slack[first:end] = SHARE_SLACK
        elif kind == "capacity":
            slack[first:end] = capacity[int(name[len("capacity["):-1])]
    return slack


def _assign_rows(rows: _Rows, problem: LocationProblem, x0: int) -> None:
    # (1) every point takes exactly one option
    opt = problem.options
    rows.add("assign", problem.n_points, opt.point, x0 + np.arange(len(opt)),
             np.ones(len(opt)), 1.0, 1.0)


def _link_rows(rows: _Rows, problem: LocationProblem, x0: int) -> None:
    # (2) options of (z, s) only when s is open: one row per (point, site) pair
    at_site, row_of, site_of_pair = problem.options.site_pairs
    r = np.concatenate([row_of, np.arange(len(site_of_pair))])
    c = np.concatenate([x0 + at_site, site_of_pair])
    v = np.concatenate([np.ones(len(at_site)), -np.ones(len(site_of_pair))])
    rows.add("link", len(site_of_pair), r, c, v, -np.inf, 0.0)


def _target_rows(rows: _Rows, problem: LocationProblem, x0: int) -> None:
    # (3) share of orders within N days
    opt = problem.options
    weight = problem.orders_per_year[opt.point] / problem.orders_per_year.sum()
    for req in problem.share_requirements:
        fast = np.nonzero(opt.days <= req.within_days)[0]
        rows.add(f"target[{req.within_days}]", 1, np.zeros(len(fast)), x0 + fast,
                 weight[fast], req.share, np.inf)


def _capacity_rows(rows: _Rows, problem: LocationProblem, x0: int,
                   capacity_sites: tuple[int, ...]) -> None:
    # (4) orders at site s (peak-adjusted capacity) only when open
    opt = problem.options
    for s in capacity_sites:
        mine = np.nonzero(opt.site == s)[0]
        r = np.zeros(len(mine) + 1)
        c = np.concatenate([x0 + mine, [s]])
        v = np.concatenate([problem.orders_per_year[opt.point[mine]],
                            [-problem.capacity_orders_per_year[s]]])
        rows.add(f"capacity[{s}]", 1, r, c, v, -np.inf, 0.0)


def _count_rows(rows: _Rows, n_sites: int, u0: int, counts: np.ndarray) -> None:
    # (5) one-hot number of open sites
    n_u = len(counts)
    r = np.zeros(n_sites + n_u)
    c = np.concatenate([np.arange(n_sites), u0 + np.arange(n_u)])
    v = np.concatenate([np.ones(n_sites), -counts.astype(float)])
    rows.add("count", 1, r, c, v, 0.0, 0.0)
    rows.add("one_count", 1, np.zeros(n_u), u0 + np.arange(n_u), np.ones(n_u), 1.0, 1.0)


def _carrier_rows(rows: _Rows, problem: LocationProblem, x0: int) -> None:
    # (7) carrier share of site-shipped parcels within [lo, hi]
    opt = problem.options
    orders = problem.orders_per_year[opt.point] / problem.orders_per_year.sum()
    shipped = np.nonzero(opt.site != NO_SITE)[0]
    for j, bound in enumerate(problem.carrier_bounds):
        for kind, share in (("min", bound.min_share), ("max", bound.max_share)):
            if share is None:
                continue
            coef = orders[shipped] * (bound.option_fraction[shipped] - share)
            lb, ub = (0.0, np.inf) if kind == "min" else (-np.inf, 0.0)
            rows.add(f"carrier_{kind}[{j}]", 1, np.zeros(len(shipped)), x0 + shipped, coef,
                     lb, ub)


def with_count_window(model: MipModel, lo: int, hi: int) -> MipModel:
    """The same model with the number of open sites limited to [lo, hi]."""
    lb, ub = model.var_lb.copy(), model.var_ub.copy()
    inside = (model.count_values >= lo) & (model.count_values <= hi)
    ub[model.u] = np.where(inside, model.var_ub[model.u], 0.0)
    return replace(model, var_lb=lb, var_ub=ub)


def restrict(model: MipModel, keep: np.ndarray, links: bool = True
             ) -> tuple[MipModel, np.ndarray, np.ndarray]:
    """The model over the variables in the boolean mask `keep` (dropped x are fixed at 0).

    Link rows left without any kept option are dropped (they only say y_s >= 0); with
    `links` False every link row is (for a model whose kept y are all fixed: a link with y_s
    fixed at 1 says sum_p x_p <= 1, which the point's assignment row and x >= 0 imply, and
    one with y_s fixed at 0 keeps no option). Returns the smaller model and the original
    indices of its variables and rows."""
    cols = np.nonzero(keep)[0]
    col_pos = np.full(len(keep), -1)
    col_pos[cols] = np.arange(len(cols))
    kept = entries_of(model, cols)  # the kept columns' entries, in the matrix's order
    a_row, a_col = model.a_row[kept], model.a_col[kept]
    x_in_row = np.bincount(a_row[(a_col >= model.x.start) & (a_col < model.x.stop)],
                           minlength=len(model.row_lb))
    link = np.zeros(len(model.row_lb), bool)
    link_rows = model.rows_of("link")
    link[link_rows.start:link_rows.stop] = True
    rows = np.nonzero(~link | ((x_in_row > 0) & links))[0]
    row_pos = np.full(len(model.row_lb), -1)
    row_pos[rows] = np.arange(len(rows))
    entry = kept[row_pos[a_row] >= 0]
    n_y = int(keep[model.y].sum())
    n_x = int(keep[model.x].sum())
    sub = MipModel(model.var_lb[cols], model.var_ub[cols], model.var_integer[cols],
                   model.objective[cols], model.row_lb[rows], model.row_ub[rows],
                   row_pos[model.a_row[entry]], col_pos[model.a_col[entry]], model.a_val[entry],
                   n_y, n_x, model.count_values[keep[model.u]], (), model.capacity_sites,
                   model.slack[rows])
    return sub, cols, rows


_BY_COLUMN: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # the last few matrices'
# (a_col, its entries by column, each column's first place in that order)
_SEEN: list[list] = []  # the last few a_col arrays entries_of met, and how many times
MASKED_CALLS = 3  # the calls per matrix by a mask before its index is built
_BY_COLUMN_LOCK = threading.Lock()
BY_COLUMN_KEPT = 4


def entries_of(model: MipModel, cols: np.ndarray) -> np.ndarray:
    """The indices of the matrix entries in the columns `cols` (sorted, unique), in the
    matrix's own order: what keep[a_col] selects, from an index by column kept per matrix
    (its a_col array, by identity: a model's arrays are never changed in place, and
    with_count_window and `replace` keep them).

    Why: a fixed-sites LP keeps a tenth of capacity_overflow_200m's columns, and a mask over
    every entry was most of restrict's time, several times a warm edit (BENCHMARKS.md, branch
    overflow10); incumbent.meets_rows checks a design's few nonzero columns the same way. The
    index (an argsort of every entry) is built at a matrix's MASKED_CALLS + 1st call: the
    other classes' matrices see one or two calls, where a mask costs less."""
    a_col = model.a_col
    with _BY_COLUMN_LOCK:
        found = next((k for k in _BY_COLUMN if k[0] is a_col), None)
        seen = next((k for k in _SEEN if k[0] is a_col), None) if found is None else None
        if seen is None and found is None:
            seen = [a_col, 0]
            _SEEN.insert(0, seen)
            del _SEEN[BY_COLUMN_KEPT:]
        masked = seen is not None and seen[1] < MASKED_CALLS
        if masked:  # the first few calls: a mask over every entry costs less than the index
            seen[1] += 1
    if masked:
        wanted = np.zeros(len(model.var_lb), bool)
        wanted[cols] = True
        return np.nonzero(wanted[a_col])[0]
    if found is None:
        order = np.argsort(a_col, kind="stable")
        starts = np.searchsorted(a_col[order], np.arange(len(model.var_lb) + 1))
        found = (a_col, order, starts)
        with _BY_COLUMN_LOCK:
            _BY_COLUMN.insert(0, found)
            del _BY_COLUMN[BY_COLUMN_KEPT:]
    _, order, starts = found
    lo, hi = starts[cols], starts[cols + 1]
    lengths = hi - lo
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.int64)
    offset = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    return np.sort(order[offset + np.arange(total)])


def without_block(model: MipModel, block: str) -> MipModel:
    """The model without the rows of one block (`MipModel.rows_of`); the other blocks keep
    their names, renumbered. For a block the caller knows to be implied by the rest (the
    link rows (2) of a model whose open sites are all fixed at 1: site_sets._set_model)."""
    drop = model.rows_of(block)
    if not len(drop):
        return model
    keep = np.ones(len(model.row_lb), bool)
    keep[drop.start:drop.stop] = False
    new_row = np.cumsum(keep) - 1
    entry = keep[model.a_row]
    blocks = tuple((name, first - (len(drop) if first >= drop.stop else 0),
                    end - (len(drop) if end >= drop.stop else 0))
                   for name, first, end in model.row_blocks if name != block)
    return replace(model, row_lb=model.row_lb[keep], row_ub=model.row_ub[keep],
                   a_row=new_row[model.a_row[entry]], a_col=model.a_col[entry],
                   a_val=model.a_val[entry], row_blocks=blocks,
                   row_slack=None if model.row_slack is None else model.row_slack[keep])


def loosened(model: MipModel) -> MipModel:
    """The model with every row loosened by its slack: the rows of the designs
    incumbent.offer accepts, which it meets exactly (its own slack is 0). A MIP whose bound
    is used solves this one, so that its bound holds for every design the search may return
    (docs/optimizer.md)."""
    slack = model.slack
    return replace(model, row_lb=model.row_lb - slack, row_ub=model.row_ub + slack,
                   row_slack=np.zeros(len(slack)))


def _signed(model: MipModel, duals: np.ndarray) -> np.ndarray:
    """The row prices with the wrong sign for a row's side set to 0."""
    d = duals.copy()
    d[(d > 0) & np.isinf(model.row_lb)] = 0.0
    d[(d < 0) & np.isinf(model.row_ub)] = 0.0
    return d


def slack_cost(model: MipModel, duals: np.ndarray) -> float:
    """sum_i |d_i| slack_i: how much lower a Lagrangian bound at these prices is for the rows
    loosened by their slack than for the rows as built (lagrangian_bound subtracts it)."""
    return float(np.abs(_signed(model, duals)) @ model.slack)


def lagrangian_bound(model: MipModel, duals: np.ndarray) -> tuple[float, np.ndarray]:
    """A valid lower bound on the LP (so on the MIP) over *every* variable of `model`, from any
    row prices, and the reduced costs r = c - A'duals; valid for the rows loosened by their
    slack, so for every design incumbent.offer accepts.

    Prices with the wrong sign for a row's side are set to 0, so the bound holds whatever the
    LP solver's tolerances: bound = sum_i d_i b_i - sum_i |d_i| slack_i
    + sum_j min(r_j lb_j, r_j ub_j), b_i the side its price's sign picks (a ">=" side lowered
    by the slack, a "<=" side raised: weak duality for the loosened rows)."""
    d = _signed(model, duals)
    side = np.where(d > 0, model.row_lb, np.where(d < 0, model.row_ub, 0.0))
    side = np.where(d == 0, 0.0, side)
    reduced = model.objective - np.bincount(model.a_col, weights=model.a_val * d[model.a_row],
                                            minlength=len(model.var_lb))
    box = np.minimum(reduced * model.var_lb, reduced * model.var_ub)
    return float(d @ side - np.abs(d) @ model.slack + box.sum()), reduced


def array_digest(*parts: np.ndarray | bytes) -> bytes:
    """A 32-byte blake2b digest of `parts` (each array with its dtype and shape, each bytes as
    is): the one key of a solve kept for its exact inputs (capacity_cuts' fixed-sites LPs,
    coverage's LPs); equal digests mean equal inputs (its collisions are not a concern)."""
    digest = hashlib.blake2b(digest_size=32)
    for part in parts:
        if isinstance(part, bytes):
            digest.update(part)
            continue
        part = np.ascontiguousarray(part)
        digest.update(f"{part.dtype.str}{part.shape}".encode())
        digest.update(part.tobytes())
    return digest.digest()
