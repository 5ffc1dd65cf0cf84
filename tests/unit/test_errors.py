"""The error tree: exit codes, one-line str(), the CLI's render() and the attributes."""

from __future__ import annotations

import pytest

from trenova_db.errors import (
    ConfigurationError,
    DatabaseUnavailable,
    DiscoveryError,
    HistoryMismatch,
    LockTimeout,
    LostLock,
    MigrationFailed,
    QueryFailed,
    Refused,
    SeedFailed,
    SeedGraphError,
    StaleRegistry,
    TrenovaDBError,
    ValidationError,
    one_line,
)


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (TrenovaDBError, 1),
        (ConfigurationError, 2),
        (DatabaseUnavailable, 1),
        (QueryFailed, 1),
        (LockTimeout, 3),
        (LostLock, 1),
        (ValidationError, 4),
        (DiscoveryError, 4),
        (HistoryMismatch, 4),
        (StaleRegistry, 4),
        (SeedGraphError, 4),
        (Refused, 5),
        (MigrationFailed, 1),
    ],
)
def test_each_error_class_has_its_exit_code(cls: type[TrenovaDBError], code: int) -> None:
    assert cls("x").exit_code == code
    assert isinstance(cls("x"), TrenovaDBError)


def test_a_seed_failure_exits_1_and_names_the_seed() -> None:
    exc = SeedFailed("seed Users failed: boom", seed="Users", hint="fix it")
    assert (exc.exit_code, exc.seed, exc.hint, exc.message) == (
        1,
        "Users",
        "fix it",
        "seed Users failed: boom",
    )
    assert str(exc) == "seed Users failed: boom"
    assert exc.done == []
    assert SeedFailed("x", seed="S").hint is None


def test_a_plain_error_keeps_message_and_hint_and_starts_with_nothing_done() -> None:
    exc = TrenovaDBError("it broke", hint="try again")
    assert (exc.message, exc.hint, exc.done) == ("it broke", "try again", [])
    assert exc.args == ("it broke",)
    assert TrenovaDBError("x").hint is None
    assert TrenovaDBError("x").render() == "x"


def test_str_is_one_line_of_the_non_blank_lines_stripped_and_joined() -> None:
    assert one_line("  first \n\n second\n   \nthird  ") == "first; second; third"
    assert one_line("") == ""
    exc = TrenovaDBError("  a\n\n  b\n", hint="h")
    exc.done = ["applied 1 (a)"]
    assert str(exc) == "a; b"


def test_render_adds_what_was_done_and_the_hint_on_their_own_lines() -> None:
    exc = TrenovaDBError("migrate failed", hint="fix the SQL")
    exc.done = ["applied 1 (a)", "applied 2 (b)"]
    assert exc.render() == (
        "migrate failed\n  done before this (2): applied 1 (a), applied 2 (b)\n  hint: fix the SQL"
    )
    no_hint = TrenovaDBError("migrate failed")
    no_hint.done = ["applied 1 (a)"]
    assert no_hint.render() == "migrate failed\n  done before this (1): applied 1 (a)"
    assert TrenovaDBError("m", hint="h").render() == "m\n  hint: h"
    assert TrenovaDBError("m", hint="").render() == "m"


def test_render_shows_six_done_items_whole() -> None:
    exc = TrenovaDBError("stopped")
    exc.done = [f"applied {i}" for i in range(1, 7)]
    assert exc.render() == (
        "stopped\n  done before this (6): applied 1, applied 2, applied 3, applied 4, "
        "applied 5, applied 6"
    )


def test_render_past_six_done_items_shows_the_first_three_a_count_and_the_last() -> None:
    exc = TrenovaDBError("stopped", hint="see status")
    exc.done = [f"applied {i}" for i in range(1, 8)]
    assert exc.render() == (
        "stopped\n  done before this (7): applied 1, applied 2, applied 3, ... 3 more ..., "
        "applied 7\n  hint: see status"
    )
    exc.done = [f"applied {i}" for i in range(1, 101)]
    assert exc.render() == (
        "stopped\n  done before this (100): applied 1, applied 2, applied 3, ... 96 more ..., "
        "applied 100\n  hint: see status"
    )
    # the whole list stays on the exception (JSON reports carry it all)
    assert len(exc.done) == 100


def test_a_validation_error_lists_its_problems_in_render_and_on_one_line_in_str() -> None:
    exc = ValidationError("2 problems", problems=["a\nb", "c"], hint="fix them")
    assert exc.problems == ["a\nb", "c"]
    assert exc.summary == "2 problems"
    assert exc.message == "2 problems\n  - a\nb\n  - c"
    assert str(exc) == "2 problems: a; b; c"
    assert exc.render() == "2 problems\n  - a\nb\n  - c\n  hint: fix them"
    assert exc.hint == "fix them"


def test_a_validation_error_without_problems_is_its_summary() -> None:
    exc = ValidationError("nothing\nlisted")
    assert exc.problems == []
    assert (exc.message, exc.summary, exc.hint) == ("nothing\nlisted", "nothing\nlisted", None)
    assert str(exc) == "nothing; listed"
    assert ValidationError("x", problems=[]).message == "x"


def test_a_validation_error_copies_the_problem_list() -> None:
    problems = ["a"]
    exc = ValidationError("1 problem", problems=problems)
    problems.append("b")
    assert exc.problems == ["a"]


def test_a_migration_failure_carries_where_it_failed() -> None:
    exc = MigrationFailed(
        "000003_c.up.sql: statement 2 failed",
        path="sql/000003_c.up.sql",
        version=3,
        statement=2,
        line=4,
        column=5,
        hint="fix the SQL",
    )
    assert (exc.path, exc.version, exc.statement, exc.line, exc.column) == (
        "sql/000003_c.up.sql",
        3,
        2,
        4,
        5,
    )
    assert (exc.message, exc.hint) == ("000003_c.up.sql: statement 2 failed", "fix the SQL")
    bare = MigrationFailed("failed")
    assert (bare.path, bare.version, bare.statement, bare.line, bare.column, bare.hint) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )


def test_a_lost_lock_starts_with_nothing_unknown() -> None:
    exc = LostLock("lost the migration lock; nothing more was run", hint="see status")
    assert (exc.unknown, exc.done, exc.hint) == ([], [], "see status")
    assert str(exc) == "lost the migration lock; nothing more was run"


def test_a_lost_lock_renders_what_could_not_be_verified_before_the_hint() -> None:
    exc = LostLock("lost the migration lock; nothing more was run", hint="see status")
    exc.done = ["applied 1 (a)"]
    exc.unknown = ["2 (b)", "3 (c)"]
    assert exc.render() == (
        "lost the migration lock; nothing more was run\n"
        "  done before this (1): applied 1 (a)\n"
        "  unknown (not verified): 2 (b); 3 (c)\n"
        "  hint: see status"
    )
    assert str(exc) == "lost the migration lock; nothing more was run"
    no_hint = LostLock("lost it")
    no_hint.unknown = ["1 (a)"]
    assert no_hint.render() == "lost it\n  unknown (not verified): 1 (a)"
    nothing = LostLock("lost it", hint="h")
    assert nothing.render() == "lost it\n  hint: h"
