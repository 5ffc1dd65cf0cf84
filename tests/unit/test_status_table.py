"""The status table (trenova_db.cli.output): which migrations it lists, and how.

Pure: reports built in memory, the table written to a captured stdout.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trenova_db.cli.output import (
    LISTED_IN_FULL,
    NEWEST_APPLIED_LISTED,
    Output,
    listed_migrations,
)
from trenova_db.reports import MigrationItem, StatusReport

WHEN = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def item(version: int, state: str = "applied") -> MigrationItem:
    applied = state not in ("pending", "out-of-order")
    return MigrationItem(
        version=version,
        name=f"m{version}",
        kind="tx",
        state=state,  # type: ignore[arg-type]
        applied_at=WHEN if applied else None,
        batch=1 if applied else None,
    )


def versions(items: object) -> list[int]:
    return [m.version for m in items]  # type: ignore[attr-defined]


def test_the_limits_are_what_the_readme_says() -> None:
    assert (LISTED_IN_FULL, NEWEST_APPLIED_LISTED) == (30, 10)


def test_up_to_the_limit_every_migration_is_listed() -> None:
    items = [item(v) for v in range(1, LISTED_IN_FULL + 1)]
    listed, hidden = listed_migrations(items, verbose=False)
    assert (versions(listed), hidden) == (list(range(1, LISTED_IN_FULL + 1)), 0)


def test_past_the_limit_the_oldest_applied_are_left_out_and_counted() -> None:
    items = [item(v) for v in range(1, 1001)]
    listed, hidden = listed_migrations(items, verbose=False)
    assert (versions(listed), hidden) == (list(range(991, 1001)), 990)


def test_what_needs_a_look_is_listed_wherever_it_is_in_the_history() -> None:
    items = [item(v) for v in range(1, 41)]
    items[2] = item(3, "dirty")
    items[4] = item(5, "drift")
    items[6] = item(7, "missing")
    items[8] = item(9, "out-of-order")
    items += [item(41, "pending"), item(42, "pending")]
    listed, hidden = listed_migrations(items, verbose=False)
    # 36 applied: the 10 newest are listed, the 26 oldest are not
    assert versions(listed) == [3, 5, 7, 9, *range(31, 41), 41, 42]
    assert hidden == 26
    assert [m.state for m in listed][:4] == ["dirty", "drift", "missing", "out-of-order"]


def test_a_history_with_fewer_applied_than_the_newest_listed_hides_nothing() -> None:
    items = [item(v, "pending") for v in range(1, 100)] + [item(100 + v) for v in range(5)]
    listed, hidden = listed_migrations(items, verbose=False)
    assert (len(listed), hidden) == (104, 0)


def test_verbose_lists_every_migration() -> None:
    items = [item(v) for v in range(1, 1001)]
    listed, hidden = listed_migrations(items, verbose=True)
    assert (versions(listed), hidden) == (list(range(1, 1001)), 0)


def report(count: int) -> StatusReport:
    return StatusReport(
        database="postgresql://u@h/db",
        schema="public",
        environment="development",
        migrations=[item(v) for v in range(1, count + 1)],
    )


@pytest.mark.parametrize("verbose", [False, True])
def test_the_table_says_what_it_left_out_and_how_to_see_it(
    verbose: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    Output(verbose=verbose).emit(report(40))
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith("  ") and line.split()[0].isdigit()]
    if verbose:
        assert lines[1] == "migrations"
        assert [r.split()[0] for r in rows] == [str(v) for v in range(1, 41)]
    else:
        assert lines[1] == (
            "migrations (the 30 oldest applied are not listed; `status --verbose` lists every one)"
        )
        assert [r.split()[0] for r in rows] == [str(v) for v in range(31, 41)]
    # the widths are the listed rows' own; the counts cover every migration
    assert lines[2] == "  version  name  kind  state    applied at           batch"
    assert rows[-1] == "  40       m40   tx    applied  2026-01-02 03:04:05  1"
    assert "migrations: 40 applied, 0 pending" in lines
