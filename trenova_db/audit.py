"""The audit trail: one row per migrate/rollback/repair/seed/reset/setup run."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable
from functools import cache
from typing import Any

import asyncpg
import msgspec

from .bookkeeping import quote_ident, quote_literal

__all__ = ["Audit", "actor", "host", "outcome_of"]

_encode = msgspec.json.Encoder().encode


def outcome_of(exc: BaseException) -> str:
    """The audit outcome for a run that raised: refused runs touched nothing."""
    from .errors import LockTimeout, Refused, ValidationError

    if isinstance(exc, ValidationError | Refused):
        return "refused"
    if isinstance(exc, LockTimeout):
        return "lock-timeout"
    if not isinstance(exc, Exception):  # Ctrl-C, task cancelled, process exiting
        return "interrupted"
    return "failed"


@cache
def actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


@cache
def host() -> str:
    return socket.gethostname()


def audit_values(operation: str, environment: str, outcome: str, details: dict[str, Any]) -> str:
    """A rendered VALUES tuple for trenova_db_audit (used inside the history COPY)."""
    return (
        f"{quote_literal(operation)}, {quote_literal(environment)}, {quote_literal(actor())}, "
        f"{quote_literal(host())}, now(), now(), {quote_literal(outcome)}, "
        f"{quote_literal(_encode(details).decode())}::jsonb"
    )


class Audit:
    """Start a row when the run starts, finish it with the outcome, always."""

    def __init__(self, conn: Any, schema: str, operation: str, environment: str) -> None:
        self.conn = conn
        self.table = f"{quote_ident(schema)}.trenova_db_audit"
        self.operation = operation
        self.environment = environment
        self.id: int | None = None

    async def start(self, details: dict[str, Any] | None = None) -> None:
        values = audit_values(self.operation, self.environment, "running", details or {})
        self.id = await self.conn.fetchval(
            f"INSERT INTO {self.table} (operation, environment, actor, host, started_at, "
            f"finished_at, outcome, details) VALUES ({values}) RETURNING id"
        )

    async def finish(self, outcome: str, details: dict[str, Any] | None = None) -> None:
        """Record the outcome; never raises (the run's own error matters more)."""
        if self.id is None or self.conn.is_closed():
            return
        try:
            await self.conn.execute(
                f"UPDATE {self.table} SET finished_at = clock_timestamp(), outcome = $1, "
                "details = details || $2::jsonb WHERE id = $3",
                outcome,
                _encode(details or {}).decode(),
                self.id,
            )
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            pass

    async def fail(
        self,
        exc: BaseException,
        details: dict[str, Any],
        *,
        mask: Callable[[str], str] | None = None,
    ) -> None:
        """Record why the run stopped, even while it is being cancelled."""
        import anyio

        error = str(exc) or type(exc).__name__
        details = {"error": mask(error) if mask else error, **details}
        # Shielded and bounded: a Ctrl-C must still leave an honest audit row,
        # but must not hang on a connection that is going away.
        with anyio.move_on_after(3, shield=True):
            # A cancelled BEGIN ... COMMIT script leaves the session inside an
            # aborted transaction, where the UPDATE below would be refused
            # (asyncpg may not know it yet, so ask the server unconditionally).
            if not self.conn.is_closed():
                try:
                    await self.conn.execute("ROLLBACK")
                except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                    pass
            await self.finish(outcome_of(exc), details)
