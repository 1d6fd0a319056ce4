"""The textbook model of a scenario in HiGHS (OR-Tools MathOpt), for the benchmark's ratio.

Every lane within the day limit a binary variable (single sourcing), built straight from the
lane table without the optimizer's reductions, bounds or search; the same objective and
constraints as the optimizer's model (docs/optimizer.md):

    y_s, x_zsk, c_z, u_n in {0,1}   site open; ZIP3 z by site s and service k; cross-border; n open
    min  sum_s F_s y_s + sum o_z cost_zsk x_zsk + sum o_z cost_cb c_z + sum_n inv(n) u_n
    (1) sum_sk x_zsk + c_z = 1                         every ZIP3 served once
    (2) sum_k x_zsk <= y_s                             only from open sites (one row per z, s)
    (3) sum_{days <= N} o_z x (+ o_z c_z) >= share_N O  each share target
    (4) sum_zk peak o_z x_zsk <= Q_s y_s               capacity at the peak
    (5) sum_s y_s = sum_n n u_n, sum_n u_n = 1, min <= sum_s y_s <= max, forced sites fixed
    (6) lo_j shipped <= parcels of carrier j <= hi_j shipped (an option's parcels split
        between carriers by lanes.carrier_fraction: rate-shopped options)

The same model as the tests' oracle (tests/oracle.py), which stays in the tests so that the
product's benchmark and the tests' check do not share a defect.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from ortools.math_opt.python import mathopt

from network.inventory import inventory_usd_per_year
from network.lanes import LaneTable
from network.scenario import Scenario

TEXTBOOK_GAP = 1e-4  # the relative gap the benchmark asks of both solvers


@dataclass(frozen=True)
class TextbookRun:
    seconds: float  # solve time, or the cap when capped
    cpu_seconds: float  # the child process's CPU time in the solve, every thread (killed: up
    # to the kill)
    objective: float | None  # its best design's cost (None: none found)
    bound: float | None  # HiGHS's proven lower bound
    status: str
    capped: bool  # stopped by the cap before proving TEXTBOOK_GAP
    build_seconds: float  # building the model, not counted
    log_tail: str = ""  # the last line of HiGHS's log when killed: where it stood


KILLED = "killed_past_time_limit"  # the status of a run killed past the cap
KILL_GRACE_S = 15.0  # past the cap, the child process solving the textbook model is killed


def textbook_highs(scenario: Scenario, lanes: LaneTable, limit_s: float) -> TextbookRun:
    """The textbook model of `scenario` solved by HiGHS to TEXTBOOK_GAP, capped at `limit_s`.

    Solved in a child process that is killed `KILL_GRACE_S` after the cap: HiGHS does not
    check its time limit everywhere (in presolve and the root LP of a model this size it ran
    on for more than ten minutes past a 20 s cap: ERGO-Code/HiGHS issues 885, 1501, 2226), and
    a benchmark that hangs measures nothing. A killed run reads as capped at `limit_s`, as a
    run HiGHS stopped itself does: its ratio is a lower bound either way. Its CPU seconds are
    what the child had spent in HiGHS when killed (read from /proc before the kill), past the
    build: the CPU a proof would have needed is more."""
    context = multiprocessing.get_context("fork")  # the child inherits the lanes, no copy
    receive, send = context.Pipe(duplex=False)
    log_fd, log_path = tempfile.mkstemp(prefix="textbook-highs-", suffix=".log")
    try:
        child = context.Process(target=_solve_in_child,
                                args=(scenario, lanes, limit_s, send, log_fd), daemon=True)
        child.start()
        send.close()
        os.close(log_fd)
        run = _answer_or_kill(child, receive, _build_allowance_s(lanes), limit_s)
        killed = run.status == KILLED  # a run HiGHS stopped ends its log with its report
        return replace(run, log_tail=_last_line(log_path) if killed else "")
    finally:
        os.unlink(log_path)


def _answer_or_kill(child, receive, build_allowance_s: float, limit_s: float) -> TextbookRun:
    """The child's TextbookRun, or, when none comes `KILL_GRACE_S` past the cap, the child
    killed and its run read as capped."""
    wait_s, built = build_allowance_s + limit_s + KILL_GRACE_S, None
    try:
        while receive.poll(wait_s):
            message = receive.recv()
            if isinstance(message, TextbookRun):
                return message
            built, wait_s = message, limit_s + KILL_GRACE_S  # the model built: HiGHS starts
        spent = _process_cpu_s(child.pid)
    except EOFError:  # the child died without an answer
        spent = float("nan")
    finally:
        child.kill()
        child.join()
    build_s, build_cpu = built if built is not None else (float("nan"), float("nan"))
    return TextbookRun(limit_s, spent - build_cpu, None, None, KILLED, True, build_s)


def _last_line(path: str) -> str:
    """The last line of a text file that is not blank ("" when none)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 4096))
            lines = [ln.strip() for ln in f.read().decode(errors="replace").splitlines()]
    except OSError:
        return ""
    return next((ln for ln in reversed(lines) if ln), "")


