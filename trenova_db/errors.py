"""Every error trenova-db raises, and the exit code each one maps to.

One tree, so callers can catch as broadly or as narrowly as they need::

    TrenovaDBError (exit 1)
    ├── ConfigurationError (exit 2)       bad flag, unknown environment, missing extra
    ├── DatabaseUnavailable (exit 1)      cannot connect (the DSN is always masked)
    ├── QueryFailed (exit 1)              a bookkeeping query failed (timeout, permissions)
    ├── LockTimeout (exit 3)              migration lock held by someone else
    ├── LostLock (exit 1)                 the lock (a connection holding it) went away mid-run
    ├── ValidationError (exit 4)          nothing was touched
    │   ├── DiscoveryError                bad migration files, all listed at once
    │   ├── HistoryMismatch               drift, missing files, out of order, dirty rows
    │   │   └── ForeignHistory            another tool's history, not adopted yet
    │   ├── StaleRegistry                 seeds/registry.json does not match the files
    │   └── SeedGraphError                dependency cycle or unknown dependency
    ├── Refused (exit 5)                  production safeguard, no confirmation
    ├── MigrationFailed (exit 1)          SQL error, with file, statement, line, column
    └── SeedFailed (exit 1)               a seed raised; rolled back and recorded

Foreign exceptions (asyncpg, OSError) are translated at the connection boundary
(`trenova_db.connection`) with ``raise ... from exc``; nothing above it sees them.

``str(exc)`` is one line saying what happened, fit for a service's log; what to
do next is ``exc.hint``, what the run completed first is ``exc.done``, every
finding of a validation is in ``exc.problems``, and the objects concerned are
attributes (``exc.version``, ``exc.path``, ``exc.seed``). ``exc.render()`` is
the multi-line text the CLI prints: message, details, problems, done, hint.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "DatabaseUnavailable",
    "DiscoveryError",
    "ForeignHistory",
    "HistoryMismatch",
    "LockTimeout",
    "LostLock",
    "MigrationFailed",
    "QueryFailed",
    "Refused",
    "SeedFailed",
    "SeedGraphError",
    "StaleRegistry",
    "TrenovaDBError",
    "ValidationError",
]


class TrenovaDBError(Exception):
    """Base of every trenova-db error. ``exit_code`` is what the CLI exits with."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # What the run completed before it stopped (applied, rolled back,
        # seeded): an operator must not have to guess it from the tables.
        self.done: list[str] = []

    def __str__(self) -> str:
        return one_line(self.message)

    def render(self) -> str:
        """Everything a person at a terminal needs, on several lines."""
        text = self.message
        if self.done:
            shown = self.done
            if len(shown) > 6:  # the error must stay on screen; JSON has them all
                shown = [*shown[:3], f"... {len(shown) - 4} more ...", shown[-1]]
            text += f"\n  done before this ({len(self.done)}): " + ", ".join(shown)
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def one_line(text: str) -> str:
    """Lines joined with "; ": a log record or a one-line error display stays one line."""
    parts = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(parts)


class ConfigurationError(TrenovaDBError):
    """A flag, environment variable or config value is invalid (exit 2)."""

    exit_code = 2


class DatabaseUnavailable(TrenovaDBError):
    """The database could not be reached, or refused us (exit 1)."""


class QueryFailed(TrenovaDBError):
    """A query of trenova-db's own failed: cancelled by a timeout, denied, ... (exit 1)."""


class LockTimeout(TrenovaDBError):
    """The migration advisory lock was not acquired in time (exit 3)."""

    exit_code = 3


class LostLock(TrenovaDBError):
    """The run's lock went away (a connection holding it was lost) (exit 1).

    Nothing more was sent after that. ``done`` lists what was verified as
    committed afterwards; ``unknown`` what could not be verified.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.unknown: list[str] = []

    def render(self) -> str:
        text = super().render()
        if self.unknown:
            head, sep, tail = text.partition("\n  hint: ")
            head += "\n  unknown (not verified): " + "; ".join(self.unknown)
            text = head + sep + tail
        return text


class ValidationError(TrenovaDBError):
    """Something must be fixed before anything runs (exit 4).

    ``problems`` lists every finding; the message summarises them.
    """

    exit_code = 4

    def __init__(
        self, message: str, *, problems: list[str] | None = None, hint: str | None = None
    ) -> None:
        self.problems = list(problems or [])
        self.summary = message  # the message without the problem list
        full = message
        if self.problems:
            full = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(full, hint=hint)

    def __str__(self) -> str:
        if not self.problems:
            return one_line(self.summary)
        return f"{one_line(self.summary)}: " + "; ".join(one_line(p) for p in self.problems)


class DiscoveryError(ValidationError):
    """Migration files are malformed: duplicate versions, bad names, bad bytes."""


class HistoryMismatch(ValidationError):
    """The applied history disagrees with the files: drift, missing, order, dirty."""


class ForeignHistory(HistoryMismatch):
    """Another tool (Bun, golang-migrate, dbmate, goose, the Go seeder) keeps this
    database's history and trenova-db has not taken it over: run ``trenova-db adopt``.

    ``found`` is what was found (a ``trenova_db.foreign.Survey``), when known.
    """

    found: object = None


class StaleRegistry(ValidationError):
    """seeds/registry.json does not describe the seed files on disk."""


class SeedGraphError(ValidationError):
    """Seed dependencies form a cycle or name a seed that does not exist."""


class Refused(TrenovaDBError):
    """A safeguard refused the operation (production, no confirmation) (exit 5)."""

    exit_code = 5


class MigrationFailed(TrenovaDBError):
    """A migration's SQL failed. Carries where, so the user can jump to it."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        version: int | None = None,
        statement: int | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.version = version
        self.statement = statement
        self.line = line
        self.column = column


class SeedFailed(TrenovaDBError):
    """A seed raised. Its transaction was rolled back and the failure recorded."""

    def __init__(self, message: str, *, seed: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.seed = seed
