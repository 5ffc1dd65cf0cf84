"""The plan and the status, computed from the files and an in-memory history (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

import pytest

from trenova_db.bookkeeping import AppliedMigration, History
from trenova_db.discovery import Kind, MigrationFile, MigrationSet
from trenova_db.errors import HistoryMismatch
from trenova_db.plan import Plan, make_plan, status_items, summarise_status
from trenova_db.reports import MigrationItem, SeedItem, StatusFinding, StatusReport

SUM_A = "sha256:" + "a" * 64
SUM_B = "sha256:" + "b" * 64
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def mfile(
    version: int, name: str = "", *, kind: Kind = "tx", checksum: str = SUM_A
) -> MigrationFile:
    name = name or f"m{version}"
    suffix = ".tx" if kind == "tx" else ""
    return MigrationFile(
        version=version,
        name=name,
        kind=kind,
        directory="/sql",
        up_file=f"{version:06d}_{name}{suffix}.up.sql",
        checksum=checksum,
    ).with_sql("SELECT 1;")


def row(
    version: int,
    name: str = "",
    *,
    kind: Kind = "tx",
    checksum: str = SUM_A,
    dirty: bool = False,
    statements_done: int = 0,
    error: str | None = None,
) -> AppliedMigration:
    return AppliedMigration(
        version=version,
        name=name or f"m{version}",
        kind=kind,
        checksum=checksum,
        dirty=dirty,
        statements_done=statements_done,
        error=error,
        batch=7,
        applied_at=WHEN,
        applied_by="ci@host",
        duration_ms=12,
    )


class Applied(TypedDict):
    applied_at: datetime
    applied_by: str
    duration_ms: int
    batch: int


APPLIED = Applied(applied_at=WHEN, applied_by="ci@host", duration_ms=12, batch=7)


def files(*migrations: MigrationFile) -> MigrationSet:
    return MigrationSet(directory=Path("/sql"), migrations=migrations)


def history(*rows: AppliedMigration) -> History:
    return History(internal_version=1, applied=rows)


def report(
    migrations: list[MigrationItem] | None = None, seeds: list[SeedItem] | None = None
) -> StatusReport:
    return StatusReport(
        database="postgresql://u:***@h/db",
        schema="public",
        environment="development",
        migrations=migrations or [],
        seeds=seeds or [],
    )


# -- make_plan -----------------------------------------------------------------


def test_with_no_history_every_file_is_pending_in_order_and_nothing_is_wrong() -> None:
    plan = make_plan(files(mfile(0), mfile(1), mfile(5)), history(), allow_out_of_order=False)
    assert [m.version for m in plan.pending] == [0, 1, 5]
    assert plan == Plan(pending=plan.pending)
    assert plan.problems == []
    plan.raise_if_invalid()


def test_applied_versions_are_not_pending_and_matching_checksums_are_no_drift() -> None:
    plan = make_plan(
        files(mfile(1), mfile(2), mfile(3)), history(row(1), row(2)), allow_out_of_order=False
    )
    assert plan == Plan(pending=(mfile(3),))


def test_a_changed_file_is_drift_naming_both_checksums_shortened() -> None:
    plan = make_plan(
        files(mfile(1, "users", checksum=SUM_B)),
        history(row(1, "users", checksum=SUM_A)),
        allow_out_of_order=False,
    )
    assert plan.drift == (
        "000001_users.tx.up.sql (version 1) changed since it was applied "
        f"(recorded sha256:{'a' * 12}..., file sha256:{'b' * 12}...)",
    )
    assert plan.pending == ()
    assert plan.missing == plan.dirty == plan.out_of_order == ()


def test_an_applied_migration_whose_file_is_gone_is_missing() -> None:
    plan = make_plan(files(mfile(2)), history(row(1, "gone"), row(2)), allow_out_of_order=False)
    assert plan.missing == ("version 1 (gone) was applied but its file is gone",)
    assert plan.pending == ()
    assert plan.drift == plan.dirty == ()


def test_a_dirty_row_is_reported_with_its_error_or_the_statements_done_and_nothing_else() -> None:
    plan = make_plan(
        # 1: dirty with an error and a changed file: dirty only (no drift on top)
        files(mfile(1, checksum=SUM_B), mfile(4)),
        history(
            row(1, "a", dirty=True, error="statement 2 failed: boom"),
            row(2, "b", kind="notx", dirty=True, statements_done=1),
            row(3, "c", kind="notx", dirty=True, statements_done=2),
        ),
        allow_out_of_order=False,
    )
    assert plan.dirty == (
        "version 1 (a) is dirty: statement 2 failed: boom",
        "version 2 (b) is dirty: it stopped after 1 statement",
        "version 3 (c) is dirty: it stopped after 2 statements",
    )
    # Dirty rows count as applied: their versions are neither pending nor missing.
    assert [m.version for m in plan.pending] == [4]
    assert plan.drift == plan.missing == plan.out_of_order == ()


def test_dirty_with_no_statement_done_says_0_statements() -> None:
    plan = make_plan(
        files(mfile(1)), history(row(1, dirty=True, statements_done=0)), allow_out_of_order=False
    )
    assert plan.dirty == ("version 1 (m1) is dirty: it stopped after 0 statements",)


def test_a_pending_version_below_the_newest_applied_is_out_of_order_unless_allowed() -> None:
    set_ = files(mfile(1), mfile(2, "late"), mfile(3), mfile(4))
    applied = history(row(1), row(3))
    plan = make_plan(set_, applied, allow_out_of_order=False)
    assert plan.out_of_order == (
        "000002_late.tx.up.sql (version 2) is pending but version 3 is already applied",
    )
    assert [m.version for m in plan.pending] == [2, 4]
    allowed = make_plan(set_, applied, allow_out_of_order=True)
    assert allowed == Plan(pending=plan.pending)


def test_the_pending_version_equal_to_nothing_applied_below_it_is_in_order() -> None:
    # version 0 with an empty history, and version 3 just above the newest applied
    assert make_plan(files(mfile(0)), history(), allow_out_of_order=False).out_of_order == ()
    plan = make_plan(files(mfile(2), mfile(3)), history(row(2)), allow_out_of_order=False)
    assert plan.out_of_order == ()


def test_problems_list_dirty_then_drift_then_missing_then_out_of_order() -> None:
    plan = Plan(dirty=("d",), drift=("c",), missing=("m",), out_of_order=("o",))
    assert plan.problems == ["d", "c", "m", "o"]


def test_an_invalid_plan_raises_one_mismatch_counting_each_kind_with_one_fix_per_kind() -> None:
    plan = Plan(dirty=("d1",), drift=("c1", "c2"), missing=("m1",), out_of_order=("o1",))
    with pytest.raises(HistoryMismatch) as info:
        plan.raise_if_invalid()
    exc = info.value
    assert exc.summary == (
        "migration history does not match the files (1 dirty, 2 drift, 1 missing, "
        "1 out of order); nothing was applied"
    )
    assert exc.problems == ["d1", "c1", "c2", "m1", "o1"]
    assert exc.exit_code == 4
    assert exc.hint == (
        "one fix per problem:\n"
        "        dirty: inspect the database, finish or undo the failed migration by hand, "
        "then run `trenova-db repair --version N --applied` or `--rolled-back`\n"
        "        changed: restore the applied files (git checkout), or if the edit is "
        "intentional run `trenova-db repair` to record the new checksums\n"
        "        file gone: restore the deleted files, or run `trenova-db repair "
        "--forget-missing`\n"
        "        out of order: renumber the new migrations above the newest applied one, "
        "or pass --allow-out-of-order"
    )


@pytest.mark.parametrize(
    ("plan", "summary", "hint"),
    [
        (
            Plan(dirty=("d",)),
            "(1 dirty)",
            "inspect the database, finish or undo the failed migration by hand, then run "
            "`trenova-db repair --version N --applied` or `--rolled-back`",
        ),
        (
            Plan(drift=("c",)),
            "(1 drift)",
            "restore the applied files (git checkout), or if the edit is intentional run "
            "`trenova-db repair` to record the new checksums",
        ),
        (
            Plan(missing=("m", "n")),
            "(2 missing)",
            "restore the deleted files, or run `trenova-db repair --forget-missing`",
        ),
        (
            Plan(out_of_order=("o",)),
            "(1 out of order)",
            "renumber the new migrations above the newest applied one, or pass "
            "--allow-out-of-order",
        ),
    ],
)
def test_one_kind_of_problem_gets_its_fix_alone(plan: Plan, summary: str, hint: str) -> None:
    with pytest.raises(HistoryMismatch) as info:
        plan.raise_if_invalid()
    assert info.value.summary == (
        f"migration history does not match the files {summary}; nothing was applied"
    )
    assert info.value.hint == hint


# -- status_items --------------------------------------------------------------


def test_status_items_have_one_row_per_version_of_files_or_history_with_its_state() -> None:
    items = status_items(
        files(
            mfile(1, "ok"),
            mfile(2, "late"),
            mfile(3, "changed", checksum=SUM_B),
            mfile(5, "broken", kind="notx"),
            mfile(6, "ok-notx", kind="notx"),
            mfile(7, "next"),
        ),
        history(
            row(1, "ok"),
            row(3, "changed"),
            row(4, "gone"),
            row(5, "broken", kind="notx", dirty=True, statements_done=3, error="boom"),
            row(6, "ok-notx", kind="notx", statements_done=2),
        ),
    )
    assert items == [
        MigrationItem(
            version=1, name="ok", kind="tx", state="applied", file="000001_ok.tx.up.sql", **APPLIED
        ),
        MigrationItem(
            version=2, name="late", kind="tx", state="out-of-order", file="000002_late.tx.up.sql"
        ),
        MigrationItem(
            version=3,
            name="changed",
            kind="tx",
            state="drift",
            file="000003_changed.tx.up.sql",
            **APPLIED,
        ),
        MigrationItem(version=4, name="gone", kind="tx", state="missing", **APPLIED),
        MigrationItem(
            version=5,
            name="broken",
            kind="notx",
            state="dirty",
            file="000005_broken.up.sql",
            statements_done=3,
            error="boom",
            **APPLIED,
        ),
        MigrationItem(
            version=6,
            name="ok-notx",
            kind="notx",
            state="applied",
            file="000006_ok-notx.up.sql",
            statements_done=2,
            **APPLIED,
        ),
        MigrationItem(
            version=7, name="next", kind="tx", state="pending", file="000007_next.tx.up.sql"
        ),
    ]


def test_a_status_row_takes_name_and_kind_from_the_history_when_both_exist() -> None:
    [item] = status_items(files(mfile(1, "new-name")), history(row(1, "old-name", kind="notx")))
    assert (item.name, item.kind, item.file) == ("old-name", "notx", "000001_new-name.tx.up.sql")


def test_without_history_every_file_is_pending_even_version_0() -> None:
    items = status_items(files(mfile(0, "zero", kind="notx"), mfile(1)), history())
    assert items == [
        MigrationItem(
            version=0, name="zero", kind="notx", state="pending", file="000000_zero.up.sql"
        ),
        MigrationItem(version=1, name="m1", kind="tx", state="pending", file="000001_m1.tx.up.sql"),
    ]


def test_a_dirty_row_whose_file_is_gone_is_dirty_not_missing() -> None:
    [item] = status_items(files(), history(row(9, dirty=True)))
    assert (item.state, item.file) == ("dirty", None)


# -- summarise_status ----------------------------------------------------------


def item(version: int, state: str, **kw: object) -> MigrationItem:
    return MigrationItem(version=version, name=f"m{version}", kind="tx", state=state, **kw)  # type: ignore[arg-type]


def test_counts_current_version_and_pending_lists() -> None:
    out = summarise_status(
        report(
            [
                item(1, "applied"),
                item(2, "out-of-order"),
                item(3, "drift"),
                item(4, "dirty"),
                item(5, "missing"),
                item(6, "pending"),
                item(7, "pending"),
            ],
            [
                SeedItem(name="A", version="1", state="pending"),
                SeedItem(name="B", version="1", state="applied"),
                SeedItem(name="C", version="2", state="pending"),
            ],
        )
    )
    assert out.current_version == 5
    assert (out.applied_count, out.pending_count) == (4, 3)
    assert out.pending == [2, 6, 7]
    assert out.pending_seeds == ["A", "C"]
    assert out.needs_attention


def test_an_empty_status_has_no_current_version_and_needs_no_attention() -> None:
    out = summarise_status(
        report([item(1, "applied")], [SeedItem(name="A", version="1", state="applied")])
    )
    assert (out.current_version, out.applied_count, out.pending_count) == (1, 1, 0)
    assert (out.pending, out.pending_seeds, out.findings) == ([], [], [])
    assert not out.needs_attention
    empty = summarise_status(report())
    assert (empty.current_version, empty.applied_count, empty.pending_count) == (None, 0, 0)


def test_each_migration_problem_is_one_finding_with_its_fix() -> None:
    out = summarise_status(
        report(
            [
                item(1, "dirty", error="statement 2 failed: boom"),
                item(2, "dirty", statements_done=3),
                item(3, "dirty"),
                item(4, "drift", file="000004_m4.tx.up.sql"),
                item(5, "drift"),
                item(6, "missing"),
                item(7, "out-of-order", file="000007_m7.tx.up.sql"),
                item(8, "out-of-order"),
                item(9, "applied"),
                item(10, "pending"),
            ]
        )
    )
    dirty_fix = (
        "finish or undo it by hand, then `trenova-db repair --version {} --applied` "
        "(or `--rolled-back`)"
    )
    drift_fix = (
        "restore the applied file (git checkout), or `trenova-db repair` to record its new checksum"
    )
    order_fix = (
        "renumber it above the newest applied version, or `trenova-db migrate --allow-out-of-order`"
    )
    assert out.findings == [
        StatusFinding(
            kind="dirty",
            subject="1",
            message="version 1 (m1) is dirty: statement 2 failed: boom",
            fix=dirty_fix.format(1),
        ),
        StatusFinding(
            kind="dirty",
            subject="2",
            message="version 2 (m2) is dirty: it stopped after 3 statement(s)",
            fix=dirty_fix.format(2),
        ),
        StatusFinding(
            kind="dirty",
            subject="3",
            message="version 3 (m3) is dirty: it stopped after 0 statement(s)",
            fix=dirty_fix.format(3),
        ),
        StatusFinding(
            kind="drift",
            subject="4",
            message="000004_m4.tx.up.sql changed since it was applied",
            fix=drift_fix,
        ),
        StatusFinding(
            kind="drift",
            subject="5",
            message="version 5 (m5) changed since it was applied",
            fix=drift_fix,
        ),
        StatusFinding(
            kind="missing",
            subject="6",
            message="version 6 (m6) was applied but its file is gone",
            fix="restore the file, or `trenova-db repair --forget-missing`",
        ),
        StatusFinding(
            kind="out-of-order",
            subject="7",
            message="000007_m7.tx.up.sql is pending below the newest applied version",
            fix=order_fix,
        ),
        StatusFinding(
            kind="out-of-order",
            subject="8",
            message="version 8 (m8) is pending below the newest applied version",
            fix=order_fix,
        ),
    ]


def test_seed_problems_are_findings_with_their_fix() -> None:
    out = summarise_status(
        report(
            seeds=[
                SeedItem(name="Mod", version="2", state="modified"),
                SeedItem(name="Bad", version="1", state="failed", error="ZeroDivisionError"),
                SeedItem(name="Quiet", version="1", state="failed"),
                SeedItem(name="Gone", version="3", state="orphaned"),
                SeedItem(name="Marked", version="1", state="orphaned", note="marked Orphaned"),
                SeedItem(name="Fine", version="1", state="applied"),
                SeedItem(name="Skip", version="1", state="skipped"),
            ]
        ),
        seed_problems=[
            "seeds/registry.json is stale: run seed-sync",
            "seed dependencies form a cycle: A -> B -> A",
        ],
    )
    assert out.findings == [
        StatusFinding(
            kind="seed-modified",
            subject="Mod",
            message="seed Mod 2 changed since it was applied",
            fix="raise Mod's version to run it again, or `trenova-db seed --force`",
        ),
        StatusFinding(
            kind="seed-failed",
            subject="Bad",
            message="seed Bad 1 failed: ZeroDivisionError",
            fix="fix the seed, then `trenova-db seed`",
        ),
        StatusFinding(
            kind="seed-failed",
            subject="Quiet",
            message="seed Quiet 1 failed: no error recorded",
            fix="fix the seed, then `trenova-db seed`",
        ),
        StatusFinding(
            kind="seed-orphaned",
            subject="Gone",
            message="seed Gone 3 is in seed_history but its file is gone",
            fix="restore the file, or `trenova-db seed-clean` to mark it Orphaned",
        ),
        StatusFinding(
            kind="seeds",
            subject="seeds",
            message="seeds/registry.json is stale: run seed-sync",
            fix="`trenova-db seed-sync`, then commit seeds/registry.json",
        ),
        StatusFinding(
            kind="seeds",
            subject="seeds",
            message="seed dependencies form a cycle: A -> B -> A",
            fix="correct depends_on in the seed files, then `trenova-db seed-sync`",
        ),
    ]
    assert out.pending_seeds == []
    assert out.needs_attention
