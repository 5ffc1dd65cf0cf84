"""Faults made by the tests themselves: kill -9 of a runner, connections cut by a
loopback proxy, Ctrl-C, a server crash. The invariant under test: no statement
of a run executes or commits after its lock is gone, no second runner works
while a backend of the first still works, and reports and audit rows state
only what happened.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec
import pytest

from tests.conftest import ROOT, query, write_migrations
from tests.support.cluster import throwaway_cluster
from tests.support.seed_files import seed_file
from trenova_db.seeding.registry import sync_registry

SLOW = 30  # migrations in the kill test, each sleeping a little


def slow_migrations(folder: Path, count: int = SLOW, sleep: float = 0.1) -> Path:
    return write_migrations(
        folder,
        {
            f"{i:06d}_t{i}.tx.up.sql": f"SELECT pg_sleep({sleep});\nCREATE TABLE t{i} (id int);\n"
            for i in range(1, count + 1)
        },
    )


def start(*args: str, url: str, cwd: Path) -> subprocess.Popen[str]:
    """``python -m trenova_db`` as a child; SIGINT back to default so Ctrl-C works
    even when pytest runs with SIGINT ignored."""
    return subprocess.Popen(
        [sys.executable, "-m", "trenova_db", *args, "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def backend_of(url: str, child_pid: int, purpose: str = "migrate", running: str = "") -> int:
    """The server pid of the child's session once it runs ``running``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = query(
            url,
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 "
            "AND query LIKE '%' || $2 || '%' AND state = 'active'",
            f"trenova-db {purpose} pid={child_pid}",
            running,
        )
        if rows:
            return int(rows[0][0])
        time.sleep(0.02)
    pytest.fail(f"the child never started running {running!r}")


def applied(url: str) -> list[int]:
    return [r[0] for r in query(url, "SELECT version FROM schema_migrations ORDER BY version")]


def audit_rows(url: str) -> list[tuple[str, str, bool]]:
    return [
        (r[0], r[1], r[2])
        for r in query(
            url,
            "SELECT operation, outcome, finished_at IS NULL FROM trenova_db_audit ORDER BY id",
        )
    ]


def test_a_killed_runner_keeps_the_lock_until_its_backend_has_finished(
    trenova_database: str, tmp_path: Path
) -> None:
    sql = slow_migrations(tmp_path / "sql")
    a = ("migrate", "--migrations-dir", str(sql))
    first = start(*a, url=trenova_database, cwd=tmp_path)
    backend = backend_of(trenova_database, first.pid, running="pg_sleep")
    first.kill()  # SIGKILL: the client is gone, its backend goes on with the group
    first.wait(timeout=10)
    second = start(*a, "--lock-timeout", "60s", url=trenova_database, cwd=tmp_path)
    out, err = second.communicate(timeout=120)
    # It waited for the first run's backend: no dirty, no drift, no duplicate key.
    assert second.returncode == 0, err
    assert "dirty" not in err + out
    assert "duplicate key" not in err + out
    assert applied(trenova_database) == list(range(1, SLOW + 1))
    assert query(trenova_database, "SELECT 1 FROM pg_stat_activity WHERE pid = $1", backend) == []
    # The killed run's row is not noop or success: it is abandoned, and said so.
    outcomes = audit_rows(trenova_database)
    assert outcomes[0] == ("migrate", "abandoned", True)
    assert f"(pid {backend}) ended without finishing: abandoned" in out


def test_status_shows_a_killed_runs_row_as_abandoned(trenova_database: str, tmp_path: Path) -> None:
    sql = slow_migrations(tmp_path / "sql", count=5, sleep=0.3)
    first = start("migrate", "--migrations-dir", str(sql), url=trenova_database, cwd=tmp_path)
    backend = backend_of(trenova_database, first.pid, running="pg_sleep")
    first.kill()
    first.wait(timeout=10)
    wait_gone(trenova_database, backend)
    status = start(
        "status", "--json", "--migrations-dir", str(sql), url=trenova_database, cwd=tmp_path
    )
    out, _ = status.communicate(timeout=60)
    [abandoned] = msgspec.json.decode(out)["abandoned"]
    assert abandoned.startswith("migrate run 1 by ")
    assert abandoned.endswith(
        f"(pid {backend}) ended without finishing: abandoned (killed, crashed or cut off)"
    )
    # status only reads: the row itself still says running, with no finished_at.
    assert audit_rows(trenova_database) == [("migrate", "running", True)]


