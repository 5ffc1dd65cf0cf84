"""Running seeds: selection, dependency order, one transaction per seed.

Fixes the original's bugs: dependencies are enforced (topological order; a
cycle or an unknown name stops the run before anything executes), and a failed
seed's error row is written in its own transaction AFTER the seed's transaction
rolled back, so it is never lost with it.

Independent seeds run at once with ``parallel > 1``, each worker on its own
connection; a seed starts when all its dependencies have committed.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import secrets
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import msgspec

from .. import logs, pooler
from ..asking import ask_or_stop
from ..audit import actor, host
from ..bookkeeping import ensure_bookkeeping
from ..config import Settings, dsn_password, mask_secrets
from ..connection import is_connection_loss
from ..errors import (
    ConfigurationError,
    HistoryMismatch,
    LostLock,
    Refused,
    SeedFailed,
    SeedGraphError,
    StaleRegistry,
    TrenovaDBError,
    ValidationError,
)
from ..foreign import is_adopted_checksum, refuse_if_foreign
from ..lock import RunLock, lost_lock
from ..migrator import audit_refused
from ..reports import Ask, SeedItem, SeedReport
from ..session import after_loss, audited, backend_pid, locked, session
from ..stores import SeedHistoryStore
from .base import BaseSeed
from .context import SeedContext
from .graph import order_seeds, select_seeds
from .model import RegistryEntry
from .registry import check_registry

__all__ = ["load_seed", "order_seeds", "run_seed_rollback", "run_seeds", "select_seeds"]

_encode = msgspec.json.Encoder().encode


def load_seed(seeds_dir: Path, entry: RegistryEntry) -> BaseSeed:
    """A new instance of a seed, its file imported at run time (never to build
    the registry). A fleet imports each file once (trenova_db.snapshot): every
    target gets its own instance of the one class, and a file edited while the
    fleet runs cannot give two targets different seeds."""
    from ..snapshot import once

    path = seeds_dir / entry.path
    cls = once("seed", path, lambda: _import_seed(seeds_dir, path, entry))
    return cls()


# Every seeds folder gets a package of its own, under this one: its seeds
# import the helpers beside them relatively (``from ._common import ...``, a
# file whose name starts with "_" is never a seed), and two projects' seeds in
# one process (a test suite, a service) never share a module name.
SEEDS_PACKAGE = "trenova_seeds"


def _package(name: str, path: str | None) -> None:
    """A package module ``name`` whose submodules are the files in ``path``
    (none for None), unless one is already loaded."""
    if name in sys.modules:
        return
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [path] if path is not None else []
    sys.modules[name] = importlib.util.module_from_spec(spec)


def seed_module_name(seeds_dir: Path, folder: str, stem: str) -> str:
    """The module a seed file is imported as (its packages loaded first):
    ``trenova_seeds.s<digest of the seeds folder>.<folder>.<file stem>``."""
    import hashlib
    import os

    root = os.path.realpath(seeds_dir)
    project = f"{SEEDS_PACKAGE}.s{hashlib.sha256(root.encode()).hexdigest()[:12]}"
    _package(SEEDS_PACKAGE, None)
    _package(project, root)
    _package(f"{project}.{folder}", os.path.join(root, folder))
    return f"{project}.{folder}.{stem}"


def _import_seed(seeds_dir: Path, path: Path, entry: RegistryEntry) -> type[BaseSeed]:
    module_name = seed_module_name(seeds_dir, entry.folder, path.stem)
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        cls = getattr(module, entry.class_name)
    except (Exception, SystemExit) as exc:  # sys.exit() at import is a broken file too
        sys.modules.pop(module_name, None)
        raise SeedFailed(
            f"seed {entry.name}: cannot import {entry.path}: {type(exc).__name__}: {exc}",
            seed=entry.name,
            hint="fix the file; nothing was run",
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, BaseSeed)):
        raise SeedFailed(
            f"seed {entry.name}: {entry.class_name} in {entry.path} is not a BaseSeed subclass",
            seed=entry.name,
        )
    return cls


class _Run:
    """One ``seed`` command: shared state of its workers."""

    def __init__(
        self, settings: Settings, *, force: bool, verbose: bool, lock: RunLock | None = None
    ) -> None:
        self.settings = settings
        self.force = force
        self.verbose = verbose
        self.lock = lock
        self.store = SeedHistoryStore(settings.schema)
        self.items: dict[str, SeedItem] = {}
        self.failed: list[SeedFailed] = []
        self.secret = dsn_password(settings.database_url)
        # Written into every history row of this run: what a lost connection
        # committed is found by it afterwards.
        self.token = secrets.token_hex(8)
        self.lost: LostLock | None = None
        self.in_flight: set[str] = set()
        # Server pids of every connection that worked for this run, and the
        # coordinator's connection (the first).
        self.pids: list[int] = []
        self.coordinator: Any = None

    @property
    def stopped(self) -> bool:
        return bool(self.failed) or self.lost is not None

    def mask(self, text: str) -> str:
        """No password in seed_history: errors often quote a connection string."""
        return mask_secrets(text, self.secret)

    async def _record(
        self,
        conn: Any,
        entry: RegistryEntry,
        status: str,
        notes: str | None,
        error: str | None,
        details: dict[str, Any],
    ) -> None:
        await self.store.record(
            conn,
            name=entry.name,
            version=entry.version,
            environment=self.settings.environment.value,
            checksum=entry.checksum,
            actor=actor(),
            status=status,
            notes=notes,
            error=error,
            details_json=_encode(details).decode(),
        )

    async def execute(self, conn: Any, entry: RegistryEntry, seed: BaseSeed) -> None:
        if self.lock is not None:
            await self.lock.ensure_held()  # nothing starts once a piece of the lock is gone
        started = time.perf_counter()
        ctx = SeedContext(conn, self.settings.environment, seed_name=entry.name)
        details: dict[str, Any] = {"host": host(), "path": entry.path, "run": self.token}
        self.in_flight.add(entry.name)
        try:
            await self._execute(conn, entry, seed, ctx, started, details)
        finally:
            self.in_flight.discard(entry.name)

    async def _execute(
        self,
        conn: Any,
        entry: RegistryEntry,
        seed: BaseSeed,
        ctx: SeedContext,
        started: float,
        details: dict[str, Any],
    ) -> None:
        try:
            async with conn.transaction():
                local = pooler.local_settings(conn)  # behind a transaction pooler
                if local:
                    await conn.execute(local)
                before = await _written(conn)
                await seed.run(ctx)
                details["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
                details["written"] = _minus(await _written(conn), before)
                # The helpers' own counts; a seed writing plain SQL gets the
                # server's per-table figures instead.
                details["rows"] = dict(ctx.rows) or {
                    table: sum(counts.values()) for table, counts in details["written"].items()
                }
                await self._record(conn, entry, "Active", None, None, details)
        # A seed may raise anything, sys.exit() included (it must not become
        # our exit code): record it, never lose it. Ctrl-C still interrupts.
        except (Exception, SystemExit) as exc:
            error = self.mask(f"{type(exc).__name__}: {exc}")
            lost = conn.is_closed() or (not isinstance(exc, OSError) and is_connection_loss(exc))
            if isinstance(exc, LostLock) or lost:
                # The session (and its piece of the lock) is gone: whether the
                # seed committed is known only once that backend has ended.
                raise lost_lock(
                    f"the connection broke while running seed {entry.name}: {error}"
                ) from exc
            where = _where(exc, entry)
            details["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
            details["traceback"] = self.mask(traceback.format_exc(limit=8))
            recorded, why = True, ""
            try:  # in its own transaction: the seed's was rolled back
                await self._record(conn, entry, "Inactive", "failed; rolled back", error, details)
            except Exception as record_error:
                recorded = False
                why = self.mask(f"{type(record_error).__name__}: {record_error}")
            self.items[entry.name] = SeedItem(
                name=entry.name,
                version=entry.version,
                state="failed",
                folder=entry.folder,
                path=entry.path,
                error=error,
                duration_ms=details["duration_ms"],
            )
            hint = (
                "its transaction was rolled back (no data kept) and the failure, with "
                "its traceback in details, recorded in seed_history; fix the seed and run "
                "`trenova-db seed` again"
                if recorded
                else "its transaction was rolled back (no data kept); the failure could NOT be "
                f"recorded in seed_history ({why}); fix the seed and run `trenova-db seed` again"
            )
            self.failed.append(
                SeedFailed(
                    f"seed {entry.name} ({where}) failed: {error}", seed=entry.name, hint=hint
                )
            )
            self._log(self.items[entry.name])
            return
        self.items[entry.name] = SeedItem(
            name=entry.name,
            version=entry.version,
            state="applied",
            folder=entry.folder,
            path=entry.path,
            duration_ms=details["duration_ms"],
            rows=details["rows"],
            secrets=dict(ctx.secrets) or None,
        )
        self._log(self.items[entry.name])

    def _log(self, item: SeedItem) -> None:
        logs.seed_done(
            item,
            environment=self.settings.environment.value,
            database=self.settings.masked_url,
        )


_WRITTEN = """
SELECT CASE WHEN schemaname = 'public' THEN relname ELSE schemaname || '.' || relname END,
       n_tup_ins, n_tup_upd, n_tup_del
