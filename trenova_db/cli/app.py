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
    fleet_command,
    migrate_command,
    options,
    output_for,
    settings_for,
    status_command,
)
from .fleet_options import FleetOptions
from .output import Output


@Parameter(name="*")
@dataclass
class Common(CommonOptions):
    """Options every command takes (flag > environment > pyproject > default).

    Every command takes ``common: Common | None = None``: that is how the spec's
    persistent flags (--verbose, --dry-run, --force, -i/--interactive) reach it.
    A command reads them from ``options(common)`` and never declares its own
    (cyclopts would see the name twice); tests/cli/test_cli.py checks every command
    of this app for them.
    """

    interactive: Annotated[bool, Parameter(name=["--interactive", "-i"])] = False


def _ask_once(out: Output, c: CommonOptions, question: str) -> None:
    """-i on a command that makes one change: one question before it."""
    from ..errors import Refused

    if c.interactive and not out.ask(question):
        raise Refused(
            f"stopped at the prompt: answered no to {question!r}",
            hint="nothing was changed",
        )


@Parameter(name="*", group="Fleet")
@dataclass
class Fleet(FleetOptions):
    """Many databases at once: migrate, rollback, seed, setup and status take these."""


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
    allow_out_of_order: Annotated[
        bool, Parameter(help="apply pending versions lower than the newest applied")
    ] = False,
    lint: Annotated[
        bool, Parameter(help="run `trenova-db lint` on the pending files first; stop on errors")
    ] = False,
    common: Common | None = None,
    fleet: Fleet | None = None,
) -> int:
    """Apply every pending migration.

    --dry-run shows the plan (write nothing, take no lock; with --verbose, the
    SQL); --verbose lists each migration; -i asks before each one; --force is
    accepted for the original tool's CI scripts (migrate never asks anyway).
    """
    return migrate_command(common, allow_out_of_order=allow_out_of_order, lint=lint, fleet=fleet)


@app.command
def rollback(
    *,
    target: Annotated[int, Parameter(help="roll back this many migrations, newest first")] = 1,
    max_rollback: Annotated[int, Parameter(help="safety limit per command")] = 10,
    common: Common | None = None,
    fleet: Fleet | None = None,
) -> int:
    """Roll back the last migration (or the last --target N).

    --force is required in production (or confirm at the prompt); --dry-run
    shows what would be rolled back (with --verbose, the down SQL); -i asks
    before each migration.
    """
    from ..config import Environment
    from ..migrator import run_rollback

    c = options(common)
    force, dry_run = c.force, c.dry_run
    code = fleet_command(
        common,
        fleet,
        "rollback",
        target=target,
        max_rollback=max_rollback,
        force=force,
        dry_run=dry_run,
        verbose=c.verbose,
    )
    if code is not None:
        return code

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
                verbose=c.verbose,
                confirmed=confirmed,
                progress=progress,
                ask=out.ask_async if c.interactive else None,
            )
        if not dry_run:
            await dump_after(s, out, bool(report.rolled_back))
        return report

    return call(common, work)


@app.command
def status(
    *,
    exit_code: Annotated[
        bool,
        Parameter(help="exit 1 when a migration or seed is pending, dirty, drifted or missing"),
    ] = False,
    common: Common | None = None,
    fleet: Fleet | None = None,
) -> int:
    """Show migrations and seeds with their state, and the command that fixes each problem.

    Read-only: --dry-run changes nothing.
    """
    return status_command(common, exit_code=exit_code, fleet=fleet)


