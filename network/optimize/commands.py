"""The `solve` and `bench` subcommands (registered into network/cli.py's parser).

`python -m network solve [SCENARIO.json] --out DIR [--time-limit S] [--gap G]` writes
DIR/result.json, DIR/lanes.csv and DIR/sites.csv; exit 0 optimal or feasible, 2 bad input,
3 infeasible (the explanation is printed), 4 no design within the time limit, 5 the design
failed the independent check (evaluate; each violation is printed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from network.errors import InputError, Problem
from network.evaluate import chosen_lanes_frame, kpis_dict, sites_frame
from network.optimize.result import OptimizeResult, SolveParams, SolveStatus

EXIT_OK, EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_CHECK_FAILED = 0, 2, 3, 4, 5


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("solve", help="optimal network for a scenario (default when none given)")
    p.add_argument("scenario", nargs="?")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--time-limit", type=float, default=SolveParams.time_limit_s,
                   help="seconds (default %(default)s)")
    p.add_argument("--gap", type=float, default=SolveParams.relative_gap,
                   help="relative optimality gap to stop at (default %(default)s)")
    p.set_defaults(func=cmd_solve)
    p = sub.add_parser("bench", help="time the optimizer against the textbook model")
    p.add_argument("--orlib", action="store_true", help="also run the OR-Library sets")
    p.add_argument("--orlib-only", action="store_true", help="only the OR-Library sets")
    p.add_argument("--orlib-filter", default="", help="only instances whose name contains this")
    p.add_argument("--orlib-time-limit", type=float, default=600.0, help="per instance (s)")
    p.add_argument("--repeats", type=int, default=5, help="timed solves of the default scenario")
    p.add_argument("--textbook-limit", type=float, default=300.0, help="cap for the CBC run (s)")
    p.add_argument("--smoke", action="store_true", help="tiny run for CI: toy sizes, no timing")
    p.add_argument("--scale", action="store_true",
                   help="also run the ZIP5 x 300-site scale instance (1%% gap)")
    p.add_argument("--scale-only", action="store_true", help="only the scale instance")
    p.add_argument("--scale-time-limit", type=float, default=60.0,
                   help="scale solve limit (s, default %(default)s)")
    p.add_argument("--scale-points", type=int, default=None,
                   help="draw this many ZIP5s (default: all, about 16k)")
    p.add_argument("--scale-sites", type=int, default=300, help="candidate sites (default 300)")
    p.set_defaults(func=cmd_bench)


def cmd_solve(args: argparse.Namespace) -> int:
    from network.cli import output_dir, scenario_arg
    from network.optimize import optimize

    out = output_dir(args.out)
    scenario = scenario_arg(args.scenario)
    params = SolveParams(time_limit_s=args.time_limit, relative_gap=args.gap)
    result = optimize(scenario, params=params)
    if result.status is SolveStatus.INVALID_INPUT:
        raise InputError([Problem("solve", s) for s in result.explanation])
    write_result(result, out)
    print(summary(result))
    for sentence in result.explanation:
        print(f"  - {sentence}")
    if result.status is SolveStatus.INFEASIBLE:
        return EXIT_INFEASIBLE
    if result.status is SolveStatus.CHECK_FAILED:
        return EXIT_CHECK_FAILED
    return EXIT_OK if result.status.has_design else EXIT_NO_SOLUTION


def summary(result: OptimizeResult) -> str:
    if result.status is SolveStatus.CHECK_FAILED:
        return (f"{result.status.value}: the design breaks the scenario "
                f"({result.solve_seconds:.2f} s)")
    if not result.status.has_design:
        return f"{result.status.value}: no design ({result.solve_seconds:.2f} s)"
    gap = "no proven gap" if result.gap is None else f"gap {100 * result.gap:.4f}%"
    return (f"{result.status.value}: ${result.objective_usd:,.0f}/yr with "
            f"{len(result.open_site_ids)} sites ({', '.join(result.open_site_ids)}); "
            f"{gap}; {result.solve_seconds:.2f} s")


def result_dict(result: OptimizeResult) -> dict:
    """result.json: the CLI contract (issue 3 section 5)."""
    doc = {"status": result.status.value, "objective_usd": None, "best_bound_usd": None,
           "gap": result.gap, "solve_seconds": round(result.solve_seconds, 4),
           "open_sites": list(result.open_site_ids), "kpis": None,
           "explanation": list(result.explanation),
           "solver_objective_usd": result.solver_objective_usd,
           "lanes_after_reduction": result.n_options}
    if result.objective_usd is not None:
        doc["objective_usd"] = round(result.objective_usd, 2)
    if result.best_bound_usd is not None:
        doc["best_bound_usd"] = round(result.best_bound_usd, 2)
    if result.evaluation is not None:
        doc["kpis"] = kpis_dict(result.evaluation)
    return doc


def write_result(result: OptimizeResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result_dict(result), indent=2) + "\n")
    if result.evaluation is not None:
        chosen_lanes_frame(result.evaluation).to_csv(out / "lanes.csv", index=False)
        sites_frame(result.evaluation).to_csv(out / "sites.csv", index=False)


def cmd_bench(args: argparse.Namespace) -> int:
    from network.optimize.bench import run_bench

    return run_bench(args)