FROM pg_stat_xact_user_tables
WHERE n_tup_ins + n_tup_upd + n_tup_del > 0
ORDER BY 1
"""


async def _written(conn: Any) -> dict[str, dict[str, int]]:
    """Rows inserted, updated and deleted per table, as the server counts them
    (whatever the seed used: helpers, SQL, COPY), not yet flushed to pg_stat.

    That includes earlier transactions of this session whose counts are still
    pending, so the seed's own figures are the difference across its run.
    """
    return {
        table: {"inserted": i, "updated": u, "deleted": d}
        for table, i, u, d in await conn.fetch(_WRITTEN)
    }


def _minus(
    after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for table, counts in after.items():
        earlier = before.get(table, {})
        delta = {k: v - earlier.get(k, 0) for k, v in counts.items() if v - earlier.get(k, 0)}
        if delta:
            out[table] = delta
    return out


def _where(exc: BaseException, entry: RegistryEntry) -> str:
    """``base/01_x.py:42``: the deepest traceback line inside the seed file."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.endswith(entry.path):
            line = lineno
    return f"{entry.path}:{line}" if line else entry.path


def _plan(
    selected: list[RegistryEntry], history: list[Any], *, force: bool
) -> tuple[dict[str, SeedItem], list[RegistryEntry]]:
    """Each selected seed's state, and the ones to run (skip, modified, --force)."""
    active = {(h.name, h.version): h for h in history if h.status == "Active"}
    todo: list[RegistryEntry] = []
    items: dict[str, SeedItem] = {}
    for e in selected:
        h = active.get((e.name, e.version))
        if h is not None and not force:
            # An adopted Go checksum (md5 of the Go seed) means "applied", never "modified".
            modified = h.checksum != e.checksum and not is_adopted_checksum(h.checksum)
            items[e.name] = SeedItem(
                name=e.name,
                version=e.version,
                folder=e.folder,
                path=e.path,
                state="modified" if modified else "skipped",
                applied_at=h.applied_at,
                note=(
                    "modified since applied (same version): bump its version to re-run, "
                    "or pass --force"
                    if modified
                    else "already applied"
                ),
            )
        else:
            todo.append(e)
            items[e.name] = SeedItem(
                name=e.name, version=e.version, folder=e.folder, path=e.path, state="would-apply"
            )
    return items, todo


