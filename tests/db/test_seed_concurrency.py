"""Two seed runs at once (two replicas booting): each seed runs exactly once."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli_process, query, write_migrations
from tests.support.seed_files import seed_file
from trenova_db.seeding.registry import sync_registry


def test_two_seed_runs_at_once_apply_each_seed_once(trenova_database: str, tmp_path: Path) -> None:
    sql = write_migrations(
        tmp_path / "sql", {"000001_runs.tx.up.sql": "CREATE TABLE runs (seed text, pid int);\n"}
    )
    seeds = tmp_path / "seeds"
    seed_file(
        seeds / "base",
        "00_slow.py",
        "Slow",
        "await ctx.conn.execute(\"INSERT INTO runs VALUES ('Slow', pg_backend_pid())\")\n"
        'await ctx.conn.execute("SELECT pg_sleep(1)")',
    )
    seed_file(
        seeds / "base",
        "01_next.py",
        "Next",
        "await ctx.conn.execute(\"INSERT INTO runs VALUES ('Next', pg_backend_pid())\")",
        deps=("Slow",),
    )
    sync_registry(seeds)
    a = (
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(sql),
        "--seeds-dir",
        str(seeds),
    )
    migrate = cli_process("migrate", *a)
    assert migrate.wait(timeout=60) == 0
    procs = [cli_process("seed", *a) for _ in range(2)]
    results = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    runs = query(trenova_database, "SELECT seed, count(*) FROM runs GROUP BY 1 ORDER BY 1")
    assert [tuple(r) for r in runs] == [("Next", 1), ("Slow", 1)]
    audit = query(
        trenova_database,
        "SELECT outcome, count(*) FROM trenova_db_audit WHERE operation = 'seed' GROUP BY 1 "
        "ORDER BY 1",
    )
    assert [tuple(r) for r in audit] == [("noop", 1), ("success", 1)]
