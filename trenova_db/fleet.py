"""Fleets: one operation over many databases, in one process.

A fleet is a list of targets, each a database with its own ``Settings``. Every
target runs the single-database operation (``run_migrate``, ``run_rollback``,
``run_seeds``, ``run_setup``, ``run_full_status``) unchanged, so it keeps every
guarantee of a single run: its own lock, history and audit row.

Scheduling:

- at most ``concurrency`` targets run at once (asyncio tasks, one process);
- never more than ``concurrency`` connections per server: each target reserves
  what its run may hold at once before it starts (``connections_per_run``),
  on its server's budget;
- ``canary=K``: the first K targets run one after another, alone; a failure
  among them stops the fleet there (``--continue-on-error`` does not apply);
- after a failure no new target starts unless ``continue_on_error``; targets
  already running finish;
- ``stop`` (the CLI sets it on Ctrl-C): no new target starts and running ones
  are cancelled (the server rolls back a ``.tx`` group in flight); the report
  still says what happened to every target.

Nothing here prints: progress reaches the caller through ``on_start`` and
``on_finish``, the result is a :class:`FleetReport`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, Unpack
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import msgspec

from .config import Options, Settings, configure, dsn_password, mask_dsn, mask_secrets
from .errors import ConfigurationError, TrenovaDBError
from .reports import (
    MigrateReport,
    Report,
    RollbackReport,
    SeedReport,
    SetupReport,
    StatusReport,
)

__all__ = [
    "FleetReport",
    "FleetSummary",
    "LastRun",
    "StopSignal",
    "TargetReport",
    "connections_per_run",
    "list_databases",
    "parse_targets",
    "read_targets_file",
    "run_fleet",
    "target_settings",
]

Operation = Literal["migrate", "rollback", "seed", "setup", "status"]
TargetState = Literal["succeeded", "failed", "interrupted", "not-started"]
AnyReport = MigrateReport | RollbackReport | SeedReport | SetupReport | StatusReport

EXIT_INTERRUPTED = 130


class LastRun(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """The newest row of a target's audit trail (status only)."""

    operation: str
    outcome: str
    started_at: datetime | None = None
    finished_at: datetime | None = None


