"""Whole-database operations: status of everything, setup (migrate + seed), reset."""

from __future__ import annotations

from .audit import Audit
from .bookkeeping import quote_ident
from .config import Settings
from .errors import Refused
from .migrator import locked, run_migrate, run_status, session
from .reports import ProgressCallback, ResetReport, SetupReport, StatusReport

__all__ = ["run_full_status", "run_reset", "run_setup"]


async def run_full_status(settings: Settings) -> StatusReport:
    """Migrations and, when a seeds folder exists, the seeds of this environment."""
    async with session(settings, "status") as conn:
        report = await run_status(settings, conn=conn)
        if settings.seeds_dir.is_dir():
            from .seeding.inventory import seed_status

            report.seeds, problems = await seed_status(conn, settings)
            report.problems.extend(problems)
    return report


async def run_setup(
    settings: Settings,
    *,
    verbose: bool = False,
    parallel: int = 1,
    progress: ProgressCallback | None = None,
) -> SetupReport:
    """Migrate, then seed: what a fresh checkout or container runs first."""
    from .seeding.runner import run_seeds

    migrated = await run_migrate(settings, verbose=verbose, progress=progress)
    seeded = await run_seeds(settings, verbose=verbose, parallel=parallel, progress=progress)
    return SetupReport(migrate=migrated, seed=seeded)


async def run_reset(
    settings: Settings,
    *,
    seed: bool = False,
    force: bool = False,
    confirmed: bool = False,
    progress: ProgressCallback | None = None,
) -> ResetReport:
    """Drop and recreate the schema(s), migrate again, optionally seed.

    Refused in production and staging whatever the flags: there is no
    confirmation that makes dropping a production schema a good idea.
    """
    env = settings.environment
    if env.is_protected:
        raise Refused(
            f"reset is refused in {env.value}: it drops every table",
            hint="reset is for development and test databases only",
        )
    if not (force or confirmed):
        raise Refused(
            "reset needs confirmation: no terminal to ask on",
            hint="run it in a terminal, or pass --force",
        )
    schemas = ["public"] if settings.schema == "public" else ["public", settings.schema]
    report = ResetReport(database=settings.masked_url, environment=env.value)
    async with session(settings, "reset") as conn, locked(settings, "reset"):
        async with conn.transaction():
            for schema in schemas:
                await conn.execute(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
            await conn.execute("CREATE SCHEMA public")
            await conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
            version = await conn.fetchval("SHOW server_version_num")
            if int(version) < 150000:
                # Before PostgreSQL 15 the public schema let everyone create in it.
                await conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
        report.schemas_dropped = schemas
    report.migrate = await run_migrate(settings, progress=progress)
    async with session(settings, "reset") as conn:
        audit = Audit(conn, settings.schema, "reset", env.value)
        await audit.start({"schemas_dropped": schemas})
        await audit.finish("success", {"migrated": len(report.migrate.applied)})
    if seed:
        from .seeding.runner import run_seeds

        report.seed = await run_seeds(settings, progress=progress)
    return report
