"""The `sweep` subcommand (registered into network/cli.py's parser): a stable contract.

    python -m network sweep [SCENARIO.json] --sites 1-10 --target-days 2 --targets 0.5:1.0:0.05
        --out DIR [--scheduler ADDR] [--draws N] [--sensitivity]

writes DIR/frontier.csv (FRONTIER_COLUMNS), with `--draws` DIR/robustness.csv and
DIR/site_frequency.csv, with `--sensitivity` DIR/sensitivity.csv, and prints a progress line
per point. Exit 0 done, 2 bad input (one line per problem), 130 interrupted (Ctrl-C: the points
finished so far are written). Every option is checked before anything runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from network.errors import InputError, Problem
from network.exit_codes import EXIT_INTERRUPTED, EXIT_OK
from network.explore.executor import (
    DEFAULT_LOCAL_WORKERS,
    ERROR,
    SCHEDULER_ENV,
    SWEEP_PARAMS,
    Executor,
    Progress,
    executor_for,
    run_sweep,
)
from network.explore.frontier import ANY, frontier_frame, frontier_tasks
from network.explore.points import PointResult, PointTask, scenario_task
from network.explore.robustness import (
    DemandNoise,
    robustness_frame,
    robustness_tasks,
    site_frequency_frame,
    summarize,
)
from network.explore.sensitivity import sensitivity_frame, sensitivity_tasks, tornado_frame
from network.optimize import SolveParams
from network.scenario import Scenario
from network.wording import day_count

SOURCE = "sweep"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="cost of a delivery promise by site count (frontier), "
                       "with robustness and sensitivity")
    p.add_argument("scenario", nargs="?")
    p.add_argument("--sites", default="1-10", help="site counts: 1-10 or 2,4,6 (default "
                   "%(default)s)")
    p.add_argument("--target-days", default="2", help="the promise: share within 1, 2 or 3 "
                   "days (default %(default)s)")
    p.add_argument("--targets", default="0.5:1.0:0.05", help="promise levels as shares, "
                   "start:stop:step or a list 0.8,0.9 (default %(default)s)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (default: $"
                   f"{SCHEDULER_ENV}, else local worker processes)")
    p.add_argument("--workers", default=str(DEFAULT_LOCAL_WORKERS),
                   help="local worker processes (1: one thread in this process)")
    p.add_argument("--draws", default=None, help="robustness: this many demand draws")
    p.add_argument("--spread", default=str(DemandNoise.state_spread),
                   help="robustness: state-level spread, sd of the log multiplier")
    p.add_argument("--growth-sd", default=str(DemandNoise.growth_sd_pct),
                   help="robustness: national growth sd, percentage points")
    p.add_argument("--seed", default=str(DemandNoise.seed), help="robustness: random seed")
    p.add_argument("--sensitivity", action="store_true", help="each key input down and up")
    p.add_argument("--current", default=None, help="the current design's open sites, "
                   "comma-separated (default: the scenario's optimum)")
    p.add_argument("--time-limit", default=str(SWEEP_PARAMS.time_limit_s),
                   help="seconds per point (default %(default)s)")
    p.add_argument("--gap", default=str(SWEEP_PARAMS.relative_gap),
                   help="relative gap per point (default %(default)s)")
    p.set_defaults(func=cmd_sweep)


@dataclass(frozen=True)
class SweepRequest:
    """The command's options, checked."""

    scenario: Scenario
    counts: tuple[int, ...]
    within_days: int
    levels: tuple[float, ...]
    out: Path
    scheduler: str | None
    workers: int
    noise: DemandNoise | None
    sensitivity: bool
    current: tuple[str, ...] | None
    params: SolveParams


def cmd_sweep(args: argparse.Namespace) -> int:
    request = read_request(args)
    with executor_for(request.scheduler, request.workers) as executor:
        print(f"sweep on {executor.description}", flush=True)
        return _run(request, executor)


