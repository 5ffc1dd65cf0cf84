"""Edge cases for automated tests: a suspended user and an inactive organization."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext


class TestFixturesSeed(BaseSeed):
    name = "TestFixtures"
    version = "1.0.0"
    description = "Creates a suspended user and an inactive organization for tests"
    environments = (Environment.TEST,)
    depends_on = ("TestUsers",)

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.create_organization(
            name="Dormant Haulers", scac_code="DRMT", state="OH", city="Columbus",
            status="Inactive",
        )  # fmt: skip
        await ctx.create_user(
            username="suspended",
            email="suspended@trenova.dev",
            name="Sam Suspended",
            password="password123!",
            organization_id=org["id"],
            status="Suspended",
        )

    async def rollback(self, ctx: SeedContext) -> None:
        users = await ctx.conn.execute("DELETE FROM users WHERE email = 'suspended@trenova.dev'")
        orgs = await ctx.conn.execute("DELETE FROM organizations WHERE scac_code = 'DRMT'")
        ctx.count("users", int(users.split()[-1]))
        ctx.count("organizations", int(orgs.split()[-1]))
