"""Three organizations for local development: Texas, New York, Illinois."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

ORGANIZATIONS = (
    ("Lone Star Freight", "LSFT", "TX", "Dallas", "75201"),
    ("Empire Carriers", "EMPC", "NY", "Buffalo", "14202"),
    ("Prairie Transport", "PRTR", "IL", "Chicago", "60601"),
)


class TestOrganizationsSeed(BaseSeed):
    name = "TestOrganizations"
    version = "1.0.0"
    description = "Creates three organizations in Texas, New York and Illinois"
    environments = (Environment.DEVELOPMENT, Environment.TEST)
    depends_on = ("AdminAccount",)

    async def run(self, ctx: SeedContext) -> None:
        for name, scac, state, city, postal in ORGANIZATIONS:
            await ctx.create_organization(
                name=name, scac_code=scac, state=state, city=city, postal_code=postal
            )

    async def rollback(self, ctx: SeedContext) -> None:
        status = await ctx.conn.execute(
            "DELETE FROM organizations WHERE scac_code = ANY($1::text[]) AND NOT is_default",
            [o[1] for o in ORGANIZATIONS],
        )
        ctx.count("organizations", int(status.split()[-1]))
