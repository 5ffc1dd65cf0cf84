"""Configuration without a database: environments, durations, masking, precedence."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from trenova_db.config import (
    Environment,
    Settings,
    connectable_dsn,
    dsn_password,
    find_project_root,
    is_project,
    mask_dsn,
    mask_secrets,
    parse_duration,
    read_pyproject,
    resolve_settings,
)
from trenova_db.errors import ConfigurationError

# -- environments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "env"),
    [
        ("production", Environment.PRODUCTION),
        ("prod", Environment.PRODUCTION),
        ("staging", Environment.STAGING),
        ("stage", Environment.STAGING),
        ("development", Environment.DEVELOPMENT),
        ("dev", Environment.DEVELOPMENT),
        ("test", Environment.TEST),
        ("testing", Environment.TEST),
        ("  PROD\n", Environment.PRODUCTION),
    ],
)
def test_every_alias_names_its_environment(text: str, env: Environment) -> None:
    assert Environment.parse(text) is env


def test_an_environment_parses_to_itself_and_only_production_and_staging_are_protected() -> None:
    for env in Environment:
        assert Environment.parse(env) is env
    assert [e.value for e in Environment if e.is_protected] == ["production", "staging"]


def test_an_unknown_environment_names_the_accepted_values_and_the_flag() -> None:
    with pytest.raises(ConfigurationError) as info:
        Environment.parse("qa")
    assert str(info.value) == (
        "unknown environment 'qa'; accepted values: dev, development, prod, production, "
        "stage, staging, test, testing"
    )
    assert info.value.hint == "pass --env development (or set TRENOVA_ENV) with one of those names"
    assert info.value.__suppress_context__


# -- durations -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1s", 1.0),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1.5", 1.5),
        (" 10 s ", 10.0),
        ("0", 0.0),
        (3, 3.0),
        (2.5, 2.5),
        (0, 0.0),
        ("2147483", 2_147_483.0),
        (2_147_483, 2_147_483.0),
    ],
)
def test_durations_are_seconds(value: str | float, seconds: float) -> None:
    result = parse_duration(value)
    assert result == seconds
    assert type(result) is float


@pytest.mark.parametrize("value", ["soon", "1.5.3", "-1s", "1d", "s", "", "1 s s", "1e3"])
def test_a_duration_that_does_not_parse_names_itself_and_the_units(value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_duration(value, name="lock-timeout")
    assert str(info.value) == f"invalid lock-timeout {value!r}"
    assert info.value.hint == "use a number of seconds or a unit: 500ms, 10s, 2m, 1h"


@pytest.mark.parametrize("value", [True, False, None, [1], {"s": 1}])
def test_a_duration_of_the_wrong_type_is_refused(value: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_duration(value, name="connect-timeout")  # type: ignore[arg-type]
    assert str(info.value) == (
        f"invalid connect-timeout {value!r}: expected a number of seconds or a string like '10s'"
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (math.inf, "must be a finite number of seconds"),
        (math.nan, "must be a finite number of seconds"),
        (-1, "must not be negative"),
        (-0.001, "must not be negative"),
        (2_147_484, "at most 2147483 s (PostgreSQL's limit, ~24 days)"),
        ("2147483.5", "at most 2147483 s (PostgreSQL's limit, ~24 days)"),
        ("35792m", "at most 2147483 s (PostgreSQL's limit, ~24 days)"),
    ],
)
def test_a_duration_out_of_range_says_why(value: str | float, why: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_duration(value)
    assert str(info.value) == f"invalid duration {value!r}: {why}"


# -- masking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dsn", "masked"),
    [
        ("postgresql://user:secret@db:5432/app", "postgresql://user:***@db:5432/app"),
        ("postgresql://user@db/app", "postgresql://user@db/app"),
        ("postgresql://db/app", "postgresql://db/app"),
        # the password runs to the LAST "@": none of it may show
        ("postgresql://u:p@ss@db/app", "postgresql://u:***@db/app"),
        ("postgresql://u:a@b@c@db:5432/app", "postgresql://u:***@db:5432/app"),
        # and from the FIRST ":" of the userinfo
        ("postgresql://u:pa:ss@db/app", "postgresql://u:***@db/app"),
        ("postgresql://u@db/app?password=secret", "postgresql://u@db/app?password=***"),
        ("postgresql://db/app?sslmode=require&password=s3&x=1", None),
        ("host=db password=secret user=x", "host=db password=*** user=x"),
        ("host=db PASSWORD = 'a b\\'c' user=x", "host=db PASSWORD = *** user=x"),
        ("just-a-password", "(unparseable database URL, not shown)"),
        ("", "(unparseable database URL, not shown)"),
    ],
)
def test_passwords_never_survive_masking(dsn: str, masked: str | None) -> None:
    if masked is None:
        masked = "postgresql://db/app?sslmode=require&password=***&x=1"
    assert mask_dsn(dsn) == masked


def test_a_url_python_cannot_split_is_masked_as_text_or_not_shown() -> None:
    assert mask_dsn("postgresql://[::1/db") == "(unparseable database URL, not shown)"
    assert mask_dsn("postgresql://[::1/db?password=x") == "postgresql://[::1/db?password=***"


def test_secrets_are_removed_from_any_text() -> None:
    text = "failed: postgresql://a:b@c/d and p@ss, then postgresql://e:f@g/h password=zz"
    assert mask_secrets(text, "p@ss", None, "") == (
        "failed: postgresql://a:***@c/d and ***, then postgresql://e:***@g/h password=***"
    )
    # a literal secret of 4 characters is replaced everywhere, one of 3 is not
    assert mask_secrets("abcd abc", "abcd") == "*** abc"
    assert mask_secrets("abc word", "abc") == "abc word"
    assert mask_secrets("dial postgresql://u:p@ss@h/db: refused") == (
        "dial postgresql://u:***@h/db: refused"
    )
    # every URL of a line, however many
    urls = " ".join(f"{n} postgresql://u:pw{n}@h/db" for n in range(4))
    assert mask_secrets(urls) == " ".join(f"{n} postgresql://u:***@h/db" for n in range(4))


@pytest.mark.parametrize(
    ("dsn", "password"),
    [
        (None, None),
        ("", None),
        ("postgresql://u:s3cret@h/db", "s3cret"),
        ("postgresql://u@h/db", None),
        ("postgresql://u@h/db?password=qs", "qs"),
        ("host=h password=kv user=u", "kv"),
        ("host=h password='quoted' user=u", "quoted"),
        ("host=h password='' user=u", None),
        ("host=h password=", None),
        ("host=h password='Xpw'", "Xpw"),
        ("postgresql://[::1/db?password=x", "x"),
        ("postgresql://u:@h/db", None),  # an empty password is none
        ("host=h password='s3cret", "s3cret"),  # a quote left open: libpq reads on
        # password= first (the server's), wherever it stands among the other keys
        ("host=h sslpassword=k3y password=s3cret", "s3cret"),
        ("host=h\tsslpassword=k3y\tpassword=s3cret", "s3cret"),
        ("host=h password=s3cret sslpassword=k3y", "s3cret"),
        ("host=h sslpassword=k3y", "k3y"),
        ("postgresql://h/db?sslpassword=k3y&password=s3cret", "s3cret"),
        ("postgresql://h/db?app_password=x1&password=s3cret", "s3cret"),
    ],
)
def test_the_password_of_a_dsn_is_found_for_masking(dsn: str | None, password: str | None) -> None:
    assert dsn_password(dsn) == password


# Odd but real URL shapes: (url, masked, the password, what the driver is handed).
# Every letter-digit run of the password must be gone from the masked forms.
ODD_URLS = [
    # digits, then an unencoded "?": not host "u", port 1234 and a query "x@h/db"
    (
        "postgresql://u:1234?x@h/db",
        "postgresql://u:***@h/db",
        "1234?x",
        "postgresql://u:1234%3Fx@h/db",
    ),
    (
        "postgresql://u:1234?x@h:5432/db",
        "postgresql://u:***@h:5432/db",
        "1234?x",
        "postgresql://u:1234%3Fx@h:5432/db",
    ),
    ("postgresql://u:1234?x@h", "postgresql://u:***@h", "1234?x", "postgresql://u:1234%3Fx@h"),
    ("postgresql://u:12?34@h:5432", "postgresql://u:***@h:5432", "12?34", None),
    ("postgresql://u:1234?@h/db", "postgresql://u:***@h/db", "1234?", None),
    ("postgresql://u:?@h/db", "postgresql://u:***@h/db", "?", "postgresql://u:%3F@h/db"),
    # a "?" and a "=": a query the driver could read, but a host and a database follow the "@"
    (
        "postgresql://u:1234?sslmode=x@h/db",
        "postgresql://u:***@h/db",
        "1234?sslmode=x",
        "postgresql://u:1234%3Fsslmode=x@h/db",
    ),
    ("postgresql://u:1234?k=v@h:5432", "postgresql://u:***@h:5432", "1234?k=v", None),
    # a "?" in the password and an "@" in the real query as well
    (
        "postgresql://u:1234?x@h/db?application_name=a@b",
        "postgresql://u:***@h/db?application_name=a@b",
        "1234?x",
        "postgresql://u:1234%3Fx@h/db?application_name=a@b",
    ),
    (
        "postgresql://u:p@ss?x@h/db",
        "postgresql://u:***@h/db",
        "p@ss?x",
        "postgresql://u:p%40ss%3Fx@h/db",
    ),
    ("postgresql://u:1234#5@h:5432/db", "postgresql://u:***@h:5432/db", "1234#5", None),
    ("postgresql://u:1234/5@h/db", "postgresql://u:***@h/db", "1234/5", None),
    ("postgresql://u:12:34@h/db", "postgresql://u:***@h/db", "12:34", "postgresql://u:12:34@h/db"),
    ("postgresql://u:a@b:c/d@h/db", "postgresql://u:***@h/db", "a@b:c/d", None),
    ("postgresql://u:5432@h/db", "postgresql://u:***@h/db", "5432", "postgresql://u:5432@h/db"),
    # IPv6 hosts
    (
        "postgresql://u:pw9x@[::1]:5432/db",
        "postgresql://u:***@[::1]:5432/db",
        "pw9x",
        "postgresql://u:pw9x@[::1]:5432/db",
    ),
    ("postgresql://u:p@w9x@[::1]/db", "postgresql://u:***@[::1]/db", "p@w9x", None),
    (
        "postgresql://u:1234?x@[fe80::1%25eth0]:5432/db",
        "postgresql://u:***@[fe80::1%25eth0]:5432/db",
        "1234?x",
        "postgresql://u:1234%3Fx@[fe80::1%25eth0]:5432/db",
    ),
    # several hosts
    (
        "postgresql://u:pw9x@h1:5432,h2:5433/db",
        "postgresql://u:***@h1:5432,h2:5433/db",
        "pw9x",
        "postgresql://u:pw9x@h1:5432,h2:5433/db",
    ),
    (
        "postgresql://u:1234?x@h1:5432,h2:5433/db",
        "postgresql://u:***@h1:5432,h2:5433/db",
        "1234?x",
        "postgresql://u:1234%3Fx@h1:5432,h2:5433/db",
    ),
    (
        "postgresql://u:p@w9x@h1,[::1]:5433/db",
        "postgresql://u:***@h1,[::1]:5433/db",
        "p@w9x",
        "postgresql://u:p%40w9x@h1,[::1]:5433/db",
    ),
    # passwords in the query string
    (
        "postgresql://h/db?sslmode=require&password=se%26cr3t&x=1",
        "postgresql://h/db?sslmode=require&password=***&x=1",
        "se%26cr3t",
        None,
    ),
    ("postgresql://h/db?sslpassword=k3yPass", "postgresql://h/db?sslpassword=***", "k3yPass", None),
    (
        "postgresql://h/db?sslpassword=k3yPass&password=s3rver#frag",
        "postgresql://h/db?sslpassword=***&password=***#frag",
        "s3rver",
        None,
    ),
    ("postgresql://h/db?PassWord=s3cr3t", "postgresql://h/db?PassWord=***", "s3cr3t", None),
    ("postgresql://h/db?pass%77ord=s3cr3t", "postgresql://h/db?pass%77ord=***", "s3cr3t", None),
    (
        "postgresql://u:pw9x@h/db?sslpassword=k3y",
        "postgresql://u:***@h/db?sslpassword=***",
        "pw9x",
        None,
    ),
    (
        "postgresql:///db?host=/tmp&password=s0ck3t",
        "postgresql:///db?host=/tmp&password=***",
        "s0ck3t",
        None,
    ),
    # key=value DSNs: quoted values, escapes, spaces around "="
    ("host=h password=s3cret user=u", "host=h password=*** user=u", "s3cret", None),
    ("host=h sslpassword=k3y user=u", "host=h sslpassword=*** user=u", "k3y", None),
    ("host=h password = s3cret", "host=h password = ***", "s3cret", None),
    ("host=h password='a b\\'c9' user=u", "host=h password=*** user=u", "a b'c9", None),
    ("host=h password=se\\ cr3t user=u", "host=h password=*** user=u", "se cr3t", None),
    ("host=h password=a&b9 user=u", "host=h password=*** user=u", "a&b9", None),
    # no path, no port; an empty password; no password at all
    ("postgresql://u:pw@h", "postgresql://u:***@h", "pw", "postgresql://u:pw@h"),
    ("postgresql://u:@h/db", "postgresql://u:***@h/db", None, "postgresql://u:@h/db"),
    *((url, url, None, url) for url in ("postgresql://u@h:5432/db", "postgresql://u/x@h:5432/db")),
    # the userinfo's first ":" starts the password, also with an "@" in the query
    (
        "postgresql://u:p:q@h:5432/db?application_name=a@b",
        "postgresql://u:***@h:5432/db?application_name=a@b",
        "p:q",
        "postgresql://u:p:q@h:5432/db?application_name=a@b",
    ),
    # "@" in the password and in the query: the password ends at the authority's last "@"
    (
        "postgresql://u:p@ss@h:5432/db?application_name=deploy@ci",
        "postgresql://u:***@h:5432/db?application_name=deploy@ci",
        "p@ss",
        "postgresql://u:p%40ss@h:5432/db?application_name=deploy@ci",
    ),
    (
        "postgresql://Xavier:p@ss?x@h/db",
        "postgresql://Xavier:***@h/db",
        "p@ss?x",
        "postgresql://Xavier:p%40ss%3Fx@h/db",
    ),
    # every character that ends an authority, unencoded in one password
    (
        "postgresql://u:p@ss/w?r=d#1@db/app",
        "postgresql://u:***@db/app",
        "p@ss/w?r=d#1",
        "postgresql://u:p%40ss%2Fw%3Fr=d%231@db/app",
    ),
    ("postgresql://u:12/34@h", "postgresql://u:***@h", "12/34", "postgresql://u:12%2F34@h"),
    (
        "postgresql://u:1234#x@h/db",
        "postgresql://u:***@h/db",
        "1234#x",
        "postgresql://u:1234%23x@h/db",
    ),
    # digits first (host:port to a parser), then what no driver would take as the rest
    (
        "postgresql://u:1234#5?x=y@h",
        "postgresql://u:***@h",
        "1234#5?x=y",
        "postgresql://u:1234%235%3Fx=y@h",
    ),
    (
        "postgresql://u:1234#5?x=y@h#f",
        "postgresql://u:***@h#f",
        "1234#5?x=y",
        "postgresql://u:1234%235%3Fx=y@h#f",
    ),
    (
        "postgresql://u:1234?k=v@h/",
        "postgresql://u:***@h/",
        "1234?k=v",
        "postgresql://u:1234%3Fk=v@h/",
    ),
    (
        "postgresql://u:1234?x?k=v@h",
        "postgresql://u:***@h",
        "1234?x?k=v",
        "postgresql://u:1234%3Fx%3Fk=v@h",
    ),
    (
        "postgresql://u:1234?sslmode=x&y@h",
        "postgresql://u:***@h",
        "1234?sslmode=x&y",
        "postgresql://u:1234%3Fsslmode=x&y@h",
    ),
    ("postgresql://u:2024?=x@h", "postgresql://u:***@h", "2024?=x", "postgresql://u:2024%3F=x@h"),
    (
        "postgresql://u:2024/x@h/db?sslmode=require",
        "postgresql://u:***@h/db?sslmode=require",
        "2024/x",
        "postgresql://u:2024%2Fx@h/db?sslmode=require",
    ),
    # cut short: the userinfo ends at the first "@" followed by a host list (an
    # empty one, a socket, too); not by "h:x", "[::1]]" or an "@"
    (
        "postgresql://u:p/w@h/x@y/db",
        "postgresql://u:***@h/x@y/db",
        "p/w",
        "postgresql://u:p%2Fw@h/x@y/db",
    ),
    (
        "postgresql://u:p#@/d@h/db",
        "postgresql://u:***@/d@h/db",
        "p#",
        "postgresql://u:p%23@/d@h/db",
    ),
    (
        "postgresql://u:p/w@x@h/db?application_name=a@b",
        "postgresql://u:***@h/db?application_name=a@b",
        "p/w@x",
        "postgresql://u:p%2Fw%40x@h/db?application_name=a@b",
    ),
    (
        "postgresql://u:p/w@@h/db?application_name=a@b",
        "postgresql://u:***@h/db?application_name=a@b",
        "p/w@",
        "postgresql://u:p%2Fw%40@h/db?application_name=a@b",
    ),
    (
        "postgresql://u:p#w@h:5432/db?application_name=a@b",
        "postgresql://u:***@h:5432/db?application_name=a@b",
        "p#w",
        "postgresql://u:p%23w@h:5432/db?application_name=a@b",
    ),
    ("postgresql://u:p?@@h/db", "postgresql://u:***@h/db", "p?@", "postgresql://u:p%3F%40@h/db"),
    ("postgresql://u:p?@x@h/db", "postgresql://u:***@h/db", "p?@x", "postgresql://u:p%3F%40x@h/db"),
    (
        "postgresql://u:s3/cr@Xeon@db.example.com/app",
        "postgresql://u:***@db.example.com/app",
        "s3/cr@Xeon",
        "postgresql://u:s3%2Fcr%40Xeon@db.example.com/app",
    ),
    (
        "postgresql://u:1234?x@h:x@h/db",
        "postgresql://u:***@h/db",
        "1234?x@h:x",
        "postgresql://u:1234%3Fx%40h:x@h/db",
    ),
    (
        "postgresql://u:1234?x@h:x/d@h/db",
        "postgresql://u:***@h/db",
        "1234?x@h:x/d",
        "postgresql://u:1234%3Fx%40h:x%2Fd@h/db",
    ),
    (
        "postgresql://u:1234?x@[::1]]@h/db",
        "postgresql://u:***@h/db",
        "1234?x@[::1]]",
        "postgresql://u:1234%3Fx%40[::1]]@h/db",
    ),
    (
        "postgresql://u:p/w@[::1]]/x@h/db",
        "postgresql://u:***@h/db",
        "p/w@[::1]]/x",
        "postgresql://u:p%2Fw%40[::1]]%2Fx@h/db",
    ),
    # an "@" inside a query value and no password: nothing to hide, shown as written
    *(
        (url, url, None, url)
        for url in (
            "postgresql://h:5432/app?application_name=deploy@ci",
            "postgresql://h:5432?application_name=deploy@ci",
            "postgresql://[::1]:5432/app?application_name=deploy@ci",
            "postgresql://u@h1:5432,h2:5433/app?application_name=deploy@ci",
            "postgresql://h:5432/db?k=v&application_name=deploy@ci",
            "postgresql://h:5432/db?application_name=ci@job=7",
            "postgresql://h:5432/db?Xtra=1&application_name=deploy@ci",
            "postgresql://h:5432/db?application_name=deploy@Xenial",
        )
    ),
]


@pytest.mark.parametrize(("url", "masked", "password", "driver"), ODD_URLS)
def test_odd_urls_are_masked_whole_and_handed_to_the_driver_as_meant(
    url: str, masked: str, password: str | None, driver: str | None
) -> None:
    assert mask_dsn(url) == masked
    assert dsn_password(url) == password
    if driver is not None:
        assert connectable_dsn(url) == driver
    said = f"cannot connect to {url}: refused"
    shown = [masked, mask_secrets(said), mask_secrets(said, password)]
    for piece in re.findall(r"[A-Za-z0-9]{3,}", password or ""):
        for text in shown:
            assert piece not in text, (piece, text)


def test_secrets_in_free_text_are_masked_in_every_shape() -> None:
    text = (
        "a postgresql://u:1234?x@h/db b "
        "c host=h password=se\\ cr3t user=u d "
        "e postgresql://u:pw9x@[::1]:5432/db f"
    )
    assert mask_secrets(text) == (
        "a postgresql://u:***@h/db b "
        "c host=h password=*** user=u d "
        "e postgresql://u:***@[::1]:5432/db f"
    )


def test_settings_show_a_masked_url_or_the_embedded_server() -> None:
    assert Settings().masked_url == "(embedded)"
    assert Settings(database_url="postgresql://u:pw@h/db").masked_url == "postgresql://u:***@h/db"


# -- the project and its pyproject ---------------------------------------------------


def test_the_project_root_is_the_nearest_folder_with_a_pyproject(tmp_path: Path) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    assert find_project_root(inner) == inner.resolve()  # none above: where you stand
    (tmp_path / "pyproject.toml").write_text("")
    assert find_project_root(inner) == tmp_path.resolve()
    (tmp_path / "a" / "pyproject.toml").mkdir()  # a folder of that name does not count
    assert find_project_root(inner) == tmp_path.resolve()
    (inner / "pyproject.toml").write_text("")
    assert find_project_root(inner) == inner.resolve()


def test_a_project_has_a_migrations_folder_or_a_tool_table(tmp_path: Path) -> None:
    settings = Settings(migrations_dir=tmp_path / "sql", project_root=tmp_path)
    assert not is_project(settings)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert not is_project(settings)
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db]\n")
    assert is_project(settings)
    (tmp_path / "pyproject.toml").write_text('[tool]\ntrenova-db = "yes"\n')
    assert not is_project(settings)
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db\n")
    assert not is_project(settings)
    (tmp_path / "pyproject.toml").write_bytes(b"\xff")
    assert not is_project(settings)
    (tmp_path / "sql").mkdir()
    assert is_project(settings)


def test_pyproject_keys_map_to_settings_and_the_lint_table_is_left_to_lint(
    tmp_path: Path,
) -> None:
    assert read_pyproject(tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text(
        "[tool.trenova-db]\n"
        'database-url = "postgresql://h/db"\nenv = "test"\nmigrations-dir = "m"\n'
        'seeds-dir = "s"\nschema = "app"\nlock-timeout = "1s"\nstatement-timeout = 2\n'
        'connect-timeout = "3s"\ndump-schema = true\n'
        "[tool.trenova-db.lint]\nsquawk = false\n"
    )
    assert read_pyproject(tmp_path) == {
        "database_url": "postgresql://h/db",
        "environment": "test",
        "migrations_dir": "m",
        "seeds_dir": "s",
        "schema": "app",
        "lock_timeout": "1s",
        "statement_timeout": 2,
        "connect_timeout": "3s",
        "dump_schema": True,
    }
    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\nenvironment = "prod"\n')
    assert read_pyproject(tmp_path) == {"environment": "prod"}
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert read_pyproject(tmp_path) == {}


def test_a_broken_pyproject_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.trenova-db\n")
    with pytest.raises(ConfigurationError) as info:
        read_pyproject(tmp_path)
    assert str(info.value).startswith(f"cannot read {path}: ")
    assert info.value.hint == "fix the TOML syntax of pyproject.toml"
    path.write_bytes(b"\xff")
    with pytest.raises(ConfigurationError, match=r"^cannot read "):
        read_pyproject(tmp_path)
    path.write_text('[tool]\ntrenova-db = "x"\n')
    with pytest.raises(ConfigurationError) as table:
        read_pyproject(tmp_path)
    assert str(table.value) == f"{path}: [tool.trenova-db] must be a table"
    path.write_text('[tool.trenova-db]\nmigration-dir = "x"\nzz = 1\n')
    with pytest.raises(ConfigurationError) as keys:
        read_pyproject(tmp_path)
    assert str(keys.value) == f"{path}: unknown key(s) in [tool.trenova-db]: migration-dir, zz"
    assert keys.value.hint == (
        "accepted keys: connect-timeout, database-url, dump-schema, env, environment, "
        "lock-timeout, migrations-dir, pooler, schema, seeds-dir, statement-timeout, targets"
    )


# -- resolving settings ----------------------------------------------------------------


def test_with_nothing_configured_the_defaults_apply(tmp_path: Path) -> None:
    s = resolve_settings(None, environ={}, cwd=tmp_path)
    root = tmp_path.resolve()
    assert s == Settings(project_root=root, migrations_dir=root / "sql", seeds_dir=root / "seeds")
    assert (s.lock_timeout, s.connect_timeout, s.statement_timeout) == (60.0, 10.0, None)
    assert not (s.lock_timeout_set or s.seeds_dir_set or s.debug or s.dump_schema)


def test_every_setting_comes_from_pyproject_relative_to_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.trenova-db]\n"
        'database-url = "postgresql://h/db"\nenv = "stage"\nmigrations-dir = "db/m"\n'
        'seeds-dir = "db/s"\nschema = "app_1$x"\nlock-timeout = "5s"\n'
        'statement-timeout = "1m"\nconnect-timeout = 7\ndump-schema = true\n'
    )
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    root = tmp_path.resolve()
    assert resolve_settings({}, environ={}, cwd=sub) == Settings(
        database_url="postgresql://h/db",
        environment=Environment.STAGING,
        migrations_dir=root / "db/m",
        seeds_dir=root / "db/s",
        schema="app_1$x",
        lock_timeout=5.0,
        lock_timeout_set=True,
        seeds_dir_set=True,
        statement_timeout=60.0,
        connect_timeout=7.0,
        dump_schema=True,
        project_root=root,
    )


def test_the_environment_overrides_pyproject_and_its_paths_are_relative_to_where_you_stand(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trenova-db]\nenv = "prod"\nmigrations-dir = "m"\nlock-timeout = 1\n'
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    environ = {
        "TRENOVA_DATABASE_URL": "postgresql://env@h/db",
        "TRENOVA_ENV": "test",
        "TRENOVA_MIGRATIONS_DIR": "em",
        "TRENOVA_SEEDS_DIR": "/abs/seeds",
        "TRENOVA_SCHEMA": "envschema",
        "TRENOVA_LOCK_TIMEOUT": "2s",
        "TRENOVA_STATEMENT_TIMEOUT": "3s",
        "TRENOVA_CONNECT_TIMEOUT": "4s",
        "TRENOVA_DB_DEBUG": "1",
    }
    s = resolve_settings({}, environ=environ, cwd=sub)
    assert s == Settings(
        database_url="postgresql://env@h/db",
        environment=Environment.TEST,
        migrations_dir=sub.resolve() / "em",
        seeds_dir=Path("/abs/seeds"),
        schema="envschema",
        lock_timeout=2.0,
        lock_timeout_set=True,
        seeds_dir_set=True,
        statement_timeout=3.0,
        connect_timeout=4.0,
        debug=True,
        project_root=tmp_path.resolve(),
    )


def test_flags_override_the_environment_and_are_relative_to_where_you_stand(
    tmp_path: Path,
) -> None:
    environ = {"DATABASE_URL": "postgresql://env@h/db", "TRENOVA_ENV": "prod"}
    s = resolve_settings(
        {
            "database_url": "postgresql://flag@h/db",
            "environment": "dev",
            "migrations_dir": "fm",
            "seeds_dir": None,  # not given: the default
            "schema": "flags",
            "lock_timeout": "9s",
            "statement_timeout": None,
        },
        environ=environ,
        cwd=tmp_path,
    )
    assert s.database_url == "postgresql://flag@h/db"
    assert s.environment is Environment.DEVELOPMENT
    assert (s.migrations_dir, s.seeds_dir) == (
        tmp_path.resolve() / "fm",
        tmp_path.resolve() / "seeds",
    )
    assert (s.schema, s.lock_timeout, s.lock_timeout_set, s.seeds_dir_set) == (
        "flags",
        9.0,
        True,
        False,
    )
    assert s.statement_timeout is None


@pytest.mark.parametrize(
    ("environ", "env"),
    [
        ({"APP_ENV": "prod"}, Environment.PRODUCTION),
        ({"APP_ENV": "prod", "TRENOVA_APP_ENV": "stage"}, Environment.STAGING),
        ({"APP_ENV": "prod", "TRENOVA_APP_ENV": "stage", "TRENOVA_ENV": "test"}, Environment.TEST),
        ({"APP_ENV": "prod", "TRENOVA_ENV": ""}, Environment.PRODUCTION),
    ],
)
def test_environment_variables_for_the_environment_in_order_of_strength(
    tmp_path: Path, environ: dict[str, str], env: Environment
) -> None:
    assert resolve_settings({}, environ=environ, cwd=tmp_path).environment is env


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({"DATABASE_URL": "postgresql://plain@h/db"}, "postgresql://plain@h/db"),
        (
            {
                "DATABASE_URL": "postgresql://plain@h/db",
                "TRENOVA_DATABASE_URL": "postgresql://o@h/d",
            },
            "postgresql://o@h/d",
        ),
    ],
)
def test_trenova_database_url_is_stronger_than_database_url(
    tmp_path: Path, environ: dict[str, str], url: str
) -> None:
    assert resolve_settings({}, environ=environ, cwd=tmp_path).database_url == url


@pytest.mark.parametrize(
    ("flags", "environ", "pyproject", "what"),
    [
        ({"database_url": ""}, {}, "", "--database-url is empty"),
        ({"database_url": "  "}, {}, "", "--database-url is empty"),
        ({}, {"DATABASE_URL": ""}, "", "DATABASE_URL is set but empty"),
        (
            {},
            {"TRENOVA_DATABASE_URL": "", "DATABASE_URL": "postgresql://h/db"},
            "",
            "TRENOVA_DATABASE_URL is set but empty",
        ),
        ({}, {}, 'database-url = ""', "database-url in [tool.trenova-db] is empty"),
    ],
)
def test_an_empty_database_url_anywhere_is_refused_saying_where(
    tmp_path: Path, flags: dict[str, str], environ: dict[str, str], pyproject: str, what: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.trenova-db]\n{pyproject}\n")
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(flags, environ=environ, cwd=tmp_path)
    assert str(info.value) == f"{what}: no database to connect to"
    assert info.value.hint == "give a postgresql:// URL, or unset it to use the embedded server"


def test_an_empty_variable_other_than_the_url_is_not_set(tmp_path: Path) -> None:
    s = resolve_settings(
        {}, environ={"TRENOVA_SCHEMA": "", "TRENOVA_LOCK_TIMEOUT": ""}, cwd=tmp_path
    )
    assert (s.schema, s.lock_timeout_set) == ("public", False)


def test_only_the_settings_a_command_uses_come_from_the_environment_and_pyproject(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\nlock-timeout = "soon"\n')
    environ = {"DATABASE_URL": "", "TRENOVA_ENV": "qa", "TRENOVA_SCHEMA": "app"}
    s = resolve_settings(
        {"migrations_dir": "m", "environment": "test"},
        environ=environ,
        cwd=tmp_path,
        only={"migrations_dir", "schema"},
    )
    assert (s.migrations_dir, s.environment, s.schema) == (
        tmp_path.resolve() / "m",
        Environment.TEST,  # a flag counts even when the command does not name it
        "app",
    )
    assert s.database_url is None and not s.lock_timeout_set


@pytest.mark.parametrize("schema", ["", "1abc", "a-b", "a b", "x" * 64, 'a"b', "é"])
def test_a_schema_that_is_not_a_plain_identifier_is_refused(tmp_path: Path, schema: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings({"schema": schema}, environ={}, cwd=tmp_path)
    assert str(info.value) == f"invalid schema name {schema!r}"
    assert info.value.hint == "use a plain identifier: letters, digits and underscores"


@pytest.mark.parametrize("schema", ["_x", "A9", "x" * 63, "a$b"])
def test_a_plain_identifier_of_up_to_63_characters_is_a_schema(tmp_path: Path, schema: str) -> None:
    assert resolve_settings({"schema": schema}, environ={}, cwd=tmp_path).schema == schema


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("lock_timeout", "lock-timeout"),
        ("connect_timeout", "connect-timeout"),
        ("statement_timeout", "statement-timeout"),
    ],
)
def test_each_timeout_names_itself_when_invalid(tmp_path: Path, key: str, name: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings({key: "soon"}, environ={}, cwd=tmp_path)
    assert str(info.value) == f"invalid {name} 'soon'"


@pytest.mark.parametrize("value", ['"yes"', "1", "0"])
def test_dump_schema_must_be_true_or_false(tmp_path: Path, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.trenova-db]\ndump-schema = {value}\n")
    with pytest.raises(ConfigurationError) as info:
        resolve_settings({}, environ={}, cwd=tmp_path)
    shown = {"1": "1", "0": "0"}.get(value, "'yes'")
    assert str(info.value) == f"dump-schema in [tool.trenova-db] must be true or false, not {shown}"
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db]\ndump-schema = false\n")
    assert resolve_settings({}, environ={}, cwd=tmp_path).dump_schema is False


@pytest.mark.parametrize(
    ("value", "debug"),
    [("", False), ("0", False), ("false", False), ("no", False), ("1", True), ("yes", True)],
)
def test_sql_debugging_is_on_for_any_value_but_the_usual_offs(
    tmp_path: Path, value: str, debug: bool
) -> None:
    assert resolve_settings({}, environ={"TRENOVA_DB_DEBUG": value}, cwd=tmp_path).debug is debug


def test_the_process_environment_and_folder_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRENOVA_SCHEMA", "from_env")
    s = resolve_settings()
    assert (s.schema, s.project_root, s.migrations_dir) == (
        "from_env",
        tmp_path.resolve(),
        tmp_path.resolve() / "sql",
    )


@pytest.mark.parametrize(
    ("flags", "environ", "pyproject", "pooler"),
    [
        ({}, {}, "", "auto"),
        ({}, {}, 'pooler = " Transaction "', "transaction"),
        ({}, {"TRENOVA_DB_POOLER": "SESSION"}, 'pooler = "transaction"', "session"),
        ({"pooler": "none"}, {"TRENOVA_DB_POOLER": "session"}, "", "none"),
        ({"pooler": "auto"}, {}, "", "auto"),
    ],
)
def test_the_pooler_comes_from_flag_environment_or_pyproject_in_any_case(
    tmp_path: Path, flags: dict[str, str], environ: dict[str, str], pyproject: str, pooler: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.trenova-db]\n{pyproject}\n")
    assert resolve_settings(flags, environ=environ, cwd=tmp_path).pooler == pooler


@pytest.mark.parametrize(
    ("flags", "environ", "shown"),
    [
        ({"pooler": "pgbouncer"}, {}, "'pgbouncer' (from --pooler)"),
        ({}, {"TRENOVA_DB_POOLER": "yes"}, "'yes' (from TRENOVA_DB_POOLER)"),
    ],
)
def test_an_unknown_pooler_names_its_source_and_the_modes(
    tmp_path: Path, flags: dict[str, str], environ: dict[str, str], shown: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(flags, environ=environ, cwd=tmp_path)
    assert str(info.value) == f"invalid pooler {shown}"
    assert info.value.hint == (
        "use one of auto (detect PgBouncer), none (a direct connection), session or "
        "transaction (the pool mode of the PgBouncer in front)"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\npooler = "x"\n')
    with pytest.raises(ConfigurationError, match=r"^invalid pooler 'x' \(from pyproject\)$"):
        resolve_settings({}, environ={}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("environ", "debug"),
    [
        ({"BUNDEBUG": "1"}, True),
        ({"BUNDEBUG": " FALSE "}, False),
        ({"BUNDEBUG": "No"}, False),
        ({"TRENOVA_DB_DEBUG": "0", "BUNDEBUG": "2"}, True),
        ({"TRENOVA_DB_DEBUG": "1", "BUNDEBUG": "0"}, True),
        ({"TRENOVA_DB_DEBUG": " 0 ", "BUNDEBUG": ""}, False),
    ],
)
def test_bundebug_turns_sql_debugging_on_like_trenova_db_debug(
    tmp_path: Path, environ: dict[str, str], debug: bool
) -> None:
    assert resolve_settings({}, environ=environ, cwd=tmp_path).debug is debug


def test_configure_applies_given_options_on_top_of_settings_and_validates_them() -> None:
    from trenova_db.config import Settings, configure

    base = Settings(database_url="postgresql://u@h/db")
    assert configure(settings=base) is base
    changed = configure(
        settings=base, lock_timeout="5s", seeds_dir="s", environment="prod", pooler="session"
    )
    assert (changed.lock_timeout, changed.lock_timeout_set) == (5.0, True)
    assert (changed.seeds_dir, changed.seeds_dir_set) == (Path("s"), True)
    assert (changed.environment.value, changed.pooler) == ("production", "session")
    assert configure("postgresql://v@h/x", settings=base).database_url == "postgresql://v@h/x"
    with pytest.raises(ConfigurationError, match="invalid pooler 'bogus'"):
        configure(settings=base, pooler="bogus")
    with pytest.raises(ConfigurationError, match="unknown environment 'qa'"):
        configure(settings=base, environment="qa")


def test_every_library_function_that_connects_takes_the_same_options() -> None:
    import inspect

    import trenova_db.api as api

    connecting = [n for n in api.__all__ if inspect.iscoroutinefunction(getattr(api, n))]
    assert len(connecting) >= 12
    for name in connecting:
        options = inspect.signature(getattr(api, name)).parameters.get("options")
        assert options is not None and options.kind is inspect.Parameter.VAR_KEYWORD, name


def test_configure_sets_each_option_given_on_top_of_settings() -> None:
    from trenova_db.config import Settings, configure

    base = Settings(database_url="postgresql://u@h/db")
    changed = configure(
        settings=base,
        migrations_dir="m",
        schema="app",
        statement_timeout="2s",
        connect_timeout="3s",
        pooler=" Transaction ",
    )
    assert (changed.migrations_dir, changed.seeds_dir, changed.seeds_dir_set) == (
        Path("m"),
        Path("seeds"),
        False,
    )
    assert (changed.schema, changed.environment, changed.pooler) == (
        "app",
        Environment.DEVELOPMENT,
        "transaction",
    )
    assert (
        changed.statement_timeout,
        changed.connect_timeout,
        changed.lock_timeout,
        changed.lock_timeout_set,
    ) == (2.0, 3.0, 60.0, False)


@pytest.mark.parametrize("key", ["lock_timeout", "statement_timeout", "connect_timeout"])
def test_configure_names_the_timeout_that_is_invalid(key: str) -> None:
    from trenova_db.config import Settings, configure

    with pytest.raises(ConfigurationError) as info:
        configure(settings=Settings(), **{key: "soon"})
    assert str(info.value) == f"invalid {key.replace('_', '-')} 'soon'"


def test_configure_on_top_of_settings_reads_no_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings built by a library caller (project root "." by default): a
    pyproject.toml wherever the process stands plays no part, not even for the pooler."""
    from trenova_db.config import configure

    (tmp_path / "pyproject.toml").write_text('[tool.trenova-db]\nshema = "typo"\n')
    monkeypatch.chdir(tmp_path)
    base = Settings(database_url="postgresql://u@h/db")
    changed = configure(settings=base, pooler="session", schema="app")
    assert (changed.pooler, changed.schema) == ("session", "app")
    with pytest.raises(ConfigurationError) as info:
        configure(settings=base, pooler="bogus")
    assert str(info.value) == "invalid pooler 'bogus' (from --pooler)"


def test_configure_without_settings_resolves_the_url_given_and_only_the_settings_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trenova_db.config import configure

    for var in ("TRENOVA_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TRENOVA_LOCK_TIMEOUT", "soon")  # meant for another command
    monkeypatch.chdir(tmp_path)
    settings = configure("postgresql://u@h/db", only={"database_url"})
    assert (settings.database_url, settings.lock_timeout) == ("postgresql://u@h/db", 60.0)
    with pytest.raises(ConfigurationError) as info:
        configure("postgresql://u@h/db")
    assert str(info.value) == "invalid lock-timeout 'soon'"


def test_a_pyproject_naming_trenova_db_only_as_a_dependency_has_no_settings(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["trenova-db>=1"]\n'
    )
    assert read_pyproject(tmp_path) == {}
    assert not is_project(Settings(migrations_dir=tmp_path / "sql", project_root=tmp_path))
