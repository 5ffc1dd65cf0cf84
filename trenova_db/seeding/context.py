"""SeedContext: what a seed's ``run(ctx)`` receives (the original's ``seedhelpers.SeedContext``).

``ctx.conn`` is inside the seed's own transaction, and the cached look-ups use
it too, so they see rows the seed itself just wrote. ``ctx.rows`` counts the
rows each helper inserted or changed, per table (seeds add their own writes with
:meth:`SeedContext.count`); it ends up in ``seed_history.details``.

Everything is written in Trenova's schema as its Go models write it: PULID ids,
epoch-second times, bcrypt passwords, and its permission model (policies,
roles holding policy ids, organization memberships holding role ids). Every
writer is idempotent: it finds the row by its natural key and inserts only what
is missing, so a seed built from them can run again (or with ``--force``)
without writing anything. Existing rows are left as they are unless the call
says ``overwrite=True``; passwords of existing users are never touched.

The SQL lives in :mod:`trenova_db.seeding.helpers`; this class adds the cache,
the defaults (the default business unit ``DEFAULT`` and organization ``DFLT``
that the base seed AdminAccount creates) and the counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from ..config import Environment
from . import helpers
from .helpers import (
    ADMIN_EMAIL,
    DEFAULT_BUSINESS_UNIT_CODE,
    DEFAULT_ORGANIZATION_SCAC,
    DEFAULT_TIMEZONE,
)
from .ids import epoch_now

if TYPE_CHECKING:
    import asyncpg

__all__ = ["ALL_ORGANIZATION_SETTINGS", "ORGANIZATION_SETTINGS", "SeedContext"]

_ADMIN_SEED = "the base seed AdminAccount (seeds/base/02_admin_account.py)"
_STATES_SEED = "the base seed USStates (seeds/base/00_us_states.py)"

# The per-organization settings rows seedhelpers.CreateOrganizationSettings makes
# for every organization, and the full set AdminAccount makes for the default one.
ORGANIZATION_SETTINGS = ("shipment_controls", "billing_controls", "data_retention")
ALL_ORGANIZATION_SETTINGS = (
    "shipment_controls",
    "dispatch_controls",
    "billing_controls",
    "data_retention",
    "pattern_configs",
)
# Values the Go seeds write explicitly (everything else takes the column default).
_SETTINGS_VALUES: dict[str, dict[str, Any]] = {
    "shipment_controls": {},
    "dispatch_controls": {},
    # Go writes its empty strings, not NULL, for these two TEXT columns.
    "billing_controls": {"invoice_terms": "", "invoice_footer": ""},
    "data_retention": {},
    "pattern_configs": {
        "enabled": True,
        "require_exact_match": False,
        "weight_recent_shipments": True,
        "min_confidence_score": Decimal("0.7"),
        "min_frequency": 3,
        "analysis_window_days": 90,
        "suggestion_ttl_days": 30,
    },
}

_json = msgspec.json.Encoder(order="deterministic").encode


def to_json(value: Any) -> str:
    """``value`` as JSON text for a ``jsonb`` parameter (keys in a stable order)."""
    return _json(value).decode()


class SeedContext:
    """The seed's connection, environment, a per-run cache and the helpers."""

    conn: asyncpg.Connection
    environment: Environment
    seed_name: str
    rows: dict[str, int]
    secrets: dict[str, str]

    def __init__(
        self, conn: asyncpg.Connection, environment: Environment, *, seed_name: str
    ) -> None:
        self.conn = conn
        self.environment = environment
        self.seed_name = seed_name
        self.rows = {}
        self.secrets = {}
        self._business_unit: asyncpg.Record | None = None
        self._organization: asyncpg.Record | None = None
        self._states: dict[str, asyncpg.Record] | None = None
        self._roles: dict[tuple[str, str], asyncpg.Record] = {}
        self._columns: dict[str, frozenset[str]] = {}
        self._permission_view_checked = False

    def report_secret(self, label: str, value: str) -> None:
        """Hand a secret the seed generated (a password) to whoever runs it.

        It reaches the caller in the returned report (``SeedItem.secrets``) and
        the CLI shows it once, on stderr, only if the seed's transaction
        commits; it is never written to seed_history, the audit table or a
        log record.
        """
        self.secrets[label] = value

    def __repr__(self) -> str:
        return f"SeedContext(seed_name={self.seed_name!r}, environment={self.environment.value!r})"

    def count(self, table: str, n: int = 1) -> None:
        """Record ``n`` rows written to ``table`` (shown in the history details)."""
        if n:
            self.rows[table] = self.rows.get(table, 0) + n

    def _missing(self, what: str, creator: str) -> LookupError:
        return LookupError(
            f"seed {self.seed_name}: {what} not found: {creator} creates it; "
            "check depends_on and run `trenova-db seed`"
        )

    async def columns(self, table: str) -> frozenset[str]:
        """The column names of ``table`` (cached)."""
        found = self._columns.get(table)
        if found is None:
            found = self._columns[table] = await helpers.table_columns(self.conn, table)
        return found

    # -- cached look-ups -------------------------------------------------------

    async def get_default_business_unit(self) -> asyncpg.Record:
        """The business unit with code ``DEFAULT`` (cached), as seedhelpers finds it."""
        if self._business_unit is None:
            row = await self.conn.fetchrow(
                "SELECT * FROM business_units WHERE lower(code) = lower($1)",
                DEFAULT_BUSINESS_UNIT_CODE,
            )
            if row is None:
                raise self._missing("default business unit (code DEFAULT)", _ADMIN_SEED)
            self._business_unit = row
        return self._business_unit

    async def get_default_organization(self) -> asyncpg.Record:
        """The organization with SCAC code ``DFLT`` in the default business unit (cached)."""
        if self._organization is None:
            bu = await self.get_default_business_unit()
            row = await self.conn.fetchrow(
                "SELECT * FROM organizations WHERE business_unit_id = $1 AND scac_code = $2",
                bu["id"],
                DEFAULT_ORGANIZATION_SCAC,
            )
            if row is None:
                raise self._missing("default organization (SCAC DFLT)", _ADMIN_SEED)
            self._organization = row
        return self._organization

    async def get_admin_user(self) -> asyncpg.Record:
        """The admin user, ``admin@trenova.app`` (seedhelpers' GetAdminUser)."""
        row = await self.conn.fetchrow(
            "SELECT * FROM users WHERE lower(email_address) = lower($1)", ADMIN_EMAIL
        )
        if row is None:
            raise self._missing(f"admin user {ADMIN_EMAIL}", _ADMIN_SEED)
        return row

    async def get_state(self, abbreviation: str) -> asyncpg.Record:
        """A US state by abbreviation (``"TX"``, case-insensitive); ``["id"]`` is its PULID.

        The first call loads every state in one query; a miss reloads once, in
        case the states were written after the cache was filled.
        """
        key = abbreviation.strip().upper()
        for attempt in range(2):
            if self._states is None or attempt:
                rows = await self.conn.fetch("SELECT * FROM us_states")
                self._states = {r["abbreviation"].upper(): r for r in rows}
            if key in self._states:
                return self._states[key]
        raise self._missing(f"US state {abbreviation!r}", _STATES_SEED)

    async def get_role(self, name: str, business_unit_id: str | None = None) -> asyncpg.Record:
        """A role by name in a business unit (default: the default business unit), cached.

        Trenova's roles belong to a business unit, not to an organization.
        """
        bu = await self._business_unit_id(business_unit_id)
        cached = self._roles.get((bu, name))
        if cached is not None:
            return cached
        row = await self.conn.fetchrow(
            "SELECT * FROM roles WHERE business_unit_id = $1 AND name = $2 ORDER BY created_at "
            "LIMIT 1",
            bu,
            name,
        )
        if row is None:
            raise LookupError(
                f"seed {self.seed_name}: role {name!r} not found in business unit {bu}: "
                "the seed that creates it must run first; check depends_on"
            )
        self._roles[(bu, name)] = row
        return row

    async def _org(self, organization_id: str | None) -> asyncpg.Record:
        if organization_id is None:
            return await self.get_default_organization()
        default = self._organization
        if default is not None and default["id"] == organization_id:
            return default
        row = await self.conn.fetchrow("SELECT * FROM organizations WHERE id = $1", organization_id)
        if row is None:
            raise LookupError(f"seed {self.seed_name}: organization {organization_id} not found")
        return row

    async def _business_unit_id(self, business_unit_id: str | None) -> str:
        if business_unit_id is not None:
            return business_unit_id
        return str((await self.get_default_business_unit())["id"])

    async def _permission_view(self) -> None:
        if not self._permission_view_checked:
            await helpers.ensure_permission_view(self.conn)
            self._permission_view_checked = True

    # -- writers ---------------------------------------------------------------

    async def upsert(
        self,
        table: str,
        values: Mapping[str, Any],
        *,
        key: Sequence[str],
        prefix: str | None = None,
        ci: Sequence[str] = (),
        update: Sequence[str] = (),
    ) -> asyncpg.Record:
        """The row of ``table`` with these ``key`` values, inserted when missing (counted).

        The general writer for any Trenova table: a new row gets a PULID
        ``id`` (``prefix`` without its underscore, e.g. ``"dt"``; known tables
        have a default) and ``created_at``/``updated_at`` in epoch seconds.
        ``ci`` names key columns compared case-insensitively; ``update`` the
        columns brought in line on an existing row (default: none, it is left
        as it is). Pass ``jsonb`` values as JSON text (:func:`to_json`).
        """
        row, written = await helpers.ensure_row(
            self.conn,
            table,
            values,
            key=key,
            prefix=prefix,
            ci=ci,
            update=update,
            columns=await self.columns(table),
        )
        self.count(table, int(written))
        return row

    async def create_business_unit(
        self,
        *,
        name: str,
        code: str,
        postal_code: str,
        state: str | None = None,
        timezone: str = DEFAULT_TIMEZONE,
        locale: str = "en-US",
        overwrite: bool = False,
        **extra: Any,
    ) -> asyncpg.Record:
        """A business unit by ``code`` (case-insensitive), created when missing.

        ``state`` is an abbreviation; ``extra`` holds any other column
        (``primary_contact=``, ``primary_email=``, ``primary_phone=``,
        ``address_line1=``, ``city=``, ``tax_id=``, ``description=``).
        Text columns not given are written as Go writes them (``''``).
        ``overwrite=True`` brings an existing unit's given columns in line.
        """
        values: dict[str, Any] = {
            "name": name,
            "code": code,
            "description": "",
            "primary_contact": "",
            "primary_email": "",
            "primary_phone": "",
            "address_line1": "",
            "address_line2": "",
            "city": "",
            "tax_id": "",
            "postal_code": postal_code,
            "timezone": timezone,
            "locale": locale,
            **extra,
        }
        if state is not None:
            values["state_id"] = (await self.get_state(state))["id"]
        row = await self.upsert(
            "business_units",
            values,
            key=("code",),
            ci=("code",),
            update=[c for c in values if c != "code"] if overwrite else (),
        )
        if str(row["code"]).upper() == DEFAULT_BUSINESS_UNIT_CODE:
            self._business_unit = row
        return row

    async def create_organization(
        self,
        *,
        name: str,
        scac_code: str,
        dot_number: str,
        state: str,
        city: str,
        postal_code: str,
        address_line1: str,
        bucket_name: str,
        org_type: str = "Carrier",
        timezone: str = DEFAULT_TIMEZONE,
        business_unit_id: str | None = None,
        settings: Sequence[str] = ORGANIZATION_SETTINGS,
        overwrite: bool = False,
        **extra: Any,
    ) -> asyncpg.Record:
        """An organization by (business unit, SCAC code), created when missing, with its settings.

        Like seedhelpers.CreateOrganization: ``state`` is an abbreviation,
        ``business_unit_id`` defaults to the default business unit, ``org_type``
        is ``Carrier``, ``Brokerage`` or ``BrokerageCarrier``, and the
        organization gets the ``settings`` rows (default: shipment, billing
        controls and data retention; :data:`ALL_ORGANIZATION_SETTINGS` adds
        dispatch controls and the dedicated-lane pattern config), each created
        only when missing. ``extra`` holds any other column (``tax_id=``, ...).
        ``overwrite=True`` brings an existing organization's given columns in line.
        """
        bu = await self._business_unit_id(business_unit_id)
        values: dict[str, Any] = {
            "business_unit_id": bu,
            "scac_code": scac_code,
            "name": name,
            "dot_number": dot_number,
            "state_id": (await self.get_state(state))["id"],
            "city": city,
            "postal_code": postal_code,
            "address_line1": address_line1,
            "address_line2": "",
            "logo_url": "",
            "tax_id": "",
            "bucket_name": bucket_name,
            "org_type": org_type,
            "timezone": timezone,
            **extra,
        }
        key = ("business_unit_id", "scac_code")
        row = await self.upsert(
            "organizations",
            values,
            key=key,
            update=[c for c in values if c not in key] if overwrite else (),
        )
        if row["scac_code"] == DEFAULT_ORGANIZATION_SCAC:
            self._organization = row
        if settings:
            await self.create_organization_settings(row["id"], settings=settings)
        return row

    async def create_organization_settings(
        self, organization_id: str | None = None, *, settings: Sequence[str] = ORGANIZATION_SETTINGS
    ) -> dict[str, asyncpg.Record]:
        """The organization's settings rows, one per table keyed by organization, made when missing.

        ``settings`` names the tables, from :data:`ALL_ORGANIZATION_SETTINGS`;
        new rows take the columns' defaults, as the Go seeds' rows do.
        Returns the rows by table.
        """
        unknown = sorted(set(settings) - set(ALL_ORGANIZATION_SETTINGS))
        if unknown:
            raise ValueError(
                f"unknown settings table(s) {', '.join(unknown)}: choose from "
                + ", ".join(ALL_ORGANIZATION_SETTINGS)
            )
        org = await self._org(organization_id)
        out: dict[str, asyncpg.Record] = {}
        for table in settings:
            out[table] = await self.upsert(
                table,
                {
                    "organization_id": org["id"],
                    "business_unit_id": org["business_unit_id"],
                    **_SETTINGS_VALUES[table],
                },
                key=("organization_id",),
            )
        return out

    async def create_user(
        self,
        *,
        username: str,
        email: str,
        name: str,
        password: str | None = None,
        organization_id: str | None = None,
        business_unit_id: str | None = None,
        status: str = "Active",
        timezone: str = DEFAULT_TIMEZONE,
        must_change_password: bool = False,
        overwrite: bool = False,
        **extra: Any,
    ) -> asyncpg.Record:
        """A user by email address (case-insensitive), created when missing; returns the row.

        A new user's password is hashed with bcrypt (:func:`helpers.hash_password`),
        so they can log in to Trenova; ``password=None`` gives a random one no one
        knows (the account needs a reset). The user's current organization is
        ``organization_id`` (default: the default organization) and the business
        unit that organization's. No membership is made: call
        :meth:`add_membership` or :meth:`assign_role_to_user`.

        An existing user is returned as they are: password and
        ``must_change_password`` are never touched; ``overwrite=True`` brings
        username, name, status, timezone and ``extra`` columns in line.
        ``extra`` holds any other column (``time_format=``, ...).
        """
        if "password" in extra:
            raise ValueError("pass password= (it is hashed here), not a hash")
        profile: dict[str, Any] = {
            "username": username,
            "name": name,
            "status": status,
            "timezone": timezone,
            **extra,
        }
        existing = await self.conn.fetchrow(
            "SELECT * FROM users WHERE lower(email_address) = lower($1)", email
        )
        if existing is not None and not overwrite:
            return existing
        org = await self._org(organization_id)
        bu = business_unit_id or org["business_unit_id"]
        values: dict[str, Any] = {
            "email_address": email,
            "business_unit_id": bu,
            "current_organization_id": org["id"],
            "profile_pic_url": "",
            "thumbnail_url": "",
            "must_change_password": must_change_password,
            **profile,
        }
        if existing is None:
            values["password"] = helpers.hash_password(
                password if password is not None else helpers.generate_password()
            )
        return await self.upsert(
            "users",
            values,
            key=("email_address",),
            ci=("email_address",),
            update=list(profile) if overwrite else (),
        )

    async def add_membership(
        self,
        user_id: str,
        organization_id: str | None = None,
        *,
        role_ids: Iterable[str] = (),
        is_default: bool = False,
        granted_by: str | None = None,
    ) -> asyncpg.Record:
        """The user's membership of an organization (default: the default one), made when missing.

        ``role_ids`` missing from an existing membership are added (none is
        ever removed). ``granted_by`` is the granting user's id (Go's
        GrantedByID); ``is_default`` marks the organization the user lands in.
        """
        await self._permission_view()
        org = await self._org(organization_id)
        roles = list(dict.fromkeys(role_ids))
        row = await self.upsert(
            "user_organization_memberships",
            {
                "user_id": user_id,
                "organization_id": org["id"],
                "business_unit_id": org["business_unit_id"],
                "role_ids": roles,
                "direct_policies": [],
                "joined_at": epoch_now(),
                "granted_by_id": granted_by,
                "is_default": is_default,
            },
            key=("user_id", "organization_id"),
        )
        if roles and not set(roles) <= set(row["role_ids"] or ()):
            if await helpers.add_role_to_membership(self.conn, row["id"], roles):
                self.count("user_organization_memberships")
            row = await self.conn.fetchrow(
                "SELECT * FROM user_organization_memberships WHERE id = $1", row["id"]
            )
        return row

    async def assign_role_to_user(
        self,
        user_id: str,
        role_id: str,
        organization_id: str | None = None,
        *,
        assigned_by: str | None = None,
    ) -> None:
        """Give a user a role in an organization (idempotent).

        ``organization_id`` defaults to the user's current organization. The
        role id is added to the user's membership there (made when missing),
        which is what Trenova's effective policies read, and a
        ``user_organization_roles`` row (Trenova's RoleAssignment) is added.
        """
        await self._permission_view()
        if organization_id is None:
            organization_id = await self.conn.fetchval(
                "SELECT current_organization_id FROM users WHERE id = $1", user_id
            )
            if organization_id is None:
                raise LookupError(f"seed {self.seed_name}: user {user_id} not found")
        if await self.conn.fetchval("SELECT true FROM roles WHERE id = $1", role_id) is None:
            raise LookupError(f"seed {self.seed_name}: role {role_id} not found")
        await self.add_membership(
            user_id, organization_id, role_ids=[role_id], granted_by=assigned_by
        )
        await self.upsert(
            "user_organization_roles",
            {
                "user_id": user_id,
                "organization_id": organization_id,
                "role_id": role_id,
                "assigned_at": epoch_now(),
                "assigned_by": assigned_by,
            },
            key=("user_id", "organization_id", "role_id"),
        )

    async def create_policy(
        self,
        name: str,
        *,
        resources: Sequence[Mapping[str, Any]],
        business_unit_id: str | None = None,
        organization_ids: Sequence[str] | None = None,
        description: str | None = None,
        effect: str = "allow",
        priority: int = 100,
        subjects: Sequence[Mapping[str, Any]] = (),
    ) -> asyncpg.Record:
        """A policy by (business unit, name), made when missing (permissionbuilder's PolicyBuilder).

        ``resources`` are Trenova ResourceRules:
        ``{"resourceType": "shipment", "actions": {"standardOps": 63,
        "extendedOps": []}, "conditions": [], "dataScope": "all"}``.
        The scope is the business unit (default: the default one) and
        ``organization_ids`` (default: the default organization). An existing
        policy is left as it is.
        """
        await self._permission_view()
        bu = await self._business_unit_id(business_unit_id)
        existing = await self.conn.fetchrow(
            "SELECT * FROM policies WHERE scope->>'businessUnitId' = $1 AND name = $2 "
            "ORDER BY created_at LIMIT 1",
            bu,
            name,
        )
        if existing is not None:
            return existing
        if organization_ids is None:
            organization_ids = [str((await self.get_default_organization())["id"])]
        scope = {
            "businessUnitId": bu,
            "organizationIds": list(organization_ids),
            "inheritable": False,
        }
        row, written = await helpers.ensure_row(
            self.conn,
            "policies",
            {
                "name": name,
                "description": description if description is not None else f"Policy: {name}",
                "scope": to_json(scope),
                "resources": to_json(list(resources)),
                "subjects": to_json(list(subjects)),
                "effect": effect,
                "priority": priority,
                "tags": None,
                "created_by": None,
            },
            key=("name", "scope"),
            columns=await self.columns("policies"),
        )
        self.count("policies", int(written))
        return row

    async def create_role(
        self,
        name: str,
        *,
        level: str = "custom",
        business_unit_id: str | None = None,
        description: str | None = None,
        policy_ids: Sequence[str] = (),
        is_admin: bool = False,
    ) -> asyncpg.Record:
        """A role by (business unit, name), created when missing (permissionbuilder's RoleBuilder).

        ``level`` is ``system``, ``bu``, ``org`` or ``custom``; a ``system``
        role is also ``is_system``. ``policy_ids`` missing from an existing
        role are added (none removed). The role is cached for :meth:`get_role`.
        """
        await self._permission_view()
        bu = await self._business_unit_id(business_unit_id)
        wanted = list(dict.fromkeys(policy_ids))
        scope = {"type": "organization", "organizations": [], "inheritable": False}
        row = await self.upsert(
            "roles",
            {
                "business_unit_id": bu,
                "name": name,
                "description": description if description is not None else f"Role: {name}",
                "level": level,
                "parent_roles": [],
                "scope": to_json(scope),
                "policy_ids": wanted,
                "is_system": level == "system",
                "is_admin": is_admin,
                "created_by": None,
            },
            key=("business_unit_id", "name"),
        )
        held = list(row["policy_ids"] or ())
        missing = [p for p in wanted if p not in held]
        if missing:
            row = await self.conn.fetchrow(
                "UPDATE roles SET updated_at = $3, "
                "policy_ids = coalesce(policy_ids, ARRAY[]::text[]) || $2::text[] "
                "WHERE id = $1 RETURNING *",
                row["id"],
                missing,
                epoch_now(),
            )
            self.count("roles")
        self._roles[(bu, name)] = row
        return row

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Bulk insert through COPY: much faster than INSERTs for thousands of rows.

        COPY cannot skip existing rows, so copy only rows that are new, each
        with its own id (``ids.pulid(prefix)``) and times (``ids.epoch_now()``).
        """
        n = await helpers.copy_rows(self.conn, table, columns, rows)
        self.count(table, n)
        return n
