"""Helpers seeds call (the original's pkg/seedhelpers), as plain functions on a connection.

:class:`~trenova_db.seeding.context.SeedContext` wraps these, so most seeds never
call them directly. Every writer is an idempotent upsert that leaves an existing
identical row untouched, so ``updated_at`` does not move and a re-run changes
nothing. Writers return ``(row, written)``: the row as it now is, and whether this
call inserted or changed it (that is what ``ctx.rows`` counts).

Application tables live in the connection's search_path (normally ``public``),
so no name here is schema-qualified. Column names that come from callers are
quoted with :func:`quote_ident`; values always travel as parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "assign_role_to_user",
    "copy_rows",
    "generate_password",
    "grant_permissions",
    "hash_password",
    "quote_ident",
    "upsert_row",
    "upsert_user",
    "verify_password",
]

# scrypt parameters: 16 MiB of memory per hash (128 * r * n bytes), the stdlib's KDF.
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
# scrypt needs 128*r*n bytes plus a margin; OpenSSL's default cap is 32 MiB.
_MAXMEM = 64 * 1024 * 1024


# -- passwords ------------------------------------------------------------------


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$<salt b64>$<hash b64>``: self-describing, so parameters can change."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=_MAXMEM
    )
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded`` (from :func:`hash_password`).

    The comparison is constant-time; a malformed or foreign hash is simply False.
    """
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        return False
    return hmac.compare_digest(actual, expected)


_PASSWORD_SYMBOLS = "!@#%^*-_=+"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + _PASSWORD_SYMBOLS


def generate_password(length: int = 20) -> str:
    """A random password from :mod:`secrets` with lower, upper, digit and symbol."""
    if length < 8:
        raise ValueError("generated passwords are at least 8 characters long")
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in _PASSWORD_SYMBOLS for c in candidate)
        ):
            return candidate


# -- SQL ------------------------------------------------------------------------


