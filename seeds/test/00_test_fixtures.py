"""Edge cases for automated tests: a suspended user and an inactive organization."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

SUSPENDED_EMAIL = "suspended@trenova.dev"
INACTIVE_SCAC = "DRMT"


class TestFixturesSeed(BaseSeed):
    name = "TestFixtures"
    version = "1.0.0"
    description = "Creates a suspended user and an inactive organization for tests"
    environments = (Environment.TEST,)
    depends_on = ("TestUsers",)

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.create_organization(
            name="Dormant Haulers",
            scac_code=INACTIVE_SCAC,
            state="OH",
            city="Columbus",
            postal_code="43215",
            timezone="America/New_York",
            status="Inactive",
        )
        await ctx.create_user(
            username="suspended",
            email=SUSPENDED_EMAIL,
            name="Sam Suspended",
            password="password123!",
            organization_id=org["id"],
            status="Suspended",
            timezone="America/New_York",
        )

    async def rollback(self, ctx: SeedContext) -> None:
        users = await ctx.conn.execute("DELETE FROM users WHERE lower(email) = $1", SUSPENDED_EMAIL)
        ctx.count("users", int(users.split()[-1]))
        bu = await ctx.get_default_business_unit()
        orgs = await ctx.conn.execute(
            "DELETE FROM organizations WHERE business_unit_id = $1 AND scac_code = $2",
            bu["id"],
            INACTIVE_SCAC,
        )
        ctx.count("organizations", int(orgs.split()[-1]))
