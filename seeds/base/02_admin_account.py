"""AdminAccount (Trenova's base/02_admin_account.go): the default tenant and its administrator.

Creates what the Go seed creates, each piece only when it is missing:
- business unit ``DEFAULT`` and organization ``DFLT`` (Los Angeles, CA), with the
  organization's shipment, dispatch and billing controls, data retention and
  dedicated-lane pattern config;
- the admin user ``admin@trenova.app`` (bcrypt hash, so it logs in to Trenova);
- the ``System Admin Policy`` (full access to every resource, data scope all)
  and the ``Administrator`` system role holding it;
- the admin's default membership of the organization with that role, and the
  role assignment.

The password is ours, never the Go seed's fixed one: ``TRENOVA_ADMIN_PASSWORD``
when set, otherwise a random one, shown once on stderr when the account is
created and stored only as its hash (the account must change it at first login).
An existing admin account is never touched, least of all its password.
"""

import os

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext
from trenova_db.seeding.context import ALL_ORGANIZATION_SETTINGS
from trenova_db.seeding.helpers import ADMIN_EMAIL, generate_password

PASSWORD_ENV = "TRENOVA_ADMIN_PASSWORD"
TIMEZONE = "America/Los_Angeles"

# Every resource Trenova's permissionbuilder registers (domainregistry's entities
# in snake_case, plus its manual ones), at eac57070. The Go map iteration gives
# them in random order; here they are sorted.
RESOURCES = (
    "accessorial_charge", "additional_charge", "ai_log", "api_token", "assignment",
    "audit_entry", "billing_control", "billing_profile_document_type", "business_unit",
    "commodity", "configuration", "configuration_share", "customer",
    "customer_billing_profile", "customer_email_profile", "dashboard", "dedicated_lane",
    "dedicated_lane_suggestion", "dispatch_control", "distance_override", "document_type",
    "email_profile", "equipment_manufacturer", "equipment_type", "fleet_code",
    "formula_template", "hazardous_material", "hazmat_segregation_rule", "hold_reason",
    "location", "location_category", "organization", "organization_membership", "override",
    "page_favorite", "pattern_config", "policy", "report", "role", "role_assignment",
    "service_type", "session", "setting", "shipment", "shipment_comment",
    "shipment_comment_mention", "shipment_commodity", "shipment_control", "shipment_hold",
    "shipment_move", "shipment_type", "stop", "suggestion", "tractor", "trailer", "us_state",
    "user", "worker", "worker_profile", "worker_pto",
)  # fmt: skip
# create | read | update | delete | export | import: AddFullAccessResource's standard ops.
FULL_ACCESS = 1 | 2 | 4 | 8 | 16 | 32
# The operations beyond those that a resource's permission registry declares
# (codes above 32, approve and reject excepted): only shipments have any.
EXTENDED_OPS = {"shipment": ["assign", "duplicate"]}


def admin_policy_resources() -> list[dict[str, object]]:
    """The System Admin Policy's resource rules, as CreateAdminPolicy builds them."""
    return [
        {
            "resourceType": resource,
            "actions": {"standardOps": FULL_ACCESS, "extendedOps": EXTENDED_OPS.get(resource, [])},
            "conditions": [],
            "dataScope": "all",
        }
        for resource in RESOURCES
    ]


class AdminAccountSeed(BaseSeed):
    name = "AdminAccount"
    version = "1.0.0"
    description = "Creates admin account data"
    environments = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    # Implicit in the Go tool's file order (it reads California); declared so
    # --parallel cannot break it.
    depends_on = ("USStates",)

    # No rollback(): removing the admin account and the default tenant is not
    # something a seed command should do.

    async def run(self, ctx: SeedContext) -> None:
        bu = await ctx.create_business_unit(
            name="Default Business Unit",
            code="DEFAULT",
            primary_contact="System Administrator",
            primary_email=ADMIN_EMAIL,
            primary_phone="555-000-0000",
            address_line1="1 Market Street",
            city="Los Angeles",
            state="CA",
            postal_code="90001",
            tax_id="00-0000000",
            description="Default business unit created during system initialization",
            timezone=TIMEZONE,
            locale="en-US",
        )
        org = await ctx.create_organization(
            business_unit_id=bu["id"],
            name="Default Organization",
            address_line1="1 Market Street",
            city="Los Angeles",
            state="CA",
            postal_code="90001",
            dot_number="0000000",
            scac_code="DFLT",
            org_type="Carrier",
            timezone=TIMEZONE,
            bucket_name="trenova-default",
            settings=ALL_ORGANIZATION_SETTINGS,
        )

        exists = await ctx.conn.fetchval(
            "SELECT true FROM users WHERE lower(email_address) = lower($1)", ADMIN_EMAIL
        )
        configured = os.environ.get(PASSWORD_ENV) or None
        generated = None if exists or configured else generate_password()
        admin = await ctx.create_user(
            username="admin",
            email=ADMIN_EMAIL,
            name="System Administrator",
            # An existing admin keeps the password it has: create_user never
            # touches it, so no password is needed then.
            password=configured or generated,
            organization_id=org["id"],
            business_unit_id=bu["id"],
            status="Active",
            timezone=TIMEZONE,
            must_change_password=configured is None,
        )

        policy = await ctx.create_policy(
            "System Admin Policy",
            description="Full administrative access to all resources",
            priority=1000,
            business_unit_id=bu["id"],
            organization_ids=[org["id"]],
            resources=admin_policy_resources(),
        )
        role = await ctx.create_role(
            "Administrator",
            level="system",
            description="System administrator with full access",
            is_admin=True,
            business_unit_id=bu["id"],
            policy_ids=[policy["id"]],
        )
        await ctx.add_membership(
            admin["id"], org["id"], role_ids=[role["id"]], is_default=True, granted_by=admin["id"]
        )
        await ctx.assign_role_to_user(admin["id"], role["id"], org["id"], assigned_by=admin["id"])

        if generated is not None:
            # Shown once, when the account is created; only the bcrypt hash is
            # stored, and nothing of it reaches seed_history or a log.
            ctx.report_secret(
                f"password of the admin user {ADMIN_EMAIL} (change it at first login; "
                f"set {PASSWORD_ENV} to choose it)",
                generated,
            )
