"""Files of comments only: no-ops both ways, as psql and Bun run them (issue 9).

Real histories hold down files such as ``-- Not reversible``; a rollback has to
pass through them. An empty file and a file still holding the placeholder that
``trenova-db create`` wrote are refused: those are unfinished work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import CliResult, query, run
from trenova_db import migrate, rollback

Make = Callable[[Mapping[str, str | bytes]], Path]
Cli = Callable[..., CliResult]


def tables(url: str) -> set[str]:
    """The tables the migrations made (trenova-db's own left out)."""
    rows = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    own = {"schema_migrations", "seed_history"}
    return {r[0] for r in rows if r[0] not in own and not r[0].startswith("trenova_db_")}


def versions(url: str) -> list[int]:
    return [r[0] for r in query(url, "SELECT version FROM schema_migrations ORDER BY 1")]


def test_a_rollback_passes_through_comment_only_down_files_as_no_ops(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            "000001_users.tx.up.sql": "CREATE TABLE users (id int);\n",
            "000001_users.tx.down.sql": "DROP TABLE users;\n",
            "000002_kept.tx.up.sql": "CREATE TABLE kept (id int);\n",
            "000002_kept.tx.down.sql": "-- Not reversible\n-- (the data would be lost)\n",
            "000003_kept_too.up.sql": "CREATE TABLE kept_too (id int);\n",
            "000003_kept_too.down.sql": "/* irreversible; see 000002 */\n\n",
        }
    )
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    report = run(lambda: rollback(trenova_database, migrations_dir=folder, target=3))
    assert [m.version for m in report.rolled_back] == [3, 2, 1]
    assert versions(trenova_database) == []
    assert tables(trenova_database) == {"kept", "kept_too"}


@pytest.mark.parametrize("name", ["000001_blank.tx.up.sql", "000001_blank.up.sql"])
def test_a_comment_only_up_file_is_applied_as_a_no_op_and_recorded(
    trenova_database: str, migrations: Make, name: str
) -> None:
    folder = migrations(
        {
            name: "-- Squashed into 000002; left so the version stays taken.\n",
            "000002_t.tx.up.sql": "CREATE TABLE t (id int);\n",
        }
    )
    report = run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert [m.version for m in report.applied] == [1, 2]
    assert versions(trenova_database) == [1, 2]
    assert tables(trenova_database) == {"t"}


def test_the_placeholder_create_wrote_is_refused_in_either_direction(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations({})
    assert cli("create", "todo", "--tx", "--migrations-dir", str(folder)).code == 0
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    refused = cli("migrate", *a)
    assert refused.code == 4
    assert (
        "000001_todo.tx.up.sql: still the placeholder `trenova-db create` wrote; "
        "write the SQL that applies the change"
    ) in refused.err
    assert tables(trenova_database) == set()

    (folder / "000001_todo.tx.up.sql").write_text("CREATE TABLE todo (id int);\n")
    assert cli("migrate", *a).code == 0
    refused = cli("rollback", *a)
    assert refused.code == 4
    assert (
        "000001_todo.tx.down.sql: still the placeholder `trenova-db create` wrote; "
        "write the SQL that undoes the up file, or a comment saying why it cannot be "
        "undone (a file of comments only rolls back as a no-op)"
    ) in refused.err
    assert versions(trenova_database) == [1]
    assert tables(trenova_database) >= {"todo"}