async def run_seeds(
    settings: Settings,
    *,
    force: bool = False,
    dry_run: bool = False,
    verbose: bool = False,
    parallel: int = 1,
    progress: Any | None = None,
    ask: Ask | None = None,
) -> SeedReport:
    started = time.perf_counter()
    if parallel < 1:
        raise ConfigurationError(f"--parallel must be at least 1 (got {parallel})")
    if ask is not None:
        parallel = 1  # -i: one question, so one seed, at a time
    try:
        registry = check_registry(settings.seeds_dir)
        selected = order_seeds(select_seeds(registry, settings.environment), registry)
    except ValidationError as exc:  # stale registry, bad files, cycle: nothing ran
        if isinstance(exc, StaleRegistry):
            logs.stale_registry(exc, seeds_dir=str(settings.seeds_dir))
        await audit_refused(settings, "seed", exc)
        raise
    env = settings.environment
    report = SeedReport(database=settings.masked_url, environment=env.value, dry_run=dry_run)
    async with session(settings, "seed") as conn:
        history = await SeedHistoryStore(settings.schema).read(conn, env.value)
        if not history or not isinstance(history[0].applied_at, datetime):
            # No history of ours (or the Go seeder's, epoch seconds): whose is it?
            await refuse_if_foreign(conn, settings.schema, "seed")
        items, todo = _plan(selected, history, force=force)
        if dry_run or not todo:
            report.seeds = [items[e.name] for e in selected]
            report.duration_ms = (time.perf_counter() - started) * 1000
            if not dry_run and history:
                async with audited(conn, settings, "seed") as audit:
                    audit.outcome = "noop"
                    audit.details["skipped"] = [e.name for e in selected]
            return report
        seeds = {e.name: load_seed(settings.seeds_dir, e) for e in todo}
        async with locked(settings, conn) as lock:
            # Another run may have applied some while we waited for the lock.
            history = await SeedHistoryStore(settings.schema).read(conn, env.value)
            items, todo = _plan(selected, history, force=force)
            for e in todo:  # one rolled back or failed elsewhere while we waited
                if e.name not in seeds:
                    seeds[e.name] = load_seed(settings.seeds_dir, e)
            if not todo:
                report.seeds = [items[e.name] for e in selected]
                report.duration_ms = (time.perf_counter() - started) * 1000
                async with audited(conn, settings, "seed") as audit:
                    audit.outcome = "noop"
                    audit.details["applied_by_another_run"] = [e.name for e in selected]
                return report
            await ensure_bookkeeping(conn, settings.schema)
            run = _Run(settings, force=force, verbose=verbose, lock=lock)
            run.pids.append(backend_pid(conn))
            run.coordinator = conn
            async with audited(
                conn,
                settings,
                "seed",
                details={"seeds": [e.name for e in todo], "force": force, "run": run.token},
                mask=run.mask,
            ) as audit:
                try:
                    await _schedule(run, conn, todo, seeds, parallel, progress, ask)
                    if run.lost is not None:
                        raise run.lost
                except BaseException as exc:
                    lost = exc if isinstance(exc, LostLock) else None
                    if lost is None and isinstance(exc, Exception) and is_connection_loss(exc):
                        lost = lost_lock(f"the connection broke: {exc}")
                    if lost is not None:
                        await _verify_lost(run, lost)
                        audit.details["applied"] = [d.split(" ", 1)[1] for d in lost.done]
                        if lost is not exc:
                            raise lost from exc
                    else:
                        audit.details["applied"] = sorted(run.items)
                    raise
                items.update(run.items)
                for e in todo:
                    if e.name not in run.items:
                        items[e.name] = SeedItem(
                            name=e.name,
                            version=e.version,
                            folder=e.folder,
                            path=e.path,
                            state="pending",
                            note="not run: an earlier seed failed",
                        )
                report.seeds = [items[e.name] for e in selected]
                report.duration_ms = (time.perf_counter() - started) * 1000
                audit.outcome = "failed" if run.failed else "success"
                audit.details.update(
                    applied=[s.name for s in report.seeds if s.state == "applied"],
                    failed=[f.seed for f in run.failed],
                )
            if run.failed:
                first = run.failed[0]
                first.done = [f"applied {i.name}" for i in report.seeds if i.state == "applied"]
                raise first
    return report


