"""The seeder against a real PostgreSQL: the shipped seeds and made-up ones."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import ROOT, CliResult, default_sigint, query, run
from tests.support.seed_files import args, seed_file
from trenova_db import Environment
from trenova_db.seeding.helpers import verify_password
from trenova_db.seeding.ids import pulid
from trenova_db.seeding.registry import sync_registry

Cli = Callable[..., CliResult]
SEEDS = ROOT / "seeds"
SQL = ROOT / "sql"


def counts(url: str) -> dict[str, int]:
    out = {}
    for table in (
        "us_states",
        "business_units",
        "organizations",
        "users",
        "roles",
        "policies",
        "user_organization_memberships",
        "user_organization_roles",
    ):
        out[table] = query(url, f"SELECT count(*) FROM {table}")[0][0]
    return out


def test_production_applies_only_base_seeds_and_a_second_run_applies_nothing(
    trenova_migrated_database: str, cli: Cli
) -> None:
    a = args(trenova_migrated_database, SQL, SEEDS, "--env", "prod", "--json")
    first = cli("seed", *a)
    assert first.code == 0, first.err
    applied = [s["name"] for s in first.json()["seeds"] if s["state"] == "applied"]
    assert applied == ["USStates", "PermissionsAndPolicies", "AdminAccount", "HazmatExpiration"]
    second = cli("seed", *a)
    assert second.code == 0
    assert {s["state"] for s in second.json()["seeds"]} == {"skipped"}
    c = counts(trenova_migrated_database)
    assert (c["us_states"], c["business_units"], c["organizations"], c["users"]) == (51, 1, 1, 1)
    rows = query(
        trenova_migrated_database,
        "SELECT environment, status::text FROM seed_history ORDER BY name",
    )
    assert {tuple(r) for r in rows} == {("production", "Active")}


def test_admin_password_comes_from_the_environment_or_is_random_and_must_change(
    trenova_migrated_database: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRENOVA_ADMIN_PASSWORD", "Correct-Horse-9")
    assert cli("seed", *args(trenova_migrated_database, SQL, SEEDS, "--env", "prod")).code == 0
    (pw_hash, must_change) = query(
        trenova_migrated_database,
        "SELECT password, must_change_password FROM users WHERE username = 'admin'",
    )[0]
    assert verify_password("Correct-Horse-9", pw_hash)
    assert must_change is False


_PULID = re.compile(r"\b[a-z]+_[0-9A-HJKMNP-TV-Z]{26}\b")
_TIMES = ("created_at", "updated_at", "joined_at", "assigned_at", "applied_at")


async def _canonical_tables(url: str) -> dict[str, list[str]]:
    """Every row of every application table, comparable across two databases.

    Generated ids (PULIDs, also inside arrays and JSON), epoch-second times and
    salted password hashes differ from one run to the next, so each PULID is
    replaced by a label made of the row it identifies (its other columns), and
    times and hashes by a placeholder; every other column is compared as it is.
    """
    import asyncpg

    from trenova_db.testing import table_snapshot

    conn = await asyncpg.connect(url)
    try:
        tables = sorted(await table_snapshot(conn))  # the plugin's list of application tables
        rows = {t: [dict(r) for r in await conn.fetch(f'SELECT * FROM "{t}"')] for t in tables}
    finally:
        await conn.close()

    def plain(key: str, value: Any) -> bool:
        return key not in _TIMES and key != "password" and not _PULID.search(repr(value))

    labels: dict[str, str] = {}
    for table, records in rows.items():
        for r in records:
            if isinstance(r.get("id"), str) and _PULID.fullmatch(r["id"]):
                own = {k: v for k, v in r.items() if plain(k, v)}
                labels[r["id"]] = f"{table}{sorted(own.items())}"

    def canonical(r: dict[str, Any]) -> str:
        out = {}
        for k, v in sorted(r.items()):
            if k == "password":
                v = "<hash>"
            elif k in _TIMES:
                v = "<time>"
            elif k == "id":
                v = "id"
            else:
                v = _PULID.sub(lambda m: labels.get(m.group(0), "<dangling>"), repr(v))
            out[k] = v
        return repr(out)

    return {t: sorted(canonical(r) for r in records) for t, records in rows.items()}


def test_parallel_seeding_gives_the_same_tables_as_sequential(
    trenova_server_url: str, trenova_template: str, cli: Cli
) -> None:
    from trenova_db.testing import create_database, database_url, drop_database

    results: list[dict[str, list[str]]] = []
    for parallel in ("1", "4"):
        name = create_database(trenova_server_url, template=trenova_template)
        url = database_url(trenova_server_url, name)
        try:
            r = cli("seed", *args(url, SQL, SEEDS, "--env", "test", "--parallel", parallel))
            assert r.code == 0, r.err
            results.append(run(lambda url=url: _canonical_tables(url)))  # type: ignore[misc]
        finally:
            drop_database(trenova_server_url, name)
    sequential, parallel_run = results
    assert len(sequential["users"]) >= 1 and len(sequential["us_states"]) == 51
    for table in sequential:
        assert parallel_run[table] == sequential[table], f"{table} differs"
    assert parallel_run == sequential


def test_a_raising_seed_leaves_no_data_an_inactive_row_and_exit_1(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    seed_file(
        seeds / "base",
        "00_good.py",
        "Good",
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('good', 1)\")",
    )
    seed_file(
        seeds / "base",
        "01_bad.py",
        "Bad",
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('bad', 1)\")\n"
        "raise RuntimeError('boom: supplier feed missing')",
        deps=("Good",),
    )
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    result = cli("seed", *a)
    assert result.code == 1
    assert (
        "seed Bad (base/01_bad.py:14) failed: RuntimeError: boom: supplier feed missing"
        in result.err
    )
    assert query(trenova_database, "SELECT name FROM items") == [("good",)]
    rows = query(
        trenova_database, "SELECT name, status::text, error FROM seed_history ORDER BY name"
    )
    assert [tuple(r) for r in rows] == [
        ("Bad", "Inactive", "RuntimeError: boom: supplier feed missing"),
        ("Good", "Active", None),
    ]
    status = cli("status", "--json", *a)
    states = {s["name"]: s["state"] for s in status.json()["seeds"]}
    assert states == {"Good": "applied", "Bad": "failed"}


def test_stale_registry_cycles_and_unknown_dependencies_exit_4(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    seed_file(seeds / "base", "00_a.py", "A", "pass", deps=("B",))
    seed_file(seeds / "base", "01_b.py", "B", "pass", deps=("A",))
    a = args(trenova_database, sql, seeds)
    stale = cli("seed", *a)
    assert stale.code == 4
    assert "is missing but 2 seed file(s) exist" in stale.err
    assert "seed-sync" in stale.err
    synced = cli("seed-sync", "--json", *a)
    assert synced.code == 4  # written, but the graph is reported broken
    assert synced.json()["problems"] == ["seed dependencies form a cycle: A -> B -> A"]
    check = cli("seed-check", "--json", *a)
    assert check.code == 4
    assert check.json()["problems"] == ["seed dependencies form a cycle: A -> B -> A"]
    cycle = cli("seed", *a)
    assert cycle.code == 4
    assert "seed dependencies form a cycle: A -> B -> A" in cycle.err
    assert query(trenova_database, "SELECT to_regclass('seed_history')") == [(None,)]
    seed_file(seeds / "base", "01_b.py", "B", "pass", deps=("Nope",))
    assert "B: file changed since the registry was written" in cli("seed", *a).err
    sync_registry(seeds)
    unknown = cli("seed", *a)
    assert unknown.code == 4
    assert "B (base/01_b.py) depends on unknown seed 'Nope'" in unknown.err


def test_force_version_bump_and_modified_files(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    body = (
        "await ctx.conn.execute(\"INSERT INTO items VALUES ('x', 1) ON CONFLICT (name) "
        'DO UPDATE SET n = items.n + 1")'
    )
    path = seed_file(seeds / "base", "00_counter.py", "Counter", body)
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds, "--json")
    assert cli("migrate", *a).code == 0
    assert cli("seed", *a).code == 0
    assert cli("seed", *a).json()["seeds"][0]["state"] == "skipped"
    assert cli("seed", "--force", *a).json()["seeds"][0]["state"] == "applied"
    assert query(trenova_database, "SELECT n FROM items") == [(2,)]
    path.write_text(path.read_text().replace("test seed", "test seed, edited"))
    sync_registry(seeds)
    modified = cli("seed", *a).json()["seeds"][0]
    assert modified["state"] == "modified"
    assert "modified since applied" in modified["note"]
    seed_file(seeds / "base", "00_counter.py", "Counter", body, version="1.1.0")
    sync_registry(seeds)
    assert cli("seed", *a).json()["seeds"][0]["state"] == "applied"
    assert query(trenova_database, "SELECT n FROM items") == [(3,)]
    dry = cli("seed", "--dry-run", "--force", *a).json()
    assert dry["seeds"][0]["state"] == "would-apply"
    assert query(trenova_database, "SELECT n FROM items") == [(3,)]


def test_seed_rollback_runs_rollback_and_marks_inactive(
    trenova_migrated_database: str, cli: Cli
) -> None:
    url = trenova_migrated_database
    a = args(url, SQL, SEEDS, "--env", "staging")
    assert cli("seed", *a).code == 0
    hazmat = "SELECT count(*) FROM hazmat_expirations"
    assert query(url, hazmat) == [(1,)]
    assert cli("seed-rollback", "HazmatExpiration", *a).code == 5  # staging: confirm first
    done = cli("seed-rollback", "HazmatExpiration", "--force", *a)
    assert done.code == 0, done.err
    assert query(url, hazmat) == [(0,)]
    (status,) = query(url, "SELECT status::text FROM seed_history WHERE name = 'HazmatExpiration'")[
        0
    ]
    assert status == "Inactive"
    refused = cli("seed-rollback", "AdminAccount", "--force", *a)
    assert refused.code == 4, "like a migration without a down file"
    assert "defines no rollback(); nothing was rolled back" in refused.err
    again = cli("seed", *a, "--json")
    applied = [s["name"] for s in again.json()["seeds"] if s["state"] == "applied"]
    assert applied == ["HazmatExpiration"]
    assert query(url, hazmat) == [(1,)]


def test_orphans_are_listed_and_cleaned_only_with_confirmation(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    gone = seed_file(seeds / "base", "00_gone.py", "Gone", "pass")
    seed_file(seeds / "base", "01_kept.py", "Kept", "pass")
    sync_registry(seeds)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    assert cli("seed", *a).code == 0
    gone.unlink()
    check = cli("seed-check", "--json", *a).json()
    assert [s["name"] for s in check["seeds"]] == ["Gone"]
    assert check["problems"] == [
        f"{seeds / 'registry.json'} is stale (Gone: in the registry, but its file is gone): "
        "run `trenova-db seed-sync`"
    ]
    history_sql = "SELECT * FROM seed_history ORDER BY id"
    history_before = query(trenova_database, history_sql)
    registry_before = (seeds / "registry.json").read_bytes()
    refused = cli("seed-clean", *a)
    assert refused.code == 5
    assert "no terminal to ask on" in refused.err
    assert query(trenova_database, history_sql) == history_before
    assert (seeds / "registry.json").read_bytes() == registry_before
    assert "Gone" in registry_before.decode()
    cleaned = cli("seed-clean", "--force", *a)
    assert cleaned.code == 0, cleaned.err
    rows = query(trenova_database, "SELECT name, status::text, notes FROM seed_history ORDER BY 1")
    assert rows[0][:2] == ("Gone", "Orphaned")
    assert "seed file removed" in rows[0][2]
    assert rows[1][:2] == ("Kept", "Active")
    assert cli("seed-check", "--json", *a).json()["seeds"] == []
    assert cli("seed", *a).code == 0  # the registry was regenerated


def test_reset_is_refused_in_production_and_without_confirmation(
    trenova_migrated_database: str, cli: Cli
) -> None:
    a = args(trenova_migrated_database, SQL, SEEDS)
    prod = cli("reset", "--force", "--env", "production", *a)
    assert prod.code == 5
    assert "reset is refused in production" in prod.err
    assert cli("reset", "--force", "--env", "staging", *a).code == 5
    unconfirmed = cli("reset", "--env", "dev", *a)
    assert unconfirmed.code == 5
    assert "no terminal to ask on" in unconfirmed.err
    assert cli("seed", "--env", "dev", *a).code == 0
    seeded = counts(trenova_migrated_database)
    assert seeded["users"] >= 1
    done = cli("reset", "--force", "--seed", "--env", "dev", *a)
    assert done.code == 0, done.err
    assert counts(trenova_migrated_database) == seeded
    audit = query(
        trenova_migrated_database, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id"
    )
    # refusals are audited, and the trail survives the reset
    assert [tuple(r) for r in audit] == [
        ("migrate", "success"),
        ("reset", "refused"),
        ("reset", "refused"),
        ("reset", "refused"),
        ("seed", "success"),
        ("migrate", "success"),
        ("reset", "success"),
        ("seed", "success"),
    ]


def test_create_seed_writes_the_next_file_and_updates_the_registry(
    tmp_path: Path, cli: Cli
) -> None:
    seeds = tmp_path / "seeds"
    first = cli("create-seed", "load-customers", "--dev", "--seeds-dir", str(seeds))
    assert first.code == 0, first.err
    created = seeds / "development" / "00_load_customers.py"
    assert created.is_file()
    assert "LoadCustomers" in (seeds / "registry.json").read_text()
    second = cli("create-seed", "more", "--dev", "--seeds-dir", str(seeds))
    assert second.code == 0
    assert (seeds / "development" / "01_more.py").is_file()
    assert cli("create-seed", "more", "--dev", "--seeds-dir", str(seeds)).code == 2
    bad = cli("create-seed", "../evil", "--seeds-dir", str(seeds))
    assert bad.code == 2
    assert "invalid seed name '../evil'" in bad.err


def _lines(stream: Any) -> queue.Queue[str]:
    """Lines of a child's pipe as they come, read on a thread (no fixed sleeps)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], seen: list[str], text: str) -> str:
    """The next line containing ``text`` (generous limit: only a hang ever reaches it)."""
    while True:
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            raise AssertionError(f"no line with {text!r}; got {seen}") from None
        seen.append(line)
        if text in line:
            return line


