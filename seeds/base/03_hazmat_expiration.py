"""HazmatExpiration (Trenova's base/03_hazmat_expiration.go): hazmat endorsements in Florida.

A hazmat endorsement issued in Florida expires after 4 years.
"""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

# state abbreviation -> years until a hazmat endorsement expires
EXPIRATIONS = {"FL": 4}


class HazmatExpirationSeed(BaseSeed):
    name = "HazmatExpiration"
    version = "1.0.0"
    description = "Creates hazmat expiration data"
    environments = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    # Implicit in the Go tool's file order; declared so --parallel cannot break it.
    depends_on = ("USStates",)

    async def run(self, ctx: SeedContext) -> None:
        for abbreviation, years in EXPIRATIONS.items():
            state = await ctx.get_state(abbreviation)
            # One rule per state: a state that has one already keeps it.
            await ctx.upsert(
                "hazmat_expirations",
                {"state_id": state["id"], "years": years, "version": 0},
                key=("state_id",),
            )

    async def rollback(self, ctx: SeedContext) -> None:
        status = await ctx.conn.execute(
            "DELETE FROM hazmat_expirations h USING us_states s "
            "WHERE s.id = h.state_id AND s.abbreviation = ANY($1::text[])",
            list(EXPIRATIONS),
        )
        ctx.count("hazmat_expirations", int(status.split()[-1]))
