"""The `store` subcommands (registered into network/cli.py's parser).

    python -m network store upgrade [--db PATH_OR_URL]   create the store or bring its schema
                                                         to this version (also done on first use)
    python -m network store list [--db PATH_OR_URL]      the saved scenarios
    python -m network store check [--db PATH_OR_URL]     integrity and consistency
    python -m network store backup --to FILE [--db PATH] a consistent copy of a SQLite store

Without --db: $NETWORK_STORE, else scenarios.db at the project root. Exit codes: 0 done,
2 the store cannot be used (one line saying why) or `check` found problems.

SQLAlchemy and Alembic (0.6-0.8 s) are imported by the commands that open a store, not when
the parser is built: every other command of `python -m network` registers these too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from network.exit_codes import EXIT_BAD_INPUT as EXIT_PROBLEM
from network.exit_codes import EXIT_OK
from network.store.errors import StoreError

if TYPE_CHECKING:
    from network.store.records import ScenarioSummary

DB_HELP = ("the store: a SQLite file path or a database URL (postgresql://user:password@host/db)"
           "; default $NETWORK_STORE, else scenarios.db at the project root")


def register(sub: argparse._SubParsersAction) -> None:
    store = sub.add_parser("store", help="the scenario store: upgrade, list, check, backup")
    actions = store.add_subparsers(dest="store_command", required=True)
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", help=DB_HELP)
    p = actions.add_parser("upgrade", parents=[db], help="create the store or upgrade its schema")
    p.set_defaults(func=_guarded(cmd_upgrade))
    p = actions.add_parser("list", parents=[db], help="list the saved scenarios")
    p.set_defaults(func=_guarded(cmd_list))
    p = actions.add_parser("check", parents=[db], help="check the store's integrity")
    p.set_defaults(func=_guarded(cmd_check))
    p = actions.add_parser("backup", parents=[db], help="copy a SQLite store (safe while in use)")
    p.add_argument("--to", required=True, help="the new file to write (never overwritten)")
    p.set_defaults(func=_guarded(cmd_backup))


def _guarded(command):
    """A store failure prints its message (one line per sentence block) and exits 2."""
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_PROBLEM
    return run


def cmd_upgrade(args: argparse.Namespace) -> int:
    from network.store.engine import create_store_engine
    from network.store.location import resolve_location
    from network.store.migrate import ensure_schema, head_revision

    location = resolve_location(args.db)
    engine = create_store_engine(location)
    try:
        ensure_schema(engine, location, read_only=False)
    finally:
        engine.dispose()
    print(f"{location}: schema at revision {head_revision()} (the newest)")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from network.store.opening import open_store

    store = open_store(args.db)
    try:
        rows = store.list_scenarios()
    finally:
        store.close()
    print(f"{store.location}: {len(rows)} scenario{'s' if len(rows) != 1 else ''}")
    if rows:
        print(f"{'id':>5}  {'name':<32} {'versions':>8} {'total cost':>16} {'per order':>10} "
              f"{'sites':>5} {'in 2 days':>9}  saved (UTC)")
    for row in rows:
        print(_list_line(row))
    return EXIT_OK


def _list_line(s: ScenarioSummary) -> str:
    v = s.latest
    cost = f"${v.total_cost_usd:,.0f}" if v.total_cost_usd is not None else "not solved"
    per_order = f"${v.cost_per_order_usd:.2f}" if v.cost_per_order_usd is not None else ""
    sites = str(v.n_open_sites) if v.n_open_sites is not None else ""
    share = f"{v.share_within_2_days:.1%}" if v.share_within_2_days is not None else ""
    name = s.name if len(s.name) <= 32 else s.name[:31] + "…"
    return (f"{s.scenario_id:>5}  {name:<32} {s.n_versions:>8} {cost:>16} {per_order:>10} "
            f"{sites:>5} {share:>9}  {v.saved_at:%Y-%m-%d %H:%M}")


def cmd_check(args: argparse.Namespace) -> int:
    from network.store.opening import open_store

    store = open_store(args.db)
    try:
        problems = store.check()
    finally:
        store.close()
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    found = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found"
    print(f"{store.location}: {found if problems else 'consistent'}")
    return EXIT_OK if not problems else EXIT_PROBLEM


def cmd_backup(args: argparse.Namespace) -> int:
    from network.store.opening import open_store

    store = open_store(args.db)
    try:
        target = store.backup(Path(args.to))
    finally:
        store.close()
    print(f"copied {store.location} to {target}")
    return EXIT_OK
