"""What a service's log handlers receive from the library (and that it never prints)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

import trenova_db
from tests.conftest import CliResult, run, write_migrations
from trenova_db.errors import HistoryMismatch, SeedFailed

FILES = {
    "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
    "000001_a.tx.down.sql": "DROP TABLE a;\n",
    "000002_b.up.sql": "CREATE TABLE b (id int);\n",
    "000002_b.down.sql": "DROP TABLE b;\n",
}
SEED = """
from trenova_db.seeding import BaseSeed, SeedContext


class {cls}(BaseSeed):
    name = "{name}"
    version = "1.0.0"
    description = "test"

    async def run(self, ctx: SeedContext) -> None:
        {body}
"""


def records(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


def test_each_migration_applied_and_rolled_back_is_one_info_record(
    trenova_database: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sql = write_migrations(tmp_path / "sql", FILES)
    caplog.set_level(logging.DEBUG, logger="trenova_db")
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=sql))
    applied = records(caplog, "trenova_db.migrate")
    assert [(r.levelno, r.version, r.kind, r.direction) for r in applied] == [  # type: ignore[attr-defined]
        (logging.INFO, 1, "tx", "up"),
        (logging.INFO, 2, "notx", "up"),
    ]
    assert applied[0].getMessage().startswith("applied migration 1 (a, tx) in ")
    assert all(isinstance(r.duration_ms, float | int) for r in applied)  # type: ignore[attr-defined]
    caplog.clear()
    run(lambda: trenova_db.rollback(trenova_database, migrations_dir=sql, target=2))
    assert [
        (r.getMessage().split(" in ")[0], r.direction)  # type: ignore[attr-defined]
        for r in records(caplog, "trenova_db.migrate")
    ] == [
        ("rolled back migration 2 (b, notx)", "down"),
        ("rolled back migration 1 (a, tx)", "down"),
    ]
    assert capsys.readouterr() == ("", ""), "the library must not print"


def test_a_no_op_migrate_logs_nothing_at_info(
    trenova_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sql = write_migrations(tmp_path / "sql", FILES)
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=sql))
    caplog.clear()
    caplog.set_level(logging.INFO, logger="trenova_db")
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=sql))
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


def test_drift_is_a_warning_record_with_the_problems(
    trenova_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sql = write_migrations(tmp_path / "sql", FILES)
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=sql))
    (sql / "000001_a.tx.up.sql").write_text("CREATE TABLE a (id bigint);\n")
    caplog.set_level(logging.INFO, logger="trenova_db")
    with pytest.raises(HistoryMismatch):
        run(lambda: trenova_db.migrate(trenova_database, migrations_dir=sql))
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.name == "trenova_db.migrate"
    assert warning.getMessage().startswith("migration history does not match the files (1 drift)")
    assert "\n" not in warning.getMessage()
    (problem,) = warning.problems  # type: ignore[attr-defined]
    assert problem.startswith("000001_a.tx.up.sql (version 1) changed since it was applied")


def seed_project(tmp_path: Path, seeds: dict[str, str]) -> tuple[Path, Path]:
    sql = write_migrations(tmp_path / "sql", {"000001_t.tx.up.sql": "CREATE TABLE t (n int);\n"})
    base = tmp_path / "seeds" / "base"
    base.mkdir(parents=True)
    for filename, text in seeds.items():
        (base / filename).write_text(text)
    trenova_db.seed_sync(seeds_dir=tmp_path / "seeds")
    return sql, tmp_path / "seeds"


def test_each_seed_run_is_an_info_record_with_its_rows(
    trenova_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sql, seeds = seed_project(
        tmp_path,
        {
            "00_two.py": SEED.format(
                cls="TwoSeed",
                name="Two",
                body='await ctx.conn.execute("INSERT INTO t VALUES (1), (2)")',
            )
        },
    )
    caplog.set_level(logging.INFO, logger="trenova_db")
    run(lambda: trenova_db.setup(trenova_database, migrations_dir=sql, seeds_dir=seeds))
    (record,) = records(caplog, "trenova_db.seed")
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith("seed Two 1.0.0 (base) applied in ")
    assert record.getMessage().endswith(" ms, 2 row(s) written")
    assert (record.seed, record.rows, record.environment) == ("Two", {"t": 2}, "development")  # type: ignore[attr-defined]


def test_a_failed_seed_is_an_error_record(
    trenova_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sql, seeds = seed_project(
        tmp_path,
        {"00_bad.py": SEED.format(cls="BadSeed", name="Bad", body='raise RuntimeError("boom")')},
    )
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=sql))
    caplog.set_level(logging.INFO, logger="trenova_db")
    with pytest.raises(SeedFailed):
        run(lambda: trenova_db.seed(trenova_database, seeds_dir=seeds))
    (record,) = records(caplog, "trenova_db.seed")
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith("seed Bad 1.0.0 failed after ")
    assert record.getMessage().endswith(" ms: RuntimeError: boom")


def test_a_stale_registry_is_a_warning(
    trenova_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, seeds = seed_project(
        tmp_path, {"00_one.py": SEED.format(cls="OneSeed", name="One", body="pass")}
    )
    (seeds / "base" / "01_two.py").write_text(SEED.format(cls="TwoSeed", name="Two", body="pass"))
    caplog.set_level(logging.INFO, logger="trenova_db")
    with pytest.raises(trenova_db.StaleRegistry):
        run(lambda: trenova_db.seed(trenova_database, seeds_dir=seeds))
    (warning,) = records(caplog, "trenova_db.seed")
    assert warning.levelno == logging.WARNING
    assert warning.event == "stale-registry"  # type: ignore[attr-defined]


def test_sql_is_logged_at_debug_only_when_debugging(
    trenova_database: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sql = write_migrations(tmp_path / "sql", FILES)
    caplog.set_level(logging.DEBUG, logger="trenova_db")
    run(lambda: trenova_db.status(trenova_database, migrations_dir=sql))
    assert records(caplog, "trenova_db.sql") == []
    monkeypatch.setenv("TRENOVA_DB_DEBUG", "1")
    run(lambda: trenova_db.migrate(trenova_database, migrations_dir=sql))
    statements = [r.sql for r in records(caplog, "trenova_db.sql")]  # type: ignore[attr-defined]
    assert any("CREATE TABLE b (id int)" in s for s in statements)
    assert all(r.levelno == logging.DEBUG for r in records(caplog, "trenova_db.sql"))


def test_a_generated_admin_password_reaches_the_caller_only_in_the_report(
    trenova_database: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.conftest import ROOT, query

    monkeypatch.delenv("TRENOVA_ADMIN_PASSWORD", raising=False)
    caplog.set_level(logging.DEBUG, logger="trenova_db")
    monkeypatch.setenv("TRENOVA_DB_DEBUG", "1")  # even the SQL log must not carry it
    report = run(
        lambda: trenova_db.setup(
            trenova_database,
            migrations_dir=ROOT / "sql",
            seeds_dir=ROOT / "seeds",
            environment="production",
        )
    )
    (admin,) = [s for s in report.seed.seeds if s.name == "AdminAccount"]
    assert admin.secrets is not None
    ((label, password),) = admin.secrets.items()
    assert label.startswith("password of the admin user admin@trenova.app")
    assert len(password) >= 16
    assert not [
        r for r in caplog.records if password in r.getMessage() or password in str(r.__dict__)
    ]
    assert capsys.readouterr() == ("", "")
    stored = query(
        trenova_database,
        "SELECT (SELECT string_agg(t::text, ' ') FROM seed_history t) || "
        "(SELECT string_agg(t::text, ' ') FROM trenova_db_audit t)",
    )[0][0]
    assert password not in stored


def test_the_cli_shows_sql_on_stderr_only_for_the_command_run_with_debug(
    cli: Callable[..., CliResult],
    trenova_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_migrations(tmp_path / "sql", FILES)
    monkeypatch.setenv("BUNDEBUG", "1")
    shown = cli("migrate", "--database-url", trenova_database)
    assert shown.code == 0
    assert any(
        line.startswith("[trenova-db] ") and "CREATE TABLE b (id int)" in line
        for line in shown.err.splitlines()
    )
    monkeypatch.delenv("BUNDEBUG")
    quiet = cli("status", "--database-url", trenova_database)
    assert quiet.code == 0
    assert "[trenova-db] " not in quiet.err
    assert logging.getLogger("trenova_db.sql").handlers == []
