"""Configuration: environments, durations, DSN masking and settings resolution.

Precedence, highest first: CLI flag > environment variable > ``[tool.trenova-db]``
in pyproject.toml > default. Resolution is pure (the environment mapping and the
pyproject path are arguments), so it is testable without a shell.
"""

from __future__ import annotations

import enum
import math
import os
import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, TypedDict, Unpack

import msgspec

from .errors import ConfigurationError

__all__ = [
    "Environment",
    "Options",
    "Settings",
    "configure",
    "connectable_dsn",
    "mask_dsn",
    "mask_secrets",
    "parse_duration",
    "resolve_settings",
]


class Environment(enum.StrEnum):
    """Where the database lives; decides which seeds run and what is refused."""

    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"
    TEST = "test"

    @classmethod
    def parse(cls, value: str | Environment) -> Environment:
        if isinstance(value, Environment):
            return value
        key = value.strip().lower()
        try:
            return _ALIASES[key]
        except KeyError:
            accepted = ", ".join(sorted(_ALIASES))
            raise ConfigurationError(
                f"unknown environment {value!r}; accepted values: {accepted}",
                hint="pass --env development (or set TRENOVA_ENV) with one of those names",
            ) from None

    @property
    def is_protected(self) -> bool:
        """Production and staging: no reset, confirmation for destructive work."""
        return self in (Environment.PRODUCTION, Environment.STAGING)


_ALIASES: dict[str, Environment] = {
    "production": Environment.PRODUCTION,
    "prod": Environment.PRODUCTION,
    "staging": Environment.STAGING,
    "stage": Environment.STAGING,
    "development": Environment.DEVELOPMENT,
    "dev": Environment.DEVELOPMENT,
    "test": Environment.TEST,
    "testing": Environment.TEST,
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: str | float | int, *, name: str = "duration") -> float:
    """``"1s"``, ``"500ms"``, ``"2m"``, ``"1.5"`` (seconds) or a number -> seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigurationError(
            f"invalid {name} {value!r}: expected a number of seconds or a string like '10s'"
        )
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if match is None:
            raise ConfigurationError(
                f"invalid {name} {value!r}",
                hint="use a number of seconds or a unit: 500ms, 10s, 2m, 1h",
            )
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not math.isfinite(seconds):
        raise ConfigurationError(f"invalid {name} {value!r}: must be a finite number of seconds")
    if seconds < 0:
        raise ConfigurationError(f"invalid {name} {value!r}: must not be negative")
    if seconds > _MAX_SECONDS:
        raise ConfigurationError(
            f"invalid {name} {value!r}: at most {_MAX_SECONDS} s (PostgreSQL's limit, ~24 days)"
        )
    return seconds


# PostgreSQL timeouts are int milliseconds.
_MAX_SECONDS = 2_147_483


def mask_dsn(dsn: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db``.

    The password runs to the LAST ``@`` of the authority, so one holding an
    unencoded ``@``, ``:``, ``/``, ``?`` or ``#`` is hidden whole. Also masks
    ``password=`` and ``sslpassword=`` in query strings and key=value DSNs.
    """
    userinfo = _userinfo(dsn)
    if userinfo is None:
        if _SCHEME.match(dsn) and _splits(dsn):
            return _mask_query(dsn)
        # key=value DSNs are masked; anything else may be a password pasted in
        # the wrong place, so it is not shown at all.
        return _mask_kv(dsn) if "=" in dsn else "(unparseable database URL, not shown)"
    colon, at = userinfo
    if colon < 0:
        return _mask_query(dsn)
    return _mask_query(f"{dsn[: colon + 1]}***{dsn[at:]}")


def _splits(dsn: str) -> bool:
    from urllib.parse import urlsplit

    try:
        urlsplit(dsn)
    except ValueError:  # "[::1" and the like
        return False
    return True


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_PORT = re.compile(r"\d*")