async def _verify_lost(run: _Run, lost: LostLock) -> None:
    """Report what the run committed, read once every session of it has ended."""
    settings = run.settings
    in_flight = sorted(run.in_flight)

    async def read(conn: Any) -> list[tuple[str, str]]:
        return await run.store.of_run(conn, run.token)

    with anyio.move_on_after(settings.lock_timeout + 5, shield=True):
        # Every lost session of the run: a worker may still be committing its
        # seed (the others were closed, or are the live coordinator).
        pids = run.pids if run.coordinator.is_closed() else run.pids[1:]
        found, note = await after_loss(settings, pids, read)
        if found is None:
            lost.done = [
                f"applied {name}" for name, i in sorted(run.items.items()) if i.state == "applied"
            ]
            lost.unknown = [f"whether seed {name} committed" for name in in_flight]
            lost.hint = (
                f"{note}; the seeds listed as done were confirmed before the connection broke"
            )
            return
        lost.done = [f"applied {name}" for name, status in found if status == "Active"]
        failed = [name for name, status in found if status != "Active"]
        lost.unknown = []
        lost.hint = (
            f"{note}: {len(lost.done)} seed(s) of this run are recorded as applied"
            + (f", {len(failed)} as failed ({', '.join(failed)})" if failed else "")
            + "; every other seed of this run left no data (each commits with its history "
            "row); run `trenova-db seed` again for the rest"
        )


