"""Passwords holding URL delimiters, unencoded (issue 9): never shown, not even in part.

A password such as ``p@ss:w/rd#1`` pasted into a URL as it is used to be
masked up to its first ``@`` (``postgres:***@ss:w/rd#1@...``). It runs to the
LAST ``@`` of the authority; asyncpg, which splits at the first ``@``, is
handed the URL with the password percent-encoded, so such a URL also works.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import CliResult, query, write_migrations
from trenova_db.config import connectable_dsn, dsn_password, mask_dsn, mask_secrets

Cli = Callable[..., CliResult]

# Each letter-digit run is a fragment that must never appear in any output.
PASSWORDS = [
    "Qx7p@Vk9s",
    "Qx7p:Vk9s",
    "Qx7p/Vk9s",
    "Qx7p#Vk9s",
    "Qx7p?Vk9s",
    "Qx7p@Vk9s:Wm3d/Jz5r#Yt2q",
    "Qx7p:Vk9s@Wm3d",
    "Qx7p/Vk9s@Wm3d:",
    "@Qx7p@",
    "Qx7p@@Vk9s",
    "Qx7p#Vk9s/Wm3d?Jz5r@",
    "8461/Vk9s",
    "8461?Vk9s",
    "8461?Vk9s=Wm3d",
    "Qx7p%Vk9s@",
]


def fragments(password: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", password)


def assert_hidden(password: str, *outputs: str) -> None:
    for text in outputs:
        for piece in fragments(password):
            assert piece not in text, f"{piece!r} of the password shows in {text!r}"


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("tail", ["", "/app", "/app?sslmode=disable", "/app#frag"])
def test_a_password_with_unencoded_delimiters_is_masked_whole(password: str, tail: str) -> None:
    url = f"postgresql://postgres:{password}@db.example:5432{tail}"
    assert mask_dsn(url) == f"postgresql://postgres:***@db.example:5432{tail}"
    assert dsn_password(url) == password
    said = f"cannot connect to {url}: refused ({url})"
    assert mask_secrets(said) == (
        f"cannot connect to postgresql://postgres:***@db.example:5432{tail}: refused "
        f"(postgresql://postgres:***@db.example:5432{tail})"
    )
    assert_hidden(password, mask_dsn(url), mask_secrets(said), mask_secrets(said, password))


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_url_handed_to_the_driver_carries_the_whole_password_encoded(password: str) -> None:
    parts = urlsplit(connectable_dsn(f"postgresql://postgres:{password}@db.example:5432/app"))
    assert (parts.username, parts.hostname, parts.port, parts.path) == (
        "postgres",
        "db.example",
        5432,
        "/app",
    )
    assert unquote(parts.password or "") == password


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:secret@h:5432/app",
        "postgresql://u:s%40cret@h/app",
        "postgresql://u@h/app",
        "postgresql://h:5432/app?application_name=deploy@ci",
        "postgresql://u:secret@h1:5432,h2:5433/app",
        "host=db password=secret",
    ],
)
def test_a_url_that_reads_as_written_is_handed_to_the_driver_unchanged(url: str) -> None:
    assert connectable_dsn(url) == url


def test_an_at_sign_in_the_query_is_not_taken_for_the_end_of_a_password() -> None:
    url = "postgresql://u:secret@h/app?application_name=deploy@ci"
    assert mask_dsn(url) == "postgresql://u:***@h/app?application_name=deploy@ci"
    assert dsn_password(url) == "secret"
    no_password = "postgresql://h:5432/app?application_name=deploy@ci"
    assert mask_dsn(no_password) == no_password


@pytest.fixture
def role_database(trenova_database: str) -> Iterator[tuple[str, str]]:
    """A login role owning the test database: (admin url, role name)."""
    role = f"pw_{uuid.uuid4().hex[:12]}"
    database = urlsplit(trenova_database).path.lstrip("/")
    query(trenova_database, f"CREATE ROLE {role} LOGIN")
    query(trenova_database, f"ALTER DATABASE {database} OWNER TO {role}")
    try:
        yield trenova_database, role
    finally:
        query(trenova_database, f"DROP OWNED BY {role}")
        query(trenova_database, f"ALTER DATABASE {database} OWNER TO CURRENT_USER")
        query(trenova_database, f"DROP ROLE {role}")


@pytest.mark.parametrize(
    "password", ["Qx7p@Vk9s:Wm3d/Jz5r#Yt2q", "Qx7p?Vk9s@", "8461/Vk9s", "8461?Vk9s"]
)
def test_no_part_of_such_a_password_reaches_any_output_of_a_real_run(
    role_database: tuple[str, str], cli: Cli, password: str, tmp_path: Path
) -> None:
    admin, role = role_database
    query(admin, f"ALTER ROLE {role} PASSWORD '{password}'")
    parts = urlsplit(admin)
    where = f"{parts.hostname}:{parts.port}{parts.path}"
    url = f"postgresql://{role}:{password}@{where}"
    folder = write_migrations(
        tmp_path / "sql",
        {"000001_t.tx.up.sql": "CREATE TABLE t (id int);\n"},
    )
    a = ("--database-url", url, "--migrations-dir", str(folder))
    outputs: list[str] = []
    for args in (("migrate", *a), ("status", *a), ("status", "--json", *a)):
        result = cli(*args)
        assert result.code == 0, result.err
        outputs += [result.out, result.err]
    assert query(admin, "SELECT version FROM schema_migrations") == [(1,)]
    # Failures too: a database that does not exist, in text and JSON.
    missing = f"postgresql://{role}:{password}@{parts.hostname}:{parts.port}/no_such_db"
    for json in ((), ("--json",)):
        result = cli("status", *json, "--database-url", missing)
        assert result.code == 1, result.err
        assert f"postgresql://{role}:***@{parts.hostname}:{parts.port}/no_such_db" in result.err
        outputs += [result.out, result.err]
    assert_hidden(password, *outputs)
