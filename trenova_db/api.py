"""The library: what a service awaits on boot, and everything else the CLI does.

Every function takes the database URL and keyword options and returns a typed
report. Options left as ``None`` follow the same precedence as the CLI:
environment variables (``DATABASE_URL``, ``TRENOVA_ENV``/``APP_ENV``, ...),
then ``[tool.trenova-db]`` in the nearest ``pyproject.toml``, then defaults;
so a service booting with ``APP_ENV=production`` runs in production even when
it passes only the URL. Relative folders are relative to the working
directory. Nothing here prints, prompts or starts a server: callers decide how
to render and where the database comes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .config import Environment, Settings, parse_duration, resolve_settings
from .migrator import run_migrate, run_repair, run_rollback
from .reports import (
    AdoptReport,
    DumpReport,
    LintReport,
    MigrateReport,
    ProgressCallback,
    RepairReport,
    ResetReport,
    RollbackReport,
    SeedReport,
    SetupReport,
    StatusReport,
    WaitReport,
)
from .scaffold import CreatedMigration

if TYPE_CHECKING:
    from .seeding.model import SyncReport

__all__ = [
    "adopt",
    "create",
    "create_seed",
    "dump",
    "lint",
    "make_settings",
    "migrate",
    "repair",
    "reset",
    "rollback",
    "seed",
    "seed_check",
    "seed_clean",
    "seed_rollback",
    "seed_sync",
    "setup",
    "status",
    "wait",
]

Seconds = float | str


def make_settings(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    migrations_dir: str | Path | None = None,
    seeds_dir: str | Path | None = None,
    schema: str | None = None,
    environment: str | Environment | None = None,
    lock_timeout: Seconds | None = None,
    statement_timeout: Seconds | None = None,
    connect_timeout: Seconds | None = None,
) -> Settings:
    """Settings with the CLI's precedence: explicit arguments, then the
    environment, then pyproject.toml, then defaults.

    With ``settings`` given, the explicit arguments are applied on top of it and
    nothing else is read.
    """
    if settings is None:
        flags: dict[str, Any] = {
            "database_url": database_url,
            "environment": None if environment is None else Environment.parse(environment),
            "migrations_dir": migrations_dir,
            "seeds_dir": seeds_dir,
            "schema": schema,
            "lock_timeout": lock_timeout,
            "statement_timeout": statement_timeout,
            "connect_timeout": connect_timeout,
        }
        return resolve_settings(flags)
    import msgspec

    changes: dict[str, object] = {}
    if database_url is not None:
        changes["database_url"] = database_url
    if migrations_dir is not None:
        changes["migrations_dir"] = Path(migrations_dir)
    if seeds_dir is not None:
        changes["seeds_dir"] = Path(seeds_dir)
        changes["seeds_dir_set"] = True
    if schema is not None:
        changes["schema"] = schema
    if environment is not None:
        changes["environment"] = Environment.parse(environment)
    if lock_timeout is not None:
        changes["lock_timeout"] = parse_duration(lock_timeout, name="lock-timeout")
        changes["lock_timeout_set"] = True
    if statement_timeout is not None:
        changes["statement_timeout"] = parse_duration(statement_timeout, name="statement-timeout")
    if connect_timeout is not None:
        changes["connect_timeout"] = parse_duration(connect_timeout, name="connect-timeout")
    return msgspec.structs.replace(settings, **changes) if changes else settings


def _paths(
    *, migrations_dir: str | Path | None = None, seeds_dir: str | Path | None = None
) -> Settings:
    """Folders only, for functions that never connect: nothing else can fail them."""
    return resolve_settings(
        {"migrations_dir": migrations_dir, "seeds_dir": seeds_dir},
        only={"migrations_dir", "seeds_dir"},
    )


# -- migrations ------------------------------------------------------------------


async def migrate(
    database_url: str | None = None,
    *,
    migrations_dir: str | Path | None = None,
    schema: str | None = None,
    environment: str | Environment | None = None,
    lock_timeout: Seconds | None = None,
    statement_timeout: Seconds | None = None,
    connect_timeout: Seconds | None = None,
    dry_run: bool = False,
    verbose: bool = False,
    allow_out_of_order: bool = False,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> MigrateReport:
    """Apply pending migrations. With nothing pending: one round trip, no lock."""
    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        schema=schema,
        environment=environment,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        connect_timeout=connect_timeout,
    )
    return await run_migrate(
        s,
        dry_run=dry_run,
        verbose=verbose,
        allow_out_of_order=allow_out_of_order,
        progress=progress,
    )


async def rollback(
    database_url: str | None = None,
    *,
    target: int = 1,
    max_rollback: int = 10,
    force: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    migrations_dir: str | Path | None = None,
    schema: str | None = None,
    environment: str | Environment | None = None,
    lock_timeout: Seconds | None = None,
    statement_timeout: Seconds | None = None,
    connect_timeout: Seconds | None = None,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> RollbackReport:
    """Roll back the last ``target`` migrations (``force=True`` needed in production)."""
    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        schema=schema,
        environment=environment,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        connect_timeout=connect_timeout,
    )
    return await run_rollback(
        s,
        target=target,
        max_rollback=max_rollback,
        force=force,
        dry_run=dry_run,
        verbose=verbose,
        progress=progress,
    )


async def repair(
    database_url: str | None = None,
    *,
    version: int | None = None,
    mark: Literal["applied", "rolled-back"] | None = None,
    forget_missing: bool = False,
    baseline: int | None = None,
    migrations_dir: str | Path | None = None,
    schema: str | None = None,
    environment: str | Environment | None = None,
    lock_timeout: Seconds | None = None,
    settings: Settings | None = None,
) -> RepairReport:
    """Realign drifted checksums, forget missing files, resolve one dirty row, or
    record migrations up to ``baseline`` as applied without running them."""
    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        schema=schema,
        environment=environment,
        lock_timeout=lock_timeout,
    )
    return await run_repair(
        s, version=version, mark=mark, forget_missing=forget_missing, baseline=baseline
    )


async def adopt(
    database_url: str | None = None,
    *,
    tool: Literal["auto", "bun", "golang-migrate", "dbmate", "goose"] = "auto",
    forget_missing: bool = False,
    force: bool = False,
    dry_run: bool = False,
    migrations_dir: str | Path | None = None,
    schema: str | None = None,
    environment: str | Environment | None = None,
    lock_timeout: Seconds | None = None,
    connect_timeout: Seconds | None = None,
    settings: Settings | None = None,
) -> AdoptReport:
    """Take over a database another tool manages (Bun/the Go Trenova tool,
    golang-migrate, dbmate, goose): record the versions its history says are
    applied, with checksums of today's files, and make the Go seeder's
    ``seed_history`` trenova-db's, keeping every row. ``dry_run``: the mapping
    only, nothing written. ``force``: despite a held Bun lock, or to record
    versions the other tool applied after an earlier adopt."""
    from .takeover import run_adopt

    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        schema=schema,
        environment=environment,
        lock_timeout=lock_timeout,
        connect_timeout=connect_timeout,
    )
    return await run_adopt(
        s, tool=tool, forget_missing=forget_missing, force=force, dry_run=dry_run
    )


async def status(
    database_url: str | None = None,
    *,
    migrations_dir: str | Path | None = None,
    seeds_dir: str | Path | None = None,
    schema: str | None = None,
    environment: str | Environment | None = None,
    statement_timeout: Seconds | None = None,
    settings: Settings | None = None,
) -> StatusReport:
    """Migrations, and the seeds of the environment when the seeds folder exists."""
    from .maintenance import run_full_status

    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
        statement_timeout=statement_timeout,
    )
    return await run_full_status(s)


def create(
    name: str, *, tx: bool = False, migrations_dir: str | Path | None = None
) -> CreatedMigration:
    """Write the next numbered up/down pair (never overwrites); returns their paths."""
    from .scaffold import create_migration

    directory = _paths(migrations_dir=migrations_dir).migrations_dir
    return create_migration(directory, name, tx=tx)


# -- seeds -----------------------------------------------------------------------


async def seed(
    database_url: str | None = None,
    *,
    seeds_dir: str | Path | None = None,
    environment: str | Environment | None = None,
    force: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    parallel: int = 1,
    schema: str | None = None,
    lock_timeout: Seconds | None = None,
    statement_timeout: Seconds | None = None,
    connect_timeout: Seconds | None = None,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> SeedReport:
    """Apply the seeds of the environment (dependencies first, each in its own transaction)."""
    from .seeding.runner import run_seeds

    s = make_settings(
        database_url,
        settings=settings,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        connect_timeout=connect_timeout,
    )
    return await run_seeds(
        s, force=force, dry_run=dry_run, verbose=verbose, parallel=parallel, progress=progress
    )


async def seed_rollback(
    name: str,
    database_url: str | None = None,
    *,
    force: bool = False,
    seeds_dir: str | Path | None = None,
    environment: str | Environment | None = None,
    schema: str | None = None,
    settings: Settings | None = None,
) -> SeedReport:
    """Run seed ``name``'s rollback() and mark it Inactive (``force`` in production)."""
    from .seeding.runner import run_seed_rollback

    s = make_settings(
        database_url, settings=settings, seeds_dir=seeds_dir, schema=schema, environment=environment
    )
    return await run_seed_rollback(s, name, force=force)


