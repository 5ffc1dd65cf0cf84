"""Other tools' histories: recognising them and reading them, never writing them.

A database another tool manages keeps its history in tables trenova-db must
not misread: Bun's ``bun_migrations`` (the Go Trenova tool), golang-migrate's
and dbmate's ``schema_migrations`` (trenova-db's own table name), goose's
``goose_db_version``, and the Go seeder's ``seed_history`` with its
``seed_status_enum`` (trenova-db's names again). They are recognised by their
columns, in the bookkeeping schema only (``--schema`` moves trenova-db's world
elsewhere), with one catalog query.

Everything past :func:`read_catalog` and the ``read_*`` functions is pure: rows
in, typed values and a list of problems out, so the rules are testable and the
same code serves ``adopt --dry-run``, ``adopt`` and the refusals of the other
commands.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

import msgspec

from .bookkeeping import quote_ident
from .config import Environment
from .errors import ForeignHistory

__all__ = [
    "ADOPTED_PREFIX",
    "TOOLS",
    "Catalog",
    "ForeignMigration",
    "GoSeedRow",
    "Survey",
    "Tool",
    "is_adopted_checksum",
    "parse_bun",
    "parse_dbmate",
    "parse_go_seeds",
    "parse_golang_migrate",
    "parse_goose",
    "read_catalog",
    "read_rows",
    "refusal",
    "refuse_if_foreign",
    "retarget",
    "survey",
]

Tool = Literal["bun", "golang-migrate", "dbmate", "goose"]
TOOLS: tuple[Tool, ...] = ("bun", "golang-migrate", "dbmate", "goose")

# What each tool's history is called in messages.
TOOL_NAMES: dict[str, str] = {
    "bun": "Bun",
    "golang-migrate": "golang-migrate",
    "dbmate": "dbmate",
    "goose": "goose",
}

# A seed checksum taken over from the Go seeder: an md5 of the Go seed's
# metadata, not of our file, so it can never be compared with one. It means
# "applied by the Go tool", never "modified".
ADOPTED_PREFIX = "md5:"

SEED_STATUSES = ("Active", "Inactive", "Orphaned")

_TABLES = (
    "trenova_db_versions",
    "schema_migrations",
    "seed_history",
    "bun_migrations",
    "bun_migration_locks",
    "goose_db_version",
    "schema_migrations_golang_migrate",
    "schema_migrations_dbmate",
)

_CATALOG = """
SELECT c.relname,
       coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                           ORDER BY a.attnum), '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname = ANY($2::text[])
