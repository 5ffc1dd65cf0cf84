"""Trenova's TestOrganizations seed: three organizations in the default business unit.

Port of ``development/00_test_organizations.go`` (Trenova eac57070): the same
organizations, each with the settings rows Go's ``CreateOrganization`` adds
(shipment control, billing control, data retention), through
``ctx.create_organization``. Idempotent: an organization is found by (business
unit, SCAC code) and its settings by organization; only what is missing is
written, an existing organization is left as it is.
"""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext
from trenova_db.seeding.context import ORGANIZATION_SETTINGS

# name, SCAC, DOT number, state, city, postal code, address, type, timezone, bucket
ORGANIZATIONS = (
    (
        "Texas Transport LLC",
        "TXTX",
        "1234567",
        "TX",
        "Austin",
        "78701",
        "123 Congress Ave",
        "Carrier",
        "America/Chicago",
        "texas-transport",
    ),
    (
        "Empire Logistics",
        "EMPL",
        "2345678",
        "NY",
        "New York",
        "10001",
        "456 Broadway",
        "Brokerage",
        "America/New_York",
        "empire-logistics",
    ),
    (
        "Midwest Freight Co",
        "MWFC",
        "3456789",
        "IL",
        "Chicago",
        "60601",
        "789 Michigan Ave",
        "Carrier",
        "America/Chicago",
        "midwest-freight",
    ),
)


class TestOrganizationsSeed(BaseSeed):
    name = "TestOrganizations"
    version = "1.0.0"
    description = "Creates test organizations for development"
    environments = (Environment.DEVELOPMENT, Environment.TEST)
    depends_on = ("USStates", "AdminAccount")

    async def run(self, ctx: SeedContext) -> None:
        for name, scac, dot, state, city, postal, address, org_type, tz, bucket in ORGANIZATIONS:
            await ctx.create_organization(
                name=name,
                scac_code=scac,
                dot_number=dot,
                state=state,
                city=city,
                postal_code=postal,
                address_line1=address,
                org_type=org_type,
                timezone=tz,
                bucket_name=bucket,
            )

    async def rollback(self, ctx: SeedContext) -> None:
        # Settings rows first (data_retention has no foreign key to cascade on).
        bu_id = (await ctx.get_default_business_unit())["id"]
        org_ids = [
            r["id"]
            for r in await ctx.conn.fetch(
                "SELECT id FROM organizations "
                "WHERE business_unit_id = $1 AND scac_code = ANY($2::text[])",
                bu_id,
                [o[1] for o in ORGANIZATIONS],
            )
        ]
        for table in ORGANIZATION_SETTINGS:
            status = await ctx.conn.execute(
                f"DELETE FROM {table} WHERE organization_id = ANY($1::text[])", org_ids
            )
            ctx.count(table, int(status.rsplit(" ", 1)[-1]))
        status = await ctx.conn.execute(
            "DELETE FROM organizations WHERE id = ANY($1::text[])", org_ids
        )
        ctx.count("organizations", int(status.rsplit(" ", 1)[-1]))
