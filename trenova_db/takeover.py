"""Taking over a database another tool manages: ``trenova-db adopt``.

The order is the safety story, as for migrate:
1. read the files and every foreign table (one catalog query, then the rows);
   collect every problem at once; ``--dry-run`` stops here with the mapping;
2. take the migration lock and read everything AGAIN (a Go run may have
   finished meanwhile), refuse on any problem, nothing written;
3. one transaction: trenova-db's names are freed (the Go seeder's table and
   enum, golang-migrate's or dbmate's ``schema_migrations``), trenova-db's
   bookkeeping is created, the Go ``seed_history`` becomes trenova-db's in
   place (every row and field kept), the foreign versions are recorded with
   checksums of today's files, and the audit row is written. Anything failing
   rolls all of it back.

Other tools' own tables (``bun_migrations``, ``bun_migration_locks``,
``goose_db_version``) are read, never written.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from .audit import Audit, actor, host
from .bookkeeping import ensure_bookkeeping, quote_ident, read_history
from .config import Environment, Settings
from .discovery import MigrationFile, MigrationSet, discover_migrations
from .errors import ConfigurationError, ForeignHistory, TrenovaDBError, ValidationError
from .foreign import (
    ADOPTED_PREFIX,
    TOOL_NAMES,
    TOOLS,
    ForeignMigration,
    GoSeedRow,
    Survey,
    parse_bun,
    parse_dbmate,
    parse_go_seeds,
    parse_golang_migrate,
    parse_goose,
    read_catalog,
    read_rows,
    survey,
)
from .migrator import audit_refused
from .reports import AdoptItem, AdoptReport
from .session import audited, locked, session
from .stores import MigrationStore

__all__ = ["run_adopt"]

# Names the Go seeder's objects wait under while trenova-db's are created.
_ASIDE_TABLE = "seed_history_go_adopting"
_ASIDE_ENUM = "seed_status_enum_go_adopting"


class _Plan(msgspec.Struct, kw_only=True):
    found: Survey
    tool: str | None = None
    record: list[tuple[ForeignMigration, MigrationFile]] = msgspec.field(default_factory=list)
    forgotten: list[ForeignMigration] = msgspec.field(default_factory=list)
    already: list[ForeignMigration] = msgspec.field(default_factory=list)
    seeds: list[GoSeedRow] = msgspec.field(default_factory=list)
    problems: list[str] = msgspec.field(default_factory=list)
    hints: list[str] = msgspec.field(default_factory=list)
    aside: str | None = None  # where golang-migrate's/dbmate's table goes

    @property
    def nothing_to_do(self) -> bool:
        return self.found.ours and not self.record and not self.forgotten

    def hint(self, text: str) -> None:
        if text not in self.hints:
            self.hints.append(text)


def _choose(found: Survey, tool: str) -> str | None:
    """The migration history to take over (None: only the Go seeder's)."""
    if found.unknown:
        raise ForeignHistory(
            f"adopt refused: {', '.join(found.unknown)} has trenova-db's name but neither "
            "its layout nor a known tool's; nothing was written",
            hint="pass --schema to keep trenova-db's tables in another schema",
        )
    here = found.migrations
    if tool == "auto":
        if len(here) > 1:
            listed = "; ".join(found.describe()[: len(here)])
            raise ForeignHistory(
                f"adopt refused: several tools' histories found: {listed}; nothing was written",
                hint=f"pick the one that describes this schema with --from {'|'.join(here)}",
            )
        return here[0] if here else None
    if tool not in here:
        seen = "; ".join(found.describe()) or "none"
        raise ForeignHistory(
            f"adopt refused: no {TOOL_NAMES[tool]} history in schema {found.schema!r} "
            f"(found: {seen}); nothing was written",
            hint="--from auto takes whichever history is there",
        )
    return tool


async def _plan(
    conn: Any,
    schema: str,
    files: MigrationSet,
    tool: str,
    *,
    forget_missing: bool,
    force: bool,
) -> _Plan:
    catalog = await read_catalog(conn, schema)
    found = survey(catalog)
    chosen = _choose(found, tool)
    plan = _Plan(found=found, tool=chosen)
    if chosen is None and not found.go_seeds and not found.enum:
        if found.ours:
            return plan  # adopted already (or never foreign): nothing to do
        raise ValidationError(
            f"adopt: no other tool's history in schema {schema!r} "
            "(bun_migrations, schema_migrations, goose_db_version, seed_history); nothing to adopt",
            hint="`trenova-db migrate` sets up a database trenova-db starts on; "
            "pass --schema if the other tool's tables live in another schema",
        )
    problems = plan.problems
    foreign: list[ForeignMigration] = []
    if chosen == "bun":
        if "bun_migrations" in catalog.tables:
            foreign = parse_bun(await read_rows(conn, schema, "bun"), problems)
    elif chosen == "goose":
        foreign = parse_goose(await read_rows(conn, schema, "goose"), problems)
    elif chosen == "dbmate":
        foreign = parse_dbmate(await read_rows(conn, schema, "dbmate"), problems)
    elif chosen == "golang-migrate":
        versions = [m.version for m in files.migrations]
        rows = await read_rows(conn, schema, "golang-migrate")
        foreign, upto = parse_golang_migrate(rows, versions, problems)
        if upto is not None and upto not in versions and upto >= 0 and not problems:
            # Its own version must be a file too: otherwise the folder is not
            # the one golang-migrate ran.
            foreign.append(ForeignMigration(version=upto, source=f"version {upto}"))
    if problems:
        plan.hint(
            "fix those rows in the other tool's table (trenova-db never writes it), "
            "then run `trenova-db adopt` again"
        )
    if chosen in ("golang-migrate", "dbmate"):
        plan.aside = f"schema_migrations_{chosen.replace('-', '_')}"
        if plan.aside in catalog.tables:
            problems.append(
                f"{schema}.{plan.aside} already exists: adopt renames {chosen}'s "
                f"schema_migrations to that name"
            )
            plan.hint(f"rename or drop {schema}.{plan.aside} first")
    if found.bun_locks and (chosen == "bun" or chosen is None):
        for id_, table_name in await read_rows(conn, schema, "locks"):
            if not force:
                problems.append(
                    f"bun_migration_locks id {id_} ({table_name}): a Bun migration holds the "
                    "lock, or crashed holding it (Bun never clears it after a crash)"
                )
                plan.hint(
                    "wait for the Go tool's migration to finish; if none is running, pass --force"
                )

    ours: set[int] | None = None
    if found.ours:
        ours = {r.version for r in (await read_history(conn, schema)).applied}
    by_version = files.by_version()
    newer: list[ForeignMigration] = []
    for fm in foreign:
        if ours is not None and fm.version in ours:
            plan.already.append(fm)
            continue
        if ours is not None:
            newer.append(fm)
        f = by_version.get(fm.version)
        if f is None:
            if forget_missing:
                plan.forgotten.append(fm)
            else:
                problems.append(
                    f"version {fm.version} ({_table(chosen)} {fm.source}) has no migration "
                    f"file in {files.directory}"
                )
                plan.hint(
                    "restore the missing files (or point --migrations-dir at the folder the "
                    "other tool ran), or pass --forget-missing to leave those versions out"
                )
        else:
            plan.record.append((fm, f))
    if newer and not force:
        for fm in newer:
            problems.append(
                f"version {fm.version} ({_table(chosen)} {fm.source}) is not in trenova-db's "
                "history: the other tool migrated this database after trenova-db took it over"
            )
        plan.hint(
            "stop the other tool from migrating this database; check those migrations' "
            "changes are in the schema, then pass --force to record them"
        )
    if found.go_seeds:
        plan.seeds = parse_go_seeds(
            await read_rows(conn, schema, "seeds"), found.enum_labels, problems
        )
    elif found.enum:
        parse_go_seeds([], found.enum_labels, problems)
    if any("status" in p or "seed_status_enum" in p for p in problems):
        plan.hint(
            "correct the Go seed_history rows or the enum named above (trenova-db records "
            "Active, Inactive and Orphaned only), then run `trenova-db adopt` again"
        )
    if problems and not plan.hints:
        plan.hint("fix them, then run `trenova-db adopt` again")
    return plan


def _table(tool: str | None) -> str:
    return {
        "bun": "bun_migrations",
        "goose": "goose_db_version",
        "golang-migrate": "schema_migrations",
        "dbmate": "schema_migrations",
    }.get(tool or "", "history")


def _items(plan: _Plan, *, dry_run: bool) -> list[AdoptItem]:
    items = [
        AdoptItem(
            version=fm.version,
            state="would-record" if dry_run else "recorded",
            source=f"{_table(plan.tool)} {fm.source}",
            file=f.up_file,
            batch=fm.batch,
            applied_at=fm.applied_at,
        )
        for fm, f in plan.record
    ]
    items += [
        AdoptItem(version=fm.version, state="forgotten", source=f"{_table(plan.tool)} {fm.source}")
        for fm in plan.forgotten
    ]
    items += [
        AdoptItem(
            version=fm.version,
            state="already-recorded",
            source=f"{_table(plan.tool)} {fm.source}",
        )
        for fm in plan.already
    ]
    return sorted(items, key=lambda i: i.version)


def _actions(plan: _Plan, schema: str) -> list[str]:
    found = plan.found
    actions: list[str] = []
    if plan.nothing_to_do:
        return actions
    if not found.ours:
        actions.append(f"create trenova-db's bookkeeping tables in schema {schema!r}")
    if plan.aside:
        actions.append(
            f"rename {schema}.schema_migrations ({plan.tool}'s) to {schema}.{plan.aside}, "
            "kept as it is"
        )
    if found.go_seeds:
        actions.append(
            f"make {schema}.seed_history (the Go seeder's, {len(plan.seeds)} rows) trenova-db's "
            "in place: every row and field kept (the PULID id as go_id, the md5 checksum as "
            f"{ADOPTED_PREFIX}<hex>, applied_at as timestamptz)"
        )
    if found.enum:
        actions.append(f"reuse {schema}.seed_status_enum")
    others = [t for t in ("bun_migrations", "bun_migration_locks", "goose_db_version")]
    kept = [f"{schema}.{t}" for t in others if _present(found, t)]
    if kept:
        actions.append(f"leave {', '.join(kept)} as they are")
    return actions


def _present(found: Survey, table: str) -> bool:
    if table.startswith("bun_"):
        return "bun" in found.migrations
    return "goose" in found.migrations


def _refuse(plan: _Plan) -> ValidationError:
    return ForeignHistory(
        "adopt refused; nothing was written",
        problems=plan.problems,
        hint="; ".join(plan.hints) or None,
    )


async def run_adopt(
    settings: Settings,
    *,
    tool: str = "auto",
    forget_missing: bool = False,
    force: bool = False,
    dry_run: bool = False,
) -> AdoptReport:
    """Take over a database another tool manages (see the module docstring)."""
    if tool != "auto" and tool not in TOOLS:
        raise ConfigurationError(
            f"unknown tool {tool!r} for --from; accepted: auto, {', '.join(TOOLS)}"
        )
    started = time.perf_counter()
    files = discover_migrations(settings.migrations_dir)
    schema = settings.schema
    report = AdoptReport(database=settings.masked_url, schema=schema, dry_run=dry_run)
    opts = {"forget_missing": forget_missing, "force": force}
    async with session(settings, "adopt") as conn:
        plan = await _plan(conn, schema, files, tool, **opts)
        if plan.problems:
            exc = _refuse(plan)
            if not dry_run:
                await audit_refused(settings, "adopt", exc)
            raise exc
        if dry_run or plan.nothing_to_do:
            _fill(report, plan, dry_run=dry_run)
            if plan.nothing_to_do and not dry_run:
                async with audited(conn, settings, "adopt") as audit:
                    audit.outcome = "noop"
                    audit.details["tool"] = plan.tool
            report.duration_ms = (time.perf_counter() - started) * 1000
            return report
        async with locked(settings, conn):
            plan = await _plan(conn, schema, files, tool, **opts)  # again, under the lock
            if plan.problems:
                exc = _refuse(plan)
                await audit_refused(settings, "adopt", exc)
                raise exc
            _fill(report, plan, dry_run=False)
            if not plan.nothing_to_do:
                try:
                    await _write(conn, settings, plan, report)
                except TrenovaDBError as exc:
                    await audit_refused(settings, "adopt", exc)
                    raise
            else:
                async with audited(conn, settings, "adopt") as audit:
                    audit.outcome = "noop"
                    audit.details["tool"] = plan.tool
    report.duration_ms = (time.perf_counter() - started) * 1000
    return report


def _fill(report: AdoptReport, plan: _Plan, *, dry_run: bool) -> None:
    report.tool = plan.tool
    report.nothing_to_do = plan.nothing_to_do
    report.migrations = _items(plan, dry_run=dry_run)
    report.seeds_kept = len(plan.seeds)
    report.actions = _actions(plan, report.schema)


async def _rename_with_indexes(conn: Any, schema: str, table: str, new: str) -> None:
    """Rename a table and the indexes named after it (their names are per schema:
    trenova-db's own ``schema_migrations_pkey`` must be free to create)."""
    s = quote_ident(schema)
    rows = await conn.fetch(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = $1::regclass AND starts_with(i.relname, $2)",
        f"{s}.{quote_ident(table)}",
        table,
    )
    for (index,) in rows:
        renamed = new + index[len(table) :]
        await conn.execute(f"ALTER INDEX {s}.{quote_ident(index)} RENAME TO {quote_ident(renamed)}")
    await conn.execute(f"ALTER TABLE {s}.{quote_ident(table)} RENAME TO {quote_ident(new)}")


# How the Go tool (and trenova-db) spell environments; rows are stored canonical.
_ENV_ALIASES = {
    name: Environment.parse(name)
    for name in ("production", "prod", "staging", "stage", "development", "dev", "test", "testing")
}


async def _convert_go_seed_history(conn: Any, schema: str) -> None:
    """The Go seeder's seed_history, altered in place into trenova-db's layout."""
    s = quote_ident(schema)
    t = f"{s}.seed_history"
    enum = f"{s}.seed_status_enum"
    pkey = await conn.fetchval(
        "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'", t
    )
    await conn.execute(f"ALTER TABLE {t} RENAME COLUMN id TO go_id")
    if pkey:
        await conn.execute(f"ALTER TABLE {t} DROP CONSTRAINT {quote_ident(pkey)}")
    await conn.execute(f"UPDATE {t} SET details = '{{}}' WHERE details IS NULL")
    cases = " ".join(f"WHEN '{k}' THEN '{v.value}'" for k, v in _ENV_ALIASES.items())
    keys = ", ".join(f"'{k}'" for k in _ENV_ALIASES)
    await conn.execute(
        f"UPDATE {t} SET environment = CASE lower(btrim(environment)) {cases} END "
        f"WHERE lower(btrim(environment)) IN ({keys})"
    )
    await conn.execute(f"ALTER TABLE {t} ALTER COLUMN status DROP DEFAULT")
    await conn.execute(
        f"ALTER TABLE {t} "
        "ALTER COLUMN go_id DROP NOT NULL, "
        "ALTER COLUMN name TYPE text, "
        "ALTER COLUMN version TYPE text, "
        "ALTER COLUMN environment TYPE text, "
        f"ALTER COLUMN checksum TYPE text USING '{ADOPTED_PREFIX}' || checksum, "
        "ALTER COLUMN applied_at TYPE timestamptz USING to_timestamp(applied_at), "
        "ALTER COLUMN applied_at SET DEFAULT clock_timestamp(), "
        "ALTER COLUMN applied_by TYPE text, "
        "ALTER COLUMN applied_by SET DEFAULT current_user, "
        f"ALTER COLUMN status TYPE {enum} USING status::text::{enum}, "
        "ALTER COLUMN details SET DEFAULT '{}', "
        "ALTER COLUMN details SET NOT NULL"
    )
    await conn.execute(f"ALTER TABLE {t} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY")
    await conn.execute(f"ALTER TABLE {t} ADD PRIMARY KEY (id)")
    await conn.execute(
        f"COMMENT ON COLUMN {t}.go_id IS "
        "'the Go seeder''s PULID id of the row, kept by trenova-db adopt'"
    )


async def _write(conn: Any, settings: Settings, plan: _Plan, report: AdoptReport) -> None:
    schema = settings.schema
    s = quote_ident(schema)
    found = plan.found
    who = f"{actor()}@{host()} (adopted from {plan.tool or 'the Go seeder'})"
    details: dict[str, Any] = {
        "tool": plan.tool,
        "recorded": [fm.version for fm, _ in plan.record],
        "forgotten": [fm.version for fm in plan.forgotten],
        "seeds_kept": len(plan.seeds),
    }
    async with conn.transaction():
        if not found.ours:
            if found.go_seeds:
                await _rename_with_indexes(conn, schema, "seed_history", _ASIDE_TABLE)
            if found.enum:
                await conn.execute(
                    f"ALTER TYPE {s}.seed_status_enum RENAME TO {quote_ident(_ASIDE_ENUM)}"
                )
            if plan.aside:
                await _rename_with_indexes(conn, schema, "schema_migrations", plan.aside)
            await ensure_bookkeeping(conn, schema)
            if found.go_seeds:
                await conn.execute(f"DROP TABLE {s}.seed_history")  # the empty one just made
            if found.enum:
                aside = f"{s}.{quote_ident(_ASIDE_ENUM)}"
                if not found.go_seeds:
                    await conn.execute(
                        f"ALTER TABLE {s}.seed_history ALTER COLUMN status "
                        f"TYPE {aside} USING status::text::{aside}"
                    )
                await conn.execute(f"DROP TYPE {s}.seed_status_enum")
                await conn.execute(f"ALTER TYPE {aside} RENAME TO seed_status_enum")
            if found.go_seeds:
                await _rename_with_indexes(conn, schema, _ASIDE_TABLE, "seed_history")
                await _convert_go_seed_history(conn, schema)
        if plan.record:
            await MigrationStore(schema).record_adopted(
                conn, [(f, fm.applied_at, fm.batch) for fm, f in plan.record], who
            )
        audit = Audit(conn, schema, "adopt", settings.environment.value)
        await audit.start(details)
        await audit.finish("success", details)
