"""The statement splitter: pure, with exact expectations and properties."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from trenova_db.splitter import (
    SplitError,
    Statement,
    is_transaction_control,
    line_col,
    split_statements,
)

pytestmark = pytest.mark.unit  # no database: part of `make mutation`


def texts(sql: str) -> list[str]:
    return [s.text for s in split_statements(sql)]


# -- statements and separators ------------------------------------------------


def test_empty_input_yields_no_statements() -> None:
    assert split_statements("") == []


@pytest.mark.parametrize(
    "sql",
    [
        "   \n\t\r\n",
        "-- just a comment",
        "-- a comment; with a semicolon\n",
        "/* block; */",
        "/* outer /* nested; */ still outer */\n-- and a line\n",
        ";;\n ; -- nothing here\n;",
    ],
)
def test_whitespace_and_comment_only_input_yields_no_statements(sql: str) -> None:
    assert split_statements(sql) == []


def test_statements_split_on_top_level_semicolons() -> None:
    assert split_statements("SELECT 1; SELECT 2;\nSELECT 3;") == [
        Statement("SELECT 1", 0, 1, 1),
        Statement("SELECT 2", 10, 1, 11),
        Statement("SELECT 3", 20, 2, 1),
    ]


def test_missing_final_semicolon_still_yields_the_last_statement() -> None:
    assert split_statements("SELECT 1;\n  SELECT 2  \n") == [
        Statement("SELECT 1", 0, 1, 1),
        Statement("SELECT 2", 12, 2, 3),
    ]


def test_empty_statements_between_semicolons_are_dropped() -> None:
    assert texts(";; SELECT 1 ;;\n; SELECT 2;;") == ["SELECT 1", "SELECT 2"]


def test_leading_comments_are_stripped_so_positions_point_at_the_sql() -> None:
    sql = "-- header; note\n/* block; /* nested */ */\n  SELECT 1;\n\n-- next\nCREATE TABLE t"
    assert split_statements(sql) == [
        Statement("SELECT 1", 44, 3, 3),
        Statement("CREATE TABLE t", 63, 6, 1),
    ]


def test_comments_inside_and_trailing_a_statement_are_kept() -> None:
    sql = "SELECT /* why; */ 1 -- because;\n;SELECT 2 /* tail */"
    assert texts(sql) == ["SELECT /* why; */ 1 -- because;", "SELECT 2 /* tail */"]


def test_a_comment_after_the_last_semicolon_is_not_a_statement() -> None:
    assert texts("SELECT 1; -- done\n/* really */\n") == ["SELECT 1"]


def test_crlf_line_endings_give_lines_and_columns_of_the_text() -> None:
    assert split_statements("SELECT 1;\r\n\r\n   SELECT 2;\r\n") == [
        Statement("SELECT 1", 0, 1, 1),
        Statement("SELECT 2", 16, 3, 4),
    ]


def test_non_breaking_space_is_not_whitespace_to_the_server_so_it_is_kept() -> None:
    assert texts("SELECT 1\u00a0; SELECT 2") == ["SELECT 1\u00a0", "SELECT 2"]


# -- strings --------------------------------------------------------------------


def test_semicolon_inside_a_string_does_not_split() -> None:
    assert texts("SELECT 'a;b'; SELECT 2") == ["SELECT 'a;b'", "SELECT 2"]


def test_doubled_quote_inside_a_string_does_not_end_it() -> None:
    assert texts("SELECT 'it''s; fine', ''''; SELECT 2") == [
        "SELECT 'it''s; fine', ''''",
        "SELECT 2",
    ]


def test_backslash_is_an_ordinary_character_in_a_plain_string() -> None:
    assert texts("SELECT 'C:\\'; SELECT 2") == ["SELECT 'C:\\'", "SELECT 2"]


def test_backslash_escapes_the_next_character_in_an_e_string() -> None:
    assert texts(r"SELECT E'it\'s; ok'; SELECT e'\\'; SELECT 3") == [
        r"SELECT E'it\'s; ok'",
        r"SELECT e'\\'",
        "SELECT 3",
    ]


def test_doubled_quote_also_escapes_in_an_e_string() -> None:
    assert texts("SELECT E'a''; b'; SELECT 2") == ["SELECT E'a''; b'", "SELECT 2"]


def test_e_ending_a_longer_word_does_not_make_an_e_string() -> None:
    assert texts("SELECT type'\\'; SELECT 2") == ["SELECT type'\\'", "SELECT 2"]


def test_unicode_national_bit_and_hex_strings_behave_like_plain_strings() -> None:
    sql = "SELECT U&'d\\0061t;a\\'; SELECT N'x;y', B'1;0', X'1F;'; SELECT 3"
    assert texts(sql) == ["SELECT U&'d\\0061t;a\\'", "SELECT N'x;y', B'1;0', X'1F;'", "SELECT 3"]


def test_comment_markers_and_dollars_inside_strings_are_text() -> None:
    assert texts("SELECT '--;', '/*;', '$$;'; SELECT 2") == [
        "SELECT '--;', '/*;', '$$;'",
        "SELECT 2",
    ]


# -- quoted identifiers ---------------------------------------------------------


def test_semicolon_inside_a_quoted_identifier_does_not_split() -> None:
    assert texts('SELECT 1 AS "we;ird""na;me"; SELECT 2') == [
        'SELECT 1 AS "we;ird""na;me"',
        "SELECT 2",
    ]


# -- dollar quotes --------------------------------------------------------------


def test_semicolon_inside_dollar_quote_does_not_split() -> None:
    sql = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql; SELECT 2"
    assert texts(sql) == [sql[: sql.index("; SELECT 2")], "SELECT 2"]


def test_semicolon_inside_a_tagged_dollar_quote_does_not_split() -> None:
    sql = (
        "DO $fn$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; EXECUTE $q$ SELECT 1; $q$; END $fn$; SELECT 3"
    )
    assert texts(sql) == [sql[: sql.index("; SELECT 3")], "SELECT 3"]


def test_quotes_and_comment_markers_inside_a_dollar_quote_are_text() -> None:
    assert texts("SELECT $$ it's \"; -- /* $$; SELECT 2") == [
        "SELECT $$ it's \"; -- /* $$",
        "SELECT 2",
    ]


def test_dollar_tags_may_hold_non_ascii_letters() -> None:
    assert texts("SELECT $ä1$ ; $ä1$; SELECT 2") == ["SELECT $ä1$ ; $ä1$", "SELECT 2"]


def test_positional_parameters_are_not_dollar_quotes() -> None:
    assert texts("PREPARE p AS SELECT $1, $2; SELECT 3") == [
        "PREPARE p AS SELECT $1, $2",
        "SELECT 3",
    ]


def test_dollar_sign_inside_an_identifier_does_not_start_a_dollar_quote() -> None:
    assert texts("SELECT a$b$ FROM t; SELECT x$$; SELECT 3") == [
        "SELECT a$b$ FROM t",
        "SELECT x$$",
        "SELECT 3",
    ]


def test_a_dollar_quote_may_start_right_where_another_ends() -> None:
    assert texts("SELECT $a$x$a$$b$;$b$; SELECT 2") == ["SELECT $a$x$a$$b$;$b$", "SELECT 2"]


# -- comments -------------------------------------------------------------------


def test_line_comment_hides_semicolons_until_the_end_of_the_line() -> None:
    assert texts("SELECT 1 -- a; b\n, 2; SELECT 3 -- eof; no newline") == [
        "SELECT 1 -- a; b\n, 2",
        "SELECT 3 -- eof; no newline",
    ]


def test_block_comments_nest() -> None:
    assert texts("SELECT 1 /* a /* b */ c; */; SELECT 2") == [
        "SELECT 1 /* a /* b */ c; */",
        "SELECT 2",
    ]


def test_quotes_inside_comments_are_ignored() -> None:
    assert texts("-- it's\nSELECT 1; /* \" $$ ' */ SELECT 2") == ["SELECT 1", "SELECT 2"]


def test_a_single_dash_or_slash_is_an_operator() -> None:
    assert texts("SELECT 4-1; SELECT 4/2; SELECT 2*-1") == [
        "SELECT 4-1",
        "SELECT 4/2",
        "SELECT 2*-1",
    ]


# -- BEGIN ATOMIC bodies --------------------------------------------------------

ATOMIC = (
    "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND"
)


def test_begin_atomic_body_keeps_its_semicolons() -> None:
    assert split_statements(f"{ATOMIC};\nSELECT 3;") == [
        Statement(ATOMIC, 0, 1, 1),
        Statement("SELECT 3", len(ATOMIC) + 2, 6, 1),
    ]


def test_case_end_inside_begin_atomic_does_not_close_the_body() -> None:
    body = (
        "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC "
        "SELECT CASE WHEN x > 0 THEN CASE x WHEN 1 THEN 'one;' END ELSE 0 END; "
        "INSERT INTO t VALUES (CASE WHEN true THEN 1 END); END"
    )
    assert texts(f"{body}; SELECT 3") == [body, "SELECT 3"]


def test_begin_atomic_keywords_ignore_case_and_comments_between_them() -> None:
    body = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql begin /* why */\n-- not\nAtomic SELECT 1; eNd"
    )
    assert texts(f"{body}; SELECT 2") == [body, "SELECT 2"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'begin atomic'; SELECT 2; SELECT 3",
        'SELECT "begin" atomic; SELECT 2; SELECT 3',
        "SELECT begin_atomic; SELECT 2; SELECT 3",
        "SELECT x.begin atomics; SELECT 2; SELECT 3",
        "SELECT a$begin atomic; SELECT 2; SELECT 3",
        "SELECT 1 /* begin atomic */; SELECT 2; SELECT 3",
    ],
)
def test_begin_atomic_is_only_recognised_as_two_keywords_in_code(sql: str) -> None:
    assert len(texts(sql)) == 3


def test_plain_begin_and_case_outside_atomic_bodies_change_nothing() -> None:
    assert texts("BEGIN; SELECT CASE WHEN true THEN 1 END; COMMIT") == [
        "BEGIN",
        "SELECT CASE WHEN true THEN 1 END",
        "COMMIT",
    ]


def test_an_unclosed_begin_atomic_body_runs_to_the_end_of_the_input() -> None:
    sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2;\n"
    assert texts(sql) == [sql.rstrip()]


# -- errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 'abc", "unterminated string starting at line 1, column 8"),
        ("SELECT 'it''s", "unterminated string starting at line 1, column 8"),
        ("SELECT 1;\n  SELECT E'abc\\'", "unterminated string starting at line 2, column 10"),
        ('SELECT "abc""', "unterminated quoted identifier starting at line 1, column 8"),
        (
            "SELECT 1;\n\nCREATE F AS $body$ BEGIN; $bod$",
            "unterminated dollar-quoted string $body$ starting at line 3, column 13",
        ),
        ("SELECT $$ x", "unterminated dollar-quoted string $$ starting at line 1, column 8"),
        ("SELECT /* a /* b */", "unterminated block comment starting at line 1, column 8"),
        ("BEGIN /* a", "unterminated block comment starting at line 1, column 7"),
    ],
)
def test_unterminated_constructs_raise_with_where_they_started(sql: str, message: str) -> None:
    with pytest.raises(SplitError) as info:
        split_statements(sql)
    assert str(info.value) == message


def test_split_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unterminated string"):
        split_statements("'")


# -- transaction control --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN",
        "begin transaction isolation level serializable",
        "BEGIN WORK",
        "-- c\n/* d */ COMMIT",
        "COMMIT AND CHAIN",
        "END",
        "end transaction",
        "ROLLBACK",
        "ROLLBACK WORK",
        "ABORT",
        "START TRANSACTION READ ONLY",
        "COMMIT PREPARED 'x'",
        "ROLLBACK PREPARED 'x'",
        "PREPARE TRANSACTION 'x'",
    ],
)
def test_transaction_control_is_recognised(text: str) -> None:
    assert is_transaction_control(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-- only a comment",
        "BEGIN ATOMIC SELECT 1; END",
        "begin /* c */ atomic SELECT 1; END",
        "SAVEPOINT a",
        "RELEASE SAVEPOINT a",
        "ROLLBACK TO SAVEPOINT a",
        "ROLLBACK TRANSACTION TO a",
        "rollback work to savepoint a",
        "PREPARE q AS SELECT 1",
        "START something",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "SELECT 'COMMIT'",
        "ENDPOINT",
        "COMMITTED",
        "/* unterminated COMMIT",
    ],
)
def test_statements_that_keep_the_transaction_are_not_transaction_control(text: str) -> None:
    assert not is_transaction_control(text)


# -- line_col -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(0, (1, 1)), (2, (1, 3)), (3, (2, 1)), (4, (2, 2)), (6, (3, 1)), (7, (3, 1)), (-5, (1, 1))],
)
def test_line_col_counts_lines_and_columns_from_one(offset: int, expected: tuple[int, int]) -> None:
    assert line_col("ab\ncd\n", offset) == expected


@given(st.text(alphabet="ab\n\r;"), st.data())
@settings(max_examples=200, deadline=None)
def test_line_col_agrees_with_splitting_the_prefix_into_lines(
    sql: str, data: st.DataObject
) -> None:
    offset = data.draw(st.integers(0, len(sql)))
    lines = sql[:offset].split("\n")
    assert line_col(sql, offset) == (len(lines), len(lines[-1]) + 1)


# -- properties -----------------------------------------------------------------

SAFE = "ab ;'\"$-/*\n"  # everything that is dangerous outside a literal
# Words the splitter reads as keywords: never generated as a value ("as" is
# reserved, and "CASE WHEN 0 THEN as END" is no SQL: the splitter reads the
# END after it as a column label, as it must in "SELECT 1 AS end").
KEYWORDS = {"begin", "atomic", "case", "end", "as"}

identifiers = st.from_regex(r"[a-z_][a-z0-9_$]{0,6}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS
)
strings = st.text(alphabet=SAFE + "\\", max_size=8).map(lambda s: "'" + s.replace("'", "''") + "'")
e_strings = st.text(alphabet=SAFE + "\\", max_size=8).map(
    lambda s: "E'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"
)
quoted_identifiers = st.text(alphabet=SAFE.replace("\n", ""), min_size=1, max_size=8).map(
    lambda s: '"' + s.replace('"', '""') + '"'
)
dollar_quotes = st.tuples(
    st.from_regex(r"([A-Za-z_][A-Za-z0-9_]{0,4})?", fullmatch=True),
    st.text(alphabet=SAFE.replace("$", ""), max_size=10),
).map(lambda t: f"${t[0]}${t[1]}${t[0]}$")
comment_text = st.text(alphabet="ab ;'\"$-\n", max_size=8)
block_comments = st.tuples(comment_text, st.none() | comment_text, comment_text).map(
    lambda t: f"/*{t[0]}{'' if t[1] is None else f'/*{t[1]}*/'}{t[2]}*/"
)
values = st.one_of(
    identifiers,
    st.integers(0, 999).map(str),
    st.integers(1, 9).map(lambda k: f"${k}"),
    strings,
    e_strings,
    quoted_identifiers,
    dollar_quotes,
)
selects = st.lists(st.tuples(values, st.none() | block_comments), min_size=1, max_size=4).map(
    lambda items: (
        "SELECT " + ", ".join(v if c is None else f"{v} {c}" for v, c in items) + " FROM t"
    )
)
cases = st.tuples(values, values).map(lambda t: f"SELECT CASE WHEN {t[0]} THEN {t[1]} END")
atomic_functions = st.lists(selects | cases, min_size=1, max_size=3).map(
    lambda body: (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC " + "; ".join(body) + "; END"
    )
)
statements = st.lists(selects | atomic_functions, min_size=1, max_size=8)
whitespace = st.text(alphabet=" \t\n\r", max_size=3)
line_comments = st.text(alphabet="ab ;'\"$/*-", max_size=8).map(lambda s: f"--{s}\n")
blanks = st.lists(whitespace | line_comments | block_comments, max_size=3).map("".join)


@given(statements, st.data())
@settings(max_examples=200, deadline=None)
def test_joined_statements_split_back_into_exactly_themselves(
    parts: list[str], data: st.DataObject
) -> None:
    sql = data.draw(blanks)
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        # After a final statement with no ';', a comment would belong to it.
        if last and data.draw(st.booleans()):
            sql += part + data.draw(whitespace)
        else:
            sql += part + data.draw(whitespace) + ";" + data.draw(blanks)
    result = split_statements(sql)
    assert [s.text for s in result] == parts
    for s in result:
        assert sql[s.start : s.start + len(s.text)] == s.text
        assert (s.line, s.column) == line_col(sql, s.start)


def top_level_pieces(sql: str) -> list[tuple[int, str]]:
    """The oracle for text without quotes, comments or BEGIN ATOMIC: cut at each ";"
    outside parentheses (a stray ")" closes nothing), keep the non-blank pieces, trimmed
    of the server's whitespace, with where each starts."""
    pieces: list[tuple[int, str]] = []
    depth = start = 0
    for i, c in enumerate(f"{sql};"):
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(depth - 1, 0)
        elif c == ";" and (depth == 0 or i == len(sql)):
            raw = sql[start:i]
            text = raw.strip(" \t\n\r\f\v")
            if text:
                pieces.append((start + len(raw) - len(raw.lstrip(" \t\n\r\f\v")), text))
            start = i + 1
    return pieces


