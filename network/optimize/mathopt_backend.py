"""Solve a `MipModel` with OR-Tools MathOpt; solver objects never leave this module.

Backend: HiGHS through MathOpt, for LPs (the count windows' bounds, with their row prices) and
MIPs. Why: of the solvers bundled with OR-Tools it is the one that gives both LP duals and a
strong MIP on one thread, and its dual simplex was the fastest LP we measured on our models.
The one exception: an LP started from the basis of a related LP (a warm re-solve after a
what-if edit) goes to GLOP, which, unlike MathOpt's HiGHS, uses a starting basis (`solve_lp`).
What was measured, and what was tried and left out: BENCHMARKS.md.

The model goes to the solver as a ModelProto built straight from numpy arrays (a few
milliseconds, where adding variables one by one through the Python API takes seconds), through
MathOpt's internal binding `core_solver.solve`; tests/test_mathopt_backend.py pins its
signature, so an OR-Tools upgrade that changes it fails there first. One thread and a fixed
seed make the search, and so the design chosen among ties, repeatable.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from ortools.math_opt import (
    model_parameters_pb2,
    model_pb2,
    parameters_pb2,
    result_pb2,
    solution_pb2,
)
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import mathopt
from pybind11_abseil.status import StatusNotOk

from network.optimize.model import MipModel

SEED = 20240601
MILLIONS = 1e-6  # the solver sees million USD: HiGHS warns about costs of 1e8 and more


def objective_scale(model: MipModel) -> float:
    """Million USD for models with costs in the millions (our scenarios); unscaled otherwise.
    Why not always millions: HiGHS treats objective differences below about 1e-6 as zero, so a
    small model (a toy, an OR-Library instance with costs in the thousands) scaled by 1e-6 came
    back "optimal" with a bound well below its objective."""
    largest = float(np.abs(model.objective).max(initial=0.0))
    return MILLIONS if largest >= 1e6 else 1.0


VERBOSE = False  # True: the solvers print their logs (for debugging a solve by hand)


class MipStatus(enum.Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"


@dataclass(frozen=True)
class MipSolution:
    """What a solve found, as plain data."""

    status: MipStatus
    values: np.ndarray | None  # one value per model variable
    objective: float | None
    best_bound: float | None
    seconds: float
    nodes: int = 0  # branch-and-bound nodes explored


def to_proto(model: MipModel) -> model_pb2.ModelProto:
    """The model as MathOpt's ModelProto (objective scaled by `objective_scale`)."""
    proto = model_pb2.ModelProto()
    proto.CopyFrom(_matrix_proto(model))
    n_var, n_row = len(model.var_lb), len(model.row_lb)
    v = proto.variables
    v.ids.extend(range(n_var))
    v.lower_bounds.extend(model.var_lb.tolist())
    v.upper_bounds.extend(model.var_ub.tolist())
    v.integers.extend(model.var_integer.tolist())
    c = proto.linear_constraints
    c.ids.extend(range(n_row))
    c.lower_bounds.extend(model.row_lb.tolist())
    c.upper_bounds.extend(model.row_ub.tolist())
    return proto


_MATRICES: list[tuple[tuple[np.ndarray, ...], model_pb2.ModelProto]] = []  # the last few
_MATRICES_LOCK = threading.Lock()
MATRICES_KEPT = 4


