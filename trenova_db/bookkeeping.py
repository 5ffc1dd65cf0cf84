"""trenova-db's own tables, versioned so they can evolve (yoyo's idea).

``trenova_db_versions`` records which of INTERNAL_MIGRATIONS have run; they
run under the migration advisory lock, each in its own transaction. Tables:

- ``schema_migrations``: one row per applied (or dirty) migration.
- ``seed_history``: one row per (seed, version, environment), status enum.
- ``trenova_db_audit``: one row per migrate/rollback/repair/seed/reset/setup run.
- ``trenova_db_lock`` (version 2): the lease lock's row, behind a transaction pooler.
- ``trenova_db_audit_running_idx`` (version 3): the audit rows still ``running``,
  which every run and ``status`` look through for abandoned runs.

The history is read with ``COPY (...) TO STDOUT``: asyncpg sends that as one
simple-protocol message, so the no-op ``migrate`` a service runs on boot costs
a single round trip (a prepared ``fetch`` would cost two).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from .connection import log_copy
from .errors import HistoryMismatch, QueryFailed

__all__ = [
    "CURRENT_VERSION",
    "AppliedMigration",
    "History",
    "HistorySummary",
    "SeedHistoryRow",
    "ensure_bookkeeping",
    "quote_ident",
    "quote_literal",
    "read_history",
    "read_seed_history",
    "read_summary",
]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str | None) -> str:
    # Sessions run with standard_conforming_strings=on (the default since 9.1),
    # so doubling quotes is the complete escape; NUL cannot occur in text.
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def _internal_migrations(schema: str) -> list[tuple[int, str]]:
    s = quote_ident(schema)
    return [
        (
            1,
            f"""
            CREATE TABLE {s}.schema_migrations (
                version         bigint PRIMARY KEY CHECK (version >= 0),
                name            text NOT NULL,
                kind            text NOT NULL CHECK (kind IN ('tx', 'notx')),
                checksum        text NOT NULL,
                applied_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
                applied_by      text NOT NULL DEFAULT current_user,
                duration_ms     integer NOT NULL DEFAULT 0,
                batch           integer NOT NULL,
                dirty           boolean NOT NULL DEFAULT false,
                statements_done integer NOT NULL DEFAULT 0,
                error           text
            );
            CREATE TYPE {s}.seed_status_enum AS ENUM ('Active', 'Inactive', 'Orphaned');
            CREATE TABLE {s}.seed_history (
                id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name        text NOT NULL,
                version     text NOT NULL,
                environment text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
                applied_by  text NOT NULL DEFAULT current_user,
                status      {s}.seed_status_enum NOT NULL,
                notes       text,
                error       text,
                details     jsonb NOT NULL DEFAULT '{{}}',
                UNIQUE (name, version, environment)
            );
            CREATE TABLE {s}.trenova_db_audit (
                id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                operation   text NOT NULL,
                environment text NOT NULL,
                actor       text NOT NULL,
                host        text NOT NULL,
                started_at  timestamptz NOT NULL,
                finished_at timestamptz,
                outcome     text NOT NULL,
                details     jsonb NOT NULL DEFAULT '{{}}'
            );
            CREATE INDEX trenova_db_audit_started_at_idx ON {s}.trenova_db_audit (started_at);
            """,
        ),
        # The lease lock (trenova_db.lease). IF NOT EXISTS: a run behind a
        # transaction pooler creates it before it can hold any lock: both
        # under the same transaction-level lock (lock_table_guard), or a
        # direct runner's upgrade and a pooled runner's first lease race on
        # the catalog (duplicate key in pg_type_typname_nsp_index).
        (2, f"{lock_table_guard(schema)};\n{lock_table_sql(s)}"),
        # The abandoned-runs query (trenova_db.audit): `running` rows only, a
        # handful, while the table grows by a row per run. Partial, so it stays
        # that small; on id, the order the query reads them in.
        (
            3,
            f"CREATE INDEX IF NOT EXISTS trenova_db_audit_running_idx "
            f"ON {s}.trenova_db_audit (id) WHERE outcome = 'running'",
        ),
    ]


def lock_table_guard(schema: str) -> str:
    """The statement that serialises creating the lease table (held to the end
    of the transaction, so it works through any pooler)."""
    key = quote_literal(f"trenova-db/{schema}/trenova_db_lock")
    return f"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))"


def lock_table_sql(s: str) -> str:
    """The lease lock's table in (quoted) schema ``s``."""
    return (
        f"CREATE TABLE IF NOT EXISTS {s}.trenova_db_lock ("
        " key         text PRIMARY KEY,"
        " holder      text NOT NULL,"
        " pid         integer NOT NULL,"
        " host        text NOT NULL,"
        " acquired_at timestamptz NOT NULL,"
        " expires_at  timestamptz NOT NULL)"
    )