def test_seed_watch_regenerates_the_registry_when_a_file_is_added_changed_or_removed(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trenova_db",
            "seed-watch",
            "--seeds-dir",
            str(seeds),
            "--debounce",
            "100",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ},
        preexec_fn=default_sigint,  # Ctrl-C reaches it even if pytest ignores SIGINT
    )
    assert proc.stderr is not None
    lines = _lines(proc.stderr)
    seen: list[str] = []
    registry = seeds / "registry.json"
    try:
        _wait_for(lines, seen, "seed-watch: watching")
        assert registry.exists()
        path = seed_file(seeds / "base", "00_new.py", "Brand", "pass")
        assert "+1 -0 ~0" in _wait_for(lines, seen, "registry updated")
        assert "Brand" in registry.read_text()
        assert '"test seed"' in registry.read_text()
        path.write_text(path.read_text().replace("test seed", "edited seed"))
        assert "+0 -0 ~1" in _wait_for(lines, seen, "registry updated")
        assert "edited seed" in registry.read_text()
        path.unlink()
        assert "+0 -1 ~0" in _wait_for(lines, seen, "registry updated")
        assert "Brand" not in registry.read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 130, seen
    _wait_for(lines, seen, "seed-watch: stopped")


def test_seed_watch_json_prints_one_document_per_sync(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "trenova_db", "seed-watch", "--seeds-dir", str(seeds), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    out = _lines(proc.stdout)
    seen: list[str] = []
    try:
        first = json.loads(_wait_for(out, seen, "{"))
        assert (first["seeds"], first["changed"]) == (0, True)
        seed_file(seeds / "base", "00_new.py", "Brand", "pass")
        second = json.loads(_wait_for(out, seen, "{"))
        assert (second["seeds"], second["diff"]["added"]) == (1, ["Brand"])
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 130


def test_copy_rows_bulk_loads_and_counts(trenova_migrated_database: str) -> None:
    import asyncpg

    from trenova_db.seeding import SeedContext

    async def load() -> dict[str, int]:
        conn = await asyncpg.connect(trenova_migrated_database)
        try:
            async with conn.transaction():
                ctx = SeedContext(conn, Environment.TEST, seed_name="copy")
                await ctx.copy_rows(
                    "us_states",
                    ["id", "name", "abbreviation"],
                    [(pulid("us"), f"State {c}", f"Q{c}") for c in "ABCDE"],
                )
                return ctx.rows
        finally:
            await conn.close()

    assert run(load) == {"us_states": 5}
    assert counts(trenova_migrated_database)["us_states"] == 5


def test_setup_migrates_then_seeds_and_audits_every_run(trenova_database: str, cli: Cli) -> None:
    a = args(trenova_database, SQL, SEEDS, "--env", "production")
    first = cli("setup", *a)
    assert first.code == 0, first.err
    assert counts(trenova_database)["users"] == 1  # the admin account
    second = cli("setup", "--json", *a)
    assert second.code == 0
    doc = second.json()
    assert doc["migrate"]["applied"] == []
    assert {s["state"] for s in doc["seed"]["seeds"]} == {"skipped"}
    audit = query(trenova_database, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id")
    assert [tuple(r) for r in audit] == [
        ("migrate", "success"),
        ("seed", "success"),
        ("setup", "success"),
        ("migrate", "noop"),
        ("seed", "noop"),
        ("setup", "success"),
    ]


def test_ignored_files_are_listed_not_run(
    trenova_database: str, project: tuple[Path, Path], cli: Cli
) -> None:
    sql, seeds = project
    (sql / "README.md").write_text("# notes")
    (sql / "fixup.sql").write_text("DROP TABLE items;")
    result = cli("migrate", *args(trenova_database, sql, seeds))
    assert result.code == 0
    assert "ignored (not migrations): README.md, fixup.sql" in result.out
    assert query(trenova_database, "SELECT count(*) FROM items") == [(0,)]


def test_seeds_import_their_helpers_relatively_and_two_projects_never_share_modules(
    trenova_database: str, tmp_path: Path
) -> None:
    """Two projects in one process, each with a `_common.py` beside its seed and a
    `_shared.py` at the top of its seeds folder, the same file names in both."""
    import trenova_db

    projects = []
    for label in ("north", "south"):
        root = tmp_path / label
        sql = root / "sql"
        sql.mkdir(parents=True)
        seeds = root / "seeds"
        (seeds / "base").mkdir(parents=True)
        (seeds / "_shared.py").write_text(f"REGION = {label!r}\n")
        (seeds / "base" / "_common.py").write_text(
            "from .._shared import REGION\n\n\ndef row() -> tuple[str, int]:\n"
            f"    return (REGION + '-item', {len(label)})\n"
        )
        seed_file(
            seeds / "base",
            "00_items.py",
            label.capitalize() + "Items",
            "from ._common import row\n"
            f"await ctx.conn.execute('CREATE TABLE IF NOT EXISTS {label} (name text, n int)')\n"
            f"await ctx.conn.execute('INSERT INTO {label} VALUES ($1, $2)', *row())",
        )
        sync_registry(seeds)
        projects.append((label, sql, seeds))

    async def seed_project(sql: Path, seeds: Path) -> Any:
        return await trenova_db.seed(trenova_database, migrations_dir=sql, seeds_dir=seeds)

    for label, sql, seeds in projects:
        report = anyio.run(seed_project, sql, seeds)
        assert [(s.name, s.state) for s in report.seeds] == [
            (label.capitalize() + "Items", "applied")
        ]
    assert query(trenova_database, "SELECT name, n FROM north") == [("north-item", 5)]
    assert query(trenova_database, "SELECT name, n FROM south") == [("south-item", 5)]
    names = sorted(
        n for n in sys.modules if n.startswith("trenova_seeds.") and n.endswith("_common")
    )
    assert len(names) == 2, names
    assert {sys.modules[n].__file__ for n in names} == {
        str(seeds / "base" / "_common.py") for _, _, seeds in projects
    }
