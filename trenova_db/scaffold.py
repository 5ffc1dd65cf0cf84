"""``create NAME [--tx]``: the next numbered migration pair, never overwriting."""

from __future__ import annotations

import os
import re
from pathlib import Path

import msgspec

from .discovery import MIGRATION_NAME
from .errors import ConfigurationError

__all__ = ["DOWN_PLACEHOLDER", "UP_PLACEHOLDER", "CreatedMigration", "create_migration"]

_NAME = re.compile(r"^[0-9a-z_-]{1,100}$")
# The line each new file holds until someone writes the SQL. A file of
# comments only is a no-op migration; one still holding this line is refused.
UP_PLACEHOLDER = "-- Write the SQL that applies this change."
DOWN_PLACEHOLDER = "-- Write the SQL that exactly undoes the up file."
DEFAULT_WIDTH = 6


class CreatedMigration(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    up: str
    down: str


def _unwritable(directory: Path, exc: OSError) -> ConfigurationError:
    return ConfigurationError(
        f"cannot create a migration in {directory}: {exc.strerror or exc}",
        hint="pass --migrations-dir naming a directory you can write to",
    )


def create_migration(
    directory: Path, name: str, *, tx: bool = False, dry_run: bool = False
) -> CreatedMigration:
    """Write ``NNNNNN_name[.tx].up.sql`` and its down file; return their paths.

    ``dry_run``: the paths it would write; nothing is created.
    """
    if not _NAME.match(name):
        raise ConfigurationError(
            f"invalid migration name {name!r}: use lowercase letters, digits, '_' or '-' "
            "(at most 100 characters)",
            hint="e.g. `trenova-db create add_shipments_table`",
        )
    try:
        if not dry_run:
            directory.mkdir(parents=True, exist_ok=True)
        entries = list(os.scandir(directory)) if directory.is_dir() else []
    except OSError as exc:
        raise _unwritable(directory, exc) from exc
    newest = -1
    width = DEFAULT_WIDTH
    for entry in entries:
        match = MIGRATION_NAME.match(entry.name)
        if match is None:
            continue
        version = int(match.group(1))
        if version > newest:
            newest, width = version, len(match.group(1))
        if match.group(2) == name:
            raise ConfigurationError(
                f"a migration named {name!r} already exists: {entry.name}",
                hint="choose another name",
            )
    version = newest + 1 if newest >= 0 else 1
    digits = max(width, len(str(version)))
    if digits > 14:
        raise ConfigurationError("migration versions are limited to 14 digits")
    stem = f"{version:0{digits}d}_{name}{'.tx' if tx else ''}"
    up, down = directory / f"{stem}.up.sql", directory / f"{stem}.down.sql"
    if dry_run:
        return CreatedMigration(version=version, up=str(up), down=str(down))
    kind = (
        "Runs in ONE transaction with its bookkeeping row."
        if tx
        else "Runs statement by statement outside a transaction (CREATE INDEX CONCURRENTLY...)."
    )
    written: list[Path] = []
    try:
        for path, direction in ((up, "up"), (down, "down")):
            with path.open("x", encoding="utf-8") as fh:
                fh.write(f"-- {stem}.{direction}.sql: {kind}\n")
                fh.write(f"{UP_PLACEHOLDER if direction == 'up' else DOWN_PLACEHOLDER}\n")
            written.append(path)
    except FileExistsError as exc:
        for path in written:
            path.unlink()
        raise ConfigurationError(f"{exc.filename} already exists; not overwriting") from exc
    except OSError as exc:
        for path in written:
            path.unlink()
        raise _unwritable(directory, exc) from exc
    return CreatedMigration(version=version, up=str(up), down=str(down))