CURRENT_VERSION = len(_internal_migrations("x"))

# Upgrades a user without the rights may leave to one that has them (see
# ensure_bookkeeping): they add nothing a run needs to be correct.
_MAY_WAIT = frozenset({3})


def _no_privilege(schema: str, exc: Exception, *, version: int = 1) -> QueryFailed:
    if version <= 1:
        return QueryFailed(
            f"cannot create trenova-db's bookkeeping tables in schema {schema!r}: {exc}",
            hint=f"grant the user CREATE on schema {schema!r} (or on the database, if the "
            "schema does not exist yet), or pass --schema naming a schema it owns",
        )
    return QueryFailed(
        f"cannot upgrade trenova-db's bookkeeping tables in schema {schema!r} to version "
        f"{version}: {exc}",
        hint=f"run trenova-db once as the owner of the bookkeeping tables in schema "
        f"{schema!r} (an upgrade needs CREATE on the schema and, for an index, to own the "
        "table), or make this user a member of the owner's role",
    )


# What each internal version creates, for the message when a name is taken.
_CREATES: dict[int, tuple[str, ...]] = {
    1: (
        "schema_migrations",
        "seed_status_enum",
        "seed_history",
        "trenova_db_audit",
        "trenova_db_audit_started_at_idx",
    ),
    2: ("trenova_db_lock",),
    3: ("trenova_db_audit_running_idx",),
}

_KINDS = {"r": "table", "p": "table", "i": "index", "S": "sequence", "v": "view"}
_KINDS |= {"m": "materialized view", "f": "foreign table", "c": "type", "I": "index"}

_TAKEN = """
SELECT c.relname, c.relkind::text, NULL, pg_get_userbyid(c.relowner)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
UNION ALL
SELECT t.typname, 'type', (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                           FROM pg_enum e WHERE e.enumtypid = t.oid),
       pg_get_userbyid(t.typowner)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = $1 AND t.typname = ANY($2::text[]) AND t.typrelid = 0
ORDER BY 1
"""


async def _name_taken(
    conn: Any, schema: str, version: int, found: int, exc: Exception
) -> HistoryMismatch:
    """The error for a bookkeeping name already taken: what is there, and what to do.

    Another tool's history under trenova-db's names (golang-migrate's or
    dbmate's schema_migrations, the Go seeder's seed_history and enum) is
    recognised and refused before this point (trenova_db.foreign), so what is
    left is an object trenova-db has no record of making: another
    application's, or one left behind when trenova-db's own record of it
    (trenova_db_versions) was dropped or emptied.
    """
    s = quote_ident(schema)
    names = list(_CREATES.get(version, ()))
    try:
        rows = await conn.fetch(_TAKEN, schema, names)
    except asyncpg.PostgresError:  # the message matters more than the listing
        rows = []
    seen: list[str] = []
    drops: list[str] = []
    for name, kind, labels, owner in rows:
        what = _KINDS.get(kind, kind)
        if labels is not None:
            detail = f" (an enum of {labels}, owned by {owner})"
        else:
            detail = f" (owned by {owner})"
        seen.append(f"{what} {schema}.{name}{detail}")
        drops.append(f"DROP {what.upper()} {s}.{quote_ident(name)}")
    record = "no version" if found == 0 else f"version {found}"
    listing = "; ".join(seen) or str(exc)
    message = (
        f"cannot create trenova-db's bookkeeping tables in schema {schema!r}: {exc}. "
        f"Found {listing}, which trenova-db has no record of making "
        f"({schema}.trenova_db_versions records {record})"
    )
    drop = "; ".join(drops) or "drop it"
    hint = (
        f"pass --schema to keep trenova-db's tables in another schema. If it is "
        f"another application's that nothing uses, drop it ({drop}) and run again; if "
        f"it is trenova-db's own, left without its record in {schema}.trenova_db_versions, "
        "restore that table from a backup rather than dropping anything"
    )
    if found == 0 and "seed_status_enum" in str(exc):
        hint += (
            f". If it is the Go seeder's, drop the empty {schema}.trenova_db_versions "
            "(left by a run that stopped before creating anything) and run "
            "`trenova-db adopt --dry-run`: adopt takes it over"
        )
    return HistoryMismatch(message, hint=hint)


