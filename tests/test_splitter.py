"""The statement splitter: pure, with exact expectations and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trenova_db.splitter import SplitError, is_transaction_control, line_col, split_statements


def texts(sql: str) -> list[str]:
    return [s.text for s in split_statements(sql)]


def test_plain_statements_split_on_semicolons() -> None:
    assert texts("SELECT 1; SELECT 2;\nSELECT 3") == ["SELECT 1", "SELECT 2", "SELECT 3"]


def test_empty_and_comment_only_input_yield_nothing() -> None:
    assert texts("") == []
    assert texts("  \n-- just a comment\n/* and /* nested */ one */ ;;") == []


def test_semicolon_inside_strings_does_not_split() -> None:
    assert texts("SELECT 'a;b', 'it''s; fine'; SELECT 2") == [
        "SELECT 'a;b', 'it''s; fine'",
        "SELECT 2",
    ]


def test_backslash_escapes_only_in_e_strings() -> None:
    assert texts(r"SELECT E'it\'s; ok'; SELECT 2") == [r"SELECT E'it\'s; ok'", "SELECT 2"]
    assert texts("SELECT 'C:\\'; SELECT 2") == ["SELECT 'C:\\'", "SELECT 2"]


def test_semicolon_inside_dollar_quote_does_not_split() -> None:
    sql = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql; SELECT 2"
    assert len(texts(sql)) == 2
    tagged = "DO $fn$ BEGIN PERFORM 1; RAISE NOTICE '$$'; END $fn$; SELECT 3"
    assert texts(tagged) == ["DO $fn$ BEGIN PERFORM 1; RAISE NOTICE '$$'; END $fn$", "SELECT 3"]


def test_positional_parameters_and_dollar_identifiers_are_not_dollar_quotes() -> None:
    assert texts("PREPARE p AS SELECT $1; SELECT a$b$ FROM t; SELECT 3") == [
        "PREPARE p AS SELECT $1",
        "SELECT a$b$ FROM t",
        "SELECT 3",
    ]


def test_quoted_identifiers_and_nested_comments_hide_semicolons() -> None:
    sql = 'SELECT 1 AS "we;ird""name" /* a /* b; */ c; */; SELECT 2 -- x; y\n;'
    assert texts(sql) == ['SELECT 1 AS "we;ird""name" /* a /* b; */ c; */', "SELECT 2 -- x; y"]


def test_begin_atomic_bodies_stay_whole_and_case_end_nests() -> None:
    sql = (
        "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC "
        "SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; SELECT 2; END; SELECT 3;"
    )
    assert texts(sql) == [sql[: sql.index("; SELECT 3")], "SELECT 3"]


def test_leading_comments_are_dropped_and_positions_point_at_the_sql() -> None:
    sql = "-- header\n/* block */\n  SELECT 1;\n\nCREATE TABLE t (id int)"
    first, second = split_statements(sql)
    assert (first.text, first.line, first.column) == ("SELECT 1", 3, 3)
    assert (second.text, second.line, second.column) == ("CREATE TABLE t (id int)", 5, 1)
    assert sql[second.start : second.start + len(second.text)] == second.text


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 'abc", "unterminated string starting at line 1, column 8"),
        ('SELECT "abc', "unterminated quoted identifier starting at line 1, column 8"),
        (
            "SELECT 1;\nDO $body$ BEGIN",
            "unterminated dollar-quoted string $body$ starting at line 2, column 4",
        ),
        ("SELECT /* a /* b */", "unterminated block comment starting at line 1, column 8"),
    ],
)
def test_unterminated_constructs_raise_with_their_position(sql: str, message: str) -> None:
    with pytest.raises(SplitError) as info:
        split_statements(sql)
    assert str(info.value) == message


def test_transaction_control_is_recognised_but_not_begin_atomic_or_savepoints() -> None:
    for yes in (
        "BEGIN",
        "begin transaction",
        "-- c\nCOMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "PREPARE TRANSACTION 'x'",
    ):
        assert is_transaction_control(yes), yes
    for no in (
        "BEGIN ATOMIC SELECT 1; END",
        "SAVEPOINT a",
        "ROLLBACK TO SAVEPOINT a",
        "RELEASE a",
        "SELECT 'COMMIT'",
        "ENDPOINT",
    ):
        assert not is_transaction_control(no), no


def test_line_col_counts_from_one() -> None:
    assert line_col("ab\ncd", 0) == (1, 1)
    assert line_col("ab\ncd", 4) == (2, 2)


FRAGMENTS = st.sampled_from(
    [
        "SELECT 1",
        "SELECT 'a;b'",
        "SELECT 'it''s;'",
        "SELECT E'x\\';y'",
        'SELECT "c;d" FROM t',
        "SELECT $$;$$",
        "SELECT $t$ ; $$ ; $t$",
        "SELECT 1 /* ; /* ; */ ; */",
        "SELECT $1",
        "INSERT INTO t VALUES (1, 'x')",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
        "SELECT CASE WHEN true THEN 2 END; END",
    ]
)
SEPARATORS = st.sampled_from([";", ";\n", " ;\n\n", ";\n-- c; c\n", ";/* ; */", ";\t"])


@given(st.lists(FRAGMENTS, min_size=1, max_size=12), st.data())
@settings(max_examples=200, deadline=None)
def test_joined_statements_split_back_into_themselves(
    parts: list[str], data: st.DataObject
) -> None:
    sql = ""
    for part in parts:
        sql += part + data.draw(SEPARATORS)
    result = split_statements(sql)
    assert [s.text for s in result] == parts
    for s in result:
        assert sql[s.start : s.start + len(s.text)] == s.text
        assert (s.line, s.column) == line_col(sql, s.start)


@given(st.text(alphabet=st.characters(blacklist_characters="'\"$-/*", blacklist_categories=["Cs"])))
@settings(max_examples=200, deadline=None)
def test_plain_text_never_raises_and_loses_nothing_but_semicolons(sql: str) -> None:
    result = split_statements(sql)
    kept = "".join(s.text for s in result)
    assert sorted(c for c in kept if not c.isspace()) == sorted(
        c for c in sql if not c.isspace() and c != ";"
    )
