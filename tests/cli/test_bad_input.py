"""Bad input from a demanding user: each gets a clear message and its exit code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import anyio
import asyncpg
import msgspec
import pytest

from tests.conftest import ROOT, CliResult, query

Cli = Callable[..., CliResult]
Make = Callable[[Mapping[str, str | bytes]], Path]
SQL = ROOT / "sql"
SEEDS = ROOT / "seeds"


def test_reset_checks_the_files_before_dropping_anything(
    trenova_migrated_database: str, cli: Cli, tmp_path: Path
) -> None:
    import shutil

    sql = tmp_path / "sql-copy"
    shutil.copytree(SQL, sql)
    (sql / "000099_todo.tx.up.sql").write_text("SELECT 'not finished;\n")
    a = ("--database-url", trenova_migrated_database, "--migrations-dir", str(sql))
    result = cli("reset", "--force", *a)
    assert result.code == 4
    assert "000099_todo.tx.up.sql: unterminated string starting at line 1, column 8" in result.err
    shipped = len(list(SQL.glob("*.up.sql")))
    applied = query(trenova_migrated_database, "SELECT count(*) FROM schema_migrations")
    assert applied == [(shipped,)]


def test_a_locked_bookkeeping_table_is_a_lock_timeout_in_json(
    trenova_migrated_database: str, cli: Cli
) -> None:
    a = ("--database-url", trenova_migrated_database, "--migrations-dir", str(SQL))

    async def hold_and_run() -> CliResult:
        holder = await asyncpg.connect(trenova_migrated_database)
        try:
            async with holder.transaction():
                await holder.execute("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
                return await anyio.to_thread.run_sync(
                    lambda: cli("status", "--json", "--lock-timeout", "1s", *a)
                )
        finally:
            await holder.close()

    locked = anyio.run(hold_and_run)
    assert locked.code == 3
    assert msgspec.json.decode(locked.out)["error"] == "LockTimeout"
    assert "Traceback" not in locked.err


def test_a_missing_seeds_dir_is_a_configuration_error_and_creates_nothing(
    cli: Cli, tmp_path: Path, trenova_database: str
) -> None:
    missing = tmp_path / "no-such-seeds"
    for args in (
        ("seed-sync",),
        ("seed", "--database-url", trenova_database),
        ("seed-check", "--database-url", trenova_database),
    ):
        result = cli(*args, "--seeds-dir", str(missing))
        assert result.code == 2, (args, result.err)
        assert f"seeds directory {missing} does not exist" in result.err
    assert not missing.exists()


def test_print_in_a_seed_does_not_break_json(
    cli: Cli, tmp_path: Path, trenova_database: str
) -> None:
    from trenova_db.seeding.registry import sync_registry

    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    (seeds / "base" / "00_chatty.py").write_text(
        "from trenova_db.seeding import BaseSeed, SeedContext\n\n"
        "print('hello from import')\n\n\n"
        "class ChattySeed(BaseSeed):\n"
        "    name = 'Chatty'\n\n"
        "    async def run(self, ctx: SeedContext) -> None:\n"
        "        print('in run')\n"
    )
    sync_registry(seeds)
    result = cli("seed", "--json", "--database-url", trenova_database, "--seeds-dir", str(seeds))
    assert result.code == 0
    assert msgspec.json.decode(result.out)["seeds"][0]["state"] == "applied"
    assert "in run" in result.err


def test_usage_errors_in_json_mode_are_json(cli: Cli) -> None:
    result = cli("migrate", "--dryrun", "--json")
    assert result.code == 2
    doc = msgspec.json.decode(result.out)
    assert doc["error"] == "ConfigurationError"
    assert "--dryrun" in doc["message"]


def test_out_of_range_values_are_configuration_errors(cli: Cli, tmp_path: Path) -> None:
    url = "postgresql://x@127.0.0.1:1/x"
    huge = cli("status", "--statement-timeout", "99999999h", "--database-url", url)
    assert huge.code == 2
    assert "at most 2147483 s" in huge.err
    assert (
        cli("seed", "--parallel", "0", "--database-url", url, "--seeds-dir", str(SEEDS)).code == 2
    )
    assert cli("seed-watch", "--debounce", "-5", "--seeds-dir", str(tmp_path)).code == 2
    numeric = cli("create-seed", "123", "--seeds-dir", str(tmp_path / "s"))
    assert numeric.code == 2
    assert "start with a letter" in numeric.err
    assert not (tmp_path / "s" / "base").exists() or not any((tmp_path / "s" / "base").iterdir())


def test_repair_of_a_clean_version_and_rollback_of_an_unapplied_seed_are_refused(
    trenova_migrated_database: str, cli: Cli
) -> None:
    a = ("--database-url", trenova_migrated_database, "--migrations-dir", str(SQL))
    clean = cli("repair", "--version", "3", "--applied", *a)
    assert clean.code == 4
    assert "version 3 (business_units) is not dirty; nothing to resolve" in clean.err
    unapplied = cli("seed-rollback", "TestUsers", "--seeds-dir", str(SEEDS), *a)
    assert unapplied.code == 4
    assert "seed TestUsers is not applied in development; nothing to roll back" in unapplied.err


def test_an_unparseable_url_is_never_echoed(cli: Cli, migrations: Make) -> None:
    folder = migrations({"000001_a.tx.up.sql": "SELECT 1;"})
    result = cli("migrate", "--database-url", "not a url S3cretPW", "--migrations-dir", str(folder))
    assert result.code == 2
    assert "invalid database URL" in result.err
    assert "S3cretPW" not in result.out + result.err


def test_reset_drops_the_schemas_migrations_made_so_it_can_run_twice(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(
        {"000001_app.tx.up.sql": "CREATE SCHEMA app;\nCREATE TABLE app.t (id int);\n"}
    )
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("reset", "--force", *a).code == 0
    query(trenova_database, "INSERT INTO app.t VALUES (1)")
    again = cli("reset", "--force", *a)
    assert again.code == 0, again.err
    assert "app" in again.out
    assert query(trenova_database, "SELECT count(*) FROM app.t") == [(0,)]
    assert query(trenova_database, "SELECT count(*) FROM schema_migrations") == [(1,)]


def test_a_role_with_create_on_its_schema_only_can_migrate(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    # CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
    # schema exists; a least-privilege deploy role does not have it.
    role = "trenova_lp_" + trenova_database.rsplit("_", 1)[-1][:12]
    query(trenova_database, f"CREATE ROLE {role} LOGIN")
    try:
        query(trenova_database, f"CREATE SCHEMA deploy AUTHORIZATION {role}")
        query(
            trenova_database,
            f"REVOKE CREATE ON DATABASE {trenova_database.rsplit('/', 1)[1]} FROM PUBLIC",
        )
        folder = migrations({"000001_a.tx.up.sql": "CREATE TABLE deploy.a (id int);\n"})
        url = trenova_database.replace("://postgres@", f"://{role}@")
        result = cli(
            "migrate", "--database-url", url, "--migrations-dir", str(folder), "--schema", "deploy"
        )
        assert result.code == 0, result.err
        assert query(trenova_database, "SELECT version FROM deploy.schema_migrations") == [(1,)]
        denied = cli("migrate", "--database-url", url, "--migrations-dir", str(folder))
        assert denied.code == 1
        assert "cannot create trenova-db's bookkeeping tables in schema 'public'" in denied.err
        assert "--schema" in denied.err
    finally:
        query(trenova_database, f"DROP OWNED BY {role} CASCADE")
        query(trenova_database, f"DROP ROLE {role}")


def test_an_empty_database_url_is_an_error_not_the_embedded_server(
    cli: Cli, migrations: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = migrations({"000001_a.tx.up.sql": "SELECT 1;"})
    flag = cli("migrate", "--database-url", "", "--migrations-dir", str(folder))
    assert flag.code == 2
    assert "--database-url is empty" in flag.err
    monkeypatch.setenv("DATABASE_URL", "")
    env = cli("migrate", "--migrations-dir", str(folder))
    assert env.code == 2
    assert "DATABASE_URL is set but empty" in env.err
    assert "unset it to use the embedded server" in env.err


def test_an_impossible_port_is_a_configuration_error_in_json_too(
    cli: Cli, migrations: Make
) -> None:
    folder = migrations({"000001_a.tx.up.sql": "SELECT 1;"})
    url = "postgresql://u:Pw9secret@127.0.0.1:99999/db"
    result = cli("status", "--json", "--database-url", url, "--migrations-dir", str(folder))
    assert result.code == 2
    doc = result.json()
    assert doc["error"] == "ConfigurationError"
    assert "port must be 0-65535" in doc["message"]
    assert "Pw9secret" not in result.out + result.err
    assert "Traceback" not in result.err


def test_wrong_types_in_pyproject_are_configuration_errors(cli: Cli, tmp_path: Path) -> None:
    for value in ("[1]", "true"):
        (tmp_path / "pyproject.toml").write_text(f"[tool.trenova-db]\nconnect-timeout = {value}\n")
        result = cli("status", "--database-url", "postgresql://x@127.0.0.1:1/x")
        assert result.code == 2, value
        assert f"invalid connect-timeout {value.replace('true', 'True')}" in result.err


def test_paths_on_the_command_line_are_relative_to_where_you_stand(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\nmigrations-dir = "db/sql"\n')
    sub = tmp_path / "services" / "api"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    typed = cli("create", "from_flag", "--migrations-dir", "migs")
    assert typed.code == 0, typed.err
    assert (sub / "migs" / "000001_from_flag.up.sql").is_file()
    configured = cli("create", "from_pyproject")
    assert configured.code == 0, configured.err
    assert (tmp_path / "db" / "sql" / "000001_from_pyproject.up.sql").is_file()


def test_create_in_a_directory_that_cannot_exist_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = cli("create", "x", "--migrations-dir", str(blocker / "sql"))
    assert result.code == 2
    assert f"cannot create a migration in {blocker / 'sql'}" in result.err
    assert "Traceback" not in result.err


def test_a_failed_run_says_what_it_completed_before_the_failure(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(
        {
            "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000002_b.up.sql": "CREATE TABLE b (id int);\nSELECT 1 / 0;\n",
        }
    )
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    failed = cli("migrate", *a)
    assert failed.code == 1
    assert "done before this (1): applied 1 (a)" in failed.err
    query(trenova_database, "DROP TABLE b")  # the human decision: undo by hand
    resolved = cli("repair", "--version", "2", "--rolled-back", *a)
    assert resolved.code == 0, resolved.err
    (folder / "000002_b.up.sql").write_text("CREATE TABLE b (id int);\n")
    (folder / "000002_b.down.sql").write_text("DROP TABLE b;\nDROP TABLE nope;\n")
    (folder / "000001_a.tx.down.sql").write_text("DROP TABLE a;\n")
    (folder / "000003_c.tx.up.sql").write_text("CREATE TABLE c (id int);\n")
    (folder / "000003_c.tx.down.sql").write_text("DROP TABLE c;\n")
    assert cli("migrate", *a).code == 0
    back = cli("rollback", "--target", "3", "--json", *a)
    assert back.code == 1
    doc = back.json()
    assert doc["done"] == ["rolled back 3 (c)"]
    row = query(
        trenova_database,
        "SELECT dirty, statements_done, error FROM schema_migrations WHERE version = 2",
    )
    dirty, done, error = row[0]
    assert (dirty, done) == (True, 1), "statements_done counts the down file's statements"
    assert "statement 2 of 2" in error


def test_a_refused_repair_is_audited_as_refused_not_left_running(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations({"000001_a.tx.up.sql": "CREATE TABLE a (id int);\n"})
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    assert cli("repair", "--version", "1", "--applied", *a).code == 4
    assert cli("repair", "--version", "99", "--applied", *a).code == 4
    rows = query(trenova_database, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("migrate", "success"),
        ("repair", "refused"),
        ("repair", "refused"),
    ]


def test_a_combination_of_history_problems_gets_one_fix_per_problem(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(
        {
            "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000002_b.tx.up.sql": "CREATE TABLE b (id int);\n",
        }
    )
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    (folder / "000001_a.tx.up.sql").unlink()
    (folder / "000002_b.tx.up.sql").write_text("CREATE TABLE b (id bigint);\n")
    (folder / "000000_z.tx.up.sql").write_text("SELECT 1;\n")
    result = cli("migrate", *a)
    assert result.code == 4
    assert "changed: restore the applied files" in result.err
    assert "file gone: restore the deleted files, or run `trenova-db repair --forget-missing`" in (
        result.err
    )
    assert "out of order: renumber the new migrations" in result.err


def test_refused_runs_are_audited_and_reset_keeps_the_audit_trail(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations(
        {
            "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
            "000001_a.tx.down.sql": "DROP TABLE a;\n",
        }
    )
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("migrate", *a).code == 0
    assert cli("rollback", "--env", "production", *a).code == 5
    assert cli("reset", "--env", "staging", *a).code == 5
    assert cli("reset", *a).code == 5  # no terminal, no --force
    before = query(
        trenova_database, "SELECT id, operation, outcome FROM trenova_db_audit ORDER BY id"
    )
    assert [tuple(r)[1:] for r in before] == [
        ("migrate", "success"),
        ("rollback", "refused"),
        ("reset", "refused"),
        ("reset", "refused"),
    ]
    assert cli("reset", "--force", *a).code == 0
    after = query(
        trenova_database, "SELECT id, operation, outcome FROM trenova_db_audit ORDER BY id"
    )
    assert [tuple(r) for r in after][: len(before)] == [tuple(r) for r in before]
    assert [tuple(r)[1:] for r in after][len(before) :] == [
        ("migrate", "success"),
        ("reset", "success"),
    ]
    assert after[-1][0] > before[-1][0], "new rows are numbered after the kept ones"


def test_a_refusal_creates_no_bookkeeping_tables(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    folder = migrations({"000001_a.tx.up.sql": "CREATE TABLE a (id int);\n"})
    a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
    assert cli("rollback", "--env", "production", *a).code == 5
    assert query(trenova_database, "SELECT to_regclass('trenova_db_audit')") == [(None,)]


def test_output_a_seed_writes_to_descriptor_1_does_not_break_json(
    tmp_path: Path, trenova_database: str
) -> None:
    from tests.conftest import cli_process
    from trenova_db.seeding.registry import sync_registry

    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    (seeds / "base" / "00_raw.py").write_text(
        "import os\nimport subprocess\n\n"
        "from trenova_db.seeding import BaseSeed, SeedContext\n\n\n"
        "class RawSeed(BaseSeed):\n"
        "    name = 'Raw'\n\n"
        "    async def run(self, ctx: SeedContext) -> None:\n"
        "        os.write(1, b'RAW ON FD 1\\n')\n"
        "        subprocess.run(['echo', 'from a child'], check=True)\n"
    )
    sync_registry(seeds)
    proc = cli_process(
        "seed", "--json", "--database-url", trenova_database, "--seeds-dir", str(seeds)
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.count("\n") == 1, out
    assert msgspec.json.decode(out)["seeds"][0]["state"] == "applied"
    assert "RAW ON FD 1" in err
    assert "from a child" in err


def test_a_stale_or_doubled_registry_fails_seed_check_like_seed(
    cli: Cli, tmp_path: Path, trenova_migrated_database: str
) -> None:
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    a = ("--database-url", trenova_migrated_database, "--seeds-dir", str(seeds))
    registry = seeds / "registry.json"
    doc = msgspec.json.decode(registry.read_bytes())
    doc["seeds"].append(doc["seeds"][0])
    registry.write_bytes(msgspec.json.encode(doc))
    for command in ("seed", "seed-check"):
        result = cli(command, *a)
        assert result.code == 4, (command, result.err)
        assert "duplicate registry entries: USStates" in result.out + result.err, command
    registry.unlink()
    for command in ("seed", "seed-check"):
        result = cli(command, *a)
        assert result.code == 4, (command, result.err)
        shipped = len(doc["seeds"]) - 1  # less the doubled entry
        missing = f"registry.json is missing but {shipped} seed file(s) exist"
        assert missing in result.out + result.err


def test_status_with_a_seeds_folder_that_does_not_exist_is_an_error(
    cli: Cli, tmp_path: Path, trenova_migrated_database: str
) -> None:
    a = ("--database-url", trenova_migrated_database, "--migrations-dir", str(SQL))
    result = cli("status", *a, "--seeds-dir", str(tmp_path / "nope"))
    assert result.code == 2
    assert "does not exist" in result.err
    assert cli("status", *a).code == 0  # the default folder may be absent


def test_reset_keeps_schemas_of_other_roles_and_says_so(
    trenova_database: str, migrations: Make, cli: Cli
) -> None:
    role = "trenova_other_" + trenova_database.rsplit("_", 1)[-1][:12]
    query(trenova_database, f"CREATE ROLE {role}")
    try:
        query(trenova_database, f"CREATE SCHEMA theirs AUTHORIZATION {role}")
        query(trenova_database, "CREATE TABLE theirs.keep_me (id int)")
        query(trenova_database, f"ALTER TABLE theirs.keep_me OWNER TO {role}")
        folder = migrations({"000001_a.tx.up.sql": "CREATE TABLE a (id int);\n"})
        a = ("--database-url", trenova_database, "--migrations-dir", str(folder))
        result = cli("reset", "--force", "--json", *a)
        assert result.code == 0, result.err
        assert result.json()["schemas_kept"] == ["theirs"]
        assert query(trenova_database, "SELECT to_regclass('theirs.keep_me')::text") == [
            ("theirs.keep_me",)
        ]
    finally:
        query(trenova_database, f"DROP OWNED BY {role} CASCADE")
        query(trenova_database, f"DROP ROLE {role}")


def test_the_winning_database_url_decides_whether_it_is_empty(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trenova_migrated_database: str
) -> None:
    a = ("--migrations-dir", str(SQL), "--seeds-dir", str(SEEDS))
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("TRENOVA_DATABASE_URL", trenova_migrated_database)
    assert cli("status", *a).code == 0, "the stronger variable wins; the empty one is moot"
    monkeypatch.delenv("TRENOVA_DATABASE_URL")
    monkeypatch.delenv("DATABASE_URL")
    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\ndatabase-url = " "\n')
    configured = cli("status", *a)
    assert configured.code == 2
    assert "database-url in [tool.trenova-db] is empty" in configured.err
    assert cli("status", "--database-url", "  ", *a).code == 2


def test_commands_that_never_connect_ignore_settings_they_do_not_use(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("APP_ENV", "qa")
    monkeypatch.setenv("TRENOVA_LOCK_TIMEOUT", "soon")
    made = cli("create", "ok", "--migrations-dir", str(tmp_path / "sql"))
    assert made.code == 0, made.err
    seeded = cli("create-seed", "ok", "--seeds-dir", str(tmp_path / "seeds"))
    assert seeded.code == 0, seeded.err
    assert cli("seed-sync", "--seeds-dir", str(tmp_path / "seeds")).code == 0
    # ... while the ones that connect still refuse them
    refused = cli("status", "--migrations-dir", str(tmp_path / "sql"))
    assert refused.code == 2
    # and an explicit flag is always checked
    assert cli("create", "x", "--env", "qa", "--migrations-dir", str(tmp_path / "sql")).code == 2


def test_a_timeout_that_is_not_a_finite_number_is_a_configuration_error(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db]\nlock-timeout = nan\n")
    result = cli("status", "--database-url", "postgresql://x@127.0.0.1:1/x")
    assert result.code == 2
    assert "must be a finite number of seconds" in result.err


def test_a_registry_from_an_older_format_says_so(
    cli: Cli, tmp_path: Path, trenova_migrated_database: str
) -> None:
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    registry = seeds / "registry.json"
    old = (
        registry.read_text()
        .replace('"format": 2', '"format": 1')
        .replace('"class":', '"class_name":')
    )
    registry.write_text(old)
    result = cli("seed", "--database-url", trenova_migrated_database, "--seeds-dir", str(seeds))
    assert result.code == 4
    assert "has format 1; this trenova-db reads and writes format 2" in result.err
    assert "seed-sync" in result.err


def test_buffered_writes_to_the_original_stdout_do_not_break_json(
    tmp_path: Path, trenova_database: str
) -> None:
    import os
    import subprocess
    import sys

    from trenova_db.seeding.registry import sync_registry

    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    (seeds / "base" / "00_sneaky.py").write_text(
        "import sys\n\n"
        "from trenova_db.seeding import BaseSeed, SeedContext\n\n\n"
        "class SneakySeed(BaseSeed):\n"
        "    name = 'Sneaky'\n\n"
        "    async def run(self, ctx: SeedContext) -> None:\n"
        "        print('stray via __stdout__', file=sys.__stdout__)\n"
    )
    sync_registry(seeds)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "trenova_db", "seed", "--json"),
            *("--database-url", trenova_database, "--seeds-dir", str(seeds)),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert msgspec.json.decode(done.stdout)["seeds"][0]["state"] == "applied"
    assert "stray via __stdout__" in done.stderr