def _process_cpu_s(pid: int) -> float:
    """A process's CPU seconds so far, every thread (Linux /proc; nan elsewhere): what a child
    killed past the cap had spent, a lower bound on what it needed."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _build_allowance_s(lanes: LaneTable) -> float:
    """Time to build the model in Python before HiGHS starts (not counted, but waited for):
    generous (a loaded machine), 40 s per million lanes plus 20 s."""
    n_z, n_s, n_k = lanes.shape
    return 20.0 + 40.0 * n_z * n_s * n_k / 1e6


def _solve_in_child(scenario: Scenario, lanes: LaneTable, limit_s: float, send, log_fd: int
                    ) -> None:
    """In the child: HiGHS's log (its stdout) goes to the file of `log_fd`, for the parent to
    read where a run it killed stood."""
    os.dup2(log_fd, 1)
    send.send(_textbook_run(scenario, lanes, limit_s, send.send))
    send.close()


def _textbook_run(scenario: Scenario, lanes: LaneTable, limit_s: float,
                  on_built=lambda build: None) -> TextbookRun:
    """Build the model, tell `on_built` (wall s, CPU s) of the build, then solve it."""
    start, start_cpu = time.perf_counter(), time.process_time()
    model = mathopt.Model(name="textbook")
    objective = _textbook_model(model, scenario, lanes)
    model.minimize(objective)
    build = time.perf_counter() - start
    on_built((build, time.process_time() - start_cpu))
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=limit_s),
                                     relative_gap_tolerance=TEXTBOOK_GAP,
                                     absolute_gap_tolerance=0.0, enable_output=True)
    start, start_cpu = time.perf_counter(), time.process_time()
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    reason = result.termination.reason
    proven = reason in (mathopt.TerminationReason.OPTIMAL,
                        mathopt.TerminationReason.INFEASIBLE)
    found = result.has_primal_feasible_solution()
    return TextbookRun(seconds if proven else limit_s, cpu,
                       result.objective_value() if found else None,
                       result.termination.objective_bounds.dual_bound if found else None,
                       reason.name.lower(), not proven, build)


def _textbook_model(model: mathopt.Model, scenario: Scenario, lanes: LaneTable):
    n_z, n_s, _ = lanes.shape
    orders = lanes.demand.orders_per_year
    k = scenario.constraints
    y = [model.add_binary_variable(name=f"open[{sid}]") for sid in lanes.site_ids]
    for s, sid in enumerate(lanes.site_ids):
        if sid in k.forced_open:
            y[s].lower_bound = 1
        if sid in k.forced_closed:
            y[s].upper_bound = 0
    x, cross = _lane_variables(model, scenario, lanes)
    for z in range(n_z):  # (1), (2)
        model.add_linear_constraint(mathopt.fast_sum(v for _, _, v in x[z])
                                    + (0.0 if cross[z] is None else cross[z]) == 1)
        for s in {s for s, _, _ in x[z]}:
            model.add_linear_constraint(mathopt.fast_sum(v for ss, _, v in x[z] if ss == s)
                                        <= y[s])
    _share_targets(model, scenario, lanes, x, cross)  # (3)
    loads: list[list] = [[] for _ in range(n_s)]
    for z in range(n_z):
        for s, _, v in x[z]:
            loads[s].append(float(orders[z]) * v)
    peak = scenario.costs.peak_multiplier
    for s in range(n_s):  # (4)
        model.add_linear_constraint(peak * mathopt.fast_sum(loads[s])
                                    <= float(lanes.capacity_orders_per_year[s]) * y[s])
    u = [model.add_binary_variable(name=f"count[{n}]") for n in range(n_s + 1)]  # (5)
    model.add_linear_constraint(mathopt.fast_sum(y) == mathopt.fast_sum(
        n * u[n] for n in range(n_s + 1)))
    model.add_linear_constraint(mathopt.fast_sum(u) == 1)
    model.add_linear_constraint(mathopt.fast_sum(y) >= k.min_sites)
    if k.max_sites is not None:
        model.add_linear_constraint(mathopt.fast_sum(y) <= k.max_sites)
    _carrier_shares(model, scenario, lanes, x)  # (6)
    cost = lanes.cost_usd_per_order
    return (mathopt.fast_sum(float(f) * y[s]
                             for s, f in enumerate(lanes.fixed_cost_usd_per_year))
            + mathopt.fast_sum(float(orders[z] * cost[z, s, kk]) * v for z in range(n_z)
                               for s, kk, v in x[z])
            + mathopt.fast_sum(float(orders[z]) * lanes.cross_border_usd_per_order * c
                               for z, c in enumerate(cross) if c is not None)
            + mathopt.fast_sum(inventory_usd_per_year(scenario, n, float(orders.sum())) * u[n]
                               for n in range(n_s + 1)))


def _lane_variables(model: mathopt.Model, scenario: Scenario, lanes: LaneTable):
    """x[z] = [(site, service, variable)] for every lane within the day limit; cross[z] the
    cross-border variable, or None when it is disabled or too slow."""
    n_z, n_s, n_k = lanes.shape
    limit = scenario.targets.max_days_any_zip3
    days = lanes.delivery_days
    x = [[(s, kk, model.add_binary_variable()) for s in range(n_s) for kk in range(n_k)
          if limit is None or days[z, s, kk] <= limit] for z in range(n_z)]
    allowed = lanes.cross_border_enabled and (limit is None or lanes.cross_border_days <= limit)
    cross = [model.add_binary_variable() if allowed else None for _ in range(n_z)]
    return x, cross


def _share_targets(model: mathopt.Model, scenario: Scenario, lanes: LaneTable, x, cross
                   ) -> None:
    orders = lanes.demand.orders_per_year
    for t in scenario.targets.share_targets:
        fast = [float(orders[z]) * v for z in range(len(x)) for s, kk, v in x[z]
                if lanes.delivery_days[z, s, kk] <= t.within_days]
        if lanes.cross_border_days <= t.within_days:
            fast += [float(orders[z]) * c for z, c in enumerate(cross) if c is not None]
        model.add_linear_constraint(mathopt.fast_sum(fast)
                                    >= t.share_pct / 100 * float(orders.sum()))


def _carrier_shares(model: mathopt.Model, scenario: Scenario, lanes: LaneTable, x) -> None:
    orders = lanes.demand.orders_per_year
    shipped = mathopt.fast_sum(float(orders[z]) * v for z in range(len(x)) for _, _, v in x[z])
    for c in scenario.constraints.carrier_shares:
        fraction = lanes.carrier_fraction(c.carrier)  # of each option's parcels
        mine = mathopt.fast_sum(float(orders[z] * fraction[z, s, kk]) * v
                                for z in range(len(x)) for s, kk, v in x[z])
        if c.min_pct is not None:
            model.add_linear_constraint(mine >= c.min_pct / 100 * shipped)
        if c.max_pct is not None:
            model.add_linear_constraint(mine <= c.max_pct / 100 * shipped)
