"""The seven development seeds ported from Trenova's Go seeds, on real PostgreSQL.

Each runs on Trenova's own schema (the reference dump of its 69 migrations at
eac57070, ``reference_db_url``) and on the project's ``sql/``
(``trenova_migrated_database``): the rows the Go seeds create, the test users'
bcrypt passwords, the environments they run in, and idempotency.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import anyio
import asyncpg
import bcrypt
import msgspec
import pytest

from tests.conftest import ROOT, query
from trenova_db import Environment
from trenova_db.config import Settings
from trenova_db.seeding.runner import run_seeds
from trenova_db.testing import assert_seed_idempotent, table_snapshot

SEEDS = ROOT / "seeds"
DEV_SEEDS = (
    "TestOrganizations",
    "TestUsers",
    "DocumentTypes",
    "EquipmentTypes",
    "Workers",
    "LocationCategory",
    "VariablesAndFormats",
)
GO_PASSWORD = "password123!"  # the Go seeds' password for their users
TEST_USERS = {
    "manager@example.com": ("manager", "John Manager"),
    "dispatcher@example.com": ("dispatcher", "Jane Dispatcher"),
    "driver1@example.com": ("driver1", "Bob Driver"),
    "driver2@example.com": ("driver2", "Alice Driver"),
    "viewer@example.com": ("viewer", "Sarah Viewer"),
}
ULID = "[0-9A-HJKMNP-TV-Z]{26}"
# Go's PTO lengths in days (rand.Intn(n) + minimum), by type
PTO_DAYS = {
    "Maternity": (42, 125),
    "Paternity": (7, 20),
    "Bereavement": (1, 3),
    "Vacation": (1, 10),
    "Sick": (1, 5),
    "Personal": (1, 3),
    "Holiday": (1, 1),
}


@pytest.fixture(params=["reference", "project"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database with Trenova's schema: the reference dump, then the project's sql/."""
    if request.param == "reference":
        yield request.getfixturevalue("reference_db_url")
    else:
        yield request.getfixturevalue("trenova_migrated_database")


def seed(url: str, environment: Environment, *, force: bool = False) -> Any:
    settings = Settings(database_url=url, seeds_dir=SEEDS, environment=environment)
    return anyio.run(lambda: run_seeds(settings, force=force))


def snapshot(url: str) -> dict[str, tuple[int, str]]:
    async def take() -> dict[str, tuple[int, str]]:
        conn = await asyncpg.connect(url)
        try:
            return await table_snapshot(conn)
        finally:
            await conn.close()

    return anyio.run(take)


