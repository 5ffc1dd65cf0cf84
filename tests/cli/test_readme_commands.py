"""Every `trenova-db` command line of the README runs, as written.

The README's reference block writes options as `[--flag VALUE]` and
alternatives as `a|b`; each line is expanded into the plain command plus one
invocation per optional group (its first alternative), placeholders filled
in (N, NAME, FILE, FILES...), and run in-process, in order, in a copy of the
project against a database of its own. A documented flag that does not exist
is a usage error (exit 2) and fails the test; so does a traceback.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult

Cli = Callable[..., CliResult]

# Commands that run until stopped (tested with a real Ctrl-C in test_seeding).
NEVER_ENDING = {"seed-watch"}
PLACEHOLDERS = {
    "N": "1",
    "NAME": "HazmatExpiration",
    "FILE": "schema-copy.sql",
    "FILES...": "sql/000002_us_states.tx.up.sql",
}


def readme_command_lines(text: str) -> list[str]:
    """`trenova-db ...` lines of the README's bash blocks, comments stripped."""
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].split(" # ", 1)[0].strip()
            if line.startswith("trenova-db "):
                lines.append(line)
    return lines


def _words(text: str) -> list[str]:
    """Top-level words; a bracket group stays one word."""
    words, depth, current = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == " " and depth == 0:
            if current:
                words.append(current)
            current = ""
        else:
            current += ch
    if current:
        words.append(current)
    return words


def _first_alternative(group: str) -> list[str]:
    inner = group[1:-1]
    # "--version N --applied|--rolled-back" -> "--version N --applied"
    return [w.split("|", 1)[0] for w in inner.split()]


def expand(line: str) -> Iterator[list[str]]:
    """Each invocation a documented line stands for."""
    for command in line.removeprefix("trenova-db ").split(" | "):
        words = _words(command.strip())
        head, rest = words[0], words[1:]
        heads = [head]
        if rest and "|" in rest[0] and not rest[0].startswith("["):
            heads = [f"{head} {alt}" for alt in rest[0].split("|")]
            rest = rest[1:]
        elif "|" in head:
            heads = head.split("|")
        plain = [w for w in rest if not w.startswith("[")]
        groups = [w for w in rest if w.startswith("[")]
        for h in heads:
            base = [*h.split(), *plain]
            yield base
            for g in groups:
                yield [*base, *_first_alternative(g)]


def fill(argv: list[str], n: int) -> list[str]:
    """Placeholders filled in; a name to create made unique per invocation."""
    filled = [PLACEHOLDERS.get(a, a) for a in argv]
    if filled[0] in ("create", "create-seed") and len(filled) > 1:
        filled[1] = f"{filled[1]}_{n}"
    return filled


def test_the_expander_reads_options_alternatives_and_placeholders() -> None:
    assert list(expand("trenova-db rollback [--target N] [--force]")) == [
        ["rollback"],
        ["rollback", "--target", "N"],
        ["rollback", "--force"],
    ]
    assert list(expand("trenova-db embedded start|stop")) == [
        ["embedded", "start"],
        ["embedded", "stop"],
    ]
    assert list(expand("trenova-db seed-sync | seed-clean [--force]")) == [
        ["seed-sync"],
        ["seed-clean"],
        ["seed-clean", "--force"],
    ]
    assert list(expand("trenova-db repair [--version N --applied|--rolled-back]")) == [
        ["repair"],
        ["repair", "--version", "N", "--applied"],
    ]
    assert readme_command_lines("```bash\ntrenova-db status   # state\nls\n```\n") == [
        "trenova-db status"
    ]


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sql", tmp_path / "sql")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_every_readme_command_line_runs(
    cli: Cli, trenova_database: str, project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", trenova_database)
    monkeypatch.setenv("TRENOVA_ADMIN_PASSWORD", "readme-password-1")
    lines = readme_command_lines((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(lines) >= 15, "the README's command reference was not found"
    # The everyday commands, as the README's quick start runs them, succeed.
    for plain in (["setup"], ["status"], ["migrate"], ["seed"], ["dump"], ["wait"]):
        result = cli(*plain)
        assert result.code == 0, (plain, result.err)
    # Then every documented form, in README order (rollbacks and refusals
    # included: what is checked is that each parses and runs).
    ran: list[tuple[str, int]] = []
    try:
        for line in lines:
            for argv in expand(line):
                if argv[0] in NEVER_ENDING:
                    continue
                result = cli(*fill(argv, len(ran)))
                shown = " ".join(argv)
                assert result.code != 2, f"`trenova-db {shown}`: usage error\n{result.err}"
                assert "Traceback" not in result.err, f"`trenova-db {shown}`\n{result.err}"
                ran.append((shown, result.code))
    finally:
        cli("embedded", "stop")
        cli("embedded", "remove")
    commands = {shown.split()[0] for shown, _ in ran}
    assert {"migrate", "status", "rollback", "seed", "setup", "dump", "lint", "adopt"} <= commands