async def ensure_bookkeeping(conn: Any, schema: str) -> int:
    """Bring the bookkeeping tables to CURRENT_VERSION. Call under the lock.

    Returns the version found before upgrading (0 = fresh database).
    """
    s = quote_ident(schema)
    try:
        # CREATE SCHEMA IF NOT EXISTS checks the database-level CREATE right
        # even when the schema exists: a least-privilege role owning only its
        # schema must not need it.
        if await conn.fetchval("SELECT to_regnamespace($1) IS NULL", s):
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {s}.trenova_db_versions ("
            " version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    except asyncpg.InsufficientPrivilegeError as exc:
        raise _no_privilege(schema, exc) from exc
    found = await conn.fetchval(f"SELECT coalesce(max(version), 0) FROM {s}.trenova_db_versions")
    for version, sql in _internal_migrations(schema):
        if version <= found:
            continue
        try:
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    f"INSERT INTO {s}.trenova_db_versions (version) VALUES ({version})"
                )
        except asyncpg.InsufficientPrivilegeError as exc:
            error = _no_privilege(schema, exc, version=1 if found == 0 else version)
            if found == 0 or version not in _MAY_WAIT:
                raise error from exc
            # An index only: the run goes on without it (a user that may use the
            # tables but does not own them must not be locked out by an upgrade);
            # each run warns and tries again until one with the rights makes it.
            from .logs import migrate_log

            migrate_log.warning(
                "%s; the run goes on without it (%s)",
                error,
                error.hint,
                extra={"event": "bookkeeping-upgrade-deferred", "version": version},
            )
            break
        except (asyncpg.DuplicateObjectError, asyncpg.DuplicateTableError) as exc:
            raise await _name_taken(conn, schema, version, found, exc) from exc
    return int(found)


class AppliedMigration(msgspec.Struct, frozen=True, kw_only=True):
    """One schema_migrations row; the detail fields are None on the lean read."""

    version: int
    name: str
    kind: str
    checksum: str
    dirty: bool
    statements_done: int
    error: str | None = None
    batch: int = 0
    applied_at: datetime | None = None
    applied_by: str | None = None
    duration_ms: int | None = None


class History(msgspec.Struct, frozen=True, kw_only=True):
    internal_version: int
    applied: tuple[AppliedMigration, ...] = ()
    audit_id: int | None = None
    # pg_backend_pid() of the server connection that answered: compared with
    # the pid announced at connect, it tells a pooler (trenova_db.pooler).
    backend_pid: int | None = None

    @property
    def last_batch(self) -> int:
        return max((m.batch for m in self.applied), default=0)


_UNESCAPE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


NULL = "\\N"  # COPY text format's NULL


