"""The embedded server manager, on real servers in throwaway project roots."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import query
from trenova_db import embedded


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="trenova-emb-", dir="/tmp"))
    path.chmod(0o755)  # as root the server runs as `nobody`, which must enter it
    try:
        yield path
    finally:
        embedded.stop(path)
        shutil.rmtree(path, ignore_errors=True)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_start_reuse_status_stop(root: Path) -> None:
    first = embedded.ensure_running(root)
    assert first.started and first.dsn is not None and first.port is not None
    assert first.dsn.endswith("/trenova")
    assert query(first.dsn, "SELECT current_database()") == [("trenova",)]
    again = embedded.ensure_running(root)
    assert (again.started, again.pid, again.port) == (False, first.pid, first.port)
    assert embedded.status(root).running
    stopped = embedded.stop(root)
    assert not stopped.running
    assert not port_open(first.port)
    restarted = embedded.ensure_running(root)
    assert restarted.started and restarted.port == first.port  # the DSN stays stable


def test_a_stale_pid_file_naming_another_process_is_ignored(root: Path) -> None:
    first = embedded.ensure_running(root)
    embedded.stop(root)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        pidfile = root / ".trenova" / "pgdata" / "postmaster.pid"
        pidfile.write_text(
            f"{sleeper.pid}\n{pidfile.parent}\n0\n{first.port}\n\n127.0.0.1\n0 0\nready\n"
        )
        status = embedded.ensure_running(root)
        assert status.running and status.started
        assert status.dsn is not None
        assert query(status.dsn, "SELECT 1") == [(1,)]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_concurrent_starts_on_a_fresh_root_share_one_server(root: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: embedded.ensure_running(root), range(4)))
    assert len({r.pid for r in results}) == 1
    assert len({r.port for r in results}) == 1
    assert sum(r.started for r in results) == 1


def test_cli_without_url_uses_the_embedded_server_and_says_so(root: Path) -> None:
    (root / "sql").mkdir()
    (root / "sql" / "000001_t.tx.up.sql").write_text("CREATE TABLE t (id int);\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    env = {k: v for k, v in os.environ.items() if "DATABASE_URL" not in k}
    done = subprocess.run(
        [sys.executable, "-m", "trenova_db", "migrate", "--json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "using the embedded PostgreSQL server" in done.stderr
    assert '"operation":"migrate"' in done.stdout
    assert done.stdout.count("\n") == 1


def test_connect_retries_while_the_server_is_starting(root: Path) -> None:
    import threading

    import anyio

    from trenova_db import migrate

    first = embedded.ensure_running(root)
    assert first.dsn is not None
    embedded.stop(root)
    sql = root / "sql"
    sql.mkdir()
    (sql / "000001_t.tx.up.sql").write_text("CREATE TABLE t (id int);\n")
    timer = threading.Timer(1.5, lambda: embedded.start(root))
    timer.start()
    try:
        dsn = first.dsn
        report = anyio.run(lambda: migrate(dsn, migrations_dir=sql, connect_timeout=30))
    finally:
        timer.join()
    assert [m.version for m in report.applied] == [1]


def test_library_calls_never_start_a_server(tmp_path: Path) -> None:
    import anyio

    from trenova_db import ConfigurationError, migrate

    with pytest.raises(ConfigurationError, match="no database URL given"):
        anyio.run(lambda: migrate(None, migrations_dir=tmp_path))
    assert not (tmp_path / ".trenova").exists()