GROUP BY c.relname
UNION ALL
SELECT '.seed_status_enum', string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = $1 AND t.typname = 'seed_status_enum'
GROUP BY t.oid
"""


def is_adopted_checksum(checksum: str) -> bool:
    """A seed checksum carried over from the Go seeder by ``adopt``."""
    return checksum.startswith(ADOPTED_PREFIX)


class Catalog(msgspec.Struct, frozen=True, kw_only=True):
    """The tables of interest in one schema: name -> "col type, col type, ..."."""

    schema: str
    tables: dict[str, str] = msgspec.field(default_factory=dict)
    enum_labels: tuple[str, ...] | None = None

    def columns(self, table: str) -> dict[str, str]:
        text = self.tables.get(table)
        if not text:
            return {}
        out: dict[str, str] = {}
        for part in text.split(", "):
            name, _, typ = part.partition(" ")
            out[name] = typ
        return out


async def read_catalog(conn: Any, schema: str) -> Catalog:
    """One query over pg_catalog: which of the known tables exist, with their columns."""
    tables: dict[str, str] = {}
    labels: tuple[str, ...] | None = None
    for name, columns in await conn.fetch(_CATALOG, schema, list(_TABLES)):
        if name == ".seed_status_enum":
            labels = tuple(x for x in (columns or "").split(", ") if x)
        else:
            tables[name] = columns
    return Catalog(schema=schema, tables=tables, enum_labels=labels)


def _is_ours_migrations(cols: dict[str, str]) -> bool:
    return {"version", "name", "kind", "checksum", "batch", "statements_done"} <= cols.keys()


def _is_golang_migrate(cols: dict[str, str]) -> bool:
    return cols == {"version": "bigint", "dirty": "boolean"}


def _is_dbmate(cols: dict[str, str]) -> bool:
    return set(cols) == {"version"} and (
        cols["version"].startswith("character varying") or cols["version"] == "text"
    )


def _is_go_seed_history(cols: dict[str, str]) -> bool:
    return (
        cols.get("id", "").startswith("character varying")
        and cols.get("applied_at") == "bigint"
        and {"name", "version", "environment", "checksum", "status"} <= cols.keys()
    )


def _is_ours_seed_history(cols: dict[str, str]) -> bool:
    return (
        cols.get("id") == "bigint"
        and cols.get("applied_at") == "timestamp with time zone"
        and {"name", "version", "environment", "checksum", "status", "details"} <= cols.keys()
    )


class Survey(msgspec.Struct, frozen=True, kw_only=True):
    """What a catalog says about who keeps this database's history."""

    schema: str
    ours: bool  # trenova-db's bookkeeping exists, its tables in its layout
    migrations: tuple[Tool, ...] = ()  # foreign migration histories found
    go_seeds: bool = False  # the Go seeder's seed_history
    enum: bool = False  # a seed_status_enum that is not trenova-db's
    enum_labels: tuple[str, ...] = ()
    bun_locks: bool = False
    collisions: tuple[str, ...] = ()  # foreign objects under trenova-db's names
    unknown: tuple[str, ...] = ()  # our names, nobody's known layout

    @property
    def foreign(self) -> bool:
        return bool(self.migrations or self.go_seeds or self.enum or self.unknown)

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"

    def describe(self) -> list[str]:
        """One entry per tool: ``Bun (public.bun_migrations)``."""
        out = []
        tables = {
            "bun": "bun_migrations",
            "golang-migrate": "schema_migrations",
            "dbmate": "schema_migrations",
            "goose": "goose_db_version",
        }
        for tool in self.migrations:
            out.append(f"{TOOL_NAMES[tool]} ({self.table(tables[tool])})")
        if self.go_seeds or self.enum:
            objects = []
            if self.go_seeds:
                objects.append(self.table("seed_history"))
            if self.enum:
                objects.append(self.table("seed_status_enum"))
            out.append(f"the Go seeder ({', '.join(objects)})")
        return out


def survey(catalog: Catalog) -> Survey:
    """Classify a catalog (pure)."""
    s = catalog.schema
    migrations: list[Tool] = []
    collisions: list[str] = []
    unknown: list[str] = []
    ours_versions = "trenova_db_versions" in catalog.tables

    sm = catalog.columns("schema_migrations")
    ours_sm = not sm or _is_ours_migrations(sm)
    if sm and not ours_sm:
        if _is_golang_migrate(sm):
            migrations.append("golang-migrate")
            collisions.append(f"{s}.schema_migrations (golang-migrate's)")
        elif _is_dbmate(sm):
            migrations.append("dbmate")
            collisions.append(f"{s}.schema_migrations (dbmate's)")
        else:
            unknown.append(f"{s}.schema_migrations ({catalog.tables['schema_migrations']})")
    if "bun_migrations" in catalog.tables or "bun_migration_locks" in catalog.tables:
        migrations.insert(0, "bun")
    if "goose_db_version" in catalog.tables:
        migrations.append("goose")

    sh = catalog.columns("seed_history")
    go_seeds = bool(sh) and _is_go_seed_history(sh)
    ours_sh = not sh or _is_ours_seed_history(sh)
    if go_seeds:
        collisions.append(f"{s}.seed_history (the Go seeder's)")
    elif not ours_sh:
        unknown.append(f"{s}.seed_history ({catalog.tables['seed_history']})")

    # The enum is trenova-db's when trenova-db made it (its versions table
    # exists) or its own seed_history uses it (the versions table was dropped:
    # ensure_bookkeeping says what is there); otherwise it is the Go seeder's,
    # reused by adopt.
    ours_seeds = bool(sh) and _is_ours_seed_history(sh)
    enum = catalog.enum_labels is not None and not ours_versions and not ours_seeds
    if enum:
        collisions.append(f"{s}.seed_status_enum (type)")

    ours = ours_versions and ours_sm and ours_sh and not go_seeds
    return Survey(
        schema=s,
        ours=ours,
        migrations=tuple(migrations),
        go_seeds=go_seeds,
        enum=enum,
        enum_labels=catalog.enum_labels or (),
        bun_locks="bun_migration_locks" in catalog.tables,
        collisions=tuple(collisions),
        unknown=tuple(unknown),
    )