def _userinfo(dsn: str) -> tuple[int, int] | None:
    """Where a URL's userinfo has its first ``:`` (-1 if none) and its ``@``.

    Read as the driver would (the authority ends at the first ``/``, ``?`` or
    ``#``), unless a password holding such a character, unencoded, cut it
    short: then an ``@`` shows in the path or fragment, or in a query string
    the driver could not take as one (``postgresql://u:1234?x@h/db``: a field
    without ``=``; ``...?k=v@h:5432``, ``...?k=v@h/db``: a host with a port
    or a database after the ``@``), or the host list left in the authority
    is not ``host[:port],...``. The userinfo then ends at the first ``@``
    followed by such a host list. An ``@`` inside a query value
    (``application_name=deploy@ci``) is left where it is.
    """
    scheme = _SCHEME.match(dsn)
    if scheme is None:
        return None
    start = scheme.end()
    last = dsn.rfind("@", start)
    if last < 0:
        return None
    end = len(dsn)
    for ch in "/?#":
        k = dsn.find(ch, start, end)
        if k >= 0:
            end = k
    if last < end:  # every "@" is in the authority: the last one ends the userinfo
        return dsn.find(":", start, last), last
    netloc, rest = dsn[start:end], dsn[end:]
    fragment = rest.find("#")
    stop = len(rest) if fragment < 0 else fragment
    query = rest.find("?", 0, stop)
    path = rest[: stop if query < 0 else query]
    if (
        "@" not in path
        and "@" not in rest[stop:]
        and _host_list(netloc.rpartition("@")[2])
        and _query_holds_at(rest[query + 1 : stop])
    ):
        if "@" not in netloc:
            return None  # host[:port] and an "@" in a query value: no userinfo
        at = start + netloc.rindex("@")
        return dsn.find(":", start, at), at
    # The password holds a "/", "?" or "#": its "@" lies past that character.
    at = _userinfo_end(dsn, end, last)
    return dsn.find(":", start, at), at


def _host_list(text: str) -> bool:
    """``host[:port]``, ``[v6]:port``, comma-separated (or empty: a socket)."""
    for part in text.split(","):
        if part.startswith("["):
            close = part.find("]")
            if close < 0 or not re.fullmatch(r"(:\d*)?", part[close + 1 :]):
                return False
        elif "@" in part or not _PORT.fullmatch(part.partition(":")[2]):
            return False
    return True


def _query_holds_at(query: str) -> bool:
    """Can this query string, which holds an ``@``, be one the driver takes,
    each ``@`` inside a value? Every field is ``key=value`` (asyncpg parses
    strictly, libpq wants the ``=``), no key holds ``@``, and no ``@`` is
    followed by what a host with a port, a path or a query would bring."""
    for field in query.split("&"):
        key, eq, value = field.partition("=")
        if not (key and eq) or any(ch in key for ch in "@/?:"):
            return False
        if any(ch in tail for tail in value.split("@")[1:] for ch in ":/?"):
            return False
    return True


def _userinfo_end(dsn: str, start: int, last: int) -> int:
    """The first ``@`` from ``start`` followed by a host list up to the next
    ``/``, ``?`` or ``#`` (the last ``@`` of the authority); else ``last``."""
    at = dsn.find("@", start)
    while 0 <= at < last:
        end = len(dsn)
        for ch in "/?#":
            k = dsn.find(ch, at + 1, end)
            if k >= 0:
                end = k
        if _host_list(dsn[at + 1 : end]):
            return at
        at = dsn.find("@", at + 1)
    return last


def connectable_dsn(dsn: str) -> str:
    """``dsn`` as the driver must see it: a password holding an unencoded
    ``@``, ``/``, ``?`` or ``#`` percent-encoded (asyncpg, like libpq, ends the
    userinfo at the first ``@`` and the authority at the first ``/``). A URL
    that already reads as written is returned unchanged."""
    userinfo = _userinfo(dsn)
    if userinfo is None or userinfo[0] < 0:
        return dsn
    colon, at = userinfo
    password = dsn[colon + 1 : at]
    if not any(ch in password for ch in "@/?#"):
        return dsn
    encoded = (
        password.replace("@", "%40").replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    )
    return f"{dsn[: colon + 1]}{encoded}{dsn[at:]}"