async def _schedule(
    run: _Run,
    conn: Any,
    todo: list[RegistryEntry],
    seeds: dict[str, BaseSeed],
    parallel: int,
    progress: Any | None,
    ask: Ask | None = None,
) -> None:
    """Run ``todo`` in order; with parallel > 1, start each seed once its deps are done."""
    from ..reports import Progress

    total = len(todo)
    started = 0

    def tick(label: str) -> None:
        nonlocal started
        if progress:
            progress(Progress(phase="seed", done=started, total=total, label=label))
        started += 1 if label else 0

    if parallel <= 1:
        for e in todo:
            await ask_or_stop(ask, f"Run seed {e.name} {e.version} ({e.path})?")
            tick(e.name)
            await run.execute(conn, e, seeds[e.name])
            if run.stopped:
                return
        tick("")
        return

    names = {e.name for e in todo}
    done = {name: anyio.Event() for name in names}
    limiter = anyio.CapacityLimiter(parallel)
    connections: list[Any] = [conn]

    async def worker(e: RegistryEntry) -> None:
        for dep in e.depends_on:
            if dep in done:
                await done[dep].wait()
        try:
            if run.stopped:
                return
            async with limiter:
                if run.stopped:
                    return
                own = connections.pop() if connections else None
                if own is None:
                    from ..connection import connect

                    s = run.settings
                    assert s.database_url is not None
                    own = await connect(
                        s.database_url,
                        purpose="seed",
                        connect_timeout=s.connect_timeout,
                        statement_timeout=s.statement_timeout,
                        lock_timeout=s.lock_timeout if s.lock_timeout_set else None,
                        debug=s.debug,
                        # what the run's first connection found: no new probe
                        pooler=pooler.pooling(conn).mode,
                    )
                    opened.append(own)
                    run.pids.append(backend_pid(own))
                    # Part of the run's lock until it closes: a second runner
                    # stays out while this connection may still be working.
                    assert run.lock is not None
                    await run.lock.enlist(own)
                try:
                    tick(e.name)
                    await run.execute(own, e, seeds[e.name])
                except LostLock as exc:
                    # The others finish their seed; none starts another.
                    if run.lost is None:
                        run.lost = exc
                finally:
                    connections.append(own)
        finally:
            done[e.name].set()

    opened: list[Any] = []
    try:
        async with anyio.create_task_group() as tg:
            for e in todo:
                tg.start_soon(worker, e)
    finally:
        for c in opened:
            try:
                await c.close(timeout=5)
            except Exception:
                c.terminate()
    tick("")


