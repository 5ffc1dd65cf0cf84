"""Running seeds: selection, dependency order, one transaction per seed.

Fixes the original's bugs: dependencies are enforced (topological order; a
cycle or an unknown name stops the run before anything executes), and a failed
seed's error row is written in its own transaction AFTER the seed's transaction
rolled back, so it is never lost with it.

Independent seeds run at once with ``parallel > 1``, each worker on its own
connection; a seed starts when all its dependencies have committed.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import anyio
import msgspec

from ..audit import Audit, actor, host
from ..bookkeeping import ensure_bookkeeping, quote_ident, read_seed_history
from ..config import Settings, dsn_password, mask_secrets
from ..errors import (
    ConfigurationError,
    HistoryMismatch,
    Refused,
    SeedFailed,
    SeedGraphError,
    TrenovaDBError,
    ValidationError,
)
from ..migrator import audit_refused, locked, session
from ..reports import SeedItem, SeedReport
from .base import BaseSeed
from .context import SeedContext
from .graph import order_seeds, select_seeds
from .model import RegistryEntry
from .registry import check_registry

__all__ = ["load_seed", "order_seeds", "run_seed_rollback", "run_seeds", "select_seeds"]

_encode = msgspec.json.Encoder().encode


def load_seed(seeds_dir: Path, entry: RegistryEntry) -> BaseSeed:
    """Import a seed file (only at run time, never to build the registry)."""
    path = seeds_dir / entry.path
    module_name = f"trenova_seeds.{entry.folder}.{path.stem}"
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
    return cls()


_UPSERT = """
INSERT INTO {s}.seed_history AS h
    (name, version, environment, checksum, applied_by, status, notes, error, details)
VALUES ($1, $2, $3, $4, $5, $6::{s}.seed_status_enum, $7, $8, $9::jsonb)
ON CONFLICT (name, version, environment) DO UPDATE SET
    checksum = EXCLUDED.checksum, applied_at = clock_timestamp(),
    applied_by = EXCLUDED.applied_by, status = EXCLUDED.status, notes = EXCLUDED.notes,
    error = EXCLUDED.error, details = EXCLUDED.details
