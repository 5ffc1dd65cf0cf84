"""Shared helpers: every test gets its own database (see trenova_db.testing)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

import anyio
import asyncpg
import msgspec
import pytest

from trenova_db.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def run(fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return anyio.run(fn)


async def fetch(url: str, sql: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def query(url: str, sql: str, *args: Any) -> list[Any]:
    return anyio.run(fetch, url, sql, *args)


class CliResult(msgspec.Struct):
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return msgspec.json.decode(self.out)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., CliResult]:
    """Run trenova-db in-process from an empty project; returns code, stdout, stderr."""
    monkeypatch.chdir(tmp_path)
    for var in (
        "DATABASE_URL",
        "TRENOVA_DATABASE_URL",
        "TRENOVA_ENV",
        "TRENOVA_APP_ENV",
        "APP_ENV",
    ):
        monkeypatch.delenv(var, raising=False)

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def cli_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[str]:
    """Start trenova-db as a real process (for concurrency tests)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "trenova_db", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
    )


def write_migrations(directory: Path, files: Mapping[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


@pytest.fixture
def migrations(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    def make(files: Mapping[str, str | bytes]) -> Path:
        return write_migrations(tmp_path / "sql", files)

    return make


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A migrations folder with an items table and an empty seeds folder."""
    sql = write_migrations(
        tmp_path / "sql",
        {"000001_items.tx.up.sql": "CREATE TABLE items (name text PRIMARY KEY, n int);\n"},
    )
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    return sql, seeds


def wait_until(url: str, sql: str, expected: list[Any], what: str, timeout: float = 20) -> None:
    """Poll ``sql`` until it returns ``expected`` (another process got somewhere)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if [tuple(r) for r in query(url, sql)] == expected:
            return
        time.sleep(0.02)
    pytest.fail(f"gave up after {timeout:g}s waiting until {what}")
