"""Trenova's VariablesAndFormats seed: eight variable formats and nine variables.

Port of ``development/06_variables_and_formats.go`` (Trenova eac57070), same
rows: formats of values, and the customer, organization and system variables
documents use, four of them linked to a format. Go skipped the seed when any
format existed; this port writes each format and variable missing from the
default organization, found by Trenova's unique keys (organization, name) and
(organization, key), and leaves existing ones as they are: a re-run writes
nothing.
"""

import json

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext

# name, description, value type, format SQL (all active, none system)
FORMATS = (
    (
        "Currency USD",
        "Formats numbers as US dollars with commas and 2 decimal places",
        "Currency",
        "TO_CHAR(:value::numeric, 'FM$999,999,999.00')",
    ),
    (
        "Date MM/DD/YYYY",
        "Formats dates as MM/DD/YYYY",
        "Date",
        "TO_CHAR(:value::timestamp, 'MM/DD/YYYY')",
    ),
    (
        "Date Full",
        "Formats dates as Month DD, YYYY",
        "Date",
        "TO_CHAR(:value::timestamp, 'Mon DD, YYYY')",
    ),
    ("Uppercase", "Converts text to uppercase", "String", "UPPER(:value)"),
    (
        "Proper Case",
        "Converts text to proper case (first letter of each word capitalized)",
        "String",
        "INITCAP(:value)",
    ),
    (
        "Phone Format",
        "Formats 10-digit phone numbers as (XXX) XXX-XXXX",
        "String",
        "CONCAT('(', SUBSTRING(:value, 1, 3), ') ', SUBSTRING(:value, 4, 3), '-', "
        "SUBSTRING(:value, 7, 4))",
    ),
    (
        "Percentage",
        "Formats decimal as percentage with 2 decimal places",
        "Number",
        "CONCAT(ROUND(:value::numeric * 100, 2), '%')",
    ),
    (
        "Boolean Yes/No",
        "Converts true/false to Yes/No",
        "Boolean",
        "CASE WHEN :value::boolean THEN 'Yes' ELSE 'No' END",
    ),
)

_ADDRESS = (
    "SELECT CONCAT(address_line_1, COALESCE(', ' || address_line_2, ''), ', ', city, ', ', "
    "us.abbreviation, ' ', postal_code) "
)

# key, display name, description, category, query, applies to, required params,
# default value, format name (or None), value type, is system, tags
# (all active and validated)
_Variable = tuple[
    str, str, str, str, str, str, tuple[str, ...], str, str | None, str, bool, tuple[str, ...]
]
VARIABLES: tuple[_Variable, ...] = (
    (
        "customerName",
        "Customer Name",
        "The customer's business name",
        "Customer Information",
        "SELECT name FROM customers WHERE id = :customerId",
        "Customer",
        ("customerId",),
        "Valued Customer",
        "Uppercase",
        "String",
        False,
        ("customer", "basic"),
    ),
    (
        "customerEmail",
        "Customer Email",
        "The primary email address for the customer",
        "Customer Information",
        "SELECT email FROM customers WHERE id = :customerId",
        "Customer",
        ("customerId",),
        "customer@example.com",
        None,
        "String",
        False,
        ("customer", "contact"),
    ),
    (
        "customerAddress",
        "Customer Address",
        "The customer's full address",
        "Customer Information",
        _ADDRESS + "FROM customers c JOIN us_states us ON c.state_id = us.id "
        "WHERE c.id = :customerId",
        "Customer",
        ("customerId",),
        "",
        None,
        "String",
        False,
        ("customer", "address"),
    ),
    (
        "customerCreatedDate",
        "Customer Created Date",
        "The date the customer was added to the system",
        "Customer Information",
        "SELECT TO_CHAR(to_timestamp(created_at), 'MM/DD/YYYY') FROM customers "
        "WHERE id = :customerId",
        "Customer",
        ("customerId",),
        "",
        "Date MM/DD/YYYY",
        "Date",
        False,
        ("customer", "date"),
    ),
    (
        "organizationName",
        "Organization Name",
        "The name of your organization",
        "Organization",
        "SELECT name FROM organizations WHERE id = :organizationId",
        "Organization",
        ("organizationId",),
        "",
        None,
        "String",
        False,
        ("organization", "basic"),
    ),
    (
        "organizationPhone",
        "Organization Phone",
        "The main phone number for the organization",
        "Organization",
        "SELECT phone_number FROM organizations WHERE id = :organizationId",
        "Organization",
        ("organizationId",),
        "",
        "Phone Format",
        "String",
        False,
        ("organization", "contact"),
    ),
    (
        "organizationAddress",
        "Organization Address",
        "The organization's full address",
        "Organization",
        _ADDRESS + "FROM organizations o JOIN us_states us ON o.state_id = us.id "
        "WHERE o.id = :organizationId",
        "Organization",
        ("organizationId",),
        "",
        None,
        "String",
        False,
        ("organization", "address"),
    ),
    (
        "currentDate",
        "Current Date",
        "Today's date",
        "System",
        "SELECT CURRENT_DATE",
        "System",
        (),
        "",
        "Date Full",
        "Date",
        True,
        ("system", "date"),
    ),
    (
        "currentYear",
        "Current Year",
        "The current year",
        "System",
        "SELECT EXTRACT(YEAR FROM CURRENT_DATE)::TEXT",
        "System",
        (),
        "",
        None,
        "String",
        True,
        ("system", "date"),
    ),
)


