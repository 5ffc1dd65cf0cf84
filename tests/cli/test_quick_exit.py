"""``migrate`` and ``status`` end with os._exit (cli/launch.py quick_exit): in real
processes, their output is complete, their exit code right, atexit functions
run, a live non-daemon thread still gets the usual exit, and the collector is
off while the program loads and frozen, then on, once it has loaded.

A ``sitecustomize`` put on the child's PYTHONPATH watches from inside: it
records whether the collector was on when asyncpg started loading, registers
an atexit function that writes what it sees at exit (and leaves a line in
stdout's buffer and a few bytes in stderr's), and can start a non-daemon
thread.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run, write_migrations
from trenova_db import migrate
from trenova_db.testing import create_database, database_url, drop_database

SCRIPT = Path(sys.executable).with_name("trenova-db")
ENTRIES = {
    "console script": [str(SCRIPT)],
    "python -m trenova_db": [sys.executable, "-m", "trenova_db"],
}
MANY = 1500  # status prints well over a pipe's 64 KiB

SITECUSTOMIZE = textwrap.dedent(
    """
    import atexit, gc, os, sys, threading, time

    _report = os.environ["WATCH_REPORT"]
    _seen = {}

    class _Watch:
        def find_spec(self, name, path=None, target=None):
            if name == "asyncpg" and "loading" not in _seen:
                _seen["loading"] = gc.isenabled()
            return None

    sys.meta_path.insert(0, _Watch())

    def _at_exit():
        # Left in the streams' buffers: the exit must still flush them.
        sys.stdout.write("atexit: stdout\\n")
        sys.stderr.write("atexit: stderr")
        with open(_report, "w") as f:
            f.write(
                f"loading={_seen.get('loading')} exit={gc.isenabled()} "
                f"frozen={gc.get_freeze_count() > 0}\\n"
            )

    atexit.register(_at_exit)

    if os.environ.get("WATCH_THREAD"):
        def _late():
            time.sleep(1.0)
            with open(os.environ["WATCH_THREAD"], "w") as f:
                f.write("thread done\\n")

        threading.Thread(target=_late, daemon=False).start()
    """
)


def env_for(watch: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    # PYTHONUNBUFFERED (set by some CI runners) would hide a missing flush:
    # the children buffer stdout as a service's boot does.
    for var in (
        "DATABASE_URL",
        "TRENOVA_DATABASE_URL",
        "TRENOVA_DB_DEBUG",
        "BUNDEBUG",
        "PYTHONUNBUFFERED",
    ):
        env.pop(var, None)
    if watch is not None:
        watch.mkdir(exist_ok=True)
        (watch / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join([str(watch), *filter(None, [env.get("PYTHONPATH")])])
        env["WATCH_REPORT"] = str(watch / "report.txt")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def big(
    trenova_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """(URL, folder): MANY migrations, all applied; tests only read it."""
    folder = write_migrations(
        tmp_path_factory.mktemp("big") / "sql",
        {f"{i:06d}_step_{i}.tx.up.sql": f"SELECT {i};\n" for i in range(1, MANY + 1)},
    )
    name = create_database(trenova_server_url)
    url = database_url(trenova_server_url, name)
    try:
        run(lambda: migrate(url, migrations_dir=folder))
        yield url, folder
    finally:
        drop_database(trenova_server_url, name)


def args(url: str, folder: Path) -> list[str]:
    return ["--database-url", url, "--migrations-dir", str(folder), "--seeds-dir", str(folder)]


@pytest.mark.parametrize("entry", ENTRIES)
def test_status_written_to_a_file_is_complete(
    big: tuple[str, Path], tmp_path: Path, entry: str
) -> None:
    url, folder = big
    out = tmp_path / "status.txt"  # --verbose: every one of the MANY rows
    with out.open("w") as f:
        done = subprocess.run(
            [*ENTRIES[entry], "status", "--verbose", *args(url, folder)],
            stdout=f,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(),
            cwd=tmp_path,
            timeout=120,
        )
    assert (done.returncode, done.stderr) == (0, "")
    text = out.read_text()
    assert text.endswith("\n")
    rows = [
        line for line in text.splitlines() if re.match(r"\s+\d+\s+step_\d+\s+tx\s+applied", line)
    ]
    assert len(rows) == MANY
    assert rows[-1].startswith(f"  {MANY}     step_{MANY}  tx    applied  ")
    assert f"migrations: {MANY} applied, 0 pending" in text
    # the same bytes as when stdout is a pipe the parent reads
    piped = subprocess.run(
        [*ENTRIES[entry], "status", "--verbose", *args(url, folder)],
        capture_output=True,
        text=True,
        env=env_for(),
        cwd=tmp_path,
        timeout=120,
    )
    assert (piped.returncode, piped.stdout) == (0, text)


def test_status_json_written_to_a_file_is_one_whole_document(
    big: tuple[str, Path], tmp_path: Path
) -> None:
    url, folder = big
    out = tmp_path / "status.json"
    with out.open("w") as f:
        done = subprocess.run(
            [str(SCRIPT), "status", "--json", *args(url, folder)],
            stdout=f,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(),
            cwd=tmp_path,
            timeout=120,
        )
    assert (done.returncode, done.stderr) == (0, "")
    doc = json.loads(out.read_text())
    assert (doc["applied_count"], doc["pending_count"]) == (MANY, 0)


@pytest.mark.parametrize("entry", ENTRIES)
def test_migrate_output_is_complete_on_a_pipe_and_the_exit_code_right(
    trenova_database: str, tmp_path: Path, entry: str
) -> None:
    count = 800
    folder = write_migrations(
        tmp_path / "sql",
        {f"{i:06d}_m_{i}.tx.up.sql": f"SELECT {i};\n" for i in range(1, count + 1)},
    )
    child = subprocess.Popen(
        [*ENTRIES[entry], "migrate", "--verbose", *args(trenova_database, folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(),
        cwd=tmp_path,
    )
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    applied = [line for line in out.splitlines() if re.match(r"\s+\d+\s+\d{6}_m_\d+\.tx", line)]
    assert len(applied) == count, out[-500:]
    assert f"{count:06d}_m_{count}.tx.up.sql" in applied[-1]
    assert out.splitlines()[-1].startswith(f"migrate: applied {count} migration(s) in batch 1 (")
    again = subprocess.run(
        [*ENTRIES[entry], "migrate", "--json", *args(trenova_database, folder)],
        capture_output=True,
        text=True,
        env=env_for(),
        cwd=tmp_path,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["already_applied"] == count


def test_status_exit_code_is_1_with_pending_and_0_without(
    trenova_database: str, tmp_path: Path
) -> None:
    folder = write_migrations(tmp_path / "sql", {"000001_a.tx.up.sql": "SELECT 1;\n"})
    pending = subprocess.run(
        [str(SCRIPT), "status", "--exit-code", *args(trenova_database, folder)],
        capture_output=True,
        text=True,
        env=env_for(),
        cwd=tmp_path,
        timeout=60,
    )
    assert pending.returncode == 1, pending.stderr
    assert "migrations: 0 applied, 1 pending\n" in pending.stdout
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    clean = subprocess.run(
        [str(SCRIPT), "status", "--exit-code", *args(trenova_database, folder)],
        capture_output=True,
        text=True,
        env=env_for(),
        cwd=tmp_path,
        timeout=60,
    )
    assert clean.returncode == 0, clean.stderr


@pytest.mark.parametrize("command", ["migrate", "status"])
def test_a_configuration_error_exits_2_with_its_message_on_stderr(
    tmp_path: Path, command: str
) -> None:
    done = subprocess.run(
        [str(SCRIPT), command, "--database-url", "", "--migrations-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env_for(),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "error:" in done.stderr and "URL" in done.stderr, done.stderr


def test_drift_exits_4_with_the_whole_report_on_stderr(
    trenova_database: str, tmp_path: Path
) -> None:
    folder = write_migrations(
        tmp_path / "sql", {f"{i:06d}_m_{i}.tx.up.sql": f"SELECT {i};\n" for i in range(1, 11)}
    )
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    for i in range(1, 11):
        (folder / f"{i:06d}_m_{i}.tx.up.sql").write_text(f"SELECT {i} ;\n")
    done = subprocess.run(
        [str(SCRIPT), "migrate", *args(trenova_database, folder)],
        capture_output=True,
        text=True,
        env=env_for(),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 4
    for i in range(1, 11):
        assert f"{i:06d}_m_{i}.tx.up.sql (version {i}) changed since it was applied" in done.stderr


def test_a_reader_that_goes_away_gets_exit_141_and_no_traceback(
    big: tuple[str, Path], tmp_path: Path
) -> None:
    url, folder = big
    child = subprocess.Popen(
        [str(SCRIPT), "status", *args(url, folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(),
        cwd=tmp_path,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()  # `| head -1`
    err = child.stderr.read()
    assert child.wait(timeout=60) == 141
    assert err == b""


# --- what the quick exit keeps of the usual exit ------------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    "command",
    [["migrate"], ["status"], ["migrate", "--json"], ["status", "--exit-code"]],
    ids=" ".join,
)
def test_atexit_runs_and_the_collector_is_off_while_loading_then_on_and_frozen(
    trenova_database: str, tmp_path: Path, entry: str, command: list[str]
) -> None:
    folder = write_migrations(tmp_path / "sql", {"000001_a.tx.up.sql": "SELECT 1;\n"})
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    watch = tmp_path / "watch"
    done = subprocess.run(
        [*ENTRIES[entry], *command, *args(trenova_database, folder)],
        capture_output=True,
        text=True,
        env=env_for(watch),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (watch / "report.txt").read_text() == "loading=False exit=True frozen=True\n"
    assert done.stdout.endswith("\natexit: stdout\n")
    assert done.stderr.endswith("atexit: stderr")


def test_a_library_process_keeps_its_collector(tmp_path: Path) -> None:
    watch = tmp_path / "watch"
    done = subprocess.run(
        [sys.executable, "-c", "import trenova_db.cli.main, trenova_db.migrator"],
        capture_output=True,
        text=True,
        env=env_for(watch),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (watch / "report.txt").read_text() == "loading=True exit=True frozen=False\n"
    assert (done.stdout, done.stderr) == ("atexit: stdout\n", "atexit: stderr")


@pytest.mark.parametrize("command", ["migrate", "status"])
def test_a_live_non_daemon_thread_gets_the_usual_exit(
    trenova_database: str, tmp_path: Path, command: str
) -> None:
    folder = write_migrations(tmp_path / "sql", {"000001_a.tx.up.sql": "SELECT 1;\n"})
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    watch = tmp_path / "watch"
    marker = tmp_path / "thread.txt"
    done = subprocess.run(
        [str(SCRIPT), command, *args(trenova_database, folder)],
        capture_output=True,
        text=True,
        env=env_for(watch, WATCH_THREAD=str(marker)),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "thread done\n"
    assert (watch / "report.txt").read_text() == "loading=False exit=True frozen=True\n"