def test_a_second_runner_that_cannot_wait_long_enough_names_the_killed_runs_backend(
    trenova_database: str, tmp_path: Path
) -> None:
    sql = slow_migrations(tmp_path / "sql", count=10, sleep=0.5)
    a = ("migrate", "--migrations-dir", str(sql))
    first = start(*a, url=trenova_database, cwd=tmp_path)
    backend = backend_of(trenova_database, first.pid, running="pg_sleep")
    first.kill()
    first.wait(timeout=10)
    second = start(*a, "--lock-timeout", "1s", url=trenova_database, cwd=tmp_path)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 3, err
    assert f"migration lock held by pid {backend} (trenova-db migrate pid={first.pid}" in err


def test_ctrl_c_leaves_an_interrupted_audit_row_never_noop_or_success(
    trenova_database: str, tmp_path: Path
) -> None:
    sql = slow_migrations(tmp_path / "sql", count=10, sleep=0.3)
    first = start("migrate", "--migrations-dir", str(sql), url=trenova_database, cwd=tmp_path)
    backend_of(trenova_database, first.pid, running="pg_sleep")
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=30)
    assert first.returncode == 130, err
    [(operation, outcome, _)] = audit_rows(trenova_database)
    assert (operation, outcome) == ("migrate", "interrupted")


# -- a loopback proxy that cuts chosen connections ---------------------------


class Proxy:
    """Forwards every client connection to the server; ``cut`` breaks one."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname and parts.port, url
        self.target = (parts.hostname, parts.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{port}"
        self.url = urlunsplit(
            parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
        )
        self.links: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.links.append((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self, backend_pid: int, url: str) -> None:
        """Break the link whose server session is ``backend_pid``, both ways."""
        [(port,)] = query(
            url, "SELECT client_port FROM pg_stat_activity WHERE pid = $1", backend_pid
        )
        with self.lock:
            links = [link for link in self.links if link[1].getsockname()[1] == port]
        assert links, f"no proxied connection for backend {backend_pid}"
        for s in links[0]:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(trenova_database: str) -> Any:
    p = Proxy(trenova_database)
    yield p
    p.close()


def wait_gone(url: str, pid: int) -> None:
    deadline = time.monotonic() + 30
    while query(url, "SELECT 1 FROM pg_stat_activity WHERE pid = $1", pid):
        assert time.monotonic() < deadline, f"backend {pid} never ended"
        time.sleep(0.02)


def done_versions(err: str) -> list[int]:
    """Versions the error's done list names ("applied 3 (t3)")."""
    import re

    return [int(v) for v in re.findall(r"applied (\d+) \(", err)]


@pytest.mark.parametrize("count", [1, 6], ids=["single .tx migration", ".tx group"])
def test_a_cut_work_connection_stops_the_run_and_the_report_matches_the_history(
    trenova_database: str, proxy: Proxy, tmp_path: Path, count: int
) -> None:
    sql = slow_migrations(tmp_path / "sql", count=count, sleep=0.4)
    run = start("migrate", "--json", "--migrations-dir", str(sql), url=proxy.url, cwd=tmp_path)
    backend = backend_of(trenova_database, run.pid, running="pg_sleep")
    proxy.cut(backend, trenova_database)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 1, err
    doc = msgspec.json.decode(out)
    assert doc["error"] == "LostLock"
    assert doc["message"].startswith("lost the migration lock; nothing more was run (")
    assert f"verified after the lost session (server pid {backend}) ended" in doc["hint"]
    # The server finished the message it had been given: the report says what
    # the history holds, not "nothing was applied".
    wait_gone(trenova_database, backend)
    assert done_versions(" ".join(doc.get("done", []))) == applied(trenova_database)
    assert "nothing of this migration was applied" not in out
    outcomes = audit_rows(trenova_database)
    assert outcomes[-1] == ("migrate", "failed", False)


