"""Helpers seeds call (the original's ``pkg/seedhelpers``), as plain functions on a connection.

They write Trenova's own schema the way its Go models do: PULID keys
(``usr_01J...``, :mod:`trenova_db.seeding.ids`), ``bigint`` epoch-second
timestamps, bcrypt password hashes (``$2a$10$...``, what ``golang.org/x/crypto/
bcrypt`` makes and Trenova's ``User.VerifyPassword`` checks), and Trenova's
permission model (policies with JSON resource rules, roles holding policy ids,
per-organization memberships holding role ids, ``user_organization_roles``).

:class:`~trenova_db.seeding.context.SeedContext` wraps these, so most seeds never
call them directly. Every writer is idempotent: it looks the row up by its
natural key first and inserts only what is missing, so a re-run (or ``--force``)
writes nothing and duplicates nothing. Writers return ``(row, written)``: the row
as it now is, and whether this call inserted or changed it (what ``ctx.rows``
counts).

Application tables live in the connection's search_path (normally ``public``),
so no name here is schema-qualified. Names that come from callers are quoted
with :func:`quote_ident`; values always travel as parameters.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import bcrypt

from .ids import epoch_now, pulid

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "ADMIN_EMAIL",
    "BCRYPT_COST",
    "DEFAULT_BUSINESS_UNIT_CODE",
    "DEFAULT_ORGANIZATION_SCAC",
    "DEFAULT_TIMEZONE",
    "ID_PREFIXES",
    "add_role_to_membership",
    "copy_rows",
    "ensure_permission_view",
    "ensure_row",
    "generate_password",
    "hash_password",
    "quote_ident",
    "table_columns",
    "upsert_row",
    "verify_password",
]

# What Trenova's Go seeds and seedhelpers look up as "the default" tenant.
ADMIN_EMAIL = "admin@trenova.app"
DEFAULT_BUSINESS_UNIT_CODE = "DEFAULT"
DEFAULT_ORGANIZATION_SCAC = "DFLT"
# seedhelpers' defaultTimezone
DEFAULT_TIMEZONE = "America/Los_Angeles"

# bcrypt.DefaultCost in golang.org/x/crypto/bcrypt, which Trenova's User.GeneratePassword uses.
BCRYPT_COST = 10
_BCRYPT_MAX_BYTES = 72

# The PULID prefix (without its underscore) each table's Go model gives new rows
# in its BeforeAppendModel hook (``pulid.MustNew("usr_")`` and so on).
ID_PREFIXES: dict[str, str] = {
    "us_states": "us",
    "business_units": "bu",
    "organizations": "org",
    "users": "usr",
    "user_organization_memberships": "uom",
    "policies": "pol",
    "roles": "rol",
    "shipment_controls": "sc",
    "dispatch_controls": "dc",
    "billing_controls": "bc",
    "data_retention": "dr",
    "pattern_configs": "pco",
    "hazmat_expirations": "he",
}


# -- passwords ------------------------------------------------------------------


def hash_password(password: str) -> str:
    """A bcrypt hash in Go's format (``$2a$10$<salt><hash>``): Trenova can log this user in.

    bcrypt reads at most 72 bytes; a longer password is refused (as Go's bcrypt
    does) rather than silently truncated.
    """
    raw = password.encode()
    if len(raw) > _BCRYPT_MAX_BYTES:
        raise ValueError(
            f"password is {len(raw)} bytes long; bcrypt (Trenova's hash) takes at most "
            f"{_BCRYPT_MAX_BYTES}: choose a shorter one"
        )
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=BCRYPT_COST, prefix=b"2a")).decode()


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches the bcrypt hash ``encoded``; a malformed hash is False."""
    try:
        return bcrypt.checkpw(password.encode(), encoded.encode())
    except ValueError:
        return False


_PASSWORD_SYMBOLS = "!@#%^*-_=+"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + _PASSWORD_SYMBOLS


def generate_password(length: int = 20) -> str:
    """A random password from :mod:`secrets` with lower, upper, digit and symbol."""
    if length < 8:
        raise ValueError("generated passwords are at least 8 characters long")
    if length > _BCRYPT_MAX_BYTES:
        raise ValueError(f"bcrypt takes at most {_BCRYPT_MAX_BYTES} characters")
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


