"""A throwaway PostgreSQL cluster for tests and benchmarks.

Debian's server binaries (`make postgres` installs them), `initdb` into a
temporary directory, `pg_ctl` on a free loopback port, trust
authentication for loopback only, durability off (a test cluster is
thrown away). PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` user. Each node under test gets its own database,
copied from a template that has every migration applied (`CREATE
DATABASE ... TEMPLATE`, tens of milliseconds).
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from aiohttp.test_utils import unused_port

from storage.database import Target, open_database

TEMPLATE = "node_template"


class ClusterError(Exception):
    pass


def server_bin() -> Path:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        on_path = shutil.which("initdb")
        if on_path is None:
            raise ClusterError("no PostgreSQL server: run `make postgres` (Debian's postgresql package)")
        return Path(on_path).resolve().parent
    return Path(found[-1]).parent


class PgCluster:
    """`durable=False` (tests): no fsync at all. `durable=True` (benchmarks):
    fsync on, commits flushed in the background (`synchronous_commit=off`),
    about what SQLite's WAL with `synchronous=NORMAL` promises."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.bin = server_bin()
        self.root = Path(tempfile.mkdtemp(prefix="node-pg-"))
        self.data = self.root / "data"
        self.port = unused_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        self.started = False

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ClusterError(f"{argv[0]} failed: {(done.stderr or done.stdout).strip()[-2000:]}")

    def start(self) -> PgCluster:
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        durability = ("-c synchronous_commit=off" if self.durable
                      else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}"
                   f" {durability} -c max_connections=400 -c shared_buffers=128MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                  "-w", "-t", "60", "start")
        self.started = True
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        asyncio.run(_migrate(self.dsn(TEMPLATE)))
        return self

    def new_database(self, prefix: str = "node") -> str:
        """A fresh database with the schema in place (not yet a node: `init` makes it one); its DSN."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY = FILE_COPY")
        return self.dsn(name)

    def empty_database(self, prefix: str = "empty") -> str:
        """A database with no schema at all (for `init` and `db migrate`)."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.dsn(name)

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except ClusterError:
                pass
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


async def _migrate(dsn: str) -> None:
    async with open_database(Target("postgresql", dsn=dsn)):
        pass
