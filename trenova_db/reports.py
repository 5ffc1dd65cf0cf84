"""Typed results the library returns and the CLI renders (or prints as JSON).

Every report is a msgspec Struct: ``msgspec.json.encode(report)`` is the CLI's
``--json`` output, so the JSON shape is exactly these fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

import msgspec

__all__ = [
    "AdoptItem",
    "AdoptReport",
    "DumpReport",
    "LintFinding",
    "LintReport",
    "MigrateReport",
    "MigrationItem",
    "Progress",
    "ProgressCallback",
    "RepairReport",
    "ResetReport",
    "RollbackReport",
    "SeedItem",
    "SeedReport",
    "SetupReport",
    "StatusFinding",
    "StatusReport",
    "WaitReport",
]


class Report(msgspec.Struct, kw_only=True):
    """Base of every report; ``omit_defaults`` keeps JSON output lean."""


MigrationState = Literal[
    "applied", "pending", "dirty", "drift", "missing", "out-of-order", "rolled-back"
]


class MigrationItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    version: int
    name: str
    kind: str
    state: MigrationState
    file: str | None = None
    applied_at: datetime | None = None
    applied_by: str | None = None
    duration_ms: int | None = None
    batch: int | None = None
    statements_done: int | None = None
    error: str | None = None
    sql: str | None = None


class MigrateReport(Report, kw_only=True):
    operation: Literal["migrate"] = "migrate"
    database: str
    schema: str
    environment: str
    dry_run: bool = False
    applied: list[MigrationItem] = msgspec.field(default_factory=list)
    already_applied: int = 0
    batch: int | None = None
    lock_wait_ms: float | None = None
    duration_ms: float = 0.0
    ignored_files: list[str] = msgspec.field(default_factory=list)
    # Earlier runs whose audit row was left `running` by a dead session,
    # recorded as `abandoned` by this run.
    abandoned: list[str] = msgspec.field(default_factory=list)

    @property
    def noop(self) -> bool:
        return not self.applied


class RollbackReport(Report, kw_only=True):
    operation: Literal["rollback"] = "rollback"
    database: str
    schema: str
    environment: str
    dry_run: bool = False
    rolled_back: list[MigrationItem] = msgspec.field(default_factory=list)
    duration_ms: float = 0.0


class RepairReport(Report, kw_only=True):
    operation: Literal["repair"] = "repair"
    database: str
    schema: str
    actions: list[str] = msgspec.field(default_factory=list)
    remaining: list[str] = msgspec.field(default_factory=list)


SeedState = Literal[
    "applied",
    "pending",
    "modified",
    "failed",
    "orphaned",
    "skipped",
    "rolled-back",
    "would-apply",
    "not-for-environment",
]


class SeedItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    version: str
    state: SeedState
    folder: str | None = None
    path: str | None = None
    applied_at: datetime | None = None
    duration_ms: float | None = None
    rows: dict[str, int] | None = None
    error: str | None = None
    note: str | None = None


class SeedReport(Report, kw_only=True):
    operation: Literal["seed", "seed-rollback", "seed-check", "seed-clean"] = "seed"
    database: str
    environment: str
    dry_run: bool = False
    seeds: list[SeedItem] = msgspec.field(default_factory=list)
    problems: list[str] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)  # what else was done
    duration_ms: float = 0.0

    def count(self, state: str) -> int:
        return sum(1 for s in self.seeds if s.state == state)


class StatusFinding(msgspec.Struct, kw_only=True, frozen=True):
    """Something in the status an operator must act on, and the command that fixes it."""

    kind: Literal[
        "dirty",
        "drift",
        "missing",
        "out-of-order",
        "seed-modified",
        "seed-failed",
        "seed-orphaned",
        "seeds",
    ]
    subject: str  # the version or the seed name
    message: str
    fix: str


class StatusReport(Report, kw_only=True):
    operation: Literal["status"] = "status"
    database: str
    schema: str
    environment: str
    current_version: int | None = None  # the newest applied migration
    applied_count: int = 0
    pending_count: int = 0
    pending: list[int] = msgspec.field(default_factory=list)  # pending migration versions
    pending_seeds: list[str] = msgspec.field(default_factory=list)
    findings: list[StatusFinding] = msgspec.field(default_factory=list)
    migrations: list[MigrationItem] = msgspec.field(default_factory=list)
    seeds: list[SeedItem] = msgspec.field(default_factory=list)
    problems: list[str] = msgspec.field(default_factory=list)
    ignored_files: list[str] = msgspec.field(default_factory=list)
    # Runs whose audit row says `running` while their session is gone.
    abandoned: list[str] = msgspec.field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """``status --exit-code``: anything pending, dirty, drifted or missing."""
        return bool(self.pending_count or self.pending_seeds or self.findings)

    def count(self, state: str) -> int:
        return sum(1 for m in self.migrations if m.state == state)


class SetupReport(Report, kw_only=True):
    operation: Literal["setup"] = "setup"
    migrate: MigrateReport
    seed: SeedReport


class ResetReport(Report, kw_only=True):
    operation: Literal["reset"] = "reset"
    database: str
    environment: str
    schemas_dropped: list[str] = msgspec.field(default_factory=list)
    schemas_kept: list[str] = msgspec.field(default_factory=list)  # others' or extensions'
    migrate: MigrateReport | None = None
    seed: SeedReport | None = None


class AdoptItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One version another tool recorded, and what adopt does with it."""

    version: int
    state: Literal["recorded", "would-record", "forgotten", "already-recorded"]
    source: str  # the foreign row: "bun_migrations id 7"
    file: str | None = None
    batch: int | None = None
    applied_at: datetime | None = None


class AdoptReport(Report, kw_only=True):
    operation: Literal["adopt"] = "adopt"
    database: str
    schema: str
    tool: str | None = None  # the migration tool taken over (None: only the Go seeder's)
    dry_run: bool = False
    nothing_to_do: bool = False
    migrations: list[AdoptItem] = msgspec.field(default_factory=list)
    seeds_kept: int = 0  # Go seed_history rows kept as trenova-db's
    actions: list[str] = msgspec.field(default_factory=list)  # what happens to tables
    duration_ms: float = 0.0


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    """One step of a long run, for progress bars: ``done`` of ``total``."""

    phase: str
    done: int
    total: int
    label: str = ""


ProgressCallback = Callable[[Progress], None]


Severity = Literal["error", "warning"]


class LintFinding(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True):
    """One problem: where (file, 1-based line and column), which rule, how bad."""

    file: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    help: str | None = None
    source: Literal["trenova-db", "squawk"] = "trenova-db"


class LintReport(Report, kw_only=True):
    operation: Literal["lint"] = "lint"
    files: list[str] = msgspec.field(default_factory=list)
    findings: list[LintFinding] = msgspec.field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    squawk: str | None = None  # the squawk binary used, None when not run


class DumpReport(Report, kw_only=True):
    operation: Literal["dump"] = "dump"
    database: str
    path: str
    bytes: int
    pg_dump: str
    pg_dump_major: int
    server_major: int


class WaitReport(Report, kw_only=True):
    operation: Literal["wait"] = "wait"
    database: str
    waited_ms: float
    server_version: str
