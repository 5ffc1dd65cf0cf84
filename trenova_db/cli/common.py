"""What every command shares, free of cyclopts and rich.

``migrate`` with plain options is what services and CI run most; main.py sends
it here directly, without loading the argument parser, so a no-op run costs
little more than the Python start-up, asyncpg and one round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
from collections.abc import Awaitable, Callable, Collection, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _loaded as loaded
from ..config import Settings, configure, dsn_password, mask_dsn
from ..errors import ConfigurationError
from .output import Output

if TYPE_CHECKING:
    from ..fleet import Operation
    from .fleet_options import FleetOptions

__all__ = [
    "INTERACTIVE_NEEDS_A_TERMINAL",
    "PERSISTENT_FLAGS",
    "CommonOptions",
    "call",
    "fleet_command",
    "migrate_command",
    "parse_fast",
    "run_async",
    "settings_for",
    "status_command",
]


T = TypeVar("T")


# No generated __repr__/__eq__: dataclasses compiles each from source at
# import, a few ms of every command's start-up, and nothing compares or
# prints these options.
@dataclass(repr=False, eq=False)
class CommonOptions:
    """Options every database command takes (flag > environment > pyproject > default).

    Attributes
    ----------
    database_url
        PostgreSQL URL [env: TRENOVA_DATABASE_URL, else DATABASE_URL]; default: the
        embedded server of the project.
    env
        production|prod, staging|stage, development|dev, test|testing [env: TRENOVA_ENV,
        else TRENOVA_APP_ENV, else APP_ENV]; default: development.
    migrations_dir
        Migrations folder (default sql).
    seeds_dir
        Seeds folder (default seeds).
    schema
        Schema of trenova-db's bookkeeping tables (default public).
    lock_timeout
        Wait this long for the migration lock, e.g. 60s (also PostgreSQL lock_timeout).
    statement_timeout
        PostgreSQL statement_timeout for migration sessions, e.g. 5m.
    connect_timeout
        Keep retrying the connection this long, e.g. 10s.
    pooler
        auto|none|session|transaction: the PgBouncer pool mode in front of the server
        (default auto: detected) [env: TRENOVA_DB_POOLER].
    json
        Print one JSON document on stdout and nothing else.
    verbose
        Show more detail: one line per migration and seed; with --dry-run, the SQL.
    dry_run
        Report what would be done and change nothing (a read-only command: no effect).
    force
        Where the command has a use for it (see its help): skip the confirmation or
        re-apply; elsewhere accepted, with no effect.
    interactive
        Ask before each change (each migration, seed, destructive step); needs a
        terminal, refuses without one.
    """

    database_url: str | None = None
    env: str | None = None
    migrations_dir: Path | None = None
    seeds_dir: Path | None = None
    schema: str | None = None
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    connect_timeout: str | None = None
    pooler: str | None = None
    json: bool = False
    # The spec's persistent flags: every subcommand takes them (as the original's
    # cobra persistent flags), and a command reads them from here, never declares
    # its own -- so a new command gets them by taking the options.
    verbose: bool = False
    dry_run: bool = False
    force: bool = False
    interactive: bool = False


PERSISTENT_FLAGS = ("verbose", "dry_run", "force", "interactive")
FLAGS = frozenset({"json", *PERSISTENT_FLAGS})  # take no value
OPTION_NAMES = {"--" + f.name.replace("_", "-"): f.name for f in fields(CommonOptions)}
OPTION_NAMES["-i"] = "interactive"

INTERACTIVE_NEEDS_A_TERMINAL = (
    "-i/--interactive asks before each change, but standard input is not a terminal: "
    "drop -i, or run the command on a terminal"
)


def options(common: CommonOptions | None) -> CommonOptions:
    """The command's options, defaults when none were given."""
    return common or CommonOptions()


def settings_for(common: CommonOptions | None, *, only: Collection[str] | None = None) -> Settings:
    """Settings for a command through the library's own entry point (configure);
    ``only``: the settings it uses (see resolve_settings)."""
    c = common or CommonOptions()
    return configure(
        c.database_url,
        only=only,
        environment=c.env,
        migrations_dir=c.migrations_dir,
        seeds_dir=c.seeds_dir,
        schema=c.schema,
        lock_timeout=c.lock_timeout,
        statement_timeout=c.statement_timeout,
        connect_timeout=c.connect_timeout,
        pooler=c.pooler,
    )


