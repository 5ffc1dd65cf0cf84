"""pytest plugin: throwaway PostgreSQL databases and a seed idempotency check.

Registered through the ``pytest11`` entry point, so any project that installs
trenova-db gets the fixtures:

- ``trenova_server_url``: a server for the session: ``TRENOVA_TEST_DATABASE_URL``
  when set, otherwise an embedded server started in a temporary directory.
- ``trenova_database``: a fresh empty database per test, dropped afterwards.
- ``trenova_migrated_database``: a fresh database cloned from a template that
  was migrated once per session (sqlx's trick: ``CREATE DATABASE .. TEMPLATE``
  costs milliseconds, migrating every test's database would not).

and :func:`assert_seed_idempotent` for a project's own seed tests.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import pytest

from .config import Environment, Settings

__all__ = [
    "TEST_DATABASE_ENV",
    "assert_seed_idempotent",
    "create_database",
    "database_url",
    "drop_database",
    "table_snapshot",
]

TEST_DATABASE_ENV = "TRENOVA_TEST_DATABASE_URL"
_BOOKKEEPING = (
    "schema_migrations",
    "seed_history",
    "trenova_db_audit",
    "trenova_db_versions",
    "trenova_db_lock",
)


def database_url(server_url: str, name: str) -> str:
    """``server_url`` pointing at database ``name`` instead."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _admin(server_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(
    server_url: str, *, template: str | None = None, prefix: str = "trenova_t"
) -> str:
    """Create a uniquely named database (optionally cloned); returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    clone = f' TEMPLATE "{template}"' if template else ""
    anyio.run(_admin, server_url, f'CREATE DATABASE "{name}"{clone}')
    return name


def drop_database(server_url: str, name: str) -> None:
    anyio.run(_admin, server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("trenova_migrations_dir", "migrations folder for the template", default="sql")
    parser.addini("trenova_seeds_dir", "seeds folder for seed tests", default="seeds")


@pytest.fixture(scope="session")
def trenova_server_url() -> Iterator[str]:
    """An admin URL (database ``postgres``) on a server tests may create databases on."""
    configured = os.environ.get(TEST_DATABASE_ENV)
    if configured:
        yield database_url(configured, "postgres")
        return
    from .embedded import ensure_running, stop

    root = Path(tempfile.mkdtemp(prefix="trenova-test-", dir="/tmp"))
    root.chmod(0o755)  # the server may run as another user (root cannot run PostgreSQL)
    try:
        status = ensure_running(root, database="postgres")
        assert status.dsn is not None
        yield status.dsn
    finally:
        stop(root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def trenova_database(trenova_server_url: str) -> Iterator[str]:
    """A fresh, empty database for one test."""
    name = create_database(trenova_server_url)
    try:
        yield database_url(trenova_server_url, name)
    finally:
        drop_database(trenova_server_url, name)


@pytest.fixture(scope="session")
def trenova_template(trenova_server_url: str, pytestconfig: pytest.Config) -> Iterator[str]:
    """A database migrated once per session, used as the template for clones."""
    from .migrator import run_migrate

    migrations = Path(pytestconfig.rootpath) / str(pytestconfig.getini("trenova_migrations_dir"))
    name = create_database(trenova_server_url, prefix="trenova_tpl")
    settings = Settings(
        database_url=database_url(trenova_server_url, name), migrations_dir=migrations
    )
    try:
        anyio.run(lambda: run_migrate(settings))
        yield name
    finally:
        drop_database(trenova_server_url, name)


@pytest.fixture
def trenova_migrated_database(trenova_server_url: str, trenova_template: str) -> Iterator[str]:
    """A fresh database with every migration applied (cloned from the template)."""
    name = create_database(trenova_server_url, template=trenova_template)
    try:
        yield database_url(trenova_server_url, name)
    finally:
        drop_database(trenova_server_url, name)


async def table_snapshot(conn: Any, schema: str = "public") -> dict[str, tuple[int, str]]:
    """(row count, md5 of every row in order) per application table."""
    tables = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1",
        schema,
    )
    out: dict[str, tuple[int, str]] = {}
    for (table,) in tables:
        if table in _BOOKKEEPING:
            continue
        q = f'"{schema}"."{table}"'
        count, digest = await conn.fetchrow(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
            f"FROM {q} t"
        )
        out[table] = (int(count), str(digest))
    return out


async def assert_seed_idempotent(
    url: str,
    seed: str,
    *,
    seeds_dir: str | Path = "seeds",
    environment: Environment = Environment.TEST,
) -> dict[str, tuple[int, str]]:
    """Apply the environment's seeds, run ``seed`` once more, and fail if any table changed.

    Returns the snapshot, so a test can also assert the seed wrote something.
    """
    import asyncpg

    from .seeding.context import SeedContext
    from .seeding.registry import check_registry
    from .seeding.runner import load_seed, run_seeds

    settings = Settings(database_url=url, seeds_dir=Path(seeds_dir), environment=environment)
    await run_seeds(settings)
    registry = check_registry(settings.seeds_dir)
    entry = next((e for e in registry.seeds if e.name == seed), None)
    assert entry is not None, f"no seed named {seed!r} in {seeds_dir}"
    instance = load_seed(settings.seeds_dir, entry)
    conn = await asyncpg.connect(url)
    try:
        before = await table_snapshot(conn)
        async with conn.transaction():
            await instance.run(SeedContext(conn, environment, seed_name=seed))
        after = await table_snapshot(conn)
    finally:
        await conn.close()
    changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
    assert not changed, (
        f"seed {seed} is not idempotent: a second run changed {', '.join(changed)} "
        + ", ".join(
            f"{t}: {before.get(t, (0, ''))[0]} -> {after.get(t, (0, ''))[0]} rows" for t in changed
        )
    )
    return after
