"""The ``trenova-db`` command: parses arguments, calls the library, renders reports.

No SQL here: every command is a call into the core and a report handed to
:class:`~trenova_db.cli.output.Output`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from cyclopts import App, Parameter

from ..config import Settings
from ..errors import ConfigurationError
from .common import (
    CommonOptions,
    call,
    dump_after,
    migrate_command,
    output_for,
    settings_for,
    status_command,
)
from .output import Output


@Parameter(name="*")
@dataclass
class Common(CommonOptions):
    """Options every database command takes (flag > environment > pyproject > default)."""


# What the commands that never connect use: other settings cannot fail them.
PATHS = frozenset({"migrations_dir", "seeds_dir"})

app = App(
    name="trenova-db",
    help="Numbered raw-SQL migrations and environment-aware seeds for PostgreSQL.",
    default_parameter=Parameter(negative=()),
    version_flags=["--version"],
    version="0.1.0",
)
embedded_app = App(name="embedded", help="Manage the zero-setup embedded PostgreSQL server.")
app.command(embedded_app)

# -- migrations ----------------------------------------------------------------


@app.command
def migrate(
    *,
    dry_run: Annotated[bool, Parameter(help="show the plan; write nothing, take no lock")] = False,
    verbose: Annotated[
        bool, Parameter(help="list each migration (a terminal always does); with --dry-run, SQL")
    ] = False,
    allow_out_of_order: Annotated[
        bool, Parameter(help="apply pending versions lower than the newest applied")
    ] = False,
    force: Annotated[
        bool,
        Parameter(help="accepted for the original tool's CI scripts; migrate never asks anyway"),
    ] = False,
    lint: Annotated[
        bool, Parameter(help="run `trenova-db lint` on the pending files first; stop on errors")
    ] = False,
    common: Common | None = None,
) -> int:
    """Apply every pending migration."""
    del force  # nothing to confirm: applying pending migrations is what migrate is for
    return migrate_command(
        common,
        dry_run=dry_run,
        verbose=verbose,
        allow_out_of_order=allow_out_of_order,
        lint=lint,
    )


@app.command
def rollback(
    *,
    target: Annotated[int, Parameter(help="roll back this many migrations, newest first")] = 1,
    max_rollback: Annotated[int, Parameter(help="safety limit per command")] = 10,
    force: Annotated[
        bool, Parameter(help="required in production (or confirm at the prompt)")
    ] = False,
    dry_run: Annotated[bool, Parameter(help="show what would be rolled back")] = False,
    verbose: Annotated[bool, Parameter(help="with --dry-run, print the down SQL")] = False,
    common: Common | None = None,
) -> int:
    """Roll back the last migration (or the last --target N)."""
    from ..config import Environment
    from ..migrator import run_rollback

    async def work(s: Settings, out: Output) -> Any:
        confirmed = False
        if s.environment is Environment.PRODUCTION and not force and not dry_run:
            confirmed = out.confirm(
                f"Roll back {target} migration(s) in PRODUCTION ({s.masked_url})?", force=False
            )
            if not confirmed and sys.stdin.isatty():
                raise out.refuse_unconfirmed("rollback")
        with out.progress() as progress:
            report = await run_rollback(
                s,
                target=target,
                max_rollback=max_rollback,
                force=force,
                dry_run=dry_run,
                verbose=verbose,
                confirmed=confirmed,
                progress=progress,
            )
        if not dry_run:
            await dump_after(s, out, bool(report.rolled_back))
        return report

    return call(common, work, verbose=verbose)


@app.command
def status(
    *,
    exit_code: Annotated[
        bool,
        Parameter(help="exit 1 when a migration or seed is pending, dirty, drifted or missing"),
    ] = False,
    common: Common | None = None,
) -> int:
    """Show migrations and seeds with their state, and the command that fixes each problem."""
    return status_command(common, exit_code=exit_code)


@app.command
def create(
    name: Annotated[str, Parameter(help="lowercase letters, digits, '_' or '-'")],
    /,
    *,
    tx: Annotated[bool, Parameter(help="run the migration in one transaction (.tx.)")] = False,
    common: Common | None = None,
) -> int:
    """Create the next numbered migration (up and down files); never overwrites."""
    from ..scaffold import create_migration

    out = output_for(common)
    created = create_migration(settings_for(common, only=PATHS).migrations_dir, name, tx=tx)
    if out.json:
        out.emit(created)
    else:
        out.line(f"created {created.up}")
        out.line(f"created {created.down}")
    return 0


@app.command
def repair(
    *,
    version: Annotated[int | None, Parameter(help="the dirty version to resolve")] = None,
    applied: Annotated[
        bool, Parameter(help="with --version: its statements were completed by hand")
    ] = False,
    rolled_back: Annotated[
        bool, Parameter(help="with --version: it was undone by hand; forget it")
    ] = False,
    forget_missing: Annotated[
        bool, Parameter(help="forget applied versions whose files are gone")
    ] = False,
    baseline: Annotated[
        int | None,
        Parameter(help="record migrations up to this version as applied, without running them"),
    ] = None,
    common: Common | None = None,
) -> int:
    """Realign changed checksums, forget missing files, resolve a dirty migration, or
    baseline a database whose schema already exists."""
    from ..migrator import run_repair

    if applied and rolled_back:
        raise ConfigurationError("pass either --applied or --rolled-back, not both")
    mark: Literal["applied", "rolled-back"] | None = (
        "applied" if applied else "rolled-back" if rolled_back else None
    )

    async def work(s: Settings, out: Output) -> Any:
        return await run_repair(
            s, version=version, mark=mark, forget_missing=forget_missing, baseline=baseline
        )

    return call(common, work)


@app.command
def adopt(
    *,
    from_: Annotated[
        Literal["auto", "bun", "golang-migrate", "dbmate", "goose"],
        Parameter(name="--from", help="the tool whose history to take over"),
    ] = "auto",
    forget_missing: Annotated[
        bool, Parameter(help="leave out recorded versions that have no migration file")
    ] = False,
    force: Annotated[
        bool,
        Parameter(
            help="despite a held Bun lock, or to record versions the other tool applied "
            "after an earlier adopt"
        ),
    ] = False,
    dry_run: Annotated[bool, Parameter(help="print the mapping; write nothing")] = False,
    common: Common | None = None,
) -> int:
    """Take over a database another tool manages (Bun/the Go tool, golang-migrate,
    dbmate, goose): record what it applied, keep the Go seed history."""
    from .adopt import adopt_command

    return adopt_command(
        common, tool=from_, forget_missing=forget_missing, force=force, dry_run=dry_run
    )


# -- seeds ---------------------------------------------------------------------


@app.command
def seed(
    *,
    force: Annotated[bool, Parameter(help="re-run seeds already applied")] = False,
    dry_run: Annotated[bool, Parameter(help="show what would run")] = False,
    verbose: Annotated[bool, Parameter(help="one line per seed")] = False,
    parallel: Annotated[int, Parameter(help="run up to N independent seeds at once")] = 1,
    common: Common | None = None,
) -> int:
    """Apply the seeds of the current environment."""
    from ..seeding.runner import run_seeds

    async def work(s: Settings, out: Output) -> Any:
        with out.progress() as progress:
            return await run_seeds(
                s,
                force=force,
                dry_run=dry_run,
                verbose=verbose,
                parallel=parallel,
                progress=progress,
            )

    return call(common, work, verbose=verbose)


@app.command(name="create-seed")
def create_seed(
    name: Annotated[str, Parameter(help="lowercase letters, digits, '_' or '-'")],
    /,
    *,
    dev: Annotated[bool, Parameter(help="a development seed (development and test)")] = False,
    test: Annotated[bool, Parameter(help="a test-only seed")] = False,
    common: Common | None = None,
) -> int:
    """Create the next numbered seed file from the template and update the registry."""
    from ..seeding.registry import sync_registry
    from ..seeding.scaffold import create_seed_file

    if dev and test:
        raise ConfigurationError("pass either --dev or --test, not both")
    out = output_for(common)
    seeds_dir = settings_for(common, only=PATHS).seeds_dir
    path = create_seed_file(seeds_dir, name, "development" if dev else "test" if test else "base")
    sync = sync_registry(seeds_dir)
    if out.json:
        out.emit({"created": str(path), "registry": sync})
    else:
        out.line(f"created {path}")
        plural = "" if sync.seeds == 1 else "s"
        out.line(f"registry updated: {sync.path} ({sync.seeds} seed{plural})")
    return 0


@app.command(name="seed-sync")
def seed_sync(*, common: Common | None = None) -> int:
    """Regenerate seeds/registry.json from the seed files.

    The registry is written even when the seeds' dependencies cannot be
    satisfied (a cycle, an unknown name); those are listed and the exit code is 4.
    """
    from ..seeding.registry import sync_registry

    out = output_for(common)
    sync = sync_registry(settings_for(common, only=PATHS).seeds_dir)
    if out.json:
        out.emit(sync)
    else:
        d = sync.diff
        state = "updated" if sync.changed else "unchanged"
        out.line(
            f"{sync.path}: {state} ({sync.seeds} seeds; +{len(d.added)} -{len(d.removed)} "
            f"~{len(d.changed)})"
        )
    for problem in sync.problems:
        out.note(f"seed dependency problem: {problem}")
    return 4 if sync.problems else 0


@app.command(name="seed-check")
def seed_check(*, common: Common | None = None) -> int:
    """List orphans (history rows whose seed is gone, registry entries whose file is
    gone) and seed dependency problems (cycles, unknown names).

    Exits 4 when it finds any, so CI can use it as a check.
    """
    from ..seeding.inventory import run_seed_check

    found: list[bool] = []

    async def work(s: Settings, out: Output) -> Any:
        report = await run_seed_check(s)
        found.append(bool(report.seeds or report.problems))
        return report

    call(common, work)
    return 4 if found and found[0] else 0


@app.command(name="seed-clean")
def seed_clean(
    *,
    force: Annotated[bool, Parameter(help="skip the confirmation")] = False,
    common: Common | None = None,
) -> int:
    """Mark orphaned seed history rows Orphaned and regenerate the registry."""
    from ..seeding.inventory import run_seed_clean

    async def work(s: Settings, out: Output) -> Any:
        confirmed = out.confirm("Mark orphaned seed history rows as Orphaned?", force=force)
        if not confirmed and sys.stdin.isatty():
            raise out.refuse_unconfirmed("seed-clean")
        return await run_seed_clean(s, force=force, confirmed=confirmed)

    return call(common, work)


@app.command(name="seed-rollback")
def seed_rollback(
    name: Annotated[str, Parameter(help="the seed's name, e.g. TestUsers")],
    /,
    *,
    force: Annotated[bool, Parameter(help="required in production and staging")] = False,
    common: Common | None = None,
) -> int:
    """Run a seed's rollback() and mark it Inactive."""
    from ..seeding.runner import run_seed_rollback

    async def work(s: Settings, out: Output) -> Any:
        confirmed = False
        if s.environment.is_protected and not force:
            confirmed = out.confirm(f"Roll back seed {name} in {s.environment.value}?", force=False)
        return await run_seed_rollback(s, name, force=force, confirmed=confirmed)

    return call(common, work)


