"""Command line: `python -m network COMMAND ...` (a stable contract; see README).

Exit codes: 0 success, 1 generated docs out of date (`schema --check`), 2 bad input (one line
per problem, naming row and field; a long list is cut after 20 lines with a count of the rest),
3 infeasible (`solve`, and `evaluate` when the open sites cannot meet the targets; with the
explanation), 4 no design found within the time limit, 5 the optimizer's design failed the
independent check (solve, evaluate: evaluate() found a violation, each one printed; a defect of the
optimizer, never a result). Bad input includes an --out path that cannot be written, which is
checked before any work starts.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from network.errors import InputError, Problem, problem_lines, reported_as, shown_value
from network.evaluate import (
    Design,
    Evaluation,
    chosen_lanes_frame,
    evaluate,
    kpis_dict,
    sites_frame,
)
from network.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_INFEASIBLE,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    EXIT_STALE,
)
from network.lanes import build_lanes, lanes_frame
from network.my_network import cost_my_network, picked_site_ids
from network.places import zip3_point, zip5_to_zip3
from network.scenario import Scenario
from network.scenario_file import (
    embedded_zip3_base,
    load_default_scenario,
    load_scenario,
)
from network.tables import (
    load_rate_cards,
    load_sites,
    load_transit_days,
    load_user_demand,
    load_zip3_base,
    normalize_zip,
    read_csv_text,
)


def scenario_arg(path: str | None) -> Scenario:
    """The scenario named on the command line, or the default one."""
    if not path:
        return load_default_scenario()
    return load_scenario(path)


def output_dir(path: str) -> Path:
    """The --out folder, created now so that a path that cannot be written is refused before
    any work is done."""
    return _writable(Path(path), folder=True)


def output_file(path: str) -> Path:
    """The --out file, its folder created now (as for `output_dir`)."""
    _writable(Path(path).parent, folder=True)
    return _writable(Path(path), folder=False)


def _writable(path: Path, folder: bool) -> Path:
    def refuse(why: str) -> InputError:
        return InputError([Problem("--out", f"cannot write to '{shown_value(path)}': {why}")])

    if folder and path.exists() and not path.is_dir():
        raise refuse("it is a file, not a folder")
    if not folder and path.is_dir():
        raise refuse("it is a folder; give a file name")
    try:
        if folder:
            path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    target = path if folder or path.exists() else path.parent
    if not os.access(target, os.W_OK):
        raise refuse("permission denied")
    return path


# ---------------------------------------------------------------------------------------------
# zone


def cmd_zone(args: argparse.Namespace) -> int:
    from network.geo import great_circle_mi, zone_from_miles

    base = embedded_zip3_base()
    points = []
    for label, code in (("origin", args.origin), ("destination", args.dest)):
        zip3 = _zip3_of_code(code, label)
        points.append((zip3, *zip3_point(zip3, base)))
    (o3, olat, olon), (d3, dlat, dlon) = points
    miles = float(great_circle_mi(olat, olon, dlat, dlon))
    print(json.dumps({"origin_zip3": o3, "dest_zip3": d3, "distance_mi": round(miles, 1),
                      "zone": int(zone_from_miles(miles))}))
    return EXIT_OK


def _zip3_of_code(code: str, label: str) -> str:
    code = code.strip()
    digits = 3 if len(code) <= 3 else 5
    norm = normalize_zip(code, digits)
    if norm is None:
        raise InputError([Problem("zone", f"'{shown_value(code)}' is not a 3- or 5-digit ZIP",
                                  field=label)])
    if digits == 3:
        return norm
    zip3 = zip5_to_zip3(norm)
    if zip3 is None:
        raise InputError([Problem("zone", f"unknown ZIP '{shown_value(code)}'", field=label)])
    return zip3


# ---------------------------------------------------------------------------------------------
# lanes and evaluate


def cmd_lanes(args: argparse.Namespace) -> int:
    out = output_file(args.out)
    frame = lanes_frame(build_lanes(scenario_arg(args.scenario)))
    frame.to_csv(out, index=False)
    print(f"wrote {len(frame):,} lanes to {args.out}")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Exactly the --open sites: the cheapest assignment meeting the scenario's targets (exit 3
    with the explanation when there is none), or with --ignore-targets each ZIP3's cheapest
    lane among them."""
    out = output_dir(args.out)
    scenario = scenario_arg(args.scenario)
    open_ids = picked_site_ids(scenario, args.open.split(","))
    if args.ignore_targets:
        return _evaluate_cheapest_lanes(scenario, open_ids, out)
    from network.optimize.report import result_dict
    from network.optimize.result import SolveParams, SolveStatus

    mine = cost_my_network(scenario, open_ids,
                           params=SolveParams(time_limit_s=args.time_limit))
    result = mine.result
    if result.status is SolveStatus.INVALID_INPUT:
        raise InputError([Problem("evaluate", s) for s in result.explanation])
    doc = {"scenario": scenario.name, **result_dict(result), "open_sites": list(mine.site_ids),
           "feasible": result.status.has_design, "explanation": mine.explanation()}
    _write_evaluation(out, doc, result.evaluation)
    if result.status.has_design:
        _print_kpis(result.evaluation, out)
        return EXIT_OK
    sites = ", ".join(mine.site_ids) or "no site"
    if result.status is SolveStatus.CHECK_FAILED:
        print(f"{sites}: the optimizer's assignment failed the independent check; wrote "
              f"{out}/result.json")
    else:
        print(f"{sites}: {result.status.value.replace('_', ' ')}, no assignment to these sites "
              f"meets the targets; wrote {out}/result.json")
    for sentence in mine.explanation():
        print(f"  - {sentence}")
    return {SolveStatus.INFEASIBLE: EXIT_INFEASIBLE,
            SolveStatus.CHECK_FAILED: EXIT_CHECK_FAILED}.get(result.status, EXIT_NO_SOLUTION)


