"""The solver backend: the internal OR-Tools binding it calls is pinned, and a small MIP and LP
come back as the plain data the search reads."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import replace

import numpy as np
import pytest
from ortools.math_opt import result_pb2
from ortools.math_opt.core.python import solver as core_solver

from network.optimize.mathopt_backend import (
    AT_LOWER,
    LpBasis,
    MipStatus,
    _read_result,
    solve_lp,
    solve_model,
    stray_highs_lines_muted,
)
from network.optimize.model import MipModel

# The binding mathopt_backend calls (`core_solver.solve`, MathOpt's internal pybind entry point,
# not a public API): its parameters in order. An OR-Tools upgrade that changes them fails here.
PINNED_PARAMETERS = ["model", "solver_type", "solver_initializer", "parameters",
                     "model_parameters", "message_callback", "callback_registration", "user_cb",
                     "interrupter"]


def test_the_internal_binding_has_the_pinned_signature():
    """core_solver.solve takes the nine parameters, in the order, that mathopt_backend passes."""
    signature = core_solver.solve.__doc__.splitlines()[0]
    assert signature.startswith("solve(") and signature.endswith("SolveResultProto")
    assert re.findall(r"(?:\(|, )(\w+): ", signature) == PINNED_PARAMETERS


def _knapsack() -> MipModel:
    """min -5a - 4b - 3c subject to 2a + 3b + c <= 4 (binary): optimum a, c at -8; LP -9.667
    (a, c and b at 1/3)."""
    return MipModel(var_lb=np.zeros(3), var_ub=np.ones(3), var_integer=np.ones(3, bool),
                    objective=np.array([-5.0, -4.0, -3.0]), row_lb=np.array([-np.inf]),
                    row_ub=np.array([4.0]), a_row=np.zeros(3, int), a_col=np.arange(3),
                    a_val=np.array([2.0, 3.0, 1.0]), n_sites=0, n_options=3,
                    count_values=np.array([], int), row_blocks=(("knapsack", 0, 1),))


def test_a_small_mip_and_its_lp_come_back_as_plain_data():
    """The MIP's optimum and bound, the LP's value, values and row price, by hand."""
    mip = solve_model(_knapsack(), 10.0, 1e-9)
    assert mip.status is MipStatus.OPTIMAL
    assert mip.objective == pytest.approx(-8.0) and mip.best_bound == pytest.approx(-8.0)
    assert np.allclose(mip.values, [1, 0, 1])
    lp = solve_lp(_knapsack(), 10.0)
    assert lp.objective == pytest.approx(-5 - 3 - 4 / 3)
    assert np.allclose(lp.values, [1, 1 / 3, 1])
    assert lp.duals[0] == pytest.approx(-4 / 3)  # b's price per unit of the row


def test_a_model_sharing_a_matrix_keeps_its_own_bounds():
    """to_proto builds a matrix's rows once (_matrix_proto); a model made from another by
    other variable bounds (as the site tree's nodes are) is solved with its own: c fixed at 0
    leaves a at 1 and b at 2/3."""
    model = _knapsack()
    assert solve_lp(model, 10.0).objective == pytest.approx(-5 - 3 - 4 / 3)
    fixed = replace(model, var_ub=np.array([1.0, 1.0, 0.0]))
    assert solve_lp(fixed, 10.0).objective == pytest.approx(-5 - 4 * 2 / 3)
    assert solve_lp(model, 10.0).objective == pytest.approx(-5 - 3 - 4 / 3)


def test_an_infeasible_lp_says_so():
    """An LP with no solution comes back without prices and marked infeasible (the search
    treats only that as proof that a window holds no design)."""
    model = _knapsack()
    infeasible = MipModel(**{**model.__dict__, "row_lb": np.array([7.0]),
                             "row_ub": np.array([np.inf])})
    lp = solve_lp(infeasible, 10.0)
    assert lp.duals is None and lp.infeasible


def test_a_small_lp_by_glop_has_the_same_value_and_price_and_says_when_infeasible():
    """solve_lp(glop_cold=True, dual_simplex=True) (GLOP's dual simplex, capacity_cuts'
    fixed-sites LP): the knapsack LP's value, values and row price by hand, as cold HiGHS
    gives them; an infeasible one is marked infeasible (GLOP stops short of an optimum:
    HiGHS says which)."""
    lp = solve_lp(_knapsack(), 10.0, glop_cold=True, dual_simplex=True)
    assert lp.objective == pytest.approx(-5 - 3 - 4 / 3)
    assert np.allclose(lp.values, [1, 1 / 3, 1])
    assert lp.duals[0] == pytest.approx(-4 / 3)
    infeasible = replace(_knapsack(), row_lb=np.array([7.0]), row_ub=np.array([np.inf]))
    lp = solve_lp(infeasible, 10.0, glop_cold=True, dual_simplex=True)
    assert lp.duals is None and lp.infeasible


def test_a_master_stopped_at_its_first_solution_returns_a_solution():
    """solve_model(solution_limit=1) (capacity_cuts' feasibility master) comes back with a
    design that meets the row, and says infeasible when no design meets it."""
    sol = solve_model(_knapsack(), 10.0, 1e-9, solution_limit=1)
    assert sol.values is not None and 2 * sol.values[0] + 3 * sol.values[1] + sol.values[2] <= 4
    none = replace(_knapsack(), row_lb=np.array([7.0]), row_ub=np.array([np.inf]))
    assert solve_model(none, 10.0, 1e-9, solution_limit=1).status is MipStatus.INFEASIBLE


def test_an_objective_target_reaches_highs_in_its_units_and_the_design_meets_it(monkeypatch):
    """solve_model(objective_target=...) (capacity_sets.small_assignment: stop at a design
    that proves the window) hands HiGHS the target in the units it sees the objective in
    (million USD for costs in the millions: objective_scale), and comes back with a design at
    most the target that meets the row."""
    seen = []
    solve = core_solver.solve

    def spy(proto, solver, init, params, *rest):
        seen.append(params.highs.double_options["objective_target"])
        return solve(proto, solver, init, params, *rest)

    monkeypatch.setattr(core_solver, "solve", spy)
    usd = replace(_knapsack(), objective=_knapsack().objective * 1e6)
    sol = solve_model(usd, 10.0, 1e-9, objective_target=-7e6)
    assert seen == [pytest.approx(-7.0)]
    assert sol.objective <= -7e6 and 2 * sol.values[0] + 3 * sol.values[1] + sol.values[2] <= 4


def test_a_mip_stopped_before_any_solution_reports_its_bound_in_usd():
    """A MIP stopped before any design (no solution, a dual bound) gives its bound in USD,
    as a MIP with a solution does: HiGHS saw the objective in million USD (objective_scale),
    and the bound used to come back unscaled, a million times too low (valid, but no use)."""
    raw = result_pb2.SolveResultProto()
    raw.termination.reason = result_pb2.TERMINATION_REASON_NO_SOLUTION_FOUND
    raw.termination.objective_bounds.dual_bound = 964.5
    sol = _read_result(raw, 3, 1e-6)
    assert sol.status is MipStatus.NO_SOLUTION and sol.values is None
    assert sol.best_bound == pytest.approx(964.5e6)


def test_a_starting_basis_glop_refuses_falls_back_to_a_cold_lp():
    """A basis of the right sizes but not a basis (no basic column for the row: GLOP raises on
    it, as it did for a warm re-solve whose count columns had changed) gives the cold LP's
    answer, not an exception."""
    model = _knapsack()
    not_a_basis = LpBasis(np.full(3, AT_LOWER, np.int8), np.full(1, AT_LOWER, np.int8))
    assert not_a_basis.fits(model)
    lp = solve_lp(model, 10.0, start=not_a_basis)
    assert lp.objective == pytest.approx(-5 - 3 - 4 / 3)


def test_the_stray_highs_line_is_muted_and_stdout_comes_back(capfd):
    """What HiGHS writes to file descriptor 1 inside `stray_highs_lines_muted` (as its C++
    code does, HiGHS issue #2783) is dropped; a line before and after it still reaches stdout."""
    os.write(1, b"before\n")
    with stray_highs_lines_muted():
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution\n")
    os.write(1, b"after\n")
    assert capfd.readouterr().out == "before\nafter\n"


def test_muting_nests_across_threads_and_restores_stdout_once(capfd):
    """Two solves muted at once (the app's sessions): the first to end leaves fd 1 muted for
    the other, and the last restores it."""
    os.write(1, b"before\n")
    first, second = stray_highs_lines_muted(), stray_highs_lines_muted()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution still muted\n")
    second.__exit__(None, None, None)
    os.write(1, b"after\n")
    assert capfd.readouterr().out == "before\nafter\n"


def test_another_threads_lines_during_a_solve_are_passed_on_in_order(capfd):
    """Only HiGHS's stray line is dropped: what another thread writes to fd 1 while a MIP
    runs (a sweep's progress, a server's log) comes out, in its order, before what is
    written after the solve; a part line (no newline yet) too."""
    os.write(1, b"before\n")
    with stray_highs_lines_muted():
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n")
        other = threading.Thread(target=os.write, args=(1, b"point 1 of 3 done\nsolving"))
        other.start()
        other.join()
        os.write(1, b" point 2\n")
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n")
        os.write(1, b"part")
    os.write(1, b" after\n")
    assert capfd.readouterr().out == "before\npoint 1 of 3 done\nsolving point 2\npart after\n"
