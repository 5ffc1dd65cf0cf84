"""Splitting a SQL file into statements the way PostgreSQL's lexer sees them.

Non-transactional migrations run statement by statement (``CREATE INDEX
CONCURRENTLY`` refuses a multi-statement message), and a server error position
has to be mapped back to a line and column of the file. So every ``;`` inside a
string, ``E''`` string, dollar quote, quoted identifier, nested block comment
or ``BEGIN ATOMIC ... END`` body must be left alone.

Hand-written rather than a parser dependency: this is a lexing problem, not a
grammar one, and a parser would tie us to one server version's grammar and
cost far more. One pass, jumping between the few characters that matter with
compiled regexes and ``str.find``; nothing is built character by character.
Lexing assumes ``standard_conforming_strings = on`` (the default since 9.1).
"""

from __future__ import annotations

import re

import msgspec

__all__ = [
    "SplitError",
    "Statement",
    "is_transaction_control",
    "line_col",
    "psql_meta_command",
    "split_statements",
]


class Statement(msgspec.Struct, frozen=True):
    """One statement: ``source[start:start + len(text)] == text``, without its ``;``."""

    text: str
    start: int
    line: int
    column: int


class SplitError(ValueError):
    """The SQL ends inside a string, quoted identifier, dollar quote or block comment."""


# PostgreSQL's identifier characters; every non-ASCII character counts, as
# each byte of its UTF-8 encoding is >= 0x80.
# Identifier characters: ASCII letters, digits, "_", "$" and anything
# non-ASCII. Spelt as the complement of the other ASCII characters: the same
# set, but re compiles a range up to U+10FFFF ~40x slower (8 ms per pattern,
# paid on every start).
_IDENT = r"^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f"
# Server whitespace (scan.l): str.isspace() would also eat U+00A0 and the
# like, which the server treats as identifier characters.
_SPACE = " \t\n\r\f\v"

# The characters that can change the lexer's state, as one character class:
# re's fastest scan. The rest (``--`` vs ``-``, an ``E`` before a quote) is
# decided in Python at each hit.
_SPECIAL = re.compile(r"""[;'"$\-/()]""")
# BEGIN is looked for by a second, lazily advanced scan; the lookbehind sits
# after the first letter so re can still skip ahead by that letter.
_BEGIN = re.compile(rf"[bB](?<![{_IDENT}][bB])[eE][gG][iI][nN](?![{_IDENT}])")
# Inside a (rare, short) BEGIN ATOMIC body CASE and END matter as well.
# Keywords are matched with explicit ASCII classes, never re.IGNORECASE: the
# server folds only ASCII, while re.I would let "ca\u017fe" (long s) be CASE.
_IN_ATOMIC = re.compile(
    rf"""[;'"$\-/()]|(?<![{_IDENT}])(?:[cC][aA][sS][eE]|[eE][nN][dD])(?![{_IDENT}])"""
)
_ATOMIC = re.compile(rf"[aA][tT][oO][mM][iI][cC](?![{_IDENT}])")
# A tag starts with a letter, "_" or non-ASCII, then adds digits (never "$").
_DOLLAR_TAG = re.compile(
    r"\$(?:[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)?\$"
)
_E_STRING_STOP = re.compile(r"['\\]")
_BLOCK_STOP = re.compile(r"/\*|\*/")
# A "--" comment ends at a newline or a carriage return (scan.l: non_newline
# is [^\n\r]), so a bare CR ends it as the server and psql see it.
_BLANKS = re.compile(rf"(?:[{_SPACE}]+|--[^\n\r]*)*")
_NEWLINE = re.compile(r"[\n\r]")
# A string literal continues after whitespace holding at least one newline
# (scan.l's quotecontinue): "--" comments may sit in that whitespace, each
# ending at its newline; block comments may not. The continuation keeps the
# first segment's mode, which matters for E'' (a backslash escapes there).
# Possessive quantifiers: a failed match never backtracks through comments.
_CONTINUATION = re.compile(
    r"(?:[ \t\f\v]|--[^\n\r]*+)*+[\n\r](?:[ \t\n\r\f\v]|--[^\n\r]*+[\n\r])*+'"
)
# Inside a BEGIN ATOMIC body, CASE followed by one of these is a column label
# ("SELECT x case FROM t"), never a CASE expression. re.ASCII: the server
# folds only ASCII letters.
_AFTER_LABEL = re.compile(
    rf"(?:[,;)]|(?:from|where|group|having|window|order|limit|offset|fetch|for|union|intersect"
    rf"|except|into|returning)(?![{_IDENT}]))",
    re.IGNORECASE | re.ASCII,
)
_WORD = re.compile(r"[A-Za-z_][0-9A-Za-z_$]*")


