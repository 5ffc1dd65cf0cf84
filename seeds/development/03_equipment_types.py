"""Trenova's EquipmentTypes seed: four equipment types of the default organization.

Port of ``development/03_equipment_types.go`` (Trenova eac57070). Go skipped
the seed when any equipment type existed; this port writes each type that is
missing from the default organization, found by Trenova's unique key (code
case-insensitively, organization), and leaves existing ones as they are.
"""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

# code, description, class, color (status: the column default, Active, as in Go)
EQUIPMENT_TYPES = (
    ("TRN", "Tractor", "Tractor", "#C51D34"),
    ("TRL", "Trailer", "Trailer", "#646B63"),
    ("CNT", "Container", "Container", "#5D9B9B"),
    ("OTH", "Other", "Other", "#474A51"),
)


class EquipmentTypesSeed(BaseSeed):
    name = "EquipmentTypes"
    version = "1.0.0"
    description = "Creates equipment types data"
    environments = (Environment.DEVELOPMENT,)
    # Go: "USStates", "AdminAccount", "Permissions" (the base seed's name is
    # PermissionsAndPolicies; Go's seeder never checked the names).
    depends_on = ("USStates", "AdminAccount", "PermissionsAndPolicies")

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        for code, description, equipment_class, color in EQUIPMENT_TYPES:
            await ctx.upsert(
                "equipment_types",
                {
                    "business_unit_id": org["business_unit_id"],
                    "organization_id": org["id"],
                    "code": code,
                    "description": description,
                    "class": equipment_class,
                    "color": color,
                },
                key=("organization_id", "code"),
                ci=("code",),
                prefix="et",
            )

    async def rollback(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        status = await ctx.conn.execute(
            "DELETE FROM equipment_types WHERE organization_id = $1 "
            "AND lower(code) = ANY($2::text[])",
            org["id"],
            [e[0].lower() for e in EQUIPMENT_TYPES],
        )
        ctx.count("equipment_types", int(status.rsplit(" ", 1)[-1]))