def _evaluate_cheapest_lanes(scenario: Scenario, open_ids: tuple[str, ...], out: Path) -> int:
    evaluation = evaluate(scenario, Design(open_ids))
    doc = {"scenario": scenario.name, "open_sites": list(open_ids),
           "feasible": evaluation.feasible, "kpis": kpis_dict(evaluation)}
    _write_evaluation(out, doc, evaluation)
    _print_kpis(evaluation, out)
    for v in evaluation.violations:
        print(f"warning: {v}")
    return EXIT_OK


def _write_evaluation(out: Path, doc: dict, evaluation: Evaluation | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(doc, indent=2) + "\n")
    if evaluation is not None:
        chosen_lanes_frame(evaluation).to_csv(out / "lanes.csv", index=False)
        sites_frame(evaluation).to_csv(out / "sites.csv", index=False)


def _print_kpis(evaluation: Evaluation, out: Path) -> None:
    k = evaluation.kpis
    print(f"total ${k.total_cost_usd:,.0f}/yr, ${k.cost_per_order_usd:.2f}/order, "
          f"{k.avg_delivery_days:.2f} days on average; wrote {out}/result.json, lanes.csv "
          "and sites.csv")


# ---------------------------------------------------------------------------------------------
# validate


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.file)
    with reported_as(str(path)):  # what the CSV checks pass but the scenario definition not
        kind = _validate_file(path)
    print(f"{path}: valid {kind}")
    return EXIT_OK


def _validate_file(path: Path) -> str:
    if path.suffix.lower() == ".json":
        scenario_arg(str(path))
        return "scenario"
    columns = set(read_csv_text(path, str(path)).columns)
    services = load_default_scenario().service_ids
    if "site_id" in columns:
        load_sites(path)
        return "sites file"
    if "rate_usd" in columns or "weight_lb" in columns:
        load_rate_cards(path, services)
        return "rate card"
    if "transit_days" in columns:
        load_transit_days(path, services)
        return "transit-days table"
    if columns & {"orders_per_year", "orders"} or columns & {"zip5", "zip"}:
        load_user_demand(path, load_zip3_base(), zip5_to_zip3=zip5_to_zip3)
        return "demand file"
    if {"zip3", "population"} <= columns:
        load_zip3_base(path)
        return "ZIP3 population table"
    raise InputError([Problem(str(path), "cannot tell what this file is: expected a scenario "
                              "(.json), sites (site_id, ...), demand (zip3 or zip5, "
                              "orders_per_year) or rate card (service, zone, weight_lb, "
                              "rate_usd) columns", row=None, field="header")])


# ---------------------------------------------------------------------------------------------
# schema


