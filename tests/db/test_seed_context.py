"""SeedContext look-ups and helpers on Trenova's schema, and the idempotency helper failing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import CliResult, query, run, write_migrations
from tests.support.seed_files import args, seed_file
from trenova_db import Environment
from trenova_db.seeding import SeedContext
from trenova_db.seeding.helpers import verify_password
from trenova_db.seeding.ids import pulid
from trenova_db.seeding.registry import sync_registry
from trenova_db.testing import assert_seed_idempotent

Cli = Callable[..., CliResult]


async def in_transaction(url: str, body: Callable[[SeedContext], Any]) -> Any:
    """Run ``body(ctx)`` in one transaction that is rolled back afterwards."""
    conn = await asyncpg.connect(url)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            return await body(SeedContext(conn, Environment.TEST, seed_name="probe"))
        finally:
            await tx.rollback()
    finally:
        await conn.close()


def test_cached_look_ups_see_rows_the_seed_just_wrote_in_its_transaction(
    trenova_migrated_database: str,
) -> None:
    async def body(ctx: SeedContext) -> None:
        c = ctx.conn
        with pytest.raises(LookupError, match=r"default business unit \(code DEFAULT\) not found"):
            await ctx.get_default_business_unit()
        with pytest.raises(LookupError, match="US state 'TX' not found"):
            await ctx.get_state("TX")
        # plain SQL on ctx.conn, uncommitted: only this transaction can see these rows
        await c.execute(
            "INSERT INTO us_states (id, name, abbreviation) VALUES ($1, 'Ohio', 'OH')", pulid("us")
        )
        assert (await ctx.get_state("oh"))["name"] == "Ohio"
        # a state written after the cache was filled is still found
        await c.execute(
            "INSERT INTO us_states (id, name, abbreviation) VALUES ($1, 'Texas', 'TX')",
            pulid("us"),
        )
        tx = await ctx.get_state("TX")
        assert tx["name"] == "Texas"
        bu_id = await c.fetchval(
            "INSERT INTO business_units (id, code, name, postal_code) "
            "VALUES ($1, 'Default', 'Unit', '78701') RETURNING id",
            pulid("bu"),
        )
        assert (await ctx.get_default_business_unit())["id"] == bu_id  # code, any case
        org_id = await c.fetchval(
            "INSERT INTO organizations (id, business_unit_id, name, scac_code, dot_number, "
            "bucket_name, address_line1, city, postal_code, state_id) VALUES "
            "($1, $2, 'Org', 'DFLT', '1', 'b', '1 Main St', 'Austin', '78701', $3) RETURNING id",
            pulid("org"),
            bu_id,
            tx["id"],
        )
        org = await ctx.get_default_organization()
        assert org["id"] == org_id
        await c.execute(
            "INSERT INTO roles (id, business_unit_id, name, level, scope) "
            "VALUES ($1, $2, 'Clerk', 'custom', '{}')",
            pulid("rol"),
            bu_id,
        )
        role = await ctx.get_role("Clerk")
        assert role["business_unit_id"] == bu_id
        # cached: the same record, with no new query needed
        assert await ctx.get_default_organization() is org
        assert await ctx.get_role("Clerk") is role
        with pytest.raises(LookupError, match="role 'Nope' not found"):
            await ctx.get_role("Nope")
        with pytest.raises(LookupError, match=r"admin user admin@trenova\.app not found"):
            await ctx.get_admin_user()

    run(lambda: in_transaction(trenova_migrated_database, body))
    assert query(trenova_migrated_database, "SELECT count(*) FROM us_states") == [(0,)]


def test_helpers_create_a_tenant_user_and_role_trenova_can_use_and_change_nothing_twice(
    trenova_migrated_database: str,
) -> None:
    async def body(ctx: SeedContext) -> dict[str, int]:
        c = ctx.conn
        for name, abbreviation in (("Texas", "TX"), ("Ohio", "OH")):
            await c.execute(
                "INSERT INTO us_states (id, name, abbreviation) VALUES ($1, $2, $3)",
                pulid("us"),
                name,
                abbreviation,
            )
        bu = await ctx.create_business_unit(code="DEFAULT", name="Unit", postal_code="43004")
        org_kwargs: dict[str, Any] = {
            "name": "Acme",
            "scac_code": "ACME",
            "dot_number": "1234567",
            "state": "OH",
            "city": "Columbus",
            "postal_code": "43004",
            "address_line1": "1 Main St",
            "bucket_name": "acme",
        }
        org = await ctx.create_organization(**org_kwargs)
        assert org["business_unit_id"] == bu["id"]  # defaulted to the default unit
        assert org["state_id"] == (await ctx.get_state("OH"))["id"]
        assert org["id"].startswith("org_") and org["created_at"] > 1_700_000_000
        # seedhelpers.CreateOrganization's settings: shipment, billing, data retention
        settings = await c.fetchval(
            "SELECT (SELECT count(*) FROM shipment_controls WHERE organization_id = $1) "
            "+ (SELECT count(*) FROM billing_controls WHERE organization_id = $1) "
            "+ (SELECT count(*) FROM data_retention WHERE organization_id = $1)",
            org["id"],
        )
        assert settings == 3
        user_kwargs: dict[str, Any] = {"username": "jojo", "email": "Jo@Example.com", "name": "Jo"}
        user = await ctx.create_user(**user_kwargs, organization_id=org["id"], password="s3cret!")
        assert (user["current_organization_id"], user["business_unit_id"]) == (org["id"], bu["id"])
        assert verify_password("s3cret!", user["password"])
        policy = await ctx.create_policy(
            "Read shipments",
            organization_ids=[org["id"]],
            resources=[
                {
                    "resourceType": "shipment",
                    "actions": {"standardOps": 2, "extendedOps": []},
                    "conditions": [],
                    "dataScope": "organization",
                }
            ],
        )
        role = await ctx.create_role("Clerk", policy_ids=[policy["id"]])
        await ctx.assign_role_to_user(user["id"], role["id"])
        first = dict(ctx.rows)
        # the same calls again (a different case, another password): the same rows, none written
        again_org = await ctx.create_organization(**org_kwargs)
        again_user = await ctx.create_user(
            **{**user_kwargs, "email": "jo@example.com"}, password="other-Pass1"
        )
        again_policy = await ctx.create_policy("Read shipments", resources=[])
        again_role = await ctx.create_role("Clerk", policy_ids=[policy["id"]])
        await ctx.assign_role_to_user(user["id"], role["id"])
        assert again_org["id"] == org["id"]
        assert again_user["id"] == user["id"]
        assert again_user["password"] == user["password"]
        assert (again_policy["id"], again_role["id"]) == (policy["id"], role["id"])
        assert ctx.rows == first
        membership = await c.fetchrow(
            "SELECT role_ids, organization_id FROM user_organization_memberships "
            "WHERE user_id = $1",
            user["id"],
        )
        assert tuple(membership) == ([role["id"]], org["id"])
        # Trenova's own view resolves the user's policy through role and membership
        held = await c.fetch(
            "SELECT policy_id FROM user_effective_policies WHERE user_id = $1", user["id"]
        )
        assert [r[0] for r in held] == [policy["id"]]
        # a second role is added to the membership, not a second membership
        other = await ctx.create_role("Auditor", level="org")
        await ctx.assign_role_to_user(user["id"], other["id"], org["id"])
        roles = await c.fetchval(
            "SELECT role_ids FROM user_organization_memberships WHERE user_id = $1", user["id"]
        )
        assert roles == [role["id"], other["id"]]
        # overwrite=True brings a changed profile in line, and counts it
        moved = await ctx.create_organization(**{**org_kwargs, "city": "Dayton"}, overwrite=True)
        assert moved["id"] == org["id"] and moved["city"] == "Dayton"
        with pytest.raises(ValueError, match="another row already holds"):
            await ctx.create_user(
                username="JOJO",
                email="someone@example.com",
                name="Other",
                organization_id=org["id"],
            )
        return first

    first = run(lambda: in_transaction(trenova_migrated_database, body))
    assert first == {
        "business_units": 1,
        "organizations": 1,
        "shipment_controls": 1,
        "billing_controls": 1,
        "data_retention": 1,
        "users": 1,
        "policies": 1,
        "roles": 1,
        "user_organization_memberships": 1,
        "user_organization_roles": 1,
    }


def test_assert_seed_idempotent_fails_on_a_seed_that_is_not(
    trenova_database: str, tmp_path: Path, cli: Cli
) -> None:
    sql = write_migrations(
        tmp_path / "sql",
        {"000001_items.tx.up.sql": "CREATE TABLE items (id serial PRIMARY KEY, name text);\n"},
    )
    seeds = tmp_path / "seeds"
    seed_file(
        seeds / "base",
        "00_upsert.py",
        "Upsert",
        "await ctx.conn.execute(\"INSERT INTO items (name) SELECT 'one' "
        "WHERE NOT EXISTS (SELECT FROM items WHERE name = 'one')\")",
    )
    seed_file(
        seeds / "base",
        "01_append.py",
        "Append",
        "await ctx.conn.execute(\"INSERT INTO items (name) VALUES ('again')\")",
    )
    sync_registry(seeds)
    assert cli("migrate", *args(trenova_database, sql, seeds)).code == 0

    def check(seed: str) -> dict[str, tuple[int, str]]:
        return run(lambda: assert_seed_idempotent(trenova_database, seed, seeds_dir=seeds))

    assert check("Upsert")["items"][0] == 2  # the idempotent one passes
    with pytest.raises(AssertionError, match=r"seed Append is not idempotent.*items: 2 -> 3 rows"):
        check("Append")
    with pytest.raises(AssertionError, match="no seed named 'Nope'"):
        check("Nope")