@app.command(name="seed-watch")
def seed_watch(
    *,
    debounce: Annotated[int, Parameter(help="milliseconds to wait for more changes")] = 300,
    common: Common | None = None,
) -> int:
    """Regenerate the registry whenever a seed file is added, changed or removed."""
    from .watch import watch_seeds

    if debounce < 0:
        raise ConfigurationError(f"--debounce must not be negative (got {debounce})")
    if common is not None and common.json:
        raise ConfigurationError("seed-watch has no JSON output: it prints one line per change")
    out = output_for(common)
    return watch_seeds(settings_for(common, only=PATHS).seeds_dir, out, debounce_ms=debounce)


# -- maintenance ---------------------------------------------------------------


@app.command
def setup(
    *,
    verbose: Annotated[bool, Parameter(help="one line per migration and seed")] = False,
    parallel: Annotated[int, Parameter(help="run up to N independent seeds at once")] = 1,
    common: Common | None = None,
) -> int:
    """Migrate, then seed: everything a fresh database needs."""
    from ..maintenance import run_setup

    async def work(s: Settings, out: Output) -> Any:
        with out.progress() as progress:
            return await run_setup(s, verbose=verbose, parallel=parallel, progress=progress)

    return call(common, work, verbose=verbose)


@app.command
def reset(
    *,
    force: Annotated[
        bool, Parameter(help="skip the confirmation (never allowed in production/staging)")
    ] = False,
    seed: Annotated[bool, Parameter(help="apply seeds after migrating")] = False,
    common: Common | None = None,
) -> int:
    """Drop and recreate the schema, migrate again (development and test only)."""
    from ..maintenance import run_reset

    async def work(s: Settings, out: Output) -> Any:
        confirmed = False
        if not s.environment.is_protected and not force:
            confirmed = out.confirm(
                f"Drop every schema and all data in {s.masked_url} ({s.environment.value})?",
                force=False,
            )
            if not confirmed and sys.stdin.isatty():
                raise out.refuse_unconfirmed("reset")
        with out.progress() as progress:
            return await run_reset(
                s, seed=seed, force=force, confirmed=confirmed, progress=progress
            )

    return call(common, work)


