"""What the seed history says next to what the files say: status, check, clean."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..audit import actor
from ..bookkeeping import SeedHistoryRow, ensure_bookkeeping
from ..config import Settings
from ..errors import Refused, StaleRegistry
from ..foreign import is_adopted_checksum, refuse_if_foreign
from ..reports import SeedItem, SeedReport
from ..session import audited, locked, session
from ..stores import SeedHistoryStore
from .graph import graph_problems, select_seeds
from .model import REGISTRY_FILE, Registry, RegistryEntry
from .registry import registry_problems, require_seeds_dir, sync_registry
from .scan import scan_seeds

__all__ = ["run_seed_check", "run_seed_clean", "seed_status"]


async def seed_status(
    conn: Any, settings: Settings, *, history: list[SeedHistoryRow] | None = None
) -> tuple[list[SeedItem], list[str]]:
    """Seeds of this environment (applied, pending, modified, failed) plus orphans;
    ``history``: the environment's seed_history rows when the caller read them."""
    problems: list[str] = []
    if not settings.seeds_dir.is_dir():
        return [], problems
    scanned = scan_seeds(settings.seeds_dir)
    problems.extend(_registry_problems(settings, scanned))
    problems.extend(graph_problems(scanned))
    env = settings.environment
    if history is None:
        history = await SeedHistoryStore(settings.schema).read(conn, env.value)
    latest: dict[tuple[str, str], Any] = {}
    for row in history:  # ordered by applied_at: the last one wins
        latest[(row.name, row.version)] = row
    items: list[SeedItem] = []
    for e in select_seeds(scanned, env):
        h = latest.get((e.name, e.version))

        def item(state: Any, e: RegistryEntry = e, **extra: Any) -> SeedItem:
            return SeedItem(
                name=e.name, version=e.version, folder=e.folder, path=e.path, state=state, **extra
            )

        if h is None:
            older = sorted(v for (n, v) in latest if n == e.name)
            note = f"version {', '.join(older)} applied before" if older else None
            items.append(item("pending", note=note))
        elif h.status == "Active":
            modified = h.checksum != e.checksum and not is_adopted_checksum(h.checksum)
            items.append(
                item(
                    "modified" if modified else "applied",
                    applied_at=h.applied_at,
                    note="modified since applied (same version)"
                    if modified
                    else "applied by the Go tool (adopted)"
                    if is_adopted_checksum(h.checksum)
                    else None,
                )
            )
        elif h.error:
            items.append(item("failed", applied_at=h.applied_at, error=h.error))
        else:
            items.append(item("pending", note="rolled back"))
    names = {e.name for e in scanned.seeds}
    for (name, version), h in sorted(latest.items()):
        if name not in names:
            items.append(
                SeedItem(
                    name=name,
                    version=version,
                    state="orphaned",
                    applied_at=h.applied_at,
                    note="marked Orphaned" if h.status == "Orphaned" else "file deleted",
                )
            )
    return items, problems


async def _orphans(conn: Any, settings: Settings) -> tuple[list[SeedItem], list[str]]:
    scanned = scan_seeds(settings.seeds_dir) if settings.seeds_dir.is_dir() else None
    names = {e.name for e in scanned.seeds} if scanned else set()
    rows = await SeedHistoryStore(settings.schema).not_orphaned(conn)
    if not rows or not isinstance(rows[0]["applied_at"], datetime):
        # No history of ours (or the Go seeder's, epoch seconds): never misread it.
        await refuse_if_foreign(conn, settings.schema, "seed-check")
    items = [
        SeedItem(
            name=r["name"],
            version=r["version"],
            state="orphaned",
            applied_at=r["applied_at"],
            note=f"in seed_history ({r['environment']}) but its file is gone",
        )
        for r in rows
        if r["name"] not in names
    ]
    problems: list[str] = []
    if scanned is not None:
        problems.extend(_registry_problems(settings, scanned))
        problems.extend(graph_problems(scanned))
    return items, problems


def _registry_problems(settings: Settings, scanned: Registry) -> list[str]:
    """The stale-registry findings `seed` would stop on, as lines with the fix."""
    try:
        found = registry_problems(settings.seeds_dir, scanned)
    except StaleRegistry as exc:
        return [f"{exc.message}: run `trenova-db seed-sync`"]
    registry = settings.seeds_dir / "registry.json"
    return [f"{registry} is stale ({p}): run `trenova-db seed-sync`" for p in found]


async def run_seed_check(settings: Settings) -> SeedReport:
    require_seeds_dir(settings.seeds_dir)
    async with session(settings, "seed-check") as conn:
        items, problems = await _orphans(conn, settings)
    return SeedReport(
        operation="seed-check",
        database=settings.masked_url,
        environment=settings.environment.value,
        seeds=items,
        problems=problems,
    )


async def run_seed_clean(
    settings: Settings, *, force: bool = False, confirmed: bool = False, dry_run: bool = False
) -> SeedReport:
    """Mark orphaned history rows Orphaned (with a note) and regenerate the registry.

    ``dry_run``: the rows it would mark and whether it would rewrite the
    registry; nothing is written, no lock is taken, no confirmation needed.
    """
    require_seeds_dir(settings.seeds_dir)
    if dry_run:
        return await _seed_clean_preview(settings)
    if not (force or confirmed):
        raise Refused(
            "seed-clean needs confirmation: no terminal to ask on",
            hint="run it in a terminal, or pass --force",
        )
    async with session(settings, "seed-clean") as conn, locked(settings, conn):
        await refuse_if_foreign(conn, settings.schema, "seed-clean")
        await ensure_bookkeeping(conn, settings.schema)
        async with audited(conn, settings, "seed-clean") as audit:
            items, problems = await _orphans(conn, settings)
            orphan_names = sorted({i.name for i in items})
            if orphan_names:
                await SeedHistoryStore(settings.schema).mark_orphaned(conn, orphan_names, actor())
            sync = sync_registry(settings.seeds_dir) if settings.seeds_dir.is_dir() else None
            for item in items:
                item.note = "marked Orphaned"
            notes = []
            if sync is not None and sync.changed:
                notes.append(f"registry regenerated: {sync.path} ({sync.seeds} seed(s))")
            audit.details["orphaned"] = orphan_names
    return SeedReport(
        operation="seed-clean",
        database=settings.masked_url,
        environment=settings.environment.value,
        seeds=items,
        problems=problems,
        notes=notes,
    )


async def _seed_clean_preview(settings: Settings) -> SeedReport:
    async with session(settings, "seed-clean") as conn:
        items, problems = await _orphans(conn, settings)
    for item in items:
        item.note = f"would be marked Orphaned ({item.note})"
    notes = []
    if settings.seeds_dir.is_dir():
        scanned = scan_seeds(settings.seeds_dir)
        try:
            stale = bool(registry_problems(settings.seeds_dir, scanned))
        except StaleRegistry:
            stale = True
        if stale:
            notes.append(f"would regenerate {settings.seeds_dir / REGISTRY_FILE}")
    return SeedReport(
        operation="seed-clean",
        database=settings.masked_url,
        environment=settings.environment.value,
        dry_run=True,
        seeds=items,
        problems=problems,
        notes=notes,
    )
