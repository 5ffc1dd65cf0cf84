"""The 50 US states and the District of Columbia (Trenova's base/00_us_states.go)."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext
from trenova_db.seeding.ids import epoch_now, pulid

# name, abbreviation; every one in the United States (USA), as the Go seed writes them.
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
COUNTRY_NAME = "United States"
COUNTRY_ISO3 = "USA"


class USStatesSeed(BaseSeed):
    name = "USStates"
    version = "1.0.0"
    description = "Creates all US states required for the application"
    environments = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    depends_on = ()

    async def run(self, ctx: SeedContext) -> None:
        # One statement: every state not there yet (by abbreviation) is added,
        # with its own PULID; states already present are left as they are.
        now = epoch_now()
        inserted = await ctx.conn.fetchval(
            """
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
                    WITH ORDINALITY AS s(id, name, abbreviation, n)
            ), written AS (
                INSERT INTO us_states
                    (id, name, abbreviation, country_name, country_iso3, created_at, updated_at)
                SELECT i.id, i.name, i.abbreviation, $4, $5, $6, $6
                FROM input i
                WHERE NOT EXISTS (
                    SELECT FROM us_states u WHERE upper(u.abbreviation) = i.abbreviation
                )
                ORDER BY i.n
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM written
            """,
            [pulid("us") for _ in STATES],
            [s[0] for s in STATES],
            [s[1] for s in STATES],
            COUNTRY_NAME,
            COUNTRY_ISO3,
            now,
        )
        ctx.count("us_states", int(inserted))

    # No rollback(): organizations, business units, locations and workers refer to
    # the states; removing them is not something a seed command should do.
