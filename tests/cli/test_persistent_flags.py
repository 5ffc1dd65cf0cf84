"""The spec's persistent flags: --verbose, --dry-run, --force, -i/--interactive on every
subcommand, discovered from the cyclopts app (a new command without them fails here).
"""

from __future__ import annotations

import inspect
import io
import re
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, query
from tests.support.seed_files import args, seed_file
from trenova_db.cli.app import app
from trenova_db.cli.common import INTERACTIVE_NEEDS_A_TERMINAL, PERSISTENT_FLAGS, CommonOptions
from trenova_db.seeding.registry import sync_registry

Cli = Callable[..., CliResult]


def _commands(parent: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every runnable command path of the app: ("status",), ("embedded", "start"), ..."""
    for name in parent:
        if name.startswith("-"):
            continue  # --help, --version
        sub = parent[name]
        if sub.default_command is not None:
            yield (*prefix, name)
        yield from _commands(sub, (*prefix, name))


COMMANDS = sorted(_commands(app))


def _tokens(path: tuple[str, ...]) -> list[str]:
    """The command with a value for each required positional argument."""
    node = app
    for name in path:
        node = node[name]
    fn = node.default_command
    assert fn is not None
    hints = typing.get_type_hints(fn, include_extras=True)
    values = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.POSITIONAL_ONLY and p.default is p.empty:
            values.append(_a_value(hints[p.name]))
    return [*path, *values]


def _a_value(hint: Any) -> str:
    """A valid token for a required positional: a Literal's first choice, else a name."""
    if typing.get_origin(hint) is typing.Literal:
        return str(typing.get_args(hint)[0])
    for arg in typing.get_args(hint):
        if typing.get_origin(arg) is typing.Literal:
            return str(typing.get_args(arg)[0])
    return "x_name"


def test_the_command_list_is_the_apps_own() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {
        "migrate", "rollback", "status", "create", "repair", "seed", "create-seed", "seed-sync",
        "seed-check", "seed-clean", "seed-watch", "seed-rollback", "setup", "reset",
        "embedded start", "embedded stop", "embedded status",
    } <= names  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("spelling", ["long", "short"])
def test_every_subcommand_accepts_the_four_persistent_flags(
    command: tuple[str, ...], spelling: str
) -> None:
    interactive = "-i" if spelling == "short" else "--interactive"
    tokens = [*_tokens(command), "--verbose", "--dry-run", "--force", interactive]
    _, bound, _ = app.parse_args(tokens, exit_on_error=False, print_error=False)
    found = [v for v in bound.arguments.values() if isinstance(v, CommonOptions)]
    assert len(found) == 1, f"{' '.join(command)} does not take the common options"
    for flag in PERSISTENT_FLAGS:
        assert getattr(found[0], flag) is True, flag


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_interactive_without_a_terminal_refuses_with_exit_5_and_says_what_to_do(
    command: tuple[str, ...], cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Not a terminal, and it would say yes if anyone read it: nobody may.
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\ny\ny\n"))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = cli(*_tokens(command), "-i", "--database-url", "postgresql://u@127.0.0.1:1/none")
    assert result.code == 5, result.err
    assert result.err == f"error: {INTERACTIVE_NEEDS_A_TERMINAL}\n"
    assert INTERACTIVE_NEEDS_A_TERMINAL == (
        "-i/--interactive asks before each change, but standard input is not a terminal: "
        "drop -i, or run the command on a terminal"
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing created


def _state(url: str) -> list[tuple[Any, ...]]:
    """Every schema, relation, type and row of the database, as comparable values."""
    rows: list[tuple[Any, ...]] = [
        tuple(r)
        for r in query(
            url,
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
            "UNION ALL SELECT n.nspname, NULL, 'schema' FROM pg_namespace n "
            "WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' "
            "UNION ALL SELECT n.nspname, t.typname, 'type' FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e' "
            "ORDER BY 1, 2 NULLS FIRST, 3",
        )
    ]
    for schema, name, kind in list(rows):
        if kind == "r":
            digest = query(
                url,
                f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) "
                f'FROM "{schema}"."{name}" t',
            )[0]
            rows.append((schema, name, tuple(digest)))
    return rows


@pytest.fixture
def seeded_project(project: tuple[Path, Path]) -> tuple[Path, Path]:
    sql, seeds = project
    (sql / "000002_more.up.sql").write_text("CREATE TABLE more_items (id int);\n")
    seed_file(
        seeds / "base",
        "00_fill.py",
        "Fill",
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('a', 1) ON CONFLICT DO NOTHING\")",
    )
    sync_registry(seeds)
    return sql, seeds


def test_setup_dry_run_lists_the_migrations_and_seeds_it_would_apply_and_changes_nothing(
    trenova_database: str, seeded_project: tuple[Path, Path], cli: Cli
) -> None:
    a = args(trenova_database, *seeded_project)
    before = _state(trenova_database)
    result = cli("setup", "--dry-run", *a)
    assert result.code == 0, result.err
    assert "dry run: would apply 2 migration(s); nothing written, no lock taken" in result.out
    assert re.search(r"  1  000001_items\.tx\.up\.sql  \[tx\]", result.out)
    assert re.search(r"  2  000002_more\.up\.sql  \[notx\]", result.out)
    assert re.search(r"Fill\s+1\.0\.0\s+would-apply", result.out)
    assert _state(trenova_database) == before
    doc = cli("setup", "--dry-run", "--json", *a).json()
    assert doc["dry_run"] is True
    assert [m["version"] for m in doc["migrate"]["applied"]] == [1, 2]
    assert [(s["name"], s["state"]) for s in doc["seed"]["seeds"]] == [("Fill", "would-apply")]
    assert _state(trenova_database) == before


def test_reset_dry_run_lists_the_schemas_it_would_drop_and_what_it_would_apply_again(
    trenova_database: str, seeded_project: tuple[Path, Path], cli: Cli
) -> None:
    a = args(trenova_database, *seeded_project)
    assert cli("setup", *a).code == 0
    query(trenova_database, "CREATE SCHEMA scratch")
    before = _state(trenova_database)
    result = cli("reset", "--dry-run", "--seed", *a)
    assert result.code == 0, result.err
    assert "reset (dry run): would drop schema(s) public, scratch and recreate public" in result.out
    assert "dry run: would apply 2 migration(s); nothing written, no lock taken" in result.out
    assert re.search(r"Fill\s+1\.0\.0\s+would-apply", result.out)
    assert _state(trenova_database) == before
    assert query(trenova_database, "SELECT count(*) FROM items")[0][0] == 1


def test_seed_clean_dry_run_lists_the_orphans_it_would_mark_and_changes_nothing(
    trenova_database: str, seeded_project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = seeded_project
    a = args(trenova_database, sql, seeds)
    assert cli("setup", *a).code == 0
    (seeds / "base" / "00_fill.py").unlink()  # Fill is now an orphan; the registry is stale
    before = _state(trenova_database)
    registry = (seeds / "registry.json").read_bytes()
    result = cli("seed-clean", "--dry-run", *a)
    assert result.code == 0, result.err
    assert re.search(r"Fill\s+1\.0\.0\s+orphaned\s+.*would be marked Orphaned", result.out)
    assert f"would regenerate {seeds / 'registry.json'}" in result.out
    assert "seed-clean (dry run): 1 would be marked orphaned" in result.out
    assert _state(trenova_database) == before
    assert (seeds / "registry.json").read_bytes() == registry
    status = query(trenova_database, "SELECT status::text FROM seed_history WHERE name = 'Fill'")
    assert [r[0] for r in status] == ["Active"]


def test_bundebug_logs_every_statement_like_trenova_db_debug(
    trenova_database: str, project: tuple[Path, Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql, seeds = project
    monkeypatch.delenv("TRENOVA_DB_DEBUG", raising=False)
    monkeypatch.setenv("BUNDEBUG", "1")
    result = cli("migrate", *args(trenova_database, sql, seeds))
    assert result.code == 0, result.err
    logged = [line for line in result.err.splitlines() if line.startswith("[trenova-db]")]
    assert any("CREATE TABLE items" in line for line in logged), result.err
    assert all(re.match(r"\[trenova-db\] +[0-9.]+ ms  \S", line) for line in logged), logged
    monkeypatch.setenv("BUNDEBUG", "0")
    assert "[trenova-db]" not in cli("status", *args(trenova_database, sql, seeds)).err


def test_interactive_on_a_terminal_asks_before_each_migration_and_stops_at_no(
    trenova_database: str, seeded_project: tuple[Path, Path]
) -> None:
    import os
    import pty
    import subprocess
    import time

    sql, seeds = seeded_project
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trenova_db", "migrate", "-i", *args(trenova_database, sql, seeds)],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=sql.parent,
    )
    os.close(slave)
    try:
        assert proc.stderr is not None
        prompts = []
        for answer in ("y", "n"):
            seen = ""
            deadline = time.monotonic() + 30
            while not seen.endswith("(n): ") and time.monotonic() < deadline:
                seen += proc.stderr.read(1)
            prompts.append(seen.strip())
            os.write(master, f"{answer}\n".encode())
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
        proc.kill()
    assert prompts == [
        "Apply migration 000001_items.tx.up.sql (tx)? [y/n] (n):",
        "Apply migration 000002_more.up.sql (notx)? [y/n] (n):",
    ]
    assert proc.returncode == 5, err
    assert (
        "error: stopped at the prompt: answered no to "
        "'Apply migration 000002_more.up.sql (notx)?'" in err
    )
    assert "done before this (1): applied 1 (items)" in err
    versions = query(trenova_database, "SELECT version FROM schema_migrations ORDER BY 1")
    assert [r[0] for r in versions] == [1]
