"""`trenova-db adopt`: taking over a database another tool manages, against a real
PostgreSQL, with databases built as each tool leaves them (tests/support/foreign_tools.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import CliResult, run
from tests.support.foreign_tools import (
    V1,
    V2,
    V3,
    bun_database,
    bun_project,
    dbmate_database,
    execute,
    fetch_all,
    go_checksum,
    golang_migrate_database,
    goose_database,
    pulid,
    snapshot,
    trenova_tables,
)
from trenova_db import AdoptReport, adopt

Cli = Callable[..., CliResult]

V4 = 20250801000000


def args(url: str, sql: Path, seeds: Path, *extra: str) -> tuple[str, ...]:
    return ("--database-url", url, "--migrations-dir", str(sql), "--seeds-dir", str(seeds), *extra)


def recorded(url: str) -> list[tuple[int, str, int, str]]:
    return [
        (r[0], r[1], r[2], r[3])
        for r in fetch_all(
            url,
            "SELECT version, kind, batch, checksum FROM schema_migrations ORDER BY version",
        )
    ]


def test_adopt_from_bun_records_its_versions_keeps_the_go_seed_history_and_then_every_command_works(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql)
    enum_oid = fetch_all(url, "SELECT 'seed_status_enum'::regtype::oid")[0][0]
    bun_rows = fetch_all(url, "SELECT * FROM bun_migrations ORDER BY id")
    a = args(url, sql, seeds)

    result = cli("adopt", *a, "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["tool"] == "bun"
    assert [(m["version"], m["state"], m["batch"]) for m in report["migrations"]] == [
        (V1, "recorded", 1),
        (V2, "recorded", 1),
        (V3, "recorded", 2),
    ]
    assert report["seeds_kept"] == 2

    # Exactly Bun's versions, group_id as batch, migrated_at as applied_at,
    # checksums of today's files.
    files = {p.name.split("_", 1)[0]: p for p in sql.glob("*.up.sql")}
    from trenova_db.discovery import discover_migrations

    checksums = {m.version: m.checksum for m in discover_migrations(sql).migrations}
    assert recorded(url) == [
        (V1, "tx", 1, checksums[V1]),
        (V2, "tx", 1, checksums[V2]),
        (V3, "notx", 2, checksums[V3]),
    ]
    assert len(files) == 3
    applied_at = fetch_all(
        url, "SELECT extract(epoch FROM applied_at)::bigint FROM schema_migrations ORDER BY 1"
    )
    assert [r[0] for r in applied_at] == [1751300000, 1751300060, 1751300120]

    # The Go seed_history became trenova-db's in place: rows, ids, md5, times kept;
    # the Go enum reused (same type); Bun's own tables untouched.
    assert fetch_all(
        url,
        "SELECT go_id, name, version, environment, checksum, "
        "extract(epoch FROM applied_at)::bigint, applied_by, status::text "
        "FROM seed_history ORDER BY id",
    ) == [
        (
            pulid("seed", 0),
            "USStates",
            "1.0.0",
            "development",
            "md5:" + go_checksum("USStates"),
            1751300180,
            "system",
            "Active",
        ),
        (
            pulid("seed", 1),
            "AdminAccount",
            "1.0.0",
            "development",
            "md5:" + go_checksum("AdminAccount"),
            1751300181,
            "system",
            "Active",
        ),
    ]
    assert fetch_all(url, "SELECT 'seed_status_enum'::regtype::oid")[0][0] == enum_oid
    assert fetch_all(url, "SELECT * FROM bun_migrations ORDER BY id") == bun_rows
    assert fetch_all(url, "SELECT count(*) FROM bun_migration_locks") == [(0,)]

    # status: every migration applied; the Go tool's seeds applied, not "modified".
    status = cli("status", *a, "--json")
    assert status.code == 0, status.err
    doc = status.json()
    assert [(m["version"], m["state"]) for m in doc["migrations"]] == [
        (V1, "applied"),
        (V2, "applied"),
        (V3, "applied"),
    ]
    assert doc.get("problems", []) == []
    assert {s["name"]: s["state"] for s in doc["seeds"]} == {
        "USStates": "applied",
        "AdminAccount": "applied",
        "TestOrganizations": "pending",
    }

    # migrate is a no-op; then a new migration applies.
    noop = cli("migrate", *a, "--json")
    assert noop.code == 0, noop.err
    assert noop.json()["applied"] == []
    (sql / f"{V4}_workers.tx.up.sql").write_text("CREATE TABLE workers (id text PRIMARY KEY);\n")
    new = cli("migrate", *a, "--json")
    assert new.code == 0, new.err
    assert [(m["version"], m["batch"]) for m in new.json()["applied"]] == [(V4, 3)]

    # seed: what the Go tool ran is skipped (those seeds raise if run), the rest runs.
    seeded = cli("seed", *a, "--json")
    assert seeded.code == 0, seeded.err
    assert {s["name"]: s["state"] for s in seeded.json()["seeds"]} == {
        "USStates": "skipped",
        "AdminAccount": "skipped",
        "TestOrganizations": "applied",
    }
    assert fetch_all(url, "SELECT id, name FROM organizations") == [("org_1", "Trenova Logistics")]

    # A second adopt has nothing to do, and says so.
    again = cli("adopt", *a)
    assert again.code == 0, again.err
    assert again.out.startswith(
        "adopt: nothing to do; trenova-db already manages this database "
        "(bun's history is recorded, schema public)"
    )
    assert fetch_all(url, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id") == [
        ("adopt", "success"),
        ("migrate", "noop"),
        ("migrate", "success"),
        ("seed", "success"),
        ("adopt", "noop"),
    ]


def test_adopt_dry_run_prints_the_mapping_and_writes_nothing(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    sql, seeds = bun_project(tmp_path)
    bun_database(trenova_database, sql)
    before = snapshot(trenova_database)
    result = cli("adopt", *args(trenova_database, sql, seeds), "--dry-run")
    assert result.code == 0, result.err
    assert "adopt from bun — dry run, nothing written" in result.out
    assert f"{V3}  would-record  {V3}_organizations_name_idx.up.sql  bun_migrations id 3" in (
        result.out
    )
    assert "adopt: would record 3 migration(s) from bun, kept 2 Go seed history row(s)" in (
        result.out
    )
    assert snapshot(trenova_database) == before


def test_the_library_adopt_returns_a_typed_report(trenova_database: str, tmp_path: Path) -> None:
    sql, _ = bun_project(tmp_path)
    bun_database(trenova_database, sql)
    report = run(lambda: adopt(trenova_database, migrations_dir=sql, tool="bun"))
    assert isinstance(report, AdoptReport)
    assert [m.version for m in report.migrations] == [V1, V2, V3]
    again = run(lambda: adopt(trenova_database, migrations_dir=sql))
    assert again.nothing_to_do


def test_adopt_from_golang_migrate_records_every_file_up_to_its_version_and_keeps_its_table_aside(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    golang_migrate_database(url, sql, V2)
    a = args(url, sql, seeds)
    result = cli("adopt", *a, "--from", "golang-migrate")
    assert result.code == 0, result.err
    assert "rename public.schema_migrations (golang-migrate's) to " in result.out
    assert [r[0] for r in recorded(url)] == [V1, V2]
    assert fetch_all(url, "SELECT version, dirty FROM schema_migrations_golang_migrate") == [
        (V2, False)
    ]
    migrated = cli("migrate", *a, "--json")
    assert migrated.code == 0, migrated.err
    assert [m["version"] for m in migrated.json()["applied"]] == [V3]
    assert cli("adopt", *a).out.startswith("adopt: nothing to do")


def test_adopt_from_dbmate_records_one_version_per_row(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    dbmate_database(url, sql, [V1, V2])
    a = args(url, sql, seeds)
    result = cli("adopt", *a, "--json")
    assert result.code == 0, result.err
    assert result.json()["tool"] == "dbmate"
    assert [r[0] for r in recorded(url)] == [V1, V2]
    assert fetch_all(url, "SELECT version FROM schema_migrations_dbmate ORDER BY 1") == [
        (str(V1),),
        (str(V2),),
    ]
    status = cli("status", *a, "--json").json()
    assert [(m["version"], m["state"]) for m in status["migrations"]] == [
        (V1, "applied"),
        (V2, "applied"),
        (V3, "pending"),
    ]


def test_adopt_from_goose_takes_the_last_row_per_version(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    goose_database(url, sql, [(V1, True), (V2, True), (V3, True), (V3, False)])
    before = fetch_all(url, "SELECT * FROM goose_db_version ORDER BY id")
    result = cli("adopt", *args(url, sql, seeds), "--json")
    assert result.code == 0, result.err
    assert [r[0] for r in recorded(url)] == [V1, V2]
    assert fetch_all(url, "SELECT * FROM goose_db_version ORDER BY id") == before


def test_auto_with_several_histories_exits_4_listing_them_and_from_picks_one(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql, seeds=())
    goose_database(url, sql, [])
    a = args(url, sql, seeds)
    before = snapshot(url)
    result = cli("adopt", *a)
    assert result.code == 4
    assert result.err == (
        "error: adopt refused: several tools' histories found: Bun (public.bun_migrations); "
        "goose (public.goose_db_version); nothing was written\n"
        "  hint: pick the one that describes this schema with --from bun|goose\n"
    )
    assert snapshot(url) == before
    chosen = cli("adopt", *a, "--from", "bun", "--json")
    assert chosen.code == 0, chosen.err
    assert [r[0] for r in recorded(url)] == [V1, V2, V3]


def test_a_held_bun_lock_exits_4_naming_it_and_force_takes_over(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql, locked=True)
    a = args(url, sql, seeds)
    before = snapshot(url)
    result = cli("adopt", *a)
    assert result.code == 4
    assert result.err == (
        "error: adopt refused; nothing was written\n"
        "  - bun_migration_locks id 1 (bun_migrations): a Bun migration holds the lock, or "
        "crashed holding it (Bun never clears it after a crash)\n"
        "  hint: wait for the Go tool's migration to finish; if none is running, pass --force\n"
    )
    assert snapshot(url) == before
    forced = cli("adopt", *a, "--force")
    assert forced.code == 0, forced.err
    assert [r[0] for r in recorded(url)] == [V1, V2, V3]
    assert fetch_all(url, "SELECT table_name FROM bun_migration_locks") == [("bun_migrations",)]


def test_a_foreign_version_without_a_file_exits_4_naming_it_unless_forget_missing(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql)
    execute(url, "INSERT INTO bun_migrations (name, group_id) VALUES ('20240101000000', 2)")
    a = args(url, sql, seeds)
    before = snapshot(url)
    result = cli("adopt", *a)
    assert result.code == 4
    assert result.err == (
        "error: adopt refused; nothing was written\n"
        f"  - version 20240101000000 (bun_migrations id 4) has no migration file in {sql}\n"
        "  hint: restore the missing files (or point --migrations-dir at the folder the other "
        "tool ran), or pass --forget-missing to leave those versions out\n"
    )
    assert snapshot(url) == before
    forgot = cli("adopt", *a, "--forget-missing", "--json")
    assert forgot.code == 0, forgot.err
    states = {m["version"]: m["state"] for m in forgot.json()["migrations"]}
    assert states[20240101000000] == "forgotten"
    assert [r[0] for r in recorded(url)] == [V1, V2, V3]


# -- every command before adopt ---------------------------------------------------

BUN_REFUSAL = (
    "error: {command} refused: this database's history is kept by another tool: "
    "Bun (public.bun_migrations); the Go seeder (public.seed_history, "
    "public.seed_status_enum); trenova-db has no history here, so nothing was run or created\n"
    "  hint: run `trenova-db adopt` to take the database over (`trenova-db adopt --dry-run` "
    "shows what it would record), or pass --schema to keep trenova-db's tables in another "
    "schema (the other tool's tables are left alone either way)\n"
)

COMMANDS = [
    ("migrate",),
    ("seed",),
    ("setup",),
    ("status",),
    ("rollback",),
    ("repair",),
    ("repair", "--baseline", str(V3)),
    ("seed-clean", "--force"),
    ("seed-check",),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_history_command_on_a_go_managed_database_exits_4_naming_bun_and_adopt(
    trenova_database: str, cli: Cli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql)
    before = snapshot(url)
    result = cli(*command, *args(url, sql, seeds))
    assert result.code == 4, result.err
    assert result.err == BUN_REFUSAL.format(command=command[0])
    assert snapshot(url) == before
    assert trenova_tables(url) == []


@pytest.mark.parametrize("command", COMMANDS[:5], ids=[c[0] for c in COMMANDS[:5]])
def test_a_golang_migrate_schema_migrations_is_recognised_and_never_altered(
    trenova_database: str, cli: Cli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    golang_migrate_database(url, sql, V2)
    before = snapshot(url)
    result = cli(*command, *args(url, sql, seeds))
    assert result.code == 4, result.err
    assert result.err == (
        f"error: {command[0]} refused: this database's history is kept by another tool: "
        "golang-migrate (public.schema_migrations); trenova-db has no history here, so "
        "nothing was run or created\n"
        "  hint: run `trenova-db adopt` to take the database over (`trenova-db adopt "
        "--dry-run` shows what it would record), or pass --schema to keep trenova-db's "
        "tables in another schema (the other tool's tables are left alone either way)\n"
    )
    assert snapshot(url) == before


def test_a_lone_go_seed_status_enum_is_recognised_and_adopt_reuses_it(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    execute(url, "CREATE TYPE seed_status_enum AS ENUM ('Active', 'Inactive', 'Orphaned')")
    oid = fetch_all(url, "SELECT 'seed_status_enum'::regtype::oid")[0][0]
    a = args(url, sql, seeds)
    refused = cli("migrate", *a)
    assert refused.code == 4
    assert "the Go seeder (public.seed_status_enum)" in refused.err
    assert trenova_tables(url) == []
    adopted = cli("adopt", *a)
    assert adopted.code == 0, adopted.err
    assert fetch_all(url, "SELECT 'seed_status_enum'::regtype::oid")[0][0] == oid
    assert cli("migrate", *a).code == 0
    assert cli("status", *a).code == 0


def test_with_schema_trenova_db_keeps_its_tables_elsewhere_and_leaves_the_other_tools_alone(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    golang_migrate_database(url, sql, 0)  # golang-migrate's table, nothing applied
    before = fetch_all(url, "SELECT * FROM public.schema_migrations")
    result = cli("migrate", *args(url, sql, seeds, "--schema", "trenova"))
    assert result.code == 0, result.err
    assert fetch_all(url, "SELECT * FROM public.schema_migrations") == before
    assert [r[0] for r in fetch_all(url, "SELECT version FROM trenova.schema_migrations")] == [
        V1,
        V2,
        V3,
    ]


def test_the_check_costs_nothing_on_an_already_managed_database(
    trenova_database: str, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql, seeds = bun_project(tmp_path)
    a = args(trenova_database, sql, seeds)
    assert cli("migrate", *a).code == 0
    monkeypatch.setenv("TRENOVA_DB_DEBUG", "1")
    again = cli("migrate", *a)
    assert again.code == 0, again.err
    assert "COPY" in again.err  # the statements are logged...
    assert "pg_enum" not in again.err  # ...and the foreign check is not among them


# -- bad input ----------------------------------------------------------------------


def test_duplicate_and_unparsable_bun_names_exit_4_naming_the_rows(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql)
    execute(
        url,
        f"INSERT INTO bun_migrations (name, group_id) VALUES ('{V2}', 2), ('20250101_init', 2)",
    )
    before = snapshot(url)
    result = cli("adopt", *args(url, sql, seeds))
    assert result.code == 4
    assert result.err == (
        "error: adopt refused; nothing was written\n"
        "  - bun_migrations id 5: '20250101_init' is not a migration version (1 to 14 digits)\n"
        f"  - bun_migrations: id 2 and id 4 both record version {V2}\n"
        "  hint: fix those rows in the other tool's table (trenova-db never writes it), then "
        "run `trenova-db adopt` again\n"
    )
    assert snapshot(url) == before


def test_a_dirty_golang_migrate_version_exits_4(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    golang_migrate_database(url, sql, V2, dirty=True)
    before = snapshot(url)
    result = cli("adopt", *args(url, sql, seeds))
    assert result.code == 4
    assert (
        f"  - schema_migrations (golang-migrate) says version {V2} is dirty: it failed halfway."
        in result.err
    )
    assert snapshot(url) == before


def test_go_seed_history_statuses_outside_the_enum_exit_4_naming_the_rows(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql)
    execute(
        url,
        "ALTER TYPE seed_status_enum ADD VALUE 'Failed'",
        "UPDATE seed_history SET status = 'Failed' WHERE name = 'AdminAccount'",
    )
    before = snapshot(url)
    result = cli("adopt", *args(url, sql, seeds))
    assert result.code == 4
    assert result.err == (
        "error: adopt refused; nothing was written\n"
        f"  - seed_history id {pulid('seed', 1)} (AdminAccount 1.0.0, development): status "
        "'Failed' is none of Active, Inactive, Orphaned\n"
        "  hint: correct the Go seed_history rows or the enum named above (trenova-db records "
        "Active, Inactive and Orphaned only), then run `trenova-db adopt` again\n"
    )
    assert snapshot(url) == before


def test_a_partially_adopted_database_exits_4_naming_the_newer_rows_and_force_records_them(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(url, sql, groups=((V1, V2),))
    a = args(url, sql, seeds)
    assert cli("adopt", *a).code == 0
    # The Go tool migrates again after the takeover.
    from tests.support.foreign_tools import apply_files

    apply_files(url, sql, [V3])
    execute(url, f"INSERT INTO bun_migrations (name, group_id) VALUES ('{V3}', 2)")
    before = snapshot(url, skip_rows=("public.trenova_db_audit",))
    result = cli("adopt", *a)
    assert result.code == 4
    assert result.err == (
        "error: adopt refused; nothing was written\n"
        f"  - version {V3} (bun_migrations id 3) is not in trenova-db's history: the other "
        "tool migrated this database after trenova-db took it over\n"
        "  hint: stop the other tool from migrating this database; check those migrations' "
        "changes are in the schema, then pass --force to record them\n"
    )
    assert snapshot(url, skip_rows=("public.trenova_db_audit",)) == before
    assert fetch_all(url, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id") == [
        ("adopt", "success"),
        ("adopt", "refused"),
    ]
    forced = cli("adopt", *a, "--force", "--json")
    assert forced.code == 0, forced.err
    assert [(m["version"], m["state"]) for m in forced.json()["migrations"]] == [
        (V1, "already-recorded"),
        (V2, "already-recorded"),
        (V3, "recorded"),
    ]
    assert [r[0] for r in recorded(url)] == [V1, V2, V3]


def test_adopt_on_a_database_no_tool_manages_exits_4(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    sql, seeds = bun_project(tmp_path)
    result = cli("adopt", *args(trenova_database, sql, seeds))
    assert result.code == 4
    assert result.err.startswith(
        "error: adopt: no other tool's history in schema 'public' (bun_migrations, "
        "schema_migrations, goose_db_version, seed_history); nothing to adopt\n"
    )
    assert trenova_tables(trenova_database) == []


def test_adopted_times_are_the_foreign_ones(trenova_database: str, tmp_path: Path) -> None:
    sql, _ = bun_project(tmp_path)
    bun_database(trenova_database, sql)
    report = run(lambda: adopt(trenova_database, migrations_dir=sql))
    assert report.migrations[0].applied_at == datetime.fromtimestamp(1751300000, tz=UTC)


def test_go_rows_with_an_environment_alias_are_kept_under_trenova_db_s_name(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(
        url,
        sql,
        seeds=(("USStates", "prod", "Active"), ("AdminAccount", "production", "Inactive")),
    )
    a = args(url, sql, seeds)
    assert cli("adopt", *a).code == 0
    assert fetch_all(
        url, "SELECT name, environment, status::text FROM seed_history ORDER BY id"
    ) == [("USStates", "production", "Active"), ("AdminAccount", "production", "Inactive")]
    status = cli("status", *a, "--env", "prod", "--json").json()
    # Active: applied; Inactive (the Go tool's failed run): pending, so seed runs it again.
    assert {s["name"]: s["state"] for s in status["seeds"]} == {
        "USStates": "applied",
        "AdminAccount": "pending",
    }


def test_go_rows_that_collide_once_aliases_are_mapped_exit_4(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    bun_database(
        url, sql, seeds=(("USStates", "prod", "Active"), ("USStates", "production", "Active"))
    )
    before = snapshot(url)
    result = cli("adopt", *args(url, sql, seeds))
    assert result.code == 4
    assert (
        f"  - seed_history id {pulid('seed', 1)} (USStates 1.0.0, production): the same seed, "
        f"version and environment as seed_history id {pulid('seed', 0)}\n" in result.err
    )
    assert snapshot(url) == before


def test_goose_s_own_version_0_row_and_rolled_back_versions_are_not_recorded() -> None:
    from trenova_db.foreign import parse_goose

    problems: list[str] = []
    rows = [(1, 0, True, None), (2, V1, True, None), (3, V2, True, None), (4, V2, False, None)]
    assert [m.version for m in parse_goose(rows, problems)] == [V1]
    assert problems == []


def test_dbmate_versions_that_are_the_same_number_contradict_each_other() -> None:
    from trenova_db.foreign import parse_dbmate

    problems: list[str] = []
    assert [m.version for m in parse_dbmate([("001",), ("1",), ("2",)], problems)] == [1, 2]
    assert problems == ["schema_migrations (dbmate): row '001' and row '1' both record version 1"]


def test_golang_migrate_with_several_rows_contradicts_itself() -> None:
    from trenova_db.foreign import parse_golang_migrate

    problems: list[str] = []
    assert parse_golang_migrate([(1, False), (2, False)], [1, 2], problems) == ([], None)
    assert problems == [
        "schema_migrations holds 2 rows ((1, dirty=False), (2, dirty=False)); "
        "golang-migrate keeps exactly one"
    ]


def test_seed_rollback_on_a_go_managed_database_exits_4_and_runs_nothing(
    trenova_database: str, cli: Cli, tmp_path: Path
) -> None:
    url = trenova_database
    sql, seeds = bun_project(tmp_path)
    (seeds / "base" / "00_us_states.py").write_text(
        "from trenova_db import Environment\n"
        "from trenova_db.seeding import BaseSeed, SeedContext\n\n\n"
        "class USStatesSeed(BaseSeed):\n"
        '    name = "USStates"\n'
        '    version = "1.0.0"\n'
        '    description = "Creates all US states and DC"\n'
        "    environments = (Environment.DEVELOPMENT,)\n"
        "    depends_on = ()\n\n"
        "    async def run(self, ctx: SeedContext) -> None:\n"
        "        pass\n\n"
        "    async def rollback(self, ctx: SeedContext) -> None:\n"
        '        await ctx.conn.execute("DROP TABLE us_states")\n'
    )
    from trenova_db.seeding.registry import sync_registry

    sync_registry(seeds)
    bun_database(url, sql)
    before = snapshot(url)
    result = cli("seed-rollback", "USStates", *args(url, sql, seeds))
    assert result.code == 4, result.err
    assert result.err == BUN_REFUSAL.format(command="seed-rollback")
    assert snapshot(url) == before
