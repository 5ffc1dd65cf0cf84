"""Running one migration up or down, and turning SQL errors into MigrationFailed.

- ``.tx`` files: the file and its bookkeeping row go to the server as ONE
  simple-protocol message (``BEGIN; file; INSERT row; COMMIT``): applied
  exactly once or not at all, in a single round trip.
- other files: the row is written dirty first, then each statement runs on its
  own (``CREATE INDEX CONCURRENTLY`` refuses transaction blocks) and
  ``statements_done`` is advanced after each, so a failure leaves a precise,
  reported dirty state instead of a guess.

Errors carry file, statement number, line and column (dbmate's QueryError idea):
the server's error position is mapped back into the file.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from . import pooler
from .connection import is_connection_loss
from .discovery import MigrationFile
from .errors import LostLock, MigrationFailed, ValidationError
from .lock import lost_lock
from .stores import MigrationStore

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .splitter import Statement

__all__ = ["Applier"]

# In a non-.tx file each statement runs on its own: these would act on nothing
# (or, sent with the statement's counter, on the counter).
_TRANSACTION_ONLY = re.compile(r"(?is)\s*(?:lock\b|set\s+(?:local|transaction|constraints)\b)")
_COPY_FROM_STDIN = re.compile(r"(?is)copy\b.*?\bfrom\s+stdin\b")
# A migration may change its session (pg_dump's set_config('search_path', '',
# false), SET ROLE, a function that calls set_config): the next one must start
# from the connection's own settings, so every migration is followed by a reset.
_RESET_SESSION = "RESET SESSION AUTHORIZATION;\nRESET ROLE;\nRESET ALL;\n"


# now() is the time the *message* arrived, shared by every transaction of a
# group: each migration stamps its own start instead.
_STAMP = "SELECT set_config('trenova_db.started', clock_timestamp()::text, true);\n"
# The same, also relaxing this transaction's commit: one statement, not two
# (a 1000-migration run spends ~3% of its server time on the extra statement).
_STAMP_RELAXED = (
    "SELECT set_config('trenova_db.started', clock_timestamp()::text, true), "
    "set_config('synchronous_commit', 'off', true);\n"
)


class Applier:
    """Executes migrations on one connection; bookkeeping in ``schema``."""

    def __init__(
        self,
        conn: Any,
        schema: str,
        *,
        actor: str,
        before_statement: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.conn = conn
        self.store = MigrationStore(schema)
        self.actor = actor
        # The run lock's check, awaited before every message (no round trip):
        # nothing is sent once the lock is known to be gone.
        self.before_statement = before_statement
        # What was sent and not yet confirmed: after a lost connection, its
        # fate is unknown until the lost session has ended.
        self.in_flight: list[MigrationFile] = []
        # Every migration known to be committed with its row, in order: what a
        # failed run reports as done, including a failing group's earlier ones.
        self.committed: list[MigrationFile] = []
        # Timeouts: re-SET after each RESET ALL on a session of our own, or
        # SET LOCAL in every transaction behind a transaction pooler, where a
        # session setting would stay on a shared server connection.
        self.reset = _RESET_SESSION + pooler.after_reset(conn)
        self.local = pooler.local_settings(conn)
        self.transaction_pooled = pooler.pooling(conn).mode == "transaction"
        # Before a statement that must run alone: "" when the session's
        # timeouts reach it, else the mark under which pooler.run_alone
        # enforces them from outside (behind a transaction pooler).
        self.alone = pooler.alone_prefix(conn)

    # -- checks done before anything runs ---------------------------------

    @staticmethod
    def check_runnable(migrations: list[MigrationFile], *, down: bool = False) -> None:
        """Refuse files that cannot run as written, before anything runs.

        Every file is lexed: an unterminated string, dollar quote or comment
        would otherwise swallow the bookkeeping row (or, in a group, the next
        migration) sent after it; a COMMIT in a .tx file would end our
        transaction early. A file of comments only is a no-op (psql and Bun run
        it so; real histories hold ``-- Not reversible`` down files), unless it
        still holds the placeholder ``create`` wrote: that is unfinished work.
        """
        if not migrations:
            return
        # Imported here: the no-op start-up of a service never needs the lexer.
        from .splitter import (
            SplitError,
            is_transaction_control,
            psql_meta_command,
            split_statements,
        )

        problems: list[str] = []
        for m in migrations:
            sql = m.down_sql if down else m.up_sql
            path = m.down_path if down else m.up_path
            kind = m.down_kind if down else m.kind
            if sql is None or path is None:
                continue
            try:
                statements = split_statements(sql)
            except SplitError as exc:
                problems.append(f"{path.name}: {exc}")
                continue
            if not statements:
                from .scaffold import DOWN_PLACEHOLDER, UP_PLACEHOLDER

                if (DOWN_PLACEHOLDER if down else UP_PLACEHOLDER) in sql.splitlines():
                    problems.append(
                        f"{path.name}: still the placeholder `trenova-db create` wrote; "
                        + (
                            "write the SQL that undoes the up file, or a comment saying why "
                            "it cannot be undone (a file of comments only rolls back as a no-op)"
                            if down
                            else "write the SQL that applies the change"
                        )
                    )
                continue
            for i, st in enumerate(statements, 1):
                where = f"{path.name}: statement {i} (line {st.line})"
                meta = psql_meta_command(st.text)
                if meta is not None:
                    problems.append(
                        f"{where} holds a psql meta-command ({meta}); trenova-db sends SQL "
                        "only: remove it, or do that step outside the migration"
                    )
                    break
                if kind == "notx" and _TRANSACTION_ONLY.match(st.text):
                    problems.append(
                        f"{where} is {' '.join(st.text.split()[:2]).upper()}, which only acts "
                        "inside a transaction; put it in a .tx migration with what it is for"
                    )
                    break
                if _COPY_FROM_STDIN.match(st.text):
                    problems.append(
                        f"{where} is COPY ... FROM stdin, a psql data block; write the rows "
                        "as INSERT ... VALUES, or load bulk data in a seed with ctx.copy_rows"
                    )
                    break
                if is_transaction_control(st.text):
                    word = st.text.split()[0].upper()
                    problems.append(
                        f"{where} is {word}, which would end the migration's transaction "
                        "early; remove it (.tx files are wrapped for you)"
                        if kind == "tx"
                        else f"{where} is {word}: a non-.tx file runs each statement on its "
                        "own and counts them; put statements that must commit together in "
                        "a .tx migration"
                    )
                    break
        if problems:
            raise ValidationError(
                "migration files cannot run as written; nothing was applied",
                problems=problems,
                hint="fix the files listed and run the command again",
            )

    # -- up -----------------------------------------------------------------

    async def apply_tx(self, m: MigrationFile, *, batch: int, durable: bool = True) -> int:
        # Intermediate commits of a long run skip the WAL flush: a crash can
        # only lose whole migrations together with their rows (WAL is ordered),
        # and the run's last commit is durable, flushing all that came before.
        prefix = f"BEGIN;\n{self.local}{_STAMP if durable else _STAMP_RELAXED}"
        script = f"{prefix}{m.up_sql}\n;\n{self._row(m, batch)};\nCOMMIT;\n{self.reset}"
        started = time.perf_counter()
        self.in_flight = [m]
        try:
            await self._send(script, m)
        except asyncpg.PostgresError as exc:
            await self._rollback_quietly()
            raise _failure(exc, m, m.up_path, m.up_sql, len(prefix), tx=True) from exc
        self.in_flight = []
        self.committed.append(m)
        return int((time.perf_counter() - started) * 1000)

    async def apply_tx_group(
        self, group: list[MigrationFile], *, batch: int, durable: bool
    ) -> None:
        """Apply .tx migrations as back-to-back transactions in ONE message.

        Each still commits on its own with its row. If one fails, the server
        skips the rest of the message; we roll back the failed transaction,
        look up which ones committed and re-run the rest one by one, so the
        failing migration raises its precise error (its transaction is rolled
        back, so running it again is harmless).
        """
        if len(group) == 1:
            await self.apply_tx(group[0], batch=batch, durable=durable)
            return
        blocks = []
        for i, m in enumerate(group):
            stamp = _STAMP if durable and i == len(group) - 1 else _STAMP_RELAXED
            blocks.append(
                f"BEGIN;\n{self.local}{stamp}{m.up_sql}\n;\n{self._row(m, batch)};\nCOMMIT;\n"
                + self.reset
            )
        self.in_flight = list(group)
        try:
            await self._send("".join(blocks), group[0])
            self.in_flight = []
            self.committed.extend(group)
            return
        except asyncpg.PostgresError:
            await self._rollback_quietly()
        self.in_flight = []
        committed = await self.store.committed(self.conn, [m.version for m in group])
        self.committed.extend(m for m in group if m.version in committed)
        for m in group:
            if m.version not in committed:
                await self.apply_tx(m, batch=batch, durable=True)  # records it

    async def _send(self, sql: str, m: MigrationFile, *, alone: bool = False) -> None:
        """One message on the work connection, after checking the lock; a lost
        connection becomes LostLock (it took the session's lock with it).
        ``alone``: a statement that cannot run in a transaction block."""
        if self.before_statement is not None:
            await self.before_statement()
        try:
            if alone:
                await pooler.run_alone(self.conn, sql)
            else:
                await self.conn.execute(sql)
        except Exception as exc:
            # asyncpg may also report a session the server ended while idle as
            # an internal state error: a closed connection is what counts.
            if is_connection_loss(exc) or self.conn.is_closed():
                raise _lost(exc, m) from exc
            raise

    async def durations(self, batch: int) -> dict[int, int]:
        return await self.store.durations(self.conn, batch)

    def _row(self, m: MigrationFile, batch: int) -> str:
        return self.store.applied_row(m, batch, self.actor)

    async def apply_notx(self, m: MigrationFile, *, batch: int) -> int:
        from .splitter import split_statements

        statements = split_statements(m.up_sql)
        started = time.perf_counter()
        v = m.version
        self.in_flight = [m]
        await self._send(self.store.dirty_row(m, batch, self.actor), m)
        await self._run_statements(m, m.up_path, m.up_sql, statements, down=False)
        await self._send(self.reset, m)
        elapsed = int((time.perf_counter() - started) * 1000)
        await self._send(self.store.mark_clean(v, elapsed), m)
        self.in_flight = []
        self.committed.append(m)
        return elapsed

    # -- down ---------------------------------------------------------------

    async def rollback(self, m: MigrationFile) -> int:
        assert m.down_sql is not None and m.down_path is not None
        started = time.perf_counter()
        delete = self.store.forget_sql(m.version)
        self.in_flight = [m]
        if m.down_kind == "tx":
            prefix = f"BEGIN;\n{self.local}"
            try:
                await self._send(f"{prefix}{m.down_sql}\n;\n{delete};\nCOMMIT;\n{self.reset}", m)
            except asyncpg.PostgresError as exc:
                await self._rollback_quietly()
                raise _failure(
                    exc, m, m.down_path, m.down_sql, len(prefix), tx=True, down=True
                ) from exc
        else:
            # statements_done counts the down file's statements from here
            # on; the error column says which direction stopped.
            await self._send(self.store.rollback_started(m.version), m)
            from .splitter import split_statements

            statements = split_statements(m.down_sql)
            await self._run_statements(m, m.down_path, m.down_sql, statements, down=True)
            await self._send(self.reset, m)
            await self._send(delete, m)
        self.in_flight = []
        return int((time.perf_counter() - started) * 1000)

    # -- helpers ------------------------------------------------------------

    async def _run_statements(
        self, m: MigrationFile, path: Path, sql: str, statements: list[Statement], *, down: bool
    ) -> None:
        """Each statement with its statements_done update in ONE message.

        The server runs a multi-statement message as one implicit transaction,
        so a statement and its counter commit together: one round trip each,
        and the count can never disagree with what ran. Commands that refuse a
        transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...) fail that way
        before doing anything (SQLSTATE 25001); they run alone, then the count.
        """
        # Each statement commits on its own; only the last commit of the file
        # (the row marked clean, or the error recorded) needs to reach disk,
        # and it flushes all before it. A crash can lose a tail of statements,
        # never a statement without its count: WAL keeps their order.
        if self.transaction_pooled:
            # Not on the pooled server connection's session: it serves the
            # application's clients next. SET LOCAL in each message instead.
            await self._run_each(m, path, sql, statements, down=down)
            return
        await self._send("SET synchronous_commit TO off", m)
        try:
            await self._run_each(m, path, sql, statements, down=down)
        finally:
            if not self.conn.is_closed():
                with contextlib.suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                    await self.conn.execute("RESET synchronous_commit")

    async def _run_each(
        self, m: MigrationFile, path: Path, sql: str, statements: list[Statement], *, down: bool
    ) -> None:
        # Behind a transaction pooler, the message's implicit transaction
        # carries the settings (the server maps error positions past them).
        prefix = (
            f"SET LOCAL synchronous_commit TO off;\n{self.local}" if self.transaction_pooled else ""
        )
        for i, st in enumerate(statements):
            counter = self.store.counter(m.version, i + 1)
            base = len(prefix)
            try:
                try:
                    # "\n;" so a trailing -- comment cannot swallow the separator
                    await self._send(f"{prefix}{st.text}\n;\n{counter}", m)
                except (
                    asyncpg.ActiveSQLTransactionError,  # CREATE INDEX CONCURRENTLY, VACUUM...
                    asyncpg.InvalidTransactionTerminationError,  # COMMIT in a DO block / CALL
                ):
                    # The message was rolled back whole: nothing ran twice.
                    # Alone, it cannot carry SET LOCAL: behind a transaction
                    # pooler its timeouts are enforced by a watcher instead.
                    base = len(self.alone)
                    await self._send(self.alone + st.text, m, alone=True)
                    await self._send(counter, m)
            except asyncpg.PostgresError as exc:
                if self.conn.is_in_transaction():  # an aborted block would refuse the UPDATE
                    await self._rollback_quietly()
                # Recorded durably, and as ourselves, not as a role the file switched to.
                await self._send(self.reset, m)
                failure = _failure(
                    exc,
                    m,
                    path,
                    sql,
                    base,
                    tx=False,
                    statement=(i + 1, len(statements), st),
                    down=down,
                )
                await self._send(self.store.mark_failed(m.version, failure.message), m)
                raise failure from exc

    async def _rollback_quietly(self) -> None:
        try:
            await self.conn.execute("ROLLBACK")
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            pass


def _failure(
    exc: asyncpg.PostgresError,
    m: MigrationFile,
    path: Path,
    sql: str,
    base: int,
    *,
    tx: bool,
    statement: tuple[int, int, Statement] | None = None,
    down: bool = False,
) -> MigrationFailed:
    """Map the server's error position (1-based, in characters) back into the file."""
    from .splitter import line_col

    line = column = None
    position = getattr(exc, "position", None)
    if statement is not None:
        index, total, st = statement
        offset = st.start + (int(position) - 1 - base if position else 0)
        line, column = line_col(sql, offset)
        where = f"statement {index} of {total}, line {line}, column {column}"
    elif position:
        offset = int(position) - 1 - base
        if 0 <= offset < len(sql):
            line, column = line_col(sql, offset)
            where = f"line {line}, column {column}"
        else:
            where = "in its bookkeeping"
    else:
        where = ""
    if not position:  # a run-time error: in a DO block, the server counts body lines
        do_line = _do_block_line(exc, sql, statement[2] if statement else None)
        if do_line is not None:
            line, column = do_line, None
            where = where.split(", line")[0] + ", " if statement is not None else ""
            where += f"line {do_line} (in a DO block)"
    sqlstate = getattr(exc, "sqlstate", None) or "?"
    action = "rollback failed: " if down else ""
    text = f"{action}{path.name}: {where + ': ' if where else ''}{exc} (SQLSTATE {sqlstate})"
    detail = getattr(exc, "detail", None)
    if detail:
        text += f"\n  detail: {detail}"
    context = getattr(exc, "context", None)
    if context:
        text += f"\n  context: {context}"
    hint = getattr(exc, "hint", None)
    if sqlstate == "25001":
        hint = (
            f"this statement cannot run inside a transaction: rename {path.name} without "
            "'.tx' so it runs statement by statement"
        )
    elif tx:
        hint = (
            "the transaction was rolled back: nothing of this migration was applied; "
            f"fix the SQL and run `trenova-db {'rollback' if down else 'migrate'}` again"
        )
    elif statement is not None:
        index, total, _ = statement
        done = index - 1
        action = "rollback" if down else "migration"
        hint = (
            f"this {action} runs outside a transaction: {done} of {total} statements "
            f"completed and version {m.version} is recorded as dirty; fix the database by "
            f"hand, then run `trenova-db repair --version {m.version} --applied` or "
            "`--rolled-back`"
        )
    return MigrationFailed(
        text,
        path=str(path),
        version=m.version,
        statement=statement[0] if statement else None,
        line=line,
        column=column,
        hint=hint,
    )