class TargetReport(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One target's outcome: its own report, or its own error."""

    target: str  # the database URL, password masked
    state: TargetState
    exit_code: int | None = None  # None: never started
    report: AnyReport | None = None
    error: str | None = None  # the error's class name
    message: str | None = None  # one line: what happened
    hint: str | None = None  # what to do next
    done: list[str] = msgspec.field(default_factory=list)
    last_run: LastRun | None = None
    duration_ms: float | None = None


class FleetSummary(msgspec.Struct, kw_only=True):
    targets: int = 0
    succeeded: int = 0
    failed: int = 0
    interrupted: int = 0
    not_started: int = 0


class FleetReport(Report, kw_only=True):
    """Every target's report and a summary. ``exit_code``: 0 when every target
    succeeded, 130 when interrupted, otherwise 1."""

    operation: Operation
    fleet: Literal[True] = True
    concurrency: int
    canary: int = 0
    continue_on_error: bool = False
    targets: list[TargetReport] = msgspec.field(default_factory=list)
    summary: FleetSummary = msgspec.field(default_factory=FleetSummary)
    stopped: str | None = None  # why targets were left unstarted
    exit_code: int = 0
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class StopSignal(Protocol):
    """An ``asyncio.Event`` or ``anyio.Event``: set it to stop the fleet."""

    def is_set(self) -> bool: ...

    async def wait(self) -> Any: ...


# -- targets -------------------------------------------------------------------

_SCHEMES = ("postgresql", "postgres")


def _check_url(text: str) -> str | None:
    """Why ``text`` is not a database URL, or None when it is one."""
    if any(c.isspace() for c in text):
        return "a URL has no spaces (one URL a line; percent-encode spaces)"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        return f"not a database URL ({exc})"
    if parts.scheme not in _SCHEMES:
        return "not a postgresql:// URL"
    if not parts.netloc and not parts.query:
        return "no host in the URL"
    return None


def parse_targets(lines: Sequence[str], *, where: str) -> list[str]:
    """Validate database URLs, one per line (``#`` comments and blank lines
    ignored). A bad or repeated line is a ConfigurationError naming it."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        problem = _check_url(text)
        if problem is None and text in seen:
            problem = f"the same database as line {seen[text]}"
        if problem is not None:
            raise ConfigurationError(
                f"{where}, line {number}: {problem}: {mask_dsn(text)}",
                hint="one postgresql://USER@HOST:PORT/DATABASE URL a line; "
                "'#' starts a comment; nothing was run",
            )
        seen[text] = number
        out.append(text)
    return out


def read_targets_file(path: str | Path) -> list[str]:
    """The URLs of a targets file (see :func:`parse_targets`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"cannot read the targets file {p}: {exc}",
            hint="pass --targets FILE with one database URL a line",
        ) from None
    return parse_targets(text.splitlines(), where=str(p))


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (percent-encoded) instead."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("dbname", "database")]
    return urlunsplit(
        (parts.scheme, parts.netloc, "/" + quote(name, safe=""), urlencode(query), "")
    )


def server_key(url: str) -> str:
    """Which server a URL points at (its connection budget is shared)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    host = query.get("host") or (parts.hostname or "localhost")
    port = query.get("port") or str(parts.port or 5432)
    return f"{unquote(host).lower()}:{port}"


async def list_databases(settings: Settings, pattern: str) -> list[str]:
    """URLs of the databases on ``settings``' server whose name is LIKE ``pattern``
    (templates and databases that refuse connections left out), in name order."""
    from .session import dsn, session

    base = dsn(settings)
    if _check_url(base) is not None:
        raise ConfigurationError(
            f"--databases needs a postgresql:// URL for the server, not {mask_dsn(base)}",
            hint="pass --database-url postgresql://USER@HOST:PORT/postgres",
        )
    async with session(settings, "list-databases") as conn:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1 "
            "AND NOT datistemplate AND datallowconn ORDER BY datname",
            pattern,
        )
    return [with_database(base, r[0]) for r in rows]


def target_settings(base: Settings, targets: Sequence[str | Settings]) -> list[Settings]:
    """Each target's settings: a URL takes ``base`` with its own URL; a Settings
    object is used as it is."""
    out: list[Settings] = []
    for t in targets:
        if isinstance(t, Settings):
            out.append(t)
        else:
            problem = _check_url(t)
            if problem is not None:
                raise ConfigurationError(
                    f"target {mask_dsn(t)}: {problem}",
                    hint="a target is a postgresql:// URL or a Settings object",
                )
            out.append(msgspec.structs.replace(base, database_url=t))
    return out


def connections_per_run(operation: Operation, *, parallel: int = 1) -> int:
    """How many connections one run may hold on its server at once.

    migrate/rollback: the work connection, plus one that verifies what a lost
    connection committed while the lost backend may still be ending. seed:
    one per parallel worker, plus that verification. setup: migrate, then seed.
    status: one.
    """
    if operation == "status":
        return 1
    if operation in ("migrate", "rollback"):
        return 2
    return max(2, parallel + 1)


# -- running -------------------------------------------------------------------


class _Budget:
    """Connections per server: a target waits until its cost fits."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used: dict[str, int] = {}
        self.changed = asyncio.Condition()

    async def acquire(self, key: str, cost: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.used.get(key, 0) + cost <= self.capacity)
            self.used[key] = self.used.get(key, 0) + cost

    async def release(self, key: str, cost: int) -> None:
        async with self.changed:
            self.used[key] -= cost
            self.changed.notify_all()


def check_limits(operation: Operation, *, concurrency: int, canary: int, cost: int) -> None:
    if concurrency < 1:
        raise ConfigurationError(f"--concurrency must be at least 1 (got {concurrency})")
    if canary < 0:
        raise ConfigurationError(f"--canary must not be negative (got {canary})")
    if cost > concurrency:
        raise ConfigurationError(
            f"one {operation} run may hold {cost} connections, more than --concurrency "
            f"{concurrency} allows on a server",
            hint=f"raise --concurrency to at least {cost}, or lower --parallel",
        )


def _failure(item: TargetReport, exc: BaseException, secret: str | None) -> None:
    if isinstance(exc, TrenovaDBError):
        item.error = type(exc).__name__
        item.message = mask_secrets(str(exc), secret)
        item.hint = mask_secrets(exc.hint, secret) if exc.hint else None
        item.done = [mask_secrets(d, secret) for d in exc.done]
        item.exit_code = exc.exit_code
    else:  # a bug or an unexpected library error: still this target's alone
        item.error = type(exc).__name__
        item.message = mask_secrets(f"unexpected error: {type(exc).__name__}: {exc}", secret)
        item.hint = "report this as a bug in trenova-db, with the message above"
        item.exit_code = 1
    item.state = "failed"


async def run_fleet(
    operation: Operation,
    targets: Sequence[Settings],
    work: Callable[[Settings], Awaitable[Any]],
    *,
    concurrency: int = 4,
    canary: int = 0,
    continue_on_error: bool = False,
    cost: int = 1,
    stop: StopSignal | None = None,
    on_start: Callable[[int, str], None] | None = None,
    on_finish: Callable[[int, TargetReport], None] | None = None,
    last_run: bool = False,
) -> FleetReport:
    """Run ``work(settings)`` for every target; see the module docstring."""
    check_limits(operation, concurrency=concurrency, canary=canary, cost=cost)
    started = time.perf_counter()
    report = FleetReport(
        operation=operation,
        concurrency=concurrency,
        canary=canary,
        continue_on_error=continue_on_error,
        targets=[TargetReport(target=t.masked_url, state="not-started") for t in targets],
    )
    budget = _Budget(concurrency)
    slots = asyncio.Semaphore(concurrency)
    running: dict[int, asyncio.Task[Any]] = {}
    failed = False

    def stopping() -> bool:
        return bool(stop is not None and stop.is_set())

    async def one(i: int) -> None:
        nonlocal failed
        s = targets[i]
        item = report.targets[i]
        key = server_key(s.database_url or "")
        await budget.acquire(key, cost)
        try:
            if stopping() or (failed and not continue_on_error):
                return
            me = asyncio.current_task()
            assert me is not None
            running[i] = me
            t0 = time.perf_counter()
            if on_start is not None:
                on_start(i, item.target)
            try:
                result = await work(s)
            except asyncio.CancelledError:
                if not stopping():
                    raise  # the caller cancelled the whole fleet
                me.uncancel()
                item.state = "interrupted"
                item.exit_code = EXIT_INTERRUPTED
                item.error = "Interrupted"
                item.message = "interrupted: stopped while it ran"
                item.hint = (
                    "a .tx group in flight was rolled back by the server; check "
                    "`trenova-db status` for a dirty non-transactional migration"
                )
            except Exception as exc:  # one target's failure (even a bug) is its own
                _failure(item, exc, dsn_password(s.database_url))
                failed = True
            else:
                item.state = "succeeded"
                item.exit_code = 0
                if last_run:
                    item.report, item.last_run = result
                else:
                    item.report = result
            finally:
                running.pop(i, None)
            item.duration_ms = round((time.perf_counter() - t0) * 1000, 3)
            if on_finish is not None:
                on_finish(i, item)
        finally:
            await budget.release(key, cost)

    async def watch_stop() -> None:
        assert stop is not None
        await stop.wait()
        for task in list(running.values()):
            task.cancel()

    async def run_one(i: int) -> None:
        try:
            await one(i)
        finally:
            slots.release()

    async def schedule() -> None:
        first = min(canary, len(targets))
        for i in range(first):  # canaries: one at a time, alone
            if stopping():
                return
            await one(i)
            if report.targets[i].state != "succeeded":
                report.stopped = (
                    f"canary {i + 1} of {first} did not succeed; no other target started"
                )
                return
        tasks: list[asyncio.Task[None]] = []
        try:
            for i in range(first, len(targets)):
                await slots.acquire()
                if stopping() or (failed and not continue_on_error):
                    slots.release()
                    break
                tasks.append(asyncio.create_task(run_one(i)))
        except asyncio.CancelledError:  # the caller cancelled the fleet
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        # Targets already running finish.
        await asyncio.gather(*tasks)

    watcher = asyncio.create_task(watch_stop()) if stop is not None else None
    try:
        await schedule()
    finally:
        if watcher is not None:
            watcher.cancel()

    summary = report.summary
    summary.targets = len(targets)
    for item in report.targets:
        if item.state == "succeeded":
            summary.succeeded += 1
        elif item.state == "failed":
            summary.failed += 1
        elif item.state == "interrupted":
            summary.interrupted += 1
        else:
            summary.not_started += 1
    if report.stopped is None and summary.not_started:
        report.stopped = (
            "interrupted; no new target started"
            if stopping()
            else "a target failed; no new target started (pass --continue-on-error to go on)"
        )
    if stopping() or summary.interrupted:
        report.exit_code = EXIT_INTERRUPTED
    elif any(item.exit_code != 0 for item in report.targets):
        report.exit_code = 1
    report.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    return report


# -- the operations ------------------------------------------------------------


async def read_last_run(conn: Any, schema: str) -> LastRun | None:
    """The newest audit row, or None (no audit table yet, or no run)."""
    import asyncpg

    from .bookkeeping import quote_ident

    try:
        row = await conn.fetchrow(
            f"SELECT operation, outcome, started_at, finished_at FROM "
            f"{quote_ident(schema)}.trenova_db_audit ORDER BY id DESC LIMIT 1"
        )
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return None
    if row is None:
        return None
    return LastRun(operation=row[0], outcome=row[1], started_at=row[2], finished_at=row[3])


async def _status(s: Settings) -> tuple[StatusReport, LastRun | None]:
    from .maintenance import run_full_status
    from .session import session_with_files

    # The folder is read while the connection opens, as a single status does,
    # in a thread that sees the fleet's snapshot: read once for every target,
    # then handed to run_status from the snapshot.
    async with session_with_files(s, "status") as (conn, _files):
        report = await run_full_status(s, conn=conn)
        return report, await read_last_run(conn, s.schema)


def _discover_all(targets: Sequence[Settings]) -> dict[Path, Any]:
    """Every migrations folder read once, before anything runs: bad files stop
    the fleet (exit 4) instead of failing each target the same way."""
    from .discovery import discover_migrations

    found: dict[Path, Any] = {}
    for s in targets:
        if s.migrations_dir not in found:
            found[s.migrations_dir] = discover_migrations(s.migrations_dir)
    return found


def operation_work(
    operation: Operation,
    targets: Sequence[Settings],
    *,
    dry_run: bool = False,
    verbose: bool = False,
    force: bool = False,
    confirmed: bool = False,
    allow_out_of_order: bool = False,
    target: int = 1,
    max_rollback: int = 10,
    parallel: int = 1,
) -> Callable[[Settings], Awaitable[Any]]:
    """The single-database run each target gets, with the options of the command."""
    if operation == "migrate":
        from .migrator import run_migrate

        files = _discover_all(targets)

        async def migrate(s: Settings) -> MigrateReport:
            return await run_migrate(
                s,
                dry_run=dry_run,
                verbose=verbose,
                allow_out_of_order=allow_out_of_order,
                files=files[s.migrations_dir],
            )

        return migrate
    if operation == "rollback":
        from .migrator import run_rollback

        _discover_all(targets)

        async def rollback(s: Settings) -> RollbackReport:
            return await run_rollback(
                s,
                target=target,
                max_rollback=max_rollback,
                force=force,
                dry_run=dry_run,
                verbose=verbose,
                confirmed=confirmed,
            )

        return rollback
    if operation == "seed":
        from .seeding.runner import run_seeds

        async def seed(s: Settings) -> SeedReport:
            return await run_seeds(
                s, force=force, dry_run=dry_run, verbose=verbose, parallel=parallel
            )

        return seed
    if operation == "setup":
        from .maintenance import run_setup

        _discover_all(targets)

        async def setup(s: Settings) -> SetupReport:
            return await run_setup(s, verbose=verbose, parallel=parallel, dry_run=dry_run)

        return setup
    return _status


async def resolve_targets(
    base: Settings,
    targets: Sequence[str | Settings] | None = None,
    databases: str | None = None,
) -> list[Settings]:
    """The fleet: ``targets`` (URLs or Settings), or the databases of ``base``'s
    server whose name is LIKE ``databases``."""
    if (targets is None) == (databases is None):
        raise ConfigurationError(
            "give the targets, or a database name pattern, not both and not neither",
            hint="targets=[url, ...] or databases='tenant_%' (with the server's URL)",
        )
    if databases is not None:
        return target_settings(base, await list_databases(base, databases))
    assert targets is not None
    if isinstance(targets, str | Settings):
        raise ConfigurationError(
            "targets must be a list of URLs or Settings objects, not a single one",
            hint="pass targets=[url]",
        )
    return target_settings(base, targets)


async def run_operation(
    operation: Operation,
    targets: Sequence[Settings],
    *,
    concurrency: int = 4,
    canary: int = 0,
    continue_on_error: bool = False,
    stop: StopSignal | None = None,
    on_start: Callable[[int, str], None] | None = None,
    on_finish: Callable[[int, TargetReport], None] | None = None,
    parallel: int = 1,
    **options: Any,
) -> FleetReport:
    """Run ``operation`` over the resolved targets (what the CLI and ``*_many`` call)."""
    if parallel < 1:
        raise ConfigurationError(f"--parallel must be at least 1 (got {parallel})")
    from .snapshot import files_read_once

    cost = connections_per_run(operation, parallel=parallel)
    check_limits(operation, concurrency=concurrency, canary=canary, cost=cost)
    with files_read_once():  # one snapshot of the folders for every target
        work = operation_work(operation, targets, parallel=parallel, **options)
        return await run_fleet(
            operation,
            targets,
            work,
            concurrency=concurrency,
            canary=canary,
            continue_on_error=continue_on_error,
            cost=cost,
            stop=stop,
            on_start=on_start,
            on_finish=_logged(on_finish),
            last_run=operation == "status",
        )


def _logged(
    on_finish: Callable[[int, TargetReport], None] | None,
) -> Callable[[int, TargetReport], None]:
    import logging

    log = logging.getLogger("trenova_db.fleet")

    def finished(i: int, item: TargetReport) -> None:
        if item.state == "succeeded":
            log.info("%s: %s", item.target, item.state)
        else:
            log.warning("%s: %s: %s", item.target, item.state, item.message)
        if on_finish is not None:
            on_finish(i, item)

    return finished


# -- the library ---------------------------------------------------------------

Targets = Sequence[str | Settings]


async def _many(
    operation: Operation,
    targets: Targets | None,
    *,
    databases: str | None,
    database_url: str | None,
    settings: Settings | None,
    config: Options,
    concurrency: int,
    canary: int,
    continue_on_error: bool,
    stop: StopSignal | None,
    on_finish: Callable[[int, TargetReport], None] | None,
    **options: Any,
) -> FleetReport:
    base = configure(database_url, settings=settings, **config)
    check_limits(
        operation,
        concurrency=concurrency,
        canary=canary,
        cost=connections_per_run(operation, parallel=options.get("parallel", 1)),
    )
    resolved = await resolve_targets(base, targets, databases)
    return await run_operation(
        operation,
        resolved,
        concurrency=concurrency,
        canary=canary,
        continue_on_error=continue_on_error,
        stop=stop,
        on_finish=on_finish,
        **options,
    )


async def migrate_many(
    targets: Targets | None = None,
    *,
    databases: str | None = None,
    database_url: str | None = None,
    concurrency: int = 4,
    canary: int = 0,
    continue_on_error: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    allow_out_of_order: bool = False,
    settings: Settings | None = None,
    stop: StopSignal | None = None,
    on_finish: Callable[[int, TargetReport], None] | None = None,
    **options: Unpack[Options],
) -> FleetReport:
    """Apply pending migrations on every target (URLs or Settings), or on every
    database of ``database_url``'s server whose name is LIKE ``databases``.

    URL targets take the other options (and ``settings``) as their own; a
    Settings target is used as it is. Never raises for one target's failure:
    see ``report.targets``; ``report.exit_code`` is 0 when all succeeded.
    """
    return await _many(
        "migrate",
        targets,
        databases=databases,
        database_url=database_url,
        settings=settings,
        config=options,
        concurrency=concurrency,
        canary=canary,
        continue_on_error=continue_on_error,
        stop=stop,
        on_finish=on_finish,
        dry_run=dry_run,
        verbose=verbose,
        allow_out_of_order=allow_out_of_order,
    )


async def rollback_many(
    targets: Targets | None = None,
    *,
    databases: str | None = None,
    database_url: str | None = None,
    concurrency: int = 4,
    canary: int = 0,
    continue_on_error: bool = False,
    target: int = 1,
    max_rollback: int = 10,
    force: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    settings: Settings | None = None,
    stop: StopSignal | None = None,
    on_finish: Callable[[int, TargetReport], None] | None = None,
    **options: Unpack[Options],
) -> FleetReport:
    """Roll back the last ``target`` migrations on every target (``force`` in production)."""
    return await _many(
        "rollback",
        targets,
        databases=databases,
        database_url=database_url,
        settings=settings,
        config=options,
        concurrency=concurrency,
        canary=canary,
        continue_on_error=continue_on_error,
        stop=stop,
        on_finish=on_finish,
        target=target,
        max_rollback=max_rollback,
        force=force,
        dry_run=dry_run,
        verbose=verbose,
    )


async def seed_many(
    targets: Targets | None = None,
    *,
    databases: str | None = None,
    database_url: str | None = None,
    concurrency: int = 4,
    canary: int = 0,
    continue_on_error: bool = False,
    force: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    parallel: int = 1,
    settings: Settings | None = None,
    stop: StopSignal | None = None,
    on_finish: Callable[[int, TargetReport], None] | None = None,
    **options: Unpack[Options],
) -> FleetReport:
    """Apply the environment's seeds on every target."""
    return await _many(
        "seed",
        targets,
        databases=databases,
        database_url=database_url,
        settings=settings,
        config=options,
        concurrency=concurrency,
        canary=canary,
        continue_on_error=continue_on_error,
        stop=stop,
        on_finish=on_finish,
        force=force,
        dry_run=dry_run,
        verbose=verbose,
        parallel=parallel,
    )


async def setup_many(
    targets: Targets | None = None,
    *,
    databases: str | None = None,
    database_url: str | None = None,
    concurrency: int = 4,
    canary: int = 0,
    continue_on_error: bool = False,
    verbose: bool = False,
    dry_run: bool = False,
    parallel: int = 1,
    settings: Settings | None = None,
    stop: StopSignal | None = None,
    on_finish: Callable[[int, TargetReport], None] | None = None,
    **options: Unpack[Options],
) -> FleetReport:
    """Migrate, then seed, every target."""
    return await _many(
        "setup",
        targets,
        databases=databases,
        database_url=database_url,
        settings=settings,
        config=options,
        concurrency=concurrency,
        canary=canary,
        continue_on_error=continue_on_error,
        stop=stop,
        on_finish=on_finish,
        verbose=verbose,
        dry_run=dry_run,
        parallel=parallel,
    )


async def status_many(
    targets: Targets | None = None,
    *,
    databases: str | None = None,
    database_url: str | None = None,
    concurrency: int = 4,
    continue_on_error: bool = True,
    settings: Settings | None = None,
    stop: StopSignal | None = None,
    on_finish: Callable[[int, TargetReport], None] | None = None,
    **options: Unpack[Options],
) -> FleetReport:
    """Every target's status (a StatusReport each) and its last run's outcome.

    Read-only, so by default an unreachable target does not stop the others.
    """
    return await _many(
        "status",
        targets,
        databases=databases,
        database_url=database_url,
        settings=settings,
        config=options,
        concurrency=concurrency,
        canary=0,
        continue_on_error=continue_on_error,
        stop=stop,
        on_finish=on_finish,
    )
