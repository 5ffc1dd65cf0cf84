"""sql/ is Trenova's schema: every object it creates is the one Trenova has.

The project's migrations are applied to one fresh database and Trenova's
reference schema (the pg_dump of its 69 migrations at eac57070, see
tests/conftest.py) is loaded into another on the same server; the catalogs are
then compared object by object, for every relation, type and function that
sql/ creates. Skipped, with the reason, where the server lacks PostGIS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, query, reference_server_url, run
from trenova_db.api import migrate
from trenova_db.testing import create_database, database_url, drop_database

SQL = ROOT / "sql"

# The tables the eleven Go seeds write (seeds/ at eac57070: the models they
# insert, and seedhelpers' CreateUser/CreateOrganization/CreateOrganizationSettings).
SEED_TABLES = frozenset(
    {
        "us_states",
        "business_units",
        "organizations",
        "users",
        "user_organization_memberships",
        "user_organization_roles",
        "policies",
        "roles",
        "shipment_controls",
        "dispatch_controls",
        "billing_controls",
        "data_retention",
        "pattern_configs",
        "hazmat_expirations",
        "document_types",
        "equipment_types",
        "workers",
        "worker_profiles",
        "worker_pto",
        "location_categories",
        "variable_formats",
        "variables",
    }
)

Facts = list[tuple[str, ...]]

# Each query takes the names of the objects to describe as $1 and returns
# (object, detail...) rows as text. Dropped columns are skipped and columns are
# numbered by position, so a table rebuilt without Trenova's dropped columns
# still compares equal while a column out of order does not.
CATALOG: dict[str, str] = {
    "relation": """
        SELECT c.relname, c.relkind::text, c.relreplident::text,
               coalesce(obj_description(c.oid, 'pg_class'), '')
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
    """,
    "column": """
        SELECT c.relname,
               (row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum))::text,
               a.attname, format_type(a.atttypid, a.atttypmod),
               CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
               coalesce(pg_get_expr(d.adbin, d.adrelid), ''),
               a.attgenerated::text, a.attidentity::text,
               coalesce(nullif(a.attstattarget, -1), 0)::text,
               coalesce(col_description(c.oid, a.attnum), '')
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
    """,
    "constraint": """
        SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid),
               k.condeferrable::text, k.condeferred::text
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
    """,
    "index": """
        SELECT c.relname, i.relname, pg_get_indexdef(i.oid), x.indisvalid::text
        FROM pg_index x
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
    """,
    "trigger": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal
          AND c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
    """,
    "view": """
        SELECT c.relname, pg_get_viewdef(c.oid)
        FROM pg_class c
        WHERE c.relkind IN ('v', 'm')
          AND c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
    """,
}

TYPE_CATALOG: dict[str, str] = {
    "enum": """
        SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.typnamespace = 'public'::regnamespace AND t.typname = ANY($1)
        GROUP BY t.typname
    """,
    "domain": """
        SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull::text,
               coalesce(t.typdefault, ''),
               coalesce((SELECT string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), '; '
                                           ORDER BY k.conname)
                         FROM pg_constraint k WHERE k.contypid = t.oid), '')
        FROM pg_type t
        WHERE t.typtype = 'd'
          AND t.typnamespace = 'public'::regnamespace AND t.typname = ANY($1)
    """,
}

FUNCTION_CATALOG = """
    SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
           l.lanname, p.provolatile::text, p.prosecdef::text, p.prosrc
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY($1)
"""

# What sql/ created in the public schema (objects of extensions excluded).
CREATED_RELATIONS = """
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
      AND c.relname NOT LIKE 'trenova\\_db\\_%'
      AND c.relname NOT IN ('schema_migrations', 'seed_history')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
"""
CREATED_TYPES = """
    SELECT t.typname FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')
      AND t.typname <> 'seed_status_enum'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                      AND d.objid = t.oid AND d.deptype = 'e')
"""
CREATED_FUNCTIONS = """
    SELECT p.proname FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')
"""


def names(url: str, sql: str) -> list[str]:
    return sorted(str(r[0]) for r in query(url, sql))


def facts(url: str, sql: str, of: list[str]) -> Facts:
    return sorted(tuple("" if v is None else str(v) for v in r) for r in query(url, sql, of))


def normalized_body(source: str) -> str:
    """A function body without comments and with whitespace collapsed."""
    without_comments = re.sub(r"--[^\n]*", "", source)
    return " ".join(without_comments.split())


def function_facts(url: str, of: list[str]) -> Facts:
    rows = facts(url, FUNCTION_CATALOG, of)
    return sorted((*r[:-1], normalized_body(r[-1])) for r in rows)


def differences(kind: str, ours: Facts, theirs: Facts) -> list[str]:
    mine, ref = set(ours), set(theirs)
    return [f"{kind} only in sql/: {f}" for f in sorted(mine - ref)] + [
        f"{kind} only in Trenova: {f}" for f in sorted(ref - mine)
    ]


@pytest.fixture
def migrated_on_reference_server(reference_db_url: str) -> Iterator[str]:
    """sql/ applied to a fresh database on the reference schema's server."""
    server = reference_server_url()
    name = create_database(server, prefix="trenova_sqlcmp")
    url = database_url(server, name)
    try:
        run(lambda: migrate(url, migrations_dir=SQL))
        yield url
    finally:
        drop_database(server, name)