def _run(request: SweepRequest, executor: Executor) -> int:
    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    s = request.scenario
    tasks = frontier_tasks(s, request.within_days, request.levels, request.counts)
    points, complete = _sweep("frontier", tasks, executor, request.params)
    frame = frontier_frame(points, s, request.within_days)
    frame.to_csv(out / "frontier.csv", index=False)
    _print_knee(frame, request.within_days)
    if complete and (request.noise or request.sensitivity):
        current = request.current or _optimum_sites(s, executor, request.params)
        if current is None:
            print("no current design: the scenario has no feasible design, so robustness and "
                  "sensitivity are skipped")
            return EXIT_OK
        print(f"current design: {', '.join(current)}")
        if request.sensitivity:
            complete = _sensitivity(s, current, executor, request.params, out)
        if complete and request.noise:
            complete = _robustness(s, current, request.noise, executor, request.params, out)
    return EXIT_OK if complete else EXIT_INTERRUPTED


def _sweep(name: str, tasks: list[PointTask], executor: Executor, params: SolveParams
           ) -> tuple[list[PointResult], bool]:
    """Run `tasks`, printing a line per point; on Ctrl-C cancel and keep what is done."""
    run = run_sweep(tasks, executor, params)
    try:
        for point, progress in run.updates():
            print(progress_line(name, point, progress), flush=True)
    except KeyboardInterrupt:
        run.cancel()
        done = [p for p in run.wait() if p.optimum.status != ERROR]
        print(f"{name}: interrupted, {len(done)} of {run.total} points kept (waiting for the "
              "points still running to stop)", flush=True)
        return done, False
    return run.results(), True


def progress_line(name: str, point: PointResult, progress: Progress) -> str:
    o = point.optimum
    what = ", ".join(f"{k} {_text(v)}" for k, v in point.labels.items())
    cost = f"${o.cost_usd:,.0f}" if o.cost_usd is not None else "no design"
    eta = "" if progress.eta_s is None else f", about {progress.eta_s:.0f} s left"
    return (f"[{progress.done}/{progress.total}] {name} {what}: {o.status} {cost} "
            f"({point.seconds:.1f} s) · {progress.elapsed_s:.0f} s elapsed{eta}")


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _print_knee(frame: pd.DataFrame, within_days: int) -> None:
    knee = frame[(frame["sites"] == ANY) & frame["knee"]]
    if len(knee):
        row = knee.iloc[0]
        print(f"knee of the frontier: {100 * row['target']:g}% within {day_count(within_days)}, "
              f"${row['cost_usd']:,.0f} a year ({row['open_sites'].replace(';', ', ')})")


def _optimum_sites(scenario: Scenario, executor: Executor, params: SolveParams
                   ) -> tuple[str, ...] | None:
    points, _ = _sweep("current design", [scenario_task(scenario, {"scenario": "as given"})],
                       executor, params)
    o = points[0].optimum if points else None
    return o.open_sites if o is not None and o.has_design else None


def _sensitivity(scenario: Scenario, current: tuple[str, ...], executor: Executor,
                 params: SolveParams, out: Path) -> bool:
    points, complete = _sweep("sensitivity", sensitivity_tasks(scenario, current), executor,
                              params)
    frame = sensitivity_frame(points)
    frame.to_csv(out / "sensitivity.csv", index=False)
    top = tornado_frame(frame).head(3)
    print("largest effects: " + "; ".join(
        f"{r.label} ±{100 * r.step:g}%: ${r.swing_usd:,.0f}" for r in top.itertuples()
        if r.swing_usd == r.swing_usd))
    return complete


def _robustness(scenario: Scenario, current: tuple[str, ...], noise: DemandNoise,
                executor: Executor, params: SolveParams, out: Path) -> bool:
    points, complete = _sweep("robustness", robustness_tasks(scenario, current, noise),
                              executor, params)
    frame = robustness_frame(points)
    frame.to_csv(out / "robustness.csv", index=False)
    site_frequency_frame(points, scenario, current).to_csv(out / "site_frequency.csv",
                                                           index=False)
    s = summarize(frame)
    if s.regret_p50_usd is not None:
        print(f"current design across {s.draws} draws: regret P50 ${s.regret_p50_usd:,.0f}, "
              f"P90 ${s.regret_p90_usd:,.0f}; cannot meet the targets in "
              f"{s.current_infeasible_draws} draws")
    return complete


# ---------------------------------------------------------------------------------------------
# checking the options: every problem at once, each naming its option


