"""The order seeds run in, and that independent seeds really run at once with --parallel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, query, write_migrations
from tests.support.seed_files import args, seed_file
from trenova_db.seeding.registry import sync_registry

Cli = Callable[..., CliResult]

# Each seed appends its name to run_log (a serial column gives the order it ran
# in) after checking that every seed it depends on has already written its row.
LOGGING_BODY = """
missing = await ctx.conn.fetchval(
    "SELECT array_agg(d) FROM unnest($1::text[]) d WHERE d NOT IN (SELECT name FROM run_log)",
    list(self.depends_on),
)
if missing:
    raise RuntimeError(f"ran before its dependencies {{missing}}")
await ctx.conn.execute("INSERT INTO run_log (name) VALUES ($1)", "{name}")
"""


@pytest.fixture
def logging_project(tmp_path: Path) -> tuple[Path, Path]:
    sql = write_migrations(
        tmp_path / "sql",
        {"000001_log.tx.up.sql": "CREATE TABLE run_log (id serial PRIMARY KEY, name text);\n"},
    )
    return sql, tmp_path / "seeds"


def logged_seed(seeds: Path, filename: str, name: str, deps: tuple[str, ...] = ()) -> None:
    folder = seeds / filename.split("/")[0]
    seed_file(folder, filename.split("/")[1], name, LOGGING_BODY.format(name=name), deps=deps)


def run_log(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT name FROM run_log ORDER BY id")]


@pytest.mark.parametrize("parallel", ["1", "4"])
def test_a_seed_runs_after_the_seeds_it_depends_on_whatever_their_numbers(
    trenova_database: str, logging_project: tuple[Path, Path], cli: Cli, parallel: str
) -> None:
    sql, seeds = logging_project
    # By number alone: Early, Middle, Late, Deep. Early needs Late and Late needs
    # Deep, so one at a time the seeder must run Middle, Deep, Late, Early.
    logged_seed(seeds, "base/00_early.py", "Early", deps=("Late",))
    logged_seed(seeds, "base/01_middle.py", "Middle")
    logged_seed(seeds, "base/02_late.py", "Late", deps=("Deep",))
    logged_seed(seeds, "base/03_deep.py", "Deep")
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", "--json", "--parallel", parallel, *a)
    assert result.code == 0, result.err
    order = run_log(trenova_database)
    assert sorted(order) == ["Deep", "Early", "Late", "Middle"]
    assert order.index("Deep") < order.index("Late") < order.index("Early")
    if parallel == "1":
        assert order == ["Middle", "Deep", "Late", "Early"]
        # the report lists seeds in the order they run
        assert [s["name"] for s in result.json()["seeds"]] == order
    history = [
        r[0]
        for r in query(
            trenova_database, "SELECT name FROM seed_history WHERE status = 'Active' ORDER BY id"
        )
    ]
    if parallel == "1":
        assert history == order
    else:
        # Independent seeds (Middle, Deep) commit in whichever order they finish;
        # a dependent one commits only after what it depends on.
        assert history.index("Deep") < history.index("Late") < history.index("Early")


def test_without_dependencies_seeds_run_by_folder_then_number(
    trenova_database: str, logging_project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = logging_project
    logged_seed(seeds, "base/00_a.py", "A")
    logged_seed(seeds, "development/00_b.py", "B")
    logged_seed(seeds, "base/05_c.py", "C", deps=("A",))
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds, "--env", "dev")
    assert cli("migrate", *a).code == 0
    assert cli("seed", *a).code == 0
    # base before development, whatever the numbers; C after A
    assert run_log(trenova_database) == ["A", "C", "B"]


# Four independent seeds that can only all succeed if they run at the same time:
# each counts itself in with nextval() (sequences are not transactional, so the
# count is visible to every session at once, unlike uncommitted rows) and waits
# until all four have arrived. Run one after another, the first waits for the
# others up to a generous limit, which never comes, and fails.
BARRIER_BODY = """
import anyio

await ctx.conn.execute("SELECT nextval('arrivals')")
arrived = 0
with anyio.move_on_after(60):
    while arrived < 4:
        arrived = await ctx.conn.fetchval("SELECT last_value FROM arrivals")
        if arrived < 4:
            await anyio.sleep(0.02)
if arrived < 4:
    raise RuntimeError(f"barrier: only {{arrived}} of 4 seeds were running at once")
await ctx.conn.execute(
    "INSERT INTO runs (name, pid, peers) VALUES ($1, pg_backend_pid(), $2)", "{name}", arrived
)
"""


def test_parallel_seeds_run_at_once_on_separate_connections(
    trenova_database: str, tmp_path: Path, cli: Cli
) -> None:
    sql = write_migrations(
        tmp_path / "sql",
        {
            "000001_runs.tx.up.sql": "CREATE TABLE runs (name text PRIMARY KEY, pid int, "
            "peers int); CREATE SEQUENCE arrivals;"
        },
    )
    seeds = tmp_path / "seeds"
    for n in range(4):
        name = f"Worker{n}"
        seed_file(seeds / "base", f"0{n}_worker{n}.py", name, BARRIER_BODY.format(n=n, name=name))
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", "--json", "--parallel", "4", *a)
    assert result.code == 0, result.err
    rows = query(trenova_database, "SELECT name, pid, peers FROM runs ORDER BY name")
    assert [r[0] for r in rows] == ["Worker0", "Worker1", "Worker2", "Worker3"]
    assert len({r[1] for r in rows}) == 4, "the four seeds shared a connection"
    assert {r[2] for r in rows} == {4}
