"""The migration engine against a real PostgreSQL: one fresh database per test."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import pytest

from tests.conftest import CliResult, cli_process, query, run
from trenova_db import (
    ConfigurationError,
    HistoryMismatch,
    MigrationFailed,
    migrate,
    repair,
    rollback,
    status,
)
from trenova_db.lock import SessionLock as MigrationLock

Make = Callable[[Mapping[str, str | bytes]], Path]
Cli = Callable[..., CliResult]

BASIC = {
    "000001_create_users.tx.up.sql": "CREATE TABLE users (id int PRIMARY KEY, email text);\n",
    "000001_create_users.tx.down.sql": "DROP TABLE users;\n",
    "000002_add_name.tx.up.sql": "ALTER TABLE users ADD COLUMN name text;\n",
    "000002_add_name.tx.down.sql": "ALTER TABLE users DROP COLUMN name;\n",
    "000003_users_email_idx.up.sql": (
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n"
        "CREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n"
    ),
    "000003_users_email_idx.down.sql": (
        "DROP INDEX CONCURRENTLY users_name_idx;\nDROP INDEX CONCURRENTLY users_email_idx;\n"
    ),
}


def tables(url: str) -> set[str]:
    rows = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows}


def history(url: str) -> list[tuple[int, str, bool, int]]:
    rows = query(
        url, "SELECT version, kind, dirty, statements_done FROM schema_migrations ORDER BY 1"
    )
    return [tuple(r) for r in rows]


def test_migrate_applies_everything_once_and_then_is_a_noop(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(BASIC)
    first = run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert [m.version for m in first.applied] == [1, 2, 3]
    assert first.batch == 1
    assert history(trenova_database) == [
        (1, "tx", False, 0),
        (2, "tx", False, 0),
        (3, "notx", False, 2),
    ]
    indexes = query(trenova_database, "SELECT indexname FROM pg_indexes WHERE tablename = 'users'")
    assert {r[0] for r in indexes} >= {"users_email_idx", "users_name_idx"}
    second = run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert second.applied == []
    assert second.already_applied == 3


def test_checksum_is_prefixed_and_ignores_bom_and_crlf(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations({"000001_a.tx.up.sql": b"\xef\xbb\xbfSELECT 1;\r\n"})
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    (checksum,) = query(trenova_database, "SELECT checksum FROM schema_migrations")[0]
    (folder / "000001_a.tx.up.sql").write_bytes(b"SELECT 1;\n")
    assert checksum.startswith("sha256:")
    report = run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert report.applied == []


def test_failing_tx_migration_leaves_no_trace(trenova_database: str, migrations: Make) -> None:
    folder = migrations(
        {
            "000001_ok.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000002_broken.tx.up.sql": (
                "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nSELECT * FROM nope;\n"
            ),
        }
    )
    with pytest.raises(MigrationFailed) as info:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    err = info.value
    assert err.version == 2
    assert (err.line, err.column) == (3, 15)
    assert "000002_broken.tx.up.sql: line 3, column 15" in err.message
    assert "nothing of this migration was applied" in (err.hint or "")
    assert tables(trenova_database) >= {"a"}
    assert "b" not in tables(trenova_database)
    assert [v for v, *_ in history(trenova_database)] == [1]


def test_notx_failure_at_second_statement_leaves_a_precise_dirty_row(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(
        {
            "000001_t.tx.up.sql": "CREATE TABLE t (id int);\n",
            "000002_idx.up.sql": (
                "CREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n"
                "CREATE INDEX CONCURRENTLY t_bad_idx ON t (missing_column);\n"
                "CREATE TABLE never (id int);\n"
            ),
        }
    )
    with pytest.raises(MigrationFailed) as info:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert info.value.statement == 2
    assert info.value.line == 2
    assert "statement 2 of 3" in info.value.message
    assert history(trenova_database) == [(1, "tx", False, 0), (2, "notx", True, 1)]
    assert "never" not in tables(trenova_database)

    blocked = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert blocked.code == 4
    assert "version 2 (idx) is dirty" in blocked.err
    assert "statement 2 of 3" in blocked.err

    (folder / "000002_idx.up.sql").write_text(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx ON t (id);\n"
        "CREATE TABLE never (id int);\n"
    )
    fixed = cli(
        "repair",
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(folder),
        "--version",
        "2",
        "--rolled-back",
    )
    assert fixed.code == 0, fixed.err
    again = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert again.code == 0, again.err
    assert history(trenova_database)[-1] == (2, "notx", False, 2)


def test_edited_applied_file_is_drift_until_repaired(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(BASIC)
    args = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *args).code == 0
    (folder / "000002_add_name.tx.up.sql").write_text(
        "ALTER TABLE users ADD COLUMN name varchar;\n"
    )
    drift = cli("migrate", *args)
    assert drift.code == 4
    assert "000002_add_name.tx.up.sql (version 2) changed since it was applied" in drift.err
    assert "trenova-db repair" in drift.err
    repaired = cli("repair", *args)
    assert repaired.code == 0
    assert "checksum realigned" in repaired.out
    assert cli("migrate", *args).code == 0


def test_missing_file_and_out_of_order_are_refused(trenova_database: str, migrations: Make) -> None:
    folder = migrations(BASIC)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    (folder / "000000_early.tx.up.sql").write_text("CREATE TABLE early (id int);\n")
    with pytest.raises(HistoryMismatch) as info:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert "000000_early.tx.up.sql (version 0) is pending but version 3 is already applied" in str(
        info.value
    )
    report = run(lambda: migrate(trenova_database, migrations_dir=folder, allow_out_of_order=True))
    assert [m.version for m in report.applied] == [0]

    (folder / "000002_add_name.tx.up.sql").unlink()
    (folder / "000002_add_name.tx.down.sql").unlink()
    with pytest.raises(HistoryMismatch) as missing:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert "version 2 (add_name) was applied but its file is gone" in str(missing.value)
    fixed = run(lambda: repair(trenova_database, migrations_dir=folder, forget_missing=True))
    assert any("file gone, forgotten" in a for a in fixed.actions)


def test_rollback_last_then_target_and_limits(trenova_database: str, migrations: Make) -> None:
    folder = migrations(BASIC)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    one = run(lambda: rollback(trenova_database, migrations_dir=folder))
    assert [m.version for m in one.rolled_back] == [3]
    two = run(lambda: rollback(trenova_database, migrations_dir=folder, target=2))
    assert [m.version for m in two.rolled_back] == [2, 1]
    assert history(trenova_database) == []
    assert "users" not in tables(trenova_database)
    with pytest.raises(ConfigurationError, match="exceeds the limit of 10"):
        run(lambda: rollback(trenova_database, migrations_dir=folder, target=11))


def test_rollback_without_down_file_is_refused_before_anything_runs(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000002_b.tx.up.sql": "CREATE TABLE b (id int);\n",
            "000002_b.tx.down.sql": "DROP TABLE b;\n",
            "000003_c.tx.up.sql": "CREATE TABLE c (id int);\n",
            "000003_c.tx.down.sql": "DROP TABLE c;\n",
        }
    )
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    with pytest.raises(HistoryMismatch) as info:
        run(lambda: rollback(trenova_database, migrations_dir=folder, target=3))
    assert "version 1 (000001_a.tx.up.sql) has no down file; rolling it back is refused" in str(
        info.value
    )
    assert tables(trenova_database) >= {"a", "b", "c"}
    assert len(history(trenova_database)) == 3


def test_a_no_op_migrate_and_status_open_no_down_file_and_rollback_names_a_broken_one(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(BASIC)
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    # Every down file becomes a dangling symlink: opening one fails.
    for down in folder.glob("*.down.sql"):
        down.unlink()
        down.symlink_to(folder / "nowhere")
    noop = cli("migrate", *a)
    assert (noop.code, noop.err) == (0, "")
    assert "nothing to do" in noop.out
    assert cli("status", *a).code == 0
    back = cli("rollback", *a)
    assert back.code == 4
    assert "000003_users_email_idx.down.sql: cannot read file (No such file or directory)" in (
        back.err
    )
    assert len(history(trenova_database)) == 3


def test_dry_run_writes_nothing_and_shows_sql_when_verbose(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(BASIC)
    result = cli(
        "migrate",
        "--dry-run",
        "--verbose",
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(folder),
    )
    assert result.code == 0, result.err
    assert "would apply 3 migration(s)" in result.out
    assert "CREATE TABLE users" in result.out
    assert tables(trenova_database) == set()


def test_statement_timeout_is_applied_to_migration_sessions(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations({"000001_slow.tx.up.sql": "SELECT pg_sleep(3);\n"})
    with pytest.raises(MigrationFailed, match="statement timeout"):
        run(lambda: migrate(trenova_database, migrations_dir=folder, statement_timeout="200ms"))


def test_concurrently_in_a_tx_file_explains_the_fix(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_t.tx.up.sql": "CREATE TABLE t (id int);\n",
            "000002_idx.tx.up.sql": "CREATE INDEX CONCURRENTLY t_idx ON t (id);\n",
        }
    )
    with pytest.raises(MigrationFailed) as info:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert "rename 000002_idx.tx.up.sql without '.tx'" in (info.value.hint or "")


def test_transaction_control_in_a_tx_file_is_refused_before_running(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations({"000001_t.tx.up.sql": "CREATE TABLE t (id int);\nCOMMIT;\n"})
    result = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert result.code == 4
    assert "statement 2 (line 2) is COMMIT" in result.err
    assert tables(trenova_database) == set()


def test_lock_held_elsewhere_times_out_naming_the_holder(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(BASIC)

    async def hold_and_try() -> tuple[int, CliResult]:
        holder = await asyncpg.connect(
            trenova_database, server_settings={"application_name": "holder-app"}
        )
        try:
            pid = await holder.fetchval("SELECT pg_backend_pid()")
            async with MigrationLock(holder, "public", timeout=5):
                result = await anyio.to_thread.run_sync(
                    lambda: cli(
                        "migrate",
                        "--database-url",
                        trenova_database,
                        "--migrations-dir",
                        str(folder),
                        "--lock-timeout",
                        "1s",
                    )
                )
            return pid, result
        finally:
            await holder.close()

    pid, result = run(hold_and_try)
    assert result.code == 3
    assert f"migration lock held by pid {pid} (holder-app" in result.err
    assert tables(trenova_database) == set()


def test_eight_processes_migrating_at_once_apply_each_migration_once(
    trenova_database: str, migrations: Make
) -> None:
    files: dict[str, str | bytes] = {
        "000001_runs.tx.up.sql": "CREATE TABLE runs (version int);\nINSERT INTO runs VALUES (1);\n",
    }
    for v in range(2, 21):
        files[f"{v:06d}_t{v}.tx.up.sql"] = (
            f"CREATE TABLE t{v} (id int);\nINSERT INTO runs VALUES ({v});\n"
        )
    files["000021_idx.up.sql"] = (
        "CREATE INDEX CONCURRENTLY runs_idx ON runs (version);\nINSERT INTO runs VALUES (21);\n"
    )
    folder = migrations(files)
    procs = [
        cli_process("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
        for _ in range(8)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0] * 8, results
    counts = query(trenova_database, "SELECT version, count(*) FROM runs GROUP BY 1 ORDER BY 1")
    assert [tuple(r) for r in counts] == [(v, 1) for v in range(1, 22)]
    assert len(history(trenova_database)) == 21


def test_status_reports_states(trenova_database: str, migrations: Make, cli: Cli) -> None:
    folder = migrations(BASIC)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    (folder / "000004_more.tx.up.sql").write_text("CREATE TABLE more (id int);\n")
    report = run(lambda: status(trenova_database, migrations_dir=folder))
    assert [(m.version, m.state) for m in report.migrations] == [
        (1, "applied"),
        (2, "applied"),
        (3, "applied"),
        (4, "pending"),
    ]
    result = cli(
        "status", "--json", "--database-url", trenova_database, "--migrations-dir", str(folder)
    )
    assert result.code == 0
    doc = result.json()
    assert doc["operation"] == "status"
    assert [m["state"] for m in doc["migrations"]] == ["applied", "applied", "applied", "pending"]


def test_json_output_is_one_document(trenova_database: str, migrations: Make, cli: Cli) -> None:
    folder = migrations(BASIC)
    result = cli(
        "migrate", "--json", "--database-url", trenova_database, "--migrations-dir", str(folder)
    )
    assert result.code == 0
    doc = result.json()
    assert doc["operation"] == "migrate"
    assert [m["version"] for m in doc["applied"]] == [1, 2, 3]
    failed = cli(
        "migrate",
        "--json",
        "--database-url",
        "postgresql://u:pw@127.0.0.1:1/x",
        "--migrations-dir",
        str(folder),
        "--connect-timeout",
        "0.2",
    )
    assert failed.code == 1
    assert failed.json()["error"] == "DatabaseUnavailable"


def test_password_never_appears_in_any_output(
    migrations: Make, cli: Cli, trenova_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = migrations(BASIC)
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    secret = "s3cr3t-P4ss"
    bad = f"postgresql://trenova:{secret}@127.0.0.1:1/trenova"
    dirs = ("--migrations-dir", str(folder), "--seeds-dir", str(seeds))
    commands = (
        ("migrate",),
        ("migrate", "--json"),
        ("status",),
        ("status", "--json"),
        ("rollback", "--dry-run"),
        ("repair",),
        ("seed",),
        ("setup", "--json"),
        ("seed-check",),
    )
    for args in commands:
        result = cli(*args, "--database-url", bad, *dirs, "--connect-timeout", "0.2")
        assert result.code == 1, (args, result.err)
        assert secret not in result.out + result.err, args
        assert "trenova:***@127.0.0.1:1" in result.out + result.err, args
    # the same through the environment, with every statement logged
    monkeypatch.setenv("DATABASE_URL", bad)
    monkeypatch.setenv("TRENOVA_DB_DEBUG", "1")
    for args in commands:
        result = cli(*args, *dirs, "--connect-timeout", "0.2")
        assert result.code == 1, (args, result.err)
        assert secret not in result.out + result.err, args
    monkeypatch.delenv("DATABASE_URL")
    # a working URL with a password (trust auth ignores it): every report and
    # the debug log are masked; the URL is stored nowhere in the database
    shipped = ("--migrations-dir", str(seeds.parent / "sql"), "--seeds-dir", str(seeds))
    good = trenova_database.replace("://postgres@", f"://postgres:{secret}@")
    assert good != trenova_database, "the test server's URL names the postgres user"
    for args in (
        ("migrate", "--verbose"),
        ("status",),
        ("status", "--json"),
        ("seed", "--json"),
        ("rollback", "--json"),
    ):
        result = cli(*args, "--database-url", good, *shipped)
        assert result.code == 0, (args, result.err)
        assert secret not in result.out + result.err, args
    stored = query(
        trenova_database,
        "SELECT count(*) FROM trenova_db_audit WHERE details::text LIKE '%' || $1 || '%'",
        secret,
    )
    assert stored == [(0,)]


def test_every_run_is_audited(trenova_database: str, migrations: Make) -> None:
    folder = migrations(BASIC)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    run(lambda: rollback(trenova_database, migrations_dir=folder))
    run(lambda: repair(trenova_database, migrations_dir=folder))
    rows = query(trenova_database, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("migrate", "success"),
        ("migrate", "noop"),
        ("rollback", "success"),
        ("repair", "success"),
    ]


def test_unedited_created_migrations_are_refused_not_recorded(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations({})
    created = cli("create", "todo", "--tx", "--migrations-dir", str(folder))
    assert created.code == 0
    result = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert result.code == 4
    assert (
        "000001_todo.tx.up.sql: still the placeholder `trenova-db create` wrote; "
        "write the SQL that applies the change"
    ) in result.err
    assert tables(trenova_database) == set()


def test_a_running_migration_makes_a_second_run_time_out_naming_its_pid(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations({"000001_slow.tx.up.sql": "SELECT pg_sleep(4);\n"})
    a = ("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    first = cli_process(*a)
    try:
        deadline = time.monotonic() + 20
        holder: list[Any] = []
        while not holder and time.monotonic() < deadline:
            holder = query(
                trenova_database,
                "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND s.application_name LIKE '%migrate pid=' || $1",
                str(first.pid),
            )
            time.sleep(0.05)
        assert holder, "the first run never took the lock"
        second = cli_process(*a, "--lock-timeout", "1s")
        _, err = second.communicate(timeout=30)
        assert second.returncode == 3, err
        assert (
            f"migration lock held by pid {holder[0][0]} (trenova-db migrate pid={first.pid}" in err
        )
    finally:
        assert first.wait(timeout=30) == 0
    assert len(history(trenova_database)) == 1


def test_an_unterminated_string_cannot_swallow_the_next_migration(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(
        {
            "000001_open.tx.up.sql": "CREATE TABLE a (id int);\nSELECT 'never closed;\n",
            "000002_next.tx.up.sql": "CREATE TABLE b (id int); SELECT 'x';\n",
        }
    )
    result = cli("migrate", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert result.code == 4
    assert "000001_open.tx.up.sql: unterminated string starting at line 2, column 8" in result.err
    assert tables(trenova_database) == set()


def test_a_failure_inside_a_group_keeps_the_migrations_before_it(
    trenova_database: str, migrations: Make
) -> None:
    files: dict[str, str | bytes] = {
        f"{v:06d}_t{v}.tx.up.sql": f"CREATE TABLE t{v} (id int);\n" for v in range(1, 11)
    }
    files["000006_t6.tx.up.sql"] = "CREATE TABLE t6 (id int);\nSELECT 1 / 0;\n"
    folder = migrations(files)
    with pytest.raises(MigrationFailed) as info:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert info.value.version == 6
    assert "division by zero" in info.value.message
    assert [v for v, *_ in history(trenova_database)] == [1, 2, 3, 4, 5]
    assert tables(trenova_database) >= {"t1", "t5"}
    assert "t6" not in tables(trenova_database)
    assert "t7" not in tables(trenova_database)


def test_bookkeeping_can_live_in_its_own_schema(trenova_database: str, migrations: Make) -> None:
    folder = migrations(BASIC)
    run(lambda: migrate(trenova_database, migrations_dir=folder, schema="ops"))
    rows = query(
        trenova_database,
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_name IN ('schema_migrations', 'trenova_db_versions') ORDER BY 2",
    )
    assert [tuple(r) for r in rows] == [
        ("ops", "schema_migrations"),
        ("ops", "trenova_db_versions"),
    ]
    assert query(trenova_database, "SELECT version FROM ops.trenova_db_versions ORDER BY 1") == [
        (1,),
        (2,),
        (3,),
    ]
    assert "users" in tables(trenova_database)
    again = run(lambda: migrate(trenova_database, migrations_dir=folder, schema="ops"))
    assert again.applied == []


def test_repair_marks_a_dirty_migration_applied_after_a_manual_fix(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_t.tx.up.sql": "CREATE TABLE t (id int);\n",
            "000002_two.up.sql": "CREATE TABLE u (id int);\nCREATE TABLE t (id int);\n",
        }
    )
    with pytest.raises(MigrationFailed):
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    with pytest.raises(HistoryMismatch, match="version 2 \\(two\\) is dirty"):
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    report = run(lambda: repair(trenova_database, migrations_dir=folder, version=2, mark="applied"))
    assert report.actions == ["version 2 (two): marked applied"]
    assert history(trenova_database)[-1][:3] == (2, "notx", False)
    assert run(lambda: migrate(trenova_database, migrations_dir=folder)).applied == []
    audit = query(trenova_database, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id")
    assert [tuple(r) for r in audit] == [
        ("migrate", "failed"),
        ("migrate", "refused"),
        ("repair", "success"),
        ("migrate", "noop"),
    ]


def test_a_failing_notx_rollback_leaves_the_row_dirty_with_the_reason(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_idx.up.sql": (
                "CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_i ON t (id);\n"
            ),
            "000001_idx.down.sql": "DROP INDEX CONCURRENTLY t_i;\nDROP INDEX CONCURRENTLY nope;\n",
        }
    )
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    with pytest.raises(MigrationFailed) as info:
        run(lambda: rollback(trenova_database, migrations_dir=folder))
    assert "statement 2 of 2" in info.value.message
    (dirty, error) = query(trenova_database, "SELECT dirty, error FROM schema_migrations")[0]
    assert dirty is True
    assert "nope" in error


def test_inside_a_fleet_snapshot_the_no_op_path_keeps_reading_the_folder_once(
    trenova_database: str, migrations: Make
) -> None:
    from trenova_db.snapshot import files_read_once

    folder = migrations(BASIC)

    async def twice() -> int:
        with files_read_once():
            await migrate(trenova_database, migrations_dir=folder)
            # An edit after the snapshot was taken is not seen (no drift).
            (folder / "000001_create_users.tx.up.sql").write_text("SELECT 'edited';\n")
            again = await migrate(trenova_database, migrations_dir=folder)
            return again.already_applied

    assert anyio.run(twice) == 3
    with pytest.raises(HistoryMismatch, match="changed since it was applied"):
        run(lambda: migrate(trenova_database, migrations_dir=folder))
