"""The ``trenova_db`` logger tree: what a service sees of a migration or a seed.

The library never prints; it logs, and the service's handlers decide where
records go:

- ``trenova_db.migrate``: INFO per migration applied or rolled back;
- ``trenova_db.seed``: INFO per seed run (or failed: ERROR);
- ``trenova_db.lock``: WARNING for runs found abandoned (their holder died);
- ``trenova_db.sql``: DEBUG, every statement with its duration, only when
  ``TRENOVA_DB_DEBUG`` (or Bun's ``BUNDEBUG``) is set;
- ``trenova_db.connection``, ``trenova_db.embedded``: retries and the server.

WARNING is what an operator must act on: a dirty, drifted or missing
migration, a stale seed registry, abandoned runs. The fields of each record
are also ``extra`` attributes (``record.version``, ``record.duration_ms``...)
for structured handlers. No record ever carries a secret: a generated
password reaches the caller in the returned report only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

__all__ = [
    "abandoned_runs",
    "history_problems",
    "lock_log",
    "migrate_log",
    "migration_done",
    "seed_done",
    "seed_log",
    "sql_log",
    "stale_registry",
]

# A library adds no handler of its own (the application decides where records
# go); the null handler keeps Python's last-resort handler from printing our
# warnings on stderr when the application configured none. Here rather than
# in the package's __init__: every module that logs imports this one, and
# `import trenova_db` stays free of `logging` for the CLI's start-up.
logging.getLogger("trenova_db").addHandler(logging.NullHandler())

migrate_log = logging.getLogger("trenova_db.migrate")
seed_log = logging.getLogger("trenova_db.seed")
lock_log = logging.getLogger("trenova_db.lock")
sql_log = logging.getLogger("trenova_db.sql")


def _ms(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def migration_done(item: Any, *, direction: str, database: str) -> None:
    """One INFO record per migration applied (``up``) or rolled back (``down``)."""
    verb = "applied" if direction == "up" else "rolled back"
    migrate_log.info(
        "%s migration %s (%s, %s) in %s ms",
        verb,
        item.version,
        item.name,
        item.kind,
        _ms(item.duration_ms),
        extra={
            "event": f"migration-{'applied' if direction == 'up' else 'rolled-back'}",
            "version": item.version,
            "migration": item.name,
            "kind": item.kind,
            "direction": direction,
            "duration_ms": item.duration_ms,
            "batch": item.batch,
            "database": database,
        },
    )


def seed_done(item: Any, *, environment: str, database: str) -> None:
    """INFO per seed applied (rows per table in ``extra``), ERROR per seed failed."""
    rows = item.rows or {}
    extra = {
        "event": f"seed-{item.state}",
        "seed": item.name,
        "seed_version": item.version,
        "kind": item.folder,
        "environment": environment,
        "duration_ms": item.duration_ms,
        "rows": rows,
        "database": database,
    }
    if item.state == "failed":
        seed_log.error(
            "seed %s %s failed after %s ms: %s",
            item.name,
            item.version,
            _ms(item.duration_ms),
            item.error,
            extra=extra,
        )
        return
    written = sum(rows.values())
    seed_log.info(
        "seed %s %s (%s) %s in %s ms, %d row(s) written",
        item.name,
        item.version,
        item.folder or "?",
        item.state,
        _ms(item.duration_ms),
        written,
        extra=extra,
    )


def history_problems(exc: Any, *, database: str) -> None:
    """WARNING: the history disagrees with the files (dirty, drift, missing, order)."""
    migrate_log.warning(
        "%s",
        str(exc),
        extra={"event": "history-mismatch", "problems": list(exc.problems), "database": database},
    )


def stale_registry(exc: Any, *, seeds_dir: str) -> None:
    seed_log.warning("%s", str(exc), extra={"event": "stale-registry", "seeds_dir": seeds_dir})


def abandoned_runs(descriptions: Iterable[str], *, database: str) -> None:
    for text in descriptions:
        lock_log.warning("%s", text, extra={"event": "run-abandoned", "database": database})