async def table_columns(conn: asyncpg.Connection, table: str) -> frozenset[str]:
    """The column names of ``table`` (resolved through the search_path).

    Raises :class:`LookupError` when there is no such table.
    """
    rows = await conn.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) "
        "AND attnum > 0 AND NOT attisdropped",
        quote_ident(table),
    )
    if not rows:
        raise LookupError(
            f"table {table} does not exist: run `trenova-db migrate` first (the seeds "
            "write Trenova's schema)"
        )
    return frozenset(r["attname"] for r in rows)


def _match(key: Sequence[str], ci: Collection[str], start: int = 1) -> str:
    """``WHERE`` conditions for the key columns, parameters numbered from ``start``."""
    parts = []
    for i, column in enumerate(key, start=start):
        q = quote_ident(column)
        if column in ci:
            parts.append(f"lower({q}::text) = lower(${i}::text)")
        else:
            parts.append(f"{q} IS NOT DISTINCT FROM ${i}")
    return " AND ".join(parts)


async def ensure_row(
    conn: asyncpg.Connection,
    table: str,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    prefix: str | None = None,
    ci: Collection[str] = (),
    update: Collection[str] = (),
    columns: Collection[str] | None = None,
) -> tuple[asyncpg.Record, bool]:
    """The row of ``table`` whose ``key`` columns hold ``values``' key values, inserted if missing.

    - ``key``: the natural key (columns present in ``values``); ``ci`` names the
      key columns compared case-insensitively (``lower(email_address)``).
    - A new row gets ``id = pulid(prefix)`` unless ``values`` has an ``id``
      (``prefix`` defaults to :data:`ID_PREFIXES`), and ``created_at`` /
      ``updated_at`` = now in epoch seconds where the table has them.
    - An existing row is left as it is, except the columns named in ``update``,
      brought in line (and ``updated_at`` moved) only when they differ.
    - ``columns``: the table's columns when the caller knows them (saves a query).

    The insert runs with ``ON CONFLICT DO NOTHING``: a row that another unique
    key already holds (a name, a code) raises :class:`ValueError` naming both
    keys, never a duplicate. Returns ``(row, written)``.
    """
    missing = [k for k in key if k not in values]
    if not key or missing:
        raise ValueError(f"{table}: key column(s) {missing or list(key)} need values")
    t = quote_ident(table)
    where = _match(key, ci)
    key_values = [values[k] for k in key]
    row = await conn.fetchrow(f"SELECT * FROM {t} WHERE {where} LIMIT 1", *key_values)
    if row is not None:
        return await _bring_in_line(conn, table, row, values, key, ci, update)
    cols = frozenset(columns) if columns is not None else await table_columns(conn, table)
    unknown = sorted(set(values) - cols)
    if unknown:
        raise ValueError(
            f"{table} has no column(s) {', '.join(unknown)}: is the schema Trenova's "
            "(run `trenova-db migrate`)?"
        )
    full = dict(values)
    if "id" in cols and full.get("id") is None:
        chosen = prefix or ID_PREFIXES.get(table)
        if chosen is None:
            raise ValueError(f"{table}: no PULID prefix known for new rows; pass prefix=")
        full["id"] = pulid(chosen)
    now = epoch_now()
    for stamp in ("created_at", "updated_at"):
        if stamp in cols and full.get(stamp) is None:
            full[stamp] = now
    names = ", ".join(quote_ident(c) for c in full)
    params = ", ".join(f"${i}" for i in range(1, len(full) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO {t} ({names}) VALUES ({params}) ON CONFLICT DO NOTHING RETURNING *",
        *full.values(),
    )
    if row is not None:
        return row, True
    # Nothing inserted: a unique key other than ours (or a concurrent insert) holds it.
    row = await conn.fetchrow(f"SELECT * FROM {t} WHERE {where} LIMIT 1", *key_values)
    if row is not None:
        return await _bring_in_line(conn, table, row, values, key, ci, update)
    shown = ", ".join(f"{k}={values[k]!r}" for k in key)
    raise ValueError(
        f"{table}: cannot add the row with {shown}: another row already holds one of its "
        "other unique values (a name, code or username); rename one of them"
    )


async def _bring_in_line(
    conn: asyncpg.Connection,
    table: str,
    row: asyncpg.Record,
    values: Mapping[str, Any],
    key: Sequence[str],
    ci: Collection[str],
    update: Collection[str],
) -> tuple[asyncpg.Record, bool]:
    stale = {c: values[c] for c in update if c in values and c not in key and row[c] != values[c]}
    if not stale:
        return row, False
    t = quote_ident(table)
    n = len(key)
    sets = [f"{quote_ident(c)} = ${i}" for i, c in enumerate(stale, start=n + 1)]
    if "updated_at" in row.keys() and "updated_at" not in stale:  # noqa: SIM118
        sets.append(f"updated_at = {epoch_now()}")
    changed = " OR ".join(
        f"{quote_ident(c)} IS DISTINCT FROM ${i}" for i, c in enumerate(stale, start=n + 1)
    )
    updated = await conn.fetchrow(
        f"UPDATE {t} SET {', '.join(sets)} WHERE {_match(key, ci)} AND ({changed}) RETURNING *",
        *(values[k] for k in key),
        *stale.values(),
    )
    return (updated, True) if updated is not None else (row, False)


async def upsert_row(
    conn: asyncpg.Connection,
    table: str,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> tuple[asyncpg.Record, bool]:
    """``INSERT .. ON CONFLICT (key) DO UPDATE``, for tables with a unique constraint on ``key``.

    ``update`` names the columns to overwrite on a conflict (default: every
    non-key column given; ``()``: none). A row that already holds those values
    is not touched. Unlike :func:`ensure_row` nothing is added to ``values``
    (no id, no timestamps). Returns ``(row, written)``.
    """
    missing = [k for k in key if k not in values]
    if not key or missing:
        raise ValueError(f"upsert into {table}: key column(s) {missing or list(key)} need values")
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
    where = " AND ".join(f"{quote_ident(k)} = ${i}" for i, k in enumerate(key, start=1))
    row = await conn.fetchrow(f"SELECT * FROM {t} WHERE {where}", *(values[k] for k in key))
    if row is None:  # the conflicting row was deleted meanwhile by another transaction
        shown = {k: values[k] for k in key}
        raise LookupError(f"upsert into {table}: no row for key {shown}")
    return row, False


async def add_role_to_membership(
    conn: asyncpg.Connection, membership_id: str, role_ids: Iterable[str]
) -> bool:
    """Append the role ids a membership does not hold yet (order kept); True when it changed."""
    wanted = list(dict.fromkeys(role_ids))
    if not wanted:
        return False
    status = await conn.execute(
        """
        UPDATE user_organization_memberships m
        SET role_ids = coalesce(m.role_ids, ARRAY[]::text[]) || ARRAY(
            SELECT r FROM unnest($2::text[]) WITH ORDINALITY AS w(r, n)
            WHERE NOT (r = ANY (coalesce(m.role_ids, ARRAY[]::text[]))) ORDER BY n
        )
        WHERE m.id = $1 AND NOT ($2::text[] <@ coalesce(m.role_ids, ARRAY[]::text[]))
        """,
        membership_id,
        wanted,
    )
    return str(status).endswith(" 1")


async def ensure_permission_view(conn: asyncpg.Connection) -> bool:
    """Populate Trenova's ``user_effective_policies`` if it exists unpopulated; True if it did.

    Trenova's triggers on policies, roles and memberships run ``REFRESH
    MATERIALIZED VIEW CONCURRENTLY``, which fails on a view that was never
    populated, as in a schema restored from ``pg_dump --schema-only``. A plain
    refresh first makes those writes work; on a migrated database it is a no-op.
    """
    populated = await conn.fetchval(
        "SELECT relispopulated FROM pg_class WHERE oid = to_regclass('user_effective_policies') "
        "AND relkind = 'm'"
    )
    if populated is False:
        await conn.execute("REFRESH MATERIALIZED VIEW user_effective_policies")
        return True
    return False


async def copy_rows(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Bulk insert through binary COPY; returns the number of rows copied.

    COPY has no ``ON CONFLICT``: copy rows that are new (for example into an
    empty table, or after selecting what is missing). Give every row its id
    (``ids.pulid(prefix)``) and times (``ids.epoch_now()``). ``table`` is a
    plain, unqualified name resolved through the search_path.
    """
    records = rows if isinstance(rows, list) else list(rows)
    if not records:
        return 0
    await conn.copy_records_to_table(table, records=records, columns=list(columns))
    return len(records)
