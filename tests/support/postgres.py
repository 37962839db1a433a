"""A private PostgreSQL cluster on a free loopback port, for the lake tests (issue 17).

``initdb`` into a temporary folder (as the ``postgres`` user when running as root, since
PostgreSQL refuses to run as root), ``pg_ctl start -w`` (returns once the server accepts
connections: the readiness signal), a database ``lake``, and ``pg_ctl stop`` at the end.
Nothing depends on a system service.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.live_server import free_port


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def available() -> bool:
    return shutil.which("initdb") is not None and shutil.which("pg_ctl") is not None


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster in a fresh folder; yield the libpq string of its ``lake`` database.
    The folder is under the system temp folder, which the ``postgres`` user can reach
    (pytest's own folders are private to root); it is removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="skillatlas-pg-"))
    data, sockets = folder / "pgdata", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    run = lambda cmd: subprocess.run(_as_owner(cmd), check=True, capture_output=True)  # noqa: E731
    run(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(["pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"])
    try:
        run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "-c",
                "CREATE DATABASE lake",
            ]
        )
        yield f"dbname=lake host=127.0.0.1 port={port} user=postgres"
    finally:
        run(["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)
