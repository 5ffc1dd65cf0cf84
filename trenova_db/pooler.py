"""Connection poolers (PgBouncer) in front of the server: detected, or forced.

What a pooler changes, and what trenova-db does about it:

- PgBouncer refuses startup parameters it does not know (``unsupported startup
  parameter: lock_timeout``), and one that is told to ignore them would drop
  them silently. So timeouts are never startup parameters: they are ``SET``
  in the session on a direct connection (or a session-pooled one), and
  ``SET LOCAL`` inside every transaction trenova-db sends behind a
  transaction pooler, where a session setting would land on whichever server
  connection is free, and stay there for the application's next client.
  ``application_name`` stays a startup parameter: PgBouncer tracks it.
- A statement that must run alone (``CREATE INDEX CONCURRENTLY``, ``VACUUM``)
  cannot carry ``SET LOCAL``, and PgBouncer 1.18 has no way to give one
  client's settings to a server connection. Behind a transaction pooler its
  timeouts are enforced from outside instead (``run_alone``): a watcher
  connection sees it in ``pg_stat_activity`` and cancels it once it has
  waited for a lock longer than lock_timeout, or run longer than
  statement_timeout; the error says so, like the server's own.
- Named prepared statements (asyncpg's statement cache) are off for pooled
  connections: decided before connecting when the mode is known (``--pooler``,
  a connection of a run whose first connection found it), and by reopening the
  connection once when detection finds a pooler. asyncpg then sends unnamed
  statements, parsed again in the same message as their execution, which
  PgBouncer 1.18 (no ``max_prepared_statements``) passes along intact.
- A session advisory lock cannot work in transaction pooling; there
  ``trenova_db.lease`` holds a lease row instead (``trenova_db.session.run_lock``
  chooses). In session pooling the client keeps its server connection for its
  whole life, and the session lock works.

Detection: a PostgreSQL backend announces its own process id when a
connection starts (BackendKeyData); PgBouncer announces a random one of its
own. One query comparing ``pg_backend_pid()`` with the announced id tells a
direct connection from a pooled one, and on a direct connection the same
query also sets the timeouts, so detection costs no round trip of its own (and
none at all on the no-op ``migrate``, whose history read reports the pid).
Behind a pooler, the pool mode is then probed with two short-lived clients:

- transaction pooling is proved when our idle connection's server is handed
  to another client, or a client's server changes (or is reset) between two
  of its statements;
- session pooling is proved when a probe client keeps its server across
  statements, and that server, handed to the next client once the probe
  disconnected, comes back reset (PgBouncer's ``server_reset_query``, in
  session pooling only): a client that had it to itself until it left.

Anything else (a busy pool, a pooler without a reset query) is not proof,
and is run as transaction pooling, which is correct in both modes;
``--pooler session|transaction|none`` (or ``TRENOVA_DB_POOLER``, or
``pooler`` in ``[tool.trenova-db]``) says so when it is known.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import msgspec

__all__ = [
    "Pooling",
    "alone_prefix",
    "connect_options",
    "copy_rows",
    "local_settings",
    "pooling",
    "run_alone",
    "session_settings",
    "settle",
    "setup",
]

Mode = Literal["none", "session", "transaction"]

log = logging.getLogger("trenova_db.pooler")


class Pooling(msgspec.Struct, frozen=True, kw_only=True):
    """What is between us and the server, as far as one connection knows."""

    mode: Mode = "none"
    # "configured" (--pooler), "detected" (proved), or "assumed" (a pooler was
    # seen; its mode could not be proved, so it is run as transaction pooling)
    how: str = "configured"
    server_pid: int | None = None  # the server backend the first query ran on

    @property
    def pooled(self) -> bool:
        return self.mode != "none"

    def describe(self) -> str:
        if self.mode == "none":
            return "direct connection" + (" (configured)" if self.how == "configured" else "")
        text = f"connection pooler, {self.mode} pooling"
        if self.how == "assumed":
            return text + " (pool mode not proved; run as transaction pooling)"
        return f"{text} ({self.how})"


class _State:
    __slots__ = (
        "application_name",
        "cached",
        "dsn",
        "lock_timeout",
        "pooler",
        "pooling",
        "statement_timeout",
    )

    def __init__(
        self,
        dsn: str | None,
        pooler: str,
        lock_timeout: float | None,
        statement_timeout: float | None,
        application_name: str | None = None,
        cached: bool = False,
    ) -> None:
        self.application_name = application_name
        self.dsn = dsn
        self.pooler = pooler
        self.lock_timeout = lock_timeout
        self.statement_timeout = statement_timeout
        # Whether asyncpg's statement cache is on (decided at connect time).
        self.cached = cached
        self.pooling: Pooling | None = None


_STATES: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()


def connect_options(pooler: str, setup: bool) -> dict[str, Any]:
    """asyncpg.connect options for a connection with this ``--pooler`` setting.

    The statement cache is off unless the connection may turn out direct AND
    ``settle`` can still reopen it if it does not (``setup``): a connection
    whose setup is left to its caller (the no-op ``migrate``) cannot be
    replaced, and its queries run once each anyway, so the cache saves it
    nothing. A direct connection is never reopened: no round trip is added.
    """
    if pooler == "none" or (pooler == "auto" and setup):
        return {}
    return {"statement_cache_size": 0}


def register(
    conn: Any,
    *,
    dsn: str | None = None,
    pooler: str = "auto",
    lock_timeout: float | None = None,
    statement_timeout: float | None = None,
    application_name: str | None = None,
    cached: bool = False,
) -> None:
    """Remember what ``setup`` must apply to ``conn`` (called by ``connect``)."""
    _STATES[conn] = _State(
        dsn, pooler, lock_timeout, statement_timeout, application_name, cached=cached
    )


def application_name(conn: Any) -> str | None:
    """The application_name ``conn`` was opened with (names its server sessions)."""
    state = _STATES.get(conn)
    return state.application_name if state is not None else None


def after_reset(conn: Any) -> str:
    """What to send after a ``RESET ALL``: the session's timeouts again, and
    behind a pooler its application_name (a pooled server connection's
    default is not ours; a lease's holder is found by it)."""
    sql = session_settings(conn)
    state = _STATES.get(conn)
    if state is not None and state.application_name and pooling(conn).pooled:
        name = state.application_name.replace("'", "''")
        sql += f"SET application_name = '{name}';\n"
    return sql


_SEEN_POOLED = False


def any_pooled() -> bool:
    """Whether this process has a connection through a pooler."""
    return _SEEN_POOLED


def pooling(conn: Any) -> Pooling:
    """What ``setup`` found for ``conn`` (a direct connection if it never ran)."""
    state = _STATES.get(conn)
    if state is None or state.pooling is None:
        return Pooling(mode="none", how="assumed")
    return state.pooling


def _timeouts(state: _State | None) -> list[tuple[str, str]]:
    if state is None:
        return []
    out = []
    if state.lock_timeout is not None:
        out.append(("lock_timeout", f"{math.ceil(state.lock_timeout * 1000)}ms"))
    if state.statement_timeout is not None:
        out.append(("statement_timeout", f"{math.ceil(state.statement_timeout * 1000)}ms"))
    return out


def session_settings(conn: Any) -> str:
    """``SET ...;`` re-applying the timeouts after a ``RESET ALL`` (session-level
    modes), or "" (none set, or transaction pooling: see ``local_settings``)."""
    state = _STATES.get(conn)
    if state is None or (state.pooling is not None and state.pooling.mode == "transaction"):
        return ""
    return "".join(f"SET {name} = '{value}';\n" for name, value in _timeouts(state))


def local_settings(conn: Any) -> str:
    """``SET LOCAL ...;`` for the start of every transaction behind a
    transaction pooler, or "" (the session already has them)."""
    state = _STATES.get(conn)
    if state is None or state.pooling is None or state.pooling.mode != "transaction":
        return ""
    return "".join(f"SET LOCAL {name} = '{value}';\n" for name, value in _timeouts(state))


async def copy_rows(conn: Any, query: str) -> list[list[str | None]]:
    """Rows of ``query`` in COPY text format, over the simple protocol: no
    prepared statement, so safe on any pooled connection before ``setup``."""
    from .bookkeeping import NULL, _unescape

    chunks: list[bytes] = []

    async def collect(data: bytes) -> None:
        # A coroutine function, not a file object: asyncpg hands a file object
        # each chunk through run_in_executor, starting (and at the end of the
        # run, joining) a thread pool for a one-row answer.
        chunks.append(data)

    await conn.copy_from_query(query, output=collect)
    return [
        [None if x == NULL else _unescape(x) for x in line.split("\t")]
        for line in b"".join(chunks).decode("utf-8").splitlines()
    ]


async def setup(conn: Any, *, backend_pid: int | None = None) -> Pooling:
    """Detect (or take from the setting) the pooling of ``conn`` and apply the
    timeouts accordingly. Idempotent.

    ``backend_pid``: ``pg_backend_pid()`` as the connection's first query
    reported it (the history read), which saves the detection query.
    """
    global _SEEN_POOLED
    state = _STATES.get(conn)
    if state is None:
        state = _State(None, "auto", None, None)
        _STATES[conn] = state
    if state.pooling is not None:
        return state.pooling
    timeouts = _timeouts(state)
    announced = int(conn.get_server_pid())
    if state.pooler != "auto":
        result = Pooling(mode=state.pooler, how="configured")  # type: ignore[arg-type]
        _SEEN_POOLED = _SEEN_POOLED or result.pooled
        state.pooling = result
        if result.mode != "transaction" and timeouts:
            await conn.execute(session_settings(conn))
        return result
    applied = False
    if backend_pid is None:
        # On a direct connection the timeouts are set by the same statement;
        # behind a pooler nothing is set (it would stay on a shared server).
        sets = " || ".join(f"set_config('{n}', '{v}', false)" for n, v in timeouts) or "''"
        (row,) = await copy_rows(
            conn,
            f"SELECT pg_backend_pid(), CASE WHEN pg_backend_pid() = {announced} THEN {sets} END",
        )
        backend_pid = int(row[0] or 0)
        applied = row[1] is not None
    if backend_pid == announced:
        state.pooling = Pooling(mode="none", how="detected", server_pid=backend_pid)
        if timeouts and not applied:
            await conn.execute(session_settings(conn))
        return state.pooling
    _SEEN_POOLED = True
    mode, how = await _pool_mode(conn, state.dsn, backend_pid)
    state.pooling = Pooling(mode=mode, how=how, server_pid=backend_pid)
    if mode == "session" and timeouts:
        # Our server connection is ours until we leave, and the pooler's
        # reset (seen by the probe) clears the settings then.
        await conn.execute(session_settings(conn))
    return state.pooling


async def settle(conn: Any, reopen: Callable[[str], Awaitable[Any]]) -> Any:
    """``setup``, and the connection to use from now on: ``conn`` itself, or,
    when a pooler was found on a connection opened with asyncpg's statement
    cache, a new one opened by ``reopen(mode)`` without it (``conn`` closed).

    asyncpg decides about its cache when connecting, and offers no public way
    to turn it off later; reopening costs a connection to the pooler, never
    a round trip on a direct connection.
    """
    found = await setup(conn)
    state = _STATES[conn]
    if not found.pooled or not state.cached:
        return conn
    fresh = await reopen(found.mode)
    try:
        _STATES[fresh].pooling = found  # what was proved, not "configured"
    except BaseException:
        fresh.terminate()
        raise
    try:
        await asyncio.wait_for(conn.close(), 2)
    except Exception:
        conn.terminate()
    return fresh


_PROBE_SETTING = "trenova_db.pooler_probe"


async def _pool_mode(conn: Any, dsn: str | None, first_pid: int) -> tuple[Mode, str]:
    """The pool mode behind a pooler, and whether it was proved ("detected")
    or not ("assumed": run as transaction pooling, correct in both)."""
    (row,) = await copy_rows(conn, "SELECT pg_backend_pid()")
    if int(row[0] or 0) != first_pid:
        return "transaction", "detected"  # two statements, two server connections
    if dsn is None:
        return "transaction", "assumed"
    import anyio

    found: Mode | None = None
    with anyio.move_on_after(4):
        found = await _probe(conn, dsn, first_pid)
    if found is None:
        return "transaction", "assumed"
    return found, "detected"


async def _probe_client(dsn: str) -> Any:
    from .connection import connect

    return await connect(dsn, purpose="pooler probe", pooler="transaction", connect_timeout=2)


async def _probe(conn: Any, dsn: str, first_pid: int) -> Mode | None:
    """Two rounds of: a probe client marks its server connection with a
    setting, leaves, and the next client looks for the mark. None: not proved."""
    import secrets

    from .errors import TrenovaDBError

    for _ in range(2):
        token = secrets.token_hex(8)
        mark = f"set_config('{_PROBE_SETTING}', '{token}', false)"
        seen = f"current_setting('{_PROBE_SETTING}', true)"
        try:
            other = await _probe_client(dsn)
        except TrenovaDBError:  # the pooler is full: not proved
            return None
        try:
            ((pid, _),) = await copy_rows(other, f"SELECT pg_backend_pid(), {mark}")
            if int(pid or 0) == first_pid:
                # Our connection is idle: in transaction pooling its server is
                # back in the pool, and PgBouncer hands out the most recently
                # used first. In session pooling nobody else can get it.
                return "transaction"
            ((again, value),) = await copy_rows(other, f"SELECT pg_backend_pid(), {seen}")
            if again != pid or value != token:
                return "transaction"  # moved, or reset, between two statements of a client
        finally:
            await _leave(other)
        try:
            third = await _probe_client(dsn)
        except TrenovaDBError:
            return None
        try:
            # The mark is cleared if it is still there: nothing of ours stays
            # on a server connection the application's clients get next.
            ((after, value, _),) = await copy_rows(
                third,
                f"SELECT pg_backend_pid(), {seen}, CASE WHEN {seen} = '{token}' "
                f"THEN set_config('{_PROBE_SETTING}', '', false) END",
            )
        finally:
            await _leave(third)
        if int(after or 0) == first_pid:
            return "transaction"
        if after != pid or value == token:
            return None  # another server, or one passed on without a reset
    ((now,),) = await copy_rows(conn, "SELECT pg_backend_pid()")
    return "session" if int(now or 0) == first_pid else "transaction"


async def _leave(conn: Any) -> None:
    """Close a probe client the way a client leaves (the pooler resets its
    server in session pooling then)."""
    try:
        await asyncio.wait_for(conn.close(), 2)
    except Exception:
        conn.terminate()
    except BaseException:  # cancelled (the probe's time ran out): never left open
        conn.terminate()
        raise


# -- statements that must run alone -------------------------------------------

# Leads a statement whose timeouts a watcher enforces: how the watcher finds
# it in pg_stat_activity (with our application_name).
_ALONE = "/* trenova-db: timeouts enforced by the client */\n"


def alone_prefix(conn: Any) -> str:
    """What to put before a statement that must run alone on ``conn``: "" when
    the session's settings reach it, else the mark ``run_alone`` watches for
    (behind a transaction pooler, with a lock or statement timeout set)."""
    state = _STATES.get(conn)
    if (
        state is None
        or state.pooling is None
        or state.pooling.mode != "transaction"
        or state.dsn is None
        or state.application_name is None
        or not _timeouts(state)
    ):
        return ""
    return _ALONE


async def run_alone(conn: Any, sql: str) -> None:
    """Run ``sql`` as a message of its own; if it carries ``alone_prefix``,
    with its timeouts enforced from a watcher connection.

    The watcher cancels it (``pg_cancel_backend``, the server process found
    by our application_name, the mark, and the start of this very execution,
    checked in the same statement) once it has waited for a lock continuously
    longer than lock_timeout, or run longer than statement_timeout. The
    server's answer tells whether it was cancelled or had finished: the error
    raised is the server's own kind (55P03, 57014), saying who cancelled it.
    """
    state = _STATES.get(conn)
    if not sql.startswith(_ALONE) or state is None or state.dsn is None:
        await conn.execute(sql)
        return
    import asyncpg

    from .connection import connect

    watcher = await connect(state.dsn, purpose="timeouts", pooler="transaction", connect_timeout=5)
    cancelled: str | None = None
    work = asyncio.ensure_future(conn.execute(sql))
    try:
        cancelled = await _watch(watcher, state, work)
        try:
            await work
        except asyncpg.QueryCanceledError as exc:
            if cancelled is None:
                raise
            error: type[asyncpg.PostgresError] = (
                asyncpg.LockNotAvailableError
                if cancelled.startswith("lock")
                else asyncpg.QueryCanceledError
            )
            raise error(
                f"canceling statement due to {cancelled} (enforced by trenova-db from "
                "another connection: behind a transaction pooler a statement that must run "
                "alone cannot carry the setting)"
            ) from exc
    finally:
        if not work.done():
            work.cancel()
        try:
            await asyncio.wait_for(watcher.close(), 2)
        except Exception:
            watcher.terminate()


async def _watch(watcher: Any, state: _State, work: asyncio.Future[Any]) -> str | None:
    """Poll until ``work`` is done or overdue; cancel it then. Returns the
    reason it was cancelled for, or None."""
    import asyncpg

    from .bookkeeping import quote_literal

    lock_timeout, statement_timeout = state.lock_timeout, state.statement_timeout
    limits = [t for t in (lock_timeout, statement_timeout) if t is not None]
    interval = min(0.1, max(min(limits) / 20, 0.01))
    name = quote_literal(state.application_name or "")
    mark = quote_literal(_ALONE.replace("%", r"\%").replace("_", r"\_") + "%")
    find = (
        "SELECT pid, wait_event_type = 'Lock', "
        "extract(epoch FROM clock_timestamp() - query_start), query_start "
        f"FROM pg_stat_activity WHERE application_name = {name} AND state = 'active' "
        f"AND query LIKE {mark} AND pid <> pg_backend_pid() LIMIT 1"
    )
    waiting_since: float | None = None
    while True:
        done, _ = await asyncio.wait({work}, timeout=interval)
        if done:
            return None
        try:
            rows = await copy_rows(watcher, find)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            log.warning("cannot watch the statement's timeouts any more: %s", exc)
            return None
        if not rows:
            continue  # not started yet, or finished
        pid, on_lock, running, started = rows[0]
        now = time.monotonic()
        reason = None
        if statement_timeout is not None and float(running or 0) >= statement_timeout:
            reason = f"statement timeout ({math.ceil(statement_timeout * 1000)}ms)"
        if on_lock == "t":
            waiting_since = now if waiting_since is None else waiting_since
            if lock_timeout is not None and now - waiting_since >= lock_timeout:
                reason = f"lock timeout ({math.ceil(lock_timeout * 1000)}ms)"
        else:
            waiting_since = None
        if reason is None:
            continue
        # Only that execution: same process, still running what it started then.
        await copy_rows(
            watcher,
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
            f"WHERE pid = {int(pid or 0)} AND state = 'active' AND application_name = {name} "
            f"AND query LIKE {mark} AND query_start = {quote_literal(str(started))}::timestamptz",
        )
        return reason
