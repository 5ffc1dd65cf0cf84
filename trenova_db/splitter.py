"""Splitting a SQL file into statements, the way PostgreSQL's lexer sees them.

Non-transactional migrations run statement by statement (``CREATE INDEX
CONCURRENTLY`` refuses a multi-statement message), so every ``;`` inside a
string, ``E''`` string, dollar quote, quoted identifier, nested block comment
or ``BEGIN ATOMIC ... END`` body must be left alone. Hand-written (a single
pass over the text, jumping with ``str.find`` and one compiled regex) because
a full parser dependency would tie us to one server version's grammar for what
is a lexing problem.
"""

from __future__ import annotations

import re

import msgspec

__all__ = ["SplitError", "Statement", "is_transaction_control", "line_col", "split_statements"]


class Statement(msgspec.Struct, frozen=True):
    text: str
    start: int
    line: int
    column: int


class SplitError(ValueError):
    """The SQL ends inside a string, identifier, dollar quote or comment."""


# The interesting characters: everything else is skipped in bulk.
_SPECIAL = re.compile(r"""[;'"$/\-A-Za-z_]""")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")
_TX_CONTROL = re.compile(
    r"^(begin(?!\s+atomic\b)|start\s+transaction|commit|end|rollback(?!\s+to\b)|abort|"
    r"prepare\s+transaction)\b",
    re.IGNORECASE,
)


def line_col(sql: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based character offset."""
    offset = max(0, min(offset, len(sql)))
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _skip_ws_and_comments(sql: str, i: int) -> int:
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif sql.startswith("--", i):
            nl = sql.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif sql.startswith("/*", i):
            i = _end_of_block_comment(sql, i)
        else:
            break
    return i


def _end_of_block_comment(sql: str, i: int) -> int:
    depth = 0
    j = i
    n = len(sql)
    while j < n:
        if sql.startswith("/*", j):
            depth += 1
            j += 2
        elif sql.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        else:
            nxt_open = sql.find("/*", j)
            nxt_close = sql.find("*/", j)
            if nxt_close < 0:
                break
            j = nxt_close if nxt_open < 0 or nxt_close < nxt_open else nxt_open
    line, col = line_col(sql, i)
    raise SplitError(f"unterminated block comment starting at line {line}, column {col}")


def _end_of_quoted(sql: str, i: int, quote: str, *, backslash: bool, what: str) -> int:
    """Index just past the closing quote of the literal starting at ``i``."""
    j = i + 1
    n = len(sql)
    while True:
        k = sql.find(quote, j)
        if backslash:
            b = sql.find("\\", j)
            if 0 <= b < (k if k >= 0 else n):
                j = b + 2
                continue
        if k < 0:
            line, col = line_col(sql, i)
            raise SplitError(f"unterminated {what} starting at line {line}, column {col}")
        if k + 1 < n and sql[k + 1] == quote:  # doubled quote: an escaped quote
            j = k + 2
            continue
        return k + 1


def split_statements(sql: str) -> list[Statement]:
    statements: list[Statement] = []
    n = len(sql)
    start = 0  # start of the current statement (before leading whitespace/comments)
    i = 0
    atomic_depth = 0  # inside BEGIN ATOMIC bodies; CASE ... END nests inside them
    case_depth = 0
    prev_word = ""

    def flush(end: int) -> None:
        first = _skip_ws_and_comments(sql, start)
        text = sql[first:end].rstrip()
        if first < end and text:
            line, col = line_col(sql, first)
            statements.append(Statement(text=text, start=first, line=line, column=col))

    while True:
        m = _SPECIAL.search(sql, i)
        if m is None:
            break
        i = m.start()
        ch = sql[i]
        if ch == ";":
            if atomic_depth == 0:
                flush(i)
                start = i + 1
            i += 1
            prev_word = ""
        elif ch == "'":
            i = _end_of_quoted(sql, i, "'", backslash=False, what="string")
        elif ch == '"':
            i = _end_of_quoted(sql, i, '"', backslash=False, what="quoted identifier")
        elif ch == "-":
            if sql.startswith("--", i):
                nl = sql.find("\n", i)
                i = n if nl < 0 else nl + 1
            else:
                i += 1
        elif ch == "/":
            i = _end_of_block_comment(sql, i) if sql.startswith("/*", i) else i + 1
        elif ch == "$":
            tag = _DOLLAR_TAG.match(sql, i)
            if tag is None:
                i += 1  # $1 parameter or a lone dollar
                continue
            delimiter = tag.group(0)
            close = sql.find(delimiter, tag.end())
            if close < 0:
                line, col = line_col(sql, i)
                raise SplitError(
                    f"unterminated dollar-quoted string {delimiter} starting at line {line}, "
                    f"column {col}"
                )
            i = close + len(delimiter)
        else:  # a word: keywords matter only for BEGIN ATOMIC bodies
            w = _WORD.match(sql, i)
            assert w is not None
            word = w.group(0)
            end = w.end()
            # E'...' (backslash escapes), U&'...', B'..', X'..' prefixes.
            if end < n and sql[end] == "'" and word.lower() in ("e", "b", "x", "n"):
                i = _end_of_quoted(sql, end, "'", backslash=word.lower() == "e", what="string")
                prev_word = ""
                continue
            lower = word.lower()
            if lower == "atomic" and prev_word == "begin":
                atomic_depth += 1
            elif atomic_depth:
                if lower == "case":
                    case_depth += 1
                elif lower == "end":
                    if case_depth:
                        case_depth -= 1
                    else:
                        atomic_depth -= 1
            prev_word = lower
            i = end
    flush(n)
    return statements


def is_transaction_control(text: str) -> bool:
    """Would this statement end or restart a wrapping transaction?"""
    body = text[_skip_ws_and_comments(text, 0) :]
    return _TX_CONTROL.match(body) is not None
