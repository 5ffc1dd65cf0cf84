"""What CI asks of `status`: --exit-code in each state, and the JSON fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, write_migrations
from trenova_db.errors import HistoryMismatch, MigrationFailed, TrenovaDBError

Cli = Callable[..., CliResult]

FILES = {
    "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
    "000002_b.tx.up.sql": "CREATE TABLE b (id int);\n",
}
SEED = """
from trenova_db.seeding import BaseSeed, SeedContext


class OneSeed(BaseSeed):
    name = "One"
    version = "1.0.0"
    description = "one row"

    async def run(self, ctx: SeedContext) -> None:
        await ctx.conn.execute("SELECT 1")
"""


def project(tmp_path: Path, files: dict[str, str] = FILES) -> None:
    write_migrations(tmp_path / "sql", files)
    (tmp_path / "seeds" / "base").mkdir(parents=True, exist_ok=True)


def status(cli: Cli, url: str, *extra: str) -> CliResult:
    return cli("status", "--database-url", url, *extra)


def test_exit_code_is_0_when_everything_is_applied(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    project(tmp_path)
    assert cli("migrate", "--database-url", trenova_database).code == 0
    assert status(cli, trenova_database, "--exit-code").code == 0


def test_exit_code_is_1_when_a_migration_is_pending_and_0_without_the_flag(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    project(tmp_path)
    assert status(cli, trenova_database, "--exit-code").code == 1
    assert status(cli, trenova_database).code == 0


def test_exit_code_is_1_when_a_seed_is_pending(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    project(tmp_path)
    cli("migrate", "--database-url", trenova_database)
    (tmp_path / "seeds" / "base" / "00_one.py").write_text(SEED)
    assert cli("seed-sync").code == 0
    result = status(cli, trenova_database, "--exit-code", "--json")
    assert result.code == 1
    assert result.json()["pending_seeds"] == ["One"]
    assert cli("seed", "--database-url", trenova_database).code == 0
    assert status(cli, trenova_database, "--exit-code").code == 0


@pytest.mark.parametrize("state", ["drift", "missing"])
def test_exit_code_is_1_on_drift_and_missing_and_the_fix_is_named(
    cli: Cli, trenova_database: str, tmp_path: Path, state: str
) -> None:
    project(tmp_path)
    cli("migrate", "--database-url", trenova_database)
    path = tmp_path / "sql" / "000002_b.tx.up.sql"
    if state == "drift":
        path.write_text("CREATE TABLE b (id bigint);\n")
    else:
        path.unlink()
    result = status(cli, trenova_database, "--exit-code")
    assert result.code == 1
    fix = {
        "drift": "restore the applied file (git checkout), or `trenova-db repair` to record "
        "its new checksum",
        "missing": "restore the file, or `trenova-db repair --forget-missing`",
    }[state]
    assert f"    fix: {fix}\n" in result.out
    doc = status(cli, trenova_database, "--json").json()
    assert [(f["kind"], f["subject"], f["fix"]) for f in doc["findings"]] == [(state, "2", fix)]


def test_exit_code_is_1_on_a_dirty_migration_and_the_fix_names_the_version(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    project(
        tmp_path,
        {
            **FILES,
            "000003_c.up.sql": "CREATE TABLE c (id int);\nSELECT 1/0;\n",
        },
    )
    assert cli("migrate", "--database-url", trenova_database).code == 1
    result = status(cli, trenova_database, "--exit-code", "--json")
    assert result.code == 1
    (finding,) = result.json()["findings"]
    assert (finding["kind"], finding["subject"]) == ("dirty", "3")
    assert finding["fix"] == (
        "finish or undo it by hand, then `trenova-db repair --version 3 --applied` "
        "(or `--rolled-back`)"
    )


def test_json_carries_the_current_version_and_counts(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    project(tmp_path, {"000001_a.tx.up.sql": FILES["000001_a.tx.up.sql"]})
    cli("migrate", "--database-url", trenova_database)
    write_migrations(
        tmp_path / "sql",
        {"000002_b.tx.up.sql": "SELECT 1;\n", "000003_c.tx.up.sql": "SELECT 1;\n"},
    )
    doc = status(cli, trenova_database, "--json").json()
    assert {
        k: doc[k] for k in ("current_version", "applied_count", "pending_count", "pending")
    } == {"current_version": 1, "applied_count": 1, "pending_count": 2, "pending": [2, 3]}
    assert doc["findings"] == []


def test_an_empty_database_has_no_current_version(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    project(tmp_path)
    doc = status(cli, trenova_database, "--json").json()
    assert doc.get("current_version") is None
    assert (doc["applied_count"], doc["pending_count"]) == (0, 2)


def test_exception_strings_are_one_line_and_the_advice_is_the_hint() -> None:
    exc = HistoryMismatch(
        "migration history does not match the files (2 drift); nothing was applied",
        problems=["a.sql changed", "b.sql changed"],
        hint="run `trenova-db repair`",
    )
    exc.done = ["applied 1 (a)"]
    assert str(exc) == (
        "migration history does not match the files (2 drift); nothing was applied: "
        "a.sql changed; b.sql changed"
    )
    assert exc.hint == "run `trenova-db repair`"
    assert exc.render() == (
        "migration history does not match the files (2 drift); nothing was applied\n"
        "  - a.sql changed\n  - b.sql changed\n"
        "  done before this (1): applied 1 (a)\n  hint: run `trenova-db repair`"
    )


def test_a_multi_line_message_is_one_line_in_str_and_keeps_its_attributes() -> None:
    exc = MigrationFailed(
        "000003_c.up.sql: statement 2 (line 2) failed: division by zero\n  context: SQL",
        path="sql/000003_c.up.sql",
        version=3,
        line=2,
        hint="fix the SQL",
    )
    assert str(exc) == (
        "000003_c.up.sql: statement 2 (line 2) failed: division by zero; context: SQL"
    )
    assert (exc.version, exc.path, exc.line) == (3, "sql/000003_c.up.sql", 2)
    assert "\n" not in str(TrenovaDBError("a\n\n  b\n", hint="h"))


def test_the_cli_still_prints_the_hint_of_a_failure(
    cli: Cli, trenova_database: str, tmp_path: Path
) -> None:
    project(tmp_path)
    cli("migrate", "--database-url", trenova_database)
    (tmp_path / "sql" / "000002_b.tx.up.sql").write_text("SELECT 2;\n")
    result = cli("migrate", "--database-url", trenova_database)
    assert result.code == 4
    assert "\n  hint: " in result.err
    assert "\n  - 000002_b.tx.up.sql (version 2) changed since it was applied" in result.err
