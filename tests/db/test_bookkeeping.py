"""trenova-db's own tables: their versions, the upgrade of an older database, and
the errors when a name they need is taken (what is there, what to do)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

import trenova_db
from tests.conftest import CliResult, query, run
from trenova_db import bookkeeping
from trenova_db.audit import _ABANDONED_COLUMNS, _dead, find_abandoned

Cli = Callable[..., CliResult]
Make = Callable[[Mapping[str, str | bytes]], Path]

FILES = {
    "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
    "000001_a.tx.down.sql": "DROP TABLE a;\n",
}


def execute(url: str, sql: str) -> None:
    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run(go)


def error_lines(result: CliResult) -> list[str]:
    return [line.strip() for line in result.err.strip().splitlines()]


# -- a name trenova-db needs is taken --------------------------------------------


def test_a_seed_status_enum_trenova_db_has_no_record_of_is_described_with_what_to_do(
    cli: Cli, migrations: Make, trenova_database: str
) -> None:
    # An empty versions table (a run stopped before creating anything) makes the
    # schema look like trenova-db's: the enum is then not refused as the Go seeder's.
    execute(
        trenova_database,
        "CREATE TYPE seed_status_enum AS ENUM ('new', 'done');"
        "CREATE TABLE trenova_db_versions (version integer PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now())",
    )
    (owner,) = query(trenova_database, "SELECT current_user")[0]
    folder = migrations(FILES)
    result = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert result.code == 4, result.err
    assert "golang-migrate" not in result.err
    doc = cli(
        "migrate", "--json", "--database-url", trenova_database, "--migrations-dir", str(folder)
    ).json()
    assert doc["error"] == "HistoryMismatch"
    assert doc["message"] == (
        "cannot create trenova-db's bookkeeping tables in schema 'public': type "
        '"seed_status_enum" already exists. Found type public.seed_status_enum (an enum of '
        f"new, done, owned by {owner}), which trenova-db has no record of making "
        "(public.trenova_db_versions records no version)"
    )
    assert doc["hint"] == (
        "pass --schema to keep trenova-db's tables in another schema. If it is another "
        'application\'s that nothing uses, drop it (DROP TYPE "public"."seed_status_enum") '
        "and run again; if it is trenova-db's own, left without its record in "
        "public.trenova_db_versions, restore that table from a backup rather than dropping "
        "anything. If it is the Go seeder's, drop the empty public.trenova_db_versions (left "
        "by a run that stopped before creating anything) and run `trenova-db adopt "
        "--dry-run`: adopt takes it over"
    )
    # nothing was created
    assert query(trenova_database, "SELECT to_regclass('public.schema_migrations')") == [(None,)]


def test_another_applications_audit_table_is_named_and_never_blamed_on_golang_migrate(
    cli: Cli, migrations: Make, trenova_database: str
) -> None:
    execute(trenova_database, "CREATE TABLE trenova_db_audit (id int, note text)")
    (owner,) = query(trenova_database, "SELECT current_user")[0]
    folder = migrations(FILES)
    doc = cli(
        "migrate", "--json", "--database-url", trenova_database, "--migrations-dir", str(folder)
    ).json()
    assert doc["exit_code"] == 4
    assert doc["error"] == "HistoryMismatch"
    assert doc["message"] == (
        "cannot create trenova-db's bookkeeping tables in schema 'public': relation "
        '"trenova_db_audit" already exists. Found table public.trenova_db_audit (owned by '
        f"{owner}), which trenova-db has no record of making (public.trenova_db_versions "
        "records no version)"
    )
    assert doc["hint"] == (
        "pass --schema to keep trenova-db's tables in another schema. If it is another "
        'application\'s that nothing uses, drop it (DROP TABLE "public"."trenova_db_audit") '
        "and run again; if it is trenova-db's own, left without its record in "
        "public.trenova_db_versions, restore that table from a backup rather than dropping "
        "anything"
    )
    assert query(trenova_database, "SELECT count(*) FROM trenova_db_audit") == [(0,)]


def test_trenova_dbs_own_tables_without_their_versions_are_not_called_the_go_seeders(
    cli: Cli, migrations: Make, trenova_database: str
) -> None:
    folder = migrations(FILES)
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    execute(trenova_database, "DROP TABLE trenova_db_versions")
    result = cli("migrate", "--json", *a)
    doc = result.json()
    assert doc["error"] == "HistoryMismatch", doc
    assert "Go seeder" not in doc["message"] + doc["hint"]
    assert doc["message"].startswith(
        "cannot create trenova-db's bookkeeping tables in schema 'public': relation "
        '"schema_migrations" already exists. Found table public.schema_migrations (owned by '
    )
    assert "restore that table from a backup rather than dropping anything" in doc["hint"]
    # the history is untouched
    assert query(trenova_database, "SELECT version FROM schema_migrations") == [(1,)]


# -- version 3: the index of the abandoned-runs query -----------------------------


def _version_2(url: str) -> None:
    """trenova-db's tables as version 2 left them (before the running-rows index)."""
    s = bookkeeping.quote_ident("public")
    sql = [
        f"CREATE TABLE {s}.trenova_db_versions (version integer PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now())"
    ]
    for version, statement in bookkeeping._internal_migrations("public")[:2]:
        sql += [statement, f"INSERT INTO {s}.trenova_db_versions (version) VALUES ({version})"]
    execute(url, ";\n".join(sql))