# -- embedded server -----------------------------------------------------------


def _embedded(action: str, common: Common | None) -> int:
    from .. import embedded

    out = output_for(common)
    root = settings_for(common, only=PATHS).project_root
    fn = {"start": embedded.start, "stop": embedded.stop, "status": embedded.status}[action]
    result = fn(root)
    if out.json:
        out.emit(result)
    elif result.running:
        out.line(
            f"embedded PostgreSQL {result.server_version or ''} running: pid {result.pid}, "
            f"{result.dsn}, data {result.pgdata}, log {result.log_file}"
        )
    else:
        out.line(f"embedded PostgreSQL stopped (data {result.pgdata})")
    return 0


@embedded_app.command(name="start")
def embedded_start(*, common: Common | None = None) -> int:
    """Start (or reuse) the embedded server on .trenova/pgdata."""
    return _embedded("start", common)


@embedded_app.command(name="stop")
def embedded_stop(*, common: Common | None = None) -> int:
    """Stop the embedded server (fast shutdown)."""
    return _embedded("stop", common)


@embedded_app.command(name="status")
def embedded_status(*, common: Common | None = None) -> int:
    """Is the embedded server running, where, on which port."""
    return _embedded("status", common)


# -- tools ---------------------------------------------------------------------


@app.command
def dump(
    file: Annotated[
        Path | None, Parameter(help="where to write (default: schema.sql in the migrations folder)")
    ] = None,
    /,
    *,
    common: Common | None = None,
) -> int:
    """Write the schema as pg_dump --schema-only sees it, stable between runs."""
    from ..schema_dump import run_dump

    async def work(s: Settings, out: Output) -> Any:
        return await run_dump(s, path=file)

    return call(common, work)