async def seed_check(
    database_url: str | None = None,
    *,
    seeds_dir: str | Path | None = None,
    environment: str | Environment | None = None,
    schema: str | None = None,
    settings: Settings | None = None,
) -> SeedReport:
    """Orphans and dependency problems (``report.seeds`` / ``report.problems``)."""
    from .seeding.inventory import run_seed_check

    s = make_settings(
        database_url, settings=settings, seeds_dir=seeds_dir, schema=schema, environment=environment
    )
    return await run_seed_check(s)


async def seed_clean(
    database_url: str | None = None,
    *,
    seeds_dir: str | Path | None = None,
    environment: str | Environment | None = None,
    schema: str | None = None,
    settings: Settings | None = None,
) -> SeedReport:
    """Mark orphaned history rows Orphaned and regenerate the registry (the caller
    confirms by calling it)."""
    from .seeding.inventory import run_seed_clean

    s = make_settings(
        database_url, settings=settings, seeds_dir=seeds_dir, schema=schema, environment=environment
    )
    return await run_seed_clean(s, force=True)


def seed_sync(*, seeds_dir: str | Path | None = None) -> SyncReport:
    """Regenerate ``registry.json`` (a ``SyncReport``; ``problems`` lists dependency problems)."""
    from .seeding.registry import sync_registry

    return sync_registry(_paths(seeds_dir=seeds_dir).seeds_dir)


