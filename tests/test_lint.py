"""trenova-db lint: the project's own rules (pure) and squawk's (when installed)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from trenova_db.errors import ConfigurationError
from trenova_db.linter import (
    LintConfig,
    _squawk_binary,
    lint_files,
    load_lint_config,
    project_findings,
)
from trenova_db.reports import LintFinding

OWN_ONLY = LintConfig(squawk=False)
needs_squawk = pytest.mark.skipif(
    _squawk_binary() is None, reason="squawk is not installed (pip install 'trenova-db[lint]')"
)


def rules(found: list[LintFinding]) -> list[tuple[str, int, int, str]]:
    return [(f.rule, f.line, f.column, f.severity) for f in found]


def test_concurrently_in_a_tx_file_is_an_error_at_its_line_and_column() -> None:
    sql = "CREATE TABLE t (a int);\n  CREATE INDEX CONCURRENTLY i ON t (a);\n"
    assert rules(project_findings("1.tx.up.sql", sql, tx=True)) == [
        ("concurrently-in-tx", 2, 16, "error")
    ]


def test_concurrently_outside_a_tx_file_is_fine() -> None:
    assert project_findings("1.up.sql", "CREATE INDEX CONCURRENTLY i ON t (a);", tx=False) == []


def test_concurrently_in_a_comment_a_string_or_an_identifier_is_not_a_finding() -> None:
    sql = (
        "-- CREATE INDEX CONCURRENTLY later\n"
        "/* CONCURRENTLY */ SELECT 'concurrently', \"concurrently\", $$ concurrently $$;\n"
    )
    assert project_findings("1.tx.up.sql", sql, tx=True) == []


def test_vacuum_in_a_tx_file_is_an_error_with_the_fix() -> None:
    (found,) = project_findings("1.tx.up.sql", "SELECT 1;\nvacuum analyze t;", tx=True)
    assert (found.rule, found.line, found.column) == ("vacuum-in-tx", 2, 1)
    assert found.message == (
        "VACUUM cannot run inside a transaction block: move it to a migration without .tx "
        "in its name"
    )


def test_vacuum_as_a_later_word_is_not_a_vacuum_statement() -> None:
    assert project_findings("1.tx.up.sql", "SELECT vacuum FROM t;", tx=True) == []


@pytest.mark.parametrize("tx", [True, False])
@pytest.mark.parametrize("statement", ["BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "END"])
def test_transaction_control_is_an_error_in_any_migration(statement: str, tx: bool) -> None:
    found = project_findings("f.sql", f"SELECT 1;\n{statement};\n", tx=tx)
    assert rules(found) == [("transaction-control", 2, 1, "error")]
    assert found[0].message.startswith(f"{statement.split()[0]} in a migration: ")


def test_savepoints_and_begin_atomic_bodies_are_not_transaction_control() -> None:
    sql = (
        "SAVEPOINT a;\nROLLBACK TO a;\nRELEASE a;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n"
    )
    assert project_findings("1.tx.up.sql", sql, tx=True) == []


def test_a_psql_meta_command_is_named() -> None:
    (found,) = project_findings("1.up.sql", "SELECT 1;\n\\connect other\n", tx=False)
    assert (found.rule, found.line, found.column) == ("psql-meta-command", 2, 1)
    assert found.message.startswith("psql meta-command \\connect: ")


def test_sql_that_does_not_lex_is_one_syntax_error() -> None:
    (found,) = project_findings("1.up.sql", "SELECT 'open;\n", tx=False)
    assert (found.rule, found.severity) == ("syntax", "error")
    assert "unterminated string" in found.message


def write(tmp_path: Path, files: dict[str, str]) -> list[Path]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [tmp_path / n for n in files]


def test_the_report_counts_errors_and_names_files_relative_to_the_root(tmp_path: Path) -> None:
    paths = write(
        tmp_path,
        {
            "000002_b.tx.up.sql": "VACUUM t;\n",
            "000001_a.tx.up.sql": "COMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        },
    )
    report = lint_files(paths, OWN_ONLY, root=tmp_path)
    assert report.files == ["000001_a.tx.up.sql", "000002_b.tx.up.sql"]
    assert [(f.file, f.rule) for f in report.findings] == [
        ("000001_a.tx.up.sql", "transaction-control"),
        ("000001_a.tx.up.sql", "concurrently-in-tx"),
        ("000002_b.tx.up.sql", "vacuum-in-tx"),
    ]
    assert (report.errors, report.warnings, report.squawk) == (3, 0, None)


def test_configured_exclusions_and_severities_apply(tmp_path: Path) -> None:
    paths = write(tmp_path, {"1.tx.up.sql": "VACUUM t;\nCOMMIT;\n"})
    config = LintConfig(squawk=False, exclude=["transaction-control"], warnings=["vacuum-in-tx"])
    report = lint_files(paths, config, root=tmp_path)
    assert rules(report.findings) == [("vacuum-in-tx", 1, 1, "warning")]
    assert (report.errors, report.warnings) == (0, 1)


def test_the_lint_table_of_pyproject_is_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trenova-db.lint]\nexclude = ["vacuum-in-tx"]\nsquawk = false\npg-version = "15"\n'
    )
    assert load_lint_config(tmp_path) == LintConfig(
        exclude=["vacuum-in-tx"], squawk=False, pg_version="15"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.trenova-db.lint]\nseverity = 1\n")
    with pytest.raises(ConfigurationError, match=r"invalid \[tool.trenova-db.lint\]"):
        load_lint_config(tmp_path)


def test_a_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"nope\.sql: no such file"):
        lint_files([tmp_path / "nope.sql"], OWN_ONLY)


def test_without_squawk_lint_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trenova_db.linter as lint

    monkeypatch.setattr(lint, "_squawk_binary", lambda: None)
    paths = write(tmp_path, {"1.up.sql": "SELECT 1;\n"})
    with pytest.raises(ConfigurationError) as info:
        lint_files(paths, LintConfig(), root=tmp_path)
    assert info.value.exit_code == 2
    assert info.value.hint is not None and "pip install 'trenova-db[lint]'" in info.value.hint


@needs_squawk
def test_squawk_finds_a_blocking_index_and_a_volatile_default(tmp_path: Path) -> None:
    paths = write(
        tmp_path,
        {
            "000001_idx.up.sql": "CREATE INDEX i ON t (a);\n",
            "000002_col.tx.up.sql": (
                "ALTER TABLE t ADD COLUMN b bigint NOT NULL DEFAULT (random() * 10)::bigint;\n"
            ),
        },
    )
    report = lint_files(paths, LintConfig(), root=tmp_path)
    found = {(f.file, f.rule, f.line, f.severity, f.source) for f in report.findings}
    assert ("000001_idx.up.sql", "require-concurrent-index-creation", 1, "error", "squawk") in found
    assert ("000002_col.tx.up.sql", "adding-field-with-default", 1, "error", "squawk") in found
    assert report.squawk is not None


@needs_squawk
def test_an_index_on_a_table_made_in_the_same_tx_file_blocks_nobody(tmp_path: Path) -> None:
    paths = write(
        tmp_path, {"1.tx.up.sql": "CREATE TABLE t (a bigint);\nCREATE INDEX i ON t (a);\n"}
    )
    assert lint_files(paths, LintConfig(), root=tmp_path).findings == []


@needs_squawk
def test_the_reports_json_has_file_line_rule_and_severity(tmp_path: Path) -> None:
    paths = write(tmp_path, {"1.up.sql": "CREATE INDEX i ON t (a);\n"})
    doc = msgspec.json.decode(msgspec.json.encode(lint_files(paths, LintConfig(), root=tmp_path)))
    assert doc["errors"] == 1
    assert {k: doc["findings"][0][k] for k in ("file", "line", "rule", "severity")} == {
        "file": "1.up.sql",
        "line": 1,
        "rule": "require-concurrent-index-creation",
        "severity": "error",
    }


@needs_squawk
def test_dropping_in_a_down_file_is_not_a_finding_but_dropping_a_database_is(
    tmp_path: Path,
) -> None:
    paths = write(
        tmp_path,
        {
            "1_t.tx.down.sql": "DROP TABLE t;\nDROP FUNCTION f();\n",
            "2_t.tx.up.sql": "DROP TABLE t;\n",
        },
    )
    report = lint_files(paths, LintConfig(), root=tmp_path)
    assert [(f.file, f.rule) for f in report.findings] == [("2_t.tx.up.sql", "ban-drop-table")]


@needs_squawk
def test_the_projects_own_migrations_pass_lint() -> None:
    from tests.conftest import ROOT

    report = lint_files((ROOT / "sql").glob("*.sql"), LintConfig(), root=ROOT)
    assert [f for f in report.findings if f.severity == "error"] == []
    assert len(report.files) == len(list((ROOT / "sql").glob("*.sql")))
