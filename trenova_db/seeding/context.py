"""SeedContext: what a seed's ``run(ctx)`` receives.

``ctx.conn`` is inside the seed's own transaction, and the cached look-ups use
it too, so they see rows the seed itself just wrote. ``ctx.rows`` counts the
rows each helper inserted or changed, per table (seeds add their own writes with
:meth:`SeedContext.count`); it ends up in ``seed_history.details``.

The SQL lives in :mod:`trenova_db.seeding.helpers`; this class adds the cache,
the defaults (default business unit and organization) and the counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..config import Environment
from . import helpers

if TYPE_CHECKING:
    import asyncpg

__all__ = ["SeedContext"]

_ADMIN_SEED = "the base seed AdminAccount (seeds/base/01_admin_account.py)"
_STATES_SEED = "the base seed USStates (seeds/base/00_us_states.py)"


class SeedContext:
    """The seed's connection, environment, a per-run cache and the helpers."""

    conn: asyncpg.Connection
    environment: Environment
    seed_name: str
    rows: dict[str, int]

    def __init__(
        self, conn: asyncpg.Connection, environment: Environment, *, seed_name: str
    ) -> None:
        self.conn = conn
        self.environment = environment
        self.seed_name = seed_name
        self.rows = {}
        self._business_unit: asyncpg.Record | None = None
        self._organization: asyncpg.Record | None = None
        self._states: dict[str, asyncpg.Record] | None = None
        self._roles: dict[tuple[Any, str], asyncpg.Record] = {}

    def __repr__(self) -> str:
        return f"SeedContext(seed_name={self.seed_name!r}, environment={self.environment.value!r})"

    def count(self, table: str, n: int = 1) -> None:
        """Record ``n`` rows written to ``table`` (shown in the history details)."""
        if n:
            self.rows[table] = self.rows.get(table, 0) + n

    def _missing(self, what: str, creator: str) -> LookupError:
        return LookupError(
            f"seed {self.seed_name}: {what} not found: {creator} creates it; check depends_on"
        )

    # -- cached look-ups -------------------------------------------------------

    async def get_default_business_unit(self) -> asyncpg.Record:
        """The business unit flagged ``is_default`` (cached)."""
        if self._business_unit is None:
            row = await self.conn.fetchrow("SELECT * FROM business_units WHERE is_default")
            if row is None:
                raise self._missing("default business unit", _ADMIN_SEED)
            self._business_unit = row
        return self._business_unit

    async def get_default_organization(self) -> asyncpg.Record:
        """The organization flagged ``is_default`` (cached)."""
        if self._organization is None:
            row = await self.conn.fetchrow("SELECT * FROM organizations WHERE is_default")
            if row is None:
                raise self._missing("default organization", _ADMIN_SEED)
            self._organization = row
        return self._organization

    async def get_state(self, abbreviation: str) -> asyncpg.Record:
        """A US state by abbreviation (``"TX"``, case-insensitive).

        The first call loads every state in one query; a miss reloads once, in
        case the states were written after the cache was filled.
        """
        key = abbreviation.strip().upper()
        for attempt in range(2):
            if self._states is None or attempt:
                rows = await self.conn.fetch("SELECT * FROM us_states")
                self._states = {r["abbreviation"]: r for r in rows}
            if key in self._states:
                return self._states[key]
        raise self._missing(f"US state {abbreviation!r}", _STATES_SEED)

    async def get_role(self, name: str, organization_id: Any | None = None) -> asyncpg.Record:
        """A role by name in an organization (default: the default organization)."""
        org = await self._organization_id(organization_id)
        cached = self._roles.get((org, name))
        if cached is not None:
            return cached
        row = await self.conn.fetchrow(
            "SELECT * FROM roles WHERE organization_id = $1 AND name = $2", org, name
        )
        if row is None:
            raise LookupError(
                f"seed {self.seed_name}: role {name!r} not found in organization {org}: "
                "the seed that creates it must run first; check depends_on"
            )
        self._roles[(org, name)] = row
        return row

    async def _organization_id(self, organization_id: Any | None) -> Any:
        if organization_id is not None:
            return organization_id
        return (await self.get_default_organization())["id"]

    async def _business_unit_id(self, business_unit_id: Any | None) -> Any:
        if business_unit_id is not None:
            return business_unit_id
        return (await self.get_default_business_unit())["id"]

    # -- writers ---------------------------------------------------------------

    async def create_business_unit(
        self,
        *,
        code: str,
        name: str,
        is_default: bool = False,
        overwrite: bool = True,
        **extra: Any,
    ) -> asyncpg.Record:
        """Upsert a business unit by ``code``.

        ``overwrite=False`` leaves an existing business unit exactly as it is.
        """
        row, written = await helpers.upsert_row(
            self.conn,
            "business_units",
            {"code": code, "name": name, "is_default": is_default, **extra},
            key=("code",),
            update=None if overwrite else (),
        )
        self.count("business_units", int(written))
        if row["is_default"]:
            self._business_unit = row
        return row

    async def create_organization(
        self,
        *,
        name: str,
        scac_code: str,
        state: str,
        city: str,
        business_unit_id: Any | None = None,
        overwrite: bool = True,
        **extra: Any,
    ) -> asyncpg.Record:
        """Upsert an organization by (business unit, SCAC code).

        ``state`` is an abbreviation; ``business_unit_id`` defaults to the
        default business unit; ``extra`` holds any other column
        (``postal_code=``, ``is_default=``, ``status=``, ...).
        ``overwrite=False`` leaves an existing organization exactly as it is.
        """
        values = {
            "business_unit_id": await self._business_unit_id(business_unit_id),
            "scac_code": scac_code,
            "name": name,
            "state_id": (await self.get_state(state))["id"],
            "city": city,
            **extra,
        }
        row, written = await helpers.upsert_row(
            self.conn,
            "organizations",
            values,
            key=("business_unit_id", "scac_code"),
            update=None if overwrite else (),
        )
        self.count("organizations", int(written))
        if row["is_default"]:
            self._organization = row
        elif self._organization is not None and self._organization["id"] == row["id"]:
            self._organization = None
        return row

    async def create_user(
        self,
        *,
        username: str,
        email: str,
        name: str,
        password: str | None = None,
        organization_id: Any | None = None,
        business_unit_id: Any | None = None,
        status: str = "Active",
        must_change_password: bool = False,
        overwrite: bool = True,
        **extra: Any,
    ) -> asyncpg.Record:
        """Upsert a user by email (case-insensitive); returns the row.

        A new user's password is hashed with :func:`helpers.hash_password`
        (``None``: a random one no one knows, so the account needs a reset). An
        existing user keeps password, ``must_change_password`` and organization;
        username, name, status and ``extra`` columns are updated where they
        differ (``overwrite=False``: the existing user is left exactly as is).
        ``organization_id`` defaults to the default organization and
        ``business_unit_id`` to that organization's business unit.
        """
        org_id = await self._organization_id(organization_id)
        if business_unit_id is None:
            default = self._organization
            if default is not None and default["id"] == org_id:
                business_unit_id = default["business_unit_id"]
            else:
                business_unit_id = await self.conn.fetchval(
                    "SELECT business_unit_id FROM organizations WHERE id = $1", org_id
                )
                if business_unit_id is None:
                    raise LookupError(
                        f"seed {self.seed_name}: organization {org_id} not found "
                        f"(creating user {username!r})"
                    )
        row, written = await helpers.upsert_user(
            self.conn,
            business_unit_id=business_unit_id,
            organization_id=org_id,
            username=username,
            email=email,
            name=name,
            password=password if password is not None else helpers.generate_password(),
            status=status,
            must_change_password=must_change_password,
            extra=extra,
            overwrite=overwrite,
        )
        self.count("users", int(written))
        return row

    async def create_role(
        self,
        name: str,
        *,
        organization_id: Any | None = None,
        description: str = "",
        is_system: bool = False,
        permissions: Iterable[tuple[str, str]] | None = (),
        overwrite: bool = True,
    ) -> asyncpg.Record:
        """Upsert a role by (organization, name) and grant it ``permissions``.

        ``permissions`` are ``(resource, action)`` pairs added to what the role
        holds (``None``: every permission). ``overwrite=False`` leaves an
        existing role's description and flags as they are. The role is cached
        for :meth:`get_role`.
        """
        org = await self._organization_id(organization_id)
        row, written = await helpers.upsert_row(
            self.conn,
            "roles",
            {
                "organization_id": org,
                "name": name,
                "description": description,
                "is_system": is_system,
            },
            key=("organization_id", "name"),
            update=None if overwrite else (),
        )
        self.count("roles", int(written))
        self._roles[(org, name)] = row
        if permissions != ():
            await self.grant_permissions(row["id"], permissions)
        return row

    async def grant_permissions(
        self, role_id: Any, permissions: Iterable[tuple[str, str]] | None = None
    ) -> int:
        """Grant ``(resource, action)`` pairs (``None``: all) to a role; returns new grants."""
        try:
            n = await helpers.grant_permissions(self.conn, role_id, permissions)
        except LookupError as exc:
            raise LookupError(f"seed {self.seed_name}: {exc}") from None
        self.count("role_permissions", n)
        return n

    async def assign_role_to_user(
        self, user_id: Any, role_id: Any, organization_id: Any | None = None
    ) -> None:
        """Give a user a role (idempotent). ``organization_id`` defaults to the role's."""
        try:
            new = await helpers.assign_role_to_user(self.conn, user_id, role_id, organization_id)
        except LookupError as exc:
            raise LookupError(f"seed {self.seed_name}: {exc}") from None
        if new:
            self.count("user_roles")

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Bulk insert through COPY: much faster than INSERTs for thousands of rows.

        COPY cannot skip existing rows, so copy only rows that are new.
        """
        n = await helpers.copy_rows(self.conn, table, columns, rows)
        self.count(table, n)
        return n
