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
from typing import TYPE_CHECKING, Literal, Unpack

from .config import Options, Settings, configure, resolve_settings
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


# Kept under its first name: the library's entry point from options to settings.
make_settings = configure


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
    dry_run: bool = False,
    verbose: bool = False,
    allow_out_of_order: bool = False,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> MigrateReport:
    """Apply pending migrations. With nothing pending: one round trip, no lock."""
    s = configure(database_url, settings=settings, **options)
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
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> RollbackReport:
    """Roll back the last ``target`` migrations (``force=True`` needed in production)."""
    s = configure(database_url, settings=settings, **options)
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
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> RepairReport:
    """Realign drifted checksums, forget missing files, resolve one dirty row, or
    record migrations up to ``baseline`` as applied without running them."""
    s = configure(database_url, settings=settings, **options)
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
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> AdoptReport:
    """Take over a database another tool manages (Bun/the Go Trenova tool,
    golang-migrate, dbmate, goose): record the versions its history says are
    applied, with checksums of today's files, and make the Go seeder's
    ``seed_history`` trenova-db's, keeping every row. ``dry_run``: the mapping
    only, nothing written. ``force``: despite a held Bun lock, or to record
    versions the other tool applied after an earlier adopt."""
    from .takeover import run_adopt

    s = configure(database_url, settings=settings, **options)
    return await run_adopt(
        s, tool=tool, forget_missing=forget_missing, force=force, dry_run=dry_run
    )


async def status(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> StatusReport:
    """Migrations, and the seeds of the environment when the seeds folder exists."""
    from .maintenance import run_full_status

    s = configure(database_url, settings=settings, **options)
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
    force: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    parallel: int = 1,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> SeedReport:
    """Apply the seeds of the environment (dependencies first, each in its own transaction)."""
    from .seeding.runner import run_seeds

    s = configure(database_url, settings=settings, **options)
    return await run_seeds(
        s, force=force, dry_run=dry_run, verbose=verbose, parallel=parallel, progress=progress
    )


async def seed_rollback(
    name: str,
    database_url: str | None = None,
    *,
    force: bool = False,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> SeedReport:
    """Run seed ``name``'s rollback() and mark it Inactive (``force`` in production)."""
    from .seeding.runner import run_seed_rollback

    s = configure(database_url, settings=settings, **options)
    return await run_seed_rollback(s, name, force=force)


async def seed_check(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> SeedReport:
    """Orphans and dependency problems (``report.seeds`` / ``report.problems``)."""
    from .seeding.inventory import run_seed_check

    s = configure(database_url, settings=settings, **options)
    return await run_seed_check(s)


async def seed_clean(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> SeedReport:
    """Mark orphaned history rows Orphaned and regenerate the registry (the caller
    confirms by calling it)."""
    from .seeding.inventory import run_seed_clean

    s = configure(database_url, settings=settings, **options)
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
    verbose: bool = False,
    parallel: int = 1,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> SetupReport:
    """Migrate, then seed."""
    from .maintenance import run_setup

    s = configure(database_url, settings=settings, **options)
    return await run_setup(s, verbose=verbose, parallel=parallel, progress=progress)


async def reset(
    database_url: str | None = None,
    *,
    force: bool = False,
    seed: bool = False,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> ResetReport:
    """Drop every schema, migrate again (and seed). Refused in production and
    staging; library callers confirm by passing ``force=True``."""
    from .maintenance import run_reset

    s = configure(database_url, settings=settings, **options)
    return await run_reset(s, seed=seed, force=force)


# -- tools ----------------------------------------------------------------------


async def dump(
    database_url: str | None = None,
    *,
    path: str | Path | None = None,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> DumpReport:
    """Write the schema as ``pg_dump --schema-only`` sees it (default ``sql/schema.sql``),
    stable between runs and without trenova-db's own tables."""
    from .schema_dump import run_dump

    s = configure(database_url, settings=settings, **options)
    return await run_dump(s, path=Path(path) if path is not None else None)


async def lint(
    database_url: str | None = None,
    *,
    files: list[str | Path] | None = None,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> LintReport:
    """Lint ``files``, or the pending migrations of the database (which needs the URL)."""
    from .linter import run_lint

    s = configure(database_url, settings=settings, **options)
    return await run_lint(s, [Path(f) for f in files] if files is not None else None)


async def wait(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    **options: Unpack[Options],
) -> WaitReport:
    """Return once the server accepts connections; DatabaseUnavailable after the timeout."""
    from .probe import run_wait

    return await run_wait(configure(database_url, settings=settings, **options))