def _unescape(field: str) -> str:
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            out.append(_UNESCAPE.get(field[i + 1], field[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_LEAN = "m.version, m.name, m.kind, m.checksum, m.dirty, m.statements_done, m.error, m.batch"


def _audit_parts(s: str, audit_values: str | None) -> tuple[str, str]:
    """(the WITH clause inserting the audit row, the column returning its id)."""
    if audit_values is None:
        return "", "NULL::bigint"
    return (
        f"WITH audit AS (INSERT INTO {s}.trenova_db_audit (operation, environment, actor, "
        f"host, started_at, finished_at, outcome, details) VALUES ({audit_values}) "
        "RETURNING id) ",
        "(SELECT id FROM audit)",
    )


async def _copy_lines(conn: Any, query: str) -> list[str]:
    """The rows of ``query`` as COPY text lines, in one round trip (logged)."""
    chunks: list[bytes] = []

    async def collect(data: bytes) -> None:
        chunks.append(data)

    started = time.perf_counter()
    try:
        # asyncpg wraps this as COPY (...) TO STDOUT and sends one Query message.
        # The output is a coroutine function: given a file object, asyncpg
        # writes each chunk through run_in_executor (a thread pool started,
        # then joined when the event loop closes, on every run).
        await conn.copy_from_query(query, output=collect)
    except asyncpg.PostgresError as exc:
        log_copy(conn, query, started, exc)
        raise
    log_copy(conn, query, started, None)
    return b"".join(chunks).decode("utf-8").splitlines()


def _history_query(schema: str, audit_values: str | None) -> str:
    s = quote_ident(schema)
    audit_cte, audit_col = _audit_parts(s, audit_values)
    return (
        f"{audit_cte}SELECT {audit_col}, i.v, pg_backend_pid(), {_LEAN} "
        f"FROM (SELECT max(version) AS v FROM {s}.trenova_db_versions) i "
        f"LEFT JOIN {s}.schema_migrations m ON true ORDER BY m.version"
    )


async def read_history(
    conn: Any, schema: str, *, audit_values: str | None = None, full: bool = True
) -> History:
    """The whole history. internal_version 0 = no tables yet.

    ``full`` (status, rollback, repair, the run under the lock: sessions whose
    pooler is known): a prepared query whose rows the driver decodes in C,
    half the CPU of parsing COPY text for a long history, for a second round
    trip. ``full=False`` (migrate before the pooler is known): one COPY over
    the simple protocol, without the columns only reports need, parsed here;
    ``audit_values`` (a rendered VALUES tuple) inserts an audit row in the same
    statement.
    """
    if full:
        if audit_values is not None:
            raise ValueError("an audit row travels with the lean read only (full=False)")
        return await _fetch_history(conn, schema)
    query = _history_query(schema, audit_values)
    try:
        lines = await _copy_lines(conn, query)
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return History(internal_version=0)
    except asyncpg.UndefinedColumnError:
        # Tables of an older layout: the slow path upgrades them under the lock.
        return History(internal_version=-1)
    applied: list[AppliedMigration] = []
    internal_version = 0
    audit_id: int | None = None
    backend_pid: int | None = None
    for line in lines:
        # Inline tests, not a call per field: a long history has 1000 rows.
        f = [None if x == NULL else _unescape(x) if "\\" in x else x for x in line.split("\t")]
        audit_id = int(f[0]) if f[0] is not None else None
        internal_version = int(f[1]) if f[1] is not None else 0
        backend_pid = int(f[2] or 0)
        del f[2]
        if f[2] is None:
            continue
        row = AppliedMigration(
            version=int(f[2]),
            name=f[3] or "",
            kind=f[4] or "tx",
            checksum=f[5] or "",
            dirty=f[6] == "t",
            statements_done=int(f[7] or 0),
            error=f[8],
            batch=int(f[9] or 0),
        )
        applied.append(row)
    return History(
        internal_version=internal_version,
        applied=tuple(applied),
        audit_id=audit_id,
        backend_pid=backend_pid,
    )


# applied_at as seconds since the epoch (a double: exact to the microsecond
# until 2106): the driver's timestamptz decoder builds a timedelta per value,
# most of the client's time on a 1000-row history, and to_char() text cost
# the server as much; datetime.fromtimestamp reads a double in a fraction.
_FETCH_HISTORY = (
    "SELECT i.v, m.version, m.name, m.kind, m.checksum, m.dirty, m.statements_done, m.error, "
    "m.batch, date_part('epoch', m.applied_at), "
    "m.applied_by, m.duration_ms "
    "FROM (SELECT max(version) AS v FROM {s}.trenova_db_versions) i "
    "LEFT JOIN {s}.schema_migrations m ON true ORDER BY m.version"
)
_EPOCH = datetime.fromtimestamp(0, tz=UTC)


async def _fetch_history(conn: Any, schema: str) -> History:
    try:
        rows = await conn.fetch(_FETCH_HISTORY.format(s=quote_ident(schema)))
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return History(internal_version=0)
    except asyncpg.UndefinedColumnError:
        return History(internal_version=-1)  # an older layout, as above
    applied: list[AppliedMigration] = []
    from_seconds = datetime.fromtimestamp
    for r in rows:
        if r[1] is None:
            continue
        try:
            applied_at = from_seconds(r[9], UTC) if r[9] is not None else _EPOCH
        except (OverflowError, ValueError, OSError):  # infinity, set by hand: as unknown
            applied_at = _EPOCH
        applied.append(
            AppliedMigration(
                version=r[1],
                name=r[2] or "",
                kind=r[3] or "tx",
                checksum=r[4] or "",
                dirty=bool(r[5]),
                statements_done=r[6] or 0,
                error=r[7],
                batch=r[8] or 0,
                applied_at=applied_at,
                applied_by=r[10] or "",
                duration_ms=r[11] or 0,
            )
        )
    internal_version = rows[0][0] if rows and rows[0][0] is not None else 0
    return History(internal_version=internal_version, applied=tuple(applied))


class HistorySummary(msgspec.Struct, frozen=True, kw_only=True):
    """What the boot-time question needs of the history: one row, whatever its length.

    ``digest`` covers each applied row's version and checksum (the same text
    ``discovery.history_digest`` builds from the files): equal digests, no
    dirty row and current tables mean nothing is pending, missing or changed.
    ``digest`` is None when the server cannot compute it (sha256() arrived
    in PostgreSQL 11): the caller then reads the whole history.
    """

    internal_version: int
    applied: int = 0
    dirty: bool = False
    digest: str | None = None
    audit_id: int | None = None
    backend_pid: int | None = None


# One line per applied row, "version checksum", in version order: see
# discovery.history_digest, which must build the same text from the files.
_DIGEST = (
    "encode(sha256(convert_to(coalesce(string_agg(m.version || ' ' || m.checksum, "
    "E'\\n' ORDER BY m.version), ''), 'UTF8')), 'hex')"
)


def _summary_query(schema: str, audit_values: str | None) -> str:
    s = quote_ident(schema)
    audit_cte, audit_col = _audit_parts(s, audit_values)
    # The audit row of a boot that finds nothing to do need not wait for the
    # WAL to reach disk (a flush per service boot): losing it to a crash loses
    # the record that nothing happened. set_config(..., true) holds for this
    # statement's own transaction only; any later commit flushes it anyway.
    quick = ", set_config('synchronous_commit', 'off', true)" if audit_values else ""
    return (
        f"{audit_cte}SELECT {audit_col}, i.v, pg_backend_pid(), count(m.version), "
        f"coalesce(bool_or(m.dirty), false), {_DIGEST}{quick} "
        f"FROM (SELECT max(version) AS v FROM {s}.trenova_db_versions) i "
        f"LEFT JOIN {s}.schema_migrations m ON true GROUP BY i.v"
    )


async def read_summary(
    conn: Any, schema: str, *, audit_values: str | None = None
) -> HistorySummary:
    """The history's summary in one round trip and one row (see HistorySummary);
    ``audit_values`` as for read_history."""
    query = _summary_query(schema, audit_values)
    try:
        lines = await _copy_lines(conn, query)
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return HistorySummary(internal_version=0)
    except asyncpg.UndefinedColumnError:
        return HistorySummary(internal_version=-1)  # an older layout: see read_history
    except asyncpg.UndefinedFunctionError:
        return HistorySummary(internal_version=-2)  # no sha256(): read the whole history
    if not lines:
        return HistorySummary(internal_version=0)
    f = [None if x == NULL else x for x in lines[0].split("\t")]
    return HistorySummary(
        audit_id=int(f[0]) if f[0] is not None else None,
        internal_version=int(f[1]) if f[1] is not None else 0,
        backend_pid=int(f[2] or 0),
        applied=int(f[3] or 0),
        dirty=f[4] == "t",
        digest=f[5],
    )


class SeedHistoryRow(msgspec.Struct, frozen=True):
    """One seed_history row, as the seeder and status read it."""

    name: str
    version: str
    checksum: str
    status: str
    applied_at: Any
    error: str | None


async def read_seed_history(conn: Any, schema: str, environment: str) -> list[SeedHistoryRow]:
    s = quote_ident(schema)
    try:
        rows = await conn.fetch(
            f"SELECT name, version, checksum, status::text, applied_at, error "
            f"FROM {s}.seed_history WHERE environment = $1 ORDER BY applied_at",
            environment,
        )
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return []  # nothing seeded yet: the tables come with the first run
    return [SeedHistoryRow(*r) for r in rows]
