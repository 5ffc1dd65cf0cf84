"""The CLI in-process: argument errors, exit codes, JSON, debug logging."""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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

    root = Path(__file__).resolve().parents[2]
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
    from trenova_db.config import Environment
    from trenova_db.discovery import discover_migrations
    from trenova_db.seeding.graph import order_seeds, select_seeds
    from trenova_db.seeding.registry import check_registry

    versions = [m.version for m in discover_migrations(root / "sql").migrations]
    registry = check_registry(seeds)
    dev = [e.name for e in order_seeds(select_seeds(registry, Environment.DEVELOPMENT), registry)]
    assert len(versions) > 1 and len(dev) > 1 and "TestUsers" in dev

    def one_json_document(*args: str) -> dict[str, Any]:
        result = cli(*args, *common)
        assert result.code == 0, (args, result.err)
        assert result.out.count("\n") == 1, (args, result.out[:200])
        doc = result.json()
        assert isinstance(doc, dict), args
        assert "error" not in doc, args
        if "database" in doc:
            assert doc["database"] == trenova_database, args
        return doc

    def applied(report: object) -> list[int]:
        assert isinstance(report, dict)
        assert all(m["state"] == "applied" for m in report["applied"])
        return [m["version"] for m in report["applied"]]

    def seeded(report: object) -> list[tuple[str, str]]:
        assert isinstance(report, dict)
        return [(s["name"], s["state"]) for s in report["seeds"]]

    # Each document is the report of the command that printed it, with its contents.
    doc = one_json_document("migrate", "--force")  # the original's CI example passes it
    assert (doc["operation"], doc["dry_run"], doc["already_applied"]) == ("migrate", False, 0)
    assert applied(doc) == versions
    doc = one_json_document("setup")
    assert doc["operation"] == "setup"
    assert applied(doc["migrate"]) == []
    assert seeded(doc["seed"]) == [(n, "applied") for n in dev]
    doc = one_json_document("status")
    assert (doc["operation"], doc["current_version"]) == ("status", versions[-1])
    assert (doc["applied_count"], doc["pending_count"]) == (len(versions), 0)
    assert (doc["pending"], doc["pending_seeds"], doc["findings"]) == ([], [], [])
    assert seeded(doc) == [(n, "applied") for n in dev]
    doc = one_json_document("seed", "--dry-run")
    assert (doc["operation"], doc["dry_run"]) == ("seed", True)
    assert seeded(doc) == [(n, "skipped") for n in dev]
    doc = one_json_document("seed-sync")
    assert (doc["operation"], doc["changed"], doc["seeds"]) == (
        "seed-sync",
        False,
        len(registry.seeds),
    )
    assert doc["path"] == str(seeds / "registry.json")
    doc = one_json_document("seed-check")
    assert (doc["operation"], doc["problems"]) == ("seed-check", [])
    doc = one_json_document("create-seed", "extra_data", "--dev")
    created = Path(doc["created"])
    assert (created.parent, created.name[2:]) == (seeds / "development", "_extra_data.py")
    assert created.is_file()
    assert doc["registry"] == {
        "operation": "seed-sync",
        "dry_run": False,
        "path": str(seeds / "registry.json"),
        "changed": True,
        "diff": {"added": ["ExtraData"], "removed": [], "changed": []},
        "seeds": len(registry.seeds) + 1,
        "problems": [],
    }
    doc = one_json_document("seed-sync")
    assert (doc["changed"], doc["seeds"]) == (False, len(registry.seeds) + 1)
    doc = one_json_document("seed-rollback", "TestUsers")
    assert doc["operation"] == "seed-rollback"
    assert seeded(doc) == [("TestUsers", "rolled-back")]
    doc = one_json_document("seed-clean", "--force")
    assert (doc["operation"], doc["problems"]) == ("seed-clean", [])
    doc = one_json_document("rollback", "--dry-run")
    assert (doc["operation"], doc["dry_run"]) == ("rollback", True)
    assert [m["version"] for m in doc["rolled_back"]] == [versions[-1]]
    doc = one_json_document("repair")
    assert (doc["operation"], doc["actions"], doc["remaining"]) == ("repair", [], [])
    doc = one_json_document("reset", "--force", "--seed")
    assert (doc["operation"], doc["schemas_dropped"]) == ("reset", ["public"])
    assert applied(doc["migrate"]) == versions
    assert seeded(doc["seed"]) == [(n, "applied") for n in [*dev, "ExtraData"]]
    doc = one_json_document("migrate", "--dry-run", "--verbose")
    assert (doc["operation"], doc["dry_run"], doc["applied"]) == ("migrate", True, [])
    assert doc["already_applied"] == len(versions)


def test_a_single_database_run_never_loads_the_fleet_engine(
    trenova_database: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from tests.conftest import write_migrations

    sql = write_migrations(tmp_path / "sql", FILES)
    script = (
        "import sys\n"
        "from trenova_db.cli.main import main\n"
        f"code = main(['migrate', '--database-url', {trenova_database!r}, "
        f"'--migrations-dir', {str(sql)!r}])\n"
        "print(code, sorted(m for m in sys.modules if 'fleet' in m))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "0 ['trenova_db.cli.fleet_options']", done.stderr


def test_a_rollback_dry_run_says_what_it_would_do_as_migrate_dry_run_does(
    cli: Cli, migrations: Make, trenova_database: str
) -> None:
    folder = migrations(
        {
            **FILES,
            "000002_b.up.sql": "CREATE TABLE b (id int);\n",
            "000002_b.down.sql": "DROP TABLE b;\n",
        }
    )
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    planned = cli("migrate", "--dry-run", "--json", *a).json()
    assert [(m["version"], m["state"]) for m in planned["applied"]] == [
        (1, "pending"),
        (2, "pending"),
    ]
    assert cli("migrate", *a).code == 0
    dry = cli("rollback", "--dry-run", "--target", "2", "--json", *a)
    assert dry.code == 0, dry.err
    doc = dry.json()
    assert (doc["operation"], doc["dry_run"]) == ("rollback", True)
    assert [(m["version"], m["state"], m["file"]) for m in doc["rolled_back"]] == [
        (2, "would-roll-back", "000002_b.down.sql"),
        (1, "would-roll-back", "000001_a.tx.down.sql"),
    ]
    text = cli("rollback", "--dry-run", "--target", "2", *a)
    assert text.code == 0, text.err
    assert text.out.splitlines() == [
        "dry run: would roll back 2 migration(s); nothing written, no lock taken",
        "  2  000002_b.down.sql  [notx]",
        "  1  000001_a.tx.down.sql  [tx]",
    ]
    # nothing was rolled back
    assert [m["state"] for m in cli("status", "--json", *a).json()["migrations"]] == [
        "applied",
        "applied",
    ]
