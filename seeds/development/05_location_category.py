"""Trenova's LocationCategory seed: six location categories of the default organization.

Port of ``development/05_location_category.go`` (Trenova eac57070; its log
line says five, it creates these six). Go skipped the seed when any category
existed; this port writes each category that is missing from the default
organization, found by Trenova's unique key (name case-insensitively,
organization), and leaves existing ones as they are.
"""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

# name, description, type, facility type, color,
# secure parking, requires appointment, allows overnight, restroom
LOCATION_CATEGORIES: tuple[tuple[str, str, str, str | None, str, bool, bool, bool, bool], ...] = (
    (
        "Company Terminal",
        "Primary fleet operations hub with secure parking and driver facilities",
        "Terminal",
        "CrossDock",
        "#2E7D32",
        True,
        True,
        True,
        True,
    ),
    (
        "Customer Warehouse",
        "Customer warehouse for storing and distributing goods",
        "Warehouse",
        "StorageWarehouse",
        "#1976D2",
        False,
        True,
        False,
        True,
    ),
    (
        "Regional Distribution Center",
        "Large-scale distribution facility with full service capabilities",
        "DistributionCenter",
        "CrossDock",
        "#7B1FA2",
        True,
        True,
        True,
        True,
    ),
    (
        "Cold Storage Facility",
        "Temperature-controlled storage and distribution",
        "Warehouse",
        "ColdStorage",
        "#0097A7",
        True,
        True,
        True,
        True,
    ),
    (
        "Truck Stop",
        "Driver services and rest facility",
        "TruckStop",
        None,  # Go leaves FacilityType empty: NULL (nullzero)
        "#FF5722",
        True,
        True,
        False,
        True,
    ),
    (
        "Hazmat Facility",
        "Specialized facility for hazardous materials handling",
        "Warehouse",
        "HazmatFacility",
        "#F44336",
        True,
        True,
        False,
        True,
    ),
)


class LocationCategorySeed(BaseSeed):
    name = "LocationCategory"
    version = "1.0.0"
    description = "Creates location category data"
    environments = (Environment.DEVELOPMENT,)
    # Go: "USStates", "AdminAccount", "Permissions", "HazmatExpiration" (the base
    # seed's name is PermissionsAndPolicies; Go's seeder never checked the names).
    depends_on = ("USStates", "AdminAccount", "PermissionsAndPolicies", "HazmatExpiration")

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        for (
            name,
            description,
            category_type,
            facility_type,
            color,
            secure_parking,
            appointment,
            overnight,
            restroom,
        ) in LOCATION_CATEGORIES:
            await ctx.upsert(
                "location_categories",
                {
                    "business_unit_id": org["business_unit_id"],
                    "organization_id": org["id"],
                    "name": name,
                    "description": description,
                    "type": category_type,
                    "facility_type": facility_type,
                    "color": color,
                    "has_secure_parking": secure_parking,
                    "requires_appointment": appointment,
                    "allows_overnight": overnight,
                    "has_restroom": restroom,
                },
                key=("organization_id", "name"),
                ci=("name",),
                prefix="lc",
            )

    async def rollback(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        status = await ctx.conn.execute(
            "DELETE FROM location_categories WHERE organization_id = $1 "
            "AND lower(name) = ANY($2::text[])",
            org["id"],
            [c[0].lower() for c in LOCATION_CATEGORIES],
        )
        ctx.count("location_categories", int(status.rsplit(" ", 1)[-1]))