def test_every_object_sql_creates_is_trenovas_own_definition(
    migrated_on_reference_server: str, reference_db_url: str
) -> None:
    ours, ref = migrated_on_reference_server, reference_db_url
    relations = names(ours, CREATED_RELATIONS)
    types = names(ours, CREATED_TYPES)
    functions = names(ours, CREATED_FUNCTIONS)
    assert relations and types and functions

    problems: list[str] = []
    for kind, sql in CATALOG.items():
        problems += differences(kind, facts(ours, sql, relations), facts(ref, sql, relations))
    for kind, sql in TYPE_CATALOG.items():
        problems += differences(kind, facts(ours, sql, types), facts(ref, sql, types))
    problems += differences(
        "function", function_facts(ours, functions), function_facts(ref, functions)
    )
    assert not problems, "sql/ differs from Trenova's schema:\n" + "\n".join(problems)


def test_sql_creates_the_seeded_tables_and_exactly_what_they_reference(
    migrated_on_reference_server: str, reference_db_url: str
) -> None:
    closure = """
        WITH RECURSIVE wanted(name) AS (
            SELECT unnest($1::name[])
            UNION
            SELECT f.relname FROM wanted w
            JOIN pg_class c ON c.relname = w.name AND c.relnamespace = 'public'::regnamespace
            JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
            JOIN pg_class f ON f.oid = k.confrelid
        )
        SELECT name FROM wanted ORDER BY 1
    """
    needed = [str(r[0]) for r in query(reference_db_url, closure, sorted(SEED_TABLES))]
    assert set(needed) > SEED_TABLES, "the reference schema lacks a seeded table"
    tables = """
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
          AND c.relname NOT LIKE 'trenova\\_db\\_%'
          AND c.relname NOT IN ('schema_migrations', 'seed_history')
    """
    assert names(migrated_on_reference_server, tables) == needed


def test_sql_needs_no_extension_beyond_pg_trgm(migrated_on_reference_server: str) -> None:
    """Embedded PostgreSQL has pg_trgm but not PostGIS: sql/ must not need it."""
    rows = query(migrated_on_reference_server, "SELECT extname FROM pg_extension ORDER BY 1")
    assert [r[0] for r in rows] == ["pg_trgm", "plpgsql"]


def test_the_permission_triggers_keep_user_effective_policies_current(
    trenova_migrated_database: str,
) -> None:
    """As in Trenova: a membership's role grants its policies, refreshed by triggers
    (REFRESH ... CONCURRENTLY, which fails unless the view was created populated)."""
    url = trenova_migrated_database
    statements = [
        "INSERT INTO us_states (id, name, abbreviation) VALUES ('us_1', 'California', 'CA')",
        "INSERT INTO business_units (id, name, code, postal_code)"
        " VALUES ('bu_1', 'Default Business Unit', 'DEFAULT', '90001')",
        "INSERT INTO organizations (id, state_id, business_unit_id, name, scac_code, dot_number,"
        " bucket_name, address_line1, city, postal_code) VALUES ('org_1', 'us_1', 'bu_1',"
        " 'Default Organization', 'DFLT', '0000000', 'trenova-default', '1 Market Street',"
        " 'Los Angeles', '90001')",
        "INSERT INTO users (id, business_unit_id, current_organization_id, name, username,"
        " password, email_address, timezone) VALUES ('usr_1', 'bu_1', 'org_1',"
        " 'System Administrator', 'admin', 'x', 'admin@trenova.app', 'America/Los_Angeles')",
        "INSERT INTO policies (id, name, scope, resources, effect) VALUES ('pol_1',"
        ' \'System Admin Policy\', \'{"businessUnitId": "bu_1", "organizationIds": ["org_1"]}\','
        " '[{\"resourceType\": [\"*\"]}]', 'allow')",
        "INSERT INTO roles (id, business_unit_id, name, level, scope, policy_ids)"
        " VALUES ('role_1', 'bu_1', 'Administrator', 'system', '{}', ARRAY['pol_1'])",
        "INSERT INTO user_organization_memberships (id, user_id, business_unit_id,"
        " organization_id, role_ids) VALUES ('uom_1', 'usr_1', 'bu_1', 'org_1', ARRAY['role_1'])",
        "INSERT INTO user_organization_roles (user_id, organization_id, role_id, assigned_by)"
        " VALUES ('usr_1', 'org_1', 'role_1', 'usr_1')",
    ]
    for statement in statements:
        query(url, statement)
    granted = query(
        url,
        "SELECT user_id, organization_id, policy_id, effect::text, assignment_type, source_id"
        " FROM user_effective_policies",
    )
    assert [tuple(r) for r in granted] == [("usr_1", "org_1", "pol_1", "allow", "role", "role_1")]


def test_sql_has_exactly_one_non_transactional_migration() -> None:
    ups = sorted(p.name for p in Path(SQL).glob("*.up.sql"))
    assert [n for n in ups if not n.endswith(".tx.up.sql")] == [
        "000017_trigram_search_indexes.up.sql"
    ]
    assert all((SQL / n.replace(".up.sql", ".down.sql")).is_file() for n in ups)