def test_a_version_2_database_is_upgraded_by_a_no_op_migrate_and_keeps_its_trail(
    migrations: Make, trenova_database: str
) -> None:
    _version_2(trenova_database)
    # a run that died long ago: its row still says running
    execute(
        trenova_database,
        "INSERT INTO trenova_db_audit (operation, environment, actor, host, started_at, "
        "outcome, details) VALUES ('migrate', 'development', 'a', 'h', now(), 'running', "
        '\'{"pid": 1, "backend_start": "2000-01-01T00:00:00Z"}\')',
    )
    folder = migrations({})
    report = run(lambda: trenova_db.migrate(trenova_database, migrations_dir=folder))
    assert report.applied == []
    assert query(trenova_database, "SELECT version FROM trenova_db_versions ORDER BY 1") == [
        (1,),
        (2,),
        (3,),
    ]
    assert query(
        trenova_database,
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'trenova_db_audit_running_idx'",
    ) == [
        (
            "CREATE INDEX trenova_db_audit_running_idx ON public.trenova_db_audit "
            "USING btree (id) WHERE (outcome = 'running'::text)",
        )
    ]
    # the upgrade ran under the lock, with the abandoned row found and recorded
    assert report.abandoned and "ended without finishing: abandoned" in report.abandoned[0]
    assert query(trenova_database, "SELECT outcome FROM trenova_db_audit ORDER BY id") == [
        ("abandoned",),
        ("noop",),
    ]
    # and the next no-op migrate takes the fast path again: one new row, no upgrade
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=folder))
    assert query(trenova_database, "SELECT count(*) FROM trenova_db_versions") == [(3,)]


def test_the_abandoned_runs_query_reads_the_running_rows_index(
    migrations: Make, trenova_database: str
) -> None:
    folder = migrations(FILES)
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=folder))
    # years of boots: many finished rows, one still running
    execute(
        trenova_database,
        "INSERT INTO trenova_db_audit (operation, environment, actor, host, started_at, "
        "finished_at, outcome) SELECT 'migrate', 'production', 'svc', 'h', now(), now(), "
        "'noop' FROM generate_series(1, 20000);"
        "INSERT INTO trenova_db_audit (operation, environment, actor, host, started_at, "
        "outcome, details) VALUES ('seed', 'production', 'a', 'h', now(), 'running', "
        '\'{"pid": 1, "backend_start": "2000-01-01T00:00:00Z"}\');'
        "ANALYZE trenova_db_audit",
    )
    table = '"public".trenova_db_audit'
    plan = query(
        trenova_database,
        f"EXPLAIN SELECT {_ABANDONED_COLUMNS} FROM {_dead(table)} ORDER BY a.id",
    )
    text = "\n".join(r[0] for r in plan)
    assert "trenova_db_audit_running_idx" in text, text
    assert "Seq Scan on trenova_db_audit" not in text, text

    async def abandoned() -> list[str]:
        conn = await asyncpg.connect(trenova_database)
        try:
            return [a.operation for a in await find_abandoned(conn, "public")]
        finally:
            await conn.close()

    assert run(abandoned) == ["seed"]


