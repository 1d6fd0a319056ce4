"""The store's schema on SQLite and PostgreSQL: migrations from empty to the newest revision,
the migrations equal to the tables the code uses, and the `store` commands."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from store_helpers import content

from network.cli import main
from network.store import open_store, resolve_location
from network.store.engine import create_store_engine, write_transaction
from network.store.migrate import alembic_config, current_revision, head_revision
from network.store.schema import VERSION_TABLE, metadata


def _engine(db: str):
    location = resolve_location(db)
    return location, create_store_engine(location)


def test_first_use_migrates_an_empty_database_to_the_newest_revision(store_db):
    """Opening an empty database creates the tables and records the newest revision."""
    location, engine = _engine(store_db)
    with engine.connect() as conn:
        assert current_revision(conn) is None
        assert not set(inspect(conn).get_table_names()) & set(metadata.tables)
    open_store(store_db).close()
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        tables = set(inspect(conn).get_table_names())
    assert tables >= {"scenarios", "scenario_versions", VERSION_TABLE}
    engine.dispose()


def test_migrations_build_exactly_the_tables_the_code_uses(store_db):
    """After the migrations, Alembic finds no difference from schema.py (columns, types,
    keys, constraints) on this database."""
    open_store(store_db).close()
    location, engine = _engine(store_db)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_downgrade_to_empty_and_back(store_db):
    """The migrations go down to an empty database and up again (a revision must undo)."""
    open_store(store_db).close()
    location, engine = _engine(store_db)
    with write_transaction(engine, location) as conn:
        command.downgrade(alembic_config(conn), "base")
    with engine.connect() as conn:
        assert not set(inspect(conn).get_table_names()) & set(metadata.tables)
    store = open_store(store_db)
    assert store.create("Again", content()).version == 1
    store.close()
    engine.dispose()


def test_store_upgrade_command(store_db, capsys):
    """`python -m network store upgrade --db ...` creates the store and says where."""
    assert main(["store", "upgrade", "--db", store_db]) == 0
    out = capsys.readouterr().out
    assert f"schema at revision {head_revision()}" in out
    if "://" in store_db:  # the server's password is never printed
        assert make_url(store_db).password not in out and ":***@" in out
    store = open_store(store_db)
    assert store.list_scenarios() == []
    store.close()
    assert main(["store", "upgrade", "--db", store_db]) == 0  # again: nothing to do


def test_store_list_and_check_commands(store_db, capsys):
    """`store list` shows the library; `store check` says consistent, and finds a counter
    that disagrees with the versions."""
    store = open_store(store_db)
    ref = store.create("East coast", content(cost=12_345_678.0))
    store.save_version(ref.scenario_id, content(cost=12_000_000.0), based_on=1)
    assert main(["store", "list", "--db", store_db]) == 0
    out = capsys.readouterr().out
    assert "1 scenario" in out
    line = next(row for row in out.splitlines() if "East coast" in row)
    assert line.split()[3:7] == ["2", "$12,000,000", "$120.00", "1"]
    assert main(["store", "check", "--db", store_db]) == 0
    assert "consistent" in capsys.readouterr().out
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE scenarios SET latest_version = 5")
    assert main(["store", "check", "--db", store_db]) == 2
    captured = capsys.readouterr()
    assert "counter at 5 but 2 versions numbered 1 to 2" in captured.err
    store.close()


def test_store_command_on_a_bad_location(tmp_path, capsys):
    """A store that cannot be used: one message line on stderr, exit 2, no traceback."""
    path = tmp_path / "notes.txt"
    path.write_text("meeting notes, not a store\n")
    assert main(["store", "list", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The scenario store") and "Traceback" not in err
    assert path.read_text() == "meeting notes, not a store\n"
    assert main(["store", "list", "--db", "mysql://h/db"]) == 2


def test_store_backup_command(tmp_path, capsys):
    """`store backup` writes a consistent copy that opens as a store with every version, and
    never overwrites a file."""
    db = str(tmp_path / "scenarios.db")
    store = open_store(db)
    ref = store.create("Kept safe", content("v1"))
    store.save_version(ref.scenario_id, content("v2"), based_on=1)
    copy = tmp_path / "backups" / "copy.db"
    assert main(["store", "backup", "--db", db, "--to", str(copy)]) == 0
    assert "copied" in capsys.readouterr().out
    backup = open_store(str(copy))
    assert backup.list_scenarios() == store.list_scenarios()
    assert backup.open_version(ref.scenario_id, 1).content == content("v1")
    backup.close()
    before = copy.read_bytes()
    assert main(["store", "backup", "--db", db, "--to", str(copy)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert copy.read_bytes() == before
    store.close()


def test_backup_of_a_server_store_points_to_pg_dump(postgres_db, tmp_path, capsys):
    assert main(["store", "backup", "--db", postgres_db, "--to", str(tmp_path / "x.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err
