"""The `export` and `import` subcommands (registered into network/cli.py's parser; a stable
contract, see README).

    python -m network export [SCENARIO.json] --format json|csv|geojson|xlsx|html --out PATH
                             [--db URL_OR_PATH --id ID [--version N]] [--time-limit S]
    python -m network import FILE --db URL_OR_PATH [--name NAME] [--note TEXT]

`export` takes the scenario from the file (its design too, when it has one), from the store
(`--id`), or the default, and solves it first when it carries no design. `--out` is the file
to write (a path with an extension), or a folder to write it into under the scenario's name
and today's date (an existing folder, or a path without an extension; for CSV always a folder:
sites and lanes).

`import` reads a scenario JSON (this app's export, or another server's), checks it as an
upload (no file references, size limit, every problem by row and field) and stores it as a new
scenario. Exit codes: 0 done, 2 bad input or an unusable store (one line per problem), 3 no
design meets the targets (export), 4 no design within the time limit (export).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from network.errors import InputError, Problem
from network.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_INFEASIBLE,
    EXIT_NO_SOLUTION,
    EXIT_OK,
)
from network.export.content import NoDesign, ScenarioWithDesign, from_saved, solved
from network.export.formats import ExportFile, ExportFormat, export_files
from network.export.scenario_json import read_scenario_file
from network.scenario_file import DEFAULT_SCENARIO_FILE, MAX_SCENARIO_FILE_BYTES
from network.store.commands import DB_HELP
from network.store.errors import StoreError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a scenario and its design as JSON, CSV, GeoJSON, "
                       "an Excel workbook or the HTML report (solves first if needed)")
    p.add_argument("scenario", nargs="?", help="scenario JSON (default: the default scenario)")
    p.add_argument("--format", required=True, choices=[f.value for f in ExportFormat])
    p.add_argument("--out", required=True, help="file to write, or a folder to write into")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--id", type=int, help="export this saved scenario from the store")
    p.add_argument("--version", type=int, help="its version (default: the latest)")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="seconds for the solve, when one is needed (default %(default)s)")
    p.set_defaults(func=_guarded(cmd_export))
    p = sub.add_parser("import", help="check a scenario JSON and store it as a new scenario")
    p.add_argument("file", help=f"scenario JSON (at most {MAX_SCENARIO_FILE_BYTES // 2**20} MB)")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--name", help="store it under this name (default: the scenario's own)")
    p.add_argument("--note", default=None, help="the saved version's note")
    p.set_defaults(func=_guarded(cmd_import))


def _guarded(command):
    """Bad input and store failures print one line per problem and exit 2; a scenario with no
    design exits 3 (infeasible, with the explanation), 4 (time limit) or 5 (the optimizer's
    design failed the independent check, each violation printed)."""
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except NoDesign as exc:
            print(f"no design to export: the solve ended {exc.status}", file=sys.stderr)
            for sentence in exc.explanation:
                print(f"  - {sentence}", file=sys.stderr)
            return {"infeasible": EXIT_INFEASIBLE, "no_solution": EXIT_NO_SOLUTION,
                    "check_failed": EXIT_CHECK_FAILED}.get(exc.status, EXIT_BAD_INPUT)
    return run


def cmd_export(args: argparse.Namespace) -> int:
    from network.optimize.result import SolveParams

    fmt = ExportFormat(args.format)
    item = solved(_source(args), SolveParams(time_limit_s=args.time_limit))
    for path in write_files(export_files(item, fmt, date.today()), Path(args.out),
                            folder=fmt is ExportFormat.CSV):
        print(f"wrote {path}")
    return EXIT_OK


def _source(args: argparse.Namespace) -> ScenarioWithDesign:
    """The scenario (and design) to export: from the store, a file, or the default."""
    if args.id is not None:
        if args.scenario:
            raise InputError([Problem("export", "give a scenario file or --id, not both",
                                      field="--id")])
        from network.store.opening import open_store  # SQLAlchemy: only when a store is used

        store = open_store(args.db)
        try:
            return from_saved(store.open_version(args.id, args.version))
        finally:
            store.close()
    if args.version is not None:
        raise InputError([Problem("export", "--version needs --id", field="--version")])
    path = Path(args.scenario) if args.scenario else DEFAULT_SCENARIO_FILE
    return read_scenario_file(path, str(path), base_dir=path.resolve().parent).content


def write_files(files: list[ExportFile], out: Path, folder: bool) -> list[Path]:
    """Write `files` to `out`: a folder (created if need be) when `folder`, when it is one
    already or when it has no extension; else the one file's path."""
    if folder or out.is_dir() or not out.suffix:
        targets = [out / f.file_name for f in files]
    elif len(files) == 1:
        targets = [out]
    else:
        raise InputError([Problem("--out", "this format writes several files: give a folder",
                                  field="--out")])
    try:
        for target, f in zip(targets, files, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.data)
    except OSError as exc:
        raise InputError([Problem("--out", f"cannot write to '{out}': "
                                  f"{exc.strerror or exc}", field="--out")]) from None
    return targets


def cmd_import(args: argparse.Namespace) -> int:
    from network.export.store_io import import_to_store
    from network.store.opening import open_store

    path = Path(args.file)
    if path.suffix.lower() == ".csv":
        raise InputError([Problem(str(path), "import stores a scenario JSON; a sites, demand or "
                                  "rate-card CSV goes into a scenario in the app (Designer, "
                                  "Settings), and `python -m network validate` checks one")])
    imported = read_scenario_file(path, str(path))
    store = open_store(args.db)
    try:
        note = args.note if args.note is not None else f"imported from {path.name}"
        ref = import_to_store(store, imported, note, name=args.name)
    finally:
        store.close()
    design = "with its design" if imported.content.has_design else "without a design"
    print(f"stored '{ref.name}' {design} as scenario {ref.scenario_id} version {ref.version} "
          f"in {store.location}")
    for note in imported.notes:
        print(f"note: {note}")
    return EXIT_OK
