"""``trenova-db lint``: find dangerous migrations before production does.

Two sources of findings, one report:

- trenova-db's own rules, which need no database and no other tool: what
  cannot work in a ``.tx`` file (``CONCURRENTLY``, ``VACUUM``), transaction
  control in any migration (it would end trenova-db's transaction or break a
  non-``.tx`` file's bookkeeping), psql meta-commands (psql input, not SQL),
  and SQL that does not even lex (an unterminated string or dollar quote);
- squawk (``squawk-cli``, the optional ``lint`` extra), which knows the rules
  about locks and rewrites: an index built without ``CONCURRENTLY``, a
  ``NOT NULL`` column added with a volatile default, and many more.

Rules are configured in ``[tool.trenova-db.lint]``: ``exclude`` (rules not
run), ``errors`` / ``warnings`` (severity overrides), ``squawk`` (false to run
only the project rules) and ``pg-version`` (passed to squawk). Errors make the
command fail (exit 4); warnings are reported only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from .errors import ConfigurationError, ValidationError
from .reports import LintFinding, LintReport, Severity

__all__ = [
    "PROJECT_RULES",
    "LintConfig",
    "lint_files",
    "load_lint_config",
    "project_findings",
    "run_lint",
]


# rule -> (default severity, what it means)
PROJECT_RULES: dict[str, tuple[Severity, str]] = {
    "concurrently-in-tx": ("error", "CONCURRENTLY cannot run inside a transaction block"),
    "vacuum-in-tx": ("error", "VACUUM cannot run inside a transaction block"),
    "transaction-control": ("error", "transaction control inside a migration"),
    "psql-meta-command": ("error", "psql meta-command in a migration"),
    "syntax": ("error", "the file does not lex as SQL"),
}

# squawk rules off by default, and why: trenova-db sets lock_timeout and
# statement_timeout on its sessions (--lock-timeout, --statement-timeout); a
# .tx file is atomic and a non-.tx file records every statement it completed,
# so "robust" (IF NOT EXISTS) statements buy nothing; squawk's own
# transaction-nesting duplicates the transaction-control rule.
DEFAULT_SQUAWK_EXCLUDE = (
    "require-lock-timeout",
    "require-statement-timeout",
    "prefer-robust-stmts",
    "transaction-nesting",
    # Column-type taste, not safety: a schema such as Trenova's (varchar keys,
    # int counters) would drown every real finding in them. Opt back in with
    # errors = [...] or warnings = [...].
    "prefer-text-field",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
)

# squawk findings that are errors by default: each takes a lock that blocks
# writes (or reads) for as long as a table rewrite or scan lasts.
DEFAULT_SQUAWK_ERRORS = (
    "require-concurrent-index-creation",
    "adding-field-with-default",
    "adding-not-nullable-field",
    "adding-required-field",
    "changing-column-type",
    "constraint-missing-not-valid",
    "disallowed-unique-constraint",
    "ban-drop-database",
)


class LintConfig(
    msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True, rename="kebab"
):
    """``[tool.trenova-db.lint]``."""

    exclude: list[str] = msgspec.field(default_factory=list)
    errors: list[str] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)
    squawk: bool = True
    pg_version: str | None = None


def load_lint_config(project_root: Path) -> LintConfig:
    path = project_root / "pyproject.toml"
    if not path.is_file():
        return LintConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc
    section = data.get("tool", {}).get("trenova-db", {}).get("lint", {})
    try:
        return msgspec.convert(section, LintConfig)
    except msgspec.ValidationError as exc:
        raise ConfigurationError(
            f"{path}: invalid [tool.trenova-db.lint]: {exc}",
            hint="accepted keys: exclude, errors, warnings (lists of rule names), "
            "squawk (true/false), pg-version (a string like '15')",
        ) from exc


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_LITERAL_START = re.compile(r"""['"$\-/]""")


def _code_only(text: str) -> str:
    """``text`` with strings, quoted identifiers, comments and dollar quotes blanked
    out (same length, so offsets stay true): what is left is code."""
    from .splitter import _past_literal

    chars = list(text)
    pos, dollar_end = 0, -1
    while True:
        m = _LITERAL_START.search(text, pos)
        if m is None:
            return "".join(chars)
        start = m.start()
        pos, dollar_end = _past_literal(text, start, dollar_end)
        if pos > start + 1:  # a literal or a comment, not a lone '-', '/' or '$'
            chars[start:pos] = (" " if c != "\n" else c for c in text[start:pos])


def _code_words(text: str) -> list[tuple[str, int]]:
    """Upper-cased words of the code, with their offsets (a CONCURRENTLY in a
    comment is no index; ``concurrently$x`` is one identifier, not the keyword)."""
    return [(w.group().upper(), w.start()) for w in _WORD.finditer(_code_only(text))]


def project_findings(name: str, sql: str, *, tx: bool) -> list[LintFinding]:
    """trenova-db's own rules over one file's text (pure: no database, no squawk)."""
    from .splitter import (
        SplitError,
        is_transaction_control,
        line_col,
        psql_meta_command,
        split_statements,
    )

    def finding(rule: str, offset: int, message: str, text: str = sql) -> LintFinding:
        line, column = line_col(text, offset)
        return LintFinding(
            file=name,
            line=line,
            column=column,
            rule=rule,
            severity=PROJECT_RULES[rule][0],
            message=message,
        )

    try:
        statements = split_statements(sql)
    except SplitError as exc:
        return [
            LintFinding(
                file=name, line=1, column=1, rule="syntax", severity="error", message=str(exc)
            )
        ]
    found: list[LintFinding] = []
    for st in statements:
        meta = psql_meta_command(st.text)
        if meta is not None:
            found.append(
                finding(
                    "psql-meta-command",
                    st.start + _code_only(st.text).find("\\"),
                    f"psql meta-command {meta}: trenova-db sends SQL only; do that step "
                    "outside the migration",
                )
            )
            continue
        if is_transaction_control(st.text):
            first = st.text.split(None, 1)[0].upper() if st.text.strip() else ""
            found.append(
                finding(
                    "transaction-control",
                    st.start + len(st.text) - len(st.text.lstrip()),
                    f"{first} in a migration: trenova-db runs each .tx file in its own "
                    "transaction and each non-.tx statement alone; remove it (name the file "
                    ".tx.up.sql for one transaction)",
                )
            )
            continue
        if not tx:
            continue
        words = _code_words(st.text)
        if words and words[0][0] == "VACUUM":
            found.append(
                finding(
                    "vacuum-in-tx",
                    st.start + words[0][1],
                    "VACUUM cannot run inside a transaction block: move it to a migration "
                    "without .tx in its name",
                )
            )
        for word, offset in words:
            if word == "CONCURRENTLY":
                found.append(
                    finding(
                        "concurrently-in-tx",
                        st.start + offset,
                        "CONCURRENTLY cannot run inside a transaction block: move this "
                        "statement to a migration without .tx in its name",
                    )
                )
                break
    return found


def _squawk_binary() -> Path | None:
    beside = Path(sys.executable).parent / "squawk"
    if beside.is_file():
        return beside
    found = shutil.which("squawk")
    return Path(found) if found else None


def _squawk_findings(
    binary: Path, paths: Sequence[Path], names: dict[str, str], config: LintConfig
) -> list[LintFinding]:
    # A .tx file runs in one transaction: squawk then knows that a table made
    # earlier in the file is new (an index on it blocks nobody).
    tx = [p for p in paths if ".tx." in p.name]
    notx = [p for p in paths if ".tx." not in p.name]
    found = []
    if tx:
        found += _run_squawk(binary, tx, names, config, "--assume-in-transaction")
    if notx:
        found += _run_squawk(binary, notx, names, config, "--no-assume-in-transaction")
    return found


def _run_squawk(
    binary: Path, paths: Sequence[Path], names: dict[str, str], config: LintConfig, mode: str
) -> list[LintFinding]:
    exclude = sorted(
        (set(DEFAULT_SQUAWK_EXCLUDE) | set(config.exclude))
        - set(config.errors)
        - set(config.warnings)
    )
    argv = [str(binary), "--reporter", "json", mode]
    if exclude:
        argv.append("--exclude=" + ",".join(exclude))
    if config.pg_version:
        argv.append(f"--pg-version={config.pg_version}")
    argv.extend(str(p) for p in paths)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigurationError(f"cannot run {binary}: {exc}") from exc
    out = done.stdout.strip()
    if done.returncode not in (0, 1) or not out.startswith("["):
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise ValidationError(
            f"squawk failed (exit {done.returncode}): {detail[0] if detail else 'no output'}",
            hint="run the squawk command on the file to see its full output",
        )
    raw = msgspec.json.decode(out)
    found = []
    for item in raw:
        rule = str(item.get("rule_name") or "squawk")
        level = "error" if str(item.get("level", "")).lower() == "error" else "warning"
        if rule in DEFAULT_SQUAWK_ERRORS:
            level = "error"
        file = str(item.get("file", ""))
        found.append(
            LintFinding(
                file=names.get(file, file),
                line=int(item.get("line", 0)) + 1,  # squawk counts from 0
                column=int(item.get("column", 0)) + 1,
                rule=rule,
                severity=level,  # type: ignore[arg-type]
                message=str(item.get("message", "")),
                help=item.get("help"),
                source="squawk",
            )
        )
    return found


def _drop_in_down_file(f: LintFinding) -> bool:
    """A down file exists to drop what its up file made: squawk's ban-drop-* rules
    (but dropping a whole database) say nothing there."""
    return (
        f.source == "squawk"
        and f.file.endswith(".down.sql")
        and f.rule.startswith("ban-drop-")
        and f.rule != "ban-drop-database"
    )


def lint_files(
    paths: Iterable[Path], config: LintConfig, *, root: Path | None = None
) -> LintReport:
    """Lint migration files: the project rules always, squawk when configured."""
    files = sorted({p.resolve() for p in paths})
    report = LintReport()
    names: dict[str, str] = {}
    texts: list[tuple[Path, str]] = []
    for path in files:
        try:
            name = str(path.relative_to(root.resolve())) if root else str(path)
        except ValueError:
            name = str(path)
        names[str(path)] = name
        try:
            text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        except FileNotFoundError:
            raise ConfigurationError(
                f"{path}: no such file", hint="pass existing .sql files"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"{path}: cannot read it as UTF-8 ({exc})") from exc
        texts.append((path, text))
        report.files.append(name)
    findings: list[LintFinding] = []
    for path, text in texts:
        findings.extend(project_findings(names[str(path)], text, tx=".tx." in path.name))
    if config.squawk and files:
        binary = _squawk_binary()
        if binary is None:
            raise ConfigurationError(
                "squawk is not installed: `trenova-db lint` needs it for the lock and rewrite "
                "rules",
                hint="pip install 'trenova-db[lint]' (or set squawk = false under "
                "[tool.trenova-db.lint] to run only trenova-db's own rules)",
            )
        report.squawk = str(binary)
        findings.extend(_squawk_findings(binary, files, names, config))
    excluded = set(config.exclude)
    kept = []
    for f in findings:
        if f.rule in excluded:
            continue
        if _drop_in_down_file(f) and f.rule not in config.errors and f.rule not in config.warnings:
            continue
        if f.rule in config.errors:
            f = msgspec.structs.replace(f, severity="error")
        elif f.rule in config.warnings:
            f = msgspec.structs.replace(f, severity="warning")
        kept.append(f)
    kept.sort(key=lambda f: (f.file, f.line, f.column, f.rule))
    report.findings = kept
    report.errors = sum(f.severity == "error" for f in kept)
    report.warnings = len(kept) - report.errors
    return report


async def run_lint(settings: object, files: Sequence[Path] | None = None) -> LintReport:
    """Lint ``files``, or (None) the pending migrations of the configured database.

    Pending migrations need the history, hence a connection; explicit files
    need none. Down files of pending migrations are linted too: a rollback
    runs them in production as well.
    """
    from .config import Settings

    assert isinstance(settings, Settings)
    config = load_lint_config(settings.project_root)
    if files is None:
        from .migrator import run_status

        status = await run_status(settings)
        chosen: list[Path] = []
        for item in status.migrations:
            if item.state in ("pending", "out-of-order") and item.file:
                up = settings.migrations_dir / item.file
                chosen.append(up)
                down = up.with_name(up.name.replace(".up.sql", ".down.sql"))
                if down.is_file():
                    chosen.append(down)
        files = chosen
    return lint_files(files, config, root=settings.project_root)
