"""Permissions (resources x actions) and the Administrator role holding all of them."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

CRUD = ("create", "read", "update", "delete")
# resource -> the actions that make sense for it
PERMISSIONS = {
    "organization": (*CRUD, "export"),
    "business_unit": CRUD,
    "user": (*CRUD, "export"),
    "role": CRUD,
    "permission": ("read",),
    "shipment": (*CRUD, "export", "approve"),
    "customer": (*CRUD, "export"),
    "worker": (*CRUD, "export"),
    "tractor": (*CRUD, "export"),
    "trailer": (*CRUD, "export"),
    "location": (*CRUD, "export"),
    "invoice": (*CRUD, "export", "approve"),
    "report": ("create", "read", "export"),
    "setting": ("read", "update"),
}
ADMIN_EMAIL = "admin@trenova.app"


class PermissionsSeed(BaseSeed):
    name = "Permissions"
    version = "1.0.0"
    description = "Creates permissions and the Administrator role for the admin user"
    environments = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    depends_on = ("AdminAccount",)

    async def run(self, ctx: SeedContext) -> None:
        pairs = [(r, a) for r, actions in PERMISSIONS.items() for a in actions]
        written = await ctx.conn.fetchval(
            """
            WITH written AS (
                INSERT INTO permissions (resource, action, description)
                SELECT r, a, initcap(a) || ' ' || replace(r, '_', ' ')
                FROM unnest($1::text[], $2::text[]) AS p(r, a)
                ON CONFLICT (resource, action) DO UPDATE SET description = EXCLUDED.description
                WHERE permissions.description IS DISTINCT FROM EXCLUDED.description
                RETURNING 1
            )
            SELECT count(*) FROM written
            """,
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )
        ctx.count("permissions", int(written))
        # Every permission there is, including ones other seeds or the app added.
        role = await ctx.create_role(
            "Administrator",
            description="Full access to everything",
            is_system=True,
            permissions=None,
            overwrite=False,
        )
        admin = await ctx.conn.fetchval(
            "SELECT id FROM users WHERE lower(email) = lower($1)", ADMIN_EMAIL
        )
        if admin is not None:
            await ctx.assign_role_to_user(admin, role["id"])