def output_for(common: CommonOptions | None) -> Output:
    """The command's output; every command starts here, so -i is checked here.

    -i without a terminal is refused before anything is read or written: a
    run that cannot ask must not go ahead as if it had been answered.
    """
    from ..errors import Refused

    # Every command starts here, after importing what it runs on (its
    # module's imports, the lazy ones before this call): the work begins.
    loaded()
    c = options(common)
    if c.interactive and not sys.stdin.isatty():
        raise Refused(INTERACTIVE_NEEDS_A_TERMINAL)
    return Output(
        json=c.json,
        verbose=c.verbose,
        interactive=c.interactive,
        secret=dsn_password(c.database_url),
    )


def with_database(settings: Settings, out: Output, *, dry_run: bool = False) -> Settings:
    """The configured URL, or the embedded server (started or reused) if none.

    A dry run starts the embedded server too: it must read the database to
    say what it would do, and a server process is not a change to the data.
    """
    import msgspec

    if settings.database_url:
        out.secret = out.secret or dsn_password(settings.database_url)
        return settings
    from ..config import is_project

    if not is_project(settings):
        from ..errors import ConfigurationError

        raise ConfigurationError(
            f"no database URL given, and {Path.cwd()} is not a trenova-db project (no "
            f"[tool.trenova-db] in a pyproject.toml, no {settings.migrations_dir.name}/ folder), "
            "so the embedded server is not started here",
            hint="set DATABASE_URL (or pass --database-url), or run the command in your "
            "project's directory to use its embedded server",
        )
    from .. import embedded

    status = embedded.ensure_running(settings.project_root)
    assert status.dsn is not None
    out.note(
        f"using the embedded PostgreSQL server ({'started' if status.started else 'running'}, "
        f"{mask_dsn(status.dsn)}, data in {status.pgdata}); set DATABASE_URL to use another"
    )
    return msgspec.structs.replace(settings, database_url=status.dsn)