def test_what_the_lost_session_may_still_commit_is_reported_as_unknown_never_as_not_applied(
    trenova_database: str, proxy: Proxy, tmp_path: Path
) -> None:
    sql = slow_migrations(tmp_path / "sql", count=1, sleep=3)
    # The wait for the lost session is bounded by --lock-timeout.
    run = start(
        "migrate",
        "--json",
        "--lock-timeout",
        "0.3s",
        "--migrations-dir",
        str(sql),
        url=proxy.url,
        cwd=tmp_path,
    )
    backend = backend_of(trenova_database, run.pid, running="pg_sleep")
    proxy.cut(backend, trenova_database)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 1, err
    doc = msgspec.json.decode(out)
    assert doc["unknown"] == ["whether 000001_t1.tx.up.sql (version 1) was applied"]
    assert doc["hint"].startswith(
        f"the lost session (server pid {backend}) was still running after 0.3s; "
    )
    assert "done" not in doc
    assert "unknown (not verified): whether 000001_t1.tx.up.sql (version 1) was applied" in err
    wait_gone(trenova_database, backend)
    assert applied(trenova_database) == [1]  # it did commit, later: "unknown" was right


def test_a_cut_connection_during_a_rollback_says_its_fate_is_unknown(
    trenova_database: str, proxy: Proxy, tmp_path: Path
) -> None:
    sql = write_migrations(
        tmp_path / "sql",
        {
            "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000001_a.tx.down.sql": "SELECT pg_sleep(1);\nDROP TABLE a;\n",
        },
    )
    assert (
        start("migrate", "--migrations-dir", str(sql), url=trenova_database, cwd=tmp_path).wait(
            timeout=60
        )
        == 0
    )
    run = start("rollback", "--migrations-dir", str(sql), url=proxy.url, cwd=tmp_path)
    backend = backend_of(trenova_database, run.pid, purpose="rollback", running="pg_sleep")
    proxy.cut(backend, trenova_database)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1, err
    assert "lost the migration lock; nothing more was run (the connection broke while" in err
    assert "unknown (not verified): whether 000001_a.tx.up.sql (version 1) was rolled back" in err
    assert f"the lost session (server pid {backend}) may still be running it" in err


def test_a_cut_connection_between_migrations_stops_before_the_next_statement(
    trenova_database: str, proxy: Proxy, tmp_path: Path
) -> None:
    sql = write_migrations(
        tmp_path / "sql",
        {
            "000001_a.up.sql": "SELECT pg_sleep(0.6);\nCREATE TABLE a (id int);\n",
            "000002_b.tx.up.sql": "CREATE TABLE b (id int);\n",
        },
    )
    run = start("migrate", "--migrations-dir", str(sql), url=proxy.url, cwd=tmp_path)
    backend = backend_of(trenova_database, run.pid, running="pg_sleep")
    proxy.cut(backend, trenova_database)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1, err
    assert "lost the migration lock; nothing more was run (the connection broke while" in err
    wait_gone(trenova_database, backend)
    # Nothing was sent after the cut: b never ran; a is dirty where it stopped.
    tables = query(trenova_database, "SELECT to_regclass('b') IS NULL")
    assert tables == [(True,)]
    rows = query(trenova_database, "SELECT version, dirty FROM schema_migrations")
    assert [tuple(r) for r in rows] == [(1, True)]
    assert "version 1 (a) is dirty" in err
    assert "check the database user's privileges" not in err


# -- parallel seeds ----------------------------------------------------------


def seed_project(tmp_path: Path) -> tuple[Path, Path]:
    sql = write_migrations(
        tmp_path / "sql", {"000001_runs.tx.up.sql": "CREATE TABLE runs (seed text);\n"}
    )
    seeds = tmp_path / "seeds"
    seed_file(
        seeds / "base",
        "00_quick.py",
        "Quick",
        "await ctx.conn.execute(\"INSERT INTO runs VALUES ('Quick')\")",
    )
    seed_file(
        seeds / "base",
        "01_slow.py",
        "Slow",
        'await ctx.conn.execute("SELECT pg_sleep(0.2)")\n'
        "await ctx.conn.execute(\"INSERT INTO runs VALUES ('Slow'), (pg_sleep(2.5)::text)\")",
    )
    sync_registry(seeds)
    return sql, seeds


def seed_args(sql: Path, seeds: Path) -> tuple[str, ...]:
    return ("--migrations-dir", str(sql), "--seeds-dir", str(seeds))


