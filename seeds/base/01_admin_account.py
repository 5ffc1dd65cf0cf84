"""The default business unit, the default organization and the admin user."""

import os
import sys

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext
from trenova_db.seeding.helpers import generate_password

ADMIN_EMAIL = "admin@trenova.app"


class AdminAccountSeed(BaseSeed):
    name = "AdminAccount"
    version = "1.0.0"
    description = "Creates the default business unit, organization and admin user"
    environments = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    depends_on = ("USStates",)

    async def run(self, ctx: SeedContext) -> None:
        created = await ctx.conn.fetchval(
            """
            INSERT INTO business_units (code, name, is_default)
            VALUES ('TRENOVA', 'Trenova Logistics', true)
            ON CONFLICT (code) DO NOTHING
            RETURNING true
            """
        )
        ctx.count("business_units", int(bool(created)))
        org = await ctx.create_organization(
            name="Trenova Logistics",
            scac_code="TRNV",
            state="TX",
            city="Austin",
            address_line_1="100 Congress Ave",
            postal_code="78701",
            timezone="America/Chicago",
            is_default=True,
        )
        exists = await ctx.conn.fetchval(
            "SELECT true FROM users WHERE lower(email) = lower($1)", ADMIN_EMAIL
        )
        if exists:
            return  # never touch an existing admin's password
        configured = os.environ.get("TRENOVA_ADMIN_PASSWORD")
        password = configured or generate_password()
        await ctx.create_user(
            username="admin",
            email=ADMIN_EMAIL,
            name="System Administrator",
            password=password,
            organization_id=org["id"],
            must_change_password=not configured,
            is_system_admin=True,
        )
        if not configured:
            # Printed once, when the account is created; only the hash is stored.
            print(
                f"trenova-db: created admin user {ADMIN_EMAIL} with password {password} "
                "(change it at first login; set TRENOVA_ADMIN_PASSWORD to choose it)",
                file=sys.stderr,
            )
