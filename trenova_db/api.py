"""The library: what a service awaits on boot and what the CLI calls.

Every function takes the database URL and keyword options, builds a
:class:`~trenova_db.config.Settings` and returns a typed report. Nothing here
prints, prompts or starts a server: callers decide how to render and where the
database comes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .config import Environment, Settings, parse_duration
from .migrator import run_migrate, run_repair, run_rollback
from .reports import (
    MigrateReport,
    ProgressCallback,
    RepairReport,
    ResetReport,
    RollbackReport,
    SeedReport,
    SetupReport,
    StatusReport,
)

__all__ = ["make_settings", "migrate", "repair", "reset", "rollback", "seed", "setup", "status"]


def make_settings(
    database_url: str | None,
    *,
    settings: Settings | None = None,
    migrations_dir: str | Path | None = None,
    seeds_dir: str | Path | None = None,
    schema: str | None = None,
    environment: str | Environment | None = None,
    lock_timeout: float | str | None = None,
    statement_timeout: float | str | None = None,
    connect_timeout: float | str | None = None,
) -> Settings:
    """Settings from explicit arguments (library callers: no env, no pyproject)."""
    import msgspec

    base = settings or Settings()
    changes: dict[str, object] = {}
    if database_url is not None:
        changes["database_url"] = database_url
    if migrations_dir is not None:
        changes["migrations_dir"] = Path(migrations_dir)
    if seeds_dir is not None:
        changes["seeds_dir"] = Path(seeds_dir)
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
    return msgspec.structs.replace(base, **changes) if changes else base


async def migrate(
    database_url: str | None = None,
    *,
    migrations_dir: str | Path = "sql",
    schema: str = "public",
    environment: str | Environment = Environment.DEVELOPMENT,
    lock_timeout: float | str = 60.0,
    statement_timeout: float | str | None = None,
    connect_timeout: float | str = 10.0,
    dry_run: bool = False,
    verbose: bool = False,
    allow_out_of_order: bool = False,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> MigrateReport:
    """Apply every pending migration. Nothing pending costs one round trip, no lock."""
    s = settings or make_settings(
        database_url,
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
    migrations_dir: str | Path = "sql",
    schema: str = "public",
    environment: str | Environment = Environment.DEVELOPMENT,
    lock_timeout: float | str = 60.0,
    statement_timeout: float | str | None = None,
    connect_timeout: float | str = 10.0,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> RollbackReport:
    """Roll back the newest ``target`` migrations (newest first)."""
    s = settings or make_settings(
        database_url,
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
    migrations_dir: str | Path = "sql",
    schema: str = "public",
    environment: str | Environment = Environment.DEVELOPMENT,
    settings: Settings | None = None,
) -> RepairReport:
    """Realign drifted checksums, forget missing files, or resolve one dirty row."""
    s = settings or make_settings(
        database_url, migrations_dir=migrations_dir, schema=schema, environment=environment
    )
    return await run_repair(s, version=version, mark=mark, forget_missing=forget_missing)


async def status(
    database_url: str | None = None,
    *,
    migrations_dir: str | Path = "sql",
    seeds_dir: str | Path | None = None,
    schema: str = "public",
    environment: str | Environment = Environment.DEVELOPMENT,
    settings: Settings | None = None,
) -> StatusReport:
    """Migrations (and seeds, when ``seeds_dir`` is given) with their state."""
    s = settings or make_settings(
        database_url,
        migrations_dir=migrations_dir,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
    )
    from .maintenance import run_full_status

    return await run_full_status(s, include_seeds=seeds_dir is not None or settings is not None)


async def seed(
    database_url: str | None = None,
    *,
    seeds_dir: str | Path = "seeds",
    environment: str | Environment = Environment.DEVELOPMENT,
    force: bool = False,
    dry_run: bool = False,
    parallel: int = 1,
    schema: str = "public",
    lock_timeout: float | str = 60.0,
    connect_timeout: float | str = 10.0,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> SeedReport:
    """Apply the seeds of ``environment`` (dependencies first, each in its own transaction)."""
    from .seeding.runner import run_seeds

    s = settings or make_settings(
        database_url,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
        lock_timeout=lock_timeout,
        connect_timeout=connect_timeout,
    )
    return await run_seeds(s, force=force, dry_run=dry_run, parallel=parallel, progress=progress)


async def setup(
    database_url: str | None = None,
    *,
    migrations_dir: str | Path = "sql",
    seeds_dir: str | Path = "seeds",
    environment: str | Environment = Environment.DEVELOPMENT,
    schema: str = "public",
    parallel: int = 1,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> SetupReport:
    """Migrate, then seed."""
    from .maintenance import run_setup

    s = settings or make_settings(
        database_url,
        migrations_dir=migrations_dir,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
    )
    return await run_setup(s, parallel=parallel, progress=progress)


async def reset(
    database_url: str | None = None,
    *,
    force: bool = False,
    seed: bool = False,
    migrations_dir: str | Path = "sql",
    seeds_dir: str | Path = "seeds",
    environment: str | Environment = Environment.DEVELOPMENT,
    schema: str = "public",
    settings: Settings | None = None,
) -> ResetReport:
    """Drop and recreate the schema, migrate (and seed). Refused in production/staging;
    library callers confirm by passing ``force=True``."""
    from .maintenance import run_reset

    s = settings or make_settings(
        database_url,
        migrations_dir=migrations_dir,
        seeds_dir=seeds_dir,
        schema=schema,
        environment=environment,
    )
    return await run_reset(s, seed=seed, force=force)
