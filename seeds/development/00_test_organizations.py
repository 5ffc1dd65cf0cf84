"""Three organizations for local development: Texas, New York, Illinois."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

# name, SCAC code, state, city, address, postal code, timezone
ORGANIZATIONS = (
    ("Lone Star Freight", "LSFT", "TX", "Dallas", "1500 Marilla St", "75201", "America/Chicago"),
    ("Empire Carriers", "EMPC", "NY", "Buffalo", "65 Niagara Sq", "14202", "America/New_York"),
    ("Prairie Transport", "PRTR", "IL", "Chicago", "121 N LaSalle St", "60602", "America/Chicago"),
)


class TestOrganizationsSeed(BaseSeed):
    name = "TestOrganizations"
    version = "1.0.0"
    description = "Creates three organizations in Texas, New York and Illinois"
    environments = (Environment.DEVELOPMENT, Environment.TEST)
    depends_on = ("AdminAccount",)

    async def run(self, ctx: SeedContext) -> None:
        for name, scac, state, city, address, postal, tz in ORGANIZATIONS:
            await ctx.create_organization(
                name=name,
                scac_code=scac,
                state=state,
                city=city,
                address_line_1=address,
                postal_code=postal,
                timezone=tz,
            )

    async def rollback(self, ctx: SeedContext) -> None:
        # Their roles go with them (ON DELETE CASCADE); users still working
        # there make this fail (ON DELETE RESTRICT) rather than vanish.
        bu = await ctx.get_default_business_unit()
        status = await ctx.conn.execute(
            "DELETE FROM organizations "
            "WHERE business_unit_id = $1 AND scac_code = ANY($2::text[]) AND NOT is_default",
            bu["id"],
            [o[1] for o in ORGANIZATIONS],
        )
        ctx.count("organizations", int(status.split()[-1]))