def _matrix_proto(model: MipModel) -> model_pb2.ModelProto:
    """The part of the model's proto its bounds leave alone: objective and constraint matrix,
    built once per matrix (the arrays themselves, compared by identity: a model's arrays are
    never changed in place, and with_count_window, restrict's callers and the site tree's
    nodes make new models by `replace`, which keeps them).

    Why: the site tree solves one LP per node of the same matrix with other site bounds
    (site_branching.py), and sorting and copying its 70,000-200,000 entries into a new proto
    took 0.03-0.07 s of CPU each time, 1.2 s of a 10 s next_day_80 warm edit in 54 LPs."""
    key = (model.a_row, model.a_col, model.a_val, model.objective)
    with _MATRICES_LOCK:
        for arrays, proto in _MATRICES:
            if all(a is b for a, b in zip(arrays, key, strict=True)):
                return proto
    proto = model_pb2.ModelProto(name="network_design")
    nz = np.nonzero(model.objective)[0]
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(
        (model.objective[nz] * objective_scale(model)).tolist())
    order = np.lexsort((model.a_col, model.a_row))  # MathOpt wants row-major, sorted
    m = proto.linear_constraint_matrix
    m.row_ids.extend(model.a_row[order].tolist())
    m.column_ids.extend(model.a_col[order].tolist())
    m.coefficients.extend(model.a_val[order].tolist())
    with _MATRICES_LOCK:
        _MATRICES.insert(0, (key, proto))
        del _MATRICES[MATRICES_KEPT:]
    return proto


def _parameters(time_limit_s: float, relative_gap: float, node_limit: int | None = None,
                solution_limit: int | None = None, heuristic_effort: float | None = None,
                objective_target: float | None = None) -> parameters_pb2.SolveParametersProto:
    # HiGHS MIP runs on one thread (MathOpt rejects a thread count for it). Its presolve is
    # off: on our models it spent long without removing a row, and with it HiGHS once reported
    # "optimal" with a dual bound below its own objective by more than the gap (BENCHMARKS.md).
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=max(time_limit_s, 0.01)),
                                     relative_gap_tolerance=relative_gap,
                                     absolute_gap_tolerance=0.0,
                                     random_seed=SEED, enable_output=VERBOSE,
                                     presolve=mathopt.Emphasis.OFF, node_limit=node_limit,
                                     solution_limit=solution_limit)
    proto = params.to_proto()
    if heuristic_effort is not None:
        proto.highs.double_options["mip_heuristic_effort"] = heuristic_effort
    if objective_target is not None:
        proto.highs.double_options["objective_target"] = objective_target
    return proto


def _hint_proto(hint: np.ndarray | None) -> model_parameters_pb2.ModelSolveParametersProto:
    proto = model_parameters_pb2.ModelSolveParametersProto()
    if hint is not None:
        h = proto.solution_hints.add()
        h.variable_values.ids.extend(range(len(hint)))
        h.variable_values.values.extend(np.asarray(hint, dtype=float).tolist())
    return proto


STRAY_HIGHS_LINE = b"transformNewIntegerFeasibleSolution"  # in the line HiGHS prints
_SYNC = b"\x00highs-stdout-sync\x00"  # written into the pipe: all before it is forwarded
_MUTE_LOCK = threading.Lock()  # the depth and the switches of fd 1
_TARGET_LOCK = threading.Lock()  # the fd the forwarding thread writes to
_muted = {"depth": 0, "saved": -1}  # MIP solves filtered now; fd 1 as it was
_pipe = {"write": -1, "target": 1, "synced": threading.Event()}  # the pipe's write end (one
# pipe and one forwarding thread for the process, made at the first solve); the fd lines go
# to (fd 1 as it was while a solve runs, else fd 1); set when the thread has read _SYNC


