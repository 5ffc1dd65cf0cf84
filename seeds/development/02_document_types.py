"""Trenova's DocumentTypes seed: four document types of the default organization.

Port of ``development/02_document_types.go`` (Trenova eac57070; its log line
says five, it creates these four). Go skipped the seed when any document type
existed; this port writes each type that is missing from the default
organization, found by Trenova's unique key (code case-insensitively,
organization), and leaves existing ones as they are, so a re-run writes nothing.
"""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

# code, name, description, color, classification, category
DOCUMENT_TYPES = (
    ("INVOICE", "Invoice", "Invoice document", "#C51D34", "Public", "Invoice"),
    ("CM", "Credit Memo", "Credit memo document", "#646B63", "Public", "Invoice"),
    ("BOL", "Bill of Lading", "Bill of lading document", "#5D9B9B", "Public", "Shipment"),
    ("POD", "Proof of Delivery", "Proof of delivery document", "#474A51", "Public", "Shipment"),
)


class DocumentTypesSeed(BaseSeed):
    name = "DocumentTypes"
    version = "1.0.0"
    description = "Creates document types data"
    environments = (Environment.DEVELOPMENT,)
    # Go: "USStates", "AdminAccount", "Permissions" (the base seed's name is
    # PermissionsAndPolicies; Go's seeder never checked the names).
    depends_on = ("USStates", "AdminAccount", "PermissionsAndPolicies")

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        for code, name, description, color, classification, category in DOCUMENT_TYPES:
            await ctx.upsert(
                "document_types",
                {
                    "business_unit_id": org["business_unit_id"],
                    "organization_id": org["id"],
                    "code": code,
                    "name": name,
                    "description": description,
                    "color": color,
                    "document_classification": classification,
                    "document_category": category,
                },
                key=("organization_id", "code"),
                ci=("code",),
                prefix="dt",
            )

    async def rollback(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        status = await ctx.conn.execute(
            "DELETE FROM document_types WHERE organization_id = $1 "
            "AND lower(code) = ANY($2::text[])",
            org["id"],
            [d[0].lower() for d in DOCUMENT_TYPES],
        )
        ctx.count("document_types", int(status.rsplit(" ", 1)[-1]))
