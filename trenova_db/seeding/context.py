"""SeedContext: what a seed's ``run(ctx)`` receives.

``ctx.conn`` is inside the seed's own transaction, and the cached look-ups use
it too, so they see rows the seed itself just wrote. ``ctx.rows`` counts what
each helper wrote, per table; it ends up in ``seed_history.details``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..config import Environment
from . import helpers

__all__ = ["SeedContext"]


class SeedContext:
    """The seed's connection, environment, a per-run cache and the helpers."""

    def __init__(self, conn: Any, environment: Environment, *, seed_name: str) -> None:
        self.conn = conn
        self.environment = environment
        self.seed_name = seed_name
        self.rows: dict[str, int] = {}
        self._business_unit: Any = None
        self._organization: Any = None
        self._states: dict[str, Any] | None = None
        self._roles: dict[tuple[Any, str], Any] = {}

    def count(self, table: str, n: int = 1) -> None:
        """Record ``n`` rows written to ``table`` (shown in history details)."""
        if n:
            self.rows[table] = self.rows.get(table, 0) + n

    # -- cached look-ups -------------------------------------------------------

    async def get_default_business_unit(self) -> Any:
        if self._business_unit is None:
            self._business_unit = await self.conn.fetchrow(
                "SELECT * FROM business_units WHERE is_default"
            )
            if self._business_unit is None:
                raise LookupError(
                    "default business unit not found: the base seed AdminAccount "
                    "(seeds/base/01_admin_account.py) creates it; add it to depends_on"
                )
        return self._business_unit

    async def get_default_organization(self) -> Any:
        if self._organization is None:
            self._organization = await self.conn.fetchrow(
                "SELECT * FROM organizations WHERE is_default"
            )
            if self._organization is None:
                raise LookupError(
                    "default organization not found: the base seed AdminAccount "
                    "(seeds/base/01_admin_account.py) creates it; add it to depends_on"
                )
        return self._organization

    async def get_state(self, abbreviation: str) -> Any:
        if self._states is None:
            rows = await self.conn.fetch("SELECT * FROM us_states")
            self._states = {r["abbreviation"]: r for r in rows}
        state = self._states.get(abbreviation.upper())
        if state is None:
            raise LookupError(
                f"US state {abbreviation!r} not found: the base seed USStates "
                "(seeds/base/00_us_states.py) creates the states; add it to depends_on"
            )
        return state

    async def get_role(self, name: str, organization_id: Any | None = None) -> Any:
        org = organization_id or (await self.get_default_organization())["id"]
        key = (org, name)
        if key not in self._roles:
            role = await self.conn.fetchrow(
                "SELECT * FROM roles WHERE organization_id = $1 AND name = $2", org, name
            )
            if role is None:
                raise LookupError(
                    f"role {name!r} not found in organization {org}: the seed that creates it "
                    "must run first (depends_on)"
                )
            self._roles[key] = role
        return self._roles[key]

    # -- writers ---------------------------------------------------------------

    async def create_organization(
        self,
        *,
        name: str,
        scac_code: str,
        state: str,
        city: str,
        business_unit_id: Any | None = None,
        **extra: Any,
    ) -> Any:
        bu = business_unit_id or (await self.get_default_business_unit())["id"]
        state_row = await self.get_state(state)
        row, created = await helpers.upsert_organization(
            self.conn,
            business_unit_id=bu,
            name=name,
            scac_code=scac_code,
            state_id=state_row["id"],
            city=city,
            extra=extra,
        )
        self.count("organizations", int(created))
        if extra.get("is_default"):
            self._organization = row
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
        **extra: Any,
    ) -> Any:
        org = organization_id or (await self.get_default_organization())["id"]
        bu = business_unit_id or (await self.get_default_business_unit())["id"]
        row, created = await helpers.upsert_user(
            self.conn,
            business_unit_id=bu,
            organization_id=org,
            username=username,
            email=email,
            name=name,
            password=password or helpers.generate_password(),
            status=status,
            must_change_password=must_change_password,
            extra=extra,
        )
        self.count("users", int(created))
        return row

    async def assign_role_to_user(
        self, user_id: Any, role_id: Any, organization_id: Any | None = None
    ) -> None:
        org = organization_id or (await self.get_default_organization())["id"]
        if await helpers.assign_role_to_user(self.conn, user_id, role_id, org):
            self.count("user_roles")

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Bulk insert through COPY; much faster than INSERTs for thousands of rows."""
        n = await helpers.copy_rows(self.conn, table, columns, rows)
        self.count(table, n)
        return n
