"""Trenova's TestUsers seed: five users of the default organization who can log in.

Port of ``development/01_test_users.go`` (Trenova eac57070). At that commit the
Go seed's body is commented out, yet it reports creating these five users with
the password ``password123!``; this port creates them as the commented code
describes (``seedhelpers.CreateUser``: default organization and business unit,
America/Los_Angeles, Active, a bcrypt hash like Trenova's ``User.GeneratePassword``)
with a membership of the default organization (``AssignRoleToUser``). No seed
at that commit creates the Manager/Dispatcher/Driver/Viewer roles, so a user
gets the role of that name only where one exists in the default business unit.

Idempotent: users are found by email (case-insensitive) and an existing user,
password included, is left as they are; a membership is found by
(user, organization).
"""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

PASSWORD = "password123!"  # seedhelpers.UserOptions' default, as the Go seed announces

# username, name, email, role (as the Go seed names them)
USERS = (
    ("manager", "John Manager", "manager@example.com", "Manager"),
    ("dispatcher", "Jane Dispatcher", "dispatcher@example.com", "Dispatcher"),
    ("driver1", "Bob Driver", "driver1@example.com", "Driver"),
    ("driver2", "Alice Driver", "driver2@example.com", "Driver"),
    ("viewer", "Sarah Viewer", "viewer@example.com", "Viewer"),
)


class TestUsersSeed(BaseSeed):
    name = "TestUsers"
    version = "1.0.0"
    description = "Creates test users with different roles"
    environments = (Environment.DEVELOPMENT, Environment.TEST)
    # Go: SetDependencies("Permissions", "TestOrganizations"); the base seed is
    # named PermissionsAndPolicies (Go's seeder never checked the names).
    depends_on = ("PermissionsAndPolicies", "TestOrganizations")

    async def run(self, ctx: SeedContext) -> None:
        bu_id = (await ctx.get_default_business_unit())["id"]
        for username, full_name, email, role in USERS:
            # Default organization, America/Los_Angeles, Active, bcrypt (cost 10).
            user = await ctx.create_user(
                username=username, email=email, name=full_name, password=PASSWORD
            )
            await ctx.add_membership(user["id"], is_default=True)
            role_id = await ctx.conn.fetchval(
                "SELECT id FROM roles WHERE business_unit_id = $1 AND name = $2 "
                "ORDER BY created_at LIMIT 1",
                bu_id,
                role,
            )
            if role_id is not None:
                await ctx.assign_role_to_user(user["id"], role_id)

    async def rollback(self, ctx: SeedContext) -> None:
        # Their memberships go with them (ON DELETE CASCADE).
        status = await ctx.conn.execute(
            "DELETE FROM users WHERE lower(email_address) = ANY($1::text[])",
            [u[2] for u in USERS],
        )
        ctx.count("users", int(status.rsplit(" ", 1)[-1]))
