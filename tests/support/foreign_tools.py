"""Databases as other tools leave them: Bun and the Go seeder (the Go Trenova
tool), golang-migrate, dbmate, goose. Tables, types and rows as those tools
write them (see ../shared/reference/README.md), built with plain SQL."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import anyio
import asyncpg

from tests.conftest import write_migrations
from trenova_db.seeding.registry import sync_registry

V1, V2, V3 = 20250624234018, 20250701120000, 20250702090000

# A small Bun-named folder: two .tx migrations and one non-transactional one.
BUN_FILES: dict[str, str] = {
    f"{V1}_init.tx.up.sql": (
        "CREATE TABLE us_states (id varchar(100) PRIMARY KEY, name text NOT NULL,"
        " abbreviation text NOT NULL UNIQUE);\n"
    ),
    f"{V1}_init.tx.down.sql": "DROP TABLE us_states;\n",
    f"{V2}_organizations.tx.up.sql": (
        "CREATE TABLE organizations (id varchar(100) PRIMARY KEY, name text NOT NULL UNIQUE);\n"
    ),
    f"{V2}_organizations.tx.down.sql": "DROP TABLE organizations;\n",
    f"{V3}_organizations_name_idx.up.sql": (
        "CREATE INDEX CONCURRENTLY organizations_name_idx ON organizations (name);\n"
    ),
    f"{V3}_organizations_name_idx.down.sql": "DROP INDEX CONCURRENTLY organizations_name_idx;\n",
}

# The Go seeder's Initialize, verbatim in substance.
GO_SEEDER_INIT = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'seed_status_enum') THEN
        CREATE TYPE seed_status_enum AS ENUM ('Active', 'Inactive', 'Orphaned');
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS seed_history (
    id VARCHAR(100) PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    version VARCHAR(50) NOT NULL,
    environment VARCHAR(50) NOT NULL,
    checksum VARCHAR(32) NOT NULL,
    applied_at BIGINT NOT NULL,
    applied_by VARCHAR(255) NOT NULL,
    status seed_status_enum NOT NULL DEFAULT 'Active',
    details JSONB,
    error TEXT,
    notes TEXT,
    UNIQUE(name, version, environment)
);

CREATE INDEX IF NOT EXISTS idx_seed_history_name ON seed_history(name);
CREATE INDEX IF NOT EXISTS idx_seed_history_environment ON seed_history(environment);
CREATE INDEX IF NOT EXISTS idx_seed_history_applied_at ON seed_history(applied_at);
CREATE INDEX IF NOT EXISTS idx_seed_history_status ON seed_history(status);
"""

# Bun's migrator: CREATE TABLE from its models.
BUN_TABLES = """
CREATE TABLE IF NOT EXISTS "bun_migrations" ("id" BIGSERIAL NOT NULL, "name" VARCHAR,
    "group_id" BIGINT, "migrated_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY ("id"));
CREATE TABLE IF NOT EXISTS "bun_migration_locks" ("id" BIGSERIAL NOT NULL,
    "table_name" VARCHAR, PRIMARY KEY ("id"), UNIQUE ("table_name"));
"""

GO_SEED_DESCRIPTIONS = {
    "USStates": "Creates all US states and DC",
    "AdminAccount": "Creates the admin account",
    "TestOrganizations": "Creates test organizations",
}


def go_checksum(name: str, version: str = "1.0.0") -> str:
    """The Go seeder's checksum: md5 of its JSON of name, version, description."""
    data = {"description": GO_SEED_DESCRIPTIONS.get(name, ""), "name": name, "version": version}
    return hashlib.md5(json.dumps(data, separators=(",", ":"), sort_keys=True).encode()).hexdigest()


_PULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def pulid(prefix: str, n: int) -> str:
    """A PULID as the Go models make them: prefix, underscore, 26 Crockford characters."""
    body = "01JZ" + "".join(_PULID_ALPHABET[(n * 7 + i) % 32] for i in range(22))
    return f"{prefix}_{body}"


async def _execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def execute(url: str, *statements: str) -> None:
    anyio.run(lambda: _execute(url, *statements))


def apply_files(url: str, folder: Path, versions: Iterable[int]) -> None:
    """Run the up files of ``versions`` as the other tool did (one statement per file)."""
    wanted = set(versions)
    sql = [
        p.read_text()
        for p in sorted(folder.glob("*.up.sql"))
        if int(p.name.split("_", 1)[0]) in wanted
    ]
    execute(url, *sql)


def bun_database(
    url: str,
    folder: Path,
    *,
    groups: Iterable[Iterable[int]] = ((V1, V2), (V3,)),
    seeds: Iterable[tuple[str, str, str]] = (
        ("USStates", "development", "Active"),
        ("AdminAccount", "development", "Active"),
    ),
    locked: bool = False,
) -> None:
    """A database the Go Trenova tool manages: Bun's tables, the migrations of
    ``groups`` applied (group_id 1, 2, ...) and the Go seed history."""
    stmts = [BUN_TABLES]
    when = 1751300000
    for group_id, group in enumerate(groups, start=1):
        group = list(group)
        apply_files(url, folder, group)
        for v in group:
            stmts.append(
                "INSERT INTO bun_migrations (name, group_id, migrated_at) "
                f"VALUES ('{v}', {group_id}, to_timestamp({when}))"
            )
            when += 60
    if locked:
        stmts.append("INSERT INTO bun_migration_locks (table_name) VALUES ('bun_migrations')")
    stmts.append(GO_SEEDER_INIT)
    for n, (name, env, status) in enumerate(seeds):
        stmts.append(
            "INSERT INTO seed_history (id, name, version, environment, checksum, applied_at, "
            f"applied_by, status, details) VALUES ('{pulid('seed', n)}', '{name}', '1.0.0', "
            f"'{env}', '{go_checksum(name)}', {when + n}, 'system', '{status}', '{{}}')"
        )
    execute(url, *stmts)


