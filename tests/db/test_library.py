"""The library as a service uses it: the CLI's precedence without the CLI, and
every CLI operation available as a function."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import trenova_db
from tests.conftest import ROOT, query, run
from trenova_db import Refused


def test_a_service_passing_only_the_url_runs_in_the_environment_it_is_given(
    trenova_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    report = run(
        lambda: trenova_db.setup(
            trenova_database, migrations_dir=ROOT / "sql", seeds_dir=ROOT / "seeds"
        )
    )
    assert report.seed is not None
    assert report.seed.environment == "production"
    applied = {s.folder for s in report.seed.seeds if s.state == "applied"}
    assert applied == {"base"}, "development seeds (test users and passwords) must not run"
    with pytest.raises(Refused, match="production"):
        run(lambda: trenova_db.rollback(trenova_database, migrations_dir=ROOT / "sql"))
    with pytest.raises(Refused, match="reset is refused in production"):
        run(lambda: trenova_db.reset(trenova_database, force=True, migrations_dir=ROOT / "sql"))
    audit = query(trenova_database, "SELECT DISTINCT environment FROM trenova_db_audit")
    assert audit == [("production",)]


def test_the_url_and_folders_can_come_from_the_environment(
    trenova_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "migs"
    folder.mkdir()
    (folder / "000001_a.tx.up.sql").write_text("CREATE TABLE a (id int);\n")
    monkeypatch.setenv("DATABASE_URL", trenova_database)
    monkeypatch.setenv("TRENOVA_MIGRATIONS_DIR", str(folder))
    report = run(lambda: trenova_db.migrate())
    assert [m.version for m in report.applied] == [1]
    explicit = run(lambda: trenova_db.status(trenova_database, migrations_dir=folder))
    assert [m.state for m in explicit.migrations] == ["applied"]


def test_every_cli_operation_is_a_library_function(
    trenova_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    created = trenova_db.create("add_things", tx=True, migrations_dir="sql")
    assert Path(created.up).name == "000001_add_things.tx.up.sql"
    Path(created.up).write_text("CREATE TABLE things (id int);\n")
    Path(created.down).write_text("DROP TABLE things;\n")

    url = trenova_database
    seed_path = trenova_db.create_seed("extra", folder="development", seeds_dir=seeds)
    assert seed_path.parent == seeds / "development"
    sync = trenova_db.seed_sync(seeds_dir=seeds)
    assert sync.changed is False, "create_seed already updated the registry"
    assert not sync.problems

    run(lambda: trenova_db.migrate(url, migrations_dir=ROOT / "sql"))
    run(lambda: trenova_db.seed(url, seeds_dir=seeds))
    undone = run(lambda: trenova_db.seed_rollback("TestUsers", url, seeds_dir=seeds))
    assert [s.state for s in undone.seeds] == ["rolled-back"]

    seed_path.unlink()
    trenova_db.seed_sync(seeds_dir=seeds)
    (seeds / "development" / "01_test_users.py").unlink()
    trenova_db.seed_sync(seeds_dir=seeds)
    check = run(lambda: trenova_db.seed_check(url, seeds_dir=seeds))
    assert sorted(s.name for s in check.seeds) == ["Extra", "TestUsers"]
    cleaned = run(lambda: trenova_db.seed_clean(url, seeds_dir=seeds))
    assert sorted(s.name for s in cleaned.seeds) == ["Extra", "TestUsers"]
    statuses = query(
        url,
        "SELECT name, status::text FROM seed_history WHERE name IN ('Extra', 'TestUsers') "
        "ORDER BY name",
    )
    assert [tuple(r) for r in statuses] == [("Extra", "Orphaned"), ("TestUsers", "Orphaned")]
