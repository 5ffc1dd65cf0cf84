"""Finding migration files on disk: pure, no database.

File names follow Bun's convention so an existing Trenova/Bun folder works
unchanged: ``NNNNNN_name[.tx].(up|down).sql``. Every problem in the folder is
collected and reported at once (one DiscoveryError) before anything touches the
database, so a user fixes the folder in one pass instead of one error per run.

What is read when: every name is checked up front (bad names, duplicate
versions or down files, a down file without its up file, mismatched names),
and every up file's checksum is known, since that is how drift is found:
read and hashed, or taken from the cache when the file is unchanged since it
was last read (``trenova_db.filecache``: a stat instead of a read and a
hash). SQL is read only when something needs it (``MigrationFile.up_sql``
and ``down_sql``: applying, rolling back, ``check_runnable``, a verbose
report): the no-op ``migrate`` a service runs on every boot, and
``status``, open no file they have seen unchanged. An up file read late is
checked against its discovered checksum (what runs is what was checked); a
down file that turns out unreadable, not UTF-8 or empty raises the same
DiscoveryError, naming the file, before anything runs.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import msgspec

from .errors import ConfigurationError, DiscoveryError
from .filecache import FileCache, now

__all__ = [
    "MIGRATION_NAME",
    "MigrationFile",
    "MigrationSet",
    "checksum_bytes",
    "discover_migrations",
    "history_digest",
    "normalise_sql",
    "parse_migration_name",
]

# ASCII digits only, and \Z, not $: "$" also matches before a trailing newline.
MIGRATION_NAME = re.compile(r"^([0-9]{1,14})_([0-9a-z_-]+)(\.tx)?\.(up|down)\.sql\Z")
# Anything that looks like it meant to be a migration but is not quite one:
# reported as an error rather than silently ignored.
_LOOKS_LIKE_MIGRATION = re.compile(r"^\d+.*\.(up|down)\.sql$", re.IGNORECASE)

Kind = Literal["tx", "notx"]


class ParsedName(msgspec.Struct, frozen=True):
    version: int
    name: str
    kind: Kind
    direction: Literal["up", "down"]


def parse_migration_name(filename: str) -> ParsedName | None:
    """``000001_init.tx.up.sql`` -> ParsedName(1, "init", "tx", "up"); None if not a migration."""
    match = MIGRATION_NAME.match(filename)
    if match is None:
        return None
    version, name, tx, direction = match.groups()
    return ParsedName(
        int(version), name, "tx" if tx else "notx", "up" if direction == "up" else "down"
    )


class MigrationFile(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """One migration: its up file (required) and down file (optional, named).

    ``checksum`` is known from discovery; the SQL of both files is read on
    first use (``up_sql``, ``down_sql``; see the module's docstring), and
    ``dict=True`` gives the instance the ``__dict__`` that
    ``functools.cached_property`` keeps the text in, so each is read once.
    """

    version: int
    name: str
    kind: Kind
    directory: str
    up_file: str
    checksum: str
    down_file: str | None = None
    down_kind: Kind | None = None

    @functools.cached_property
    def up_sql(self) -> str:
        """The up file's SQL, read on first use unless discovery read it already.

        Raises DiscoveryError if the file has become unreadable, or no longer
        has the checksum it was discovered with: what runs is what was checked.
        """
        problems: list[str] = []
        read = _read(self.directory, self.up_file, problems)
        if read is not None and read[1] != self.checksum:
            problems.append(
                f"{self.up_file}: changed since this run read it; run the command again"
            )
        if problems:
            raise DiscoveryError(
                f"1 problem in migrations directory {self.directory}",
                problems=problems,
                hint="fix the file listed; nothing more was run",
            )
        assert read is not None
        return read[0]

    @functools.cached_property
    def down_sql(self) -> str | None:
        """The down file's SQL (None when there is no down file), read on first use.

        Raises DiscoveryError, worded as discovery's, if the file has become
        unreadable, is not UTF-8 or is empty.
        """
        if self.down_file is None:
            return None
        problems: list[str] = []
        read = _read(self.directory, self.down_file, problems)
        if read is None:
            raise DiscoveryError(
                f"1 problem in migrations directory {self.directory}",
                problems=problems,
                hint="fix the file listed; nothing was run",
            )
        return read[0]

    def with_sql(self, up_sql: str) -> MigrationFile:
        """This migration with its up SQL already in hand (no read on first use)."""
        self.__dict__["up_sql"] = up_sql
        return self

    # Paths are built on demand: a no-op run over 1000 files never needs them.
    @property
    def up_path(self) -> Path:
        return Path(self.directory, self.up_file)

    @property
    def down_path(self) -> Path | None:
        return Path(self.directory, self.down_file) if self.down_file else None

    @property
    def label(self) -> str:
        return self.up_file


class MigrationSet(msgspec.Struct, frozen=True, kw_only=True):
    directory: Path
    migrations: tuple[MigrationFile, ...]
    ignored: tuple[str, ...] = ()

    def by_version(self) -> dict[int, MigrationFile]:
        return {m.version: m for m in self.migrations}


def history_digest(migrations: Iterable[MigrationFile]) -> str:
    """What the history's digest (bookkeeping.HistorySummary) is when exactly
    ``migrations`` are applied, unchanged: sha256 of "version checksum" lines
    in version order, hex."""
    text = "\n".join(f"{m.version} {m.checksum}" for m in sorted(migrations, key=_version))
    return hashlib.sha256(text.encode()).hexdigest()


def _version(m: MigrationFile) -> int:
    return m.version


def normalise_sql(raw: bytes) -> bytes:
    """What the checksum covers: BOM stripped, CRLF -> LF (editors differ, SQL doesn't)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.replace(b"\r\n", b"\n")


def checksum_bytes(raw: bytes) -> str:
    # The algorithm is part of the stored value so it can change without
    # every existing row reading as drift (Flyway/Liquibase's upgrade trap).
    return "sha256:" + hashlib.sha256(normalise_sql(raw)).hexdigest()


def _read(directory: str, filename: str, problems: list[str]) -> tuple[str, str] | None:
    try:
        # os-level calls: no buffered file object per file (1000 files add up).
        fd = os.open(os.path.join(directory, filename), os.O_RDONLY)
        try:
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(fd)
        raw = b"".join(chunks)
    except OSError as exc:
        problems.append(f"{filename}: cannot read file ({exc.strerror or exc})")
        return None
    normalised = normalise_sql(raw)
    try:
        text = normalised.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            f"{filename}: not valid UTF-8 (byte 0x{normalised[exc.start]:02x} at offset "
            f"{exc.start}); re-save the file as UTF-8"
        )
        return None
    if not text.strip():
        problems.append(f"{filename}: file is empty; write the SQL or delete the file")
        return None
    return text, "sha256:" + hashlib.sha256(normalised).hexdigest()


def discover_migrations(directory: Path) -> MigrationSet:
    """Read and validate every migration in ``directory``.

    Raises DiscoveryError listing every problem found; returns the migrations
    sorted by version plus the names of files that are not migrations. Inside
    a fleet, the folder is read once (``trenova_db.snapshot``).
    """
    from .snapshot import once

    return once("migrations", directory, lambda: _discover(directory))


# One migration as the folder's names lay it out, before any file is read:
# (version, name, kind, up file, down file or None, down kind or None).
Layout = tuple[int, str, Kind, str, str | None, Kind | None]


def _discover(directory: Path) -> MigrationSet:
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise ConfigurationError(
            f"migrations directory {directory} {what}",
            hint="pass --migrations-dir, or create it with `trenova-db create NAME`",
        )
    folder = str(directory)
    cache = FileCache("migrations.2", folder)
    problems: list[str] = []
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        layout, ignored = _listing(cache, dir_fd, problems)
        migrations: list[MigrationFile] = []
        ups = [up_file for _, _, _, up_file, _, _ in layout]
        for (version, name, kind, up_file, down_file, down_kind), (st, checksum) in zip(
            layout, cache.get_all(dir_fd, ups), strict=True
        ):
            if isinstance(st, OSError):
                problems.append(f"{up_file}: cannot read file ({st.strerror or st})")
                continue
            text = None
            if not isinstance(checksum, str):  # changed since it was last read, or new
                read_at = now()
                read = _read(folder, up_file, problems)
                if read is None:
                    continue
                text, checksum = read
                cache.put(up_file, st, checksum, read_at)
            migration = MigrationFile(
                version=version,
                name=name,
                kind=kind,
                directory=folder,
                up_file=up_file,
                checksum=checksum,
                down_file=down_file,
                down_kind=down_kind,
            )
            migrations.append(migration if text is None else migration.with_sql(text))
    finally:
        os.close(dir_fd)
    cache.save()
    if problems:
        count = len(problems)
        raise DiscoveryError(
            f"{count} problem{'s' if count > 1 else ''} in migrations directory {directory}",
            problems=problems,
            hint="fix or rename the files listed; nothing was applied",
        )
    return MigrationSet(directory=directory, migrations=tuple(migrations), ignored=ignored)


def _listing(
    cache: FileCache, dir_fd: int, problems: list[str]
) -> tuple[tuple[Layout, ...], tuple[str, ...]]:
    """The folder's migrations as its names lay them out, and the names that are
    none (naming problems appended to ``problems``).

    Creating, deleting or renaming a file in a folder moves the folder's own
    mtime and ctime, so a folder unchanged since it was last listed (the
    cache's rule, as for files) holds the same names: the listing, sorting
    and pairing of 2000 names is skipped (git's untracked cache relies on
    the same). A folder that changed is listed; paired again only when its
    names changed.
    """
    read_at = now()
    folder_stat = os.fstat(dir_fd)
    listed = cache.get(".", folder_stat)  # "." is no file's name: the folder's own entry
    if isinstance(listed, tuple):
        return listed
    with os.scandir(dir_fd) as entries:
        names = sorted(e.name for e in entries if not e.is_dir())
    # The same names as last time lay out the same migrations (a folder just
    # touched, an editor's temporary file come and gone): pairing is skipped.
    found = cache.derived("layout", names)
    if found is None:
        found = _layout(names, problems)
        if not problems:
            cache.derive("layout", names, found)
    if not problems:
        cache.put(".", folder_stat, found, read_at)
    return found


def _layout(names: list[str], problems: list[str]) -> tuple[tuple[Layout, ...], tuple[str, ...]]:
    """The migrations the file names describe, and the names that are none;
    every naming problem appended to ``problems``."""
    ignored: list[str] = []
    ups: dict[int, list[tuple[ParsedName, str]]] = {}
    downs: dict[int, list[tuple[ParsedName, str]]] = {}
    for filename in names:
        parsed = parse_migration_name(filename)
        if parsed is None:
            if _LOOKS_LIKE_MIGRATION.match(filename):
                problems.append(
                    f"{filename}: name does not match NNNNNN_name[.tx].(up|down).sql "
                    "(version: 1-14 digits; name: lowercase letters, digits, '_' or '-')"
                )
            else:
                ignored.append(filename)
            continue
        target = ups if parsed.direction == "up" else downs
        target.setdefault(parsed.version, []).append((parsed, filename))

    layout: list[Layout] = []
    for version in sorted(set(ups) | set(downs)):
        up_list = ups.get(version, [])
        down_list = downs.get(version, [])
        if len(up_list) > 1:
            files = " and ".join(f for _, f in up_list)
            problems.append(f"duplicate version {version}: {files}")
            continue
        if len(down_list) > 1:
            files = " and ".join(f for _, f in down_list)
            problems.append(f"duplicate down files for version {version}: {files}")
            continue
        if not up_list:
            problems.append(f"{down_list[0][1]}: down file without a matching up file")
            continue
        up, up_file = up_list[0]
        down = down_list[0] if down_list else None
        if down is not None and down[0].name != up.name:
            problems.append(f"{down[1]}: name does not match its up file {up_file}")
            continue
        layout.append(
            (
                version,
                up.name,
                up.kind,
                up_file,
                down[1] if down is not None else None,
                down[0].kind if down is not None else None,
            )
        )
    return tuple(layout), tuple(ignored)
