"""Seeds that fail in unusual ways: each is one failed seed, recorded and
explained, never our own exit code, never a password kept in a table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult, query
from tests.support.seed_files import args, seed_file
from trenova_db.seeding.registry import sync_registry

Cli = Callable[..., CliResult]


def test_sys_exit_in_a_seed_is_a_failed_seed_not_our_exit_code(
    trenova_database: str,
    project: tuple[Path, Path],
    cli: Cli,
) -> None:
    sql, seeds = project
    seed_file(
        seeds / "base",
        "00_quits.py",
        "Quits",
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('x', 1)\")\nimport sys\nsys.exit(3)",
    )
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", "--json", *a)
    assert result.code == 1, "3 would claim a lock timeout"
    assert result.json()["error"] == "SeedFailed"
    assert "SystemExit: 3" in result.json()["message"]
    assert query(trenova_database, "SELECT count(*) FROM items") == [(0,)]
    rows = query(trenova_database, "SELECT status::text, error FROM seed_history")
    assert [tuple(r) for r in rows] == [("Inactive", "SystemExit: 3")]


def test_a_password_in_a_seed_error_is_masked_in_seed_history(
    trenova_database: str,
    project: tuple[Path, Path],
    cli: Cli,
) -> None:
    sql, seeds = project
    seed_file(
        seeds / "base",
        "00_leaky.py",
        "Leaky",
        "raise RuntimeError('cannot reach postgresql://feed:Hunter2xyz@feeds.example/db')",
    )
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", *a)
    assert result.code == 1
    assert "Hunter2xyz" not in result.out + result.err
    (error, details) = query(trenova_database, "SELECT error, details::text FROM seed_history")[0]
    assert error == "RuntimeError: cannot reach postgresql://feed:***@feeds.example/db"
    assert "Hunter2xyz" not in details
    assert "feed:***@feeds.example" in details
    audit = query(trenova_database, "SELECT details::text FROM trenova_db_audit")
    assert all("Hunter2xyz" not in r[0] for r in audit)


def test_a_failed_parallel_run_says_which_seeds_it_applied(
    trenova_database: str,
    project: tuple[Path, Path],
    cli: Cli,
) -> None:
    sql, seeds = project
    seed_file(
        seeds / "base",
        "00_fine.py",
        "Fine",
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('f', 1)\")",
    )
    seed_file(seeds / "base", "01_broken.py", "Broken", "raise ValueError('bad row')")
    seed_file(seeds / "base", "02_after.py", "After", "pass", deps=("Broken",))
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", "--parallel", "2", "--json", *a)
    assert result.code == 1
    doc = result.json()
    assert doc["done"] == ["applied Fine"]
    assert "seed Broken" in doc["message"]
    history = query(trenova_database, "SELECT name, status::text FROM seed_history ORDER BY name")
    assert [tuple(r) for r in history] == [("Broken", "Inactive"), ("Fine", "Active")]


def test_numbered_seeds_in_a_folder_no_environment_reads_are_an_error(
    trenova_database: str,
    project: tuple[Path, Path],
    cli: Cli,
) -> None:
    sql, seeds = project
    seed_file(seeds / "base", "00_fine.py", "Fine", "pass")
    seed_file(seeds / "developement", "00_typo.py", "Typo", "pass")
    (seeds / "lib").mkdir()
    (seeds / "lib" / "shared.py").write_text("VALUE = 1\n")  # helper modules are fine
    result = cli("seed-sync", *args(trenova_database, sql, seeds))
    assert result.code == 4
    assert "developement/: 00_typo.py would never run" in result.err
    assert "lib/" not in result.err
    assert not (seeds / "registry.json").exists()