"""


class _Run:
    """One ``seed`` command: shared state of its workers."""

    def __init__(self, settings: Settings, *, force: bool, verbose: bool) -> None:
        self.settings = settings
        self.force = force
        self.verbose = verbose
        self.upsert = _UPSERT.format(s=quote_ident(settings.schema))
        self.items: dict[str, SeedItem] = {}
        self.failed: list[SeedFailed] = []
        self.secret = dsn_password(settings.database_url)

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
        await conn.execute(
            self.upsert,
            entry.name,
            entry.version,
            self.settings.environment.value,
            entry.checksum,
            actor(),
            status,
            notes,
            error,
            _encode(details).decode(),
        )

    async def execute(self, conn: Any, entry: RegistryEntry, seed: BaseSeed) -> None:
        started = time.perf_counter()
        ctx = SeedContext(conn, self.settings.environment, seed_name=entry.name)
        details: dict[str, Any] = {"host": host(), "path": entry.path}
        try:
            async with conn.transaction():
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
            where = _where(exc, entry)
            details["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
            details["traceback"] = self.mask(traceback.format_exc(limit=8))
            try:  # in its own transaction: the seed's was rolled back
                await self._record(conn, entry, "Inactive", "failed; rolled back", error, details)
            except Exception:  # the connection itself may be gone
                pass
            self.items[entry.name] = SeedItem(
                name=entry.name,
                version=entry.version,
                state="failed",
                folder=entry.folder,
                path=entry.path,
                error=error,
                duration_ms=details["duration_ms"],
            )
            self.failed.append(
                SeedFailed(
                    f"seed {entry.name} ({where}) failed: {error}",
                    seed=entry.name,
                    hint="its transaction was rolled back (no data kept) and the failure, with "
                    "its traceback in details, recorded in seed_history; fix the seed and run "
                    "`trenova-db seed` again",
                )
            )
            return
        self.items[entry.name] = SeedItem(
            name=entry.name,
            version=entry.version,
            state="applied",
            folder=entry.folder,
            path=entry.path,
            duration_ms=details["duration_ms"],
            rows=details["rows"],
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
            modified = h.checksum != e.checksum
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
) -> SeedReport:
    started = time.perf_counter()
    if parallel < 1:
        raise ConfigurationError(f"--parallel must be at least 1 (got {parallel})")
    try:
        registry = check_registry(settings.seeds_dir)
        selected = order_seeds(select_seeds(registry, settings.environment), registry)
    except ValidationError as exc:  # stale registry, bad files, cycle: nothing ran
        await audit_refused(settings, "seed", exc)
        raise
    env = settings.environment
    report = SeedReport(database=settings.masked_url, environment=env.value, dry_run=dry_run)
    async with session(settings, "seed") as conn:
        history = await read_seed_history(conn, settings.schema, env.value)
        items, todo = _plan(selected, history, force=force)
        if dry_run or not todo:
            report.seeds = [items[e.name] for e in selected]
            report.duration_ms = (time.perf_counter() - started) * 1000
            if not dry_run and history:
                audit = Audit(conn, settings.schema, "seed", env.value)
                await audit.start()
                await audit.finish("noop", {"skipped": [e.name for e in selected]})
            return report
        seeds = {e.name: load_seed(settings.seeds_dir, e) for e in todo}
        async with locked(settings, "seed"):
            # Another run may have applied some while we waited for the lock.
            history = await read_seed_history(conn, settings.schema, env.value)
            items, todo = _plan(selected, history, force=force)
            for e in todo:  # one rolled back or failed elsewhere while we waited
                if e.name not in seeds:
                    seeds[e.name] = load_seed(settings.seeds_dir, e)
            if not todo:
                report.seeds = [items[e.name] for e in selected]
                report.duration_ms = (time.perf_counter() - started) * 1000
                audit = Audit(conn, settings.schema, "seed", env.value)
                await audit.start()
                await audit.finish("noop", {"applied_by_another_run": [e.name for e in selected]})
                return report
            await ensure_bookkeeping(conn, settings.schema)
            audit = Audit(conn, settings.schema, "seed", env.value)
            await audit.start({"seeds": [e.name for e in todo], "force": force})
            run = _Run(settings, force=force, verbose=verbose)
            try:
                await _schedule(run, conn, todo, seeds, parallel, progress)
            except BaseException as exc:
                await audit.fail(exc, {"applied": sorted(run.items)}, mask=run.mask)
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
            outcome = "failed" if run.failed else "success"
            await audit.finish(
                outcome,
                {
                    "applied": [s.name for s in report.seeds if s.state == "applied"],
                    "failed": [f.seed for f in run.failed],
                },
            )
            if run.failed:
                first = run.failed[0]
                first.done = [f"applied {i.name}" for i in report.seeds if i.state == "applied"]
                raise first
    return report


async def _schedule(
    run: _Run,
    conn: Any,
    todo: list[RegistryEntry],
    seeds: dict[str, BaseSeed],
    parallel: int,
    progress: Any | None,
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
            tick(e.name)
            await run.execute(conn, e, seeds[e.name])
            if run.failed:
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
            if run.failed:
                return
            async with limiter:
                if run.failed:
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
                        debug=s.debug,
                    )
                    opened.append(own)
                try:
                    tick(e.name)
                    await run.execute(own, e, seeds[e.name])
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
            await c.close(timeout=5)
    tick("")


async def run_seed_rollback(
    settings: Settings, name: str, *, force: bool = False, confirmed: bool = False
) -> SeedReport:
    """Run one seed's ``rollback()`` and mark its history Inactive."""
    env = settings.environment
    if env.is_protected and not (force or confirmed):
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
        history = await read_seed_history(conn, settings.schema, env.value)
    if not any(h.name == name and h.status == "Active" for h in history):
        raise HistoryMismatch(
            f"seed {name} is not applied in {env.value}; nothing to roll back",
            hint="`trenova-db status` lists what is applied",
        )
    report = SeedReport(
        operation="seed-rollback", database=settings.masked_url, environment=env.value
    )
    started = time.perf_counter()
    s = quote_ident(settings.schema)
    async with session(settings, "seed-rollback") as conn, locked(settings, "seed-rollback"):
        await ensure_bookkeeping(conn, settings.schema)
        audit = Audit(conn, settings.schema, "seed-rollback", env.value)
        await audit.start({"seed": name})
        ctx = SeedContext(conn, env, seed_name=name)
        try:
            async with conn.transaction():
                await seed.rollback(ctx)
                await conn.execute(
                    f"UPDATE {s}.seed_history SET status = 'Inactive', "
                    "notes = 'rolled back by ' || $3, applied_at = clock_timestamp() "
                    "WHERE name = $1 AND environment = $2",
                    name,
                    env.value,
                    actor(),
                )
        except (Exception, SystemExit) as exc:
            secret = dsn_password(settings.database_url)
            error = mask_secrets(f"{type(exc).__name__}: {exc}", secret)
            await audit.finish("failed", {"error": error})
            if isinstance(exc, TrenovaDBError):
                raise
            raise SeedFailed(
                f"rollback of seed {name} failed: {error}",
                seed=name,
                hint="its transaction was rolled back; nothing changed",
            ) from exc
        await audit.finish("success", {"rows": dict(ctx.rows)})
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
