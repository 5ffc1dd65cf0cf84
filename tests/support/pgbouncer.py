"""A real PgBouncer in front of the system PostgreSQL, for the pooler tests.

PgBouncer (Debian's package, 1.18 on bookworm) runs from a generated ini in a
temporary directory, on a free port, in session or transaction pooling, with
``ignore_startup_parameters`` left at its default: a client sending anything
but the parameters PgBouncer tracks is refused, as in production. It refuses
to run as root, so as root it runs as the ``postgres`` user (``-u``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import anyio
import asyncpg
import pytest

SYSTEM_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def pgbouncer_binary() -> str | None:
    found = shutil.which("pgbouncer")
    if found:
        return found
    return "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None


def backend_url() -> str:
    """The server PgBouncer fronts: the suite's server when it is a TCP URL,
    else the system PostgreSQL on 127.0.0.1:5432."""
    configured = os.environ.get("TRENOVA_TEST_DATABASE_URL")
    if configured and urlsplit(configured).hostname not in (None, "", "localhost"):
        return configured
    return SYSTEM_POSTGRES


def reachable(url: str) -> str | None:
    """None, or why ``url`` cannot be used."""

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=3)
        await conn.close()

    try:
        anyio.run(probe)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pgbouncer exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on {port}: {log.read_text()[-2000:]}")


@contextmanager
def running_pgbouncer(mode: str, server: str) -> Iterator[str]:
    """Start PgBouncer in ``mode`` in front of ``server``; yields its URL
    (database ``postgres``: any database name is passed through)."""
    binary = pgbouncer_binary()
    assert binary is not None
    parts = urlsplit(server)
    user = unquote(parts.username or "postgres")
    password = unquote(parts.password or "")
    root = Path(tempfile.mkdtemp(prefix=f"trenova-pgbouncer-{mode}-", dir="/tmp"))
    port = free_port()
    (root / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    ini = root / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={parts.hostname} port={parts.port or 5432}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {root / 'userlist.txt'}\n"
        f"pool_mode = {mode}\n"
        f"logfile = {root / 'pgbouncer.log'}\n"
        "max_client_conn = 500\n"
        "default_pool_size = 20\n"
    )
    command = [binary, str(ini)]
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        root.chmod(0o755)
        for path in (root, *root.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command = [binary, "-u", "postgres", str(ini)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, proc, root / "pgbouncer.log")
        name = f"{user}:{parts.password}@" if parts.password else f"{user}@"
        yield f"postgresql://{name}127.0.0.1:{port}/postgres"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


def skip_reason() -> str | None:
    if pgbouncer_binary() is None:
        return "pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and no postgres user to run pgbouncer as"
    why = reachable(backend_url())
    if why:
        return f"no PostgreSQL for PgBouncer to front at {backend_url()}: {why}"
    return None


def require() -> None:
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
