"""Where the scenario store lives: a SQLite file (the default) or a PostgreSQL database.

Chosen by, first to last: the `--db` option (a file path or a database URL), the
NETWORK_STORE environment variable (the same), then `scenarios.db` at the project's root
(git-ignored). A plain path means a SQLite file; `postgresql://user:password@host:5432/db`
means a team server, reached with psycopg 3.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from network.errors import InputError, Problem

ENV_VAR = "NETWORK_STORE"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = PROJECT_ROOT / "scenarios.db"
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True)
class StoreLocation:
    """A resolved store address: the SQLAlchemy URL and, for SQLite, the file."""

    url: URL
    path: Path | None  # the SQLite file; None for a database server

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def __str__(self) -> str:
        """The location as shown to a planner (a server's password is never shown)."""
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)


def resolve_location(db: str | None = None, environ: Mapping[str, str] | None = None
                     ) -> StoreLocation:
    """The store named by `db` (the --db option), else $NETWORK_STORE, else the default file."""
    environ = os.environ if environ is None else environ
    source = "--db"
    if not db:
        db, source = environ.get(ENV_VAR, ""), ENV_VAR
    if not db.strip():
        return sqlite_location(DEFAULT_PATH)
    db = db.strip()
    return _url_location(db, source) if "://" in db else sqlite_location(Path(db))


def sqlite_location(path: Path) -> StoreLocation:
    path = path.expanduser().resolve()
    return StoreLocation(URL.create("sqlite+pysqlite", database=str(path)), path)


def _url_location(text: str, source: str) -> StoreLocation:
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise _bad(source, f"'{_hide_password(text)}' is not a database URL") from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise _bad(source, "a SQLite store needs a file: sqlite:///path/to/scenarios.db "
                       "or just the path")
        return sqlite_location(Path(url.database))
    if url.drivername in POSTGRES_SCHEMES:
        if not url.database:
            raise _bad(source, "name the database: postgresql://user@host:5432/DATABASE")
        return StoreLocation(url.set(drivername="postgresql+psycopg"), None)
    raise _bad(source, f"unsupported database '{url.drivername}': use a file path, "
               "sqlite:///path/to/file.db or postgresql://user:password@host:5432/database")


def _hide_password(text: str) -> str:
    scheme, _, rest = text.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        return f"{scheme}://{user}:***@{rest.split('@', 1)[1]}"
    return text


def _bad(source: str, message: str) -> InputError:
    return InputError([Problem(source, message)])