@given(st.text(alphabet=st.characters(exclude_characters="'\"$-/", exclude_categories=["Cs"])))
@example("(;")
@example("a (b; c) d; e")
@example("a); b")
@example("((;);); x")
@settings(max_examples=300, deadline=None)
def test_plain_text_splits_exactly_at_the_semicolons_outside_parentheses(sql: str) -> None:
    assume("atomic" not in sql.lower())
    result = split_statements(sql)
    assert [(s.start, s.text) for s in result] == top_level_pieces(sql)
    for s in result:
        assert (s.line, s.column) == line_col(sql, s.start)


def test_semicolons_inside_parentheses_do_not_split() -> None:
    sql = (
        "CREATE VIEW v AS SELECT id FROM a;\n"
        "CREATE RULE v_ins AS ON INSERT TO v DO INSTEAD (\n"
        "  INSERT INTO a VALUES (NEW.id);\n"
        "  INSERT INTO b VALUES (NEW.id)\n"
        ");\n"
        "SELECT 1;"
    )
    texts = [s.text for s in split_statements(sql)]
    assert len(texts) == 3
    assert texts[1].startswith("CREATE RULE v_ins") and texts[1].endswith(")")


def test_a_stray_closing_parenthesis_does_not_swallow_what_follows() -> None:
    texts = [s.text for s in split_statements("SELECT 1);\nSELECT 2; SELECT ')(';")]
    assert texts == ["SELECT 1)", "SELECT 2", "SELECT ')('"]


