"""A PostgreSQL server of a test's own: `initdb` in a temporary folder, started with
`pg_ctl` on a free port of 127.0.0.1 with trust authentication, stopped and started again
at will (the fault tests take the database away in the middle of a run).

    server = PostgresServer.create()      # None when the server binaries are absent
    server.start()
    url = server.url                      # postgresql+asyncpg://postgres@127.0.0.1:PORT/postgres
    server.stop("immediate")              # like a crash: connections cut at once
    server.start()                        # same folder, same port, same data
    server.destroy()

When the tests run as root (PostgreSQL refuses to), the server runs as the `postgres` user
through `runuser`. The async variants (`astart`, `astop`) run the commands in a thread.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "free_port"]

SERVER_USER = "postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found is not None:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


@dataclass
class PostgresServer:
    root: Path  # the temporary folder: data, log file, socket
    port: int
    initdb: str
    pg_ctl: str
    as_user: tuple[str, ...]

    @classmethod
    def create(cls) -> PostgresServer | None:
        """A new, initialised, stopped server; None when it cannot be run here."""
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if initdb is None or pg_ctl is None:
            return None
        as_user: tuple[str, ...] = ()
        root = Path(tempfile.mkdtemp(prefix="mentorbot-pg-"))
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            try:
                account = pwd.getpwnam(SERVER_USER)
            except KeyError:
                runuser = None
            if runuser is None:
                shutil.rmtree(root, ignore_errors=True)
                return None
            os.chown(root, account.pw_uid, account.pw_gid)
            as_user = (runuser, "-u", SERVER_USER, "--")
        server = cls(root, free_port(), initdb, pg_ctl, as_user)
        server._run(
            initdb,
            "-D",
            str(server.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        return server

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run(  # noqa: S603 - our own arguments
            [*self.as_user, *command],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            self.pg_ctl,
            "-D",
            str(self.data),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions ended cleanly; `immediate`: like a crash (recovery at start)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        result = subprocess.run(  # noqa: S603 - our own arguments
            [*self.as_user, self.pg_ctl, "-D", str(self.data), "status"],
            check=False,
            capture_output=True,
            timeout=30,
        )
        return result.returncode == 0

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def astop(self, mode: str = "fast") -> None:
        await asyncio.to_thread(self.stop, mode)

    def destroy(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