class VariablesAndFormatsSeed(BaseSeed):
    name = "VariablesAndFormats"
    version = "1.0.0"
    description = "Creates variables and formats data"
    environments = (Environment.DEVELOPMENT,)
    # Go: "USStates", "AdminAccount", "Permissions", "HazmatExpiration", "Customers".
    # The base seed's name is PermissionsAndPolicies, and no seed named Customers
    # exists at that commit (Go's seeder never checked the names); the variables
    # only name the customers table in their queries, which is not seed data.
    depends_on = ("USStates", "AdminAccount", "PermissionsAndPolicies", "HazmatExpiration")

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        tenant = {"business_unit_id": org["business_unit_id"], "organization_id": org["id"]}
        format_ids: dict[str, str] = {}
        for name, description, value_type, format_sql in FORMATS:
            row = await ctx.upsert(
                "variable_formats",
                {
                    **tenant,
                    "name": name,
                    "description": description,
                    "value_type": value_type,
                    "format_sql": format_sql,
                    "is_active": True,
                    "is_system": False,
                },
                key=("organization_id", "name"),
                prefix="vfm",
            )
            format_ids[name] = row["id"]
        for (
            key,
            display_name,
            description,
            category,
            sql,
            applies_to,
            params,
            default,
            format_name,
            value_type,
            is_system,
            tags,
        ) in VARIABLES:
            await ctx.upsert(
                "variables",
                {
                    **tenant,
                    "key": key,
                    "display_name": display_name,
                    "description": description,
                    "category": category,
                    "query": sql,
                    "applies_to": applies_to,
                    "required_params": json.dumps(list(params)),
                    "default_value": default,
                    "format_id": format_ids[format_name] if format_name else None,
                    "value_type": value_type,
                    "is_active": True,
                    "is_system": is_system,
                    "is_validated": True,
                    "tags": list(tags),
                },
                key=("organization_id", "key"),
                prefix="var",
            )

    async def rollback(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        status = await ctx.conn.execute(
            "DELETE FROM variables WHERE organization_id = $1 AND key = ANY($2::text[])",
            org["id"],
            [v[0] for v in VARIABLES],
        )
        ctx.count("variables", int(status.rsplit(" ", 1)[-1]))
        status = await ctx.conn.execute(
            "DELETE FROM variable_formats WHERE organization_id = $1 AND name = ANY($2::text[])",
            org["id"],
            [f[0] for f in FORMATS],
        )
        ctx.count("variable_formats", int(status.rsplit(" ", 1)[-1]))
