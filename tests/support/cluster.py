"""Throwaway PostgreSQL clusters for tests that crash a server or configure one
as the shared server cannot be (TLS, pg_hba): PostgreSQL 15's binaries, run as
user postgres when the tests run as root, on a free port of 127.0.0.1.

Where the binaries, runuser or the cluster's start are missing, the test is
skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import pytest

__all__ = ["PG_BIN", "Throwaway", "throwaway_cluster"]

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Throwaway(msgspec.Struct):
    url: str
    root: Path  # the cluster's folder (its data/, log and socket)
    log: Path
    pg_ctl: list[str]  # pg_ctl for this cluster, as its owner
    options: str  # the server options it was started with

    def restart_after_crash(self) -> None:
        """Crash the server (immediate stop: no checkpoint) and start it again."""
        subprocess.run(
            [*self.pg_ctl, "-o", self.options, "-m", "immediate", "restart"],
            check=True,
            capture_output=True,
        )


def _as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb refuses root")
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def throwaway_cluster(
    prefix: str,
    *,
    options: str = "",
    initdb: tuple[str, ...] = (),
    prepare: Callable[[Path, Path, bool], None] | None = None,
) -> Iterator[Throwaway]:
    """A cluster started with ``options`` added to its own, ``initdb`` options added
    to initdb's; ``prepare(root, data, as_postgres)`` runs between initdb and the
    start (certificates, pg_hba.conf). Stopped and removed on exit."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN} to make a throwaway cluster")
    as_postgres = _as_postgres()
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o777)
    data, log = root / "data", root / "log"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pg_ctl = [*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(log)]
    server_options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off {options}"
    try:
        subprocess.run(
            [
                *as_postgres,
                str(PG_BIN / "initdb"),
                *initdb,
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
            check=True,
            capture_output=True,
        )
        if prepare is not None:
            prepare(root, data, bool(as_postgres))
        subprocess.run([*pg_ctl, "-o", server_options, "start"], check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a throwaway cluster: {exc}")
    try:
        yield Throwaway(
            url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
            root=root,
            log=log,
            pg_ctl=pg_ctl,
            options=server_options.strip(),
        )
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