@contextlib.contextmanager
def stray_highs_lines_muted():
    """While a HiGHS MIP runs inside, drop the line its MIP solver prints straight to file
    descriptor 1, "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();",
    whatever its output options say (HiGHS issue #2783; OR-Tools' HiGHS has it; the 121-point
    frontier printed it 23 times and a capacity_overflow_200m solve 16-46 times, into the
    command line's output), and pass everything else on: fd 1 is a pipe meanwhile, which a
    thread reads (_forward), writing every line but that one to fd 1 as it was. Why not
    /dev/null, as before: another thread's print() meanwhile (the sweep command's progress,
    the Streamlit server's log) was lost.

    Solves in several threads (the app's sessions) share the switch, undone when the last
    ends, so none waits for another. Undoing it waits until the thread has forwarded what
    came before (a marker written into the pipe), so lines keep their order. The pipe and its
    thread stay for the process: a process started meanwhile (a sweep's worker) keeps the pipe
    as its stdout, and its lines are forwarded to fd 1 as it is then. Not with VERBOSE (the
    solvers' logs are wanted then)."""
    if VERBOSE:
        yield
        return
    with _MUTE_LOCK:
        if _muted["depth"] == 0:
            sys.stdout.flush()
            _flush_c_stdout()
            _muted["saved"] = os.dup(1)
            with _TARGET_LOCK:
                _pipe["target"] = _muted["saved"]
            os.dup2(_forwarding_pipe(), 1)
        _muted["depth"] += 1
    try:
        yield
    finally:
        with _MUTE_LOCK:
            _muted["depth"] -= 1
            if _muted["depth"] == 0:
                sys.stdout.flush()
                _flush_c_stdout()  # what C code buffered goes through the filter too
                _pipe["synced"].clear()
                _write_all(_pipe["write"], _SYNC)
                _pipe["synced"].wait(SYNC_WAIT_S)
                with _TARGET_LOCK:
                    os.dup2(_muted["saved"], 1)
                    _pipe["target"] = 1
                    os.close(_muted["saved"])


SYNC_WAIT_S = 10.0  # at most this long for the forwarding thread to catch up (it takes
# microseconds; the limit only keeps a solve from hanging on a thread that died)


def _forwarding_pipe() -> int:
    """The pipe's write end, made with its forwarding thread on first use."""
    if _pipe["write"] < 0:
        read_end, _pipe["write"] = os.pipe()
        threading.Thread(target=_forward, args=(read_end,), name="highs-stdout",
                         daemon=True).start()
    return _pipe["write"]