def refusal(found: Survey, command: str) -> ForeignHistory:
    """The error every history command raises on a database it must not misread."""
    if found.unknown and not (found.migrations or found.go_seeds or found.enum):
        return ForeignHistory(
            f"{command} refused: {', '.join(found.unknown)} has trenova-db's name but "
            "neither its layout nor a known tool's; nothing was run or created",
            hint="pass --schema to keep trenova-db's tables in another schema",
        )
    where = "; ".join(found.describe())
    hint = (
        "run `trenova-db adopt` to take the database over "
        "(`trenova-db adopt --dry-run` shows what it would record)"
    )
    if found.collisions or found.unknown:
        hint += (
            ", or pass --schema to keep trenova-db's tables in another schema "
            "(the other tool's tables are left alone either way)"
        )
    return ForeignHistory(
        f"{command} refused: this database's history is kept by another tool: {where}; "
        "trenova-db has no history here, so nothing was run or created",
        hint=hint,
    )


def retarget(exc: ForeignHistory, command: str) -> ForeignHistory:
    """The same refusal, worded for the command the user ran (setup runs migrate)."""
    if isinstance(exc.found, Survey):
        again = refusal(exc.found, command)
        again.found = exc.found
        return again
    return exc


async def refuse_if_foreign(conn: Any, schema: str, command: str) -> None:
    """Raise ForeignHistory when another tool's history is here and trenova-db's is not.

    Callers reach it only where trenova-db's own bookkeeping is missing or not
    in its layout, so an already-managed database never pays for the query.
    """
    found = survey(await read_catalog(conn, schema))
    if found.ours or not found.foreign:
        return
    exc = refusal(found, command)
    exc.found = found
    raise exc


# -- reading each tool's history (pure parsers over fetched rows) -------------------

_DIGITS = re.compile(r"^\d{1,14}$")


class ForeignMigration(msgspec.Struct, frozen=True, kw_only=True):
    """One version another tool says is applied."""

    version: int
    source: str  # the row it came from, for messages: "bun_migrations id 7"
    batch: int = 0
    applied_at: datetime | None = None


def _version(text: str, where: str, problems: list[str]) -> int | None:
    value = text.strip()
    if not _DIGITS.match(value):
        problems.append(f"{where}: {text!r} is not a migration version (1 to 14 digits)")
        return None
    return int(value)


def _no_duplicates(
    found: list[ForeignMigration], table: str, problems: list[str]
) -> list[ForeignMigration]:
    seen: dict[int, ForeignMigration] = {}
    for m in found:
        if m.version in seen:
            problems.append(
                f"{table}: {seen[m.version].source} and {m.source} both record version {m.version}"
            )
        else:
            seen[m.version] = m
    return sorted(seen.values(), key=lambda m: m.version)


def parse_bun(rows: list[tuple[Any, ...]], problems: list[str]) -> list[ForeignMigration]:
    """bun_migrations rows (id, name, group_id, migrated_at): name is the version."""
    found = []
    for id_, name, group_id, migrated_at in rows:
        where = f"bun_migrations id {id_}"
        version = _version(str(name or ""), where, problems)
        if version is not None:
            found.append(
                ForeignMigration(
                    version=version,
                    source=f"id {id_}",
                    batch=int(group_id or 0),
                    applied_at=migrated_at,
                )
            )
    return _no_duplicates(found, "bun_migrations", problems)


def parse_goose(rows: list[tuple[Any, ...]], problems: list[str]) -> list[ForeignMigration]:
    """goose_db_version rows (id, version_id, is_applied, tstamp), ordered by id: the
    last row per version wins; version 0 is goose's own first row."""
    last: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        id_, version_id = row[0], row[1]
        if version_id is None or version_id < 0:
            problems.append(f"goose_db_version id {id_}: {version_id!r} is not a version")
            continue
        last[int(version_id)] = row
    return [
        ForeignMigration(version=v, source=f"id {row[0]}", applied_at=row[3])
        for v, row in sorted(last.items())
        if v != 0 and row[2]
    ]


