"""Whole-database operations: status of everything, setup (migrate + seed), reset."""

from __future__ import annotations

from typing import Any

from .bookkeeping import quote_ident
from .config import Settings
from .discovery import MigrationSet
from .errors import ForeignHistory, Refused, TrenovaDBError
from .foreign import retarget
from .migrator import audit_refused, run_migrate, status_with_extras
from .plan import summarise_status
from .reports import (
    Ask,
    MigrateReport,
    MigrationItem,
    ProgressCallback,
    ResetReport,
    SeedItem,
    SeedReport,
    SetupReport,
    StatusReport,
)
from .session import audited, locked, session, session_with_files

__all__ = ["run_full_status", "run_reset", "run_setup"]


async def run_full_status(
    settings: Settings, *, include_seeds: bool = True, conn: Any | None = None
) -> StatusReport:
    """Migrations and, when a seeds folder exists, the seeds of this environment
    (on ``conn`` when given: a fleet reads the last run on the same session)."""
    if include_seeds and settings.seeds_dir_set and not settings.seeds_dir.is_dir():
        # A mistyped --seeds-dir must not read as "this project has no seeds".
        from .seeding.registry import require_seeds_dir

        require_seeds_dir(settings.seeds_dir)
    if conn is None:
        # Discovery runs while the connection opens (session_with_files).
        async with session_with_files(settings, "status") as (own, files):
            report, seed_problems = await _status_on(settings, own, files, include_seeds)
    else:
        report, seed_problems = await _status_on(settings, conn, None, include_seeds)
    return summarise_status(report, seed_problems=seed_problems)


async def _status_on(
    settings: Settings, conn: Any, files: MigrationSet | None, include_seeds: bool
) -> tuple[StatusReport, list[str]]:
    seed_problems: list[str] = []
    with_seeds = include_seeds and settings.seeds_dir.is_dir()
    report, extras = await status_with_extras(
        settings,
        conn,
        files,
        seeds_environment=settings.environment.value if with_seeds else None,
    )
    if with_seeds:
        from .seeding.inventory import seed_status

        report.seeds, seed_problems = await seed_status(conn, settings, history=extras.seed_history)
        report.problems.extend(seed_problems)
    return report, seed_problems


async def run_setup(
    settings: Settings,
    *,
    verbose: bool = False,
    parallel: int = 1,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
    ask: Ask | None = None,
) -> SetupReport:
    """Migrate, then seed: what a fresh checkout or container runs first.

    ``dry_run``: the migrations and seeds it would apply; nothing is written
    (no bookkeeping table, no audit row), no lock is taken.
    """
    from .seeding.runner import run_seeds

    if dry_run:
        return SetupReport(
            dry_run=True,
            migrate=await run_migrate(settings, dry_run=True, verbose=verbose),
            seed=await run_seeds(settings, dry_run=True, verbose=verbose),
        )

    outcome = "failed"
    details: dict[str, Any] = {}
    try:
        migrated = await run_migrate(settings, verbose=verbose, progress=progress, ask=ask)
        details["migrated"] = [m.version for m in migrated.applied]
        seeded = await run_seeds(
            settings, verbose=verbose, parallel=parallel, progress=progress, ask=ask
        )
        details["seeded"] = [s.name for s in seeded.seeds if s.state == "applied"]
        outcome = "success"
    except ForeignHistory as exc:  # another tool's history: worded for setup
        raise retarget(exc, "setup") from None
    except TrenovaDBError as exc:
        details["error"] = str(exc)
        raise
    finally:
        await _audit_once(settings, "setup", outcome, details)
    return SetupReport(migrate=migrated, seed=seeded)


async def _audit_once(
    settings: Settings, operation: str, outcome: str, details: dict[str, Any]
) -> None:
    """One finished audit row for a composite run (its parts audit themselves too)."""
    try:
        async with (
            session(settings, operation) as conn,
            audited(conn, settings, operation) as audit,
        ):
            audit.outcome = outcome
            audit.details = details
    except TrenovaDBError:
        pass  # unreachable database or no bookkeeping yet: the run's own error matters


async def _keep_audit_trail(conn: Any, schema: str) -> bool:
    """Copy the audit rows aside, inside the reset's transaction (False: no table).

    A temporary table, not Python memory: no size limit, and if anything fails
    before COMMIT the drop is undone with it, so the trail is never lost.
    """
    table = f"{quote_ident(schema)}.trenova_db_audit"
    if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
        return False
    # No audit row may slip in between the copy and the drop.
    await conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    await conn.execute(
        f"CREATE TEMPORARY TABLE trenova_db_kept_audit ON COMMIT DROP AS SELECT * FROM {table}"
    )
    return True


