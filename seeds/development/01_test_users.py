"""Roles and users for local development: manager, dispatcher, two drivers, viewer."""

import os

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

EDIT = ("create", "read", "update", "delete", "export")
DESCRIPTIONS = {
    "Manager": "Runs the operation: full access to operations and billing",
    "Dispatcher": "Plans and dispatches shipments",
    "Driver": "Sees and updates the shipments assigned to them",
    "Viewer": "Read-only access",
}
# role -> {resource: actions}; only pairs the Permissions seed defines (else LookupError)
GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "Manager": {
        "shipment": (*EDIT, "approve"),
        "invoice": (*EDIT, "approve"),
        "customer": EDIT,
        "worker": EDIT,
        "tractor": EDIT,
        "trailer": EDIT,
        "location": EDIT,
        "report": ("create", "read", "export"),
        "user": ("read", "update"),
        "organization": ("read",),
        "setting": ("read",),
    },
    "Dispatcher": {
        "shipment": ("create", "read", "update"),
        "customer": ("read",),
        "location": ("create", "read", "update"),
        "worker": ("read", "update"),
        "tractor": ("read", "update"),
        "trailer": ("read", "update"),
        "report": ("read",),
    },
    "Driver": {
        "shipment": ("read", "update"),
        "location": ("read",),
        "tractor": ("read",),
        "trailer": ("read",),
    },
    "Viewer": {
        resource: ("read",)
        for resource in (
            "organization",
            "shipment",
            "customer",
            "worker",
            "tractor",
            "trailer",
            "location",
            "invoice",
            "report",
        )
    },
}
# username, full name, role
USERS = (
    ("manager", "Morgan Manager", "Manager"),
    ("dispatcher", "Dana Dispatcher", "Dispatcher"),
    ("driver1", "Drew Driver", "Driver"),
    ("driver2", "Devon Driver", "Driver"),
    ("viewer", "Val Viewer", "Viewer"),
)
EMAIL_DOMAIN = "trenova.dev"


class TestUsersSeed(BaseSeed):
    name = "TestUsers"
    version = "1.0.0"
    description = "Creates development roles and users with fitting permissions"
    environments = (Environment.DEVELOPMENT, Environment.TEST)
    depends_on = ("TestOrganizations", "Permissions")

    async def run(self, ctx: SeedContext) -> None:
        for role_name, grants in GRANTS.items():
            await ctx.create_role(
                role_name,
                description=DESCRIPTIONS[role_name],
                permissions=[(r, a) for r, actions in grants.items() for a in actions],
            )
        password = os.environ.get("TRENOVA_DEV_PASSWORD") or "password123!"
        for username, full_name, role_name in USERS:
            user = await ctx.create_user(
                username=username,
                email=f"{username}@{EMAIL_DOMAIN}",
                name=full_name,
                password=password,
            )
            role = await ctx.get_role(role_name)
            await ctx.assign_role_to_user(user["id"], role["id"])

    async def rollback(self, ctx: SeedContext) -> None:
        # user_roles and role_permissions rows go with them (ON DELETE CASCADE).
        users = await ctx.conn.execute(
            "DELETE FROM users WHERE lower(email) = ANY($1::text[])",
            [f"{u[0]}@{EMAIL_DOMAIN}" for u in USERS],
        )
        ctx.count("users", int(users.split()[-1]))
        org = await ctx.get_default_organization()
        roles = await ctx.conn.execute(
            "DELETE FROM roles WHERE organization_id = $1 AND name = ANY($2::text[])",
            org["id"],
            list(GRANTS),
        )
        ctx.count("roles", int(roles.split()[-1]))
