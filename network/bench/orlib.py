"""OR-Library benchmarks: p-median (pmed*) and uncapacitated warehouse location (cap*, M*)
read as `LocationProblem`s for the same exact search that designs our networks, and the run of
`python -m network bench --orlib` against their published optima.

Formats and provenance: tests/data/orlib/README.md (the instances ship gzip-compressed; `.gz`
and plain files are both read). p-median distances follow Beasley's rule: edges are read in
order and the last cost listed for a pair wins, then Floyd-Warshall. Warehouse costs c_ij are
the cost of serving all of customer j from i (not multiplied by demand); UFL ignores
capacities and demands.
"""

from __future__ import annotations

import csv
import gzip
import time
from pathlib import Path

import numpy as np

from network.optimize.count_search import solve_problem
from network.optimize.problem import LocationProblem, Options, problem_cost

ORLIB = Path(__file__).resolve().parents[2] / "tests" / "data" / "orlib"  # shipped, gzip


def _read_text(path: str | Path) -> str:
    """A file's text; gzip-compressed when its name ends in .gz."""
    path = Path(path)
    if path.suffix == ".gz":
        with gzip.open(path, "rt") as f:
            return f.read()
    return path.read_text()


def read_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Shortest-path distance matrix [n, n] and the number of medians p."""
    tokens = _read_text(path).split()
    n, m, p = (int(t) for t in tokens[:3])
    edges = np.array(tokens[3:3 + 3 * m], dtype=float).reshape(m, 3)
    dist = np.full((n, n), np.inf)
    i, j = edges[:, 0].astype(int) - 1, edges[:, 1].astype(int) - 1
    for a, b, c in zip(i.tolist(), j.tolist(), edges[:, 2].tolist(), strict=True):
        dist[a, b] = dist[b, a] = c  # in file order: the last cost listed for a pair wins
    np.fill_diagonal(dist, 0.0)
    for k in range(n):
        np.minimum(dist, dist[:, k:k + 1] + dist[k:k + 1, :], out=dist)
    return dist, p


def read_warehouse(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Fixed costs [M] and assignment costs [N customers, M facilities]."""
    tokens = _read_text(path).split()
    m, n = int(tokens[0]), int(tokens[1])
    pos = 2
    fixed = np.empty(m)
    for i in range(m):
        fixed[i] = float(tokens[pos + 1])  # tokens[pos] is the capacity (or the word)
        pos += 2
    cost = np.empty((n, m))
    for j in range(n):
        pos += 1  # demand
        cost[j] = np.array(tokens[pos:pos + m], dtype=float)
        pos += m
    return fixed, cost


def all_pairs_problem(cost: np.ndarray, fixed: np.ndarray, min_sites: int, max_sites: int
                      ) -> LocationProblem:
    """Every (customer, facility) pair an option, one order per customer, no inventory."""
    n, m = cost.shape
    point = np.repeat(np.arange(n), m)
    site = np.tile(np.arange(m), n)
    c = cost.ravel()
    order = np.lexsort((site, c, point))
    options = Options(point[order], site[order], np.full(n * m, -1), c[order],
                      np.zeros(n * m, dtype=np.int32))
    return LocationProblem(
        orders_per_year=np.ones(n), fixed_cost_usd_per_year=fixed.astype(float),
        capacity_orders_per_year=np.full(m, np.inf), options=options,
        inventory_usd_by_count=np.zeros(m + 1), min_sites=min_sites, max_sites=max_sites,
        forced_open=np.zeros(m, bool), forced_closed=np.zeros(m, bool))


def pmedian_problem(path: str | Path) -> LocationProblem:
    dist, p = read_pmed(path)
    return all_pairs_problem(dist, np.zeros(len(dist)), p, p)


def ufl_problem(path: str | Path) -> LocationProblem:
    fixed, cost = read_warehouse(path)
    return all_pairs_problem(cost, fixed, 1, len(fixed))


def published_optima(path: str | Path) -> dict[tuple[str, str], float]:
    """(kind, instance) -> published optimal value, from optima.csv."""
    with open(path, newline="") as f:
        return {(r["kind"], r["instance"]): float(r["optimal_value"]) for r in csv.DictReader(f)}


def instance_file(instance: str, kind: str, root: str | Path) -> Path:
    """Where an instance lives under `root`: pmed/, cap/ or mstar/, as <instance>.txt.gz."""
    folder = "pmed" if kind == "pmedian" else "mstar" if instance.startswith("Kcap") else "cap"
    return Path(root) / folder / f"{instance}.txt.gz"


def problem_for(instance: str, kind: str, root: str | Path) -> LocationProblem:
    path = instance_file(instance, kind, root)
    return pmedian_problem(path) if kind == "pmedian" else ufl_problem(path)


def run_orlib(name_filter: str = "", time_limit_s: float = 3600.0) -> list[tuple]:
    """Every pmed, UFL and M* instance with a published optimum: our time and value."""
    optima = published_optima(ORLIB / "optima.csv")
    rows = []
    print(f"{'instance':<12}{'kind':<9}{'ours_s':>9}{'ours':>18}{'published':>18}{'match':>7}"
          f"  status (gap)")
    for (kind, instance), value in sorted(optima.items(), key=lambda kv: _natural(kv[0][1])):
        if kind == "cfl" or name_filter not in instance:
            continue
        problem = problem_for(instance, kind, ORLIB)
        start = time.perf_counter()
        sol = solve_problem(problem, time_limit_s, 1e-9)
        seconds = time.perf_counter() - start
        ours = problem_cost(problem, sol.is_open, sol.choice) if sol.choice is not None else None
        match = ours is not None and abs(ours - value) <= max(2e-3, 1e-6 * abs(value))
        rows.append((instance, kind, seconds, ours, value, match, sol.status.value))
        shown = "none" if ours is None else f"{ours:.3f}"
        gap = "" if sol.gap is None else f" ({sol.gap:.1e})"
        print(f"{instance:<12}{kind:<9}{seconds:>9.2f}{shown:>18}{value:>18.3f}"
              f"{'yes' if match else 'NO':>7}  {sol.status.value}{gap}")
    return rows


def _natural(name: str) -> tuple:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (name.rstrip("0123456789"), int(digits) if digits else 0, name)