# key=value (libpq conninfo): a value is 'quoted' (backslash escapes) or runs
# to the next whitespace (backslash escapes too: ``password=a\ b`` is "a b").
# ``password`` and ``sslpassword`` (and anything else ending in "password").
_KV_PASSWORD = re.compile(
    r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|(?:[^\s\\]|\\.)*\\?)", re.IGNORECASE
)
# A URL's query: a value runs to the next "&" (or the fragment); the key as
# the driver reads it, percent-decoded (``pass%77ord``).
_QUERY_FIELD = re.compile(r"([?&])([^=&#]*)(=)([^&#]*)")
# In free text, a URL's password runs to the LAST "@" before the next
# whitespace: an unencoded "@", "/" or "#" inside a password must not leave
# its tail visible. (An "@" in a query string then hides a little more.)
_URL = re.compile(r"\w+://\S+")
_URL_PASSWORD = re.compile(r"(\w+://[^:/@\s]*:)(\S*)(@)(?=[^@\s]*(?:\s|$))")


def _mask_kv(text: str) -> str:
    return _KV_PASSWORD.sub(lambda m: m.group(1) + "***", text)


def _query_passwords(url: str) -> list[tuple[str, re.Match[str]]]:
    """The ``...password=`` fields of a URL's query: (decoded key, match)."""
    found = []
    for m in _QUERY_FIELD.finditer(url):
        key = m.group(2)
        if "%" in key:
            from urllib.parse import unquote

            key = unquote(key)
        if key.strip().lower().endswith("password"):
            found.append((key.strip().lower(), m))
    return found


def _mask_query(url: str) -> str:
    for _, m in reversed(_query_passwords(url)):
        url = f"{url[: m.start(4)]}***{url[m.end(4) :]}"
    return url


def _kv_value(raw: str) -> str:
    """A key=value DSN's value as libpq reads it: quotes off, escapes undone."""
    if raw.startswith("'"):
        raw = raw[1:-1] if len(raw) > 1 and raw.endswith("'") else raw[1:]
    return re.sub(r"\\(.)", r"\1", raw)


def mask_secrets(text: str, *secrets: str | None) -> str:
    """Remove every DSN password and the given literal secrets from ``text``."""
    for secret in secrets:
        # Very short "passwords" would blank out ordinary words; inside URLs
        # the pattern below still masks them.
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    if "://" in text:
        text = _sub_at_schemes(_URL_PASSWORD, lambda m: m.group(1) + "***" + m.group(3), text)
        if "%" in text:  # a query's key spelt encoded: pass%77ord=
            text = _sub_at_schemes(_URL, lambda m: _mask_query(m.group()), text)
    return _mask_kv(text) if "password" in text.casefold() else text


def _sub_at_schemes(
    pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str
) -> str:
    r"""``pattern.sub(repl, text)`` for a pattern that starts with ``\w+://``,
    tried only where a "://" is.

    The regex engine has no literal to look for ahead of ``\w+``, so a plain
    sub tries every position: a status table or JSON report of 1000 rows cost
    more to mask than to build. A match can only start where the run of word
    characters before a "://" starts (any later start in the run matches the
    same rest or nothing), so each "://" is tried from there, left to right,
    never inside a previous match: what sub itself would find.
    """
    out: list[str] = []
    pos = 0
    found = text.find("://")
    while found != -1:
        start = found
        while start > pos and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1  # \w: letters, digits (any script) and "_"
        m = pattern.match(text, start) if start < found else None
        if m is None:
            found = text.find("://", found + 3)
            continue
        out.append(text[pos : m.start()])
        out.append(repl(m))
        pos = m.end()
        found = text.find("://", pos)
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def dsn_password(dsn: str | None) -> str | None:
    """The password a DSN carries (its userinfo's, else ``password=``, else
    ``sslpassword=``), for :func:`mask_secrets`; None when it has none."""
    if not dsn:
        return None
    userinfo = _userinfo(dsn)
    if userinfo is not None and userinfo[0] >= 0:
        colon, at = userinfo
        if at > colon + 1:
            return dsn[colon + 1 : at]
    if _SCHEME.match(dsn):
        found = [(key, m.group(4)) for key, m in _query_passwords(dsn)]
    else:
        # The pattern finds sslpassword= from its "password": the key runs back
        # to the whitespace before it.
        found = [
            (re.split(r"\s", dsn[: m.start()])[-1] + m.group(1), _kv_value(m.group(2)))
            for m in _KV_PASSWORD.finditer(dsn)
        ]
    # password= first: the server's; then sslpassword= (the client key's)
    found.sort(key=lambda kv: not kv[0].lower().startswith("password"))
    for _, value in found:
        if value:
            return value
    return None