@app.command
def create(
    name: Annotated[str, Parameter(help="lowercase letters, digits, '_' or '-'")],
    /,
    *,
    tx: Annotated[bool, Parameter(help="run the migration in one transaction (.tx.)")] = False,
    common: Common | None = None,
) -> int:
    """Create the next numbered migration (up and down files); never overwrites.

    --dry-run prints the files it would create; -i asks first.
    """
    from ..scaffold import create_migration

    c = options(common)
    out = output_for(common)
    directory = settings_for(common, only=PATHS).migrations_dir
    created = create_migration(directory, name, tx=tx, dry_run=True)
    if not c.dry_run:
        _ask_once(out, c, f"Create {created.up} and {created.down}?")
        created = create_migration(directory, name, tx=tx)
    verb = "would create" if c.dry_run else "created"
    if out.json:
        out.emit(created)
    else:
        out.line(f"{verb} {created.up}")
        out.line(f"{verb} {created.down}")
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
    baseline a database whose schema already exists.

    --dry-run lists what it would do (the repair, rolled back); -i asks first.
    """
    from ..migrator import run_repair

    c = options(common)

    if applied and rolled_back:
        raise ConfigurationError("pass either --applied or --rolled-back, not both")
    mark: Literal["applied", "rolled-back"] | None = (
        "applied" if applied else "rolled-back" if rolled_back else None
    )

    async def work(s: Settings, out: Output) -> Any:
        if not c.dry_run:
            _ask_once(out, c, f"Repair the migration history of {s.masked_url}?")
        return await run_repair(
            s,
            version=version,
            mark=mark,
            forget_missing=forget_missing,
            baseline=baseline,
            dry_run=c.dry_run,
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
    common: Common | None = None,
) -> int:
    """Take over a database another tool manages (Bun/the Go tool, golang-migrate,
    dbmate, goose): record what it applied, keep the Go seed history.

    --force goes on despite a held Bun lock, or records versions the other tool
    applied after an earlier adopt; --dry-run prints the mapping and writes
    nothing; -i asks first.
    """
    from .adopt import adopt_command

    c = options(common)
    if c.interactive and not c.dry_run:
        _ask_once(output_for(common), c, "Take over this database's migration history?")
    return adopt_command(
        common, tool=from_, forget_missing=forget_missing, force=c.force, dry_run=c.dry_run
    )


# -- seeds ---------------------------------------------------------------------


@app.command
def seed(
    *,
    parallel: Annotated[int, Parameter(help="run up to N independent seeds at once")] = 1,
    common: Common | None = None,
    fleet: Fleet | None = None,
) -> int:
    """Apply the seeds of the current environment.

    --force re-runs seeds already applied; --dry-run shows what would run;
    --verbose prints one line per seed; -i asks before each seed (one at a time).
    """
    from ..seeding.runner import run_seeds

    c = options(common)
    code = fleet_command(
        common,
        fleet,
        "seed",
        force=c.force,
        dry_run=c.dry_run,
        verbose=c.verbose,
        parallel=parallel,
    )
    if code is not None:
        return code

    async def work(s: Settings, out: Output) -> Any:
        with out.progress() as progress:
            return await run_seeds(
                s,
                force=c.force,
                dry_run=c.dry_run,
                verbose=c.verbose,
                parallel=parallel,
                progress=progress,
                ask=out.ask_async if c.interactive else None,
            )

    return call(common, work)


@app.command(name="create-seed")
def create_seed(
    name: Annotated[str, Parameter(help="lowercase letters, digits, '_' or '-'")],
    /,
    *,
    dev: Annotated[bool, Parameter(help="a development seed (development and test)")] = False,
    test: Annotated[bool, Parameter(help="a test-only seed")] = False,
    common: Common | None = None,
) -> int:
    """Create the next numbered seed file from the template and update the registry.

    --dry-run prints the file it would create; -i asks first.
    """
    from ..seeding.registry import sync_registry
    from ..seeding.scaffold import create_seed_file

    if dev and test:
        raise ConfigurationError("pass either --dev or --test, not both")
    c = options(common)
    out = output_for(common)
    seeds_dir = settings_for(common, only=PATHS).seeds_dir
    folder = "development" if dev else "test" if test else "base"
    path = create_seed_file(seeds_dir, name, folder, dry_run=True)
    if c.dry_run:
        if out.json:
            out.emit({"dry_run": True, "would_create": str(path)})
        else:
            out.line(f"would create {path} and update {seeds_dir / 'registry.json'}")
        return 0
    _ask_once(out, c, f"Create {path} and update the registry?")
    path = create_seed_file(seeds_dir, name, folder)
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
    --dry-run says whether it would change, writing nothing; -i asks before writing.
    """
    from ..seeding.registry import sync_registry

    c = options(common)
    out = output_for(common)
    seeds_dir = settings_for(common, only=PATHS).seeds_dir
    sync = sync_registry(seeds_dir, dry_run=True)
    if not c.dry_run and sync.changed:
        _ask_once(out, c, f"Write {sync.path}?")
        sync = sync_registry(seeds_dir)
    if out.json:
        out.emit(sync)
    else:
        d = sync.diff
        state = "updated" if sync.changed else "unchanged"
        if c.dry_run:
            state = "would be updated (dry run)" if sync.changed else "unchanged"
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

    Exits 4 when it finds any, so CI can use it as a check. Read-only.
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
def seed_clean(*, common: Common | None = None) -> int:
    """Mark orphaned seed history rows Orphaned and regenerate the registry.

    --force skips the confirmation (-i asks anyway); --dry-run lists the rows it
    would mark and whether the registry would be rewritten.
    """
    from ..seeding.inventory import run_seed_clean

    c = options(common)

    async def work(s: Settings, out: Output) -> Any:
        if c.dry_run:
            return await run_seed_clean(s, dry_run=True)
        force = c.force and not c.interactive
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
    common: Common | None = None,
) -> int:
    """Run a seed's rollback() and mark it Inactive.

    --force is required in production and staging (or confirm at the prompt);
    --dry-run checks that it could and says so; -i asks first.
    """
    from ..seeding.runner import run_seed_rollback

    c = options(common)

    async def work(s: Settings, out: Output) -> Any:
        if c.dry_run:
            return await run_seed_rollback(s, name, dry_run=True)
        confirmed = False
        if c.interactive or (s.environment.is_protected and not c.force):
            confirmed = out.confirm(f"Roll back seed {name} in {s.environment.value}?", force=False)
            if c.interactive and not confirmed:
                raise out.refuse_unconfirmed("seed-rollback")
        return await run_seed_rollback(s, name, force=c.force, confirmed=confirmed)

    return call(common, work)