async def _restore_audit_trail(conn: Any, schema: str) -> None:
    """Put the kept rows back, ids kept, into the freshly made audit table."""
    from .bookkeeping import ensure_bookkeeping

    await ensure_bookkeeping(conn, schema)
    table = f"{quote_ident(schema)}.trenova_db_audit"
    columns = await conn.fetchval(
        "SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) "
        "FROM pg_attribute a JOIN pg_attribute k ON k.attname = a.attname "
        "AND k.attrelid = 'pg_temp.trenova_db_kept_audit'::regclass "
        "AND k.attnum > 0 AND NOT k.attisdropped "
        "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        table,
    )
    await conn.execute(
        f"INSERT INTO {table} ({columns}) OVERRIDING SYSTEM VALUE "
        f"SELECT {columns} FROM pg_temp.trenova_db_kept_audit ORDER BY id"
    )
    await conn.execute(
        f"SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM {table}", table
    )


# Schemas this user made (migrations create them), plus public and the
# bookkeeping schema; never another role's schema or an extension's.
_OWN_SCHEMAS = """
SELECT n.nspname,
       n.nspname IN ('public', $1)
       OR (n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                           AND d.objid = n.oid AND d.deptype = 'e'))
FROM pg_namespace n
WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY n.nspname = 'public' DESC, n.nspname
"""


async def run_reset(
    settings: Settings,
    *,
    seed: bool = False,
    force: bool = False,
    confirmed: bool = False,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
    verbose: bool = False,
    ask: Ask | None = None,
) -> ResetReport:
    """Drop and recreate the schema(s), migrate again, optionally seed.

    Refused in production and staging whatever the flags: there is no
    confirmation that makes dropping a production schema a good idea.
    ``dry_run``: the schemas it would drop, every migration it would apply
    again (and with ``seed`` the seeds); nothing is dropped or written.
    ``ask`` (-i) is asked before each migration and seed after the drop; the
    drop itself is what ``confirmed`` answers.
    """
    env = settings.environment
    refused = None
    if env.is_protected:
        refused = Refused(
            f"reset is refused in {env.value}: it drops every schema and its data",
            hint="reset is for development and test databases only",
        )
    elif not (force or confirmed or dry_run):
        refused = Refused(
            "reset needs confirmation: no terminal to ask on",
            hint="run it in a terminal, or pass --force",
        )
    if refused is not None:
        if not dry_run:
            await audit_refused(settings, "reset", refused)
        raise refused
    # Everything that could stop the rebuild is checked BEFORE anything is
    # dropped: a reset must never leave an empty database behind.
    from .apply import Applier
    from .discovery import discover_migrations

    files = discover_migrations(settings.migrations_dir)
    Applier.check_runnable(list(files.migrations))
    if seed:
        from .seeding.graph import order_seeds, select_seeds
        from .seeding.registry import check_registry

        registry = check_registry(settings.seeds_dir)
        ordered = order_seeds(select_seeds(registry, env), registry)
    report = ResetReport(database=settings.masked_url, environment=env.value, dry_run=dry_run)
    if dry_run:
        async with session(settings, "reset") as conn:
            rows = await conn.fetch(_OWN_SCHEMAS, settings.schema)
        report.schemas_dropped = [name for name, ours in rows if ours]
        report.schemas_kept = [name for name, ours in rows if not ours]
        # After the drop the history is gone with it: every migration runs again.
        report.migrate = MigrateReport(
            database=settings.masked_url,
            schema=settings.schema,
            environment=env.value,
            dry_run=True,
            ignored_files=list(files.ignored),
            applied=[
                MigrationItem(
                    version=m.version,
                    name=m.name,
                    kind=m.kind,
                    state="pending",
                    file=m.up_file,
                    sql=m.up_sql if verbose else None,
                )
                for m in files.migrations
            ],
        )
        if seed:
            report.seed = SeedReport(
                database=settings.masked_url,
                environment=env.value,
                dry_run=True,
                seeds=[
                    SeedItem(
                        name=e.name,
                        version=e.version,
                        folder=e.folder,
                        path=e.path,
                        state="would-apply",
                    )
                    for e in ordered
                ],
            )
        return report
    async with session(settings, "reset") as conn, locked(settings, conn):
        async with conn.transaction():
            # The audit trail outlives the data: an operator must still see who
            # ran what against this database before it was reset.
            kept = await _keep_audit_trail(conn, settings.schema)
            # Every schema the migrations may have made, not just public: a
            # schema left behind makes the rebuild fail on CREATE SCHEMA.
            rows = await conn.fetch(_OWN_SCHEMAS, settings.schema)
            schemas = [name for name, ours in rows if ours]
            report.schemas_kept = [name for name, ours in rows if not ours]
            for schema in schemas:
                await conn.execute(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
            await conn.execute("CREATE SCHEMA public")
            await conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
            version = await conn.fetchval("SHOW server_version_num")
            if int(version) < 150000:
                # Before PostgreSQL 15 the public schema let everyone create in it.
                await conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
            if kept:
                await _restore_audit_trail(conn, settings.schema)
        report.schemas_dropped = schemas
    report.migrate = await run_migrate(settings, progress=progress, files=files, ask=ask)
    await _audit_once(
        settings,
        "reset",
        "success",
        {"schemas_dropped": schemas, "migrated": len(report.migrate.applied)},
    )
    if seed:
        from .seeding.runner import run_seeds

        report.seed = await run_seeds(settings, progress=progress, ask=ask)
    return report