# -- issue 9: what psql and the server see on real input ------------------------


@pytest.mark.parametrize("cr", ["\r", "\r\r", "\r\n"])
def test_a_line_comment_ends_at_a_carriage_return_as_it_does_for_the_server(cr: str) -> None:
    sql = f"SELECT 1; -- note{cr}SELECT 2; -- a; b{cr}SELECT 3"
    assert texts(sql) == ["SELECT 1", "SELECT 2", "SELECT 3"]


def test_a_statement_after_a_carriage_return_ended_comment_keeps_its_position() -> None:
    assert split_statements("-- header\rSELECT 1") == [Statement("SELECT 1", 10, 1, 11)]


@pytest.mark.parametrize(
    "gap",
    ["\n", "\r", "\r\n", " \t\n  ", "  -- why\n", "\n-- why\n\n", " -- a\n -- b\n "],
)
def test_an_e_string_continued_after_a_newline_keeps_its_escape_mode(gap: str) -> None:
    sql = f"SELECT E'a'{gap}'b\\'; c'; SELECT 2"
    assert texts(sql) == [f"SELECT E'a'{gap}'b\\'; c'", "SELECT 2"]


def test_an_e_string_continues_through_several_segments() -> None:
    sql = "SELECT E'a'\n'b'\n'c\\'; d'; SELECT 2"
    assert texts(sql) == ["SELECT E'a'\n'b'\n'c\\'; d'", "SELECT 2"]