def load_seed_module(filename: str) -> ModuleType:
    path = SEEDS / "development" / filename
    spec = importlib.util.spec_from_file_location(f"dev_seed_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ids_match(url: str, table: str, prefix: str, where: str = "true") -> None:
    rows = query(url, f"SELECT id FROM {table} WHERE {where}")
    assert rows, f"no rows in {table}"
    bad = [r["id"] for r in rows if not re.fullmatch(f"{prefix}_{ULID}", r["id"])]
    assert not bad, f"{table}: ids not {prefix}_<ULID>: {bad[:3]}"


def default_org(url: str) -> Any:
    rows = query(
        url,
        "SELECT o.id, o.business_unit_id FROM organizations o "
        "JOIN business_units b ON b.id = o.business_unit_id "
        "WHERE o.scac_code = 'DFLT' AND b.code = 'DEFAULT'",
    )
    assert len(rows) == 1
    return rows[0]


def test_the_registry_lists_the_go_seeds_names_versions_environments_and_dependencies() -> None:
    registry = msgspec.json.decode((SEEDS / "registry.json").read_bytes())
    dev = {s["name"]: s for s in registry["seeds"] if s["folder"] == "development"}
    assert sorted(dev) == sorted(DEV_SEEDS)
    assert {s["version"] for s in dev.values()} == {"1.0.0"}
    assert [dev[n]["order"] for n in DEV_SEEDS] == list(range(7))
    both, dev_only = ["development", "test"], ["development"]
    assert {n: dev[n]["environments"] for n in DEV_SEEDS} == {
        "TestOrganizations": both,
        "TestUsers": both,
        "DocumentTypes": dev_only,
        "EquipmentTypes": dev_only,
        "Workers": dev_only,
        "LocationCategory": dev_only,
        "VariablesAndFormats": dev_only,
    }
    base = ["USStates", "AdminAccount", "PermissionsAndPolicies"]
    assert {n: dev[n]["depends_on"] for n in DEV_SEEDS} == {
        "TestOrganizations": ["USStates", "AdminAccount"],
        "TestUsers": ["PermissionsAndPolicies", "TestOrganizations"],
        "DocumentTypes": base,
        "EquipmentTypes": base,
        "Workers": [*base, "HazmatExpiration"],
        "LocationCategory": [*base, "HazmatExpiration"],
        "VariablesAndFormats": [*base, "HazmatExpiration"],
    }


def test_test_organizations_are_the_go_seeds_three_with_their_settings_rows(db_url: str) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    bu = default_org(db_url)["business_unit_id"]
    rows = query(
        db_url,
        "SELECT o.name, o.scac_code, o.dot_number, s.abbreviation, o.city, o.postal_code::text, "
        "o.address_line1, o.org_type::text, o.timezone, o.bucket_name, o.business_unit_id, "
        "o.created_at, o.updated_at "
        "FROM organizations o JOIN us_states s ON s.id = o.state_id "
        "WHERE o.scac_code <> 'DFLT' ORDER BY o.dot_number",
    )
    assert [tuple(r)[:10] for r in rows] == [
        (
            "Texas Transport LLC",
            "TXTX",
            "1234567",
            "TX",
            "Austin",
            "78701",
            "123 Congress Ave",
            "Carrier",
            "America/Chicago",
            "texas-transport",
        ),
        (
            "Empire Logistics",
            "EMPL",
            "2345678",
            "NY",
            "New York",
            "10001",
            "456 Broadway",
            "Brokerage",
            "America/New_York",
            "empire-logistics",
        ),
        (
            "Midwest Freight Co",
            "MWFC",
            "3456789",
            "IL",
            "Chicago",
            "60601",
            "789 Michigan Ave",
            "Carrier",
            "America/Chicago",
            "midwest-freight",
        ),
    ]
    now = query(db_url, "SELECT extract(epoch FROM now())::bigint AS t")[0]["t"]
    for r in rows:
        assert r["business_unit_id"] == bu
        assert now - 600 < r["created_at"] <= now + 5 and r["updated_at"] == r["created_at"]
    test_orgs = "organization_id IN (SELECT id FROM organizations WHERE scac_code <> 'DFLT')"
    for table, prefix in (
        ("shipment_controls", "sc"),
        ("billing_controls", "bc"),
        ("data_retention", "dr"),
    ):
        assert query(db_url, f"SELECT count(*) AS n FROM {table} WHERE {test_orgs}")[0]["n"] == 3
        ids_match(db_url, table, prefix, test_orgs)
    ids_match(db_url, "organizations", "org")


def test_test_users_log_in_with_the_go_seeds_password_checked_by_bcrypt(db_url: str) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    org = default_org(db_url)
    rows = query(
        db_url,
        "SELECT id, email_address, username, name, password, timezone, status::text, "
        "current_organization_id, business_unit_id FROM users "
        "WHERE email_address = ANY($1::text[]) ORDER BY email_address",
        [*TEST_USERS, "testuser@example.com"],
    )
    expected = {**TEST_USERS, "testuser@example.com": ("testuser", "Test User")}
    assert {r["email_address"]: (r["username"], r["name"]) for r in rows} == expected
    for r in rows:
        assert re.fullmatch(r"\$2[aby]\$10\$[./A-Za-z0-9]{53}", r["password"])  # Go's cost 10
        assert bcrypt.checkpw(GO_PASSWORD.encode(), r["password"].encode())
        assert not bcrypt.checkpw(b"password123", r["password"].encode())
        assert (r["timezone"], r["status"]) == ("America/Los_Angeles", "Active")
        assert r["current_organization_id"] == org["id"]
        assert r["business_unit_id"] == org["business_unit_id"]
    ids_match(db_url, "users", "usr", "email_address LIKE '%@example.com'")
    memberships = query(
        db_url,
        "SELECT u.email_address, m.organization_id, m.is_default, m.id "
        "FROM user_organization_memberships m JOIN users u ON u.id = m.user_id "
        "WHERE u.email_address LIKE '%@example.com' ORDER BY 1",
    )
    # The five test users belong to the default organization; the Workers seed's
    # test user has no membership, as Go's CreateUser makes none.
    assert [m["email_address"] for m in memberships] == sorted(TEST_USERS)
    assert {(m["organization_id"], m["is_default"]) for m in memberships} == {(org["id"], True)}
    ids_match(db_url, "user_organization_memberships", "uom")


def test_document_equipment_and_location_types_are_the_go_seeds_rows(db_url: str) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    org = default_org(db_url)
    docs = query(
        db_url,
        "SELECT code, name, description, color, document_classification::text AS c, "
        "document_category::text AS k, organization_id, business_unit_id "
        "FROM document_types ORDER BY code",
    )
    assert [tuple(d)[:6] for d in docs] == [
        ("BOL", "Bill of Lading", "Bill of lading document", "#5D9B9B", "Public", "Shipment"),
        ("CM", "Credit Memo", "Credit memo document", "#646B63", "Public", "Invoice"),
        ("INVOICE", "Invoice", "Invoice document", "#C51D34", "Public", "Invoice"),
        ("POD", "Proof of Delivery", "Proof of delivery document", "#474A51", "Public", "Shipment"),
    ]
    assert {(d["organization_id"], d["business_unit_id"]) for d in docs} == {
        (org["id"], org["business_unit_id"])
    }
    ids_match(db_url, "document_types", "dt")
    equipment = query(
        db_url,
        "SELECT code, description, class::text, color, status::text FROM equipment_types "
        "WHERE organization_id = $1 ORDER BY code",
        org["id"],
    )
    assert [tuple(e) for e in equipment] == [
        ("CNT", "Container", "Container", "#5D9B9B", "Active"),
        ("OTH", "Other", "Other", "#474A51", "Active"),
        ("TRL", "Trailer", "Trailer", "#646B63", "Active"),
        ("TRN", "Tractor", "Tractor", "#C51D34", "Active"),
    ]
    ids_match(db_url, "equipment_types", "et")
    categories = query(
        db_url,
        "SELECT name, type::text, facility_type::text, color, has_secure_parking, "
        "requires_appointment, allows_overnight, has_restroom FROM location_categories "
        "WHERE organization_id = $1 ORDER BY name",
        org["id"],
    )
    assert [tuple(c) for c in categories] == [
        ("Cold Storage Facility", "Warehouse", "ColdStorage", "#0097A7", True, True, True, True),
        ("Company Terminal", "Terminal", "CrossDock", "#2E7D32", True, True, True, True),
        (
            "Customer Warehouse",
            "Warehouse",
            "StorageWarehouse",
            "#1976D2",
            False,
            True,
            False,
            True,
        ),
        ("Hazmat Facility", "Warehouse", "HazmatFacility", "#F44336", True, True, False, True),
        (
            "Regional Distribution Center",
            "DistributionCenter",
            "CrossDock",
            "#7B1FA2",
            True,
            True,
            True,
            True,
        ),
        ("Truck Stop", "TruckStop", None, "#FF5722", True, True, False, True),
    ]
    ids_match(db_url, "location_categories", "lc")


def test_variables_link_to_their_formats_as_in_the_go_seed(db_url: str) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    formats = query(
        db_url,
        "SELECT name, value_type::text, format_sql, is_active, is_system "
        "FROM variable_formats ORDER BY name",
    )
    assert [(f["name"], f["value_type"]) for f in formats] == [
        ("Boolean Yes/No", "Boolean"),
        ("Currency USD", "Currency"),
        ("Date Full", "Date"),
        ("Date MM/DD/YYYY", "Date"),
        ("Percentage", "Number"),
        ("Phone Format", "String"),
        ("Proper Case", "String"),
        ("Uppercase", "String"),
    ]
    assert {(f["is_active"], f["is_system"]) for f in formats} == {(True, False)}
    assert formats[1]["format_sql"] == "TO_CHAR(:value::numeric, 'FM$999,999,999.00')"
    ids_match(db_url, "variable_formats", "vfm")
    variables = query(
        db_url,
        "SELECT v.key, v.applies_to::text, v.value_type::text, f.name AS format, "
        "v.required_params::text AS params, v.tags, v.is_system, v.is_active, v.is_validated, "
        "v.default_value FROM variables v "
        "LEFT JOIN variable_formats f ON f.id = v.format_id "
        "AND f.organization_id = v.organization_id ORDER BY v.key",
    )
    assert [(v["key"], v["applies_to"], v["value_type"], v["format"]) for v in variables] == [
        ("currentDate", "System", "Date", "Date Full"),
        ("currentYear", "System", "String", None),
        ("customerAddress", "Customer", "String", None),
        ("customerCreatedDate", "Customer", "Date", "Date MM/DD/YYYY"),
        ("customerEmail", "Customer", "String", None),
        ("customerName", "Customer", "String", "Uppercase"),
        ("organizationAddress", "Organization", "String", None),
        ("organizationName", "Organization", "String", None),
        ("organizationPhone", "Organization", "String", "Phone Format"),
    ]
    by_key = {v["key"]: v for v in variables}
    assert by_key["customerName"]["params"] == '["customerId"]'
    assert by_key["customerName"]["tags"] == ["customer", "basic"]
    assert by_key["customerName"]["default_value"] == "Valued Customer"
    assert by_key["currentYear"]["params"] == "[]"
    assert {k for k, v in by_key.items() if v["is_system"]} == {"currentDate", "currentYear"}
    assert {(v["is_active"], v["is_validated"]) for v in variables} == {(True, True)}
    ids_match(db_url, "variables", "var")


def test_workers_are_a_thousand_californian_employees_with_profiles_and_time_off(
    db_url: str,
) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    org = default_org(db_url)
    expected = load_seed_module("04_workers.py").generate_people()
    workers = query(
        db_url,
        "SELECT w.status::text, w.type::text, s.abbreviation, w.can_be_assigned, "
        "w.postal_code::text AS postal, count(*) AS n "
        "FROM workers w JOIN us_states s ON s.id = w.state_id "
        "WHERE w.organization_id = $1 GROUP BY 1, 2, 3, 4, 5",
        org["id"],
    )
    assert sum(w["n"] for w in workers) == 1000
    assert {(w["status"], w["type"], w["abbreviation"], w["can_be_assigned"]) for w in workers} == {
        ("Active", "Employee", "CA", True)
    }
    assert all(re.fullmatch(r"9\d{4}", w["postal"]) for w in workers)
    profiles = query(
        db_url,
        "SELECT p.license_number, p.endorsement::text AS e, p.hazmat_expiry, "
        "p.compliance_status::text AS c, p.is_qualified, p.hire_date, p.dob, "
        "extract(epoch FROM now())::bigint AS now, w.first_name, w.last_name "
        "FROM worker_profiles p JOIN workers w ON w.id = p.worker_id "
        "AND w.organization_id = p.organization_id WHERE p.organization_id = $1",
        org["id"],
    )
    assert len(profiles) == 1000
    assert sorted(p["license_number"] for p in profiles) == sorted(
        e.license_number for e in expected
    )
    names = {e.license_number: (e.fields["first_name"], e.fields["last_name"]) for e in expected}
    for p in profiles:
        assert (p["first_name"], p["last_name"]) == names[p["license_number"]]
        assert (p["c"], p["is_qualified"]) == ("Compliant", True)
        assert (p["hazmat_expiry"] > p["now"]) == (p["e"] in ("H", "X"))
        assert p["now"] - 5 * 366 * 86400 < p["hire_date"] < p["now"] - 29 * 86400
        assert p["now"] - 65 * 366 * 86400 < p["dob"] < p["now"] - 21 * 365 * 86400
    assert {p["e"] for p in profiles} == {"O", "N", "H", "X", "P", "T"}
    ids_match(db_url, "workers", "wrk")
    ids_match(db_url, "worker_profiles", "wp")

    test_user = query(db_url, "SELECT id FROM users WHERE email_address = 'testuser@example.com'")
    ptos = query(
        db_url,
        "SELECT status::text, type::text, approver_id, rejector_id, reason, "
        "end_date - start_date AS length FROM worker_pto WHERE organization_id = $1",
        org["id"],
    )
    assert len(ptos) == sum(len(e.ptos) for e in expected)
    assert 1000 < len(ptos) < 5000
    user_id = test_user[0]["id"]
    for p in ptos:
        assert p["approver_id"] == (user_id if p["status"] == "Approved" else None)
        assert p["rejector_id"] == (user_id if p["status"] == "Rejected" else None)
        assert bool(p["reason"]) == (p["status"] in ("Rejected", "Cancelled"))
        assert p["length"] % 86400 == 0
        low, high = PTO_DAYS[p["type"]]
        assert low <= p["length"] // 86400 <= high, p
    assert {p["status"] for p in ptos} == {"Requested", "Approved", "Rejected", "Cancelled"}
    ids_match(db_url, "worker_pto", "pto")


def test_each_development_seed_run_again_changes_no_row(db_url: str) -> None:
    for name in DEV_SEEDS:
        after = anyio.run(
            lambda n=name: assert_seed_idempotent(  # type: ignore[misc]
                db_url, n, seeds_dir=SEEDS, environment=Environment.DEVELOPMENT
            )
        )
    assert after["workers"][0] == 1000
    assert after["variables"][0] == 9


def test_a_forced_rerun_of_every_seed_writes_nothing_new(db_url: str) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    before = snapshot(db_url)
    report = seed(db_url, Environment.DEVELOPMENT, force=True)
    ran = {s.name: s for s in report.seeds}
    assert {n for n in DEV_SEEDS if ran[n].state == "applied"} == set(DEV_SEEDS)
    assert {n: ran[n].rows for n in DEV_SEEDS} == {n: {} for n in DEV_SEEDS}
    assert snapshot(db_url) == before


def test_missing_workers_are_added_back_and_the_others_left_untouched(db_url: str) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    org = default_org(db_url)["id"]
    kept = query(
        db_url,
        "SELECT w.id, p.license_number, w.created_at FROM workers w "
        "JOIN worker_profiles p ON p.worker_id = w.id WHERE w.organization_id = $1 "
        "ORDER BY p.license_number",
        org,
    )
    gone = [k["id"] for k in kept[:10]]
    query(db_url, "DELETE FROM workers WHERE id = ANY($1::text[])", gone)
    report = seed(db_url, Environment.DEVELOPMENT, force=True)
    workers = next(s for s in report.seeds if s.name == "Workers")
    assert workers.rows["workers"] == 10 and workers.rows["worker_profiles"] == 10
    now = query(
        db_url,
        "SELECT w.id, p.license_number, w.created_at FROM workers w "
        "JOIN worker_profiles p ON p.worker_id = w.id WHERE w.organization_id = $1 "
        "ORDER BY p.license_number",
        org,
    )
    assert [n["license_number"] for n in now] == [k["license_number"] for k in kept]
    assert [tuple(n) for n in now[10:]] == [tuple(k) for k in kept[10:]]
    assert not {n["id"] for n in now} & set(gone)


def test_workers_leave_an_organization_that_already_has_other_workers_alone(db_url: str) -> None:
    seed(db_url, Environment.DEVELOPMENT)
    query(db_url, "DELETE FROM workers")
    org = default_org(db_url)
    state = query(db_url, "SELECT id FROM us_states WHERE abbreviation = 'CA'")[0]["id"]
    query(
        db_url,
        "INSERT INTO workers (id, organization_id, business_unit_id, state_id, first_name, "
        "last_name, address_line1, city, postal_code, gender) "
        "VALUES ('wrk_GO', $1, $2, $3, 'Go', 'Seeded', '1 Main St', 'Fresno', '93721', 'Male')",
        org["id"],
        org["business_unit_id"],
        state,
    )
    report = seed(db_url, Environment.DEVELOPMENT, force=True)
    assert next(s for s in report.seeds if s.name == "Workers").state == "applied"
    assert [r["id"] for r in query(db_url, "SELECT id FROM workers")] == ["wrk_GO"]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (Environment.PRODUCTION, set()),
        (Environment.STAGING, set()),
        (Environment.TEST, {"TestOrganizations", "TestUsers"}),
        (Environment.DEVELOPMENT, set(DEV_SEEDS)),
    ],
)
def test_development_seeds_run_only_where_the_go_seeds_did(
    reference_db_url: str, environment: Environment, expected: set[str]
) -> None:
    report = seed(reference_db_url, environment)
    ran = {s.name for s in report.seeds if s.state == "applied"}
    assert ran & set(DEV_SEEDS) == expected
    counts = query(
        reference_db_url,
        "SELECT (SELECT count(*) FROM organizations WHERE scac_code <> 'DFLT') AS orgs, "
        "(SELECT count(*) FROM users WHERE email_address LIKE '%@example.com') AS users, "
        "(SELECT count(*) FROM document_types) + (SELECT count(*) FROM equipment_types) "
        "+ (SELECT count(*) FROM workers) + (SELECT count(*) FROM location_categories) "
        "+ (SELECT count(*) FROM variables) AS dev_rows",
    )[0]
    assert (counts["orgs"] > 0, counts["users"] > 0) == (
        "TestOrganizations" in expected,
        "TestUsers" in expected,
    )
    assert (counts["dev_rows"] > 0) == ("Workers" in expected)


