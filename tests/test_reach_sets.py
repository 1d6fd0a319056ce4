"""network/optimize/reach_sets.py: the sets of n sites that can reach the share targets, and a
one-count window closed set by set, against brute force on small random problems."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import ROW_TOLERANCE
from network.optimize import count_search, reach_sets
from network.optimize.incumbent import Incumbent
from network.optimize.lagrange import lagrange_data
from network.optimize.model import build_model
from network.optimize.problem import ShareRequirement
from network.optimize.window_bounds import WindowState
from tests.random_problems import assert_solved_exactly, brute_force, random_problem


def _problem(seed: int, n_points: int = 5, share: float | None = None):
    """Uncapacitated (the window's model must have no capacity rows), the 2-day target
    raised so that few sets reach it."""
    problem = random_problem(seed, n_points=n_points)
    target = problem.share_requirements[0]
    return replace(problem, capacity_orders_per_year=np.full(problem.n_sites, np.inf),
                   share_requirements=(ShareRequirement(
                       target.within_days, target.share if share is None else share),))


def _reaching_sets(problem, n: int, deadline: float) -> list[np.ndarray] | None:
    """The open-site masks of n sites whose reach meets every share target, by the module's
    search with every cost 0 (so only its reach pruning cuts); None when it gives up."""
    zero = reach_sets._Terms(np.zeros((problem.n_sites, problem.n_points)),
                             np.zeros(problem.n_points), np.zeros(problem.n_sites), 0.0)
    search = reach_sets._SetSearch(problem, reach_sets._Cover.of(problem, n, deadline), zero,
                                   np.zeros(problem.n_points), lambda mask, low: low)
    found = []
    try:
        while (item := search.next_set(np.inf, deadline)) is not None:
            found.append(item[1])
    except reach_sets._GaveUp:
        return None
    return found


def _reaching_by_brute_force(problem, n: int) -> set[tuple[int, ...]]:
    opt, w = problem.options, problem.orders_per_year / problem.orders_per_year.sum()
    out = set()
    for chosen in itertools.combinations(range(problem.n_sites), n):
        is_open = np.zeros(problem.n_sites, bool)
        is_open[list(chosen)] = True
        if not (is_open >= problem.forced_open).all() or (is_open & problem.forced_closed).any():
            continue
        ok = True
        for target in problem.share_requirements:
            fast = (opt.days <= target.within_days) & (
                (opt.site < 0) | is_open[np.maximum(opt.site, 0)])
            reached = np.zeros(problem.n_points, bool)
            reached[opt.point[fast]] = True
            ok &= w[reached].sum() >= target.share - 2 * ROW_TOLERANCE
        if ok:
            out.add(chosen)
    return out


@pytest.mark.parametrize("seed", range(1, 9))
def test_the_sets_found_are_exactly_those_whose_reach_meets_the_target(seed):
    """Every n-site set whose sites (forced ones respected) reach the target within its days,
    and no other, for every n: the pruning bounds may only cut sets that cannot reach it."""
    problem = _problem(seed, share=0.6 + 0.05 * (seed % 5))
    if seed % 3 == 0:  # forced sites
        problem = replace(problem, forced_open=np.arange(8) == 1, forced_closed=np.arange(8) == 4)
    for n in range(1, problem.n_sites + 1):
        found = _reaching_sets(problem, n, time.perf_counter() + 60)
        assert found is not None
        as_tuples = {tuple(np.nonzero(mask)[0]) for mask in found}
        assert len(as_tuples) == len(found)
        assert as_tuples == _reaching_by_brute_force(problem, n)


def test_the_search_gives_up_past_its_node_limit(monkeypatch):
    """Past MAX_NODES expansions the search stops: None, and the window is left open."""
    monkeypatch.setattr(reach_sets, "MAX_NODES", 3)
    problem = _problem(1, share=0.0)
    assert _reaching_sets(problem, 4, time.perf_counter() + 60) is None
    window = WindowState(4, 4)
    assert not reach_sets.close_by_reaching_sets(problem, build_model(problem), window,
                                                 lagrange_data(problem), Incumbent(), 1e-9,
                                                 time.perf_counter() + 60)
    assert window.proven is None


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_window_closed_set_by_set_holds_each_counts_optimum(seed, monkeypatch):
    """From no incumbent every set is below the bar, so each is assigned and bounded: the
    window's bound may not exceed brute force's best with n sites, and the design found must
    equal it (every set within the gap of 1e-9 was assigned by its MIP)."""
    monkeypatch.setattr(reach_sets, "MAX_SET_MIPS", 10_000)
    problem = _problem(seed, share=0.55 + 0.05 * (seed % 4))
    full, data = build_model(problem), lagrange_data(problem)
    closed = 0
    for n in range(1, problem.n_sites + 1):
        exact = brute_force(problem, count=n)
        window, best = WindowState(n, n), Incumbent()
        assert reach_sets.close_by_reaching_sets(problem, full, window, data, best, 1e-9,
                                                 time.perf_counter() + 60)
        closed += 1
        assert window.proven <= exact * (1 + 1e-9)
        assert best.objective == pytest.approx(exact, rel=1e-9) or exact == np.inf
    assert closed


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_set_bound_holds_for_its_best_design_at_any_prices(seed):
    """B(S, sigma) at any sigma >= 0 (here 0, the searched one, and ten times it) is at most
    the cheapest design with exactly the sites S (brute force over n-site designs with every
    other site's fixed cost raised out of reach)."""
    problem = _problem(seed, share=0.6)
    data = lagrange_data(problem)
    checked = 0
    for n in (2, 3):
        for chosen in itertools.islice(itertools.combinations(range(8), n), 0, None, 7):
            is_open = np.zeros(8, bool)
            is_open[list(chosen)] = True
            dear = np.where(is_open, problem.fixed_cost_usd_per_year, 1e9)
            exact = brute_force(replace(problem, fixed_cost_usd_per_year=dear), count=n)
            if exact >= 1e9:
                continue  # no design with exactly these sites
            checked += 1
            searched, sigma = reach_sets.set_bound(problem, data, is_open, np.zeros(1))
            for at in (np.zeros(1), sigma, 10 * sigma):
                value, _ = reach_sets.set_bound(problem, data, is_open, at, enough=-np.inf)
                assert value <= exact * (1 + 1e-12)
            assert searched <= exact * (1 + 1e-12)
    assert checked


def test_solves_with_the_sets_tried_first_stay_exact(monkeypatch):
    """The whole search, the one-count windows its prices leave open tried set by set:
    brute force's optimum, and a bound not above it, on four seeds, some of whose windows
    close so."""
    tried = []
    original = count_search.close_by_reaching_sets

    def counting(*args):
        closed = original(*args)
        tried.append(closed)
        return closed

    monkeypatch.setattr(count_search, "close_by_reaching_sets", counting)
    for seed in range(1, 5):
        problem = _problem(seed, share=0.7)
        assert_solved_exactly(problem)
    assert True in tried  # some window closed set by set


def _cheapest_with_sites(problem, is_open: np.ndarray) -> float:
    """The cheapest design whose open sites are exactly `is_open` (inf when none meets the
    target within ROW_TOLERANCE): every single-sourced assignment to them and cross-border."""
    opt, w = problem.options, problem.orders_per_year / problem.orders_per_year.sum()
    target = problem.share_requirements[0]
    usable = [np.nonzero((opt.point == z) & ((opt.site < 0) | is_open[np.maximum(opt.site, 0)]))[0]
              for z in range(problem.n_points)]
    combos = np.array(list(itertools.product(*usable)))
    fast = (opt.days[combos] <= target.within_days) @ w >= target.share - ROW_TOLERANCE
    if not fast.any():
        return np.inf
    cost = (opt.cost_usd_per_order[combos] @ problem.orders_per_year)[fast].min()
    return float(cost + problem.fixed_cost_usd_per_year[is_open].sum()
                 + problem.inventory_usd_by_count[int(is_open.sum())])


def _recording(push, pushed: list):
    """`push`, which also keeps each (bound, item) in `pushed`."""
    def record(bound, item):
        pushed.append((bound, item))
        push(bound, item)
    return record


@pytest.mark.parametrize("seed", range(1, 7))
def test_every_bound_of_the_search_holds_for_the_designs_below_it(seed):
    """At random prices (lambda, sigma >= 0), each partial set's bound is at most the
    cheapest design of every set it may still become (brute force), and each whole set's
    Lagrangian bound at most the cheapest design with exactly its sites."""
    rng = np.random.default_rng(seed)
    problem = _problem(seed, share=0.5 + 0.05 * (seed % 4))
    if seed % 3 == 0:
        problem = replace(problem, forced_open=np.arange(8) == 2)
    data = lagrange_data(problem)
    checked = 0
    for n in (2, 3, 4):
        exact = {}
        for chosen in itertools.combinations(range(problem.n_sites), n):
            is_open = np.zeros(problem.n_sites, bool)
            is_open[list(chosen)] = True
            if (is_open >= problem.forced_open).all():
                exact[chosen] = _cheapest_with_sites(problem, is_open)
        lam = problem.orders_per_year * rng.uniform(1, 12, problem.n_points)
        sigma = rng.uniform(0, 60, 1)
        pushed = []
        search = reach_sets._SetSearch(
            problem, reach_sets._Cover.of(problem, n, time.perf_counter() + 60),
            reach_sets._Terms.of(problem, data, n, sigma), lam, lambda mask, low: low)
        search._push = _recording(search._push, pushed)
        while search.next_set(np.inf, time.perf_counter() + 60) is not None:
            pass
        forced = tuple(np.nonzero(problem.forced_open)[0])
        for bound, item in pushed:
            if isinstance(item, reach_sets._Partial):
                rest = search.order[item.start:]
                below = [exact[tuple(sorted(forced + item.chosen + more))]
                         for more in itertools.combinations(rest, item.k)]
            else:
                mask = item[0] if isinstance(item, tuple) else item
                below = [exact[tuple(np.nonzero(mask)[0])]]
            assert bound <= min(below) * (1 + 1e-12)
            checked += 1
    assert checked


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_search_sums_site_values_over_the_pairs_below_the_root_lambda(seed):
    """_SetSearch._values (each v_s summed over the pairs with d_sz below the root's
    lambda_z) equals _Terms.values (every pair) within rounding at the root's lambda and at
    every lambda a node can have (the root's lowered to some sites' d), and leaves out
    pairs: the root's lambda lies below some d."""
    rng = np.random.default_rng(seed)
    problem = _problem(seed, n_points=12, share=0.5)
    data = lagrange_data(problem)
    terms = reach_sets._Terms.of(problem, data, 3, rng.uniform(0, 60, 1))
    lam = problem.orders_per_year * rng.uniform(1, 12, problem.n_points)
    search = reach_sets._SetSearch(
        problem, reach_sets._Cover.of(problem, 3, time.perf_counter() + 60), terms, lam,
        lambda mask, low: low)
    root = np.minimum(lam, terms.cross)
    assert len(search.pair_d) < np.isfinite(terms.d).sum()
    for chosen in ((), (0,), (1, 4), (2, 3, 5)):
        at = root.copy()
        for s in chosen:
            at = np.minimum(at, terms.d[s])
        dense = terms.values(at)
        assert np.allclose(search._values(at), dense, rtol=1e-12,
                           atol=1e-12 * np.abs(terms.d[np.isfinite(terms.d)]).sum())
