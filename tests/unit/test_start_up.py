"""What the no-op start-up decides without a database: TLS on loopback, the history digest."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trenova_db.connection import plain_on_loopback
from trenova_db.discovery import MigrationFile, history_digest


@pytest.mark.parametrize(
    ("dsn", "plain"),
    [
        # loopback, every spelling
        ("postgresql://u@127.0.0.1:5432/db", True),
        ("postgresql://u@127.0.0.1/db", True),
        ("postgres://u@localhost/db", True),
        ("postgresql://u@localhost:5433/db", True),
        ("postgresql://u@127.1.2.3:5432/db", True),  # all of 127.0.0.0/8
        ("postgresql://u@[::1]:5432/db", True),
        ("postgresql://u@[::1]/db", True),
        ("postgresql://127.0.0.1/db", True),  # no user
        ("postgresql://u@127.0.0.1:5432/db?application_name=x", True),
        # remote
        ("postgresql://u@db.example.com:5432/db", False),
        ("postgresql://u@10.0.0.5/db", False),
        ("postgresql://u@[2001:db8::1]:5432/db", False),
        ("postgresql://u@localhost.example.com/db", False),
        ("postgresql://u@127.db.example.com/db", False),  # a name, not an address
        ("postgresql://u@127.0.0.1.example.com:5432/db", False),
        # the URL asks something of TLS
        ("postgresql://u@127.0.0.1/db?sslmode=disable", False),
        ("postgresql://u@localhost/db?sslmode=require", False),
        ("postgresql://u@127.0.0.1/db?connect_timeout=5&SSLMODE=verify-full", False),
        ("postgresql://u@127.0.0.1/db?sslrootcert=/etc/ca.pem", False),
        ("postgresql://u@127.0.0.1/db?ssl=true", False),
        # Unix sockets: no TLS anyway, nothing to decide
        ("postgresql:///db", False),
        ("postgresql://u@/db?host=/var/run/postgresql", False),
        ("postgresql://u@%2Fvar%2Frun%2Fpostgresql/db", False),
        # several hosts: all must be loopback
        ("postgresql://u@127.0.0.1:5432,localhost:5433/db", True),
        ("postgresql://u@127.0.0.1:5432,[::1]:5433/db", True),
        ("postgresql://u@127.0.0.1:5432,db.example.com:5432/db", False),
        ("postgresql://u@db.example.com,127.0.0.1/db", False),
        # key=value DSNs and other schemes: left to the driver
        ("host=127.0.0.1 dbname=db", False),
        ("host=localhost port=5432 user=u", False),
        ("postgresql+asyncpg://u@127.0.0.1/db", False),
        # passwords holding URL delimiters (written unencoded: trenova-db accepts them)
        ("postgresql://u:p@ss@127.0.0.1/db", True),
        ("postgresql://u:p@ss@db.example.com/db", False),
        ("postgresql://u:x@127.0.0.1@db.example.com/db", False),
        ("postgresql://u:se/cret@db.example.com/db", False),
        ("postgresql://localhost:se/cret@db.example.com/db", False),  # user named localhost
        ("postgresql://u:p#w@db.example.com/db", False),
        ("postgresql://u:p?w@db.example.com/db", False),
    ],
)
def test_plain_on_loopback_only_when_every_host_is_this_machine_and_tls_is_not_asked(
    dsn: str, plain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGSSLMODE", raising=False)
    assert plain_on_loopback(dsn) is plain


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer", "require", "verify-full"])
def test_pgsslmode_set_leaves_tls_to_the_driver_even_on_loopback(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLMODE", mode)
    assert plain_on_loopback("postgresql://u@127.0.0.1:5432/db") is False
    assert plain_on_loopback("postgresql://u@localhost/db") is False


def migration(version: int, checksum: str) -> MigrationFile:
    return MigrationFile(
        version=version,
        name=f"m{version}",
        kind="tx",
        directory="/nowhere",
        up_file=f"{version:06d}_m{version}.tx.up.sql",
        checksum=checksum,
    )


def test_the_history_digest_is_sha256_of_version_checksum_lines_in_version_order() -> None:
    ten = migration(10, "sha256:" + "a" * 64)
    nine = migration(9, "sha256:" + "b" * 64)
    expected = hashlib.sha256(f"9 sha256:{'b' * 64}\n10 sha256:{'a' * 64}".encode()).hexdigest()
    assert history_digest([ten, nine]) == expected  # numeric order, not text order
    assert history_digest((nine, ten)) == expected
    assert history_digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert history_digest([nine]) == hashlib.sha256(f"9 sha256:{'b' * 64}".encode()).hexdigest()


# -- masking URLs, searched only where a "://" is --------------------------------

_TOKENS = st.sampled_from(
    [
        "://",
        "postgresql",
        "u",
        "p",
        "h",
        "db",
        ":",
        "/",
        "@",
        "?",
        "&",
        "=",
        "#",
        "%",
        "_",
        " ",
        "\n",
        "\t",
        "é",
        "٣",
        "5432",
        "x-y",
        "password",
        "pass%77ord",
        "'",
    ]
)


@given(st.lists(_TOKENS, max_size=40).map("".join))
@settings(max_examples=500, deadline=None)
def test_masking_at_each_scheme_finds_what_a_plain_sub_finds(text: str) -> None:
    from trenova_db.config import _URL, _URL_PASSWORD, _sub_at_schemes

    def star(m: re.Match[str]) -> str:
        return f"<{m.group()}>"

    for pattern in (_URL_PASSWORD, _URL):
        assert _sub_at_schemes(pattern, star, text) == pattern.sub(star, text)
