"""Migration file discovery and configuration: pure, no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import write_migrations
from trenova_db.config import Environment, mask_dsn, mask_secrets, parse_duration, resolve_settings
from trenova_db.discovery import discover_migrations, parse_migration_name
from trenova_db.errors import ConfigurationError, DiscoveryError
from trenova_db.scaffold import create_migration


def test_bun_style_names_parse_into_version_name_kind_direction() -> None:
    parsed = parse_migration_name("20210505110026_add-users.tx.up.sql")
    assert parsed is not None
    assert (parsed.version, parsed.name, parsed.kind, parsed.direction) == (
        20210505110026,
        "add-users",
        "tx",
        "up",
    )
    notx = parse_migration_name("000002_index.down.sql")
    assert notx is not None
    assert (notx.kind, notx.direction) == ("notx", "down")


@pytest.mark.parametrize(
    "name",
    [
        "1_Users.up.sql",
        "000001_users.sql",
        "users.up.sql",
        "000001_users.tx.sql",
        "123456789012345_x.up.sql",
        "000001_a b.up.sql",
        "000001_x.up.sql.bak",
        "000001_../x.up.sql",
    ],
)
def test_names_outside_the_convention_are_not_migrations(name: str) -> None:
    assert parse_migration_name(name) is None


@given(
    version=st.integers(min_value=0, max_value=10**14 - 1),
    name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=40),
    tx=st.booleans(),
    up=st.booleans(),
    width=st.integers(min_value=1, max_value=14),
)
@settings(max_examples=300, deadline=None)
def test_every_valid_name_round_trips(
    version: int, name: str, tx: bool, up: bool, width: int
) -> None:
    digits = f"{version:0{width}d}"
    filename = f"{digits}_{name}{'.tx' if tx else ''}.{'up' if up else 'down'}.sql"
    parsed = parse_migration_name(filename)
    assert parsed is not None
    assert parsed.version == version
    assert parsed.name == name
    assert parsed.kind == ("tx" if tx else "notx")
    assert parsed.direction == ("up" if up else "down")


# Names built from the convention's own pieces plus arbitrary noise, so that
# both accepted and rejected names are generated (random text alone almost
# never looks like a migration).
_PIECES = st.sampled_from(
    [
        "000001",
        "42",
        "_",
        "users",
        "add-index",
        ".tx",
        ".up",
        ".down",
        ".sql",
        ".",
        "/",
        "..",
        "A",
        " ",
        "é",
        "\n",
        "0" * 15,
    ]
)
_NEAR_NAMES = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=8).map("".join)
_CONVENTION = re.compile(r"[0-9]{1,14}_[0-9a-z_-]+(\.tx)?\.(up|down)\.sql")


@given(_NEAR_NAMES)
@settings(max_examples=1000, deadline=None)
def test_parsing_never_raises_and_accepts_exactly_the_convention(filename: str) -> None:
    parsed = parse_migration_name(filename)
    assert (parsed is not None) == bool(_CONVENTION.fullmatch(filename)), filename
    if parsed is not None:
        assert filename.startswith(f"{parsed.version:0{len(filename.split('_')[0])}d}_")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path,
        {
            "000001_a.tx.up.sql": "SELECT 1;",
            "000001_b.tx.up.sql": "SELECT 2;",
            "000002_Bad.up.sql": "SELECT 1;",
            "000003_orphan.down.sql": "SELECT 1;",
            "000004_latin1.up.sql": "SELECT 'caf\xe9';".encode("latin-1"),
            "000005_empty.up.sql": "  \n",
            "000006_x.up.sql": "SELECT 1;",
            "000006_y.down.sql": "SELECT 1;",
            "README.md": "not a migration",
            "main.go": "package main",
            "notes.sql": "SELECT 1;",
        },
    )
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    assert info.value.problems == [
        "000002_Bad.up.sql: name does not match NNNNNN_name[.tx].(up|down).sql (version: 1-14 "
        "digits; name: lowercase letters, digits, '_' or '-')",
        "duplicate version 1: 000001_a.tx.up.sql and 000001_b.tx.up.sql",
        "000003_orphan.down.sql: down file without a matching up file",
        "000004_latin1.up.sql: not valid UTF-8 (byte 0xe9 at offset 11); re-save the file as UTF-8",
        "000005_empty.up.sql: file is empty; write the SQL or delete the file",
        "000006_y.down.sql: name does not match its up file 000006_x.up.sql",
    ]
    assert info.value.exit_code == 4
    assert "6 problems in migrations directory" in str(info.value)


def test_other_files_are_ignored_and_listed(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path,
        {"000001_a.tx.up.sql": "SELECT 1;", "README.md": "x", "main.go": "x", "seed.sql": "x"},
    )
    found = discover_migrations(folder)
    assert [m.version for m in found.migrations] == [1]
    assert found.ignored == ("README.md", "main.go", "seed.sql")
    assert found.migrations[0].down_sql is None


def test_a_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        discover_migrations(tmp_path / "nope")


def test_create_keeps_width_numbers_next_and_never_overwrites(tmp_path: Path) -> None:
    first = create_migration(tmp_path, "init", tx=True)
    assert Path(first.up).name == "000001_init.tx.up.sql"
    assert Path(first.down).name == "000001_init.tx.down.sql"
    (tmp_path / "0042_legacy.up.sql").write_text("SELECT 1;")
    nxt = create_migration(tmp_path, "add-index")
    assert Path(nxt.up).name == "0043_add-index.up.sql"
    with pytest.raises(ConfigurationError, match="already exists"):
        create_migration(tmp_path, "init")
    for bad in ("../evil", "a/b", "UPPER", "", "white space", "x" * 101):
        with pytest.raises(ConfigurationError, match="invalid migration name"):
            create_migration(tmp_path, bad)


def test_environment_aliases_and_unknown_names() -> None:
    assert Environment.parse("prod") is Environment.PRODUCTION
    assert Environment.parse("Stage") is Environment.STAGING
    assert Environment.parse("dev") is Environment.DEVELOPMENT
    assert Environment.parse("testing") is Environment.TEST
    with pytest.raises(ConfigurationError) as info:
        Environment.parse("qa")
    assert str(info.value).startswith(
        "unknown environment 'qa'; accepted values: dev, development, prod, production, "
        "stage, staging, test, testing"
    )
    assert info.value.exit_code == 2


def test_precedence_is_flag_then_environment_then_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trenova-db]\nenv = "staging"\nmigrations-dir = "db/sql"\nlock-timeout = "5s"\n'
    )
    from_file = resolve_settings({}, environ={}, cwd=tmp_path)
    assert from_file.environment is Environment.STAGING
    assert from_file.migrations_dir == tmp_path / "db/sql"
    assert from_file.lock_timeout == 5.0
    from_env = resolve_settings(
        {}, environ={"APP_ENV": "prod", "TRENOVA_ENV": "test"}, cwd=tmp_path
    )
    assert from_env.environment is Environment.TEST
    from_flag = resolve_settings(
        {"environment": "dev"}, environ={"TRENOVA_ENV": "test"}, cwd=tmp_path
    )
    assert from_flag.environment is Environment.DEVELOPMENT


def test_database_url_precedence_and_aliases(tmp_path: Path) -> None:
    defaults = resolve_settings({}, environ={}, cwd=tmp_path)
    assert defaults.database_url is None
    assert defaults.schema == "public"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trenova-db]\ndatabase-url = "postgresql://file@h/db"\n'
    )
    assert resolve_settings({}, environ={}, cwd=tmp_path).database_url == "postgresql://file@h/db"
    both = {
        "DATABASE_URL": "postgresql://plain@h/db",
        "TRENOVA_DATABASE_URL": "postgresql://ours@h/db",
    }
    assert resolve_settings({}, environ=both, cwd=tmp_path).database_url == "postgresql://ours@h/db"
    plain = {"DATABASE_URL": "postgresql://plain@h/db"}
    assert (
        resolve_settings({}, environ=plain, cwd=tmp_path).database_url == "postgresql://plain@h/db"
    )
    flag = resolve_settings({"database_url": "postgresql://flag@h/db"}, environ=both, cwd=tmp_path)
    assert flag.database_url == "postgresql://flag@h/db"


def test_unknown_pyproject_keys_and_bad_durations_are_configuration_errors(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\nmigration-dir = "x"\n')
    with pytest.raises(ConfigurationError, match="unknown key"):
        resolve_settings({}, environ={}, cwd=tmp_path)
    with pytest.raises(ConfigurationError, match="invalid lock-timeout 'soon'"):
        parse_duration("soon", name="lock-timeout")
    assert parse_duration("500ms") == 0.5
    assert parse_duration("2m") == 120.0


def test_passwords_are_masked_everywhere() -> None:
    assert mask_dsn("postgresql://user:secret@db:5432/app") == "postgresql://user:***@db:5432/app"
    assert mask_dsn("postgresql://user@db/app") == "postgresql://user@db/app"
    assert mask_dsn("host=db password=secret user=x") == "host=db password=*** user=x"
    assert mask_dsn("postgresql://u@db/app?password=secret") == "postgresql://u@db/app?password=***"
    text = "failed: postgresql://a:b@c/d and p@ss"
    assert mask_secrets(text, "p@ss") == "failed: postgresql://a:***@c/d and ***"


def test_an_unencoded_at_sign_in_a_url_password_leaves_no_tail_visible() -> None:
    # No literal secret given: the pattern alone has to find the last "@".
    assert mask_secrets("dial postgresql://u:p@ss@h/db: refused") == (
        "dial postgresql://u:***@h/db: refused"
    )
    # An e-mail address after a URL without a password is left alone.
    text = "postgresql://h:5432/db: down, mail admin@example.com"
    assert mask_secrets(text) == text


def test_very_short_literal_secrets_do_not_blank_out_words_but_urls_stay_masked() -> None:
    text = "cannot connect to postgresql://u:pw@h/db: password for pw user rejected"
    assert mask_secrets(text, "pw") == (
        "cannot connect to postgresql://u:***@h/db: password for pw user rejected"
    )
    assert mask_secrets("pwgen says s3cret", "s3cret") == "pwgen says ***"