def cmd_schema(args: argparse.Namespace) -> int:
    """Write (or, with --check, compare) the docs generated from the scenario definition."""
    from network.scenario_schema import stale_docs, write_docs

    if args.check:
        stale = stale_docs()
        for path in stale:
            print(f"{path} differs from the scenario definition; run `python -m network "
                  "schema`", file=sys.stderr)
        return EXIT_STALE if stale else EXIT_OK
    for path in write_docs():
        print(f"rewrote {path}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------


# The commands registered by other modules: (module, the commands its `register` adds).
# Importing some of them is slow (the store's SQLAlchemy and Alembic, the explorer's OR-Tools:
# 1-1.5 s together), so a command line that names one command registers only its own module.
COMMAND_MODULES = (
    ("network.store.commands", ("store",)),  # store upgrade, list, check, backup
    ("network.explore.commands", ("sweep",)),
    ("network.export.commands", ("export", "import")),
)
OWN_COMMANDS = ("zone", "lanes", "evaluate", "validate", "schema", "solve", "bench")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line's parser; for an `argv` that starts with a command's name, the
    same parser with only the commands defined beside it (this module's, or one of
    COMMAND_MODULES): the one that runs parses exactly as in the whole parser."""
    command = argv[0] if argv else None
    parser = argparse.ArgumentParser(prog="python -m network",
                                     description="US fulfillment network design")
    sub = parser.add_subparsers(dest="command", required=True)
    for module, names in COMMAND_MODULES:
        if command in names:
            importlib.import_module(module).register(sub)
            return parser
    p = sub.add_parser("zone", help="parcel zone between two ZIPs (3 or 5 digits)")
    p.add_argument("origin")
    p.add_argument("dest")
    p.set_defaults(func=cmd_zone)
    p = sub.add_parser("lanes", help="every (zip3, site, service) option with its cost")
    p.add_argument("scenario", nargs="?")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_lanes)
    p = sub.add_parser("evaluate", help="exactly these open sites: the cheapest assignment "
                       "that meets the scenario's targets (exit 3 with the explanation when "
                       "there is none)")
    p.add_argument("scenario", nargs="?")
    p.add_argument("--open", required=True, help="comma-separated site ids")
    p.add_argument("--out", required=True)
    p.add_argument("--ignore-targets", action="store_true",
                   help="each ZIP3 takes its cheapest lane among the open sites (within the "
                        "per-ZIP3 day limit); the share targets are only reported")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="seconds for the assignment's solve (default %(default)s)")
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("validate", help="check a scenario JSON, sites, demand or rate-card CSV")
    p.add_argument("file")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("schema", help="write docs/scenario.schema.json and the field tables "
                       "of docs/scenario-format.md from the scenario definition")
    p.add_argument("--check", action="store_true",
                   help="only compare; exit 1 when a file differs")
    p.set_defaults(func=cmd_schema)
    _add_solve(sub)
    _add_bench(sub)
    if command not in OWN_COMMANDS:  # no command, --help, a mistake: every command
        for module, _ in COMMAND_MODULES:
            importlib.import_module(module).register(sub)
    return parser


def _add_solve(sub: argparse._SubParsersAction) -> None:
    from network.optimize.result import SolveParams  # the defaults (loads ortools: 0.8 s)

    p = sub.add_parser("solve", help="optimal network for a scenario (default when none given)")
    p.add_argument("scenario", nargs="?")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--time-limit", type=float, default=SolveParams.time_limit_s,
                   help="seconds (default %(default)s)")
    p.add_argument("--gap", type=float, default=SolveParams.relative_gap,
                   help="relative optimality gap to stop at (default %(default)s)")
    p.set_defaults(func=cmd_solve)


def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time the optimizer against the textbook model")
    p.add_argument("--orlib", action="store_true", help="also run the OR-Library sets")
    p.add_argument("--orlib-only", action="store_true", help="only the OR-Library sets")
    p.add_argument("--orlib-filter", default="", help="only instances whose name contains this")
    p.add_argument("--orlib-time-limit", type=float, default=600.0, help="per instance (s)")
    p.add_argument("--classes", default="",
                   help="comma-separated scenario classes to run (default: all; the default "
                        "class always runs)")
    p.add_argument("--repeats", type=int, default=5, help="cold solves per class (median)")
    p.add_argument("--quick", action="store_true",
                   help="one cold solve and one warm edit per class, textbook capped at 20 s")
    p.add_argument("--textbook-limit", type=float, default=120.0,
                   help="cap for the textbook model in HiGHS, per class (s, default %(default)s)")
    p.add_argument("--no-textbook", action="store_true", help="skip the textbook model")
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
    """Solve, write the result files, print the summary and each sentence of explanation."""
    from network.optimize import SolveParams, SolveStatus, optimize
    from network.optimize.report import summary, write_result

    out = output_dir(args.out)
    params = SolveParams(time_limit_s=args.time_limit, relative_gap=args.gap)
    result = optimize(scenario_arg(args.scenario), params=params)
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


def cmd_bench(args: argparse.Namespace) -> int:
    from network.bench.run import run_bench

    return run_bench(args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        for line in problem_lines(exc.problems):
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