async def run_seed_rollback(
    settings: Settings,
    name: str,
    *,
    force: bool = False,
    confirmed: bool = False,
    dry_run: bool = False,
) -> SeedReport:
    """Run one seed's ``rollback()`` and mark its history Inactive."""
    env = settings.environment
    if env.is_protected and not (force or confirmed or dry_run):
        refused = Refused(
            f"seed-rollback in {env.value} is refused without --force",
            hint="pass --force if you really mean to remove this seed's data",
        )
        await audit_refused(settings, "seed-rollback", refused)
        raise refused
    registry = check_registry(settings.seeds_dir)
    entry = next((e for e in registry.seeds if e.name == name), None)
    if entry is None:
        known = ", ".join(sorted(e.name for e in registry.seeds)) or "none"
        raise SeedGraphError(f"unknown seed {name!r}; known seeds: {known}")
    if not entry.has_rollback:
        raise ValidationError(
            f"seed {name} ({entry.path}) defines no rollback(); nothing was rolled back",
            hint="add an `async def rollback(self, ctx)` that undoes run()",
        )
    seed = load_seed(settings.seeds_dir, entry)
    async with session(settings, "seed-rollback") as conn:
        history = await SeedHistoryStore(settings.schema).read(conn, env.value)
        if not history or not isinstance(history[0].applied_at, datetime):
            await refuse_if_foreign(conn, settings.schema, "seed-rollback")
    if not any(h.name == name and h.status == "Active" for h in history):
        raise HistoryMismatch(
            f"seed {name} is not applied in {env.value}; nothing to roll back",
            hint="`trenova-db status` lists what is applied",
        )
    report = SeedReport(
        operation="seed-rollback",
        database=settings.masked_url,
        environment=env.value,
        dry_run=dry_run,
    )
    if dry_run:
        report.seeds.append(
            SeedItem(
                name=name,
                version=entry.version,
                state="would-roll-back",
                folder=entry.folder,
                path=entry.path,
                note="dry run: rollback() not run, history unchanged",
            )
        )
        return report
    started = time.perf_counter()
    async with session(settings, "seed-rollback") as conn, locked(settings, conn):
        await ensure_bookkeeping(conn, settings.schema)
        ctx = SeedContext(conn, env, seed_name=name)
        async with audited(conn, settings, "seed-rollback", details={"seed": name}) as audit:
            try:
                async with conn.transaction():
                    await seed.rollback(ctx)
                    await SeedHistoryStore(settings.schema).mark_rolled_back(
                        conn, name, env.value, actor()
                    )
            except (Exception, SystemExit) as exc:
                if isinstance(exc, TrenovaDBError):
                    raise
                secret = dsn_password(settings.database_url)
                error = mask_secrets(f"{type(exc).__name__}: {exc}", secret)
                if conn.is_closed() or is_connection_loss(exc):
                    raise lost_lock(
                        f"the connection broke while rolling back seed {name}: {error}",
                        hint="whether the rollback committed is unknown until that session "
                        "has ended: check `trenova-db status`",
                    ) from exc
                raise SeedFailed(
                    f"rollback of seed {name} failed: {error}",
                    seed=name,
                    hint="its transaction was rolled back; nothing changed",
                ) from exc
            audit.details["rows"] = dict(ctx.rows)
    report.seeds.append(
        SeedItem(
            name=name,
            version=entry.version,
            state="rolled-back",
            folder=entry.folder,
            path=entry.path,
            rows=dict(ctx.rows),
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
    )
    report.duration_ms = (time.perf_counter() - started) * 1000
    return report
