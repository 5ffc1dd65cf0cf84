"""The pooler's decisions that need no server: asyncpg's statement cache."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trenova_db
from trenova_db.pooler import connect_options

PACKAGE = Path(trenova_db.__file__).parent


@pytest.mark.parametrize(
    ("pooler", "setup", "options"),
    [
        ("none", True, {}),
        ("none", False, {}),
        # may be direct, and reopened without the cache if it is not
        ("auto", True, {}),
        # setup left to the caller: it cannot be reopened, so no cache at all
        ("auto", False, {"statement_cache_size": 0}),
        ("session", True, {"statement_cache_size": 0}),
        ("transaction", True, {"statement_cache_size": 0}),
        ("transaction", False, {"statement_cache_size": 0}),
    ],
)
def test_the_statement_cache_is_decided_before_connecting(
    pooler: str, setup: bool, options: dict[str, int]
) -> None:
    assert connect_options(pooler, setup) == options


def test_no_module_reaches_into_asyncpgs_private_statement_cache() -> None:
    touched = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_stmt_cache"):
                touched.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert touched == []