@app.command(name="seed-watch")
def seed_watch(
    *,
    debounce: Annotated[int, Parameter(help="milliseconds to wait for more changes")] = 300,
    common: Common | None = None,
) -> int:
    """Regenerate the registry whenever a seed file is added, changed or removed.

    --dry-run says what would change and writes nothing; -i asks before each write;
    --json prints one JSON document per sync, one a line. Ctrl-C stops it (exit 130).
    """
    from .watch import watch_seeds

    if debounce < 0:
        raise ConfigurationError(f"--debounce must not be negative (got {debounce})")
    c = options(common)
    out = output_for(common)
    return watch_seeds(
        settings_for(common, only=PATHS).seeds_dir,
        out,
        debounce_ms=debounce,
        dry_run=c.dry_run,
        ask=out.ask if c.interactive else None,
    )


# -- maintenance ---------------------------------------------------------------


@app.command
def setup(
    *,
    parallel: Annotated[int, Parameter(help="run up to N independent seeds at once")] = 1,
    common: Common | None = None,
    fleet: Fleet | None = None,
) -> int:
    """Migrate, then seed: everything a fresh database needs.

    --verbose prints one line per migration and seed; --dry-run lists the
    migrations and seeds it would apply, writing nothing; -i asks before each.
    """
    from ..maintenance import run_setup

    c = options(common)
    code = fleet_command(
        common, fleet, "setup", verbose=c.verbose, parallel=parallel, dry_run=c.dry_run
    )
    if code is not None:
        return code

    async def work(s: Settings, out: Output) -> Any:
        with out.progress() as progress:
            return await run_setup(
                s,
                verbose=c.verbose,
                parallel=parallel,
                progress=progress,
                dry_run=c.dry_run,
                ask=out.ask_async if c.interactive else None,
            )

    return call(common, work)


@app.command
def reset(
    *,
    seed: Annotated[bool, Parameter(help="apply seeds after migrating")] = False,
    common: Common | None = None,
) -> int:
    """Drop and recreate the schema, migrate again (development and test only).

    --force skips the confirmation (never allowed in production/staging; -i
    asks anyway, then before each migration and seed); --dry-run lists the
    schemas it would drop and what it would apply again, changing nothing.
    """
    from ..maintenance import run_reset

    c = options(common)
    force = c.force and not c.interactive

    async def work(s: Settings, out: Output) -> Any:
        if c.dry_run:
            return await run_reset(s, seed=seed, dry_run=True, verbose=c.verbose)
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
                s,
                seed=seed,
                force=force,
                confirmed=confirmed,
                progress=progress,
                ask=out.ask_async if c.interactive else None,
            )

    return call(common, work)


