"""Helpers for the store's tests: a PostgreSQL schema per test, small contents, child
processes that save (and get killed)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from sqlalchemy.engine import make_url

from network.evaluate import Design
from network.store import SolveSummary, VersionContent

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A new schema on the server; yields a store URL that works inside it only."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = make_url(server_url).set(drivername="postgresql")
    dsn = plain.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{dsn}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def content(note: str = "", cost: float = 1_000_000.0, sites: tuple[str, ...] = ("SEA",)
            ) -> VersionContent:
    """A small but complete version: inputs, design, KPIs and solve."""
    scenario = json.dumps({"format_version": 1, "name": "toy", "note": note})
    kpis = {"total_cost_usd": cost, "cost_per_order_usd": cost / 1e5,
            "share_within_days": {"1": 0.25, "2": 0.75, "3": 1.0}, "max_delivery_days": 3,
            "n_open_sites": len(sites)}
    design = Design(sites, tuple((f"{z:03d}", sites[0], "GROUND") for z in range(100, 103)))
    return VersionContent(scenario, design, kpis, SolveSummary("optimal", 0.0, cost), note)


def run_child(code: str, *args: str, **popen) -> subprocess.Popen:
    """A Python child process running `code` in the project, with `args` as sys.argv[1:]."""
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
