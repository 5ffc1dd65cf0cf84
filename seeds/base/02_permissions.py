"""Permissions (resources x actions) and the Administrator role holding all of them."""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

RESOURCES = (
    "organization", "business_unit", "user", "role", "permission", "shipment", "customer",
    "worker", "tractor", "trailer", "location", "invoice", "report", "setting",
)  # fmt: skip
ACTIONS = ("create", "read", "update", "delete", "export", "approve")


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
        pairs = [(r, a) for r in RESOURCES for a in ACTIONS]
        inserted = await ctx.conn.fetchval(
            """
            WITH written AS (
                INSERT INTO permissions (resource, action, description)
                SELECT r, a, initcap(a) || ' ' || replace(r, '_', ' ')
                FROM unnest($1::text[], $2::text[]) AS p(r, a)
                ON CONFLICT (resource, action) DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM written
            """,
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )
        ctx.count("permissions", int(inserted))
        org = await ctx.get_default_organization()
        role_created = await ctx.conn.fetchval(
            """
            INSERT INTO roles (organization_id, name, description, is_system)
            VALUES ($1, 'Administrator', 'Full access to everything', true)
            ON CONFLICT (organization_id, name) DO NOTHING
            RETURNING true
            """,
            org["id"],
        )
        ctx.count("roles", int(bool(role_created)))
        role = await ctx.get_role("Administrator")
        granted = await ctx.conn.execute(
            "INSERT INTO role_permissions (role_id, permission_id) "
            "SELECT $1, id FROM permissions ON CONFLICT DO NOTHING",
            role["id"],
        )
        ctx.count("role_permissions", int(granted.split()[-1]))
        admin = await ctx.conn.fetchrow("SELECT id FROM users WHERE username = 'admin'")
        if admin is not None:
            await ctx.assign_role_to_user(admin["id"], role["id"])