def golang_migrate_database(url: str, folder: Path, version: int, *, dirty: bool = False) -> None:
    apply_files(url, folder, [v for v in (V1, V2, V3) if v <= version])
    execute(
        url,
        "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, "
        "dirty boolean NOT NULL)",
        f"INSERT INTO schema_migrations (version, dirty) VALUES ({version}, {dirty})",
    )


def dbmate_database(url: str, folder: Path, versions: Iterable[int | str]) -> None:
    versions = list(versions)
    apply_files(url, folder, [int(v) for v in versions if str(v).isdigit()])
    rows = ", ".join(f"('{v}')" for v in versions)
    execute(
        url,
        "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)",
        f"INSERT INTO schema_migrations (version) VALUES {rows}",
    )


def goose_database(url: str, folder: Path, rows: Iterable[tuple[int, bool]]) -> None:
    rows = list(rows)
    applied: dict[int, bool] = {}
    for v, is_applied in rows:
        applied[v] = is_applied
    apply_files(url, folder, [v for v, a in applied.items() if a and v])
    values = ", ".join(f"({v}, {a})" for v, a in [(0, True), *rows])
    execute(
        url,
        "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
        "is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now(), PRIMARY KEY (id))",
        f"INSERT INTO goose_db_version (version_id, is_applied) VALUES {values}",
    )


SEED = """from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext


class {cls}(BaseSeed):
    name = "{name}"
    version = "1.0.0"
    description = "{description}"
    environments = {envs}
    depends_on = {deps!r}

    async def run(self, ctx: SeedContext) -> None:
{body}
"""

ALL_ENVS = (
    "(Environment.PRODUCTION, Environment.STAGING, Environment.DEVELOPMENT, Environment.TEST)"
)
DEV_ENVS = "(Environment.DEVELOPMENT, Environment.TEST)"


def go_named_seeds(seeds: Path) -> Path:
    """Small seeds named like the Go ones. The two the Go tool ran raise if run again."""
    files: Mapping[str, tuple[str, str, tuple[str, ...], str]] = {
        "base/00_us_states.py": (
            "USStates",
            ALL_ENVS,
            (),
            'raise RuntimeError("USStates ran again: the Go tool applied it already")',
        ),
        "base/01_admin_account.py": (
            "AdminAccount",
            ALL_ENVS,
            ("USStates",),
            'raise RuntimeError("AdminAccount ran again: the Go tool applied it already")',
        ),
        "development/00_test_organizations.py": (
            "TestOrganizations",
            DEV_ENVS,
            ("AdminAccount",),
            "await ctx.conn.execute(\n"
            "    \"INSERT INTO organizations (id, name) VALUES ('org_1', 'Trenova Logistics')\"\n"
            ")",
        ),
    }
    for rel, (name, envs, deps, body) in files.items():
        path = seeds / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        indented = "\n".join("        " + line for line in body.splitlines())
        path.write_text(
            SEED.format(
                cls=name + "Seed",
                name=name,
                description=GO_SEED_DESCRIPTIONS[name],
                envs=envs,
                deps=deps,
                body=indented,
            )
        )
    sync_registry(seeds)
    return seeds


def bun_project(tmp_path: Path) -> tuple[Path, Path]:
    sql = write_migrations(tmp_path / "sql", BUN_FILES)
    seeds = go_named_seeds(tmp_path / "seeds")
    return sql, seeds


_SNAPSHOT = """
SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' ||
       coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                   || CASE WHEN a.attnotnull THEN '!' ELSE '' END, ','
                                   ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                 AND NOT a.attisdropped), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%'
UNION ALL
SELECT 'type ' || n.nspname || '.' || t.typname || ' ' || t.oid || ' ' ||
       coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum
                 WHERE enumtypid = t.oid), '')
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_temp%'
  AND nspname NOT LIKE 'pg_toast_temp%'
ORDER BY 1
"""


async def _snapshot(url: str, skip_rows: tuple[str, ...]) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        out = [r[0] for r in await conn.fetch(_SNAPSHOT)]
        tables = await conn.fetch(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )
        for (table,) in tables:
            if table in skip_rows:
                continue
            rows = await conn.fetchval(
                f"SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') FROM {table} t"
            )
            out.append(f"rows {table} {rows}")
        return out
    finally:
        await conn.close()


def snapshot(url: str, *, skip_rows: tuple[str, ...] = ()) -> list[str]:
    """Every object (with columns, enum labels and type oids) and every row
    (but those of the tables in ``skip_rows``)."""
    return anyio.run(_snapshot, url, skip_rows)


def trenova_tables(url: str) -> list[str]:
    async def go() -> list[str]:
        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE tablename IN ('trenova_db_versions', "
                "'trenova_db_audit') ORDER BY 1"
            )
            return [r[0] for r in rows]
        finally:
            await conn.close()

    return anyio.run(go)


def fetch_all(url: str, sql: str) -> list[tuple[Any, ...]]:
    async def go() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return anyio.run(go)


def epoch() -> int:
    return int(time.time())