@app.command
def lint(
    files: Annotated[
        list[Path] | None, Parameter(help="migration files (default: the pending migrations)")
    ] = None,
    /,
    *,
    common: Common | None = None,
) -> int:
    """Find dangerous migrations: trenova-db's own rules, then squawk's.

    Exits 4 when any finding is an error; rules are set in [tool.trenova-db.lint].
    """
    from ..linter import lint_files, load_lint_config, run_lint

    out = output_for(common)
    if files:
        settings = settings_for(common, only=PATHS)
        report = lint_files(files, load_lint_config(settings.project_root), root=Path.cwd())
        out.emit(report)
        return 4 if report.errors else 0
    errors: list[int] = []

    async def work(s: Settings, out: Output) -> Any:
        report = await run_lint(s)
        errors.append(report.errors)
        return report

    call(common, work)
    return 4 if errors and errors[0] else 0


@app.command
def wait(*, common: Common | None = None) -> int:
    """Wait until the database accepts connections (bounded by --connect-timeout).

    Exits 0 once it does, 1 if it did not in time or refused the login.
    """
    from ..probe import run_wait

    async def work(s: Settings, out: Output) -> Any:
        return await run_wait(s)

    return call(common, work)


@app.command
def completion(
    shell: Annotated[Literal["bash", "zsh", "fish"], Parameter(help="the shell to complete for")],
    /,
) -> int:
    """Print the shell completion script (see the README for where to put it)."""
    sys.stdout.write(app.generate_completion(prog_name="trenova-db", shell=shell))
    return 0
