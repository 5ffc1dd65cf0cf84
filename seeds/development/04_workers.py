"""Trenova's Workers seed: 1,000 workers of the default organization, with profiles and PTO.

Port of ``development/04_workers.go`` (Trenova eac57070): the test user
``testuser@example.com`` (password ``password123!``, bcrypt), who approves or
rejects the time off; 1,000 active employee workers in California, each with a
profile (license, endorsement, compliance dates) and zero to five PTO requests,
with Go's distributions (endorsements and genders uniform, PTO status
30/50/10/10, durations by PTO type, dates relative to now).

Go draws the people from faker and a fresh random stream on every run. This
port draws them from a fixed-seed stream over built-in name and address lists,
so every run describes the same 1,000 workers, each recognised by its license
number: a re-run adds only the workers that are missing (nothing, normally)
and never touches existing ones. A default organization that already has
workers, none of them this seed's (workers created by the Go seed, or by
people), is left alone, as Go's ``count > 0`` check did.
"""

import random
from typing import Any

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext
from trenova_db.seeding.ids import epoch_now, pulid

WORKER_COUNT = 1000
RANDOM_SEED = "trenova-db development Workers 1.0.0"
DAY = 24 * 60 * 60
YEAR = 365 * DAY
MONTH = 30 * DAY

TEST_USER = ("Test User", "testuser", "testuser@example.com")
PASSWORD = "password123!"  # seedhelpers.UserOptions' default

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
    "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
    "Thomas", "Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony",
    "Betty", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily",
    "Luis", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Jose", "Stephanie", "Edward", "Maria",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
)  # fmt: skip
STREETS = (
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Sunset", "Mission", "Valley", "Harbor", "Olive", "Palm", "Willow", "Vista", "Canyon",
    "Ridge",
)  # fmt: skip
STREET_SUFFIXES = ("St", "Ave", "Blvd", "Dr", "Ln", "Rd", "Way", "Ct")
SECONDARY = ("Apt.", "Suite", "Unit")
CITIES = (
    ("Los Angeles", "90012"), ("San Diego", "92101"), ("San Jose", "95113"),
    ("San Francisco", "94103"), ("Fresno", "93721"), ("Sacramento", "95814"),
    ("Long Beach", "90802"), ("Oakland", "94612"), ("Bakersfield", "93301"),
    ("Anaheim", "92805"), ("Riverside", "92501"), ("Stockton", "95202"),
    ("Irvine", "92618"), ("Fontana", "92335"), ("Modesto", "95354"),
    ("Ontario", "91764"), ("Santa Rosa", "95404"), ("Salinas", "93901"),
    ("Visalia", "93291"), ("Redding", "96001"),
)  # fmt: skip
LICENSE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# O none, N tanker, H hazmat, X tanker + hazmat, P passenger, T doubles/triples
ENDORSEMENTS = ("O", "N", "H", "X", "P", "T")
HAZMAT_ENDORSEMENTS = ("H", "X")
GENDERS = ("Male", "Female")
PTO_TYPES = ("Personal", "Vacation", "Sick", "Holiday", "Bereavement", "Maternity", "Paternity")
PTO_STATUSES = ("Requested", "Approved", "Rejected", "Cancelled")
PTO_STATUS_WEIGHTS = (30, 50, 10, 10)
# PTO type -> (minimum days, number of possible lengths): Go's rand.Intn(n) + minimum
PTO_DAYS = {
    "Maternity": (42, 84),
    "Paternity": (7, 14),
    "Bereavement": (1, 3),
    "Vacation": (1, 10),
    "Sick": (1, 5),
    "Personal": (1, 3),
    "Holiday": (1, 1),
}
PTO_REASONS = (
    "Insufficient staffing during peak season",
    "Conflicting mandatory training scheduled",
    "Business critical project deadline",
    "Family emergency resolved",
    "Medical appointment rescheduled",
    "Insufficient notice provided",
    "Not eligible due to recent hire date",
    "Personal matter resolved",
)

WORKER_COLUMNS = (
    "id", "business_unit_id", "organization_id", "state_id", "status", "type",
    "first_name", "last_name", "address_line1", "address_line2", "city", "postal_code",
    "gender", "can_be_assigned", "profile_pic_url", "external_id", "assignment_blocked",
    "created_at", "updated_at",
)  # fmt: skip
PROFILE_COLUMNS = (
    "id", "worker_id", "business_unit_id", "organization_id", "license_state_id", "dob",
    "license_number", "endorsement", "hazmat_expiry", "license_expiry", "hire_date",
    "physical_due_date", "mvr_due_date", "compliance_status", "is_qualified",
    "disqualification_reason", "last_compliance_check", "last_mvr_check", "last_drug_test",
    "created_at", "updated_at",
)  # fmt: skip
PTO_COLUMNS = (
    "id", "business_unit_id", "organization_id", "worker_id", "status", "type",
    "start_date", "end_date", "reason", "approver_id", "rejector_id", "created_at",
    "updated_at",
)  # fmt: skip