@pytest.mark.parametrize(
    "gap",
    [
        " ",  # a newline is required: two literals on one line are not concatenated
        "\n/* c */\n",  # block comments do not count as continuation whitespace
    ],
)
def test_an_e_string_is_not_continued_without_a_bare_newline(gap: str) -> None:
    sql = f"SELECT E'a'{gap}'b\\'; SELECT 2"
    assert texts(sql) == [f"SELECT E'a'{gap}'b\\'", "SELECT 2"]


def test_a_plain_string_continued_after_a_newline_stays_plain() -> None:
    assert texts("SELECT 'a'\n'b\\'; SELECT 2") == ["SELECT 'a'\n'b\\'", "SELECT 2"]


@pytest.mark.parametrize(
    "body",
    [
        "SELECT t.end FROM t; SELECT t.case FROM t;",
        "SELECT 1 AS end; SELECT 2 AS case;",
        "SELECT 1 as End, 2 aS CASE;",
        "SELECT 1 end; SELECT 2 case;",
        "SELECT x end, y case FROM t;",
        "SELECT (t).end, t . case FROM t;",
        "SELECT CASE WHEN x THEN 1 END AS end FROM t;",
        "SELECT CASE WHEN x THEN 1 END end, 3 AS case FROM t;",
        "SELECT 1 /* c */ AS -- c\n end;",
        "SELECT t.end FROM t WHERE CASE t.case WHEN 1 THEN true END;",
    ],
)
def test_end_and_case_as_column_names_inside_begin_atomic_do_not_move_its_end(body: str) -> None:
    sql = f"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC {body} END"
    assert texts(f"{sql};\nSELECT 2;\nSELECT 3") == [sql, "SELECT 2", "SELECT 3"]


def test_the_body_end_may_follow_a_comment_after_the_last_semicolon() -> None:
    sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; -- done\n/* x */ END"
    assert texts(f"{sql}; SELECT 2") == [sql, "SELECT 2"]


def test_an_empty_begin_atomic_body_ends_at_its_end() -> None:
    sql = "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END"
    assert texts(f"{sql}; SELECT 2") == [sql, "SELECT 2"]
