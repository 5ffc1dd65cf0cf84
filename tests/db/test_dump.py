"""trenova-db dump: the schema as pg_dump sees it, stable, without our bookkeeping."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import run, write_migrations
from trenova_db.config import Settings
from trenova_db.errors import ConfigurationError
from trenova_db.migrator import run_migrate
from trenova_db.schema_dump import PgDump, find_pg_dump, normalise_dump, pg_dump_command, run_dump
from trenova_db.testing import create_database, database_url, drop_database

SCHEMA = {
    "000001_items.tx.up.sql": (
        "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);\n"
        "CREATE INDEX items_name_idx ON items (name);\n"
        "CREATE TYPE item_state AS ENUM ('new', 'old');\n"
    ),
    "000002_view.tx.up.sql": "CREATE VIEW item_names AS SELECT name FROM items;\n",
}


def test_normalising_drops_the_version_banner_and_the_restrict_token() -> None:
    raw = (
        "--\n-- PostgreSQL database dump\n--\n\n"
        "\\restrict AbC123\n\n"
        "-- Dumped from database version 18.1\n-- Dumped by pg_dump version 18.1\n\n\n\n"
        "CREATE TABLE t (a int);   \n\n\n"
        "\\unrestrict AbC123\n\n"
    )
    assert normalise_dump(raw) == (
        "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\n"
    )


def fake_pg_dump(directory: Path, major: int) -> Path:
    path = directory / f"pg_dump{major}"
    path.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {major}.3'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_oldest_pg_dump_new_enough_for_the_server_is_chosen(tmp_path: Path) -> None:
    paths = [fake_pg_dump(tmp_path, m) for m in (14, 17, 15)]
    chosen = find_pg_dump(15, paths)
    assert (chosen.path, chosen.major) == (paths[2], 15)


def test_no_pg_dump_new_enough_is_a_configuration_error_naming_the_version(
    tmp_path: Path,
) -> None:
    old = fake_pg_dump(tmp_path, 14)
    with pytest.raises(ConfigurationError) as info:
        find_pg_dump(16, [old, tmp_path / "absent"])
    assert info.value.exit_code == 2
    assert info.value.message == (
        f"no pg_dump of PostgreSQL 16 or newer found (the server is PostgreSQL 16); "
        f"found: {old} (14)"
    )
    assert info.value.hint is not None and "postgresql-client-16" in info.value.hint


def test_the_password_travels_in_the_environment_never_in_argv() -> None:
    argv, env = pg_dump_command(
        PgDump(Path("/bin/pg_dump"), 18), "postgresql://u:s%40cret@h:5/db", "public"
    )
    assert env["PGPASSWORD"] == "s@cret"
    assert not any("cret" in a for a in argv)
    assert argv[-1] == "--dbname=postgresql://u@h:5/db"
    assert "--exclude-table=public.schema_migrations" in argv
    assert "--exclude-table=public.trenova_db_*" in argv


def test_two_dumps_are_identical_and_leave_out_bookkeeping(
    trenova_database: str, tmp_path: Path
) -> None:
    sql = write_migrations(tmp_path / "sql", SCHEMA)
    settings = Settings(database_url=trenova_database, migrations_dir=sql, project_root=tmp_path)
    run(lambda: run_migrate(settings))
    report = run(lambda: run_dump(settings))
    assert report.path == str(tmp_path / "sql" / "schema.sql")
    text = Path(report.path).read_text()
    assert report.bytes == len(text.encode())
    again = run(lambda: run_dump(settings, path=tmp_path / "again.sql"))
    assert Path(again.path).read_text() == text
    assert "CREATE TABLE public.items" in text
    assert "CREATE VIEW public.item_names" in text
    for absent in ("schema_migrations", "trenova_db_audit", "Dumped by", "\\restrict"):
        assert absent not in text
    assert report.pg_dump_major >= report.server_major >= 15


def test_the_dump_loads_into_an_empty_database_to_the_same_schema(
    trenova_server_url: str, trenova_database: str, tmp_path: Path
) -> None:
    sql = write_migrations(tmp_path / "sql", SCHEMA)
    settings = Settings(database_url=trenova_database, migrations_dir=sql, project_root=tmp_path)
    run(lambda: run_migrate(settings))
    dumped = Path(run(lambda: run_dump(settings)).path)
    other = create_database(trenova_server_url)
    try:
        other_url = database_url(trenova_server_url, other)

        text = dumped.read_text()

        async def load() -> None:
            import asyncpg

            conn = await asyncpg.connect(other_url)
            try:
                await conn.execute(text)
            finally:
                await conn.close()

        run(load)
        copy = Settings(database_url=other_url, project_root=tmp_path)
        redumped = run(lambda: run_dump(copy, path=tmp_path / "copy.sql"))
        assert Path(redumped.path).read_text() == dumped.read_text()
    finally:
        drop_database(trenova_server_url, other)
