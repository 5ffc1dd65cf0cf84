"""Splitter edges the mutation run found unasserted (the rest: tests/unit/test_splitter.py)."""

from __future__ import annotations

import pytest

from trenova_db.splitter import SplitError, is_transaction_control, split_statements


def texts(sql: str) -> list[str]:
    return [s.text for s in split_statements(sql)]


def test_a_doubled_quote_in_an_e_string_is_a_quote_and_later_escapes_still_count() -> None:
    sql = "SELECT E'a''b\\'; c'"
    assert texts(f"{sql}; SELECT 2") == [sql, "SELECT 2"]


@pytest.mark.parametrize("ch", ["\x80", "\u00e9", "\u4e2d"])
def test_a_non_ascii_character_before_a_dollar_is_part_of_a_word(ch: str) -> None:
    # a$$ is an identifier, not the start of a dollar quote
    assert texts(f"SELECT a{ch}$$; SELECT 2") == [f"SELECT a{ch}$$", "SELECT 2"]


@pytest.mark.parametrize("op", ["~", "|", "^", "[", "`", "{", "}", "\\", "\x7f"])
def test_an_operator_before_a_dollar_quote_does_not_hide_it(op: str) -> None:
    assert texts(f"SELECT 1 {op}$$;$$; SELECT 2") == [f"SELECT 1 {op}$$;$$", "SELECT 2"]


def test_a_dollar_after_an_ascii_word_starts_no_quote() -> None:
    assert texts("SELECT x_$$; SELECT 2") == ["SELECT x_$$", "SELECT 2"]
    with pytest.raises(SplitError):
        split_statements("SELECT 1 $$; SELECT 2")


def test_transaction_control_before_an_unterminated_comment_is_still_seen() -> None:
    assert is_transaction_control("COMMIT /* never closed")
    assert is_transaction_control("ROLLBACK /* never closed")
    assert not is_transaction_control("/* never closed")
    assert not is_transaction_control("BEGIN ATOMIC /* never closed")
