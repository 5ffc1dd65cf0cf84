"""The splitter against PostgreSQL's own parser (issue 9): the same statements.

pglast 8 embeds the parser of PostgreSQL 18 (libpg_query); ``parse_sql`` gives
each statement's location and length as the server sees them. pglast is GPL:
it is in the ``dev`` extra only and imported here, never by trenova_db.

Compared: every file of ``tests/unit/corpus/`` as written, with its newlines made
bare CRs and CRLFs, and hypothesis-generated input. A statement is compared by
where its first token starts and by its text up to its ``;`` (trailing server
whitespace dropped, as the splitter does).

Left out, with the reason: ``psql_meta.sql`` (psql meta-commands such as
``\\gexec`` are psql's, not SQL; the parser rejects the whole file, so the
splitter is checked there for finding exactly those statements, which
trenova-db refuses before running anything).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trenova_db.splitter import psql_meta_command, split_statements

pglast = pytest.importorskip("pglast", reason="pglast is in the dev extra")
from pglast.parser import get_postgresql_version, parse_sql  # noqa: E402

CORPUS = Path(__file__).parent / "corpus"
NOT_SQL = {"psql_meta.sql": "psql meta-commands: the server's grammar rejects them"}
_SPACE = " \t\n\r\f\v"

Statements = list[tuple[int, str]]


def ours(sql: str) -> Statements:
    return [(s.start, s.text) for s in split_statements(sql)]


def postgres(sql: str) -> Statements:
    """Each statement's start and text, per the server's parser (pglast turns its
    byte offsets into character offsets; a length of 0 means "to the end")."""
    found = []
    for stmt in parse_sql(sql):
        start, length = stmt.stmt_location or 0, stmt.stmt_len or 0
        text = sql[start : start + length if length else len(sql)]
        found.append((start, text.rstrip(_SPACE)))
    return found


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.sql") if p.name not in NOT_SQL)


def test_the_parser_is_postgresql_18_or_later() -> None:
    assert get_postgresql_version()[0] >= 18


def test_the_corpus_holds_a_few_hundred_statements_of_every_kind() -> None:
    sql = "\n".join(p.read_text(encoding="utf-8") for p in corpus_files())
    assert len(postgres(sql)) >= 300
    for needle in ("BEGIN ATOMIC", "E'", "$$", "/* outer /*", "CREATE RULE", "DO ", "COPY "):
        assert needle in sql, needle


NEWLINES: dict[str, Callable[[str], str]] = {
    "lf": lambda s: s,
    "cr": lambda s: s.replace("\n", "\r"),
    "crlf": lambda s: s.replace("\n", "\r\n"),
}


@pytest.mark.parametrize("newline", list(NEWLINES))
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_each_corpus_file_splits_as_the_server_parses_it(path: Path, newline: str) -> None:
    sql = NEWLINES[newline](path.read_text(encoding="utf-8"))
    assert ours(sql) == postgres(sql)


def test_the_psql_file_is_rejected_by_the_parser_and_its_meta_commands_are_found() -> None:
    sql = (CORPUS / "psql_meta.sql").read_text(encoding="utf-8")
    with pytest.raises(pglast.parser.ParseError):
        parse_sql(sql)
    metas = [psql_meta_command(s.text) for s in split_statements(sql)]
    # \gset does not end a statement for the splitter: the chunk up to the next
    # ";" holds \gset, \gexec and \echo, and is refused for the first of them.
    assert [m for m in metas if m] == ["\\set", "\\gset"]


# -- generated input --------------------------------------------------------------

# Whitespace between tokens; the server's six characters, no others.
gap = st.text(alphabet=" \t\n\r\f\v", min_size=1, max_size=3)
words = st.sampled_from(["a", "x1", "t.b", "café", "名前", "a$b", "_z"])
plain_text = st.text(alphabet="ab ;'\"$-/*\\é\n", max_size=8)
line_comment = st.tuples(
    st.text(alphabet="ab ;'\"$-/*", max_size=8), st.sampled_from(["\n", "\r", "\r\n"])
).map(lambda t: f"--{t[0]}{t[1]}")
block_body = st.text(alphabet="ab ;'\"$-\n", max_size=6)
block_comment = st.tuples(block_body, st.none() | block_body, block_body).map(
    lambda t: f"/*{t[0]}{'' if t[1] is None else f'/*{t[1]}*/'}{t[2]}*/"
)
comment = line_comment | block_comment
# A separator between two tokens: whitespace, maybe with comments in it.
sep = st.lists(gap | comment.map(lambda c: f" {c} "), min_size=1, max_size=3).map("".join)

quoted = plain_text.map(lambda s: "'" + s.replace("'", "''") + "'")
e_atoms = st.sampled_from(["a", ";", " ", "\\'", "\\\\", "''", "\\n", "$", "--", "/*", '"'])
e_body = st.lists(e_atoms, max_size=6).map("".join)
# E'' segments: a later one continues the first (after a newline) in E mode.
continuation = st.sampled_from(["\n", " \n ", "\r\n", " -- c\n", "\n-- c\n\t"])
e_string = st.tuples(
    st.sampled_from("eE"), st.lists(e_body, min_size=1, max_size=3), continuation
).map(lambda t: t[0] + t[2].join(f"'{seg}'" for seg in t[1]))
tag = st.sampled_from(["", "x", "body", "_1", "é"])
dollar_body = st.lists(
    st.sampled_from(["a", ";", "'", '"', "--", "/*", "$", "$x$", " ", "\n"]), max_size=6
).map("".join)
dollar = st.tuples(tag, dollar_body).map(lambda t: (f"${t[0]}$", t[1]))
ident = st.text(alphabet='ab; "-é', min_size=1, max_size=6).map(
    lambda s: '"' + s.replace('"', '""') + '"'
)


@st.composite
def dollar_quote(draw: st.DrawFn) -> str:
    delimiter, body = draw(dollar)
    assume((body + delimiter).find(delimiter) == len(body))
    return f"{delimiter}{body}{delimiter}"


value = st.one_of(
    st.integers(0, 999).map(str),
    words,
    quoted,
    e_string,
    dollar_quote(),
    ident,
    st.integers(1, 9).map(lambda k: f"${k}"),
)
label = st.sampled_from(["", " AS end", " AS case", " end", " case", ' AS "x;y"', " AS v"])
case_expr = st.tuples(value, value, value).map(
    lambda t: f"CASE WHEN {t[0]} IS NULL THEN {t[1]} ELSE {t[2]} END"
)


@st.composite
def select(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.tuples(value | case_expr, label), min_size=1, max_size=3))
    out = "SELECT"
    for k, (v, lab) in enumerate(items):
        out += ("" if k == 0 else ",") + draw(sep) + v + lab
    if draw(st.booleans()):
        out += draw(sep) + "FROM" + draw(sep) + "t"
    return out


@st.composite
def atomic_function(draw: st.DrawFn) -> str:
    body = draw(st.lists(select(), max_size=3))
    s = draw(sep)
    inner = "".join(f"{stmt}{draw(sep)};{s}" for stmt in body)
    head = draw(st.sampled_from(["CREATE FUNCTION f() RETURNS int", "create procedure p()"]))
    return f"{head} LANGUAGE sql BEGIN{s}ATOMIC{s}{inner}END"


@st.composite
def do_block(draw: st.DrawFn) -> str:
    return "DO" + draw(sep) + draw(dollar_quote())


@st.composite
def rule(draw: st.DrawFn) -> str:
    actions = draw(st.lists(select(), min_size=1, max_size=3))
    return "CREATE RULE r AS ON INSERT TO t DO INSTEAD (" + ";".join(actions) + ")"


statement = st.one_of(select(), atomic_function(), do_block(), rule())


@st.composite
def script(draw: st.DrawFn) -> str:
    parts = draw(st.lists(statement, min_size=1, max_size=5))
    sql = draw(st.sampled_from(["", " ", "\n"]))
    for k, part in enumerate(parts):
        end = "" if k == len(parts) - 1 and draw(st.booleans()) else ";"
        sql += part + draw(st.sampled_from(["", " ", "\n"])) + end + draw(sep | st.just(""))
    return sql


@given(script())
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_scripts_split_as_the_server_parses_them(sql: str) -> None:
    assert ours(sql) == postgres(sql)