def quote_ident(name: str) -> str:
    """``name`` as a PostgreSQL identifier: ``"name"``, inner quotes doubled."""
    if not name or "\x00" in name:
        raise ValueError(f"invalid SQL identifier {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _rows_affected(status: str) -> int:
    """The row count from a command tag such as ``INSERT 0 3`` or ``DELETE 2``."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


async def upsert_row(
    conn: asyncpg.Connection,
    table: str,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> tuple[asyncpg.Record, bool]:
    """Insert ``values`` into ``table`` or bring the row with the same ``key`` in line.

    ``key`` names the columns of a unique constraint (all present in ``values``);
    ``update`` the columns to overwrite on a conflict (default: every non-key
    column given). A row that already holds those values is not touched, so its
    ``updated_at`` stays. Returns ``(row, written)``.
    """
    missing = [k for k in key if k not in values]
    if not key or missing:
        raise ValueError(f"upsert into {table}: key column(s) {missing or key} need values")
    columns = list(values)
    updates = [c for c in columns if c not in key] if update is None else list(update)
    t = quote_ident(table)
    cols = ", ".join(quote_ident(c) for c in columns)
    params = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    target = ", ".join(quote_ident(k) for k in key)
    if updates:
        sets = ", ".join(f"{quote_ident(c)} = EXCLUDED.{quote_ident(c)}" for c in updates)
        changed = " OR ".join(
            f"{t}.{quote_ident(c)} IS DISTINCT FROM EXCLUDED.{quote_ident(c)}" for c in updates
        )
        action = f"DO UPDATE SET {sets} WHERE {changed}"
    else:
        action = "DO NOTHING"
    row = await conn.fetchrow(
        f"INSERT INTO {t} ({cols}) VALUES ({params}) ON CONFLICT ({target}) {action} RETURNING *",
        *values.values(),
    )
    if row is not None:
        return row, True
    # Nothing written: the row is there already, identical in the update columns.
    where = " AND ".join(f"{quote_ident(k)} = ${i}" for i, k in enumerate(key, start=1))
    row = await conn.fetchrow(f"SELECT * FROM {t} WHERE {where}", *(values[k] for k in key))
    if row is None:  # the conflicting row was deleted meanwhile by another transaction
        shown = {k: values[k] for k in key}
        raise LookupError(f"upsert into {table}: no row for key {shown}")
    return row, False


async def upsert_user(
    conn: asyncpg.Connection,
    *,
    business_unit_id: Any,
    organization_id: Any,
    username: str,
    email: str,
    name: str,
    password: str,
    status: str,
    must_change_password: bool,
    extra: Mapping[str, Any],
    overwrite: bool = True,
) -> tuple[asyncpg.Record, bool]:
    """The user with this email (case-insensitive), created or brought in line.

    A new user gets ``password`` hashed with :func:`hash_password`. An existing
    user keeps their password, ``must_change_password`` and organization: a
    re-run must never reset credentials or move people. Their profile (username,
    name, status and the ``extra`` columns) is updated only where it differs,
    and not at all with ``overwrite=False``.
    """
    if "password_hash" in extra:
        raise ValueError("pass password= (it is hashed here), not password_hash")
    existing = await conn.fetchrow("SELECT * FROM users WHERE lower(email) = lower($1)", email)
    if existing is None:
        values: dict[str, Any] = {
            "business_unit_id": business_unit_id,
            "organization_id": organization_id,
            "username": username,
            "email": email,
            "name": name,
            "password_hash": hash_password(password),
            "status": status,
            "must_change_password": must_change_password,
            **extra,
        }
        cols = ", ".join(quote_ident(c) for c in values)
        params = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        row = await conn.fetchrow(
            f"INSERT INTO users ({cols}) VALUES ({params}) "
            "ON CONFLICT ((lower(email))) DO NOTHING RETURNING *",
            *values.values(),
        )
        if row is not None:
            return row, True
        # Another transaction created the user between our look-up and insert.
        existing = await conn.fetchrow("SELECT * FROM users WHERE lower(email) = lower($1)", email)
        assert existing is not None
    if not overwrite:
        return existing, False
    profile = {"username": username, "name": name, "status": status, **extra}
    profile.pop("id", None)
    unknown = sorted(set(profile) - set(existing.keys()))
    if unknown:
        raise ValueError(f"users has no column(s) {', '.join(unknown)}")
    stale = {c: v for c, v in profile.items() if existing[c] != v}
    if not stale:
        return existing, False
    sets = ", ".join(f"{quote_ident(c)} = ${i}" for i, c in enumerate(stale, start=2))
    changed = " OR ".join(
        f"{quote_ident(c)} IS DISTINCT FROM ${i}" for i, c in enumerate(stale, start=2)
    )
    row = await conn.fetchrow(
        f"UPDATE users SET {sets} WHERE id = $1 AND ({changed}) RETURNING *",
        existing["id"],
        *stale.values(),
    )
    return (row, True) if row is not None else (existing, False)


async def assign_role_to_user(
    conn: asyncpg.Connection, user_id: Any, role_id: Any, organization_id: Any | None = None
) -> bool:
    """Give the user the role; True when the assignment is new.

    ``organization_id`` defaults to the role's own organization (the only one a
    role can be held in: ``user_roles`` has a foreign key on the pair).
    Raises :class:`LookupError` when the role does not exist.
    """
    found, inserted = await conn.fetchrow(
        """
        WITH role AS (
            SELECT id, coalesce($3::uuid, organization_id) AS organization_id
            FROM roles WHERE id = $2
        ), ins AS (
            INSERT INTO user_roles (user_id, role_id, organization_id)
            SELECT $1, id, organization_id FROM role
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM role), (SELECT count(*) FROM ins)
        """,
        user_id,
        role_id,
        organization_id,
    )
    if not found:
        raise LookupError(f"role {role_id} not found")
    return bool(inserted)


async def grant_permissions(
    conn: asyncpg.Connection, role_id: Any, permissions: Iterable[tuple[str, str]] | None = None
) -> int:
    """Grant ``(resource, action)`` permissions (default: all of them) to a role.

    One set-based statement; grants already held are left alone. Returns how
    many grants are new. Raises :class:`LookupError` naming every pair that is
    not in ``permissions``.
    """
    if permissions is None:
        status = await conn.execute(
            "INSERT INTO role_permissions (role_id, permission_id) "
            "SELECT $1, id FROM permissions ON CONFLICT DO NOTHING",
            role_id,
        )
        return _rows_affected(status)
    pairs = list(dict.fromkeys(permissions))
    granted, missing = await conn.fetchrow(
        """
        WITH wanted AS (
            SELECT w.resource, w.action, p.id
            FROM unnest($2::text[], $3::text[]) AS w(resource, action)
            LEFT JOIN permissions p USING (resource, action)
        ), ins AS (
            INSERT INTO role_permissions (role_id, permission_id)
            SELECT $1, id FROM wanted WHERE id IS NOT NULL
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM ins),
               (SELECT array_agg(resource || ':' || action ORDER BY resource, action)
                FROM wanted WHERE id IS NULL)
        """,
        role_id,
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    if missing:
        raise LookupError(
            f"unknown permission(s) {', '.join(missing)}: the base seed Permissions "
            "(seeds/base/02_permissions.py) creates them; check depends_on"
        )
    return int(granted)


async def copy_rows(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Bulk insert through binary COPY; returns the number of rows copied.

    COPY has no ``ON CONFLICT``: copy rows that are new (for example into an
    empty table, or after selecting what is missing). ``table`` is a plain,
    unqualified name resolved through the search_path.
    """
    records = rows if isinstance(rows, list) else list(rows)
    if not records:
        return 0
    await conn.copy_records_to_table(table, records=records, columns=list(columns))
    return len(records)
