"""A throwaway PostgreSQL server for the store's tests: Debian's binaries, a temporary data
folder, listening on 127.0.0.1 only (free port) with its socket in that folder.

    python3 scripts/postgres_server.py start DIR   # prints the database URL (password inside)
    python3 scripts/postgres_server.py stop DIR    # stops it and removes DIR

Used by `.ci/run` (which exports the URL as NETWORK_TEST_POSTGRES_URL) and by the tests'
session fixture when that variable is not set. Standard library only: .ci/run starts it with
the system Python before the virtual environment exists. PostgreSQL refuses to run as root, so
as root it runs as the `postgres` user (Debian's package creates it), which is given DIR.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "network"
DATABASE = "postgres"
INSTALL_HINT = ("PostgreSQL's server binaries (initdb, pg_ctl) were not found under "
                "/usr/lib/postgresql/*/bin. Install them with `make postgres` (Debian's "
                "`postgresql` package; `make test` does it), or point the tests at a server "
                "with NETWORK_TEST_POSTGRES_URL=postgresql://user:password@host:port/database.")


class PostgresNotInstalled(RuntimeError):
    pass


def find_bindir() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0])
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    raise PostgresNotInstalled(INSTALL_HINT)


def start(folder: Path) -> str:
    """Create and start a server in `folder` (new or empty); returns its database URL."""
    bindir = find_bindir()
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_hex(16)
    (folder / "password").write_text(password + "\n")
    (folder / "socket").mkdir(exist_ok=True)
    _give_to_server_user(folder)
    _run(bindir / "initdb", "-D", folder / "data", "-U", USER, "--auth=scram-sha-256",
         f"--pwfile={folder / 'password'}", "-E", "UTF8", "--locale=C", "--no-sync")
    port = _free_port()
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder / 'socket'} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
               "-c max_connections=100")
    _run(bindir / "pg_ctl", "-D", folder / "data", "-l", folder / "server.log", "-w",
         "-t", "60", "-o", options, "start")
    url = f"postgresql://{USER}:{password}@127.0.0.1:{port}/{DATABASE}"
    (folder / "url").write_text(url + "\n")
    return url


def stop(folder: Path) -> None:
    """Stop the server started in `folder` (if running) and remove the folder."""
    if (folder / "data" / "postmaster.pid").exists():
        with contextlib.suppress(subprocess.CalledProcessError):  # already gone: remove anyway
            _run(find_bindir() / "pg_ctl", "-D", folder / "data", "-m", "fast", "-w", "stop")
    shutil.rmtree(folder, ignore_errors=True)


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _give_to_server_user(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(folder)], check=True)
        folder.chmod(0o700)


def _run(*args: object) -> None:
    command = _as_server_user() + [str(a) for a in args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        raise subprocess.CalledProcessError(done.returncode, command)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1]).resolve()
    if argv[0] == "stop":
        stop(folder)
        return 0
    try:
        print(start(folder))
    except PostgresNotInstalled as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