def test_a_user_who_may_not_add_the_index_runs_on_and_the_owner_adds_it_later(
    migrations: Make, trenova_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    _version_2(trenova_database)
    role = f"bk_{uuid.uuid4().hex[:10]}"
    # a service user: may use trenova-db's tables, owns none of them
    execute(
        trenova_database,
        f'CREATE ROLE "{role}" LOGIN; GRANT CREATE, USAGE ON SCHEMA public TO "{role}";'
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}";'
        f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    )
    parts = urlsplit(trenova_database)
    as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
    folder = migrations({})
    try:
        with caplog.at_level(logging.WARNING, logger="trenova_db.migrate"):
            report = run(lambda: trenova_db.migrate(as_role, migrations_dir=folder))
        assert report.applied == []
        assert [r.getMessage() for r in caplog.records if r.name == "trenova_db.migrate"] == [
            "cannot upgrade trenova-db's bookkeeping tables in schema 'public' to version 3: "
            "must be owner of table trenova_db_audit; the run goes on without it (run "
            "trenova-db once as the owner of the bookkeeping tables in schema 'public' (an "
            "upgrade needs CREATE on the schema and, for an index, to own the table), or make "
            "this user a member of the owner's role)"
        ]
        versions = "SELECT version FROM trenova_db_versions ORDER BY 1"
        assert query(trenova_database, versions) == [(1,), (2,)]
        # the owner's next run upgrades
        run(lambda: trenova_db.migrate(trenova_database, migrations_dir=folder))
        assert query(trenova_database, versions) == [(1,), (2,), (3,)]
        assert query(
            trenova_database,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'trenova_db_audit_running_idx'",
        ) == [(1,)]
        assert query(trenova_database, "SELECT outcome FROM trenova_db_audit ORDER BY id") == [
            ("noop",),
            ("noop",),
        ]
    finally:
        execute(trenova_database, f'DROP OWNED BY "{role}"; DROP ROLE "{role}"')


def test_creating_the_lease_table_in_an_upgrade_waits_for_a_pooled_runner_creating_it(
    migrations: Make, trenova_database: str
) -> None:
    """A direct runner's upgrade to version 2 and a pooled runner's first lease
    both create trenova_db_lock: both take the same transaction-level lock
    first, or CREATE TABLE IF NOT EXISTS races on the catalog."""
    import anyio

    folder = migrations({"000001_a.tx.up.sql": "CREATE TABLE a (id int);"})
    # what a pooled runner's first lease takes (lease._bootstrap_sql)
    guard = "SELECT pg_advisory_xact_lock(hashtextextended('trenova-db/public/trenova_db_lock', 0))"

    async def scenario() -> list[str]:
        events: list[str] = []
        holder = await asyncpg.connect(trenova_database)
        # pg_stat_activity is a snapshot per transaction: watched from outside it.
        observer = await asyncpg.connect(trenova_database)
        try:
            tx = holder.transaction()
            await tx.start()
            await holder.execute(guard)  # a pooled runner, mid-bootstrap

            async def upgrade() -> None:
                await trenova_db.migrate(trenova_database, migrations_dir=folder)
                events.append("migrated")

            async with anyio.create_task_group() as tg:
                tg.start_soon(upgrade)
                waiting = "0"
                for _ in range(200):  # until the upgrade waits on the guard
                    waiting = await observer.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                    )
                    if waiting:
                        break
                    await anyio.sleep(0.02)
                events.append(f"waiting {waiting}")
                await tx.commit()
        finally:
            await holder.close()
            await observer.close()
        return events

    assert run(scenario) == ["waiting 1", "migrated"]
