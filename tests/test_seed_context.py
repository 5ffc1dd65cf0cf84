"""SeedContext look-ups and helpers, the shipped data, and the idempotency helper failing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import CliResult, query, run, write_migrations
from tests.test_seeding import SEEDS, SQL, args, seed_file
from trenova_db import Environment
from trenova_db.seeding import SeedContext
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
        with pytest.raises(LookupError, match="default business unit not found"):
            await ctx.get_default_business_unit()
        with pytest.raises(LookupError, match="US state 'TX' not found"):
            await ctx.get_state("TX")
        # plain SQL on ctx.conn, uncommitted: only this transaction can see these rows
        await c.execute("INSERT INTO us_states (name, abbreviation) VALUES ('Ohio', 'OH')")
        assert (await ctx.get_state("oh"))["name"] == "Ohio"
        # a state written after the cache was filled is still found
        await c.execute("INSERT INTO us_states (name, abbreviation) VALUES ('Texas', 'TX')")
        tx = await ctx.get_state("TX")
        assert tx["name"] == "Texas"
        bu_id = await c.fetchval(
            "INSERT INTO business_units (code, name, is_default) VALUES ('BU', 'Unit', true) "
            "RETURNING id"
        )
        assert (await ctx.get_default_business_unit())["id"] == bu_id
        org_id = await c.fetchval(
            "INSERT INTO organizations (business_unit_id, name, scac_code, city, state_id, "
            "is_default) VALUES ($1, 'Org', 'ORGA', 'Austin', $2, true) RETURNING id",
            bu_id,
            tx["id"],
        )
        org = await ctx.get_default_organization()
        assert org["id"] == org_id
        await c.execute("INSERT INTO roles (organization_id, name) VALUES ($1, 'Clerk')", org_id)
        role = await ctx.get_role("Clerk")
        assert role["organization_id"] == org_id
        # cached: the same record, with no new query needed
        assert await ctx.get_default_organization() is org
        assert await ctx.get_role("Clerk") is role
        with pytest.raises(LookupError, match="role 'Nope' not found"):
            await ctx.get_role("Nope")

    run(lambda: in_transaction(trenova_migrated_database, body))
    assert query(trenova_migrated_database, "SELECT count(*) FROM us_states") == [(0,)]


def test_create_user_organization_and_assign_role_work_and_are_idempotent(
    trenova_migrated_database: str,
) -> None:
    async def body(ctx: SeedContext) -> dict[str, int]:
        c = ctx.conn
        await c.execute(
            "INSERT INTO us_states (name, abbreviation) VALUES ('Texas', 'TX'), ('Ohio', 'OH')"
        )
        bu = await ctx.create_business_unit(code="BU", name="Unit", is_default=True)
        kwargs: dict[str, Any] = {"name": "Acme", "scac_code": "ACME", "state": "OH"}
        org = await ctx.create_organization(**kwargs, city="Columbus", is_default=True)
        assert org["business_unit_id"] == bu["id"]  # defaulted to the default unit
        assert org["state_id"] == (await ctx.get_state("OH"))["id"]
        user_kwargs: dict[str, Any] = {"username": "jojo", "email": "Jo@Example.com", "name": "Jo"}
        user = await ctx.create_user(**user_kwargs, password="s3cret-Pass")
        assert (user["organization_id"], user["business_unit_id"]) == (org["id"], bu["id"])
        role = await ctx.create_role("Clerk")
        await ctx.assign_role_to_user(user["id"], role["id"])
        first = dict(ctx.rows)
        # the same calls again: the same rows, nothing written
        again_org = await ctx.create_organization(**kwargs, city="Columbus", is_default=True)
        again_user = await ctx.create_user(
            **{**user_kwargs, "email": "jo@example.com"}, password="other-Pass1"
        )
        await ctx.assign_role_to_user(user["id"], role["id"])
        assert again_org["id"] == org["id"]
        assert again_user["id"] == user["id"]
        assert again_user["password_hash"] == user["password_hash"]
        assert ctx.rows == first
        counts = await c.fetchrow(
            "SELECT (SELECT count(*) FROM organizations) o, (SELECT count(*) FROM users) u, "
            "(SELECT count(*) FROM user_roles WHERE user_id = $1 AND role_id = $2) ur",
            user["id"],
            role["id"],
        )
        assert tuple(counts) == (1, 1, 1)
        # a changed profile is brought in line, and counted
        moved = await ctx.create_organization(**kwargs, city="Dayton", is_default=True)
        assert moved["id"] == org["id"] and moved["city"] == "Dayton"
        return first

    first = run(lambda: in_transaction(trenova_migrated_database, body))
    assert first == {
        "business_units": 1,
        "organizations": 1,
        "users": 1,
        "roles": 1,
        "user_roles": 1,
    }


def test_development_data_has_organizations_users_and_roles_that_fit(
    trenova_migrated_database: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRENOVA_ADMIN_PASSWORD", raising=False)
    url = trenova_migrated_database
    assert cli("seed", *args(url, SQL, SEEDS, "--env", "dev")).code == 0
    orgs = query(
        url,
        "SELECT s.abbreviation, o.city FROM organizations o JOIN us_states s ON s.id = o.state_id "
        "WHERE NOT o.is_default ORDER BY 1",
    )
    assert [tuple(r) for r in orgs] == [("IL", "Chicago"), ("NY", "Buffalo"), ("TX", "Dallas")]
    roles = query(
        url,
        "SELECT u.username, r.name FROM users u JOIN user_roles ur ON ur.user_id = u.id "
        "JOIN roles r ON r.id = ur.role_id ORDER BY 1, 2",
    )
    assert [tuple(r) for r in roles] == [
        ("admin", "Administrator"),
        ("dispatcher", "Dispatcher"),
        ("driver1", "Driver"),
        ("driver2", "Driver"),
        ("manager", "Manager"),
        ("viewer", "Viewer"),
    ]
    held = {
        (r[0], r[1], r[2])
        for r in query(
            url,
            "SELECT r.name, p.resource, p.action FROM role_permissions rp "
            "JOIN roles r ON r.id = rp.role_id JOIN permissions p ON p.id = rp.permission_id",
        )
    }
    every = {tuple(r) for r in query(url, "SELECT resource, action FROM permissions")}
    assert len(every) > 50
    assert {(res, act) for name, res, act in held if name == "Administrator"} == every
    viewer = {(res, act) for name, res, act in held if name == "Viewer"}
    assert viewer and {act for _, act in viewer} == {"read"}
    driver = {(res, act) for name, res, act in held if name == "Driver"}
    assert ("shipment", "update") in driver
    assert not {act for _, act in driver} & {"create", "delete", "approve"}
    dispatcher = {(res, act) for name, res, act in held if name == "Dispatcher"}
    assert ("shipment", "create") in dispatcher and ("invoice", "approve") not in dispatcher
    manager = {(res, act) for name, res, act in held if name == "Manager"}
    assert ("invoice", "approve") in manager and ("role", "delete") not in manager
    assert len(manager) > len(dispatcher) > len(driver)
    admin = query(
        url, "SELECT must_change_password, is_system_admin FROM users WHERE username = 'admin'"
    )
    assert tuple(admin[0]) == (True, True)
    others = query(url, "SELECT bool_or(must_change_password) FROM users WHERE username <> 'admin'")
    assert others == [(False,)]


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
