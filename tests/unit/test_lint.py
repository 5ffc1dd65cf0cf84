"""trenova-db lint: the project's own rules (pure) and squawk's (when installed)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from trenova_db.errors import ConfigurationError, ValidationError
from trenova_db.linter import (
    PROJECT_RULES,
    LintConfig,
    _squawk_binary,
    lint_files,
    load_lint_config,
    project_findings,
)
from trenova_db.reports import LintFinding, LintReport
from trenova_db.splitter import SplitError, psql_meta_command, split_statements

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


# -- every field of a finding, and the psql meta-command rule ----------------------


def test_each_project_rule_reports_file_line_column_severity_and_message() -> None:
    sql = "SELECT 1;\n  VACUUM t;\n\n SELECT 2; CREATE INDEX CONCURRENTLY i ON t (a);\n  COMMIT;"
    assert project_findings("sql/1.tx.up.sql", sql, tx=True) == [
        LintFinding(
            file="sql/1.tx.up.sql",
            line=2,
            column=3,
            rule="vacuum-in-tx",
            severity="error",
            message="VACUUM cannot run inside a transaction block: move it to a migration "
            "without .tx in its name",
        ),
        LintFinding(
            file="sql/1.tx.up.sql",
            line=4,
            column=25,
            rule="concurrently-in-tx",
            severity="error",
            message="CONCURRENTLY cannot run inside a transaction block: move this statement "
            "to a migration without .tx in its name",
        ),
        LintFinding(
            file="sql/1.tx.up.sql",
            line=5,
            column=3,
            rule="transaction-control",
            severity="error",
            message="COMMIT in a migration: trenova-db runs each .tx file in its own "
            "transaction and each non-.tx statement alone; remove it (name the file "
            ".tx.up.sql for one transaction)",
        ),
    ]


def test_one_concurrently_finding_per_statement_and_a_vacuum_statement_may_hold_both() -> None:
    sql = "CREATE INDEX CONCURRENTLY a ON t (x); REINDEX INDEX CONCURRENTLY a, CONCURRENTLY;"
    assert rules(project_findings("f", sql, tx=True)) == [
        ("concurrently-in-tx", 1, 14, "error"),
        ("concurrently-in-tx", 1, 53, "error"),
    ]
    assert rules(project_findings("f", "VACUUM CONCURRENTLY;", tx=True)) == [
        ("vacuum-in-tx", 1, 1, "error"),
        ("concurrently-in-tx", 1, 8, "error"),
    ]
    assert project_findings("f", "VACUUM t; REINDEX INDEX CONCURRENTLY a;", tx=False) == []


def test_words_after_a_literal_or_a_comment_are_still_read() -> None:
    sql = "SELECT 'x' /* c */ , \"q\" -- c\n, $$ b $$, CONCURRENTLY;"
    assert rules(project_findings("f", sql, tx=True)) == [("concurrently-in-tx", 2, 12, "error")]
    # a comment is no word: VACUUM after one still starts the statement
    assert rules(project_findings("f", "/* x */ VACUUM t;", tx=True)) == [
        ("vacuum-in-tx", 1, 9, "error")
    ]


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("\\connect db", "\\connect"),
        ("SELECT 1 \\gexec", "\\gexec"),
        ("x \\set a 1 \\unset", "\\set"),
        ("\\.", "\\."),
        ("\\", "\\"),
        ("\\1", "\\1"),
        ("SELECT $t$ \\x $t$ \\q", "\\q"),
        ("SELECT E'\\'' \\gset", "\\gset"),
        ("SELECT 'a' \\g", "\\g"),
    ],
)
def test_the_first_psql_meta_command_outside_literals_is_named(text: str, command: str) -> None:
    assert psql_meta_command(text) == command


@pytest.mark.parametrize(
    "text",
    ["SELECT 1", "SELECT '\\x'", 'SELECT "a\\b"', "-- \\x", "/* \\x */", "SELECT $$ \\x $$", ""],
)
def test_a_backslash_inside_a_literal_or_comment_is_no_meta_command(text: str) -> None:
    assert psql_meta_command(text) is None


def test_a_meta_command_finding_points_at_the_backslash_and_stops_other_rules() -> None:
    sql = "SELECT 1;\n  BEGIN \\gexec\n"
    assert project_findings("m.tx.up.sql", sql, tx=True) == [
        LintFinding(
            file="m.tx.up.sql",
            line=2,
            column=9,
            rule="psql-meta-command",
            severity="error",
            message="psql meta-command \\gexec: trenova-db sends SQL only; do that step "
            "outside the migration",
        )
    ]


def test_a_syntax_finding_is_at_the_start_of_the_file_with_the_splitter_message() -> None:
    assert project_findings("s.up.sql", "SELECT 1;\nSELECT $$x", tx=False) == [
        LintFinding(
            file="s.up.sql",
            line=1,
            column=1,
            rule="syntax",
            severity="error",
            message=str(_split_error("SELECT 1;\nSELECT $$x")),
        )
    ]


def _split_error(sql: str) -> SplitError:
    with pytest.raises(SplitError) as info:
        split_statements(sql)
    return info.value


def test_the_project_rules_are_errors_by_default() -> None:
    assert {rule: severity for rule, (severity, _) in PROJECT_RULES.items()} == {
        "concurrently-in-tx": "error",
        "vacuum-in-tx": "error",
        "transaction-control": "error",
        "psql-meta-command": "error",
        "syntax": "error",
    }


# -- files, configuration and the report -------------------------------------------------


def test_files_are_read_as_utf8_without_bom_and_crlf_and_named_as_given_outside_the_root(
    tmp_path: Path,
) -> None:
    inside = tmp_path / "root"
    inside.mkdir()
    (inside / "a.tx.up.sql").write_bytes(b"\xef\xbb\xbfSELECT 1;\r\nVACUUM t;\r\n")
    outside = tmp_path / "b.up.sql"
    outside.write_text("COMMIT;")
    report = lint_files([outside, inside / "a.tx.up.sql", outside], OWN_ONLY, root=inside)
    # sorted by path, each named relative to the root when it is inside
    assert report.files == [str(outside), "a.tx.up.sql"]
    assert [(f.file, f.rule, f.line, f.column) for f in report.findings] == [
        (str(outside), "transaction-control", 1, 1),
        ("a.tx.up.sql", "vacuum-in-tx", 2, 1),
    ]
    assert lint_files([outside], OWN_ONLY).files == [str(outside)]


def test_a_file_that_is_not_utf8_or_not_readable_is_a_configuration_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.up.sql"
    bad.write_bytes(b"SELECT '\xff';")
    with pytest.raises(ConfigurationError) as info:
        lint_files([bad], OWN_ONLY)
    assert str(info.value).startswith(f"{bad}: cannot read it as UTF-8 ('utf-8' codec can't")
    folder = tmp_path / "dir.up.sql"
    folder.mkdir()
    with pytest.raises(ConfigurationError, match=r"cannot read it as UTF-8 \(\[Errno 21\]"):
        lint_files([folder], OWN_ONLY)
    with pytest.raises(ConfigurationError) as missing:
        lint_files([tmp_path / "nope.sql"], OWN_ONLY)
    assert str(missing.value) == f"{tmp_path / 'nope.sql'}: no such file"
    assert missing.value.hint == "pass existing .sql files"


def test_severity_overrides_and_the_sort_order_of_findings(tmp_path: Path) -> None:
    paths = write(
        tmp_path,
        {
            "2.tx.up.sql": "COMMIT;\n",
            "1.tx.up.sql": "VACUUM t; COMMIT; CREATE INDEX CONCURRENTLY i;",
        },
    )
    config = LintConfig(squawk=False, errors=["vacuum-in-tx"], warnings=["transaction-control"])
    report = lint_files(paths, config, root=tmp_path)
    assert [(f.file, f.column, f.rule, f.severity) for f in report.findings] == [
        ("1.tx.up.sql", 1, "vacuum-in-tx", "error"),
        ("1.tx.up.sql", 11, "transaction-control", "warning"),
        ("1.tx.up.sql", 32, "concurrently-in-tx", "error"),
        ("2.tx.up.sql", 1, "transaction-control", "warning"),
    ]
    assert (report.errors, report.warnings) == (2, 2)


def test_no_files_lint_nothing_and_need_no_squawk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trenova_db.linter as lint

    monkeypatch.setattr(lint, "_squawk_binary", lambda: None)
    assert lint_files([], LintConfig()) == LintReport()


def test_without_squawk_the_error_says_what_it_is_for_and_how_to_do_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trenova_db.linter as lint

    monkeypatch.setattr(lint, "_squawk_binary", lambda: None)
    with pytest.raises(ConfigurationError) as info:
        lint_files(write(tmp_path, {"1.up.sql": "SELECT 1;"}), LintConfig())
    assert str(info.value) == (
        "squawk is not installed: `trenova-db lint` needs it for the lock and rewrite rules"
    )
    assert info.value.hint == (
        "pip install 'trenova-db[lint]' (or set squawk = false under [tool.trenova-db.lint] "
        "to run only trenova-db's own rules)"
    )


def test_the_lint_table_defaults_and_its_errors(tmp_path: Path) -> None:
    assert load_lint_config(tmp_path) == LintConfig()
    assert LintConfig() == LintConfig(exclude=[], errors=[], warnings=[], squawk=True)
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n')
    assert load_lint_config(tmp_path) == LintConfig()
    path.write_text('[tool.trenova-db.lint]\nerrors = ["a"]\nwarnings = ["b"]\n')
    assert load_lint_config(tmp_path) == LintConfig(errors=["a"], warnings=["b"])
    path.write_text("[tool.trenova-db.lint\n")
    with pytest.raises(ConfigurationError) as broken:
        load_lint_config(tmp_path)
    assert str(broken.value).startswith(f"cannot read {path}: ")
    path.write_text("[tool.trenova-db.lint]\nsquawk = 1\n")
    with pytest.raises(ConfigurationError) as invalid:
        load_lint_config(tmp_path)
    assert str(invalid.value) == (
        f"{path}: invalid [tool.trenova-db.lint]: Expected `bool`, got `int` - at `$.squawk`"
    )
    assert invalid.value.hint == (
        "accepted keys: exclude, errors, warnings (lists of rule names), squawk (true/false), "
        "pg-version (a string like '15')"
    )


# -- how squawk is run, with a stand-in that records its arguments ---------------------------


FAKE_SQUAWK = """#!{python}
import json, os, sys
with open(os.environ["FAKE_SQUAWK_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
sys.stdout.write(os.environ.get("FAKE_SQUAWK_OUT", "[]"))
sys.stderr.write(os.environ.get("FAKE_SQUAWK_ERR", ""))
sys.exit(int(os.environ.get("FAKE_SQUAWK_EXIT", "0")))
"""


@pytest.fixture
def fake_squawk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import sys

    import trenova_db.linter as lint

    binary = tmp_path / "bin" / "squawk"
    binary.parent.mkdir()
    binary.write_text(FAKE_SQUAWK.format(python=sys.executable))
    binary.chmod(0o755)
    monkeypatch.setattr(lint, "_squawk_binary", lambda: binary)
    monkeypatch.setenv("FAKE_SQUAWK_LOG", str(tmp_path / "argv.log"))
    return binary


def squawk_calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "argv.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [msgspec.json.decode(line) for line in lines]


def test_squawk_runs_once_for_tx_files_and_once_for_the_others_with_the_exclusions(
    tmp_path: Path, fake_squawk: Path
) -> None:
    a, b, c = write(
        tmp_path,
        {"1.tx.up.sql": "SELECT 1;", "2.up.sql": "SELECT 2;", "3.tx.down.sql": "SELECT 3;"},
    )
    config = LintConfig(
        exclude=["ban-drop-table"],
        errors=["prefer-robust-stmts"],
        warnings=["require-lock-timeout"],
    )
    report = lint_files([a, b, c], config, root=tmp_path)
    assert report.squawk == str(fake_squawk)
    excluded = (
        "--exclude=ban-drop-table,prefer-bigint-over-int,prefer-bigint-over-smallint,"
        "prefer-text-field,require-statement-timeout,transaction-nesting"
    )
    assert squawk_calls(tmp_path) == [
        ["--reporter", "json", "--assume-in-transaction", excluded, str(a), str(c)],
        ["--reporter", "json", "--no-assume-in-transaction", excluded, str(b)],
    ]


def test_squawk_gets_the_postgres_version_and_only_the_kinds_of_files_there_are(
    tmp_path: Path, fake_squawk: Path
) -> None:
    (a,) = write(tmp_path, {"1.up.sql": "SELECT 1;"})
    config = LintConfig(
        pg_version="15",
        errors=["require-lock-timeout", "prefer-robust-stmts", "prefer-text-field"],
        warnings=[
            "require-statement-timeout",
            "transaction-nesting",
            "prefer-bigint-over-int",
            "prefer-bigint-over-smallint",
        ],
    )
    lint_files([a], config, root=tmp_path)
    assert squawk_calls(tmp_path) == [
        ["--reporter", "json", "--no-assume-in-transaction", "--pg-version=15", str(a)]
    ]


def test_squawk_findings_are_translated_to_one_based_positions_and_our_severities(
    tmp_path: Path, fake_squawk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a,) = write(tmp_path, {"1.up.sql": "SELECT 1;"})
    out = [
        {
            "file": str(a),
            "line": 0,
            "column": 4,
            "rule_name": "ban-drop-column",
            "level": "Warning",
            "message": "m1",
            "help": "h1",
        },
        {
            "file": str(a),
            "line": 2,
            "column": 0,
            "rule_name": "renaming-table",
            "level": "ERROR",
            "message": "m2",
        },
        {
            "file": str(a),
            "line": 3,
            "column": 1,
            "rule_name": "ban-drop-database",
            "level": "warning",
            "message": "m3",
        },
        {"file": "/elsewhere.sql"},
    ]
    monkeypatch.setenv("FAKE_SQUAWK_OUT", msgspec.json.encode(out).decode())
    monkeypatch.setenv("FAKE_SQUAWK_EXIT", "1")
    report = lint_files([a], LintConfig(), root=tmp_path)
    assert report.findings == [
        LintFinding(
            file="/elsewhere.sql",
            line=1,
            column=1,
            rule="squawk",
            severity="warning",
            message="",
            source="squawk",
        ),
        LintFinding(
            file="1.up.sql",
            line=1,
            column=5,
            rule="ban-drop-column",
            severity="warning",
            message="m1",
            help="h1",
            source="squawk",
        ),
        LintFinding(
            file="1.up.sql",
            line=3,
            column=1,
            rule="renaming-table",
            severity="error",
            message="m2",
            source="squawk",
        ),
        LintFinding(
            file="1.up.sql",
            line=4,
            column=2,
            rule="ban-drop-database",
            severity="error",
            message="m3",
            source="squawk",
        ),
    ]
    assert (report.errors, report.warnings) == (2, 2)


@pytest.mark.parametrize(
    ("exit_code", "out", "err", "message"),
    [
        ("2", "", "error: bad flag\nmore", "squawk failed (exit 2): error: bad flag"),
        ("0", "not json", "", "squawk failed (exit 0): not json"),
        ("3", "", "", "squawk failed (exit 3): no output"),
    ],
)
def test_a_failing_squawk_is_a_validation_error_with_its_first_line(
    tmp_path: Path,
    fake_squawk: Path,
    monkeypatch: pytest.MonkeyPatch,
    exit_code: str,
    out: str,
    err: str,
    message: str,
) -> None:
    monkeypatch.setenv("FAKE_SQUAWK_EXIT", exit_code)
    monkeypatch.setenv("FAKE_SQUAWK_OUT", out)
    monkeypatch.setenv("FAKE_SQUAWK_ERR", err)
    with pytest.raises(ValidationError) as info:
        lint_files(write(tmp_path, {"1.up.sql": "SELECT 1;"}), LintConfig())
    assert str(info.value) == message
    assert info.value.hint == "run the squawk command on the file to see its full output"


def test_a_squawk_that_cannot_start_is_a_configuration_error(
    tmp_path: Path, fake_squawk: Path
) -> None:
    fake_squawk.chmod(0o644)
    with pytest.raises(ConfigurationError) as info:
        lint_files(write(tmp_path, {"1.up.sql": "SELECT 1;"}), LintConfig())
    assert str(info.value).startswith(f"cannot run {fake_squawk}: [Errno 13] Permission denied")


def test_the_squawk_beside_the_interpreter_comes_before_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from trenova_db.linter import _squawk_binary

    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    on_path = tmp_path / "path"
    on_path.mkdir()
    (on_path / "squawk").write_text("#!/bin/sh\n")
    (on_path / "squawk").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(venv / "python"))
    monkeypatch.setenv("PATH", str(on_path))
    assert _squawk_binary() == on_path / "squawk"
    (venv / "squawk").write_text("")
    assert _squawk_binary() == venv / "squawk"
    (venv / "squawk").unlink()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert _squawk_binary() is None


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


def test_a_dollar_sign_inside_a_word_starts_no_dollar_quote() -> None:
    # a$b$ is an identifier: the quote is the $b$ ... $b$ after it
    found = project_findings("f", "a$b$ CONCURRENTLY $b$ $b$;", tx=True)
    assert rules(found) == [("concurrently-in-tx", 1, 6, "error")]


def test_squawk_drop_findings_are_silent_in_down_files_but_dropping_a_database_is_not(
    tmp_path: Path, fake_squawk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    up, down = write(tmp_path, {"1.tx.up.sql": "SELECT 1;", "1.tx.down.sql": "SELECT 1;"})
    out = [
        {"file": str(f), "line": 0, "column": 0, "rule_name": rule, "level": "Error"}
        for f in (up, down)
        for rule in ("ban-drop-table", "ban-drop-database", "renaming-table")
    ]
    monkeypatch.setenv("FAKE_SQUAWK_OUT", msgspec.json.encode(out).decode())
    report = lint_files([up, down], LintConfig(), root=tmp_path)
    assert [(f.file, f.rule) for f in report.findings] == [
        ("1.tx.down.sql", "ban-drop-database"),
        ("1.tx.down.sql", "renaming-table"),
        ("1.tx.up.sql", "ban-drop-database"),
        ("1.tx.up.sql", "ban-drop-table"),
        ("1.tx.up.sql", "renaming-table"),
    ]


def test_run_lint_lints_the_files_given_with_the_projects_lint_table(tmp_path: Path) -> None:
    import anyio

    from trenova_db.config import Settings
    from trenova_db.linter import run_lint

    (tmp_path / "pyproject.toml").write_text(
        '[tool.trenova-db.lint]\nsquawk = false\nwarnings = ["vacuum-in-tx"]\n'
    )
    (path,) = write(tmp_path, {"1.tx.up.sql": "VACUUM t;"})
    settings = Settings(project_root=tmp_path)
    report = anyio.run(run_lint, settings, [path])
    assert [(f.file, f.rule, f.severity) for f in report.findings] == [
        ("1.tx.up.sql", "vacuum-in-tx", "warning")
    ]


def test_a_dollar_quote_may_start_right_where_the_last_one_closed() -> None:
    # $b$ follows $a$'s closing "$": a new quote, so its CONCURRENTLY is text
    assert project_findings("f", "SELECT $a$x$a$$b$ CONCURRENTLY $b$;", tx=True) == []


def test_each_statement_is_checked_after_a_meta_command_and_the_finding_is_at_the_first() -> None:
    assert rules(project_findings("f", "SELECT 1 \\q \\q; COMMIT;", tx=True)) == [
        ("psql-meta-command", 1, 10, "error"),
        ("transaction-control", 1, 17, "error"),
    ]


def test_transaction_control_is_named_by_its_first_word() -> None:
    (found,) = project_findings("f", "BEGIN ISOLATION LEVEL SERIALIZABLE;", tx=False)
    assert found.message.startswith("BEGIN in a migration: ")


def test_vacuum_after_a_comment_in_a_later_statement_is_found_where_it_is() -> None:
    assert rules(project_findings("f", "SELECT 1; /* c */ VACUUM t;", tx=True)) == [
        ("vacuum-in-tx", 1, 19, "error")
    ]


def test_an_exclusion_drops_only_its_own_findings(tmp_path: Path) -> None:
    paths = write(tmp_path, {"1.tx.up.sql": "COMMIT;\nVACUUM t;\nCOMMIT;\n"})
    report = lint_files(paths, LintConfig(squawk=False, exclude=["transaction-control"]))
    assert rules(report.findings) == [("vacuum-in-tx", 2, 1, "error")]


def test_a_squawk_warning_listed_under_errors_is_an_error(
    tmp_path: Path, fake_squawk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a,) = write(tmp_path, {"1.up.sql": "SELECT 1;"})
    out = [
        {"file": str(a), "line": 0, "column": 0, "rule_name": "renaming-table", "level": "Warning"}
    ]
    monkeypatch.setenv("FAKE_SQUAWK_OUT", msgspec.json.encode(out).decode())
    report = lint_files([a], LintConfig(errors=["renaming-table"]), root=tmp_path)
    assert [(f.rule, f.severity) for f in report.findings] == [("renaming-table", "error")]
    assert (report.errors, report.warnings) == (1, 0)


def test_a_squawk_finding_without_a_file_has_an_empty_one(
    tmp_path: Path, fake_squawk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SQUAWK_OUT", '[{"rule_name": "r"}]')
    report = lint_files(write(tmp_path, {"1.up.sql": "SELECT 1;"}), LintConfig())
    assert [(f.file, f.rule, f.line, f.column) for f in report.findings] == [("", "r", 1, 1)]


def test_squawk_gets_two_minutes_before_it_is_given_up_on(
    tmp_path: Path, fake_squawk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    from types import SimpleNamespace

    import trenova_db.linter as lint

    def hung(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        assert kwargs["timeout"] == 120
        raise subprocess.TimeoutExpired(argv, 120)

    monkeypatch.setattr(
        lint, "subprocess", SimpleNamespace(run=hung, SubprocessError=subprocess.SubprocessError)
    )
    with pytest.raises(ConfigurationError) as info:
        lint_files(write(tmp_path, {"1.up.sql": "SELECT 1;"}), LintConfig())
    assert str(info.value).startswith(f"cannot run {fake_squawk}: Command ")
    assert str(info.value).endswith("timed out after 120 seconds")


def test_a_vacuum_after_punctuation_is_found_at_the_word() -> None:
    assert rules(project_findings("f", "SELECT 1; (VACUUM t);", tx=True)) == [
        ("vacuum-in-tx", 1, 12, "error")
    ]


def test_a_dollar_inside_a_word_does_not_cut_it_into_a_keyword() -> None:
    assert project_findings("f", "SELECT concurrently$x, vacuum$y FROM t;", tx=True) == []
    assert project_findings("f", "vacuum$y;", tx=True) == []


def test_a_meta_command_is_found_where_it_is_not_in_an_earlier_string() -> None:
    (found,) = project_findings("f", "SELECT '\\q', 1 \\gexec", tx=False)
    assert (found.rule, found.line, found.column) == ("psql-meta-command", 1, 16)