def test_a_second_seed_runner_stays_out_while_a_killed_runs_worker_still_works(
    trenova_database: str, tmp_path: Path
) -> None:
    sql, seeds = seed_project(tmp_path)
    a = seed_args(sql, seeds)
    assert start("migrate", *a, url=trenova_database, cwd=tmp_path).wait(timeout=60) == 0
    first = start("seed", "--parallel", "2", *a, url=trenova_database, cwd=tmp_path)
    worker = backend_of(trenova_database, first.pid, purpose="seed", running="pg_sleep(2.5)")
    first.kill()  # the coordinator's session ends at once; the worker's goes on
    first.wait(timeout=10)
    second = start("seed", *a, "--lock-timeout", "0.5s", url=trenova_database, cwd=tmp_path)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 3, err
    assert f"migration lock held by pid {worker} (trenova-db seed pid={first.pid}" in err
    wait_gone(trenova_database, worker)
    third = start("seed", *a, url=trenova_database, cwd=tmp_path)
    _, err = third.communicate(timeout=60)
    assert third.returncode == 0, err
    assert [tuple(r) for r in query(trenova_database, "SELECT count(*) FROM runs")] == [(3,)]


def test_a_cut_worker_connection_stops_the_seed_run_and_says_what_was_recorded(
    trenova_database: str, proxy: Proxy, tmp_path: Path
) -> None:
    sql, seeds = seed_project(tmp_path)
    a = seed_args(sql, seeds)
    assert start("migrate", *a, url=trenova_database, cwd=tmp_path).wait(timeout=60) == 0
    run = start("seed", "--parallel", "2", *a, url=proxy.url, cwd=tmp_path)
    worker = backend_of(trenova_database, run.pid, purpose="seed", running="pg_sleep(2.5)")
    proxy.cut(worker, trenova_database)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1, err
    assert "lost the migration lock; nothing more was run (the connection broke while " in err
    assert "recorded in seed_history" not in err.split("hint:")[0]
    wait_gone(trenova_database, worker)
    recorded = [
        r[0]
        for r in query(
            trenova_database, "SELECT name FROM seed_history WHERE status = 'Active' ORDER BY 1"
        )
    ]
    for name in ("Quick", "Slow"):
        assert (f"applied {name}" in err) == (name in recorded), err


# -- a server crash (throwaway cluster) --------------------------------------


@pytest.fixture
def crash_cluster() -> Iterator[tuple[str, Callable[[], None]]]:
    """A throwaway PostgreSQL cluster the test may crash: (URL, crash and restart it)."""
    with throwaway_cluster("trenova-crash-") as cluster:
        yield cluster.url, cluster.restart_after_crash


def test_a_server_crash_mid_run_never_leaves_a_noop_or_success_row(
    crash_cluster: tuple[str, Callable[[], None]], tmp_path: Path
) -> None:
    url, crash = crash_cluster
    sql = slow_migrations(tmp_path / "sql", count=10, sleep=0.3)
    run = start("migrate", "--migrations-dir", str(sql), url=url, cwd=tmp_path)
    backend_of(url, run.pid, running="pg_sleep")
    crash()
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1, err
    assert "lost the migration lock; nothing more was run" in err
    [(operation, outcome, _)] = audit_rows(url)
    assert (operation, outcome) in {("migrate", "failed"), ("migrate", "running")}
    status = start("status", "--migrations-dir", str(sql), url=url, cwd=tmp_path)
    out, _ = status.communicate(timeout=60)
    if outcome == "running":
        assert "ended without finishing: abandoned" in out
    assert done_versions(err) == applied(url)


def test_a_connection_ended_by_the_server_gets_a_connection_hint_not_a_privileges_one(
    trenova_database: str, tmp_path: Path
) -> None:
    import anyio

    from trenova_db.config import resolve_settings
    from trenova_db.errors import DatabaseUnavailable
    from trenova_db.session import backend_pid, session

    settings = resolve_settings({"database_url": trenova_database}, environ={}, cwd=tmp_path)

    async def lose_it() -> None:
        async with session(settings, "status") as conn:
            pid = backend_pid(conn)

            def terminate_once_running() -> None:
                backend_of(trenova_database, os.getpid(), purpose="status", running="pg_sleep")
                query(trenova_database, "SELECT pg_terminate_backend($1)", pid)

            killer = threading.Thread(target=terminate_once_running)
            killer.start()
            try:
                await conn.fetchval("SELECT pg_sleep(30)")
            finally:
                killer.join()

    with pytest.raises(DatabaseUnavailable) as info:
        anyio.run(lose_it)
    assert info.value.message.startswith("lost the connection to the database: ")
    assert info.value.hint == (
        "the server or the network dropped the connection: check that the server is up and "
        "reachable, then run the command again"
    )
