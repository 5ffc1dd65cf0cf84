"""Seed files written by tests, and the CLI arguments that point at a test project."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SEED", "args", "seed_file"]

SEED = """from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext


class {cls}(BaseSeed):
    name = "{name}"
    version = "{version}"
    description = "test seed"
    environments = (Environment.DEVELOPMENT, Environment.TEST, Environment.PRODUCTION)
    depends_on = {deps!r}

    async def run(self, ctx: SeedContext) -> None:
{body}
"""


def seed_file(
    folder: Path,
    filename: str,
    name: str,
    body: str,
    *,
    deps: tuple[str, ...] = (),
    version: str = "1.0.0",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    indented = "\n".join("        " + line for line in body.strip().splitlines())
    path.write_text(
        SEED.format(cls=name + "Seed", name=name, version=version, deps=deps, body=indented)
    )
    return path


def args(url: str, sql: Path, seeds: Path, *extra: str) -> tuple[str, ...]:
    return ("--database-url", url, "--migrations-dir", str(sql), "--seeds-dir", str(seeds), *extra)
