"""OR-Library readers: p-median (pmed*) and uncapacitated warehouse location (cap*, M*), as
`LocationProblem`s for the same model and solver that design our networks.

Formats and provenance: tests/data/orlib/README.md (the instances ship gzip-compressed; `.gz`
and plain files are both read). p-median distances follow Beasley's rule: edges are read in
order and the last cost listed for a pair wins, then Floyd-Warshall. Warehouse costs c_ij are
the cost of serving all of customer j from i (not multiplied by demand); UFL ignores
capacities and demands.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np

from network.optimize.problem import LocationProblem, Options


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
