"""The CLI in-process: argument errors, exit codes, JSON, debug logging."""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import msgspec
import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
Make = Callable[[Mapping[str, str | bytes]], Path]

FILES = {
    "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
    "000001_a.tx.down.sql": "DROP TABLE a;\n",
}


def test_unknown_options_are_usage_errors(cli: Cli) -> None:
    assert cli("migrate", "--no-such-flag").code == 2
    assert cli("frobnicate").code == 2


def test_help_and_version(cli: Cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("migrate", "rollback", "seed-watch", "reset", "embedded"):
        assert command in result.out
    assert cli("--version").out.strip() == importlib.metadata.version("trenova-db")


def test_unknown_environment_lists_accepted_names(cli: Cli, migrations: Make) -> None:
    folder = migrations(FILES)
    result = cli(
        "status",
        "--env",
        "qa",
        "--migrations-dir",
        str(folder),
        "--database-url",
        "postgresql://x@127.0.0.1:1/x",
    )
    assert result.code == 2
    assert "unknown environment 'qa'; accepted values: dev, development, prod" in result.err


def test_bad_migration_files_exit_4_before_connecting(cli: Cli, migrations: Make) -> None:
    folder = migrations({**FILES, "000001_b.up.sql": "SELECT 1;", "2_x.DOWN.sql": "x"})
    result = cli(
        "migrate", "--migrations-dir", str(folder), "--database-url", "postgresql://x@127.0.0.1:1/x"
    )
    assert result.code == 4
    assert "duplicate version 1: 000001_a.tx.up.sql and 000001_b.up.sql" in result.err
    assert "2_x.DOWN.sql: name does not match" in result.err


def test_create_names_files_and_refuses_path_tricks(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "migs"
    ok = cli("create", "add_users", "--tx", "--migrations-dir", str(folder))
    assert ok.code == 0, ok.err
    assert sorted(p.name for p in folder.iterdir()) == [
        "000001_add_users.tx.down.sql",
        "000001_add_users.tx.up.sql",
    ]
    bad = cli("create", "../../etc/passwd", "--migrations-dir", str(folder))
    assert bad.code == 2
    assert "invalid migration name" in bad.err
    as_json = cli("create", "second", "--json", "--migrations-dir", str(folder))
    assert msgspec.json.decode(as_json.out)["version"] == 2


def test_rollback_in_production_without_terminal_is_refused(
    cli: Cli, migrations: Make, trenova_database: str
) -> None:
    folder = migrations(FILES)
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    refused = cli("rollback", "--env", "production", *a)
    assert refused.code == 5
    dry = cli("rollback", "--env", "production", "--dry-run", *a)
    assert dry.code == 0
    assert "would roll back 1" in dry.out
    forced = cli("rollback", "--env", "production", "--force", *a)
    assert forced.code == 0, forced.err


def test_missing_database_exits_1_with_a_hint(
    cli: Cli, migrations: Make, trenova_database: str
) -> None:
    folder = migrations(FILES)
    url = trenova_database.rsplit("/", 1)[0] + "/no_such_database_here"
    result = cli("migrate", "--database-url", url, "--migrations-dir", str(folder))
    assert result.code == 1
    assert "does not exist" in result.err
    assert "create the database first" in result.err


def test_debug_logs_every_statement_with_its_duration(
    cli: Cli, migrations: Make, trenova_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = migrations(FILES)
    monkeypatch.setenv("TRENOVA_DB_DEBUG", "1")
    applied = cli(
        "migrate", "--verbose", "--database-url", trenova_database, "--migrations-dir", str(folder)
    )
    assert applied.code == 0
    logged = [line for line in applied.err.splitlines() if line.startswith("[trenova-db]")]
    assert all(re.match(r"\[trenova-db\] +[0-9.]+ ms  \S", line) for line in logged), logged
    for statement in ("pg_try_advisory_lock", "CREATE TABLE a (id int)", "schema_migrations"):
        assert any(statement in line for line in logged), statement
    quiet = cli("status", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert quiet.code == 0
    assert "[trenova-db]" in quiet.err
    monkeypatch.delenv("TRENOVA_DB_DEBUG")
    silent = cli("status", "--database-url", trenova_database, "--migrations-dir", str(folder))
    assert "[trenova-db]" not in silent.err


def test_verbose_dry_run_json_is_one_document_with_sql(
    cli: Cli, migrations: Make, trenova_database: str
) -> None:
    folder = migrations(FILES)
    result = cli(
        "migrate",
        "--dry-run",
        "--verbose",
        "--json",
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(folder),
    )
    assert result.code == 0
    doc = msgspec.json.decode(result.out)
    assert doc["dry_run"] is True
    assert doc["applied"][0]["sql"] == "CREATE TABLE a (id int);\n"


def test_every_reporting_command_prints_one_json_document(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    import shutil

    root = Path(__file__).resolve().parent.parent
    seeds = tmp_path / "seeds"
    shutil.copytree(root / "seeds", seeds)
    common = (
        "--json",
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(root / "sql"),
        "--seeds-dir",
        str(seeds),
    )
    runs = [
        ("migrate", "--force"),  # the original's CI example passes it
        ("setup",),
        ("status",),
        ("seed", "--dry-run"),
        ("seed-sync",),
        ("seed-check",),
        ("create-seed", "extra_data", "--dev"),
        ("seed-sync",),
        ("seed-rollback", "TestUsers"),
        ("seed-clean", "--force"),
        ("rollback", "--dry-run"),
        ("repair",),
        ("reset", "--force", "--seed"),
        ("migrate", "--dry-run", "--verbose"),
    ]
    for args in runs:
        result = cli(*args, *common)
        assert result.code == 0, (args, result.err)
        assert result.out.count("\n") == 1, (args, result.out[:200])
        doc = result.json()
        assert isinstance(doc, dict), args
        assert "error" not in doc, args