def parse_golang_migrate(
    rows: list[tuple[Any, ...]], file_versions: list[int], problems: list[str]
) -> tuple[list[ForeignMigration], int | None]:
    """golang-migrate's one (version, dirty) row: every file version up to it is
    applied. Returns those and the recorded version (None: nothing applied)."""
    if len(rows) > 1:
        listed = ", ".join(f"({v}, dirty={d})" for v, d in rows)
        problems.append(
            f"schema_migrations holds {len(rows)} rows ({listed}); golang-migrate keeps exactly one"
        )
        return [], None
    if not rows:
        return [], None
    version, dirty = rows[0]
    if dirty:
        problems.append(
            f"schema_migrations (golang-migrate) says version {version} is dirty: it failed "
            "halfway. Check the schema by hand, then `migrate force <version>` with "
            "golang-migrate (or UPDATE schema_migrations SET dirty = false)"
        )
        return [], int(version)
    if version < 0:  # golang-migrate's NilVersion: nothing applied
        return [], None
    upto = int(version)
    return [
        ForeignMigration(version=v, source=f"version {upto}") for v in file_versions if v <= upto
    ], upto


def parse_dbmate(rows: list[tuple[Any, ...]], problems: list[str]) -> list[ForeignMigration]:
    """dbmate's schema_migrations rows (version,): one row per applied version."""
    found = []
    for (text,) in rows:
        version = _version(str(text), f"schema_migrations (dbmate) row {text!r}", problems)
        if version is not None:
            found.append(ForeignMigration(version=version, source=f"row {text!r}"))
    return _no_duplicates(found, "schema_migrations (dbmate)", problems)


class GoSeedRow(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the Go seeder's seed_history, as adopt keeps it."""

    id: str
    name: str
    version: str
    environment: str  # as trenova-db names it (aliases mapped)
    status: str
    applied_at: int


def parse_go_seeds(
    rows: list[tuple[Any, ...]], labels: tuple[str, ...], problems: list[str]
) -> list[GoSeedRow]:
    """seed_history rows (id, name, version, environment, status, applied_at).

    The Go tool writes ``development``/``test``/``staging``/``production`` (its
    config's ``prod``, ``dev``... are mapped before writing), exactly
    trenova-db's names; older rows with an alias are mapped the same way.
    """
    missing = [s for s in SEED_STATUSES if labels and s not in labels]
    if missing:
        problems.append(
            f"seed_status_enum ({', '.join(labels)}) lacks {', '.join(missing)}; "
            "trenova-db needs Active, Inactive and Orphaned"
        )
    out: list[GoSeedRow] = []
    seen: dict[tuple[str, str, str], str] = {}
    for id_, name, version, environment, status, applied_at in rows:
        where = f"seed_history id {id_} ({name} {version}, {environment})"
        if status not in SEED_STATUSES:
            problems.append(f"{where}: status {status!r} is none of {', '.join(SEED_STATUSES)}")
            continue
        env = str(environment)
        try:
            env = Environment.parse(env).value
        except Exception:
            pass  # an environment trenova-db does not know: kept as written, never selected
        key = (str(name), str(version), env)
        if key in seen:
            problems.append(
                f"{where}: the same seed, version and environment as seed_history id {seen[key]}"
            )
            continue
        seen[key] = str(id_)
        out.append(
            GoSeedRow(
                id=str(id_),
                name=str(name),
                version=str(version),
                environment=env,
                status=str(status),
                applied_at=int(applied_at),
            )
        )
    return out


async def read_rows(conn: Any, schema: str, tool: str) -> list[tuple[Any, ...]]:
    """The raw rows of one tool's history table, in the order its rules need."""
    s = quote_ident(schema)
    query = {
        "bun": f"SELECT id, name, group_id, migrated_at FROM {s}.bun_migrations ORDER BY id",
        "goose": f"SELECT id, version_id, is_applied, tstamp FROM {s}.goose_db_version ORDER BY id",
        "golang-migrate": f"SELECT version, dirty FROM {s}.schema_migrations",
        "dbmate": f"SELECT version FROM {s}.schema_migrations ORDER BY version",
        "locks": f"SELECT id, table_name FROM {s}.bun_migration_locks ORDER BY id",
        "seeds": f"SELECT id, name, version, environment, status::text, applied_at "
        f"FROM {s}.seed_history ORDER BY applied_at, id",
    }[tool]
    return [tuple(r) for r in await conn.fetch(query)]
