"""Fleets: one command over many databases (--databases, --targets, the *_many API).

Every test creates its own databases under a unique name prefix (cloned from
an empty template of its own) and drops exactly those.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import anyio
import asyncpg
import pytest

import trenova_db
from tests.conftest import CliResult, query, wait_until, write_migrations
from trenova_db.testing import database_url

Cli = Callable[..., CliResult]
CONCURRENCY_2 = ("--concurrency", "2", "--json")

MIGRATIONS = {
    "000001_items.tx.up.sql": "CREATE TABLE items (id int PRIMARY KEY);\n"
    "INSERT INTO items VALUES (1);\n",
    "000001_items.tx.down.sql": "DROP TABLE items;\n",
    "000002_more.up.sql": "INSERT INTO items VALUES (2);\n",
    "000002_more.down.sql": "DELETE FROM items WHERE id = 2;\n",
}


class Fleet:
    """Databases named ``<prefix>_NN``, created for one test and dropped after it."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.prefix = f"fl{uuid.uuid4().hex[:10]}"
        self.names: list[str] = []
        self.template = f"{self.prefix}_tpl"
        self.roles: list[str] = []

    async def _create(self, count: int) -> None:
        conn = await asyncpg.connect(self.server)
        try:
            if self.template not in self.names:
                await conn.execute(f'CREATE DATABASE "{self.template}"')
                self.names.append(self.template)
            for _ in range(count):
                name = f"{self.prefix}_db_{len(self.names):02d}"
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                self.names.append(name)
        finally:
            await conn.close()

    def create(self, count: int) -> list[str]:
        """``count`` new empty databases; returns their URLs."""
        before = len(self.names)
        anyio.run(self._create, count)
        return [database_url(self.server, n) for n in self.names[before:] if n != self.template]

    def create_role(self, *, login: bool) -> str:
        name = f"{self.prefix}_role"
        option = "LOGIN" if login else "NOLOGIN"
        query(self.server, f'CREATE ROLE "{name}" {option}')
        self.roles.append(name)
        return name

    @property
    def pattern(self) -> str:
        return f"{self.prefix}\\_db\\_%"  # never the template; LIKE's _ escaped

    def url(self, i: int) -> str:
        return database_url(self.server, f"{self.prefix}_db_{i:02d}")

    async def _drop(self) -> None:
        # One connection per drop, all at once: each DROP DATABASE waits for a
        # checkpoint, and concurrent drops share it.
        async def drop(name: str) -> None:
            conn = await asyncpg.connect(self.server)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        targets = [n for n in self.names if n != self.template]
        async with anyio.create_task_group() as tg:
            for name in targets:
                tg.start_soon(drop, name)
        if self.template in self.names:
            await drop(self.template)
        conn = await asyncpg.connect(self.server)
        try:
            for role in self.roles:
                await conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        finally:
            await conn.close()

    def drop(self) -> None:
        anyio.run(self._drop)


@pytest.fixture
def fleet(trenova_server_url: str) -> Iterator[Fleet]:
    f = Fleet(trenova_server_url)
    try:
        yield f
    finally:
        f.drop()


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in query(url, sql)]


def applied(url: str) -> list[int]:
    """The versions the history holds (empty when there is no history table)."""
    rows = query(
        url,
        "SELECT to_regclass('public.schema_migrations') IS NOT NULL",
    )
    if not rows[0][0]:
        return []
    return [r[0] for r in query(url, "SELECT version FROM schema_migrations ORDER BY version")]


