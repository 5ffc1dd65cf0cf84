"""Bad input from a demanding user: each gets a clear message and its exit code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import anyio
import asyncpg
import msgspec

from tests.conftest import ROOT, CliResult, query

Cli = Callable[..., CliResult]
Make = Callable[[Mapping[str, str | bytes]], Path]
SQL = ROOT / "sql"
SEEDS = ROOT / "seeds"


def test_reset_checks_the_files_before_dropping_anything(
    trenova_migrated_database: str, cli: Cli, tmp_path: Path
) -> None:
    import shutil

    sql = tmp_path / "sql-copy"
    shutil.copytree(SQL, sql)
    (sql / "000099_todo.tx.up.sql").write_text("-- nothing yet\n")
    a = ("--database-url", trenova_migrated_database, "--migrations-dir", str(sql))
    result = cli("reset", "--force", *a)
    assert result.code == 4
    assert "contains only comments" in result.err
    assert query(trenova_migrated_database, "SELECT count(*) FROM schema_migrations") == [(8,)]


def test_a_cancelled_bookkeeping_query_is_a_clean_error(
    trenova_migrated_database: str, cli: Cli
) -> None:
    a = ("--database-url", trenova_migrated_database, "--migrations-dir", str(SQL))

    async def hold_and_run() -> CliResult:
        holder = await asyncpg.connect(trenova_migrated_database)
        try:
            async with holder.transaction():
                await holder.execute("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
                return await anyio.to_thread.run_sync(
                    lambda: cli("status", "--json", "--lock-timeout", "1s", *a)
                )
        finally:
            await holder.close()

    locked = anyio.run(hold_and_run)
    assert locked.code == 3
    assert msgspec.json.decode(locked.out)["error"] == "LockTimeout"
    assert "Traceback" not in locked.err
    timed_out = cli("status", "--statement-timeout", "1ms", *a)
    assert timed_out.code == 1
    assert "a query was cancelled" in timed_out.err
    assert "Traceback" not in timed_out.err


def test_a_missing_seeds_dir_is_a_configuration_error_and_creates_nothing(
    cli: Cli, tmp_path: Path, trenova_database: str
) -> None:
    missing = tmp_path / "no-such-seeds"
    for args in (
        ("seed-sync",),
        ("seed", "--database-url", trenova_database),
        ("seed-check", "--database-url", trenova_database),
    ):
        result = cli(*args, "--seeds-dir", str(missing))
        assert result.code == 2, (args, result.err)
        assert f"seeds directory {missing} does not exist" in result.err
    assert not missing.exists()


def test_print_in_a_seed_does_not_break_json(
    cli: Cli, tmp_path: Path, trenova_database: str
) -> None:
    from trenova_db.seeding.registry import sync_registry

    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    (seeds / "base" / "00_chatty.py").write_text(
        "from trenova_db.seeding import BaseSeed, SeedContext\n\n"
        "print('hello from import')\n\n\n"
        "class ChattySeed(BaseSeed):\n"
        "    name = 'Chatty'\n\n"
        "    async def run(self, ctx: SeedContext) -> None:\n"
        "        print('in run')\n"
    )
    sync_registry(seeds)
    result = cli("seed", "--json", "--database-url", trenova_database, "--seeds-dir", str(seeds))
    assert result.code == 0
    assert msgspec.json.decode(result.out)["seeds"][0]["state"] == "applied"
    assert "in run" in result.err


def test_usage_errors_in_json_mode_are_json(cli: Cli) -> None:
    result = cli("migrate", "--dryrun", "--json")
    assert result.code == 2
    doc = msgspec.json.decode(result.out)
    assert doc["error"] == "ConfigurationError"
    assert "--dryrun" in doc["message"]


def test_out_of_range_values_are_configuration_errors(cli: Cli, tmp_path: Path) -> None:
    url = "postgresql://x@127.0.0.1:1/x"
    huge = cli("status", "--statement-timeout", "99999999h", "--database-url", url)
    assert huge.code == 2
    assert "at most 2147483 s" in huge.err
    assert (
        cli("seed", "--parallel", "0", "--database-url", url, "--seeds-dir", str(SEEDS)).code == 2
    )
    assert cli("seed-watch", "--debounce", "-5", "--seeds-dir", str(tmp_path)).code == 2
    numeric = cli("create-seed", "123", "--seeds-dir", str(tmp_path / "s"))
    assert numeric.code == 2
    assert "start with a letter" in numeric.err
    assert not (tmp_path / "s" / "base").exists() or not any((tmp_path / "s" / "base").iterdir())


def test_repair_of_a_clean_version_and_rollback_of_an_unapplied_seed_are_refused(
    trenova_migrated_database: str, cli: Cli
) -> None:
    a = ("--database-url", trenova_migrated_database, "--migrations-dir", str(SQL))
    clean = cli("repair", "--version", "3", "--applied", *a)
    assert clean.code == 4
    assert "version 3 (business_units) is not dirty; nothing to resolve" in clean.err
    unapplied = cli("seed-rollback", "TestUsers", "--seeds-dir", str(SEEDS), *a)
    assert unapplied.code == 4
    assert "seed TestUsers is not applied in development; nothing to roll back" in unapplied.err


def test_an_unparseable_url_is_never_echoed(cli: Cli, migrations: Make) -> None:
    folder = migrations({"000001_a.tx.up.sql": "SELECT 1;"})
    result = cli("migrate", "--database-url", "not a url S3cretPW", "--migrations-dir", str(folder))
    assert result.code in (1, 2)
    assert "S3cretPW" not in result.out + result.err