class Settings(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Everything a command needs to know, after precedence has been applied.

    ``database_url`` is None when nothing was configured: the CLI then uses the
    embedded server; the library refuses (it never starts a server itself).
    """

    database_url: str | None = None
    environment: Environment = Environment.DEVELOPMENT
    migrations_dir: Path = Path("sql")
    seeds_dir: Path = Path("seeds")
    schema: str = "public"
    lock_timeout: float = 60.0
    lock_timeout_set: bool = False
    seeds_dir_set: bool = False  # configured, not the default: a missing folder is an error
    statement_timeout: float | None = None
    connect_timeout: float = 10.0
    # auto | none | session | transaction: a connection pooler in front of the
    # server (PgBouncer), detected by default; see trenova_db.pooler.
    pooler: str = "auto"
    debug: bool = False
    dump_schema: bool = False  # write the schema dump after migrate/rollback (development)
    project_root: Path = Path(".")

    @property
    def masked_url(self) -> str:
        return mask_dsn(self.database_url) if self.database_url else "(embedded)"


_CONFIG_KEYS = {
    "database-url": "database_url",
    "env": "environment",
    "environment": "environment",
    "migrations-dir": "migrations_dir",
    "seeds-dir": "seeds_dir",
    "schema": "schema",
    "lock-timeout": "lock_timeout",
    "statement-timeout": "statement_timeout",
    "connect-timeout": "connect_timeout",
    "dump-schema": "dump_schema",
    "pooler": "pooler",
    "targets": "targets",  # a fleet's database URLs (trenova_db.fleet); not a Settings field
}

# Sub-tables of [tool.trenova-db] read by their own modules.
_SUBTABLES = frozenset({"lint"})

_ENV_VARS: tuple[tuple[str, str], ...] = (
    ("TRENOVA_DATABASE_URL", "database_url"),
    ("DATABASE_URL", "database_url"),
    ("TRENOVA_ENV", "environment"),
    ("TRENOVA_APP_ENV", "environment"),
    ("APP_ENV", "environment"),
    ("TRENOVA_MIGRATIONS_DIR", "migrations_dir"),
    ("TRENOVA_SEEDS_DIR", "seeds_dir"),
    ("TRENOVA_SCHEMA", "schema"),
    ("TRENOVA_LOCK_TIMEOUT", "lock_timeout"),
    ("TRENOVA_STATEMENT_TIMEOUT", "statement_timeout"),
    ("TRENOVA_CONNECT_TIMEOUT", "connect_timeout"),
    ("TRENOVA_DB_POOLER", "pooler"),
)

DEBUG_VARS = ("TRENOVA_DB_DEBUG", "BUNDEBUG")
POOLER_MODES = ("auto", "none", "session", "transaction")

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


def find_project_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding a pyproject.toml."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return start


def is_project(settings: Settings) -> bool:
    """Is this a trenova-db project: a ``[tool.trenova-db]`` table or a migrations folder?

    Only inside one may the CLI start the embedded server: a command typed in
    the wrong folder must not leave a PostgreSQL running there.
    """
    if settings.migrations_dir.is_dir():
        return True
    try:
        table = _tool_table(settings.project_root / "pyproject.toml")
    except (OSError, UnicodeDecodeError, ValueError):  # TOMLDecodeError is a ValueError
        return False
    return isinstance(table, dict)


# However the table is spelt in TOML (``[tool.trenova-db]``, ``[tool]`` then
# ``trenova-db = {...}``, dotted or quoted keys), its key appears as written:
# a pyproject.toml without it is not parsed at all (tomllib compiles its
# regular expressions on import, a few ms of every command's start-up).
_TABLE_KEY = "trenova-db"


def _tool_table(path: Path) -> Any:
    """The ``[tool.trenova-db]`` value of the pyproject.toml at ``path`` (None without one).

    Raises OSError, UnicodeDecodeError or ValueError (TOMLDecodeError). The
    value is kept in the file cache (trenova_db.filecache) while the file is
    unchanged: importing tomllib and parsing cost more than the rest of a
    no-op run's settings.
    """
    from .filecache import FileCache, now

    st = os.stat(path)
    cache = FileCache("pyproject", str(path.parent))
    cached = cache.get(path.name, st)
    if isinstance(cached, tuple):
        return cached[0]
    read_at = now()
    text = path.read_bytes().decode("utf-8")
    value = None
    if _TABLE_KEY in text:
        import tomllib

        value = tomllib.loads(text).get("tool", {}).get("trenova-db")
    cache.put(path.name, st, (value,), read_at)  # a tuple: None is a value too
    cache.save()
    return value


def read_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        section = _tool_table(path)
    except (ValueError, OSError) as exc:  # TOMLDecodeError, UnicodeDecodeError
        raise ConfigurationError(
            f"cannot read {path}: {exc}", hint="fix the TOML syntax of pyproject.toml"
        ) from exc
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ConfigurationError(f"{path}: [tool.trenova-db] must be a table")
    section = {k: v for k, v in section.items() if k not in _SUBTABLES}
    unknown = sorted(set(section) - set(_CONFIG_KEYS))
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown key(s) in [tool.trenova-db]: {', '.join(unknown)}",
            hint="accepted keys: " + ", ".join(sorted(_CONFIG_KEYS)),
        )
    return {_CONFIG_KEYS[k]: v for k, v in section.items()}


def _refuse_empty_url(what: str) -> None:
    # Falling back to the embedded server here would let a CI job whose
    # secret is missing migrate a throwaway local database and report success.
    raise ConfigurationError(
        f"{what}: no database to connect to",
        hint="give a postgresql:// URL, or unset it to use the embedded server",
    )


def _pooler_mode(value: Any, source: str) -> str:
    pooler = str(value).strip().lower()
    if pooler not in POOLER_MODES:
        raise ConfigurationError(
            f"invalid pooler {value!r} (from {source})",
            hint="use one of auto (detect PgBouncer), none (a direct connection), "
            "session or transaction (the pool mode of the PgBouncer in front)",
        )
    return pooler


def resolve_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    only: Collection[str] | None = None,
) -> Settings:
    """Apply precedence to flags (None = not given), the environment and pyproject.

    ``only`` names the settings a command uses (``create`` needs no database):
    the others are taken from flags alone, so an environment variable meant
    for another command cannot make this one fail.
    """
    environ = os.environ if environ is None else environ
    root = find_project_root(cwd or Path.cwd())
    merged: dict[str, Any] = {}
    source: dict[str, str] = {}
    for key, value in read_pyproject(root).items():
        merged[key], source[key] = value, "pyproject"
    # Paths from pyproject are relative to the project root; paths typed on
    # the command line or set in the environment, to where the user stands.
    here = (cwd or Path.cwd()).resolve()
    relative_to = {key: root for key in merged}
    # Later names in _ENV_VARS are weaker aliases: apply them first. An empty
    # URL variable counts as set (and wins over weaker ones): see below.
    for var, key in reversed(_ENV_VARS):
        value = environ.get(var)
        if value or (value == "" and key == "database_url"):
            merged[key], source[key] = value, var
            relative_to[key] = here
    for key, value in (flags or {}).items():
        if value is not None:
            merged[key], source[key] = value, "--" + key.replace("_", "-")
            relative_to[key] = here
    if only is not None:
        merged = {k: v for k, v in merged.items() if k in only or source[k].startswith("--")}
    if "database_url" in merged and not str(merged["database_url"]).strip():
        where = source["database_url"]
        what = f"{where} is empty" if where.startswith("--") else f"{where} is set but empty"
        if where == "pyproject":
            what = "database-url in [tool.trenova-db] is empty"
        _refuse_empty_url(what)

    lock_timeout_set = "lock_timeout" in merged
    out: dict[str, Any] = {
        "project_root": root,
        "lock_timeout_set": lock_timeout_set,
        "seeds_dir_set": "seeds_dir" in merged,
    }
    if "database_url" in merged:
        out["database_url"] = str(merged["database_url"])
    if "environment" in merged:
        out["environment"] = Environment.parse(str(merged["environment"]))
    for key in ("migrations_dir", "seeds_dir"):
        if key in merged:
            path = Path(str(merged[key]))
            out[key] = path if path.is_absolute() else relative_to[key] / path
        else:
            out[key] = root / ("sql" if key == "migrations_dir" else "seeds")
    if "schema" in merged:
        schema = str(merged["schema"])
        if not _IDENT.match(schema):
            raise ConfigurationError(
                f"invalid schema name {schema!r}",
                hint="use a plain identifier: letters, digits and underscores",
            )
        out["schema"] = schema
    for key in ("lock_timeout", "connect_timeout"):
        if key in merged:
            out[key] = parse_duration(merged[key], name=key.replace("_", "-"))
    if "dump_schema" in merged:
        if not isinstance(merged["dump_schema"], bool):
            raise ConfigurationError(
                f"dump-schema in [tool.trenova-db] must be true or false, "
                f"not {merged['dump_schema']!r}"
            )
        out["dump_schema"] = merged["dump_schema"]
    if "statement_timeout" in merged:
        out["statement_timeout"] = parse_duration(
            merged["statement_timeout"], name="statement-timeout"
        )
    if "pooler" in merged:
        out["pooler"] = _pooler_mode(merged["pooler"], source["pooler"])
    # BUNDEBUG: what the original (Go + Bun) used; a Trenova operator's habit works.
    out["debug"] = any(
        environ.get(var, "").strip().lower() not in ("", "0", "false", "no") for var in DEBUG_VARS
    )
    return Settings(**out)


Seconds = float | str


class Options(TypedDict, total=False):
    """What every command and library function may set (absent or None: not given).

    The CLI's flags and the library's keyword arguments are both this; one
    function, :func:`configure`, turns them into :class:`Settings`.
    """

    migrations_dir: str | Path | None
    seeds_dir: str | Path | None
    schema: str | None
    environment: str | Environment | None
    lock_timeout: Seconds | None
    statement_timeout: Seconds | None
    connect_timeout: Seconds | None
    pooler: str | None


def configure(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    only: Collection[str] | None = None,
    **options: Unpack[Options],
) -> Settings:
    """The one way from options to Settings, for the CLI and the library alike.

    Without ``settings``: the CLI's precedence (these options, then the
    environment, then ``[tool.trenova-db]``, then defaults); ``only`` names the
    settings a command uses (see :func:`resolve_settings`). With ``settings``:
    the options given are applied on top of it and nothing else is read.
    """
    given: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    if "environment" in given:
        given["environment"] = Environment.parse(given["environment"])
    if settings is None:
        return resolve_settings({"database_url": database_url, **given}, only=only)
    changes: dict[str, Any] = {}
    if database_url is not None:
        changes["database_url"] = database_url
    for key in ("migrations_dir", "seeds_dir"):
        if key in given:
            changes[key] = Path(given[key])
    if "seeds_dir" in given:
        changes["seeds_dir_set"] = True
    for key in ("schema", "environment"):
        if key in given:
            changes[key] = given[key]
    for key in ("lock_timeout", "statement_timeout", "connect_timeout"):
        if key in given:
            changes[key] = parse_duration(given[key], name=key.replace("_", "-"))
    if "lock_timeout" in given:
        changes["lock_timeout_set"] = True
    if "pooler" in given:
        # validated like every other source of the setting (no pyproject read for it)
        changes["pooler"] = _pooler_mode(given["pooler"], "--pooler")
    return msgspec.structs.replace(settings, **changes) if changes else settings