# -- embedded server -----------------------------------------------------------


def _embedded(action: str, common: Common | None) -> int:
    from .. import embedded

    c = options(common)
    out = output_for(common)
    root = settings_for(common, only=PATHS).project_root
    current = embedded.status(root)
    changes = action != "status" and current.running != (action == "start")
    if changes and c.dry_run:
        if out.json:
            out.emit({"dry_run": True, "would": action, "status": current})
        else:
            out.line(f"would {action} the embedded PostgreSQL (data {current.pgdata})")
        return 0
    if changes:
        _ask_once(out, c, f"{action.capitalize()} the embedded PostgreSQL?")
    if action == "start":  # the trenova database too, so the URL shown works
        result = embedded.ensure_running(root)
    elif action == "stop":
        result = embedded.stop(root) if changes else current
    else:
        result = current
    if out.json:
        out.emit(result)
    elif result.running:
        out.line(
            f"embedded PostgreSQL {result.server_version or ''} running: pid {result.pid}, "
            f"{result.dsn}, data {result.pgdata}, log {result.log_file}"
        )
    else:
        out.line(f"embedded PostgreSQL stopped (data {result.pgdata})")
    if result.relocated_to and not out.json:
        out.note(
            f"the cluster is kept in {result.relocated_to}: the server's user cannot reach "
            f"the project (recorded in {root / '.trenova' / 'cluster'}; `make clean` or "
            "`trenova-db embedded remove` deletes it)"
        )
    return 0


@embedded_app.command(name="start")
def embedded_start(*, common: Common | None = None) -> int:
    """Start (or reuse) the embedded server on .trenova/pgdata and create the trenova
    database (--dry-run: say so only)."""
    return _embedded("start", common)


@embedded_app.command(name="stop")
def embedded_stop(*, common: Common | None = None) -> int:
    """Stop the embedded server (fast shutdown; --dry-run: say so only)."""
    return _embedded("stop", common)


@embedded_app.command(name="status")
def embedded_status(*, common: Common | None = None) -> int:
    """Is the embedded server running, where, on which port; the trenova database's URL."""
    return _embedded("status", common)


@embedded_app.command(name="remove")
def embedded_remove(*, common: Common | None = None) -> int:
    """Stop the server and delete its data: .trenova and, as root, the relocated cluster
    (what `make clean` runs).

    Asks on a terminal; without one, --force is required. --dry-run lists what it
    would delete.
    """
    from .. import embedded

    c = options(common)
    out = output_for(common)
    root = settings_for(common, only=PATHS).project_root
    doomed = embedded.remove(root, dry_run=True)
    if not c.dry_run and doomed.removed:
        question = f"Delete the embedded server's data ({', '.join(doomed.removed)})?"
        if not out.confirm(question, force=c.force and not c.interactive):
            raise out.refuse_unconfirmed("embedded remove")
    result = doomed if c.dry_run else embedded.remove(root)
    if out.json:
        out.emit(result)
    else:
        verb = "would remove" if result.dry_run else "removed"
        out.line(f"{verb} {', '.join(result.removed)}" if result.removed else "nothing to remove")
    return 0


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
    """Write the schema as pg_dump --schema-only sees it, stable between runs.

    --dry-run names the file it would write and writes nothing; -i asks first.
    """
    from ..schema_dump import default_dump_path, run_dump

    c = options(common)

    async def work(s: Settings, out: Output) -> Any:
        target = file or default_dump_path(s)
        if c.dry_run:
            return {"operation": "dump", "dry_run": True, "would_write": str(target)}
        _ask_once(out, c, f"Write the schema to {target}?")
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
    *,
    common: Common | None = None,
) -> int:
    """Print the shell completion script (see the README for where to put it). Read-only."""
    output_for(common)  # the persistent flags' checks (-i needs a terminal)
    sys.stdout.write(app.generate_completion(prog_name="trenova-db", shell=shell))
    return 0
