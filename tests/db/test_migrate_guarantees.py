"""Guarantees of the migration engine that cut across commands: who needs the
lock and who does not, the rollback limit, the shipped schema's round trip,
timeouts applied as server settings, and the CLI's exit codes for history
problems. One fresh database per test, a real PostgreSQL."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import anyio
import asyncpg
import msgspec
import pytest

from tests.conftest import ROOT, CliResult, cli_process, query, run, wait_until
from trenova_db import ConfigurationError, MigrationFailed, migrate, rollback, status
from trenova_db.discovery import discover_migrations
from trenova_db.lock import SessionLock as MigrationLock

Make = Callable[[Mapping[str, str | bytes]], Path]
# Both count only this test's database: other tests, a second CI pass or another
# project may sleep or hold advisory locks on the same server at the same time.
SLEEPING = (
    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' "
    "AND pid <> pg_backend_pid() AND datname = current_database()"
)
HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
Cli = Callable[..., CliResult]
T = TypeVar("T")

TWO = {
    "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
    "000001_a.tx.down.sql": "DROP TABLE a;\n",
    "000002_b.tx.up.sql": "CREATE TABLE b (id int);\n",
    "000002_b.tx.down.sql": "DROP TABLE b;\n",
}


def tables(url: str) -> set[str]:
    rows = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows}


def versions(url: str, schema: str = "public") -> list[int]:
    return [r[0] for r in query(url, f"SELECT version FROM {schema}.schema_migrations ORDER BY 1")]


def while_locked(url: str, schema: str, action: Callable[[], T]) -> T:
    """Run ``action`` (in a thread) while another session holds the migration lock."""

    async def hold() -> T:
        holder = await asyncpg.connect(url)
        try:
            async with MigrationLock(holder, schema, timeout=5):
                return await anyio.to_thread.run_sync(action)
        finally:
            await holder.close()

    return anyio.run(hold)


def test_a_noop_migrate_a_dry_run_and_status_never_wait_for_the_lock(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    a = (
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(folder),
        "--lock-timeout",
        "1s",
    )
    assert cli("migrate", *a).code == 0
    (folder / "000003_c.tx.up.sql").write_text("CREATE TABLE c (id int);\n")

    def three_runs() -> tuple[CliResult, CliResult, CliResult]:
        return cli("migrate", "--dry-run", *a), cli("status", *a), cli("migrate", *a)

    dry, shown, real = while_locked(trenova_database, "public", three_runs)
    assert dry.code == 0, dry.err
    assert "would apply 1 migration(s)" in dry.out
    assert shown.code == 0, shown.err
    assert real.code == 3, "a migrate with work to do must wait for the lock"
    assert "migration lock held by pid" in real.err
    assert versions(trenova_database) == [1, 2]

    (folder / "000003_c.tx.up.sql").unlink()
    noop = while_locked(trenova_database, "public", lambda: cli("migrate", *a))
    assert noop.code == 0, noop.err
    assert "nothing to do" in noop.out


def test_the_lock_belongs_to_one_bookkeeping_schema(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    a = (
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(folder),
        "--lock-timeout",
        "1s",
    )

    def both() -> tuple[CliResult, CliResult]:
        return cli("migrate", "--schema", "ops", *a), cli("migrate", "--schema", "tenant", *a)

    blocked, free = while_locked(trenova_database, "ops", both)
    assert blocked.code == 3
    assert free.code == 0, free.err
    assert versions(trenova_database, "tenant") == [1, 2]
    assert query(trenova_database, "SELECT to_regclass('ops.schema_migrations')") == [(None,)]


def test_max_rollback_raises_the_limit_of_ten(trenova_database: str, migrations: Make) -> None:
    files: dict[str, str | bytes] = {}
    for v in range(1, 13):
        files[f"{v:06d}_t{v}.tx.up.sql"] = f"CREATE TABLE t{v} (id int);\n"
        files[f"{v:06d}_t{v}.tx.down.sql"] = f"DROP TABLE t{v};\n"
    folder = migrations(files)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    with pytest.raises(
        ConfigurationError, match="rolling back 12 migrations exceeds the limit of 10 per command"
    ):
        run(lambda: rollback(trenova_database, migrations_dir=folder, target=12))
    assert len(versions(trenova_database)) == 12
    report = run(
        lambda: rollback(trenova_database, migrations_dir=folder, target=12, max_rollback=12)
    )
    assert [m.version for m in report.rolled_back] == list(range(12, 0, -1))
    assert versions(trenova_database) == []
    assert not any(t.startswith("t") and t[1:].isdigit() for t in tables(trenova_database))


def test_production_rollback_is_refused_before_anything_is_rolled_back(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    refused = cli("rollback", "--env", "production", *a)
    assert refused.code == 5
    assert "--force" in refused.err
    assert versions(trenova_database) == [1, 2]
    assert {"a", "b"} <= tables(trenova_database)


def schema_shape(url: str) -> list[tuple[Any, ...]]:
    """Columns, constraints, indexes and triggers of the public schema."""
    parts = [
        "SELECT 'column', table_name, column_name || ' ' || data_type || ' ' || is_nullable "
        "|| coalesce(' default ' || column_default, '') "
        "FROM information_schema.columns WHERE table_schema = 'public'",
        "SELECT 'constraint', conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
        "SELECT 'index', tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'",
        "SELECT 'trigger', tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
        "SELECT 'function', proname, pg_get_functiondef(oid) FROM pg_proc "
        "WHERE pronamespace = 'public'::regnamespace",
    ]
    sql = " UNION ALL ".join(f"({p})" for p in parts) + " ORDER BY 1, 2, 3"
    rows = query(url, sql)
    bookkeeping = ("schema_migrations", "seed_history", "trenova_db_")
    return [tuple(r) for r in rows if not str(r[1]).startswith(bookkeeping)]


def test_the_shipped_schema_rolls_back_completely_and_migrates_again_identically(
    trenova_database: str,
) -> None:
    shipped = ROOT / "sql"
    count = len(discover_migrations(shipped).migrations)
    first = run(lambda: migrate(trenova_database, migrations_dir=shipped))
    assert len(first.applied) == count
    shape = schema_shape(trenova_database)
    assert any(kind == "trigger" for kind, *_ in shape)
    assert any(kind == "index" and "idx_workers_trgm_name" in str(d) for kind, _, d in shape)

    back = run(
        lambda: rollback(trenova_database, migrations_dir=shipped, target=count, max_rollback=count)
    )
    assert len(back.rolled_back) == count
    assert schema_shape(trenova_database) == []

    again = run(lambda: migrate(trenova_database, migrations_dir=shipped))
    assert len(again.applied) == count
    assert schema_shape(trenova_database) == shape


def test_lock_and_statement_timeouts_are_server_settings_of_the_migration_session(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_settings.tx.up.sql": (
                "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lock_timeout, "
                "current_setting('statement_timeout') AS statement_timeout;\n"
            ),
            "000002_settings_notx.up.sql": (
                "INSERT INTO seen SELECT current_setting('lock_timeout'), "
                "current_setting('statement_timeout');\n"
            ),
        }
    )
    run(
        lambda: migrate(
            trenova_database, migrations_dir=folder, lock_timeout="7s", statement_timeout="3m"
        )
    )
    assert [tuple(r) for r in query(trenova_database, "SELECT * FROM seen")] == [
        ("7s", "3min"),
        ("7s", "3min"),
    ]


def test_a_statement_timeout_cancels_a_blocked_bookkeeping_query_cleanly(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0

    async def hold_and_run() -> CliResult:
        holder = await asyncpg.connect(trenova_database)
        try:
            async with holder.transaction():
                await holder.execute("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
                return await anyio.to_thread.run_sync(
                    lambda: cli(
                        "status", "--statement-timeout", "300ms", "--lock-timeout", "30s", *a
                    )
                )
        finally:
            await holder.close()

    result = anyio.run(hold_and_run)
    assert result.code == 1
    assert "a query was cancelled" in result.err
    assert "Traceback" not in result.err


def test_drift_stops_the_run_before_any_pending_migration(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    (folder / "000001_a.tx.up.sql").write_text("CREATE TABLE a (id bigint);\n")
    (folder / "000003_c.tx.up.sql").write_text("CREATE TABLE c (id int);\n")
    result = cli("migrate", *a)
    assert result.code == 4
    assert "000001_a.tx.up.sql (version 1) changed since it was applied" in result.err
    assert "c" not in tables(trenova_database)
    assert versions(trenova_database) == [1, 2]


def test_out_of_order_and_missing_files_exit_4_and_say_what_to_run(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    (folder / "000000_early.tx.up.sql").write_text("CREATE TABLE early (id int);\n")
    late = cli("migrate", *a)
    assert late.code == 4
    assert "--allow-out-of-order" in late.err
    assert "early" not in tables(trenova_database)
    (folder / "000000_early.tx.up.sql").unlink()

    (folder / "000002_b.tx.up.sql").unlink()
    (folder / "000002_b.tx.down.sql").unlink()
    gone = cli("migrate", *a)
    assert gone.code == 4
    assert "version 2 (b) was applied but its file is gone" in gone.err
    assert "repair --forget-missing" in gone.err
    assert versions(trenova_database) == [1, 2]


def test_an_unreadable_migration_file_is_reported_and_nothing_runs(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    os.symlink(folder / "nowhere.sql", folder / "000003_broken.tx.up.sql")
    result = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert result.code == 4
    assert "000003_broken.tx.up.sql: cannot read file" in result.err
    assert query(trenova_database, "SELECT to_regclass('schema_migrations')") == [(None,)]


def test_rollback_repair_and_create_print_one_json_document_each(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(TWO)
    a = ("--json", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    back = cli("rollback", *a)
    assert back.code == 0
    assert [m["version"] for m in back.json()["rolled_back"]] == [2]
    fixed = cli("repair", *a)
    assert fixed.code == 0
    assert fixed.json()["operation"] == "repair"
    made = cli("create", "third", "--json", "--migrations-dir", str(folder))
    assert made.code == 0
    assert made.json()["version"] == 3
    for result in (back, fixed, made):
        assert result.out.count("\n") <= 1, "one document, nothing else"
        msgspec.json.decode(result.out)


def test_durations_are_measured_per_migration_inside_a_group(
    trenova_database: str, migrations: Make
) -> None:
    # If durations were measured from the start of the group's message, the
    # migration after the sleeping one would inherit its 0.3 s.
    files: dict[str, str | bytes] = {
        f"{v:06d}_t{v}.tx.up.sql": f"CREATE TABLE t{v} (id int);\n" for v in range(1, 5)
    }
    files["000002_t2.tx.up.sql"] = "SELECT pg_sleep(0.3);\n"
    folder = migrations(files)
    report = run(lambda: migrate(trenova_database, migrations_dir=folder))
    took = {m.version: m.duration_ms or 0 for m in report.applied}
    assert took[2] >= 300
    assert took[3] < took[2], took
    stored = dict(
        (r[0], r[1])
        for r in query(trenova_database, "SELECT version, duration_ms FROM schema_migrations")
    )
    assert stored == took


def test_status_needs_no_bookkeeping_tables_and_creates_none(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(TWO)
    report = run(lambda: status(trenova_database, migrations_dir=folder))
    assert [m.state for m in report.migrations] == ["pending", "pending"]
    assert query(trenova_database, "SELECT to_regclass('schema_migrations')") == [(None,)]


def test_ctrl_c_during_a_notx_migration_exits_130_leaves_it_dirty_and_audits_it(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations({"000001_slow.up.sql": "CREATE TABLE s (id int);\nSELECT pg_sleep(30);\n"})
    proc = cli_process(
        "migrate", "--database-url", trenova_database, "--migrations-dir", str(folder)
    )
    try:
        wait_until(trenova_database, SLEEPING, [(1,)], "the migration reached its sleep")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err
    row = query(trenova_database, "SELECT dirty, statements_done FROM schema_migrations")
    assert [tuple(r) for r in row] == [(True, 1)]
    audit = query(trenova_database, "SELECT operation, outcome FROM trenova_db_audit")
    assert [tuple(r) for r in audit] == [("migrate", "interrupted")]


def test_replicas_waiting_for_the_lock_leave_without_it_once_the_holder_is_done(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {"000001_slow.tx.up.sql": "CREATE TABLE s (id int);\nSELECT pg_sleep(1.5);\n"}
    )
    holder = cli_process(
        "migrate", "--database-url", trenova_database, "--migrations-dir", str(folder)
    )
    try:
        wait_until(trenova_database, HELD, [(1,)], "the first runner took the lock")

        async def ten_replicas() -> list[Any]:
            import asyncio

            return list(
                await asyncio.gather(
                    *(
                        migrate(trenova_database, migrations_dir=folder, lock_timeout=60)
                        for _ in range(10)
                    )
                )
            )

        reports = run(ten_replicas)
    finally:
        assert holder.wait(timeout=30) == 0
    assert all(r.applied == [] for r in reports)
    # Each saw the work done; one that polled just before the holder committed
    # may take the lock after it, and then finds nothing to do either.
    assert versions(trenova_database) == [1]
    audit = query(
        trenova_database,
        "SELECT outcome, count(*) FROM trenova_db_audit GROUP BY 1 ORDER BY 1",
    )
    assert [tuple(r) for r in audit] == [("noop", 10), ("success", 1)], "every run is audited"


def _interrupt_when_sleeping(url: str, proc: Any) -> str:
    try:
        wait_until(url, SLEEPING, [(1,)], "the run reached its sleeping statement")
    except BaseException:
        proc.kill()
        raise
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    return str(out)


def test_ctrl_c_during_a_tx_migration_rolls_it_back_and_audits_it(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000002_slow.tx.up.sql": "CREATE TABLE s (id int);\nSELECT pg_sleep(30);\n",
        }
    )
    proc = cli_process(
        "migrate", "--json", "--database-url", trenova_database, "--migrations-dir", str(folder)
    )
    out = _interrupt_when_sleeping(trenova_database, proc)
    assert msgspec.json.decode(out)["exit_code"] == 130
    assert versions(trenova_database) == [1]
    assert "s" not in tables(trenova_database)
    audit = query(trenova_database, "SELECT operation, outcome FROM trenova_db_audit")
    assert [tuple(r) for r in audit] == [("migrate", "interrupted")]


def test_ctrl_c_during_a_seed_is_reported_like_any_other_interruption(
    trenova_database: str, tmp_path: Path
) -> None:
    from tests.support.seed_files import seed_file
    from trenova_db.seeding.registry import sync_registry

    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "000001_t.tx.up.sql").write_text("CREATE TABLE t (id int);\n")
    seeds = tmp_path / "seeds"
    seed_file(seeds / "base", "00_slow.py", "Slow", 'await ctx.conn.execute("SELECT pg_sleep(30)")')
    sync_registry(seeds)
    a = (
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(sql),
        "--seeds-dir",
        str(seeds),
    )
    proc = cli_process("setup", "--json", *a)
    out = _interrupt_when_sleeping(trenova_database, proc)
    doc = msgspec.json.decode(out)
    assert (doc["message"], doc["exit_code"]) == ("interrupted", 130)
    history = query(trenova_database, "SELECT count(*) FROM seed_history WHERE status = 'Active'")
    assert history == [(0,)]


@pytest.mark.parametrize(
    ("filename", "sql", "message"),
    [
        (
            "000002_explicit.up.sql",
            "BEGIN;\nCREATE TABLE x (id int);\nINSERT INTO x VALUES (1);\n",
            "000002_explicit.up.sql: statement 1 (line 1) is BEGIN: a non-.tx file runs each "
            "statement on its own",
        ),
        (
            "000002_copy.tx.up.sql",
            "CREATE TABLE st (id int, abbr text);\nCOPY st (id, abbr) FROM stdin;\n1\tAL\n\\.\n",
            "000002_copy.tx.up.sql: statement 2 (line 2) is COPY ... FROM stdin, a psql data block",
        ),
        (
            "000002_meta.up.sql",
            "CREATE TABLE t (id int);\n\\connect other\nCREATE TABLE u (id int);\n",
            "000002_meta.up.sql: statement 2 (line 2) holds a psql meta-command (\\connect)",
        ),
        (
            "000002_gexec.tx.up.sql",
            "SELECT format('CREATE TABLE %I (id int)', 'g')\n\\gexec\n",
            "000002_gexec.tx.up.sql: statement 1 (line 1) holds a psql meta-command (\\gexec)",
        ),
        (
            "000002_lock.up.sql",
            "LOCK TABLE a IN ACCESS EXCLUSIVE MODE;\nCREATE TABLE z (id int);\n",
            "000002_lock.up.sql: statement 1 (line 1) is LOCK TABLE, which only acts inside a "
            "transaction",
        ),
    ],
)
def test_psql_only_constructs_and_transaction_control_are_refused_before_anything_runs(
    trenova_database: str, migrations: Make, cli: Cli, filename: str, sql: str, message: str
) -> None:
    folder = migrations({"000001_a.tx.up.sql": "CREATE TABLE a (id int);\n", filename: sql})
    result = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert result.code == 4
    assert message in result.err
    assert query(trenova_database, "SELECT to_regclass('schema_migrations')") == [(None,)]
    assert "a" not in tables(trenova_database)


def test_session_settings_a_migration_changes_do_not_leak_into_the_next(
    trenova_database: str, migrations: Make
) -> None:
    # pg_dump output empties search_path for the rest of the session.
    folder = migrations(
        {
            "000001_dump.tx.up.sql": (
                "SELECT pg_catalog.set_config('search_path', '', false);\n"
                "CREATE TABLE public.a (id int);\n"
            ),
            "000002_next.tx.up.sql": "CREATE TABLE b (id int);\n",
            "000003_path.up.sql": "SET search_path = nowhere;\nCREATE TABLE public.c (id int);\n",
            "000004_after.up.sql": "CREATE TABLE d (id int);\n",
        }
    )
    report = run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert [m.version for m in report.applied] == [1, 2, 3, 4]
    assert {"a", "b", "c", "d"} <= tables(trenova_database)


def test_a_failure_inside_a_group_reports_every_migration_committed_before_it(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    files: dict[str, str | bytes] = {
        f"{v:06d}_t{v}.tx.up.sql": f"CREATE TABLE t{v} (id int);\n" for v in range(1, 9)
    }
    files["000006_t6.tx.up.sql"] = "SELECT 1 / 0;\n"
    folder = migrations(files)
    result = cli(
        "migrate", "--json", "--database-url", trenova_database, "--migrations-dir", str(folder)
    )
    assert result.code == 1
    assert result.json()["done"] == [f"applied {v} (t{v})" for v in range(1, 6)]
    audit = query(trenova_database, "SELECT details->'applied' FROM trenova_db_audit")
    assert msgspec.json.decode(audit[0][0]) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("name", ["000001_fn.tx.up.sql", "000001_fn.up.sql"])
def test_a_run_time_error_in_a_do_block_names_its_line_in_the_file(
    trenova_database: str, migrations: Make, name: str
) -> None:
    folder = migrations(
        {
            name: (
                "CREATE TABLE shipments (id int);\n"  # 1
                "\n"  # 2
                "DO $$\n"  # 3: the body's line 1
                "DECLARE\n"  # 4
                "  n int;\n"  # 5
                "BEGIN\n"  # 6
                "  SELECT count(*) INTO n FROM shipments;\n"  # 7
                "  PERFORM 1 / (n - n);\n"  # 8
                "END\n"  # 9
                "$$;\n"  # 10
            )
        }
    )
    with pytest.raises(MigrationFailed) as info:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert info.value.line == 8
    assert f"{name}: " in info.value.message
    assert "line 8 (in a DO block)" in info.value.message
    assert "division by zero" in info.value.message


def test_baseline_adopts_a_database_whose_schema_already_exists(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(
        {
            "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000002_b.up.sql": "CREATE TABLE b (id int);\n",
            "000003_c.tx.up.sql": "CREATE TABLE c (id int);\n",
        }
    )
    # made by the previous tool: a and b exist, nothing is recorded
    query(trenova_database, "CREATE TABLE a (id int)")
    query(trenova_database, "CREATE TABLE b (id int)")
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert "would apply 3 migration(s)" in cli("migrate", "--dry-run", *a).out
    done = cli("repair", "--baseline", "2", "--json", *a)
    assert done.code == 0, done.err
    assert done.json()["actions"] == [
        "version 1 (000001_a.tx.up.sql): recorded as applied, not run",
        "version 2 (000002_b.up.sql): recorded as applied, not run",
    ]
    migrated = cli("migrate", "--json", *a)
    assert migrated.code == 0, migrated.err
    assert [m["version"] for m in migrated.json()["applied"]] == [3]
    rows = query(trenova_database, "SELECT version, kind, batch FROM schema_migrations ORDER BY 1")
    assert [tuple(r) for r in rows] == [(1, "tx", 0), (2, "notx", 0), (3, "tx", 1)]
    again = cli("repair", "--baseline", "2", *a)
    assert again.code == 4
    assert "--baseline is for a database with no trenova-db history" in again.err
    nothing = cli("repair", "--baseline", "0", *a)
    assert nothing.code == 2
    assert "no migration file at or below version 0" in nothing.err
    audit = query(trenova_database, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id")
    assert [tuple(r) for r in audit][:2] == [("repair", "success"), ("migrate", "success")]


def test_backslashes_inside_strings_and_function_bodies_are_not_meta_commands(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_ok.tx.up.sql": (
                "CREATE TABLE t (id int);\n"
                "COMMENT ON TABLE t IS 'regex:\n\\.+ matches dots';\n"
                "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\nSELECT '\\i x'\n$$;\n"
                "SELECT E'a\\\\b';\n"
            )
        }
    )
    report = run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert [m.version for m in report.applied] == [1]


def test_a_non_tx_file_may_commit_inside_a_do_block_or_procedure(
    trenova_database: str, migrations: Make
) -> None:
    # The batched backfill: each batch commits on its own.
    folder = migrations(
        {
            "000001_backfill.up.sql": (
                "CREATE TABLE t (x int);\n"
                "DO $$ BEGIN FOR i IN 1..3 LOOP INSERT INTO t VALUES (i); COMMIT; END LOOP;\n"
                "END $$;\n"
                "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (9); "
                "COMMIT; END $$;\n"
                "CALL p();\n"
            )
        }
    )
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert query(trenova_database, "SELECT count(*) FROM t") == [(4,)]
    assert query(trenova_database, "SELECT dirty, statements_done FROM schema_migrations") == [
        (False, 4)
    ]


def test_a_role_set_by_one_migration_does_not_carry_into_the_next(
    trenova_database: str, migrations: Make
) -> None:
    role = "trenova_mig_" + trenova_database.rsplit("_", 1)[-1][:12]
    query(trenova_database, f"CREATE ROLE {role} SUPERUSER")
    try:
        folder = migrations(
            {
                "000001_a.tx.up.sql": f"SET ROLE {role};\nCREATE TABLE owned_a (x int);\n",
                "000002_b.tx.up.sql": "CREATE TABLE created_b (x int);\n",
                "000003_c.up.sql": (
                    "DO $$ BEGIN EXECUTE 'SET search_path = nowhere'; END $$;\n"
                    "CREATE TABLE public.c (x int);\n"
                ),
                "000004_d.up.sql": "CREATE TABLE d (x int);\n",
            }
        )
        run(lambda: migrate(trenova_database, migrations_dir=folder))
        owners = query(
            trenova_database,
            "SELECT tablename, tableowner FROM pg_tables WHERE tablename IN "
            "('owned_a', 'created_b', 'd') ORDER BY 1",
        )
        assert dict((t, o) for t, o in owners) == {
            "created_b": "postgres",
            "d": "postgres",
            "owned_a": role,
        }
    finally:
        query(trenova_database, f"DROP OWNED BY {role} CASCADE")
        query(trenova_database, f"DROP ROLE {role}")
