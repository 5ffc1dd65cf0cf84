"""What status shows besides the history (trenova_db.status_extras), on a real server.

The lock holder, abandoned runs and the seeds' history come from one
statement on current bookkeeping tables and from the separate queries on
older ones: both must say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import trenova_db
from tests.conftest import query, run
from tests.support.foreign_tools import execute
from trenova_db.bookkeeping import CURRENT_VERSION, read_seed_history
from trenova_db.status_extras import StatusExtras, read_status_extras

Make = Callable[[Mapping[str, str | bytes]], Path]

FILES = {"000001_a.tx.up.sql": "CREATE TABLE a (id int);\n"}
ADVISORY_KEY = (
    "hashtextextended('trenova-db/' || current_database() || '/public/schema_migrations', 0)"
)


def migrated(url: str, migrations: Make) -> Path:
    folder = migrations(FILES)
    run(lambda: trenova_db.migrate(url, migrations_dir=folder))
    return folder


async def both_ways(url: str, environment: str | None) -> tuple[StatusExtras, StatusExtras]:
    """(one statement, the separate queries) on the same database."""
    conn = await asyncpg.connect(url)
    try:
        fast = await read_status_extras(
            conn, "public", environment=environment, internal_version=CURRENT_VERSION
        )
        slow = await read_status_extras(conn, "public", environment=environment, internal_version=1)
    finally:
        await conn.close()
    return fast, slow


def test_nothing_held_nothing_abandoned_reads_as_free(
    migrations: Make, trenova_database: str
) -> None:
    folder = migrated(trenova_database, migrations)
    fast, slow = run(lambda: both_ways(trenova_database, None))
    assert fast == slow == StatusExtras(lock=None, abandoned=[], seed_history=None)
    report = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder))
    assert (report.lock, report.abandoned) == (None, [])


def test_a_session_holding_the_advisory_lock_is_named(
    migrations: Make, trenova_database: str
) -> None:
    folder = migrated(trenova_database, migrations)

    async def scenario() -> tuple[int, StatusExtras, StatusExtras, Any]:
        holder = await asyncpg.connect(
            trenova_database, server_settings={"application_name": "holder-app"}
        )
        try:
            await holder.execute(f"SELECT pg_advisory_lock({ADVISORY_KEY})")
            pid = await holder.fetchval("SELECT pg_backend_pid()")
            fast, slow = await both_ways(trenova_database, None)
            report = await trenova_db.status(trenova_database, migrations_dir=folder)
        finally:
            await holder.close()
        return pid, fast, slow, report

    pid, fast, slow, report = run(scenario)
    assert fast == slow
    assert fast.lock is not None
    assert fast.lock.startswith(f"migration lock held by server pid {pid} (holder-app, client ")
    assert fast.lock.endswith(", idle)")
    assert report.lock == fast.lock


def test_a_lease_row_is_named_before_any_advisory_lock(
    migrations: Make, trenova_database: str
) -> None:
    folder = migrated(trenova_database, migrations)
    query(
        trenova_database,
        "INSERT INTO trenova_db_lock (key, holder, pid, host, acquired_at, expires_at) "
        "VALUES ('schema_migrations', 'trenova-db migrate pid=4242', 4242, 'box', "
        "'2026-01-02 03:04:05+00', clock_timestamp() + interval '100 seconds') RETURNING key",
    )
    fast, slow = run(lambda: both_ways(trenova_database, None))
    assert fast == slow
    assert fast.lock is not None
    assert fast.lock.startswith(
        "migration lock (lease) held by trenova-db migrate pid=4242 (process 4242 on box, "
        "since 2026-01-02 03:04:05 UTC, expires in "
    )
    report = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder))
    assert report.lock == fast.lock or (
        # a second may have ticked between the two reads
        report.lock is not None and report.lock.startswith(fast.lock.rsplit(" ", 2)[0])
    )


def test_a_running_row_of_a_dead_session_is_abandoned_and_a_live_one_is_not(
    migrations: Make, trenova_database: str
) -> None:
    folder = migrated(trenova_database, migrations)

    async def scenario() -> tuple[StatusExtras, StatusExtras]:
        live = await asyncpg.connect(trenova_database)
        try:
            pid, start = await live.fetchrow(
                "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
            )
            await live.execute(
                "INSERT INTO trenova_db_audit (operation, environment, actor, host, started_at, "
                "outcome, details) VALUES "
                "('seed', 'development', 'dead', 'h', '2026-01-02 03:04:05+00', 'running', "
                '\'{"pid": 1, "backend_start": "2000-01-01T00:00:00Z"}\'), '
                "('migrate', 'development', 'alive', 'h', now(), 'running', "
                "jsonb_build_object('pid', $1::int, 'backend_start', $2::timestamptz))",
                pid,
                start,
            )
            return await both_ways(trenova_database, None)
        finally:
            await live.close()

    fast, slow = run(scenario)
    assert fast == slow
    assert [(a.operation, a.actor, a.pid) for a in fast.abandoned] == [("seed", "dead", 1)]
    report = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder))
    # the live session has closed since: both rows are abandoned now, oldest first
    assert [a.split(" run ")[0] for a in report.abandoned] == ["seed", "migrate"]
    assert report.abandoned[0].endswith(
        "ended without finishing: abandoned (killed, crashed or cut off)"
    )


def test_the_seeds_history_reads_the_same_in_utc_whatever_the_session_time_zone(
    migrations: Make, trenova_database: str
) -> None:
    migrated(trenova_database, migrations)
    name = query(trenova_database, "SELECT current_database()")[0][0]
    execute(trenova_database, f"ALTER DATABASE \"{name}\" SET timezone = 'Asia/Kolkata'")
    query(
        trenova_database,
        "INSERT INTO seed_history (name, version, environment, checksum, applied_at, status, "
        "error) VALUES "
        "('B', '1.0.0', 'development', 'sha256:b', '2026-03-04 05:06:07.891011+00', 'Active', "
        "NULL), "
        "('A', '2.0.0', 'development', 'sha256:a', '2026-03-04 05:06:07.000001+00', 'Inactive', "
        "'it failed: \"quoted\" \\ and a tab\t here'), "
        "('C', '1.0.0', 'production', 'sha256:c', '2026-03-04 05:06:08+00', 'Active', NULL) "
        "RETURNING id",
    )

    async def read() -> tuple[StatusExtras, StatusExtras, list[Any]]:
        fast, slow = await both_ways(trenova_database, "development")
        conn = await asyncpg.connect(trenova_database)
        try:
            direct = await read_seed_history(conn, "public", "development")
        finally:
            await conn.close()
        return fast, slow, direct

    fast, slow, direct = run(read)
    assert fast.seed_history == slow.seed_history == direct
    assert fast.seed_history is not None
    assert [(r.name, r.version, r.status, r.error) for r in fast.seed_history] == [
        ("A", "2.0.0", "Inactive", 'it failed: "quoted" \\ and a tab\t here'),
        ("B", "1.0.0", "Active", None),
    ]
    assert [r.applied_at for r in fast.seed_history] == [
        datetime(2026, 3, 4, 5, 6, 7, 1, tzinfo=UTC),
        datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
    ]
    assert all(r.applied_at.tzinfo is UTC for r in fast.seed_history)
    # an environment without rows: an empty list, not "not asked"
    none_yet, _ = run(lambda: both_ways(trenova_database, "staging"))
    assert none_yet.seed_history == []


def test_tables_missing_under_a_current_version_fall_back_to_the_separate_reads(
    migrations: Make, trenova_database: str
) -> None:
    migrated(trenova_database, migrations)
    execute(trenova_database, "DROP TABLE trenova_db_lock")
    fast, slow = run(lambda: both_ways(trenova_database, "development"))
    assert fast == slow == StatusExtras(lock=None, abandoned=[], seed_history=[])


def test_the_history_s_times_are_exact_and_in_utc_whatever_the_session_time_zone(
    migrations: Make, trenova_database: str
) -> None:
    folder = migrated(trenova_database, migrations)
    name = query(trenova_database, "SELECT current_database()")[0][0]
    execute(trenova_database, f"ALTER DATABASE \"{name}\" SET timezone = 'America/St_Johns'")
    query(
        trenova_database,
        "UPDATE schema_migrations SET applied_at = '2026-07-08 09:10:11.123456+00' "
        "RETURNING version",
    )
    report = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder))
    (item,) = report.migrations
    assert item.applied_at == datetime(2026, 7, 8, 9, 10, 11, 123456, tzinfo=UTC)
    assert item.applied_at is not None and item.applied_at.tzinfo is UTC
    # to the microsecond, from the epoch to the end of the double's exact range
    for when in (
        datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, 500001, tzinfo=UTC),
        datetime(2105, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ):
        query(trenova_database, "UPDATE schema_migrations SET applied_at = $1 RETURNING 1", when)
        (item,) = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder)).migrations
        assert item.applied_at == when
    # a time no file could have been applied at, set by hand: read as unknown, not a crash
    query(
        trenova_database,
        "UPDATE schema_migrations SET applied_at = 'infinity' RETURNING version",
    )
    (item,) = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder)).migrations
    assert item.applied_at == datetime.fromtimestamp(0, tz=UTC)
    assert item.state == "applied"


def test_status_reads_the_extras_in_one_statement(
    migrations: Make, trenova_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On current tables: the history, then one statement; none of the separate reads."""
    folder = migrated(trenova_database, migrations)

    def separate(*args: object, **kwargs: object) -> None:
        raise AssertionError("a separate read ran")

    for name in ("lock_holder", "find_abandoned", "read_seed_history", "advisory_holder"):
        monkeypatch.setattr(f"trenova_db.status_extras.{name}", separate)
    report = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder))
    assert (report.lock, report.abandoned, [m.state for m in report.migrations]) == (
        None,
        [],
        ["applied"],
    )
