"""Helpers seeds call (the original's pkg/seedhelpers), as plain functions on a connection.

Each returns the row it wrote or found; all are idempotent upserts that leave an
existing identical row untouched (so ``updated_at`` does not move on re-runs).
Application tables live in the connection's search_path (normally public).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "assign_role_to_user",
    "copy_rows",
    "generate_password",
    "hash_password",
    "upsert_organization",
    "upsert_user",
    "verify_password",
]

# scrypt parameters: 16 MiB of memory per hash, the stdlib's standard KDF.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64): self-describing, so parameters can change."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def generate_password(length: int = 20) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_=+"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate


async def upsert_organization(
    conn: Any,
    *,
    business_unit_id: Any,
    name: str,
    scac_code: str,
    state_id: Any,
    city: str,
    extra: dict[str, Any],
) -> tuple[Any, bool]:
    """(row, created) for the organization keyed by (business unit, SCAC code)."""
    columns = ["business_unit_id", "name", "scac_code", "state_id", "city", *extra]
    values = [business_unit_id, name, scac_code, state_id, city, *extra.values()]
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    updates = [c for c in columns if c not in ("business_unit_id", "scac_code")]
    row = await conn.fetchrow(
        f"INSERT INTO organizations ({', '.join(columns)}) VALUES ({placeholders}) "
        "ON CONFLICT (business_unit_id, scac_code) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in updates)
        + " WHERE ("
        + ", ".join(f"organizations.{c}" for c in updates)
        + ") IS DISTINCT FROM ("
        + ", ".join(f"EXCLUDED.{c}" for c in updates)
        + ") RETURNING *, (xmax = 0) AS created",
        *values,
    )
    if row is None:  # identical row already there: DO UPDATE ... WHERE skipped it
        row = await conn.fetchrow(
            "SELECT *, false AS created FROM organizations "
            "WHERE business_unit_id = $1 AND scac_code = $2",
            business_unit_id,
            scac_code,
        )
    return row, bool(row["created"])


async def upsert_user(
    conn: Any,
    *,
    business_unit_id: Any,
    organization_id: Any,
    username: str,
    email: str,
    name: str,
    password: str,
    status: str,
    must_change_password: bool,
    extra: dict[str, Any],
) -> tuple[Any, bool]:
    """(row, created) for the user keyed by lower(email). An existing user's
    password is never replaced: re-running a seed must not reset credentials."""
    existing = await conn.fetchrow(
        "SELECT *, false AS created FROM users WHERE lower(email) = lower($1)", email
    )
    if existing is not None:
        return existing, False
    columns = [
        "business_unit_id",
        "organization_id",
        "username",
        "email",
        "name",
        "password_hash",
        "status",
        "must_change_password",
        *extra,
    ]
    values = [
        business_unit_id,
        organization_id,
        username,
        email,
        name,
        hash_password(password),
        status,
        must_change_password,
        *extra.values(),
    ]
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO users ({', '.join(columns)}) VALUES ({placeholders}) "
        "RETURNING *, true AS created",
        *values,
    )
    return row, True


async def assign_role_to_user(conn: Any, user_id: Any, role_id: Any, organization_id: Any) -> bool:
    """True when the assignment is new."""
    status = await conn.execute(
        "INSERT INTO user_roles (user_id, role_id, organization_id) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        user_id,
        role_id,
        organization_id,
    )
    return bool(status.endswith(" 1"))


async def copy_rows(
    conn: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Bulk insert through COPY (binary); returns the number of rows copied."""
    records = rows if isinstance(rows, list) else list(rows)
    if not records:
        return 0
    await conn.copy_records_to_table(table, records=records, columns=list(columns))
    return len(records)
