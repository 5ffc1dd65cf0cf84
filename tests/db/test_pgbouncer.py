"""Through a real PgBouncer (1.18, Debian's), in session and transaction pooling.

Every test runs in both pool modes against its own database on the server
PgBouncer fronts; checks read the database directly, past the pooler.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import msgspec
import pytest

from tests.conftest import CliResult, cli_process, query, run, wait_until, write_migrations
from tests.support import pgbouncer
from tests.support.seed_files import seed_file
from trenova_db import pooler
from trenova_db.connection import connect
from trenova_db.seeding.registry import sync_registry
from trenova_db.testing import create_database, database_url, drop_database

Cli = Callable[..., CliResult]


class Bouncer(msgspec.Struct):
    mode: str
    url: str  # PgBouncer, database postgres
    server: str  # the PostgreSQL behind it, database postgres


class Db(msgspec.Struct):
    mode: str
    pooled: str  # through PgBouncer
    direct: str  # the same database, past PgBouncer


@pytest.fixture(scope="module", params=["session", "transaction"])
def bouncer(request: pytest.FixtureRequest) -> Iterator[Bouncer]:
    pgbouncer.require()
    server = database_url(pgbouncer.backend_url(), "postgres")
    with pgbouncer.running_pgbouncer(request.param, server) as url:
        yield Bouncer(mode=request.param, url=url, server=server)


@pytest.fixture
def db(bouncer: Bouncer) -> Iterator[Db]:
    name = create_database(bouncer.server, prefix="trenova_pgb")
    try:
        yield Db(
            mode=bouncer.mode,
            pooled=database_url(bouncer.url, name),
            direct=database_url(bouncer.server, name),
        )
    finally:
        drop_database(bouncer.server, name)


MIGRATIONS = {
    "000001_items.tx.up.sql": "CREATE TABLE items (name text PRIMARY KEY, n int);\n",
    "000001_items.tx.down.sql": "DROP TABLE items;\n",
    # What the server's session had while the migration ran.
    "000002_seen.tx.up.sql": (
        "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lock_timeout, "
        "current_setting('statement_timeout') AS statement_timeout;\n"
    ),
    "000002_seen.tx.down.sql": "DROP TABLE seen;\n",
    "000003_index.up.sql": (
        "CREATE INDEX CONCURRENTLY items_n_idx ON items (n);\n"
        "INSERT INTO items SELECT 'notx-' || current_setting('lock_timeout'), 1;\n"
    ),
    "000003_index.down.sql": "DROP INDEX CONCURRENTLY items_n_idx;\n",
}


def make_project(tmp_path: Path) -> tuple[Path, Path]:
    sql = write_migrations(tmp_path / "sql", MIGRATIONS)
    seeds = tmp_path / "seeds"
    seed_file(
        seeds / "base",
        "00_items.py",
        "Items",
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('seeded', \"\n"
        "    \"(SELECT extract(epoch FROM current_setting('lock_timeout')::interval)::int))\")",
    )
    sync_registry(seeds)
    return sql, seeds


def flags(url: str, sql: Path, seeds: Path, *extra: str) -> tuple[str, ...]:
    return ("--database-url", url, "--migrations-dir", str(sql), "--seeds-dir", str(seeds), *extra)


def advisory_locks(db: Db) -> list[tuple[int, str]]:
    rows = query(
        db.direct,
        "SELECT l.pid, coalesce(a.application_name, '') FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND a.datname = current_database()",
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def test_migrate_rollback_seed_setup_and_status_work_through_pgbouncer_with_timeouts(
    db: Db, tmp_path: Path, cli: Cli
) -> None:
    sql, seeds = make_project(tmp_path)
    timeouts = ("--lock-timeout", "5s", "--statement-timeout", "30s")
    migrated = cli("migrate", *flags(db.pooled, sql, seeds, *timeouts))
    assert migrated.code == 0, migrated.err
    # The timeouts reached the migrations' sessions (.tx and statement by statement).
    assert [tuple(r) for r in query(db.direct, "SELECT * FROM seen")] == [("5s", "30s")]
    assert query(db.direct, "SELECT name FROM items")[0][0] == "notx-5s"
    status = cli("status", "--json", *flags(db.pooled, sql, seeds, *timeouts))
    assert status.code == 0, status.err
    assert [m["state"] for m in status.json()["migrations"]] == ["applied"] * 3
    rolled = cli("rollback", "--target", "3", *flags(db.pooled, sql, seeds, *timeouts))
    assert rolled.code == 0, rolled.err
    assert query(db.direct, "SELECT count(*) FROM schema_migrations")[0][0] == 0
    setup = cli("setup", *flags(db.pooled, sql, seeds, *timeouts))
    assert setup.code == 0, setup.err
    assert sorted(r[0] for r in query(db.direct, "SELECT name FROM items")) == [
        "notx-5s",
        "seeded",
    ]
    assert query(db.direct, "SELECT n FROM items WHERE name = 'seeded'")[0][0] == 5
    seeded = cli("seed", "--force", *flags(db.pooled, sql, seeds, *timeouts))
    assert seeded.code == 1 or seeded.code == 0, seeded.err  # the seed's PK may refuse a rerun
    assert advisory_locks(db) == []


def test_a_timeout_never_leaks_onto_a_pooled_server_connection(
    db: Db, tmp_path: Path, cli: Cli
) -> None:
    sql, seeds = make_project(tmp_path)
    migrated = cli("migrate", *flags(db.pooled, sql, seeds, "--lock-timeout", "7s"))
    assert migrated.code == 0, migrated.err
    # Every server connection PgBouncer keeps for this database is back at the
    # server's defaults (in transaction pooling the next client is anybody's).

    async def settings_of_all_server_connections() -> set[str]:
        import asyncpg

        seen: set[str] = set()
        conns = [await asyncpg.connect(db.pooled, statement_cache_size=0) for _ in range(4)]
        try:
            for c in conns:
                async with c.transaction():  # pins one server connection each
                    seen.add(await c.fetchval("SELECT current_setting('lock_timeout')"))
        finally:
            for c in conns:
                await c.close()
        return seen

    assert run(settings_of_all_server_connections) == {"0"}


def test_the_pooler_is_detected_and_a_direct_connection_is_not_taken_for_one(
    db: Db,
) -> None:
    async def detect(url: str, setting: str = "auto") -> pooler.Pooling:
        conn = await connect(url, pooler=setting, lock_timeout=3)
        try:
            found = pooler.pooling(conn)
            # the timeout is set where it belongs: in the session of a direct
            # connection, per transaction behind a pooler
            local = pooler.local_settings(conn)
            if found.mode == "transaction":
                assert local == "SET LOCAL lock_timeout = '3000ms';\n"
            else:
                assert await conn.fetchval("SHOW lock_timeout") == "3s"
            return found
        finally:
            await conn.close()

    direct = run(lambda: detect(db.direct))
    assert (direct.mode, direct.how) == ("none", "detected")
    pooled = run(lambda: detect(db.pooled))
    assert pooled.pooled
    if db.mode == "transaction":
        assert (pooled.mode, pooled.how) == ("transaction", "detected")
    forced = run(lambda: detect(db.pooled, "session"))
    assert (forced.mode, forced.how) == ("session", "configured")


def test_eight_concurrent_migrate_processes_apply_everything_exactly_once(
    db: Db, tmp_path: Path
) -> None:
    files: dict[str, str] = {}
    for i in range(1, 21):
        files[f"{i:06d}_step_{i}.tx.up.sql"] = (
            f"CREATE TABLE step_{i} (id int);\nINSERT INTO step_{i} VALUES ({i});\n"
            "SELECT pg_sleep(0.02);\n"
        )
    files["000021_index.up.sql"] = "CREATE INDEX CONCURRENTLY step_1_idx ON step_1 (id);\n"
    sql = write_migrations(tmp_path / "sql", files)
    procs = [
        cli_process(
            "migrate",
            "--database-url",
            db.pooled,
            "--migrations-dir",
            str(sql),
            "--lock-timeout",
            "60s",
            cwd=tmp_path,
        )
        for _ in range(8)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0] * 8, results
    assert query(db.direct, "SELECT count(*), count(DISTINCT version) FROM schema_migrations")[
        0
    ] == (21, 21)
    for i in range(1, 21):
        assert query(db.direct, f"SELECT count(*) FROM step_{i}")[0][0] == 1
    assert advisory_locks(db) == []
    assert lease_rows(db) == []


def test_runners_with_the_lease_and_with_the_session_lock_exclude_each_other(
    db: Db, tmp_path: Path
) -> None:
    # One runner connected directly (session lock), others through the pooler
    # (a lease, forced in session pooling too): one lock all the same.
    files = {
        f"{i:06d}_step_{i}.tx.up.sql": (
            f"CREATE TABLE step_{i} (id int);\nINSERT INTO step_{i} VALUES ({i});\n"
            "SELECT pg_sleep(0.02);\n"
        )
        for i in range(1, 21)
    }
    sql = write_migrations(tmp_path / "sql", files)
    argv = ("migrate", "--migrations-dir", str(sql), "--lock-timeout", "60s")
    procs = [
        cli_process(*argv, "--database-url", db.direct, cwd=tmp_path),
        cli_process(*argv, "--database-url", db.pooled, "--pooler", "transaction", cwd=tmp_path),
        cli_process(*argv, "--database-url", db.direct, cwd=tmp_path),
        cli_process(*argv, "--database-url", db.pooled, "--pooler", "transaction", cwd=tmp_path),
        cli_process(*argv, "--database-url", db.pooled, cwd=tmp_path),
        cli_process(*argv, "--database-url", db.direct, cwd=tmp_path),
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0] * len(procs), results
    assert query(db.direct, "SELECT count(*), count(DISTINCT version) FROM schema_migrations")[
        0
    ] == (20, 20)
    assert advisory_locks(db) == []
    assert lease_rows(db) == []


def lease_rows(db: Db) -> list[tuple[str, ...]]:
    if not query(db.direct, "SELECT to_regclass('trenova_db_lock') IS NOT NULL")[0][0]:
        return []
    return [tuple(r) for r in query(db.direct, "SELECT key, holder FROM trenova_db_lock")]


def test_status_names_the_holder_of_the_migration_lock(db: Db, tmp_path: Path, cli: Cli) -> None:
    sql = write_migrations(
        tmp_path / "sql",
        {
            "000001_first.tx.up.sql": "CREATE TABLE first (id int);\n",
            "000002_slow.tx.up.sql": "SELECT pg_sleep(60);\n",
        },
    )
    holder = cli_process(
        "migrate", "--database-url", db.pooled, "--migrations-dir", str(sql), cwd=tmp_path
    )
    try:
        wait_until(
            db.direct,
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' "
            "AND pid <> pg_backend_pid()",
            [(True,)],
            "the first runner to be applying the slow migration",
        )
        status = cli("status", "--database-url", db.pooled, "--migrations-dir", str(sql))
        assert status.code == 0, status.err
        lock_line = next(line for line in status.out.splitlines() if line.startswith("lock:"))
        assert f"trenova-db migrate pid={holder.pid}" in lock_line, status.out
        second = cli(
            "migrate",
            "--database-url",
            db.pooled,
            "--migrations-dir",
            str(sql),
            "--lock-timeout",
            "1s",
        )
        assert second.code == 3, second.err
        assert f"pid={holder.pid}" in second.err, second.err
    finally:
        holder.kill()
        holder.wait()


def test_a_run_whose_lease_is_taken_over_stops_before_its_next_migration(
    db: Db, tmp_path: Path
) -> None:
    # Statement-by-statement files: each migration is its own message, so the
    # run checks its lease before every one.
    files = {
        f"{i:06d}_m{i}.up.sql": f"CREATE TABLE m{i} (id int);\nSELECT pg_sleep(0.3);\n"
        for i in range(1, 31)
    }
    sql = write_migrations(tmp_path / "sql", files)
    run_ = cli_process(
        "migrate",
        "--database-url",
        db.pooled,
        "--migrations-dir",
        str(sql),
        # Session pooling is detected, and run with the session lock: told
        # transaction pooling, it holds a lease there too.
        "--pooler",
        "transaction",
        env={"TRENOVA_DB_LEASE_TTL": "2"},
        cwd=tmp_path,
    )
    wait_until(
        db.direct, "SELECT to_regclass('m2') IS NOT NULL", [(True,)], "the run to be working"
    )
    # Someone else's lease now: the next renewal finds it gone.
    query(db.direct, "UPDATE trenova_db_lock SET holder = 'another runner'")
    code = run_.wait(timeout=60)
    err = run_.stderr.read() if run_.stderr else ""
    assert code == 1, err
    assert "lost the migration lock; nothing more was run" in err
    applied = query(db.direct, "SELECT count(*) FROM schema_migrations WHERE NOT dirty")[0][0]
    assert 1 <= applied < 30
    # Nothing ran after the loss was noticed: every table made is counted in
    # its row (a migration stopped between its statements is dirty, counted).
    started = query(
        db.direct, "SELECT count(*) FROM schema_migrations WHERE NOT dirty OR statements_done > 0"
    )[0][0]
    made = query(db.direct, "SELECT count(*) FROM pg_tables WHERE tablename ~ '^m[0-9]+$'")[0][0]
    assert made == started
    # The lease that was taken over is not ours to delete.
    assert lease_rows(db) == [("schema_migrations", "another runner")]


def test_a_killed_runners_lease_keeps_others_out_until_its_work_has_ended(
    db: Db, tmp_path: Path
) -> None:
    files = {
        f"{i:06d}_t{i}.tx.up.sql": f"CREATE TABLE t{i} (id int);\nSELECT pg_sleep(0.15);\n"
        for i in range(1, 31)
    }
    sql = write_migrations(tmp_path / "sql", files)
    argv = ("migrate", "--database-url", db.pooled, "--migrations-dir", str(sql))
    env = {"TRENOVA_DB_LEASE_TTL": "2"}
    first = cli_process(*argv, env=env, cwd=tmp_path)
    wait_until(
        db.direct, "SELECT to_regclass('t1') IS NOT NULL", [(True,)], "the first run to be working"
    )
    first.kill()
    first.wait()
    second = cli_process(*argv, "--lock-timeout", "60s", env=env, cwd=tmp_path)
    code = second.wait(timeout=90)
    err = second.stderr.read() if second.stderr else ""
    assert code == 0, err
    rows = query(
        db.direct, "SELECT count(*), count(DISTINCT version), bool_or(dirty) FROM schema_migrations"
    )
    assert tuple(rows[0]) == (30, 30, False)
    assert lease_rows(db) == []


@pytest.mark.parametrize("bouncer", ["session"], indirect=True)  # about session pooling
def test_session_pooling_is_detected_and_run_with_the_session_lock(
    db: Db, tmp_path: Path, cli: Cli
) -> None:

    async def detect() -> pooler.Pooling:
        conn = await connect(db.pooled, lock_timeout=3)
        try:
            # A session setting is safe here: the server connection is ours.
            assert await conn.fetchval("SHOW lock_timeout") == "3s"
            return pooler.pooling(conn)
        finally:
            await conn.close()

    found = run(detect)
    assert (found.mode, found.how) == ("session", "detected")
    sql = write_migrations(
        tmp_path / "sql",
        {
            "000001_first.tx.up.sql": "CREATE TABLE first (id int);\n",
            "000002_slow.tx.up.sql": "SELECT pg_sleep(3);\n",
        },
    )
    holder = cli_process(
        "migrate", "--database-url", db.pooled, "--migrations-dir", str(sql), cwd=tmp_path
    )
    try:
        wait_until(
            db.direct,
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' "
            "AND pid <> pg_backend_pid()",
            [(True,)],
            "the runner to be applying the slow migration",
        )
        # The session advisory lock, on the server connection doing the work;
        # no lease.
        assert [app for _, app in advisory_locks(db)] == [f"trenova-db migrate pid={holder.pid}"]
        assert lease_rows(db) == []
        assert holder.wait(timeout=30) == 0
    finally:
        holder.kill()
        holder.wait()
    assert advisory_locks(db) == []


def test_a_run_killed_behind_the_pooler_is_reported_and_recorded_abandoned(
    db: Db, tmp_path: Path, cli: Cli
) -> None:
    # The killed run's row names a server connection that lives on in the
    # pool: its process id tells nothing. A live run is never taken for dead.
    files = {
        "000001_first.tx.up.sql": "CREATE TABLE first (id int);\n",
        "000002_slow.tx.up.sql": "SELECT pg_sleep(7);\n",
    }
    sql = write_migrations(tmp_path / "sql", files)
    env = {"TRENOVA_DB_LEASE_TTL": "1"}
    argv = ("migrate", "--database-url", db.pooled, "--migrations-dir", str(sql))
    holder = cli_process(*argv, env=env, cwd=tmp_path)
    try:
        wait_until(
            db.direct,
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(7)%' "
            "AND pid <> pg_backend_pid()",
            [(True,)],
            "the first runner to be applying the slow migration",
        )
        waiter = cli_process(*argv, "--lock-timeout", "60s", env=env, cwd=tmp_path)
        wait_until(
            db.direct,
            "SELECT count(*) FROM trenova_db_audit WHERE outcome = 'running'",
            [(2,)],
            "the second runner to be waiting for the lock",
        )
        waiter.kill()
        waiter.wait()

        def abandoned() -> list[str]:
            status = cli(
                "status", "--json", "--database-url", db.pooled, "--migrations-dir", str(sql)
            )
            assert status.code == 0, status.err
            return list(status.json()["abandoned"])

        seen: list[str] = []
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            seen = abandoned()
            time.sleep(0.2)
        assert len(seen) == 1, seen
        assert f"trenova-db migrate pid={waiter.pid}, through a pooler" in seen[0]
        assert holder.poll() is None  # still applying: alive, and not reported
        time.sleep(2)  # well past its lease's time to live: renewed
        assert [a for a in abandoned() if f"pid={holder.pid}" in a] == []
        assert holder.wait(timeout=30) == 0
    finally:
        holder.kill()
        holder.wait()
    write_migrations(sql, {"000003_last.tx.up.sql": "CREATE TABLE last (id int);\n"})
    last = cli("migrate", *argv[1:])
    assert last.code == 0, last.err
    assert "ended without finishing: abandoned" in last.out + last.err
    assert [
        tuple(r) for r in query(db.direct, "SELECT outcome FROM trenova_db_audit ORDER BY id")
    ] == [
        ("success",),
        ("abandoned",),
        ("success",),
    ]


# Session pooling keeps session settings: only transaction pooling needs this.
@pytest.mark.parametrize("bouncer", ["transaction"], indirect=True)
def test_a_statement_that_must_run_alone_keeps_its_timeouts_behind_a_transaction_pooler(
    db: Db, tmp_path: Path
) -> None:
    sql = write_migrations(
        tmp_path / "sql",
        {
            "000001_items.tx.up.sql": (
                "CREATE TABLE items (n int);\nINSERT INTO items SELECT generate_series(1, 8);\n"
                "CREATE FUNCTION slow(int) RETURNS int IMMUTABLE LANGUAGE sql "
                "AS 'SELECT $1 FROM pg_sleep(0.25)';\n"
            ),
        },
    )
    argv = ("migrate", "--database-url", db.pooled, "--migrations-dir", str(sql))
    first = cli_process(*argv, cwd=tmp_path)
    assert first.wait(timeout=60) == 0, first.stderr.read() if first.stderr else ""

    def attempt(name: str, body: str, *timeouts: str) -> tuple[int, str, float]:
        write_migrations(sql, {name: body})
        started = time.monotonic()
        proc = cli_process(*argv, *timeouts, cwd=tmp_path)
        try:
            code = proc.wait(timeout=20)
        finally:
            proc.kill()
        return code, proc.stderr.read() if proc.stderr else "", time.monotonic() - started

    # A lock it waits for: the index waits for this open transaction's lock.
    async def blocked() -> tuple[int, str, float]:
        import asyncpg

        blocker = await asyncpg.connect(db.direct)
        try:
            await blocker.execute("BEGIN; LOCK TABLE items IN SHARE UPDATE EXCLUSIVE MODE")
            return await anyio.to_thread.run_sync(
                lambda: attempt(
                    "000002_index.up.sql",
                    "CREATE INDEX CONCURRENTLY items_n_idx ON items (n);\n",
                    "--lock-timeout",
                    "1s",
                )
            )
        finally:
            await blocker.close()

    code, err, took = run(blocked)
    assert code == 1, err
    assert "canceling statement due to lock timeout (1000ms)" in err, err
    assert took < 10
    assert query(
        db.direct, "SELECT dirty, statements_done FROM schema_migrations WHERE version = 2"
    ) == [(True, 0)]
    # A statement that runs too long: 8 rows at 0.25 s each, twice over.
    query(db.direct, "DROP INDEX IF EXISTS items_n_idx")
    query(db.direct, "DELETE FROM schema_migrations WHERE version = 2")
    (sql / "000002_index.up.sql").unlink()
    code, err, took = attempt(
        "000002_slow_index.up.sql",
        "CREATE INDEX CONCURRENTLY items_slow_idx ON items (slow(n));\n",
        "--statement-timeout",
        "1s",
    )
    assert code == 1, err
    assert "canceling statement due to statement timeout (1000ms)" in err, err
    assert took < 10
    # The watcher is gone with the statement.
    assert (
        query(
            db.direct,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE "
            "'trenova-db timeouts%' AND state <> 'idle'",
        )[0][0]
        == 0
    )
