"""What `status`, seed_history details, `seed --verbose` and the audit table say about seeds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import msgspec

from tests.conftest import CliResult, query
from tests.support.seed_files import args, seed_file
from trenova_db.seeding.registry import sync_registry

Cli = Callable[..., CliResult]

COPY = "await ctx.copy_rows('items', ['name', 'n'], [('a', 1), ('b', 2), ('c', 3)])"
ROLLBACK = """

    async def rollback(self, ctx: SeedContext) -> None:
        ctx.count("items", int((await ctx.conn.execute("DELETE FROM items")).split()[-1]))
"""


def states(cli: Cli, a: tuple[str, ...]) -> dict[str, tuple[str, str | None]]:
    result = cli("status", "--json", *a)
    assert result.code in (0, 1), result.err
    return {
        s["name"]: (s["state"], s.get("note") or s.get("error")) for s in result.json()["seeds"]
    }


def test_status_shows_seeds_applied_pending_modified_failed_and_orphaned(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    seed_file(seeds / "base", "00_same.py", "Same", "pass")
    edited = seed_file(seeds / "base", "01_edited.py", "Edited", "pass")
    gone = seed_file(seeds / "base", "02_gone.py", "Gone", "pass")
    seed_file(seeds / "base", "03_broken.py", "Broken", "raise ValueError('bad row')")
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    assert cli("seed", *a).code == 1  # Broken fails; the others are applied
    edited.write_text(edited.read_text().replace("test seed", "test seed, edited"))
    gone.unlink()
    seed_file(seeds / "base", "04_later.py", "Later", "pass")
    sync_registry(seeds)
    assert states(cli, a) == {
        "Same": ("applied", None),
        "Edited": ("modified", "modified since applied (same version)"),
        "Broken": ("failed", "ValueError: bad row"),
        "Later": ("pending", None),
        "Gone": ("orphaned", "file deleted"),
    }
    text = cli("status", *a)
    assert "seeds: 1 applied, 1 failed, 1 modified, 1 orphaned, 1 pending" in text.out
    assert cli("seed-clean", "--force", *a).code == 0
    assert states(cli, a)["Gone"] == ("orphaned", "marked Orphaned")
    # a new version of an applied seed is pending, and says which version ran before
    seed_file(seeds / "base", "00_same.py", "Same", "pass", version="2.0.0")
    sync_registry(seeds)
    assert states(cli, a)["Same"] == ("pending", "version 1.0.0 applied before")


def test_a_rolled_back_seed_shows_as_pending(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    path = seed_file(seeds / "base", "00_copy.py", "Copy", COPY)
    path.write_text(path.read_text() + ROLLBACK)
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    assert cli("seed", *a).code == 0
    assert states(cli, a) == {"Copy": ("applied", None)}
    assert cli("seed-rollback", "Copy", *a).code == 0
    assert states(cli, a) == {"Copy": ("pending", "rolled back")}


def test_seed_history_details_hold_the_duration_and_the_rows_each_table_got(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    seed_file(
        seeds / "base",
        "00_copy.py",
        "Copy",
        COPY + "\nawait ctx.conn.execute(\"UPDATE items SET n = 10 WHERE name = 'a'\")"
        "\nctx.count('items_updated')",
    )
    seed_file(seeds / "base", "01_bad.py", "Bad", "raise KeyError('nope')", deps=("Copy",))
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", "--json", *a)
    assert result.code == 1
    rows = {
        r[0]: msgspec.json.decode(r[1])
        for r in query(trenova_database, "SELECT name, details FROM seed_history")
    }
    good, bad = rows["Copy"], rows["Bad"]
    assert good["rows"] == {"items": 3, "items_updated": 1}
    assert isinstance(good["duration_ms"], int | float) and good["duration_ms"] >= 0
    assert good["path"] == "base/00_copy.py"
    assert good["host"]
    assert isinstance(bad["duration_ms"], int | float) and bad["duration_ms"] >= 0
    assert "KeyError: 'nope'" in bad["traceback"]
    assert "rows" not in bad  # it was rolled back: nothing written


def test_seed_verbose_prints_one_line_per_seed_with_its_rows(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    seed_file(
        seeds / "base", "00_copy.py", "Copy", "await ctx.conn.execute('TRUNCATE items')\n" + COPY
    )
    seed_file(seeds / "base", "01_noop.py", "Noop", "pass")
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    verbose = cli("seed", "--verbose", *a)
    assert verbose.code == 0, verbose.err
    assert "seed 1/2: Copy" in verbose.out
    assert "seed 2/2: Noop" in verbose.out
    copy_line = next(line for line in verbose.out.splitlines() if line.split()[:1] == ["Copy"])
    assert "applied" in copy_line and "3 rows" in copy_line and " ms" in copy_line
    assert "seed: 2 applied, 0 skipped" in verbose.out
    quiet = cli("seed", "--force", *a)
    assert quiet.code == 0
    assert "seed 1/2" not in quiet.out


def test_seed_rollback_and_seed_clean_are_audited(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    path = seed_file(seeds / "base", "00_copy.py", "Copy", COPY)
    path.write_text(path.read_text() + ROLLBACK)
    failing = seed_file(seeds / "base", "01_stuck.py", "Stuck", "pass")
    failing.write_text(
        failing.read_text()
        + "\n    async def rollback(self, ctx: SeedContext) -> None:\n"
        + "        raise RuntimeError('cannot undo')\n"
    )
    gone = seed_file(seeds / "base", "02_gone.py", "Gone", "pass")
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    assert cli("seed", *a).code == 0
    assert cli("seed-rollback", "Copy", *a).code == 0
    assert cli("seed-rollback", "Stuck", *a).code == 1
    gone.unlink()
    assert cli("seed-clean", *a).code == 5  # refused: not audited, nothing happened
    assert cli("seed-clean", "--force", *a).code == 0
    audit = query(
        trenova_database,
        "SELECT operation, outcome, details, actor, finished_at >= started_at "
        "FROM trenova_db_audit WHERE operation IN ('seed-rollback', 'seed-clean') ORDER BY id",
    )
    assert [(r[0], r[1]) for r in audit] == [
        ("seed-rollback", "success"),
        ("seed-rollback", "failed"),
        ("seed-clean", "success"),
    ]
    details = [msgspec.json.decode(r[2]) for r in audit]
    # Every run names its server session (pid, backend_start) while it runs.
    assert {k: v for k, v in details[0].items() if k not in ("pid", "backend_start")} == {
        "seed": "Copy",
        "rows": {"items": 3},
    }
    assert details[1]["seed"] == "Stuck"
    assert "RuntimeError: cannot undo" in details[1]["error"]
    assert details[2]["orphaned"] == ["Gone"]
    assert all(r[3] and r[4] for r in audit)


def test_rows_written_with_plain_sql_are_counted_by_the_server(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    seed_file(
        seeds / "base",
        "00_plain.py",
        "Plain",
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('a', 1), ('b', 2)\")\n"
        "await ctx.conn.execute(\"UPDATE items SET n = 5 WHERE name = 'a'\")\n"
        "await ctx.conn.execute(\"DELETE FROM items WHERE name = 'b'\")",
    )
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", "--json", *a)
    assert result.code == 0, result.err
    (details,) = query(trenova_database, "SELECT details FROM seed_history")[0]
    doc = msgspec.json.decode(details)
    assert doc["written"] == {"items": {"inserted": 2, "updated": 1, "deleted": 1}}
    assert doc["rows"] == {"items": 4}
    assert result.json()["seeds"][0]["rows"] == {"items": 4}
