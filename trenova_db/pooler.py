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
- In transaction pooling, a client's consecutive transactions may run on
  different server connections: named prepared statements (asyncpg's
  statement cache) are turned off for pooled connections. asyncpg then sends
  unnamed statements, parsed again in the same message as their execution,
  which PgBouncer 1.18 (no ``max_prepared_statements``) passes along intact.
- A session advisory lock cannot work there; ``trenova_db.lease`` holds a
  lease row instead (``trenova_db.session.run_lock`` chooses).

Detection: a PostgreSQL backend announces its own process id when a
connection starts (BackendKeyData); PgBouncer announces a random one of its
own. One query comparing ``pg_backend_pid()`` with the announced id tells a
direct connection from a pooled one, and on a direct connection the same
query also sets the timeouts, so detection costs no round trip of its own (and
none at all on the no-op ``migrate``, whose history read reports the pid).
Behind a pooler, the pool mode is then probed: a second client connection
that gets our first server connection, or our own connection changing server
between two statements, proves transaction pooling. Session pooling cannot be
proved from a client, so an unproved mode is run as transaction pooling (safe
in both); ``--pooler session`` (or ``TRENOVA_DB_POOLER``, or ``pooler`` in
``[tool.trenova-db]``) says so when it is known.
"""

from __future__ import annotations

import io
import math
import weakref
from typing import Any, Literal

import msgspec

__all__ = [
    "Pooling",
    "copy_rows",
    "local_settings",
    "pooling",
    "session_settings",
    "setup",
]

Mode = Literal["none", "session", "transaction"]


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
            return text + " (pool mode not observable; run as transaction pooling)"
        return f"{text} ({self.how})"


class _State:
    __slots__ = (
        "application_name",
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
    ) -> None:
        self.application_name = application_name
        self.dsn = dsn
        self.pooler = pooler
        self.lock_timeout = lock_timeout
        self.statement_timeout = statement_timeout
        self.pooling: Pooling | None = None


_STATES: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()


def register(
    conn: Any,
    *,
    dsn: str | None = None,
    pooler: str = "auto",
    lock_timeout: float | None = None,
    statement_timeout: float | None = None,
    application_name: str | None = None,
) -> None:
    """Remember what ``setup`` must apply to ``conn`` (called by ``connect``)."""
    _STATES[conn] = _State(dsn, pooler, lock_timeout, statement_timeout, application_name)


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

    buffer = io.BytesIO()
    await conn.copy_from_query(query, output=buffer)
    return [
        [None if x == NULL else _unescape(x) for x in line.split("\t")]
        for line in buffer.getvalue().decode("utf-8").splitlines()
    ]


def _disable_statement_cache(conn: Any) -> None:
    global _SEEN_POOLED
    _SEEN_POOLED = True
    # asyncpg decides at connect time; behind a pooler the decision comes
    # after. With the cache off asyncpg sends unnamed statements and re-parses
    # them with their execution (its own PgBouncer support).
    conn._stmt_cache.clear()
    conn._stmt_cache.set_max_size(0)
    conn._stmt_cache_enabled = False


async def setup(conn: Any, *, backend_pid: int | None = None) -> Pooling:
    """Detect (or take from the setting) the pooling of ``conn`` and apply the
    timeouts accordingly. Idempotent.

    ``backend_pid``: ``pg_backend_pid()`` as the connection's first query
    reported it (the history read), which saves the detection query.
    """
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
        if result.pooled:
            _disable_statement_cache(conn)
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
    _disable_statement_cache(conn)
    proved = await _transaction_pooling_seen(conn, state.dsn, backend_pid)
    state.pooling = Pooling(
        mode="transaction", how="detected" if proved else "assumed", server_pid=backend_pid
    )
    return state.pooling


async def _transaction_pooling_seen(conn: Any, dsn: str | None, first_pid: int) -> bool:
    """True when this client connection is seen not to own its server connection."""
    (row,) = await copy_rows(conn, "SELECT pg_backend_pid()")
    if int(row[0] or 0) != first_pid:
        return True  # two statements, two server connections
    # Our connection is idle: in transaction pooling its server connection is
    # back in the pool, and PgBouncer hands out the most recently used first.
    # In session pooling a second client can never get it.
    if dsn is None:
        return False
    import anyio

    from .connection import connect
    from .errors import TrenovaDBError

    with anyio.move_on_after(2):
        try:
            other = await connect(
                dsn, purpose="pooler probe", pooler="transaction", connect_timeout=2
            )
        except TrenovaDBError:  # the pooler is full: not proved, run as transaction pooling
            return False
        try:
            (row,) = await copy_rows(other, "SELECT pg_backend_pid()")
            return int(row[0] or 0) == first_pid
        finally:
            other.terminate()
    return False
