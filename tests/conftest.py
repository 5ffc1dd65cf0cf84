"""Shared helpers: every test gets its own database (see trenova_db.testing)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Coroutine, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import anyio
import asyncpg
import msgspec
import pytest

from trenova_db.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
UNIT = Path(__file__).resolve().parent / "unit"
T = TypeVar("T")


_CACHE_DIR: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    """The file cache (trenova_db.filecache) of this run in a folder of its own,
    inherited by the processes tests start: never the user's ~/.cache."""
    global _CACHE_DIR
    if "TRENOVA_DB_CACHE_DIR" not in os.environ:
        _CACHE_DIR = tempfile.mkdtemp(prefix="trenova-db-test-cache-")
        os.environ["TRENOVA_DB_CACHE_DIR"] = _CACHE_DIR


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CACHE_DIR is not None:
        shutil.rmtree(_CACHE_DIR, ignore_errors=True)
        os.environ.pop("TRENOVA_DB_CACHE_DIR", None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/unit/ is a ``unit`` test (``-m unit``: no database, no process)."""
    for item in items:
        if item.path.is_relative_to(UNIT):
            item.add_marker(pytest.mark.unit)


def run(fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return anyio.run(fn)


async def fetch(url: str, sql: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def query(url: str, sql: str, *args: Any) -> list[Any]:
    return anyio.run(fetch, url, sql, *args)


class CliResult(msgspec.Struct):
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return msgspec.json.decode(self.out)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., CliResult]:
    """Run trenova-db in-process from an empty project; returns code, stdout, stderr."""
    monkeypatch.chdir(tmp_path)
    for var in (
        "DATABASE_URL",
        "TRENOVA_DATABASE_URL",
        "TRENOVA_ENV",
        "TRENOVA_APP_ENV",
        "APP_ENV",
    ):
        monkeypatch.delenv(var, raising=False)

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def default_sigint() -> None:
    """``preexec_fn`` for a child that a test interrupts: SIGINT back to its default.

    A process started with SIGINT ignored (``pytest &`` in a script, nohup, some CI
    runners) passes that on to its children, and Python leaves an ignored SIGINT
    ignored: the child would never see the test's Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def cli_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[str]:
    """Start trenova-db as a real process (for concurrency and Ctrl-C tests)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "trenova_db", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        preexec_fn=default_sigint,
    )


def write_migrations(directory: Path, files: Mapping[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


@pytest.fixture
def migrations(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    def make(files: Mapping[str, str | bytes]) -> Path:
        return write_migrations(tmp_path / "sql", files)

    return make


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A migrations folder with an items table and an empty seeds folder."""
    sql = write_migrations(
        tmp_path / "sql",
        {"000001_items.tx.up.sql": "CREATE TABLE items (name text PRIMARY KEY, n int);\n"},
    )
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    return sql, seeds


def wait_until(url: str, sql: str, expected: list[Any], what: str, timeout: float = 20) -> None:
    """Poll ``sql`` until it returns ``expected`` (another process got somewhere)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if [tuple(r) for r in query(url, sql)] == expected:
            return
        time.sleep(0.02)
    pytest.fail(f"gave up after {timeout:g}s waiting until {what}")


# --- Trenova's real schema (the reference dump), for schema and seed tests ---

REFERENCE_DUMP = Path("/work/shared/reference/trenova-schema-eac5707.sql")
REFERENCE_SERVER_ENV = "TRENOVA_REFERENCE_DATABASE_URL"
REFERENCE_SERVER_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
REFERENCE_EXTENSIONS = ("pg_trgm", "postgis", "unaccent")


def reference_server_url() -> str:
    """The server the reference schema is loaded on: it needs PostGIS.

    ``TRENOVA_REFERENCE_DATABASE_URL``, else ``TRENOVA_TEST_DATABASE_URL``, else
    the system PostgreSQL at 127.0.0.1:5432; always its ``postgres`` database.
    """
    from trenova_db.testing import TEST_DATABASE_ENV, database_url

    configured = os.environ.get(REFERENCE_SERVER_ENV) or os.environ.get(TEST_DATABASE_ENV)
    return database_url(configured or REFERENCE_SERVER_DEFAULT, "postgres")


async def _reference_server_problem(server_url: str) -> str | None:
    """Why the reference schema cannot be loaded on ``server_url`` (None: it can)."""
    try:
        conn = await asyncpg.connect(server_url, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"reference server {server_url} is not reachable: {exc}"
    try:
        rows = await conn.fetch(
            "SELECT name FROM pg_available_extensions WHERE name = ANY($1::text[])",
            list(REFERENCE_EXTENSIONS),
        )
    finally:
        await conn.close()
    missing = sorted(set(REFERENCE_EXTENSIONS) - {r["name"] for r in rows})
    if missing:
        return f"reference server {server_url} lacks extension(s) {', '.join(missing)}"
    return None


async def _load_reference(url: str, dump: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(dump)
        # A schema-only dump leaves materialized views unpopulated; Trenova's
        # migration creates user_effective_policies WITH DATA, and its triggers on
        # policies/roles/memberships run REFRESH ... CONCURRENTLY, which fails on an
        # unpopulated view. Populate it, as the migrated database has it.
        await conn.execute("REFRESH MATERIALIZED VIEW public.user_effective_policies")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def reference_template() -> Iterator[tuple[str, str]]:
    """(server URL, template database name) holding Trenova's schema, loaded once."""
    from trenova_db.testing import create_database, database_url, drop_database

    if not REFERENCE_DUMP.is_file():
        pytest.skip(f"reference dump {REFERENCE_DUMP} is not present")
    server = reference_server_url()
    problem = anyio.run(_reference_server_problem, server)
    if problem:
        pytest.skip(problem)
    name = create_database(server, prefix="trenova_ref_tpl")
    try:
        anyio.run(
            _load_reference, database_url(server, name), REFERENCE_DUMP.read_text(encoding="utf-8")
        )
        yield server, name
    finally:
        drop_database(server, name)


@pytest.fixture
def reference_db_url(reference_template: tuple[str, str]) -> Iterator[str]:
    """URL of a fresh database holding Trenova's schema at eac57070 (the reference dump).

    Cloned from a session template; dropped after the test. Skips (with the
    reason) when the server is unreachable or lacks PostGIS, pg_trgm or unaccent.
    """
    from trenova_db.testing import create_database, database_url, drop_database

    server, template = reference_template
    name = create_database(server, template=template, prefix="trenova_ref")
    try:
        yield database_url(server, name)
    finally:
        drop_database(server, name)