_DO_CONTEXT = re.compile(r"PL/pgSQL function inline_code_block line (\d+)")
_DO_BODY = re.compile(r"(?is)\s*do\b(?:\s+language\s+\w+)?\s*(\$[^$]*\$|')")


def _do_block_line(exc: BaseException, sql: str, st: Statement | None) -> int | None:
    """The file line of a run-time error inside a DO block, from the server's
    "inline_code_block line N" (line 1 is where the body's quote opens).

    Without the failing statement (a .tx file), only a file with a single DO
    block can be mapped without guessing.
    """
    frames = _DO_CONTEXT.findall(getattr(exc, "context", None) or "")
    if not frames:
        return None
    body_offset = int(frames[-1])  # the outermost frame is the block in the file
    if st is None:
        from .splitter import split_statements

        blocks = [s for s in split_statements(sql) if _DO_BODY.match(s.text)]
        if len(blocks) != 1:
            return None
        st = blocks[0]
    body = _DO_BODY.match(st.text)
    if body is None:
        return None
    from .splitter import line_col

    body_line, _ = line_col(sql, st.start + body.start(1))
    return body_line + body_offset - 1


def _lost(exc: BaseException, m: MigrationFile) -> LostLock:
    """The connection broke while ``m`` was running: its session, and the
    lock on it, are gone. What that session committed is unknown until it has
    ended; the run verifies it (see trenova_db.session.after_loss)."""
    return lost_lock(f"the connection broke while running {m.label}: {exc}")
