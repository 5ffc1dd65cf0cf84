"""Roles and users for local development: manager, dispatcher, two drivers, viewer."""

import os

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

ROLES = {
    "Manager": ("create", "read", "update", "delete", "export", "approve"),
    "Dispatcher": ("create", "read", "update"),
    "Driver": ("read",),
    "Viewer": ("read",),
}
USERS = (
    ("manager", "Morgan Manager", "Manager"),
    ("dispatcher", "Dana Dispatcher", "Dispatcher"),
    ("driver1", "Drew Driver", "Driver"),
    ("driver2", "Devon Driver", "Driver"),
    ("viewer", "Val Viewer", "Viewer"),
)


class TestUsersSeed(BaseSeed):
    name = "TestUsers"
    version = "1.0.0"
    description = "Creates development roles and users with fitting permissions"
    environments = (Environment.DEVELOPMENT, Environment.TEST)
    depends_on = ("TestOrganizations", "Permissions")

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        for role_name, actions in ROLES.items():
            created = await ctx.conn.fetchval(
                "INSERT INTO roles (organization_id, name, description) VALUES ($1, $2, $3) "
                "ON CONFLICT (organization_id, name) DO NOTHING RETURNING true",
                org["id"],
                role_name,
                f"{role_name} (development)",
            )
            ctx.count("roles", int(bool(created)))
            role = await ctx.get_role(role_name)
            granted = await ctx.conn.execute(
                "INSERT INTO role_permissions (role_id, permission_id) "
                "SELECT $1, id FROM permissions WHERE action = ANY($2::text[]) "
                "ON CONFLICT DO NOTHING",
                role["id"],
                list(actions),
            )
            ctx.count("role_permissions", int(granted.split()[-1]))
        password = os.environ.get("TRENOVA_DEV_PASSWORD", "password123!")
        for username, full_name, role_name in USERS:
            user = await ctx.create_user(
                username=username,
                email=f"{username}@trenova.dev",
                name=full_name,
                password=password,
            )
            role = await ctx.get_role(role_name)
            await ctx.assign_role_to_user(user["id"], role["id"])

    async def rollback(self, ctx: SeedContext) -> None:
        users = await ctx.conn.execute(
            "DELETE FROM users WHERE email = ANY($1::text[])",
            [f"{u[0]}@trenova.dev" for u in USERS],
        )
        ctx.count("users", int(users.split()[-1]))
        org = await ctx.get_default_organization()
        roles = await ctx.conn.execute(
            "DELETE FROM roles WHERE organization_id = $1 AND name = ANY($2::text[])",
            org["id"],
            list(ROLES),
        )
        ctx.count("roles", int(roles.split()[-1]))
