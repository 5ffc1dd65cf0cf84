"""Ctrl-C at any moment of a command: exit 130, never a Python traceback (issue 9).

Python raises KeyboardInterrupt wherever the program is; in the first tenth
of a second that used to be inside trenova-db's imports, before main() could
catch anything. Each child gets SIGINT at its default action (pytest, or the
shell running it, may have it ignored, and an ignored SIGINT is inherited).

A signal that lands in CPython's own start-up, before the program's first
line (the interpreter, ``site``, runpy finding the module), is out of any
program's reach: the child then dies by SIGINT or reports a fatal start-up
error, with a traceback through the standard library only. Such runs are told
apart by exactly that and not counted; every other run must exit 130 without
a traceback.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import trenova_db
from tests.conftest import ROOT

Make = Callable[[Mapping[str, str | bytes]], Path]
SCRIPT = Path(sys.executable).with_name("trenova-db")
PACKAGE = str(Path(trenova_db.__file__).parent)

ENTRIES = {
    "python -m trenova_db": [sys.executable, "-m", "trenova_db"],
    "console script": [str(SCRIPT)],
}


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_after(argv: list[str], delay: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    child = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        preexec_fn=_default_sigint,
    )
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(argv, child.returncode, out, err)


def before_the_first_line(result: subprocess.CompletedProcess[str]) -> bool:
    """Interrupted in CPython's start-up: nothing of the program ran yet.

    Its traceback, if any, runs through frozen modules, the standard library
    and the console script's import line, never through a file of trenova_db:
    the package was still being located or read.
    """
    if result.returncode == -signal.SIGINT and not result.stderr:
        return True  # before the interpreter installed its handler
    frames = re.findall(r'^ *File "([^"]*)"', result.stderr, re.MULTILINE)
    ours = [f for f in frames if f.startswith(PACKAGE)]
    startup = "Fatal Python error: init_" in result.stderr or (
        "Could not import runpy module" in result.stderr
    )
    return (startup or bool(frames)) and not ours


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_ctrl_c_early_in_a_command_exits_130_without_a_traceback(
    trenova_database: str, migrations: Make, entry: str
) -> None:
    if not SCRIPT.exists():
        pytest.skip(f"no console script next to {sys.executable} (install with `make venv`)")
    folder = migrations({"000001_slow.tx.up.sql": "SELECT pg_sleep(3);\n"})
    argv = [
        *ENTRIES[entry],
        "migrate",
        "--database-url",
        trenova_database,
        "--migrations-dir",
        str(folder),
    ]
    reached = []
    for delay in (0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.11, 0.15, 0.4):
        result = interrupt_after(argv, delay)
        if before_the_first_line(result):
            continue
        if "Traceback" in result.stderr:
            pytest.fail(f"a traceback after {delay}s:\n{result.stderr}")
        assert "KeyboardInterrupt" not in result.stderr, (delay, result.stderr)
        assert result.returncode == 130, (delay, result.returncode, result.stderr)
        assert "error: interrupted" in result.stderr, (delay, result.stderr)
        reached.append(delay)
    # Start-up takes a few hundredths of a second: most delays reach the program.
    assert len(reached) >= 3, reached


def test_the_entry_point_imports_nothing_but_itself_before_handling_ctrl_c() -> None:
    # Whatever loads before launch.run() widens the window where Ctrl-C is a
    # traceback: a new import in trenova_db/__init__.py shows up here.
    probe = (
        "import sys; before = set(sys.modules); import trenova_db.cli.launch; "
        "print(sorted(set(sys.modules) - before))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "['__future__', 'trenova_db', 'trenova_db.cli', 'trenova_db.cli.launch']"


def test_the_package_logger_stays_quiet_without_application_handlers() -> None:
    probe = (
        "import logging, trenova_db.connection; "
        "print([type(h).__name__ for h in logging.getLogger('trenova_db').handlers])"
    )
    handlers = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert handlers == "['NullHandler']"
