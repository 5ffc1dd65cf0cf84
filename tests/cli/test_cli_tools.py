"""The tool commands from the command line: dump, lint, migrate --lint, wait, completion."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, query, write_migrations
from trenova_db.linter import _squawk_binary

Cli = Callable[..., CliResult]

ITEMS = {"000001_items.tx.up.sql": "CREATE TABLE items (id bigint PRIMARY KEY);\n"}
BAD = {"000002_idx.tx.up.sql": "CREATE INDEX CONCURRENTLY items_idx ON items (id);\n"}


def own_rules_only(root: Path) -> None:
    """A project whose lint runs without squawk (the tests of squawk's rules are apart)."""
    (root / "pyproject.toml").write_text("[tool.trenova-db.lint]\nsquawk = false\n")


def test_dump_writes_schema_sql_beside_the_migrations(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    write_migrations(tmp_path / "sql", ITEMS)
    assert cli("migrate", "--database-url", trenova_database).code == 0
    result = cli("dump", "--database-url", trenova_database)
    assert result.code == 0, result.err
    schema = tmp_path / "sql" / "schema.sql"
    assert "CREATE TABLE public.items" in schema.read_text()
    assert result.out.startswith("schema of ")
    assert f"written to {schema} (" in result.out


def test_dump_to_a_named_file_with_json(cli: Cli, trenova_database: str, tmp_path: Path) -> None:
    write_migrations(tmp_path / "sql", ITEMS)
    cli("migrate", "--database-url", trenova_database)
    result = cli("dump", "out.sql", "--database-url", trenova_database, "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["operation"] == "dump"
    assert doc["path"] == str(tmp_path / "out.sql")
    assert doc["bytes"] == (tmp_path / "out.sql").stat().st_size


def test_lint_of_named_files_prints_each_finding_and_exits_4(cli: Cli, tmp_path: Path) -> None:
    own_rules_only(tmp_path)
    write_migrations(tmp_path / "sql", {**ITEMS, **BAD})
    result = cli("lint", "sql/000001_items.tx.up.sql", "sql/000002_idx.tx.up.sql")
    assert result.code == 4
    assert result.out.splitlines() == [
        "sql/000002_idx.tx.up.sql:1:14: error: concurrently-in-tx: CONCURRENTLY cannot run "
        "inside a transaction block: move this statement to a migration without .tx in its name",
        "lint: 2 files checked, 1 error(s), 0 warning(s)",
    ]


def test_lint_of_a_clean_file_exits_0(cli: Cli, tmp_path: Path) -> None:
    own_rules_only(tmp_path)
    write_migrations(tmp_path / "sql", ITEMS)
    result = cli("lint", "sql/000001_items.tx.up.sql")
    assert (result.code, result.out) == (0, "lint: 1 file checked, no findings\n")


def test_lint_json_is_one_document_with_the_findings(cli: Cli, tmp_path: Path) -> None:
    own_rules_only(tmp_path)
    write_migrations(tmp_path / "sql", BAD)
    result = cli("lint", "sql/000002_idx.tx.up.sql", "--json")
    assert result.code == 4
    doc = result.json()
    assert (doc["operation"], doc["errors"], doc["warnings"]) == ("lint", 1, 0)
    assert [(f["file"], f["line"], f["rule"]) for f in doc["findings"]] == [
        ("sql/000002_idx.tx.up.sql", 1, "concurrently-in-tx")
    ]


def test_lint_without_files_checks_only_the_pending_migrations(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    own_rules_only(tmp_path)
    write_migrations(tmp_path / "sql", ITEMS)
    assert cli("migrate", "--database-url", trenova_database).code == 0
    write_migrations(tmp_path / "sql", BAD)
    result = cli("lint", "--database-url", trenova_database)
    assert result.code == 4
    assert result.out.splitlines() == [
        "sql/000002_idx.tx.up.sql:1:14: error: concurrently-in-tx: CONCURRENTLY cannot run "
        "inside a transaction block: move this statement to a migration without .tx in its name",
        "lint: 1 file checked, 1 error(s), 0 warning(s)",
    ]


def test_lint_with_nothing_pending_says_so(cli: Cli, trenova_database: str, tmp_path: Path) -> None:
    own_rules_only(tmp_path)
    write_migrations(tmp_path / "sql", ITEMS)
    cli("migrate", "--database-url", trenova_database)
    result = cli("lint", "--database-url", trenova_database)
    assert (result.code, result.out) == (0, "lint: no pending migrations to check\n")


def test_migrate_lint_refuses_before_running_anything(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    own_rules_only(tmp_path)
    write_migrations(tmp_path / "sql", {**ITEMS, **BAD})
    result = cli("migrate", "--lint", "--database-url", trenova_database)
    assert result.code == 4
    assert "lint found 1 error(s) in the pending migrations; nothing was run" in result.err
    assert "000002_idx.tx.up.sql:1:14: concurrently-in-tx" in result.err
    tables = query(trenova_database, "SELECT count(*) FROM pg_tables WHERE tablename = 'items'")
    assert tables[0][0] == 0


def test_migrate_lint_runs_when_the_files_are_clean(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    own_rules_only(tmp_path)
    write_migrations(tmp_path / "sql", ITEMS)
    assert cli("migrate", "--lint", "--database-url", trenova_database).code == 0
    assert query(trenova_database, "SELECT count(*) FROM items")[0][0] == 0


def test_dump_schema_in_pyproject_writes_the_file_after_migrate_and_rollback(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db]\ndump-schema = true\n")
    write_migrations(tmp_path / "sql", {**ITEMS, "000001_items.tx.down.sql": "DROP TABLE items;\n"})
    schema = tmp_path / "sql" / "schema.sql"
    assert cli("migrate", "--database-url", trenova_database).code == 0
    assert "CREATE TABLE public.items" in schema.read_text()
    assert cli("rollback", "--database-url", trenova_database).code == 0
    assert "items" not in schema.read_text()


def test_dump_schema_is_not_written_outside_development(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db]\ndump-schema = true\n")
    write_migrations(tmp_path / "sql", ITEMS)
    assert cli("migrate", "--database-url", trenova_database, "--env", "staging").code == 0
    assert not (tmp_path / "sql" / "schema.sql").exists()


def test_dump_schema_must_be_a_boolean(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\ndump-schema = "yes"\n')
    result = cli("status", "--database-url", "postgresql://u@127.0.0.1:1/x")
    assert result.code == 2
    assert "dump-schema in [tool.trenova-db] must be true or false, not 'yes'" in result.err


def test_wait_returns_at_once_when_the_server_accepts(cli: Cli, trenova_database: str) -> None:
    result = cli("wait", "--database-url", trenova_database)
    assert result.code == 0, result.err
    assert " accepts connections (PostgreSQL " in result.out


def test_wait_gives_up_after_the_connect_timeout_with_exit_1(cli: Cli) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://postgres:hunter22@127.0.0.1:{port}/postgres"
    result = cli("wait", "--database-url", url, "--connect-timeout", "0.5s")
    assert result.code == 1
    assert f"cannot connect to postgresql://postgres:***@127.0.0.1:{port}/postgres" in result.err
    assert "hunter22" not in result.err


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_generate_for_each_shell(cli: Cli, shell: str) -> None:
    result = cli("completion", shell)
    assert result.code == 0
    assert "trenova-db" in result.out
    for command in ("migrate", "seed-sync", "dump", "lint"):
        assert command in result.out


@pytest.mark.skipif(_squawk_binary() is None, reason="squawk is not installed")
def test_lint_runs_squawk_by_default(cli: Cli, tmp_path: Path) -> None:
    write_migrations(tmp_path / "sql", {"000003_idx.up.sql": "CREATE INDEX i ON items (id);\n"})
    result = cli("lint", "sql/000003_idx.up.sql")
    assert result.code == 4
    assert "error: require-concurrent-index-creation:" in result.out


def test_run_lint_takes_pending_and_out_of_order_migrations_and_their_down_files(
    trenova_database: str, tmp_path: Path
) -> None:
    import anyio

    from trenova_db.config import Settings
    from trenova_db.linter import run_lint
    from trenova_db.migrator import run_migrate

    own_rules_only(tmp_path)
    sql = write_migrations(
        tmp_path / "sql",
        {"000001_a.tx.up.sql": "SELECT 1;\n", "000005_e.tx.up.sql": "SELECT 5;\n"},
    )
    settings = Settings(database_url=trenova_database, migrations_dir=sql, project_root=tmp_path)
    anyio.run(lambda: run_migrate(settings))
    write_migrations(
        sql,
        {
            "000006_f.tx.up.sql": "COMMIT;\n",
            "000006_f.tx.down.sql": "COMMIT;\n",
            "000003_c.up.sql": "COMMIT;\n",
            "000003_c.down.sql": "COMMIT;\n",
        },
    )
    report = anyio.run(run_lint, settings)
    assert report.files == [
        "sql/000003_c.down.sql",
        "sql/000003_c.up.sql",
        "sql/000006_f.tx.down.sql",
        "sql/000006_f.tx.up.sql",
    ]
    assert report.errors == 4