def read_request(args: argparse.Namespace) -> SweepRequest:
    problems: list[Problem] = []

    def bad(option: str, message: str) -> None:
        problems.append(Problem(SOURCE, message, field=option))

    scenario = _load(args.scenario, problems)
    counts = _counts(args.sites, bad, None if scenario is None else len(scenario.sites))
    days = _int(args.target_days, "--target-days", bad, 1, 3)
    levels = _levels(args.targets, bad)
    workers = _int(args.workers, "--workers", bad, 1, 256)
    time_limit = _float(args.time_limit, "--time-limit", bad, 1e-3, 86_400)
    gap = _float(args.gap, "--gap", bad, 0.0, 0.999999)
    noise = _noise(args, bad)
    current = _current(args.current, scenario, bad)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        bad("--out", f"'{out}' exists and is not a directory")
    if problems:
        raise InputError(problems)
    return SweepRequest(scenario, counts, days, levels, out, args.scheduler, workers, noise,
                        args.sensitivity, current, SolveParams(time_limit_s=time_limit,
                                                               relative_gap=gap))


def _load(path: str | None, problems: list[Problem]) -> Scenario | None:
    from network.cli import scenario_arg  # checks the file's size and encoding first

    try:
        return scenario_arg(path)
    except InputError as exc:
        problems.extend(exc.problems)
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read the scenario: {exc.strerror}"))
    return None


Bad = Callable[[str, str], None]  # (option, message): records one problem


def _number(text: str, option: str, bad: Bad, kind: type, lo: float, hi: float
            ) -> int | float | None:
    try:
        value = kind(text)
    except (TypeError, ValueError):
        bad(option, f"'{text}' is not {'an integer' if kind is int else 'a number'}")
        return None
    if not lo <= value <= hi:
        bad(option, f"{value:g} is out of range [{lo:g}, {hi:g}]")
        return None
    return value


def _int(text: str, option: str, bad: Bad, lo: float, hi: float) -> int | None:
    return _number(text, option, bad, int, lo, hi)


def _float(text: str, option: str, bad: Bad, lo: float, hi: float) -> float | None:
    return _number(text, option, bad, float, lo, hi)


def _counts(text: str, bad: Bad, n_sites: int | None) -> tuple[int, ...]:
    counts: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        ends = [e.strip() for e in part.split("-")]
        if len(ends) > 2 or not all(ends):
            bad("--sites", f"'{part}' is not a count or a range like 1-10")
            continue
        values = [_int(e, "--sites", bad, 1, n_sites or 10_000) for e in ends]
        lo, hi = values[0], values[-1]
        if lo is not None and hi is not None and lo > hi:
            bad("--sites", f"range '{part}' runs backwards")
        elif lo is not None and hi is not None:
            counts.update(range(lo, hi + 1))
    return tuple(sorted(counts))


def _levels(text: str, bad: Bad) -> tuple[float, ...]:
    if ":" in text:
        ends = text.split(":")
        if len(ends) != 3:
            bad("--targets", f"'{text}' is not start:stop:step")
            return ()
        start, stop, step = (_float(e, "--targets", bad, 0.0, 1.0) for e in ends)
        if None in (start, stop, step):
            return ()
        if step <= 0 or stop < start:
            bad("--targets", f"'{text}': the step must be positive and stop at least start")
            return ()
        n = int(round((stop - start) / step + 1e-9)) + 1
        levels = [round(start + i * step, 9) for i in range(n)]
        return tuple(v for v in levels if v <= stop + 1e-9)
    values = [_float(v.strip(), "--targets", bad, 0.0, 1.0) for v in text.split(",")]
    return tuple(sorted({v for v in values if v is not None}))


def _noise(args: argparse.Namespace, bad: Bad) -> DemandNoise | None:
    if args.draws is None:
        return None
    draws = _int(args.draws, "--draws", bad, 1, 100_000)
    spread = _float(args.spread, "--spread", bad, 0.0, 1.0)
    growth = _float(args.growth_sd, "--growth-sd", bad, 0.0, 50.0)
    seed = _int(args.seed, "--seed", bad, 0, 2**32 - 1)
    if None in (draws, spread, growth, seed):
        return None
    return DemandNoise(draws, spread, growth, seed)


def _current(text: str | None, scenario: Scenario | None, bad: Bad) -> tuple[str, ...] | None:
    if text is None:
        return None
    ids = tuple(s.strip() for s in text.split(",") if s.strip())
    if not ids:
        bad("--current", "no site ids given")
    if scenario is not None:
        for s in ids:
            if s not in scenario.site_ids:
                bad("--current", f"unknown site id '{s}'")
    return ids
