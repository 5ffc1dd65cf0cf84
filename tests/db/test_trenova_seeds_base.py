"""The four base seeds on Trenova's real schema (the reference dump) and on the project's sql/.

What the Go seeds create, in Trenova's formats: PULID ids with each model's
prefix, epoch-second times, a bcrypt hash Trenova's login accepts, the
per-organization settings rows, and the admin's policy, role, membership and
role assignment, which Trenova's own ``user_effective_policies`` view resolves.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import bcrypt
import msgspec
import pytest

from tests.conftest import ROOT, CliResult, query, run
from trenova_db import Environment
from trenova_db.seeding.registry import check_registry
from trenova_db.testing import assert_seed_idempotent

Cli = Callable[..., CliResult]
SEEDS = ROOT / "seeds"
SQL = ROOT / "sql"
BASE = ("USStates", "PermissionsAndPolicies", "AdminAccount", "HazmatExpiration")
PASSWORD = "Correct-Horse-Battery-9"
ULID = "[0-9A-HJKMNP-TV-Z]{26}"


@pytest.fixture(params=["reference", "project"])
def database(request: pytest.FixtureRequest) -> str:
    """A database with Trenova's schema: the reference dump, or the project's sql/ migrated."""
    if request.param == "reference":
        return str(request.getfixturevalue("reference_db_url"))
    return str(request.getfixturevalue("trenova_migrated_database"))


def seed(cli: Cli, url: str, *extra: str) -> CliResult:
    result = cli(
        "seed",
        "--database-url",
        url,
        "--migrations-dir",
        str(SQL),
        "--seeds-dir",
        str(SEEDS),
        "--env",
        "production",
        *extra,
    )
    assert result.code == 0, result.err
    return result


def one(url: str, sql: str, *args: Any) -> Any:
    rows = query(url, sql, *args)
    assert len(rows) == 1, rows
    return rows[0]


def test_the_base_seeds_have_the_go_seeds_names_versions_environments_and_order() -> None:
    registry = check_registry(SEEDS)
    base = [e for e in registry.seeds if e.folder == "base"]
    assert [(e.name, e.version) for e in base] == [(name, "1.0.0") for name in BASE]
    every = {e.value for e in Environment}
    assert all(set(e.environments) == every for e in base)
    deps = {e.name: e.depends_on for e in base}
    assert deps["AdminAccount"] == deps["HazmatExpiration"] == ("USStates",)


def test_base_seeds_write_the_go_seeds_rows_in_trenovas_formats(
    database: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRENOVA_ADMIN_PASSWORD", PASSWORD)
    before = int(time.time())
    report = seed(cli, database, "--json").json()
    assert [(s["name"], s["state"]) for s in report["seeds"]] == [(n, "applied") for n in BASE]
    url = database

    states = query(url, "SELECT id, abbreviation, country_name, country_iso3 FROM us_states")
    assert len(states) == 51
    assert {r[1] for r in states} >= {"CA", "DC", "FL", "TX", "WY"}
    assert {(r[2], r[3]) for r in states} == {("United States", "USA")}
    assert all(re.fullmatch(f"us_{ULID}", r[0]) for r in states)

    # Every row the seeds made carries its model's PULID prefix and epoch-second times.
    for table, prefix in {
        "business_units": "bu",
        "organizations": "org",
        "users": "usr",
        "policies": "pol",
        "roles": "rol",
        "user_organization_memberships": "uom",
        "shipment_controls": "sc",
        "dispatch_controls": "dc",
        "billing_controls": "bc",
        "data_retention": "dr",
        "pattern_configs": "pco",
        "hazmat_expirations": "he",
    }.items():
        (ids,) = one(url, f"SELECT array_agg(id) FROM {table}")
        assert len(ids) == 1, table
        assert re.fullmatch(f"{prefix}_{ULID}", ids[0]), (table, ids)
    stamps = one(url, "SELECT created_at, updated_at FROM organizations")
    assert all(before - 5 <= t <= time.time() + 5 for t in stamps)

    bu_id, code, state = one(
        url,
        "SELECT b.id, b.code, s.abbreviation FROM business_units b "
        "JOIN us_states s ON s.id = b.state_id",
    )
    assert (code, state) == ("DEFAULT", "CA")
    org = one(
        url,
        "SELECT o.id, o.business_unit_id, o.name, o.scac_code, o.dot_number, o.org_type::text, "
        "o.bucket_name, o.timezone, s.abbreviation FROM organizations o "
        "JOIN us_states s ON s.id = o.state_id",
    )
    org_id = org[0]
    assert tuple(org[1:]) == (
        bu_id,
        "Default Organization",
        "DFLT",
        "0000000",
        "Carrier",
        "trenova-default",
        "America/Los_Angeles",
        "CA",
    )
    # The organization's settings rows: Trenova's defaults, one each.
    for table in (
        "shipment_controls",
        "dispatch_controls",
        "billing_controls",
        "data_retention",
        "pattern_configs",
    ):
        assert tuple(one(url, f"SELECT organization_id, business_unit_id FROM {table}")) == (
            org_id,
            bu_id,
        ), table
    assert one(url, "SELECT max_shipment_weight_limit FROM shipment_controls")[0] == 80000
    assert one(url, "SELECT payment_term::text FROM billing_controls")[0] == "Net30"

    # The admin logs in to Trenova: a Go-format bcrypt hash of the configured password.
    admin = one(
        url,
        "SELECT id, username, password, status::text, must_change_password, "
        "current_organization_id, business_unit_id FROM users "
        "WHERE email_address = 'admin@trenova.app'",
    )
    admin_id, username, hashed = admin[0], admin[1], admin[2]
    assert username == "admin"
    assert hashed.startswith("$2a$10$")
    assert bcrypt.checkpw(PASSWORD.encode(), hashed.encode())
    assert not bcrypt.checkpw(b"admin123!", hashed.encode())  # never the Go seed's fixed one
    assert tuple(admin[3:]) == ("Active", False, org_id, bu_id)

    # Trenova's permission model: a full-access policy, an admin role holding it,
    # a default membership with that role, and the role assignment.
    policy_id, scope, resources, effect, priority = one(
        url, "SELECT id, scope, resources, effect::text, priority FROM policies"
    )
    assert (effect, priority) == ("allow", 1000)
    assert msgspec.json.decode(scope) == {
        "businessUnitId": bu_id,
        "organizationIds": [org_id],
        "inheritable": False,
    }
    rules = {r["resourceType"]: r for r in msgspec.json.decode(resources)}
    assert len(rules) == 60
    assert {r["actions"]["standardOps"] for r in rules.values()} == {63}
    assert {r["dataScope"] for r in rules.values()} == {"all"}
    assert rules["shipment"]["actions"]["extendedOps"] == ["assign", "duplicate"]
    role = one(
        url,
        "SELECT id, name, level::text, is_admin, is_system, policy_ids, business_unit_id "
        "FROM roles",
    )
    assert tuple(role[1:]) == ("Administrator", "system", True, True, [policy_id], bu_id)
    membership = one(
        url,
        "SELECT user_id, organization_id, role_ids, is_default, granted_by_id "
        "FROM user_organization_memberships",
    )
    assert tuple(membership) == (admin_id, org_id, [role[0]], True, admin_id)
    assert tuple(
        one(url, "SELECT user_id, organization_id, role_id FROM user_organization_roles")
    ) == (admin_id, org_id, role[0])
    # Trenova's own view of who holds which policy (where the schema has it) sees the admin's.
    if one(url, "SELECT to_regclass('user_effective_policies') IS NOT NULL")[0]:
        resolved = query(
            url, "SELECT user_id, organization_id, policy_id FROM user_effective_policies"
        )
        assert [tuple(r) for r in resolved] == [(admin_id, org_id, policy_id)]

    years, abbreviation = one(
        url,
        "SELECT h.years, s.abbreviation FROM hazmat_expirations h "
        "JOIN us_states s ON s.id = h.state_id",
    )
    assert (years, abbreviation) == (4, "FL")


@pytest.mark.parametrize("name", BASE)
def test_each_base_seed_run_again_changes_no_table(
    database: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRENOVA_ADMIN_PASSWORD", PASSWORD)
    snapshot = run(
        lambda: assert_seed_idempotent(
            database, name, seeds_dir=SEEDS, environment=Environment.PRODUCTION
        )
    )
    assert snapshot["us_states"][0] == 51
    assert snapshot["users"][0] == 1


def test_forced_runs_duplicate_nothing_and_never_reset_the_admin_password(
    database: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRENOVA_ADMIN_PASSWORD", PASSWORD)
    seed(cli, database)
    tables = (
        "us_states",
        "business_units",
        "organizations",
        "users",
        "policies",
        "roles",
        "user_organization_memberships",
        "user_organization_roles",
        "shipment_controls",
        "pattern_configs",
        "hazmat_expirations",
    )
    counted = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
    first = tuple(one(database, counted))
    (hashed,) = one(database, "SELECT password FROM users")
    monkeypatch.setenv("TRENOVA_ADMIN_PASSWORD", "Another-Password-7")
    again = seed(cli, database, "--force", "--json").json()
    assert {s["state"] for s in again["seeds"]} == {"applied"}
    assert tuple(one(database, counted)) == first
    assert one(database, "SELECT password FROM users")[0] == hashed


def test_a_generated_admin_password_is_shown_once_and_stored_only_as_its_hash(
    database: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRENOVA_ADMIN_PASSWORD", raising=False)
    first = seed(cli, database)
    shown = [line for line in first.err.splitlines() if "password of the admin user" in line]
    assert len(shown) == 1, first.err
    assert shown[0].startswith(
        "AdminAccount: password of the admin user admin@trenova.app (change it at first "
        "login; set TRENOVA_ADMIN_PASSWORD to choose it): "
    )
    password = shown[0].rsplit(": ", 1)[1]
    assert len(password) >= 16
    hashed, must_change = one(database, "SELECT password, must_change_password FROM users")
    assert bcrypt.checkpw(password.encode(), hashed.encode())
    assert must_change is True
    assert password not in first.out
    # Nowhere in trenova-db's own tables: seed history (details, notes, errors) and audit.
    for table in ("seed_history", "trenova_db_audit"):
        (text,) = one(database, f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t")
        assert text and password not in text, table
    again = seed(cli, database, "--force")
    assert "password of the admin user" not in again.err
    assert one(database, "SELECT password FROM users")[0] == hashed


def test_password_hashes_are_gos_bcrypt_format_at_its_default_cost() -> None:
    from trenova_db.seeding.helpers import hash_password, verify_password

    encoded = hash_password("hunter2!")
    assert re.fullmatch(r"\$2a\$10\$[./A-Za-z0-9]{53}", encoded)
    assert verify_password("hunter2!", encoded)
    assert not verify_password("hunter3!", encoded)
    assert not verify_password("hunter2!", "not-a-hash")
    assert hash_password("hunter2!") != encoded  # salted
    with pytest.raises(ValueError, match="at most 72"):
        hash_password("x" * 73)