def create_seed(
    name: str,
    *,
    folder: Literal["base", "development", "test"] = "base",
    seeds_dir: str | Path | None = None,
) -> Path:
    """Write the next numbered seed file from the template and update the registry."""
    from .seeding.registry import sync_registry
    from .seeding.scaffold import create_seed_file

    directory = _paths(seeds_dir=seeds_dir).seeds_dir
    path = create_seed_file(directory, name, folder)
    sync_registry(directory)
    return path


# -- both --------------------------------------------------------------------------


async def setup(
    database_url: str | None = None,
    *,
    migrations_dir: str | Path | None = None,
    seeds_dir: str | Path | None = None,
    environment: str | Environment | None = None,
    schema: str | None = None,
    verbose: bool = False,
    parallel: int = 1,
    lock_timeout: Seconds | None = None,
    statement_timeout: Seconds | None = None,
    connect_timeout: Seconds | None = None,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> SetupReport:
    """Migrate, then seed."""
    from .maintenance import run_setup

    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        connect_timeout=connect_timeout,
    )
    return await run_setup(s, verbose=verbose, parallel=parallel, progress=progress)


async def reset(
    database_url: str | None = None,
    *,
    force: bool = False,
    seed: bool = False,
    migrations_dir: str | Path | None = None,
    seeds_dir: str | Path | None = None,
    environment: str | Environment | None = None,
    schema: str | None = None,
    settings: Settings | None = None,
) -> ResetReport:
    """Drop every schema, migrate again (and seed). Refused in production and
    staging; library callers confirm by passing ``force=True``."""
    from .maintenance import run_reset

    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
    )
    return await run_reset(s, seed=seed, force=force)


# -- tools ----------------------------------------------------------------------


async def dump(
    database_url: str | None = None,
    *,
    path: str | Path | None = None,
    migrations_dir: str | Path | None = None,
    schema: str | None = None,
    connect_timeout: Seconds | None = None,
    settings: Settings | None = None,
) -> DumpReport:
    """Write the schema as ``pg_dump --schema-only`` sees it (default ``sql/schema.sql``),
    stable between runs and without trenova-db's own tables."""
    from .schema_dump import run_dump

    s = make_settings(
        database_url,
        settings=settings,
        migrations_dir=migrations_dir,
        schema=schema,
        connect_timeout=connect_timeout,
    )
    return await run_dump(s, path=Path(path) if path is not None else None)


async def lint(
    database_url: str | None = None,
    *,
    files: list[str | Path] | None = None,
    migrations_dir: str | Path | None = None,
    schema: str | None = None,
    settings: Settings | None = None,
) -> LintReport:
    """Lint ``files``, or the pending migrations of the database (which needs the URL)."""
    from .linter import run_lint

    s = make_settings(database_url, settings=settings, migrations_dir=migrations_dir, schema=schema)
    return await run_lint(s, [Path(f) for f in files] if files is not None else None)


async def wait(
    database_url: str | None = None,
    *,
    connect_timeout: Seconds | None = None,
    settings: Settings | None = None,
) -> WaitReport:
    """Return once the server accepts connections; DatabaseUnavailable after the timeout."""
    from .probe import run_wait

    return await run_wait(
        make_settings(database_url, settings=settings, connect_timeout=connect_timeout)
    )