def line_col(sql: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based character offset (clamped to the text)."""
    offset = max(0, min(offset, len(sql)))
    line_start = sql.rfind("\n", 0, offset) + 1
    return sql.count("\n", 0, offset) + 1, offset - line_start + 1


def _unterminated(sql: str, what: str, at: int) -> SplitError:
    line, column = line_col(sql, at)
    return SplitError(f"unterminated {what} starting at line {line}, column {column}")


def _skip_blanks(sql: str, i: int) -> int:
    """Index of the first character at or after ``i`` that is not whitespace or a comment."""
    while True:
        blanks = _BLANKS.match(sql, i)
        assert blanks is not None  # the pattern matches the empty string
        i = blanks.end()
        if not sql.startswith("/*", i):
            return i
        i = _end_of_block_comment(sql, i)


def _end_of_block_comment(sql: str, i: int) -> int:
    # Block comments nest in PostgreSQL, unlike in the SQL standard.
    depth = 0
    j = i
    while (m := _BLOCK_STOP.search(sql, j)) is not None:
        j = m.end()
        depth += 1 if m.group() == "/*" else -1
        if depth == 0:
            return j
    raise _unterminated(sql, "block comment", i)


def _end_of_quoted(sql: str, i: int, quote: str, what: str) -> int:
    """Index just past the literal opened at ``i``; a doubled quote is an escaped one."""
    j = i + 1
    while True:
        k = sql.find(quote, j)
        if k < 0:
            raise _unterminated(sql, what, i)
        if not sql.startswith(quote, k + 1):
            return k + 1
        j = k + 2


def _end_of_e_string(sql: str, i: int) -> int:
    # In E'...' a backslash escapes the next character, quotes included.
    j = i + 2
    while (m := _E_STRING_STOP.search(sql, j)) is not None:
        k = m.start()
        if sql[k] == "\\" or sql.startswith("'", k + 1):  # \x or '' : an escaped character
            j = k + 2
        elif (more := _CONTINUATION.match(sql, k + 1)) is not None:
            j = more.end()  # E'a'<newline>'b\'' : the next segment is an E string too
        else:
            return k + 1
    raise _unterminated(sql, "string", i)


def _is_ident(ch: str) -> bool:
    return ch >= "\x80" or ch.isalnum() or ch in "_$"


def _past_literal(sql: str, i: int, dollar_end: int) -> tuple[int, int]:
    """Where scanning resumes after the quote, comment or dollar quote that may
    start at ``i`` (one of ``' " - / $``), and the end of the last dollar quote."""
    ch = sql[i]
    if ch == "'":
        e = i - 1  # E'...' unless the E ends a longer word (then it is a plain '...')
        if e >= 0 and sql[e] in "eE" and (e in (0, dollar_end) or not _is_ident(sql[e - 1])):
            return _end_of_e_string(sql, e), dollar_end
        return _end_of_quoted(sql, i, "'", "string"), dollar_end
    if ch == '"':
        return _end_of_quoted(sql, i, '"', "quoted identifier"), dollar_end
    if ch == "-":
        if not sql.startswith("--", i):
            return i + 1, dollar_end
        nl = _NEWLINE.search(sql, i)
        return (len(sql) if nl is None else nl.end()), dollar_end
    if ch == "/":
        return (_end_of_block_comment(sql, i) if sql.startswith("/*", i) else i + 1), dollar_end
    tag = None
    if i in (0, dollar_end) or not _is_ident(sql[i - 1]):
        tag = _DOLLAR_TAG.match(sql, i)
    if tag is None:  # $1, a lone $, or the $ inside an identifier like a$b$
        return i + 1, dollar_end
    delimiter = tag.group()
    close = sql.find(delimiter, tag.end())
    if close < 0:
        raise _unterminated(sql, f"dollar-quoted string {delimiter}", i)
    end = close + len(delimiter)
    return end, end


def split_statements(sql: str) -> list[Statement]:
    """Split on top-level ``;``; statements of only whitespace and comments are dropped."""
    statements: list[Statement] = []
    n = len(sql)
    chunk = 0  # where the current statement's raw text (with leading blanks) begins
    pos = 0
    dollar_end = -1  # end of the last dollar quote: its closing ``$`` is not part of a word
    # 0 outside BEGIN ATOMIC bodies; inside, 1 + the number of open CASEs.
    depth = 0
    # Open parentheses: a ";" inside them (CREATE RULE ... DO (a; b)) does not
    # end the statement, as in psql.
    parens = 0
    # Line bookkeeping advances with the statements, so positions stay linear overall.
    seen = line_start = 0
    line = 1

    def emit(end: int) -> None:
        nonlocal seen, line_start, line
        first = _skip_blanks(sql, chunk)
        if first >= end:
            return
        text = sql[first:end].rstrip(_SPACE)
        line += sql.count("\n", seen, first)
        nl = sql.rfind("\n", seen, first)
        if nl >= 0:
            line_start = nl + 1
        seen = first
        statements.append(Statement(text, first, line, first - line_start + 1))

    next_begin = -1  # position of the next BEGIN candidate, or n if none; stale when < pos
    # Inside a body: what came before the current token, skipping comments
    # ("start" for the body's start or a ";"), to tell END the keyword from
    # END the column label.
    before = "start"
    while True:
        m = (_IN_ATOMIC if depth else _SPECIAL).search(sql, pos)
        i = n if m is None else m.start()
        if not depth:
            if next_begin < pos:
                b = _BEGIN.search(sql, pos)
                next_begin = n if b is None else b.start()
            if next_begin < i:  # BEGIN in plain code: only BEGIN ATOMIC changes anything
                pos = _skip_blanks(sql, next_begin + 5)
                atomic = _ATOMIC.match(sql, pos)
                if atomic is not None:
                    depth, pos, before = 1, atomic.end(), "start"
                continue
        if m is None:
            break
        ch = sql[i]
        if depth:
            before = _token_before(sql, pos, i, before)
            if ch not in "cCeE":
                # The token at i: a comment leaves what came before unchanged.
                comment = sql.startswith("--", i) or sql.startswith("/*", i)
                before = "start" if ch == ";" else before if comment else "code"
        if ch == ";":
            if not depth and not parens:
                emit(i)
                chunk = i + 1
            pos = i + 1
        elif ch == "(":
            parens += 1
            pos = i + 1
        elif ch == ")":
            parens = max(parens - 1, 0)  # a stray ")" is the server's to report
            pos = i + 1
        elif ch in "'\"-/$":
            pos, dollar_end = _past_literal(sql, i, dollar_end)
        else:  # CASE or END inside a BEGIN ATOMIC body
            pos = m.end()
            depth = _atomic_depth(sql, depth, ch in "cC", before, pos)
            before = "code"
    emit(n)
    return statements


def _token_before(sql: str, pos: int, i: int, before: str) -> str:
    """What precedes the token at ``i`` in a body: "." or "as" (then a word is a
    column label), "start" (body start or after ";"), or "code"; ``before`` is
    what preceded ``pos``, where the plain code between the two began."""
    tail = sql[pos:i].rstrip(_SPACE)
    if not tail:
        return before
    if tail[-1] == ".":
        return "."
    if tail[-2:] in ("as", "aS", "As", "AS") and (len(tail) == 2 or not _is_ident(tail[-3])):
        return "as"
    return "code"


def _atomic_depth(sql: str, depth: int, case: bool, before: str, after: int) -> int:
    """The body depth after a CASE (``case``) or END word ending at ``after``.

    ``t.end``, ``x AS case`` and bare labels (``SELECT 1 end``, ``SELECT x
    case FROM t``) are column names: the grammar allows reserved words there.
    The body's own END always follows a ";" (or BEGIN ATOMIC itself), which
    a label never does; a CASE expression is never followed by ",", ";",
    ")" or a clause keyword, which a label may be.
    """
    if before in (".", "as"):
        return depth
    if case:
        nxt = _skip_blanks(sql, after)
        if nxt >= len(sql) or _AFTER_LABEL.match(sql, nxt):
            return depth
        return depth + 1
    if depth > 1:  # END closes the innermost CASE
        return depth - 1
    return 0 if before == "start" else depth


_OUTSIDE_CODE = re.compile(r"""[\\'"$\-/]""")
_META_WORD = re.compile(r"\\(?:[A-Za-z]+|.?)")


def psql_meta_command(text: str) -> str | None:
    """The first backslash command (``\\connect``, ``\\gexec``, ``\\.``) outside
    strings, quoted identifiers, comments and dollar quotes: psql input, not SQL."""
    pos, dollar_end = 0, -1
    while True:
        m = _OUTSIDE_CODE.search(text, pos)
        if m is None:
            return None
        i = m.start()
        ch = text[i]
        if ch == "\\":
            word = _META_WORD.match(text, i)
            return word.group() if word else "\\"
        pos, dollar_end = _past_literal(text, i, dollar_end)


def _leading_words(text: str, count: int) -> list[str]:
    words: list[str] = []
    i = 0
    while len(words) < count:
        try:
            i = _skip_blanks(text, i)
        except SplitError:  # an unterminated comment: nothing more to read
            break
        m = _WORD.match(text, i)
        if m is None:
            break
        words.append(m.group().lower())
        i = m.end()
    return words


_TRANSACTION_WORDS = frozenset({"begin", "commit", "end", "abort", "rollback", "start", "prepare"})


def is_transaction_control(text: str) -> bool:
    """Would this statement end, restart or escape a wrapping transaction?

    SAVEPOINT, RELEASE and ROLLBACK TO are fine inside one; so is a
    ``BEGIN ATOMIC`` function body.
    """
    words = _leading_words(text, 1)
    if not words or words[0] not in _TRANSACTION_WORDS:
        return False  # almost every statement: one word read, not four
    words = _leading_words(text, 4)
    first, rest = words[0], words[1:]
    if first == "begin":
        return rest[:1] != ["atomic"]
    if first in ("commit", "end", "abort"):
        return True
    if first == "rollback":
        if rest[:1] in (["work"], ["transaction"]):
            rest = rest[1:]
        return rest[:1] != ["to"]
    if first in ("start", "prepare"):
        return rest[:1] == ["transaction"]
    return False
