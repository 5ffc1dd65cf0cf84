"""All 50 US states and the District of Columbia."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

STATES = (
    ("Alabama", "AL"), ("Alaska", "AK"), ("Arizona", "AZ"), ("Arkansas", "AR"),
    ("California", "CA"), ("Colorado", "CO"), ("Connecticut", "CT"), ("Delaware", "DE"),
    ("District of Columbia", "DC"), ("Florida", "FL"), ("Georgia", "GA"), ("Hawaii", "HI"),
    ("Idaho", "ID"), ("Illinois", "IL"), ("Indiana", "IN"), ("Iowa", "IA"), ("Kansas", "KS"),
    ("Kentucky", "KY"), ("Louisiana", "LA"), ("Maine", "ME"), ("Maryland", "MD"),
    ("Massachusetts", "MA"), ("Michigan", "MI"), ("Minnesota", "MN"), ("Mississippi", "MS"),
    ("Missouri", "MO"), ("Montana", "MT"), ("Nebraska", "NE"), ("Nevada", "NV"),
    ("New Hampshire", "NH"), ("New Jersey", "NJ"), ("New Mexico", "NM"), ("New York", "NY"),
    ("North Carolina", "NC"), ("North Dakota", "ND"), ("Ohio", "OH"), ("Oklahoma", "OK"),
    ("Oregon", "OR"), ("Pennsylvania", "PA"), ("Rhode Island", "RI"), ("South Carolina", "SC"),
    ("South Dakota", "SD"), ("Tennessee", "TN"), ("Texas", "TX"), ("Utah", "UT"),
    ("Vermont", "VT"), ("Virginia", "VA"), ("Washington", "WA"), ("West Virginia", "WV"),
    ("Wisconsin", "WI"), ("Wyoming", "WY"),
)  # fmt: skip


class USStatesSeed(BaseSeed):
    name = "USStates"
    version = "1.0.0"
    description = "Creates all US states and DC"
    environments = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    depends_on = ()

    async def run(self, ctx: SeedContext) -> None:
        inserted = await ctx.conn.fetchval(
            """
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::text[]) AS s(name, abbreviation)
            ), written AS (
                INSERT INTO us_states (name, abbreviation, country_code)
                SELECT name, abbreviation, 'US' FROM input
                ON CONFLICT (abbreviation) DO UPDATE SET name = EXCLUDED.name
                WHERE us_states.name IS DISTINCT FROM EXCLUDED.name
                RETURNING 1
            )
            SELECT count(*) FROM written
            """,
            [s[0] for s in STATES],
            [s[1] for s in STATES],
        )
        ctx.count("us_states", int(inserted))

    async def rollback(self, ctx: SeedContext) -> None:
        # States still referenced by an organization stay: the FK protects them.
        deleted = await ctx.conn.execute(
            "DELETE FROM us_states s WHERE s.abbreviation = ANY($1::text[]) "
            "AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.state_id = s.id)",
            [s[1] for s in STATES],
        )
        ctx.count("us_states", int(deleted.split()[-1]))
