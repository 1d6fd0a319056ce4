"""Alembic's entry point for the store's migrations.

The store runs them itself (network.store.migrate.upgrade) on its own connection, inside its
write transaction. Alembic's command line works too, for writing a new revision:
`.venv/bin/alembic -c network/store/alembic.ini -x db=PATH_OR_URL revision -m "what changes"`
(see docs/store.md).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from network.store.schema import VERSION_TABLE, metadata


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=VERSION_TABLE, transactional_ddl=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_from_command_line() -> None:
    from network.store.engine import create_store_engine, write_transaction
    from network.store.location import resolve_location

    location = resolve_location(context.get_x_argument(as_dictionary=True).get("db"))
    if context.is_offline_mode():
        context.configure(url=location.url, target_metadata=metadata,
                          version_table=VERSION_TABLE, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_store_engine(location)
    with write_transaction(engine, location) as conn:
        run_migrations(conn)
    engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    run_from_command_line()