def call(
    common: CommonOptions | None,
    work: Callable[[Settings, Output], Awaitable[Any]],
) -> int:
    """Resolve settings, find the database, run ``work``, render its report."""
    out = output_for(common)
    settings = with_database(settings_for(common), out, dry_run=options(common).dry_run)
    # In JSON mode stdout carries one document: whatever a seed writes there
    # (print, os.write(1, ...), a child process) goes to stderr instead.
    redirect = _stdout_to_stderr() if out.json else contextlib.nullcontext()
    with redirect:
        report = run_async(lambda: work(settings, out))
    out.emit(report)
    return 0


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """``asyncio.run(work())``, with the result handed out beside the task, not as it.

    Leaving, asyncio.run puts back the SIGINT handler it replaced, and
    signal.signal() returns the one it removes (a partial holding the main
    task) through an enum conversion that fails and formats repr(task): with
    the report as the task's result, the repr of every item in it. On
    ``status`` over 1000 migrations that was a tenth of the command.
    """
    result: list[T] = []

    async def main() -> None:
        result.append(await work())

    asyncio.run(main())
    return result[0]


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Point both sys.stdout and file descriptor 1 at stderr for the block."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no descriptor 1 to move: Python-level writes are all we can catch
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        # Whatever is still buffered for descriptor 1 (sys.__stdout__, a
        # handler holding the original stdout) belongs to stderr too.
        for stream in (sys.stdout, sys.__stdout__, sys.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        os.dup2(saved, 1)
        os.close(saved)


async def lint_first(s: Settings, out: Output) -> None:
    """``--lint``: refuse to migrate (exit 4) when the pending files have errors."""
    from ..errors import ValidationError
    from ..linter import run_lint

    report = await run_lint(s)
    if report.errors:
        problems = [
            f"{f.file}:{f.line}:{f.column}: {f.rule}: {f.message}"
            for f in report.findings
            if f.severity == "error"
        ]
        raise ValidationError(
            f"lint found {report.errors} error(s) in the pending migrations; nothing was run",
            problems=problems,
            hint="fix them, or configure the rules under [tool.trenova-db.lint]",
        )
    for f in report.findings:
        out.note(f"lint warning: {f.file}:{f.line}:{f.column}: {f.rule}: {f.message}")


async def dump_after(s: Settings, out: Output, changed: bool) -> None:
    """``dump-schema = true``: rewrite the schema file after a change, in development."""
    from ..config import Environment

    if not (s.dump_schema and changed and s.environment is Environment.DEVELOPMENT):
        return
    from ..schema_dump import run_dump

    dumped = await run_dump(s)
    out.note(f"schema written to {dumped.path} ({dumped.bytes} bytes)")


def fleet_command(
    common: CommonOptions | None,
    fleet: FleetOptions | None,
    operation: Operation,
    **settings: Any,
) -> int | None:
    """The command over a fleet (--databases, --targets, pyproject targets), or None
    when it runs on one database."""
    from ..config import find_project_root, read_pyproject
    from .fleet_options import asks_for_a_fleet

    # Decided before anything of the fleet is loaded: a single-database run
    # (a service's no-op migrate) pays for neither the engine nor a second
    # resolution of its settings.
    if not asks_for_a_fleet(fleet) and "targets" not in read_pyproject(
        find_project_root(Path.cwd())
    ):
        return None
    from .fleet import fleet_call

    c = options(common)
    out = output_for(common)
    if c.interactive and (fleet is not None and (fleet.databases or fleet.targets)):
        raise ConfigurationError(
            "-i asks before each step on one database; a fleet does not ask",
            hint="drop -i, or rehearse with --dry-run first",
        )
    return fleet_call(
        c.database_url,
        settings_for(common),
        fleet,
        operation,
        out,
        with_database=with_database,
        **settings,
    )


def migrate_command(
    common: CommonOptions | None,
    *,
    allow_out_of_order: bool = False,
    lint: bool = False,
    fleet: FleetOptions | None = None,
) -> int:
    from ..migrator import run_migrate

    c = options(common)
    if fleet is not None and lint and (fleet.databases or fleet.targets):
        raise ConfigurationError(
            "--lint runs on one database, not a fleet",
            hint="run `trenova-db lint` on the migrations first, then migrate the fleet",
        )
    code = fleet_command(
        common,
        fleet,
        "migrate",
        dry_run=c.dry_run,
        verbose=c.verbose,
        allow_out_of_order=allow_out_of_order,
    )
    if code is not None:
        return code

    async def work(s: Settings, out: Output) -> Any:
        if lint:
            await lint_first(s, out)
        with out.progress() as progress:
            report = await run_migrate(
                s,
                dry_run=c.dry_run,
                verbose=c.verbose,
                allow_out_of_order=allow_out_of_order,
                progress=progress,
                ask=out.ask_async if c.interactive else None,
            )
        if not c.dry_run:
            await dump_after(s, out, bool(report.applied))
        return report

    return call(common, work)


def status_command(
    common: CommonOptions | None, *, exit_code: bool = False, fleet: FleetOptions | None = None
) -> int:
    from ..maintenance import run_full_status

    code = fleet_command(common, fleet, "status", exit_code=exit_code)
    if code is not None:
        return code

    attention: list[bool] = []

    async def work(s: Settings, out: Output) -> Any:
        report = await run_full_status(s)
        attention.append(report.needs_attention)
        return report

    call(common, work)
    # dbmate's convention: 1 when anything is pending, dirty, drifted or missing.
    return 1 if exit_code and attention and attention[0] else 0


FAST_COMMANDS: dict[str, Callable[..., int]] = {
    "migrate": migrate_command,
    "status": status_command,
}
# The flags of their own the fast path takes (CI's `status --exit-code`).
FAST_FLAGS: dict[str, dict[str, str]] = {
    "migrate": {"--allow-out-of-order": "allow_out_of_order"},
    "status": {"--exit-code": "exit_code"},
}


def parse_fast(
    args: list[str],
) -> tuple[Callable[[CommonOptions | None], int], CommonOptions] | None:
    """(command, options) for ``migrate``/``status`` with only common options and
    their own flags, else None."""
    if not args or args[0] not in FAST_COMMANDS:
        return None
    own = FAST_FLAGS[args[0]]
    flags: dict[str, bool] = {}
    values: dict[str, Any] = {}
    i = 1
    while i < len(args):
        arg = args[i]
        if arg in own:
            flags[own[arg]] = True
            i += 1
            continue
        name, eq, inline = arg.partition("=")
        field = OPTION_NAMES.get(name)
        if field is None:
            return None  # --help, typos...: the full parser decides
        if field in FLAGS:
            if eq:
                return None
            values[field] = True
            i += 1
            continue
        if eq:
            value = inline
            i += 1
        elif i + 1 < len(args):
            value = args[i + 1]
            i += 2
        else:
            return None
        values[field] = Path(value) if field.endswith("_dir") else value
    command = functools.partial(FAST_COMMANDS[args[0]], **flags)
    return command, CommonOptions(**values)