def _forward(read_end: int) -> None:
    """Copy the pipe to _pipe["target"] line by line (a line ends at a newline or a carriage
    return), leaving out the lines with STRAY_HIGHS_LINE; at _SYNC, the part line so far too,
    and tell the waiting solve (_pipe["synced"])."""
    pending = b""
    while chunk := os.read(read_end, 65536):
        data = pending + chunk
        synced = _SYNC in data
        data = data.replace(_SYNC, b"")
        lines = data.splitlines(keepends=True)
        pending = b""
        if lines and not synced and not lines[-1].endswith((b"\n", b"\r")):
            pending = lines.pop()
        kept = b"".join(line for line in lines if STRAY_HIGHS_LINE not in line)
        with _TARGET_LOCK, contextlib.suppress(OSError):
            _write_all(_pipe["target"], kept)
        if synced:
            _pipe["synced"].set()


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _flush_c_stdout() -> None:
    """fflush(NULL): the C library's buffered output (HiGHS's printf) written out now."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def solve_model(model: MipModel, time_limit_s: float, relative_gap: float,
                hint: np.ndarray | None = None, node_limit: int | None = None,
                solution_limit: int | None = None,
                heuristic_effort: float | None = None,
                objective_target: float | None = None) -> MipSolution:
    """Solve `model` with HiGHS; `hint` is a full variable vector. A node limit, unlike a time
    limit, stops at the same point however busy the machine is. `solution_limit`: stop
    after that many improving solutions. `heuristic_effort`: HiGHS's mip_heuristic_effort
    (its share of the work spent on primal heuristics; HiGHS's default 0.05 when None).
    `objective_target` (in `model`'s objective units): stop at the first solution at most
    that (HiGHS's objective_target; MathOpt's objective_limit is refused for HiGHS MIPs).
    HiGHS's stray stdout line is muted (stray_highs_lines_muted)."""
    proto = to_proto(model)
    with stray_highs_lines_muted():
        raw = core_solver.solve(proto, mathopt.SolverType.HIGHS.value,
                                parameters_pb2.SolverInitializerProto(),
                                _parameters(time_limit_s, relative_gap, node_limit,
                                            solution_limit, heuristic_effort,
                                            None if objective_target is None
                                            else objective_target * objective_scale(model)),
                                _hint_proto(hint),
                                None, mathopt.CallbackRegistration().to_proto(), None, None)
    return _read_result(raw, len(model.var_lb), objective_scale(model))


def _read_result(raw: result_pb2.SolveResultProto, n_var: int, scale: float) -> MipSolution:
    seconds = raw.solve_stats.solve_time.seconds + raw.solve_stats.solve_time.nanos * 1e-9
    nodes = int(raw.solve_stats.node_count)
    reason = raw.termination.reason
    bound = raw.termination.objective_bounds.dual_bound
    best_bound = None if math.isinf(bound) else bound
    feasible = [s.primal_solution for s in raw.solutions if s.HasField("primal_solution")
                and s.primal_solution.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE]
    if reason in (result_pb2.TERMINATION_REASON_INFEASIBLE,
                  result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED):
        return MipSolution(MipStatus.INFEASIBLE, None, None, None, seconds, nodes)
    if not feasible:  # the bound in USD, as below (HiGHS saw the objective times `scale`)
        return MipSolution(MipStatus.NO_SOLUTION, None, None,
                           None if best_bound is None else best_bound / scale, seconds, nodes)
    best = feasible[0]
    values = _dense(best.variable_values, n_var)
    status = (MipStatus.OPTIMAL if reason == result_pb2.TERMINATION_REASON_OPTIMAL
              else MipStatus.FEASIBLE)
    return MipSolution(status, values, best.objective_value / scale,
                       None if best_bound is None else best_bound / scale, seconds,
                       nodes)


def _dense(sparse, n: int) -> np.ndarray:
    out = np.zeros(n)
    out[np.asarray(sparse.ids, dtype=np.int64)] = sparse.values
    return out


AT_LOWER, BASIC = solution_pb2.BASIS_STATUS_AT_LOWER_BOUND, solution_pb2.BASIS_STATUS_BASIC


@dataclass(frozen=True)
class LpBasis:
    """A simplex basis as plain data: MathOpt's BasisStatusProto value of every variable and
    row (1 free, 2 at lower bound, 3 at upper bound, 4 fixed, 5 basic)."""

    variable_status: np.ndarray
    row_status: np.ndarray

    def fits(self, model: MipModel) -> bool:
        return (len(self.variable_status) == len(model.var_lb)
                and len(self.row_status) == len(model.row_lb))


@dataclass(frozen=True)
class LpSolution:
    """An LP relaxation's primal values and row duals (USD units), or None when infeasible;
    its final basis, to start a related LP from."""

    values: np.ndarray | None
    duals: np.ndarray | None
    objective: float | None
    infeasible: bool = False
    basis: LpBasis | None = None


def solve_lp(model: MipModel, time_limit_s: float, start: LpBasis | None = None,
             dual_simplex: bool = False, glop_cold: bool = False,
             proto: model_pb2.ModelProto | None = None) -> LpSolution:
    """The LP relaxation of `model` (integrality dropped) with its dual values, or without
    them (`infeasible` says whether that is because none exists).

    Cold: HiGHS dual simplex. From `start`, the basis of a related LP (the last solve before a
    what-if edit): GLOP, because MathOpt's HiGHS ignores a starting basis and GLOP uses it, a
    few hundred iterations instead of thousands (BENCHMARKS.md); with `dual_simplex`, GLOP's
    dual simplex, for a `start` that stays dual feasible (only variable bounds changed since:
    a branch on a site, site_branching.py). Falls back to cold HiGHS if GLOP stops short or
    refuses the basis. With `glop_cold` and no `start`, GLOP (its dual simplex with
    `dual_simplex`) solves it cold too, for an LP of a few thousand columns or rows solved
    many times: the radius master's first LP (radius_prices.py), 616 dual simplex iterations
    in 0.03-0.04 s where HiGHS took 1,300 in 0.07-0.10 s (sites_150; BENCHMARKS.md, branch
    warm5); capacity_cuts' fixed-sites LP, 0.04 CPU s where cold HiGHS took 0.086, most of it
    HiGHS's presolve (BENCHMARKS.md, branch overflow5). `proto`, when given, is the caller's
    `to_proto(model)` (the radius master grows its own round by round: radius_prices.py)."""
    proto = to_proto(model) if proto is None else proto
    del proto.variables.integers[:]
    proto.variables.integers.extend([False] * len(model.var_lb))
    began = time.perf_counter()
    if (start is not None and start.fits(model)) or (start is None and glop_cold):
        try:
            raw = _solve_lp_proto(proto, time_limit_s, mathopt.SolverType.GLOP,
                                  start if start is not None and start.fits(model) else None,
                                  dual_simplex)
        except StatusNotOk:  # GLOP refused the starting basis: solve the LP cold instead
            raw = None
        if (raw is not None and raw.termination.reason == result_pb2.TERMINATION_REASON_OPTIMAL
                and raw.solutions):
            return _read_lp(raw, model)
    left = time_limit_s - (time.perf_counter() - began)  # GLOP's time counts: a fallback
    # after GLOP stopped at the limit used to get the whole limit again (5 s past a 60 s one)
    if left <= 0 and (start is not None or glop_cold):  # (loading 99k columns into HiGHS
        return LpSolution(None, None, None)  # takes seconds)
    return _read_lp(_solve_lp_proto(proto, left, mathopt.SolverType.HIGHS, None), model)


def _solve_lp_proto(proto: model_pb2.ModelProto, time_limit_s: float,
                    solver: mathopt.SolverType, start: LpBasis | None,
                    dual_simplex: bool = False) -> result_pb2.SolveResultProto:
    algorithm = mathopt.LPAlgorithm.DUAL_SIMPLEX if dual_simplex else None
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=max(time_limit_s, 0.01)),
                                     enable_output=VERBOSE, lp_algorithm=algorithm)
    model_params = _hint_proto(None)
    if start is not None:
        basis = model_params.initial_basis
        basis.variable_status.ids.extend(range(len(start.variable_status)))
        basis.variable_status.values.extend(start.variable_status.tolist())
        basis.constraint_status.ids.extend(range(len(start.row_status)))
        basis.constraint_status.values.extend(start.row_status.tolist())
    return core_solver.solve(proto, solver.value, parameters_pb2.SolverInitializerProto(),
                             params.to_proto(), model_params, None,
                             mathopt.CallbackRegistration().to_proto(), None, None)


def _read_lp(raw: result_pb2.SolveResultProto, model: MipModel) -> LpSolution:
    if raw.termination.reason != result_pb2.TERMINATION_REASON_OPTIMAL or not raw.solutions:
        infeasible = raw.termination.reason in (
            result_pb2.TERMINATION_REASON_INFEASIBLE,
            result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED)
        return LpSolution(None, None, None, infeasible)
    sol = raw.solutions[0]
    values = _dense(sol.primal_solution.variable_values, len(model.var_lb))
    scale = objective_scale(model)
    duals = _dense(sol.dual_solution.dual_values, len(model.row_lb)) / scale
    basis = None
    if sol.HasField("basis"):
        basis = LpBasis(_dense_status(sol.basis.variable_status, len(model.var_lb)),
                        _dense_status(sol.basis.constraint_status, len(model.row_lb)))
    return LpSolution(values, duals, sol.primal_solution.objective_value / scale, basis=basis)


def _dense_status(sparse, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.int8)
    out[np.asarray(sparse.ids, dtype=np.int64)] = sparse.values
    return out
