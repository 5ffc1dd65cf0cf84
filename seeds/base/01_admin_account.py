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

    # No rollback(): removing the admin account and the default tenant is not
    # something a seed command should do.

    async def run(self, ctx: SeedContext) -> None:
        # overwrite=False: these rows belong to the operators once created;
        # a re-run (or --force) never renames or moves them.
        bu = await ctx.create_business_unit(
            code="TRENOVA", name="Trenova Logistics", is_default=True, overwrite=False
        )
        org = await ctx.create_organization(
            name="Trenova Logistics",
            scac_code="TRNV",
            state="TX",
            city="Austin",
            business_unit_id=bu["id"],
            address_line_1="100 Congress Ave",
            postal_code="78701",
            timezone="America/Chicago",
            is_default=True,
            overwrite=False,
        )
        exists = await ctx.conn.fetchval(
            "SELECT true FROM users WHERE lower(email) = lower($1)", ADMIN_EMAIL
        )
        if exists:
            return  # never touch an existing admin, least of all the password
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
            # Shown once, when the account is created; only the hash is stored.
            print(
                f"trenova-db: created admin user {ADMIN_EMAIL} with password {password} "
                "(change it at first login; set TRENOVA_ADMIN_PASSWORD to choose it)",
                file=sys.stderr,
            )