class _Person:
    """One generated worker: everything except ids and the time it is written."""

    __slots__ = ("address", "fields", "license_number", "ptos")

    def __init__(self, rng: random.Random, license_number: str) -> None:
        self.license_number = license_number
        city, postal = rng.choice(CITIES)
        street = f"{rng.randint(100, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_SUFFIXES)}"
        secondary = f"{rng.choice(SECONDARY)} {rng.randint(1, 999)}"
        self.address = (street, secondary, city, postal)
        endorsement = rng.choice(ENDORSEMENTS)
        # Offsets from "now" in seconds, drawn once so every run draws the same.
        self.fields: dict[str, Any] = {
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "gender": rng.choice(GENDERS),
            "endorsement": endorsement,
            "hire_date": rng.randrange(-5 * YEAR, -MONTH),
            "license_expiry": rng.randrange(0, 4 * YEAR) + 1,
            "dob": rng.randrange(-65 * YEAR, -21 * YEAR),
            "physical_due_date": rng.randrange(0, YEAR) + 1,
            "mvr_due_date": rng.randrange(0, YEAR) + 1,
            "last_compliance_check": rng.randrange(-6 * MONTH, 0),
            "last_mvr_check": rng.randrange(-6 * MONTH, 0),
            "last_drug_test": rng.randrange(-6 * MONTH, 0),
            "hazmat_expiry": (
                rng.randrange(0, 2 * YEAR) + 1 if endorsement in HAZMAT_ENDORSEMENTS else None
            ),
        }
        self.ptos: list[tuple[str, str, int, int, str]] = []
        for _ in range(rng.randrange(6)):
            pto_type = rng.choice(PTO_TYPES)
            status = rng.choices(PTO_STATUSES, weights=PTO_STATUS_WEIGHTS)[0]
            start = rng.randrange(0, MONTH) + 1
            low, span = PTO_DAYS[pto_type]
            days = rng.randrange(span) + low
            reason = rng.choice(PTO_REASONS) if status in ("Rejected", "Cancelled") else ""
            self.ptos.append((status, pto_type, start, start + days * DAY, reason))


def generate_people(count: int = WORKER_COUNT) -> list[_Person]:
    """The same ``count`` people on every call (a fixed-seed random stream)."""
    rng = random.Random(RANDOM_SEED)
    people: list[_Person] = []
    seen: set[str] = set()
    while len(people) < count:
        license_number = "".join(rng.choices(LICENSE_ALPHABET, k=8))
        person = _Person(rng, license_number)
        if license_number not in seen:  # keep the key unique
            seen.add(license_number)
            people.append(person)
    return people


class WorkersSeed(BaseSeed):
    name = "Workers"
    version = "1.0.0"
    description = "Creates workers data"
    environments = (Environment.DEVELOPMENT,)
    # Go: "USStates", "AdminAccount", "Permissions", "HazmatExpiration" (the base
    # seed's name is PermissionsAndPolicies; Go's seeder never checked the names).
    depends_on = ("USStates", "AdminAccount", "PermissionsAndPolicies", "HazmatExpiration")

    async def run(self, ctx: SeedContext) -> None:
        org = await ctx.get_default_organization()
        org_id, bu_id = org["id"], org["business_unit_id"]
        state_id = (await ctx.get_state("CA"))["id"]
        now = epoch_now()
        # Go: seedCtx.CreateUser(testuser), no membership; an existing one is reused.
        name, username, email = TEST_USER
        user = await ctx.create_user(username=username, email=email, name=name, password=PASSWORD)
        user_id = user["id"]

        people = generate_people()
        present = {
            r["license_number"]
            for r in await ctx.conn.fetch(
                "SELECT license_number FROM worker_profiles "
                "WHERE organization_id = $1 AND license_number = ANY($2::text[])",
                org_id,
                [p.license_number for p in people],
            )
        }
        if not present and await ctx.conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM workers WHERE organization_id = $1)", org_id
        ):
            return  # someone else's workers: leave them, as the Go seed did

        workers: list[tuple[Any, ...]] = []
        profiles: list[tuple[Any, ...]] = []
        ptos: list[tuple[Any, ...]] = []
        for person in people:
            if person.license_number in present:
                continue
            worker_id = pulid("wrk")
            f = person.fields
            workers.append(
                (
                    worker_id, bu_id, org_id, state_id, "Active", "Employee",
                    f["first_name"], f["last_name"], *person.address, f["gender"], True,
                    "", "", "", now, now,
                )
            )  # fmt: skip
            hazmat = f["hazmat_expiry"]
            profiles.append(
                (
                    pulid("wp"), worker_id, bu_id, org_id, state_id, now + f["dob"],
                    person.license_number, f["endorsement"],
                    0 if hazmat is None else now + hazmat,  # Go: int64, 0 = none
                    now + f["license_expiry"], now + f["hire_date"],
                    now + f["physical_due_date"], now + f["mvr_due_date"], "Compliant", True,
                    "", now + f["last_compliance_check"], now + f["last_mvr_check"],
                    now + f["last_drug_test"], now, now,
                )
            )  # fmt: skip
            for status, pto_type, start, end, reason in person.ptos:
                ptos.append(
                    (
                        pulid("pto"), bu_id, org_id, worker_id, status, pto_type,
                        now + start, now + end, reason,
                        user_id if status == "Approved" else None,
                        user_id if status == "Rejected" else None,
                        now, now,
                    )
                )  # fmt: skip
        await ctx.copy_rows("workers", WORKER_COLUMNS, workers)
        await ctx.copy_rows("worker_profiles", PROFILE_COLUMNS, profiles)
        await ctx.copy_rows("worker_pto", PTO_COLUMNS, ptos)

    async def rollback(self, ctx: SeedContext) -> None:
        # Profiles and PTO go with their workers (ON DELETE CASCADE); the test
        # user stays (other rows may name them).
        org = await ctx.get_default_organization()
        status = await ctx.conn.execute(
            "DELETE FROM workers w USING worker_profiles p "
            "WHERE p.worker_id = w.id AND p.organization_id = w.organization_id "
            "AND w.organization_id = $1 AND p.license_number = ANY($2::text[])",
            org["id"],
            [p.license_number for p in generate_people()],
        )
        ctx.count("workers", int(status.rsplit(" ", 1)[-1]))