def touched(url: str) -> bool:
    """Did trenova-db (or a migration) create anything in this database?"""
    rows = query(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    return bool(rows[0][0])


def failing_on(name: str) -> dict[str, str]:
    """MIGRATIONS plus a third whose SQL fails in database ``name`` only."""
    return {
        **MIGRATIONS,
        "000003_check.tx.up.sql": "DO $$ BEGIN IF current_database() = '"
        + name
        + "' THEN RAISE EXCEPTION 'refused here'; END IF; END $$;\n",
        "000003_check.tx.down.sql": "SELECT 1;\n",
    }


def test_fifty_databases_are_migrated_by_one_command_each_migration_exactly_once(
    cli: Cli, fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(50)
    write_migrations(tmp_path / "sql", MIGRATIONS)

    r = cli(
        "migrate",
        "--database-url",
        fleet.server,
        "--databases",
        fleet.pattern,
        "--concurrency",
        "8",
        "--json",
    )

    assert r.code == 0, r.err
    doc = r.json()
    assert doc["summary"] == {
        "targets": 50,
        "succeeded": 50,
        "failed": 0,
        "interrupted": 0,
        "not_started": 0,
    }
    assert [t["target"] for t in doc["targets"]] == urls  # name order
    assert all(t["exit_code"] == 0 for t in doc["targets"])
    assert all(len(t["report"]["applied"]) == 2 for t in doc["targets"])
    for url in urls:
        assert rows(
            url, "SELECT version, count(*) FROM schema_migrations GROUP BY 1 ORDER BY 1"
        ) == [
            (1, 1),
            (2, 1),
        ]
        assert rows(url, "SELECT id FROM items ORDER BY id") == [(1,), (2,)]
        assert rows(
            url, "SELECT operation, outcome FROM trenova_db_audit WHERE outcome <> 'noop'"
        ) == [("migrate", "success")]


def test_two_fleet_runs_at_once_apply_everything_exactly_once_and_both_exit_0(
    fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(12)
    write_migrations(tmp_path / "sql", MIGRATIONS)
    targets = tmp_path / "targets.txt"
    targets.write_text("\n".join(urls) + "\n")
    args = [sys.executable, "-m", "trenova_db", "migrate", "--targets", str(targets)]
    env = {**os.environ, "TRENOVA_MIGRATIONS_DIR": str(tmp_path / "sql")}
    procs = [
        subprocess.Popen(
            [*args, "--concurrency", "4", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], [e for _, e in results]
    for url in urls:
        assert applied(url) == [1, 2]
        assert rows(url, "SELECT id FROM items ORDER BY id") == [(1,), (2,)]
    import msgspec

    applied_counts = [
        sum(len(t["report"]["applied"]) for t in msgspec.json.decode(out)["targets"])
        for out, _ in results
    ]
    assert sum(applied_counts) == 24  # every migration once, by one run or the other


def test_a_failing_target_stops_the_rest_and_continue_on_error_goes_on(
    cli: Cli, fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(5)
    write_migrations(tmp_path / "sql", failing_on(f"{fleet.prefix}_db_02"))
    common = ["--database-url", fleet.server, "--databases", fleet.pattern, "--concurrency", "2"]

    r = cli("migrate", *common, "--json")

    assert r.code == 1
    doc = r.json()
    states = [t["state"] for t in doc["targets"]]
    # 01 and 02 start together; 02 fails; 03 may have started before that was
    # known, nothing after it did.
    assert states[:2] == ["succeeded", "failed"]
    assert states[3:] == ["not-started", "not-started"]
    failed = doc["targets"][1]
    assert failed["exit_code"] == 1
    assert failed["error"] == "MigrationFailed"
    assert "refused here" in failed["message"]
    assert doc["stopped"] == (
        "a target failed; no new target started (pass --continue-on-error to go on)"
    )
    assert applied(urls[1]) == [1, 2]  # its own run stopped at its own failure
    assert not touched(urls[3]) and not touched(urls[4])

    r = cli("migrate", *common, "--continue-on-error", "--json")

    assert r.code == 1
    doc = r.json()
    assert [t["state"] for t in doc["targets"]] == [
        "succeeded",
        "failed",
        "succeeded",
        "succeeded",
        "succeeded",
    ]
    assert [t["exit_code"] for t in doc["targets"]] == [0, 1, 0, 0, 0]
    assert doc["summary"]["failed"] == 1 and doc["summary"]["succeeded"] == 4
    for url in (urls[0], urls[2], urls[3], urls[4]):
        assert applied(url) == [1, 2, 3]


def test_a_canary_of_2_with_a_failing_first_target_touches_no_other_target(
    cli: Cli, fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(6)
    write_migrations(tmp_path / "sql", failing_on(f"{fleet.prefix}_db_01"))

    r = cli(
        "migrate",
        "--database-url",
        fleet.server,
        "--databases",
        fleet.pattern,
        "--canary",
        "2",
        "--concurrency",
        "4",
        "--continue-on-error",
    )

    assert r.code == 1
    assert "FAILED postgresql://" in r.out
    assert "  stopped: canary 1 of 2 did not succeed; no other target started" in r.out
    assert "migrate: 6 target(s): 0 succeeded, 1 failed, 5 not started" in r.out
    assert applied(urls[0]) == [1, 2]
    assert [touched(u) for u in urls[1:]] == [False] * 5


def test_unreachable_missing_and_refused_targets_fail_each_with_its_own_message(
    cli: Cli, fleet: Fleet, tmp_path: Path
) -> None:
    (good,) = fleet.create(1)
    missing = database_url(fleet.server, f"{fleet.prefix}_nosuchdb")
    unreachable = "postgresql://app:s3cr3t-pw@127.0.0.1:1/app"
    role = fleet.create_role(login=False)
    parts = urlsplit(good)
    hostinfo = parts.netloc.rpartition("@")[2]
    refused = urlunsplit(parts._replace(netloc=f"{role}:n0-l0gin-pw@{hostinfo}"))
    refused_masked = refused.replace("n0-l0gin-pw", "***")
    write_migrations(tmp_path / "sql", MIGRATIONS)
    targets = tmp_path / "targets.txt"
    targets.write_text(f"# the fleet\n{good}\n\n{missing}\n{unreachable}\n{refused}\n")

    r = cli(
        "migrate",
        "--targets",
        str(targets),
        "--continue-on-error",
        "--connect-timeout",
        "0.3",
        "--json",
    )

    assert r.code == 1
    assert "s3cr3t-pw" not in r.out + r.err
    assert "n0-l0gin-pw" not in r.out + r.err
    doc = r.json()
    by_state = {t["target"]: (t["state"], t["exit_code"]) for t in doc["targets"]}
    assert by_state == {
        good: ("succeeded", 0),
        missing: ("failed", 1),
        "postgresql://app:***@127.0.0.1:1/app": ("failed", 1),
        refused_masked: ("failed", 1),
    }
    messages = {t["target"]: t.get("message", "") for t in doc["targets"]}
    assert messages[missing] == (
        f'cannot connect to {missing}: database "{fleet.prefix}_nosuchdb" does not exist'
    )
    assert messages["postgresql://app:***@127.0.0.1:1/app"].startswith(
        "cannot connect to postgresql://app:***@127.0.0.1:1/app"
    )
    assert messages[refused_masked] == (
        f"cannot connect to {refused_masked}: authentication failed "
        f'(role "{role}" is not permitted to log in)'
    )
    assert applied(good) == [1, 2]


def test_a_pattern_matching_nothing_exits_0_and_says_so(cli: Cli, fleet: Fleet) -> None:
    r = cli("migrate", "--database-url", fleet.server, "--databases", f"{fleet.prefix}%")

    assert r.code == 0, r.err
    assert r.out == (
        f"migrate: no target in {fleet.server} (LIKE '{fleet.prefix}%'); nothing to do\n"
    )


def test_a_bad_line_in_a_targets_file_exits_2_naming_it_before_anything_runs(
    cli: Cli, fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(2)
    write_migrations(tmp_path / "sql", MIGRATIONS)
    targets = tmp_path / "targets.txt"
    targets.write_text(f"{urls[0]}\n# comment\nmysql://root:hunter22@db/app\n{urls[1]}\n")

    r = cli("migrate", "--targets", str(targets))

    assert r.code == 2
    assert r.err == (
        f"error: {targets}, line 3: not a postgresql:// URL: mysql://root:***@db/app\n"
        "  hint: one postgresql://USER@HOST:PORT/DATABASE URL a line; '#' starts a comment; "
        "nothing was run\n"
    )
    assert not touched(urls[0]) and not touched(urls[1])

    targets.write_text(f"{urls[0]}\n{urls[0]}\n")
    r = cli("status", "--targets", str(targets))
    assert r.code == 2
    assert f"{targets}, line 2: the same database as line 1: {urls[0]}" in r.err


def test_ctrl_c_in_the_middle_stops_starting_targets_and_reports_each_one(
    fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(4)
    slow = f"{fleet.prefix}_db_02"
    write_migrations(
        tmp_path / "sql",
        {
            **MIGRATIONS,
            "000003_slow.tx.up.sql": "CREATE TABLE slow_marker (id int);\n"
            f"SELECT CASE WHEN current_database() = '{slow}' THEN pg_sleep(600) END;\n",
            "000003_slow.tx.down.sql": "DROP TABLE slow_marker;\n",
        },
    )
    targets = tmp_path / "targets.txt"
    targets.write_text("\n".join(urls) + "\n")

    def default_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        [sys.executable, "-m", "trenova_db", "migrate", "--targets", str(targets), *CONCURRENCY_2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        preexec_fn=default_sigint,
    )
    try:
        wait_until(
            fleet.server,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep%'"
            " AND application_name LIKE 'trenova-db%'".replace("$1", f"'{slow}'"),
            [(1,)],
            "the slow target is in its migration",
        )
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == 130, err
    import msgspec

    doc = msgspec.json.decode(out)
    assert doc["exit_code"] == 130
    states = {t["target"]: t["state"] for t in doc["targets"]}
    assert states[urls[1]] == "interrupted"
    interrupted = next(t for t in doc["targets"] if t["target"] == urls[1])
    assert interrupted["exit_code"] == 130
    assert interrupted["message"] == "interrupted: stopped while it ran"
    assert states[urls[0]] == "succeeded"
    # The .tx group in flight was rolled back: 3 is not applied, its table is gone.
    assert applied(urls[1]) == [1, 2]
    assert rows(urls[1], "SELECT to_regclass('slow_marker') IS NULL") == [(True,)]
    assert "interrupted: no new target starts; stopping the running ones" in err
    summary = doc["summary"]
    assert summary["targets"] == 4 and summary["interrupted"] == 1
    assert summary["succeeded"] + summary["not_started"] == 3
    for url, state in states.items():
        if state == "not-started":
            assert not touched(url)


def test_status_over_a_fleet_is_one_table_with_each_target_exit_code(
    cli: Cli, fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(2)
    write_migrations(tmp_path / "sql", MIGRATIONS)
    assert cli("migrate", "--database-url", urls[0]).code == 0
    common = ["--database-url", fleet.server, "--databases", fleet.pattern]

    r = cli("status", *common, "--exit-code")

    assert r.code == 1
    lines = r.out.splitlines()
    assert lines[0] == "status of 2 database(s)"
    assert lines[1].split() == [
        "target",
        "version",
        "pending",
        "pending",
        "seeds",
        "dirty/drift/missing",
        "last",
        "run",
        "exit",
    ]
    first, second = lines[2].split(), lines[3].split()
    assert first[:6] == [urls[0], "2", "0", "0", "-", "migrate"]
    assert first[6] == "success" and first[-1] == "0"
    assert second == [urls[1], "-", "2", "0", "-", "1"]
    assert lines[4].startswith("status: 2 target(s): 2 succeeded, 0 failed (")

    r = cli("status", *common, "--json")
    assert r.code == 0
    doc = r.json()
    assert doc["targets"][0]["last_run"]["outcome"] == "success"
    assert doc["targets"][1]["report"]["pending"] == [1, 2]


def test_targets_in_pyproject_make_a_fleet_and_a_url_flag_means_one_database(
    cli: Cli, fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(2)
    write_migrations(tmp_path / "sql", MIGRATIONS)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.trenova-db]\ntargets = [\n" + "".join(f'  "{u}",\n' for u in urls) + "]\n"
    )

    r = cli("migrate")

    assert r.code == 0, r.err
    assert r.out.splitlines()[-1].startswith("migrate: 2 target(s): 2 succeeded, 0 failed (")
    assert applied(urls[0]) == [1, 2] and applied(urls[1]) == [1, 2]
    r = cli("rollback", "--database-url", urls[0])
    assert r.code == 0
    assert applied(urls[0]) == [1] and applied(urls[1]) == [1, 2]

    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\ntargets = ["mysql://x/y"]\n')
    r = cli("status")
    assert r.code == 2
    assert "line 1: not a postgresql:// URL: mysql://x/y" in r.err


def test_fleet_options_without_targets_are_a_usage_error(cli: Cli, fleet: Fleet) -> None:
    r = cli("seed", "--database-url", fleet.server, "--concurrency", "8")

    assert r.code == 2
    assert r.err == (
        "error: --concurrency applies to a fleet\n"
        "  hint: add --databases PATTERN or --targets FILE\n"
    )


def test_migrate_many_takes_urls_and_settings_and_returns_a_typed_report(
    fleet: Fleet, tmp_path: Path
) -> None:
    urls = fleet.create(3)
    sql = write_migrations(tmp_path / "sql", MIGRATIONS)
    own = trenova_db.Settings(database_url=urls[2], migrations_dir=sql, schema="ops")
    finished: list[str] = []

    async def main() -> tuple[trenova_db.FleetReport, trenova_db.FleetReport]:
        report = await trenova_db.migrate_many(
            [urls[0], urls[1], own],
            migrations_dir=sql,
            concurrency=2,
            on_finish=lambda i, t: finished.append(t.target),
        )
        status = await trenova_db.status_many(
            databases=fleet.pattern, database_url=fleet.server, migrations_dir=sql
        )
        return report, status

    report, status = anyio.run(main)

    assert isinstance(report, trenova_db.FleetReport)
    assert report.exit_code == 0 and report.ok
    assert sorted(finished) == urls
    for t in report.targets:
        assert isinstance(t, trenova_db.TargetReport)
        assert isinstance(t.report, trenova_db.MigrateReport)
        assert [m.version for m in t.report.applied] == [1, 2]
    third = report.targets[2].report
    assert isinstance(third, trenova_db.MigrateReport)
    assert third.schema == "ops"  # its own settings
    assert rows(urls[2], "SELECT count(*) FROM ops.schema_migrations") == [(2,)]
    assert [t.state for t in status.targets] == ["succeeded"] * 3
    pending = [
        t.report.pending_count
        for t in status.targets
        if isinstance(t.report, trenova_db.StatusReport)
    ]
    assert pending == [0, 0, 2]  # the third keeps its history in schema ops


def test_rollback_seed_and_setup_run_over_a_fleet(cli: Cli, fleet: Fleet, tmp_path: Path) -> None:
    urls = fleet.create(3)
    write_migrations(tmp_path / "sql", MIGRATIONS)
    (tmp_path / "seeds" / "base").mkdir(parents=True)
    common = ["--database-url", fleet.server, "--databases", fleet.pattern]

    r = cli("setup", *common)
    assert r.code == 0, r.err
    assert all(applied(u) == [1, 2] for u in urls)
    r = cli("rollback", *common, "--target", "2")
    assert r.code == 0, r.err
    assert r.out.count(": rolled back 2 (") == 3
    assert all(applied(u) == [] for u in urls)
    r = cli("seed", *common, "--json")
    assert r.code == 0, r.err
    assert [t["report"]["operation"] for t in r.json()["targets"]] == ["seed"] * 3


def test_a_seed_fleet_imports_each_seed_file_once_and_reads_its_folder_once(
    fleet: Fleet, tmp_path: Path
) -> None:
    from tests.support.seed_files import seed_file
    from trenova_db.seeding.registry import sync_registry

    urls = fleet.create(3)
    seeds = tmp_path / "seeds"
    imports = tmp_path / "imports.log"
    for number, name in ((1, "First"), (2, "Second")):
        path = seed_file(
            seeds / "base",
            f"0{number}_{name.lower()}.py",
            name,
            "await ctx.conn.fetchval('SELECT 1')",
        )
        # each import of the module leaves a line
        path.write_text(
            f"open({str(imports)!r}, 'a').write({path.name!r} + '\\n')\n" + path.read_text()
        )
    sync_registry(seeds)

    def after(i: int, target: trenova_db.TargetReport) -> None:
        if i == 0:
            # Edits while the fleet runs: the later targets still get the folder
            # as the fleet first read it, registry and seed files alike.
            (seeds / "registry.json").write_text("{ not json")
            (seeds / "base" / "01_first.py").write_text("raise SystemExit('edited')\n")

    async def main() -> trenova_db.FleetReport:
        # canaries: one target after another, so the edit lands between them
        return await trenova_db.seed_many(
            urls,
            seeds_dir=seeds,
            migrations_dir=tmp_path / "sql",
            concurrency=2,
            canary=3,
            on_finish=after,
        )

    report = anyio.run(main)
    assert [t.state for t in report.targets] == ["succeeded"] * 3, report.targets
    for t in report.targets:
        assert isinstance(t.report, trenova_db.SeedReport)
        assert [(s.name, s.state) for s in t.report.seeds] == [
            ("First", "applied"),
            ("Second", "applied"),
        ]
    assert imports.read_text().splitlines() == ["01_first.py", "02_second.py"]


def test_a_fleets_discovery_runs_beside_each_connection_and_reads_the_folder_once(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from trenova_db import discovery

    urls = fleet.create(3)
    sql = write_migrations(tmp_path / "sql", MIGRATIONS)
    monkeypatch.chdir(tmp_path)
    reads: list[str] = []
    read = discovery._discover

    def counted(directory: Path) -> discovery.MigrationSet:
        reads.append(threading.current_thread().name)
        return read(directory)

    monkeypatch.setattr(discovery, "_discover", counted)

    async def main() -> trenova_db.FleetReport:
        return await trenova_db.status_many(urls, migrations_dir=sql, concurrency=3)

    report = anyio.run(main)
    assert report.exit_code == 0, report.targets
    pending = [
        t.report.pending for t in report.targets if isinstance(t.report, trenova_db.StatusReport)
    ]
    assert pending == [[1, 2]] * 3
    # One read for the three targets, in the thread that overlaps the connection
    # (the snapshot is seen there): not one per target, not in the event loop.
    assert reads == ["trenova-db discovery"]
