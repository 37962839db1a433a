"""A private PostgreSQL cluster on a free loopback port, for the lake tests (issue 17).

``initdb`` into a temporary folder (as the ``postgres`` user when running as root, since
PostgreSQL refuses to run as root), ``pg_ctl start -w`` (returns once the server accepts
connections: the readiness signal), and ``pg_ctl stop`` at the end. Each test gets a
database of its own (:meth:`Cluster.new_database`). Nothing depends on a system service.
The binaries come from Debian's ``postgresql`` package (``make test`` installs it), which
keeps them under ``/usr/lib/postgresql/<version>/bin``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.live_server import free_port


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


def available() -> bool:
    return all(_bin(n) for n in ("initdb", "pg_ctl", "psql"))


def _as_owner(cmd: list[str]) -> list[str]:
    cmd = [_bin(cmd[0]) or cmd[0], *cmd[1:]]
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str]) -> None:
    subprocess.run(_as_owner(cmd), check=True, capture_output=True)


@dataclass
class Cluster:
    """A running cluster: ``conninfo(db)`` names one of its databases."""

    port: int
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def conninfo(self, dbname: str) -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user=postgres"

    def new_database(self) -> str:
        """Create a fresh database; return its libpq connection string."""
        name = f"lake{next(self._numbers)}"
        _run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
              "-q", "-c", f"CREATE DATABASE {name}"])  # fmt: skip
        return self.conninfo(name)


@contextmanager
def running() -> Iterator[Cluster]:
    """Start a cluster in a fresh folder under the system temp folder (which the
    ``postgres`` user can reach; pytest's own folders are private to root); stop and
    remove it at the end."""
    folder = Path(tempfile.mkdtemp(prefix="skillatlas-pg-"))
    data, sockets = folder / "pgdata", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    _run(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    _run(["pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"])
    try:
        yield Cluster(port)
    finally:
        _run(["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def cluster() -> Iterator[str]:
    """A cluster with one database ``lake``; yields its connection string."""
    with running() as c:
        yield c.new_database()
