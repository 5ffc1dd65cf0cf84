"""Migration file discovery and configuration: pure, no database."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import write_migrations
from trenova_db.config import Environment, mask_dsn, mask_secrets, parse_duration, resolve_settings
from trenova_db.discovery import (
    MigrationFile,
    checksum_bytes,
    discover_migrations,
    normalise_sql,
    parse_migration_name,
)
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


def convention(filename: str) -> tuple[int, str, str, str] | None:
    """The naming rule read off the contract by hand (no regex): the oracle for the parser."""
    digits, underscore, rest = filename.partition("_")
    if not underscore or not 1 <= len(digits) <= 14 or any(c not in "0123456789" for c in digits):
        return None
    for direction in ("up", "down"):
        if rest.endswith(f".{direction}.sql"):
            stem = rest[: -len(f".{direction}.sql")]
            break
    else:
        return None
    kind = "notx"
    if stem.endswith(".tx"):
        stem, kind = stem[:-3], "tx"
    if not stem or any(c not in "0123456789abcdefghijklmnopqrstuvwxyz_-" for c in stem):
        return None
    return int(digits), stem, kind, direction


@given(_NEAR_NAMES)
@example("000001_users.up.sql\n")  # "$" would accept a trailing newline
@example("\u0661_users.up.sql")  # an Arabic-Indic one is a digit to "\d", not to the rule
@example("000001_users.tx.tx.up.sql")
@example("000001_tx.up.sql")
@example("1_a.down.sql")
@settings(max_examples=1000, deadline=None)
def test_parsing_never_raises_and_accepts_exactly_the_convention(filename: str) -> None:
    parsed = parse_migration_name(filename)
    got = None if parsed is None else (parsed.version, parsed.name, parsed.kind, parsed.direction)
    assert got == convention(filename), filename


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
        "000006_y.down.sql: name does not match its up file 000006_x.up.sql",
        # what the names say first, then what the files hold
        "000004_latin1.up.sql: not valid UTF-8 (byte 0xe9 at offset 11); re-save the file as UTF-8",
        "000005_empty.up.sql: file is empty; write the SQL or delete the file",
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


def test_every_field_of_a_discovered_migration_is_read_from_its_files(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path,
        {
            "000001_init.tx.up.sql": b"\xef\xbb\xbfCREATE TABLE a ();\r\n",
            "000001_init.tx.down.sql": "DROP TABLE a;\n",
            "000002_index.up.sql": "CREATE INDEX CONCURRENTLY i ON a (x);\n",
            "000002_index.tx.down.sql": "DROP INDEX i;\n",
            "000010_nodown.tx.up.sql": "SELECT 10;",
        },
    )
    (folder / "000003_folder.up.sql").mkdir()  # a directory is never a migration
    found = discover_migrations(folder)
    assert found.directory == folder
    assert found.ignored == ()
    first, second, third = found.migrations
    assert first == MigrationFile(
        version=1,
        name="init",
        kind="tx",
        directory=str(folder),
        up_file="000001_init.tx.up.sql",
        checksum="sha256:" + hashlib.sha256(b"CREATE TABLE a ();\n").hexdigest(),
        down_file="000001_init.tx.down.sql",
        down_kind="tx",
    )
    assert first.up_sql == "CREATE TABLE a ();\n"  # BOM stripped, CRLF -> LF
    assert first.down_sql == "DROP TABLE a;\n"  # read on first use
    assert (first.up_path, first.down_path, first.label) == (
        folder / "000001_init.tx.up.sql",
        folder / "000001_init.tx.down.sql",
        "000001_init.tx.up.sql",
    )
    # The down file's own kind is kept: a notx up may have a tx down.
    assert (second.version, second.kind, second.down_kind) == (2, "notx", "tx")
    assert second.down_file == "000002_index.tx.down.sql"
    assert third == MigrationFile(
        version=10,
        name="nodown",
        kind="tx",
        directory=str(folder),
        up_file="000010_nodown.tx.up.sql",
        checksum=checksum_bytes(b"SELECT 10;"),
    )
    assert third.up_sql == "SELECT 10;"
    assert third.down_path is None
    assert found.by_version() == {1: first, 2: second, 10: third}


def test_the_checksum_ignores_a_bom_and_crlf_but_nothing_else() -> None:
    plain = checksum_bytes(b"SELECT 1;\nSELECT 2;\n")
    assert plain == "sha256:" + hashlib.sha256(b"SELECT 1;\nSELECT 2;\n").hexdigest()
    assert checksum_bytes(b"\xef\xbb\xbfSELECT 1;\r\nSELECT 2;\r\n") == plain
    assert checksum_bytes(b"SELECT 1;\rSELECT 2;\r") != plain  # a bare CR is content
    assert normalise_sql(b"\xef\xbb\xbf\xef\xbb\xbfx") == b"\xef\xbb\xbfx"  # one BOM only
    assert normalise_sql(b"a\xef\xbb\xbf") == b"a\xef\xbb\xbf"  # a BOM only at the start
    assert normalise_sql(b"\r\r\n") == b"\r\n"


def test_duplicate_down_files_for_a_version_are_reported_with_both_names(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path,
        {
            "000001_a.up.sql": "SELECT 1;",
            "000001_a.down.sql": "SELECT 1;",
            "000001_a.tx.down.sql": "SELECT 1;",
            "000002_b.up.sql": "SELECT 2;",
        },
    )
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    assert info.value.problems == [
        "duplicate down files for version 1: 000001_a.down.sql and 000001_a.tx.down.sql"
    ]
    assert info.value.summary == f"1 problem in migrations directory {folder}"
    assert info.value.hint == "fix or rename the files listed; nothing was applied"


def test_two_ups_and_two_downs_of_one_version_are_one_problem(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path,
        {
            "000001_a.up.sql": "SELECT 1;",
            "000001_a.tx.up.sql": "SELECT 1;",
            "000001_a.down.sql": "SELECT 1;",
            "000001_a.tx.down.sql": "SELECT 1;",
        },
    )
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    assert info.value.problems == ["duplicate version 1: 000001_a.tx.up.sql and 000001_a.up.sql"]


def test_an_unreadable_up_file_is_a_problem_at_once_a_broken_down_file_when_it_is_read(
    tmp_path: Path,
) -> None:
    files: dict[str, str | bytes] = {
        "000001_a.up.sql": "SELECT 1;",
        "000001_a.down.sql": "",
        "000002_b.up.sql": "SELECT 2;",
        "000002_b.down.sql": b"\xff",
        "000003_c.up.sql": "SELECT 3;",
    }
    folder = write_migrations(tmp_path, files)
    (folder / "000004_d.up.sql").symlink_to(folder / "nowhere")
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    assert info.value.problems == [
        "000004_d.up.sql: cannot read file (No such file or directory)",
    ]
    assert str(info.value).startswith(f"1 problem in migrations directory {folder}: ")
    (folder / "000004_d.up.sql").unlink()
    first, second, third = discover_migrations(folder).migrations
    for m, problem in (
        (first, "000001_a.down.sql: file is empty; write the SQL or delete the file"),
        (
            second,
            "000002_b.down.sql: not valid UTF-8 (byte 0xff at offset 0); re-save the file as UTF-8",
        ),
    ):
        with pytest.raises(DiscoveryError) as broken:
            _ = m.down_sql
        assert broken.value.problems == [problem]
    assert third.down_sql is None


def test_a_big_file_is_read_whole(tmp_path: Path) -> None:
    sql = "SELECT 1;\n" * 300_000  # 3 MB: several reads
    folder = write_migrations(tmp_path, {"000001_big.up.sql": sql})
    [m] = discover_migrations(folder).migrations
    assert m.up_sql == sql
    assert m.checksum == checksum_bytes(sql.encode())


def test_names_that_look_like_migrations_in_any_case_are_problems_not_ignored(
    tmp_path: Path,
) -> None:
    folder = write_migrations(
        tmp_path,
        {
            "000001_a.UP.SQL": "SELECT 1;",
            "2_b.Down.Sql": "SELECT 1;",
            "x_1.up.sql": "SELECT 1;",
            "000001.sql": "SELECT 1;",
        },
    )
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    rule = (
        ": name does not match NNNNNN_name[.tx].(up|down).sql (version: 1-14 digits; name: "
        "lowercase letters, digits, '_' or '-')"
    )
    assert info.value.problems == ["000001_a.UP.SQL" + rule, "2_b.Down.Sql" + rule]


def test_a_file_where_the_folder_should_be_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "sql").write_text("not a folder")
    with pytest.raises(ConfigurationError) as info:
        discover_migrations(tmp_path / "sql")
    assert str(info.value) == f"migrations directory {tmp_path / 'sql'} is not a directory"
    assert info.value.hint == "pass --migrations-dir, or create it with `trenova-db create NAME`"
    with pytest.raises(ConfigurationError) as missing:
        discover_migrations(tmp_path / "nope")
    assert str(missing.value) == f"migrations directory {tmp_path / 'nope'} does not exist"


def test_an_empty_folder_has_no_migrations(tmp_path: Path) -> None:
    found = discover_migrations(tmp_path)
    assert (found.migrations, found.ignored, found.by_version()) == ((), (), {})


def test_problems_of_later_versions_are_found_after_a_duplicate_or_a_mismatched_down(
    tmp_path: Path,
) -> None:
    folder = write_migrations(
        tmp_path,
        {
            "000001_a.up.sql": "SELECT 1;",
            "000001_a.down.sql": "SELECT 1;",
            "000001_a.tx.down.sql": "SELECT 1;",
            "000002_b.up.sql": "SELECT 2;",
            "000002_c.down.sql": "SELECT 2;",
            "000003_d.down.sql": "SELECT 3;",
        },
    )
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    assert info.value.problems == [
        "duplicate down files for version 1: 000001_a.down.sql and 000001_a.tx.down.sql",
        "000002_c.down.sql: name does not match its up file 000002_b.up.sql",
        "000003_d.down.sql: down file without a matching up file",
    ]
    assert info.value.summary == f"3 problems in migrations directory {folder}"


def test_two_problems_are_problems(tmp_path: Path) -> None:
    folder = write_migrations(tmp_path, {"000001_a.down.sql": "x", "000002_b.down.sql": "x"})
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    assert info.value.summary == f"2 problems in migrations directory {folder}"


def test_discovery_checks_down_file_names_up_front_without_reading_any(tmp_path: Path) -> None:
    # Every down file here is a dangling symlink: reading one would fail, so
    # the problems below can only come from the names.
    folder = write_migrations(tmp_path, {"000001_a.tx.up.sql": "SELECT 1;"})
    for name in (
        "000001_a.tx.down.sql",
        "000001_a.down.sql",
        "000002_orphan.down.sql",
        "000003_b.tx.down.sql",
    ):
        (folder / name).symlink_to(folder / "nowhere")
    (folder / "000003_c.tx.up.sql").write_text("SELECT 3;")
    with pytest.raises(DiscoveryError) as info:
        discover_migrations(folder)
    assert info.value.problems == [
        "duplicate down files for version 1: 000001_a.down.sql and 000001_a.tx.down.sql",
        "000002_orphan.down.sql: down file without a matching up file",
        "000003_b.tx.down.sql: name does not match its up file 000003_c.tx.up.sql",
    ]


def test_a_down_file_is_not_read_until_its_sql_is_needed(tmp_path: Path) -> None:
    folder = write_migrations(tmp_path, {"000001_a.tx.up.sql": "SELECT 1;"})
    (folder / "000001_a.down.sql").symlink_to(folder / "nowhere")
    found = discover_migrations(folder)
    m = found.migrations[0]
    assert (m.up_sql, m.down_file, m.down_kind) == ("SELECT 1;", "000001_a.down.sql", "notx")
    assert m.down_path == folder / "000001_a.down.sql"
    with pytest.raises(DiscoveryError) as info:
        _ = m.down_sql
    assert info.value.problems == [
        "000001_a.down.sql: cannot read file (No such file or directory)"
    ]
    assert str(info.value) == (
        f"1 problem in migrations directory {folder}: "
        "000001_a.down.sql: cannot read file (No such file or directory)"
    )
    assert info.value.hint == "fix the file listed; nothing was run"
    assert info.value.exit_code == 4


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "SELECT 'caf\xe9';".encode("latin-1"),
            "000001_a.tx.down.sql: not valid UTF-8 (byte 0xe9 at offset 11); "
            "re-save the file as UTF-8",
        ),
        (b" \r\n\t", "000001_a.tx.down.sql: file is empty; write the SQL or delete the file"),
    ],
)
def test_a_down_file_that_cannot_be_used_is_named_when_its_sql_is_needed(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    folder = write_migrations(
        tmp_path, {"000001_a.tx.up.sql": "SELECT 1;", "000001_a.tx.down.sql": content}
    )
    m = discover_migrations(folder).migrations[0]
    with pytest.raises(DiscoveryError) as info:
        _ = m.down_sql
    assert info.value.problems == [problem]


def test_a_down_file_is_read_once_and_its_text_normalised(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path,
        {"000001_a.tx.up.sql": "SELECT 1;", "000001_a.tx.down.sql": b"\xef\xbb\xbfDROP a;\r\n"},
    )
    m = discover_migrations(folder).migrations[0]
    assert m.down_sql == "DROP a;\n"
    (folder / "000001_a.tx.down.sql").unlink()
    assert m.down_sql == "DROP a;\n"


def test_bad_files_win_over_a_database_that_never_answers_and_the_attempt_is_dropped(
    tmp_path: Path,
) -> None:
    # Discovery runs while the connection opens; its error must still be the
    # one raised, without waiting out the connect timeout, and the abandoned
    # connection must be closed, not left to the server.
    import asyncio

    from trenova_db import migrate, status

    folder = write_migrations(tmp_path, {"000001_orphan.down.sql": "SELECT 1;"})

    async def scenario() -> None:
        accepted: list[asyncio.StreamReader] = []

        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(reader)  # never answers

        server = await asyncio.start_server(hold, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        url = f"postgresql://nobody@127.0.0.1:{port}/nothing?sslmode=disable"
        for call in (
            migrate(url, migrations_dir=folder, connect_timeout=120),
            status(url, migrations_dir=folder),
        ):
            with pytest.raises(DiscoveryError) as info:
                await asyncio.wait_for(call, 60)
            assert info.value.problems == [
                "000001_orphan.down.sql: down file without a matching up file"
            ]
        # Whatever an attempt sent before it was dropped, it then closed:
        # read() returns at EOF (an attempt left open would time out here).
        for reader in accepted:
            await asyncio.wait_for(reader.read(), 60)
        server.close()

    asyncio.run(scenario())
