"""Migrate, roll back, repair and report: the orchestration of one run.

The order of operations is the safety story:
1. discover and validate the files (no database yet);
2. read the history once (one round trip, with the audit row folded in);
   nothing pending and nothing wrong: return, no lock taken (``_nothing_to_do``
   is the one place that question is asked);
3. otherwise take the run lock ON THE WORK CONNECTION, upgrade the bookkeeping
   tables, read the history AGAIN (another runner may have just finished:
   yoyo's race), plan, validate, apply, checking the lock before every
   statement; the audit row is `running` while this happens and gets the
   outcome whatever happens;
4. a lost connection stops the run (nothing more is sent); what the lost
   session committed is reported only once verified (``trenova_db.session``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from . import bookkeeping, logs, pooler
from .audit import Audit, actor, audit_values, host, mark_abandoned
from .bookkeeping import History, HistorySummary, ensure_bookkeeping
from .config import Environment, Settings
from .discovery import MigrationFile, MigrationSet, discover_migrations, history_digest
from .errors import ConfigurationError, HistoryMismatch, LostLock, Refused, TrenovaDBError
from .lock import NoLongerNeeded, lost_lock
from .reports import (
    Ask,
    MigrateReport,
    MigrationItem,
    Progress,
    ProgressCallback,
    RepairReport,
    RollbackReport,
    StatusReport,
)
from .session import (
    after_loss,
    audit_refused,
    audited,
    backend_pid,
    is_connection_loss,
    locked,
    refused_row,
    session,
    session_with_files,
)
from .stores import MigrationStore

# What only work needs is imported where the work starts: the no-op run a
# service makes on every boot loads none of it (see trenova_db.cli.launch).
if TYPE_CHECKING:
    from .apply import Applier
    from .plan import Plan
    from .status_extras import StatusExtras

__all__ = [
    "audit_refused",
    "locked",
    "run_migrate",
    "run_repair",
    "run_rollback",
    "run_status",
    "session",
    "status_with_extras",
]

DEFAULT_MAX_ROLLBACK = 10


def _applied_items(applier: Applier, batch: int, verbose: bool) -> list[MigrationItem]:
    items = []
    for m in applier.committed:
        item = _item(m, "applied", verbose=verbose)
        item.batch = batch
        items.append(item)
    return items


def _item(m: MigrationFile, state: Any, *, verbose: bool, down: bool = False) -> MigrationItem:
    return MigrationItem(
        version=m.version,
        name=m.name,
        kind=(m.down_kind or m.kind) if down else m.kind,
        state=state,
        file=m.down_file if down else m.up_file,
        sql=(m.down_sql if down else m.up_sql) if verbose else None,
    )


def _nothing_to_do(history: History, plan: Plan) -> bool:
    """The one "nothing to do" question: tables current, nothing pending, nothing wrong."""
    return (
        history.internal_version == bookkeeping.CURRENT_VERSION
        and not plan.pending
        and not plan.problems
    )


def _settled(summary: HistorySummary, files: MigrationSet) -> bool:
    """Nothing to do, known from the history's one-row summary: exactly the
    files are applied, unchanged, none dirty, the tables current (what
    ``_nothing_to_do`` would conclude from the whole history)."""
    return (
        # Tables newer than this version knows (a rolling deploy: old replicas
        # boot beside a new one that upgraded them) need nothing from it either.
        summary.internal_version >= bookkeeping.CURRENT_VERSION
        and not summary.dirty
        and summary.applied == len(files.migrations)
        and summary.digest == history_digest(files.migrations)
    )


async def _history_after(
    store: MigrationStore, conn: Any, summary: HistorySummary, audit: str | None
) -> History:
    """The lean history, once the summary showed work or something to look at.

    No tables (or an older layout): nothing more to read. A server without
    sha256() failed the summary, audit row and all: the history read does both.
    """
    if summary.internal_version in (0, -1):
        return History(
            internal_version=summary.internal_version,
            audit_id=summary.audit_id,
            backend_pid=summary.backend_pid,
        )
    if summary.internal_version == -2:
        return await store.read(conn, audit_values=audit, full=False)
    history = await store.read(conn, full=False)
    return msgspec.structs.replace(
        history, audit_id=summary.audit_id, backend_pid=summary.backend_pid
    )


async def run_migrate(
    settings: Settings,
    *,
    dry_run: bool = False,
    verbose: bool = False,
    allow_out_of_order: bool = False,
    progress: ProgressCallback | None = None,
    files: MigrationSet | None = None,
    ask: Ask | None = None,
) -> MigrateReport:
    started = time.perf_counter()
    report = MigrateReport(
        database=settings.masked_url,
        schema=settings.schema,
        environment=settings.environment.value,
        dry_run=dry_run,
    )
    try:
        await _migrate(settings, files, report, dry_run, verbose, allow_out_of_order, progress, ask)
    except HistoryMismatch as exc:
        logs.history_problems(exc, database=report.database)
        raise
    finally:
        # Whatever committed is logged, also when a later migration failed.
        if not dry_run:
            for item in report.applied:
                logs.migration_done(item, direction="up", database=report.database)
            logs.abandoned_runs(report.abandoned, database=report.database)
    report.duration_ms = (time.perf_counter() - started) * 1000
    return report


async def _migrate(
    settings: Settings,
    given: MigrationSet | None,
    report: MigrateReport,
    dry_run: bool,
    verbose: bool,
    allow_out_of_order: bool,
    progress: ProgressCallback | None,
    ask: Ask | None = None,
) -> None:
    async with session_with_files(settings, "migrate", given, setup=False) as (conn, files):
        report.ignored_files = list(files.ignored)
        # The fast path's audit row says `noop`, finished: true unless this run
        # finds work, and then it becomes `running` before any work starts.
        fast_audit = None
        if not dry_run:
            fast_audit = audit_values("migrate", settings.environment.value, "noop", {})
        store = MigrationStore(settings.schema)
        summary = await store.summary(conn, audit_values=fast_audit)
        if _settled(summary, files):
            report.already_applied = summary.applied
            return
        from .apply import Applier
        from .foreign import refuse_if_foreign
        from .plan import make_plan

        history = await _history_after(store, conn, summary, fast_audit)
        if history.internal_version <= 0:  # never on an already-managed database
            await pooler.setup(conn, backend_pid=history.backend_pid)  # before any other query
            await refuse_if_foreign(conn, settings.schema, "migrate")
        plan = make_plan(files, history, allow_out_of_order=allow_out_of_order)
        report.already_applied = len(history.applied)
        try:
            if dry_run:
                plan.raise_if_invalid()
            # Checked before the lock and before any bookkeeping table exists:
            # a file that cannot run must not leave anything behind.
            Applier.check_runnable(list(plan.pending))
        except TrenovaDBError as exc:
            if history.audit_id is not None:
                await pooler.setup(conn, backend_pid=history.backend_pid)
                audit = Audit(conn, settings.schema, "migrate", settings.environment.value)
                audit.id = history.audit_id
                await audit.finish("refused", {"error": str(exc)})
            raise
        if dry_run:
            report.applied = [_item(m, "pending", verbose=verbose) for m in plan.pending]
        elif not _nothing_to_do(history, plan):
            # Pending work, or a problem seen without the lock: a dirty row may
            # be a migration another runner is applying right now. Decide under
            # the lock. Now the pooler matters (the history read told the pid).
            await pooler.setup(conn, backend_pid=history.backend_pid)
            await _migrate_locked(
                conn,
                settings,
                files,
                report,
                audit_id=history.audit_id,
                verbose=verbose,
                allow_out_of_order=allow_out_of_order,
                progress=progress,
                ask=ask,
            )


async def _migrate_locked(
    conn: Any,
    settings: Settings,
    files: MigrationSet,
    report: MigrateReport,
    *,
    audit_id: int | None,
    verbose: bool,
    allow_out_of_order: bool,
    progress: ProgressCallback | None,
    ask: Ask | None = None,
) -> None:
    from .apply import Applier
    from .asking import ask_or_stop
    from .plan import make_plan

    schema = settings.schema
    store = MigrationStore(schema)

    async def still_needed() -> bool:
        again = await store.read(conn, full=False)
        if _nothing_to_do(again, make_plan(files, again, allow_out_of_order=allow_out_of_order)):
            report.already_applied = len(again.applied)
            return False
        return True

    applier: Applier | None = None
    pending: list[MigrationFile] = []
    batch = 0
    held = False
    pid = backend_pid(conn)
    async with audited(conn, settings, "migrate", row_id=audit_id, start=False) as audit:
        try:
            async with locked(settings, conn, still_needed=still_needed) as lock:
                held = True
                report.lock_wait_ms = round(lock.waited * 1000, 1)
                await ensure_bookkeeping(conn, schema)
                if audit.id is None:
                    await audit.start()
                report.abandoned = [a.describe() for a in await mark_abandoned(conn, schema)]
                history = await store.read(conn)
                plan = make_plan(files, history, allow_out_of_order=allow_out_of_order)
                plan.raise_if_invalid()
                pending = list(plan.pending)
                report.already_applied = len(history.applied)
                batch = history.last_batch + 1
                report.batch = batch if pending else None
                applier = Applier(
                    conn, schema, actor=f"{actor()}@{host()}", before_statement=lock.ensure_held
                )
                done = 0
                # -i: one question, so one migration, at a time.
                for group in _groups(pending) if ask is None else [[m] for m in pending]:
                    await ask_or_stop(ask, f"Apply migration {group[0].label} ({group[0].kind})?")
                    if progress:
                        progress(
                            Progress(
                                phase="migrate", done=done, total=len(pending), label=group[0].label
                            )
                        )
                    await lock.ensure_held()
                    last = done + len(group) == len(pending)
                    if group[0].kind == "tx":
                        await applier.apply_tx_group(group, batch=batch, durable=last)
                    else:
                        await applier.apply_notx(group[0], batch=batch)
                    done += len(group)
                report.applied = _applied_items(applier, batch, verbose)
                durations = await applier.durations(batch)
                for item in report.applied:
                    item.duration_ms = durations.get(item.version)
                if progress:
                    progress(Progress(phase="migrate", done=len(pending), total=len(pending)))
        except NoLongerNeeded:
            # The holder applied everything while we waited (and made the
            # bookkeeping tables, if this database had none: audit there).
            if audit.id is None:
                await audit.start()
            # A row's backend being gone is a fact without the lock.
            report.abandoned = [a.describe() for a in await mark_abandoned(conn, schema)]
            audit.outcome = "noop"
            return
        except BaseException as exc:
            lost: LostLock | None = exc if isinstance(exc, LostLock) else None
            if lost is None and held and isinstance(exc, Exception) and is_connection_loss(exc):
                lost = lost_lock(f"the connection broke: {exc}")
            if applier is not None:
                report.applied = _applied_items(applier, batch, verbose)
            if lost is not None:
                await _verify_lost(settings, pid, lost, applier, pending, batch, report, verbose)
            audit.details["applied"] = [m.version for m in report.applied]
            if lost is not None and lost is not exc:
                raise lost from exc
            if isinstance(exc, TrenovaDBError):
                exc.done = [f"applied {m.version} ({m.name})" for m in report.applied]
            raise
        audit.outcome = "success" if report.applied else "noop"
        audit.details.update(applied=[m.version for m in report.applied], batch=report.batch)


async def _verify_lost(
    settings: Settings,
    pid: int,
    lost: LostLock,
    applier: Applier | None,
    pending: list[MigrationFile],
    batch: int,
    report: MigrateReport,
    verbose: bool,
) -> None:
    """After a lost connection: report only what the history shows once the
    lost backend has ended; what cannot be verified is unknown."""
    in_flight = list(applier.in_flight) if applier is not None else []
    history, note = await after_loss(
        settings, [pid], lambda c: MigrationStore(settings.schema).read(c, full=False)
    )
    if history is None:
        lost.unknown = [f"whether {m.label} (version {m.version}) was applied" for m in in_flight]
        lost.done = [f"applied {m.version} ({m.name})" for m in report.applied]
        lost.hint = (
            f"{note}; everything listed as done was confirmed by the server before the "
            "connection broke, and nothing after the migration in flight was sent"
        )
        return
    rows = {r.version: r for r in history.applied}
    applied: list[MigrationItem] = []
    dirty: list[str] = []
    for m in pending:
        row = rows.get(m.version)
        if row is None or row.batch != batch:
            continue
        if row.dirty:
            dirty.append(
                f"version {m.version} ({m.name}) is dirty: {row.statements_done} statement(s) "
                "completed"
            )
            continue
        item = _item(m, "applied", verbose=verbose)
        item.batch = batch
        applied.append(item)
    report.applied = applied
    lost.done = [f"applied {m.version} ({m.name})" for m in applied]
    lost.unknown = []
    rest = len(pending) - len(applied) - len(dirty)
    parts = [note, f"{len(applied)} of {len(pending)} pending migration(s) are applied"]
    if dirty:
        parts.append("; ".join(dirty) + " (resolve with `trenova-db repair`)")
    if rest:
        parts.append(f"{rest} not applied")
    lost.hint = "; ".join(parts) + "; run `trenova-db migrate` again for the rest"


# A group of .tx migrations goes to the server as one message of back-to-back
# transactions: one round trip per group instead of one per migration.
GROUP_MAX_MIGRATIONS = 100
GROUP_MAX_BYTES = 1 << 20


def _groups(pending: list[MigrationFile]) -> list[list[MigrationFile]]:
    groups: list[list[MigrationFile]] = []
    size = 0
    for m in pending:
        current = groups[-1] if groups else None
        if (
            m.kind == "tx"
            and current
            and current[0].kind == "tx"
            and len(current) < GROUP_MAX_MIGRATIONS
            and size + len(m.up_sql) <= GROUP_MAX_BYTES
        ):
            current.append(m)
            size += len(m.up_sql)
        else:
            groups.append([m])
            size = len(m.up_sql)
    return groups


def _select_rollback(
    files: MigrationSet, history: History, count: int
) -> tuple[list[MigrationFile], list[str]]:
    from .plan import describe_dirty

    by_version = files.by_version()
    chosen: list[MigrationFile] = []
    problems: list[str] = []
    for row in sorted(history.applied, key=lambda r: r.version, reverse=True)[:count]:
        f = by_version.get(row.version)
        if row.dirty:
            problems.append(describe_dirty(row) + "; resolve it with `trenova-db repair` first")
        elif f is None:
            problems.append(
                f"version {row.version} ({row.name}) has no file any more; cannot roll it back"
            )
        elif f.down_file is None:
            problems.append(
                f"version {row.version} ({f.label}) has no down file; rolling it back is "
                f"refused (write {f.up_file.replace('.up.sql', '.down.sql')} first)"
            )
        else:
            chosen.append(f)
    return chosen, problems


async def run_rollback(
    settings: Settings,
    *,
    target: int = 1,
    max_rollback: int = DEFAULT_MAX_ROLLBACK,
    force: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    confirmed: bool = False,
    progress: ProgressCallback | None = None,
    ask: Ask | None = None,
) -> RollbackReport:
    """Roll back the newest ``target`` migrations, newest first."""
    from .apply import Applier
    from .asking import ask_or_stop
    from .foreign import refuse_if_foreign

    started = time.perf_counter()
    if target < 1:
        raise ConfigurationError(f"--target must be at least 1 (got {target})")
    if target > max_rollback:
        raise ConfigurationError(
            f"rolling back {target} migrations exceeds the limit of {max_rollback} per command",
            hint=f"pass --max-rollback {target} if you really mean it",
        )
    if settings.environment is Environment.PRODUCTION and not (force or confirmed) and not dry_run:
        refused = Refused(
            "rollback in production is refused without --force",
            hint="rehearse with --dry-run, then pass --force",
        )
        await audit_refused(settings, "rollback", refused)
        raise refused
    files = discover_migrations(settings.migrations_dir)
    report = RollbackReport(
        database=settings.masked_url,
        schema=settings.schema,
        environment=settings.environment.value,
        dry_run=dry_run,
    )
    async with session(settings, "rollback") as conn:
        history = await MigrationStore(settings.schema).read(conn)
        if history.internal_version <= 0:
            await refuse_if_foreign(conn, settings.schema, "rollback")
        chosen, problems = _select_rollback(files, history, target)
        if problems:
            mismatch = HistoryMismatch(
                "rollback refused; nothing was rolled back", problems=problems
            )
            if not dry_run and history.internal_version > 0:
                await refused_row(conn, settings, "rollback", mismatch)
            raise mismatch
        Applier.check_runnable(chosen, down=True)
        if dry_run or not chosen:
            report.rolled_back = [
                _item(m, "would-roll-back", verbose=verbose, down=True) for m in chosen
            ]
            return report
        async with (
            locked(settings, conn) as lock,
            audited(conn, settings, "rollback", details={"target": target}) as audit,
        ):
            applier: Applier | None = None
            try:
                history = await MigrationStore(settings.schema).read(conn)
                chosen, problems = _select_rollback(files, history, target)
                if problems:
                    raise HistoryMismatch(
                        "rollback refused; nothing was rolled back", problems=problems
                    )
                applier = Applier(
                    conn, settings.schema, actor=actor(), before_statement=lock.ensure_held
                )
                for i, m in enumerate(chosen):
                    await ask_or_stop(ask, f"Roll back migration {m.label}?")
                    if progress:
                        progress(
                            Progress(phase="rollback", done=i, total=len(chosen), label=m.label)
                        )
                    await lock.ensure_held()
                    ms = await applier.rollback(m)
                    item = _item(m, "rolled-back", verbose=verbose, down=True)
                    item.duration_ms = ms
                    report.rolled_back.append(item)
                    logs.migration_done(item, direction="down", database=report.database)
            except BaseException as exc:
                lost = exc if isinstance(exc, LostLock) else None
                if lost is None and isinstance(exc, Exception) and is_connection_loss(exc):
                    lost = lost_lock(f"the connection broke: {exc}")
                failure = lost or exc
                if isinstance(failure, TrenovaDBError):
                    failure.done = [
                        f"rolled back {m.version} ({m.name})" for m in report.rolled_back
                    ]
                if lost is not None:
                    pid = backend_pid(conn)
                    lost.unknown = [
                        f"whether {m.label} (version {m.version}) was rolled back"
                        for m in (applier.in_flight if applier is not None else [])
                    ]
                    lost.hint = (
                        f"the lost session (server pid {pid}) may still be running it: once it "
                        "has ended, `trenova-db status` shows what is applied"
                    )
                if failure is not exc:
                    raise failure from exc
                raise
            finally:
                audit.details["rolled_back"] = [m.version for m in report.rolled_back]
    report.duration_ms = (time.perf_counter() - started) * 1000
    return report


async def run_repair(
    settings: Settings,
    *,
    version: int | None = None,
    mark: Literal["applied", "rolled-back"] | None = None,
    forget_missing: bool = False,
    baseline: int | None = None,
    dry_run: bool = False,
) -> RepairReport:
    """Realign checksums, forget missing files, or resolve one dirty row.

    ``baseline``: record every migration up to that version as applied without
    running it, for a database whose schema already exists (made by the Go
    tool, or restored from a dump) -- Flyway's baseline.
    """
    from .foreign import refuse_if_foreign

    if (version is None) != (mark is None):
        raise ConfigurationError(
            "--version and --applied/--rolled-back go together",
            hint="e.g. `trenova-db repair --version 5 --applied`",
        )
    if baseline is not None and version is not None:
        raise ConfigurationError("pass either --baseline or --version, not both")
    files = discover_migrations(settings.migrations_dir)
    if baseline is not None and not any(m.version <= baseline for m in files.migrations):
        raise ConfigurationError(
            f"no migration file at or below version {baseline}; nothing to baseline",
            hint="--baseline N records files up to version N as applied without running them",
        )
    report = RepairReport(database=settings.masked_url, schema=settings.schema, dry_run=dry_run)
    async with session(settings, "repair") as conn, locked(settings, conn):
        await refuse_if_foreign(conn, settings.schema, "repair")
        if dry_run:
            # The real repair, in a transaction that is rolled back: the actions
            # listed are exactly what it would do, and nothing stays written.
            undo = conn.transaction()
            await undo.start()
            try:
                await ensure_bookkeeping(conn, settings.schema)
                if baseline is not None:
                    await _baseline(conn, settings, files, report, baseline)
                else:
                    await _repair(conn, settings, files, report, version, mark, forget_missing)
            finally:
                await undo.rollback()
            return report
        await ensure_bookkeeping(conn, settings.schema)
        async with audited(conn, settings, "repair") as audit:
            if baseline is not None:
                await _baseline(conn, settings, files, report, baseline)
            else:
                await _repair(conn, settings, files, report, version, mark, forget_missing)
            audit.details["actions"] = report.actions
    return report


async def _baseline(
    conn: Any, settings: Settings, files: MigrationSet, report: RepairReport, upto: int
) -> None:
    store = MigrationStore(settings.schema)
    recorded = (await store.read(conn)).applied
    if recorded:
        # Like Flyway: a baseline describes a database trenova-db has never
        # migrated; on a history it would hide gaps a human must look at.
        raise HistoryMismatch(
            f"--baseline is for a database with no trenova-db history; "
            f"{len(recorded)} migration(s) are already recorded",
            hint="`trenova-db status` shows them; mark single versions with "
            "`repair --version N --applied` after checking them by hand",
        )
    who = f"{actor()}@{host()} (baseline)"
    async with conn.transaction():
        for m in files.migrations:
            if m.version > upto:
                continue
            await store.record_unrun(conn, m, who)
            report.actions.append(f"version {m.version} ({m.label}): recorded as applied, not run")


async def _repair(
    conn: Any,
    settings: Settings,
    files: MigrationSet,
    report: RepairReport,
    version: int | None,
    mark: str | None,
    forget_missing: bool,
) -> None:
    by_version = files.by_version()
    store = MigrationStore(settings.schema)
    history = await store.read(conn)
    rows = {r.version: r for r in history.applied}
    async with conn.transaction():
        if version is not None:
            row = rows.get(version)
            if row is None:
                raise HistoryMismatch(f"version {version} is not in the history; nothing to repair")
            if not row.dirty:
                raise HistoryMismatch(
                    f"version {version} ({row.name}) is not dirty; nothing to resolve",
                    hint="--version is for dirty migrations; plain `trenova-db repair` "
                    "realigns changed checksums",
                )
            if mark == "rolled-back":
                await store.forget(conn, version)
                report.actions.append(
                    f"version {version} ({row.name}): forgotten (marked rolled back)"
                )
            else:
                f = by_version.get(version)
                checksum = f.checksum if f else row.checksum
                await store.mark_applied(conn, version, checksum)
                report.actions.append(f"version {version} ({row.name}): marked applied")
        for row in history.applied:
            if row.version == version:
                continue
            f = by_version.get(row.version)
            if row.dirty:
                report.remaining.append(
                    f"version {row.version} ({row.name}) is still dirty: decide, then run "
                    f"`trenova-db repair --version {row.version} --applied` or `--rolled-back`"
                )
            elif f is None and forget_missing:
                await store.forget(conn, row.version)
                report.actions.append(f"version {row.version} ({row.name}): file gone, forgotten")
            elif f is not None and f.checksum != row.checksum:
                await store.realign(conn, row.version, f.checksum)
                report.actions.append(
                    f"version {row.version} ({f.label}): checksum realigned to {f.checksum[:19]}..."
                )


async def run_status(
    settings: Settings, *, conn: Any | None = None, files: MigrationSet | None = None
) -> StatusReport:
    """The migrations' status; on ``conn`` and with ``files`` when the caller has them."""
    if conn is None:
        async with session_with_files(settings, "status", files) as (own, found):
            return await run_status(settings, conn=own, files=found)
    report, _ = await status_with_extras(settings, conn, files, seeds_environment=None)
    return report


async def status_with_extras(
    settings: Settings, conn: Any, files: MigrationSet | None, *, seeds_environment: str | None
) -> tuple[StatusReport, StatusExtras]:
    """The migrations' status, and what else status shows (the seeds' history
    of ``seeds_environment`` among it, when given), read on ``conn``."""
    from .foreign import refuse_if_foreign
    from .plan import make_plan, status_items
    from .status_extras import read_status_extras

    if files is None:
        files = discover_migrations(settings.migrations_dir)
    history = await MigrationStore(settings.schema).read(conn)
    if history.internal_version <= 0:
        await refuse_if_foreign(conn, settings.schema, "status")
    extras = await read_status_extras(
        conn,
        settings.schema,
        environment=seeds_environment,
        internal_version=history.internal_version,
    )
    plan = make_plan(files, history, allow_out_of_order=False)
    report = StatusReport(
        database=settings.masked_url,
        schema=settings.schema,
        environment=settings.environment.value,
        migrations=status_items(files, history),
        problems=plan.problems,
        ignored_files=list(files.ignored),
        lock=extras.lock,
        abandoned=[a.describe() for a in extras.abandoned],
        connection=pooler.pooling(conn).describe(),
    )
    return report, extras