def test_seed_rollback_removes_what_each_development_seed_made(reference_db_url: str) -> None:
    from trenova_db.seeding.context import SeedContext
    from trenova_db.seeding.registry import check_registry
    from trenova_db.seeding.runner import load_seed

    seed(reference_db_url, Environment.DEVELOPMENT)
    registry = check_registry(SEEDS)

    async def roll_back_all() -> None:
        conn = await asyncpg.connect(reference_db_url)
        try:
            for entry in reversed([e for e in registry.seeds if e.name in DEV_SEEDS]):
                async with conn.transaction():
                    ctx = SeedContext(conn, Environment.DEVELOPMENT, seed_name=entry.name)
                    await load_seed(SEEDS, entry).rollback(ctx)
        finally:
            await conn.close()

    anyio.run(roll_back_all)
    left = query(
        reference_db_url,
        "SELECT (SELECT count(*) FROM organizations) AS orgs, "
        "(SELECT count(*) FROM users WHERE email_address LIKE '%@example.com' "
        "AND username <> 'testuser') AS users, "
        "(SELECT count(*) FROM document_types) + (SELECT count(*) FROM equipment_types) "
        "+ (SELECT count(*) FROM workers) + (SELECT count(*) FROM worker_profiles) "
        "+ (SELECT count(*) FROM worker_pto) + (SELECT count(*) FROM location_categories) "
        "+ (SELECT count(*) FROM variables) + (SELECT count(*) FROM variable_formats) AS rows, "
        "(SELECT count(*) FROM data_retention) AS retention",
    )[0]
    assert dict(left) == {"orgs": 1, "users": 0, "rows": 0, "retention": 1}
