"""Comparing the files with the applied history: pure, in memory, linear.

The history is read once and compared in one pass over two sorted lists
(goose and Flyway slow down with one query per migration or quadratic loops).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from .bookkeeping import AppliedMigration, History
from .discovery import MigrationFile, MigrationSet
from .errors import HistoryMismatch
from .reports import MigrationItem, StatusFinding, StatusReport

__all__ = ["Plan", "make_plan", "status_items", "summarise_status"]


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    pending: tuple[MigrationFile, ...] = ()
    drift: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    out_of_order: tuple[str, ...] = ()
    dirty: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        return [*self.dirty, *self.drift, *self.missing, *self.out_of_order]

    def raise_if_invalid(self) -> None:
        problems = self.problems
        if not problems:
            return
        kinds = []
        for label, items in (
            ("dirty", self.dirty),
            ("drift", self.drift),
            ("missing", self.missing),
            ("out of order", self.out_of_order),
        ):
            if items:
                kinds.append(f"{len(items)} {label}")
        raise HistoryMismatch(
            f"migration history does not match the files ({', '.join(kinds)}); nothing was applied",
            problems=problems,
            hint=_hint(self),
        )


def _hint(plan: Plan) -> str:
    """One remedy per kind of problem found, in the order to apply them."""
    remedies = []
    if plan.dirty:
        remedies.append(
            "dirty: inspect the database, finish or undo the failed migration by hand, then "
            "run `trenova-db repair --version N --applied` or `--rolled-back`"
        )
    if plan.drift:
        remedies.append(
            "changed: restore the applied files (git checkout), or if the edit is intentional "
            "run `trenova-db repair` to record the new checksums"
        )
    if plan.missing:
        remedies.append(
            "file gone: restore the deleted files, or run `trenova-db repair --forget-missing`"
        )
    if plan.out_of_order:
        remedies.append(
            "out of order: renumber the new migrations above the newest applied one, or pass "
            "--allow-out-of-order"
        )
    if len(remedies) == 1:
        return remedies[0].split(": ", 1)[1]
    return "\n        ".join(["one fix per problem:", *remedies])


def describe_dirty(row: AppliedMigration) -> str:
    # The recorded error names the statement and direction (up or rollback).
    if row.error:
        return f"version {row.version} ({row.name}) is dirty: {row.error}"
    done = f"after {row.statements_done} statement{'s' if row.statements_done != 1 else ''}"
    return f"version {row.version} ({row.name}) is dirty: it stopped {done}"


def make_plan(files: MigrationSet, history: History, *, allow_out_of_order: bool) -> Plan:
    by_version = files.by_version()
    applied_versions = set()
    drift: list[str] = []
    missing: list[str] = []
    dirty: list[str] = []
    for row in history.applied:
        applied_versions.add(row.version)
        if row.dirty:
            dirty.append(describe_dirty(row))
            continue
        current = by_version.get(row.version)
        if current is None:
            missing.append(f"version {row.version} ({row.name}) was applied but its file is gone")
        elif current.checksum != row.checksum:
            drift.append(
                f"{current.label} (version {row.version}) changed since it was applied "
                f"(recorded {row.checksum[:19]}..., file {current.checksum[:19]}...)"
            )
    newest_applied = max(applied_versions, default=-1)
    pending = tuple(m for m in files.migrations if m.version not in applied_versions)
    out_of_order: list[str] = []
    if not allow_out_of_order:
        out_of_order = [
            f"{m.label} (version {m.version}) is pending but version {newest_applied} "
            "is already applied"
            for m in pending
            if m.version < newest_applied
        ]
    return Plan(
        pending=pending,
        drift=tuple(drift),
        missing=tuple(missing),
        out_of_order=tuple(out_of_order),
        dirty=tuple(dirty),
    )


def status_items(files: MigrationSet, history: History) -> list[MigrationItem]:
    """One row per version known to the files or the history, sorted by version."""
    by_version = files.by_version()
    rows = {r.version: r for r in history.applied}
    newest_applied = max(rows, default=-1)
    items: list[MigrationItem] = []
    for version in sorted(set(by_version) | set(rows)):
        f = by_version.get(version)
        r = rows.get(version)
        if r is None:
            assert f is not None
            items.append(
                MigrationItem(
                    version=version,
                    name=f.name,
                    kind=f.kind,
                    state="out-of-order" if version < newest_applied else "pending",
                    file=f.label,
                )
            )
            continue
        if r.dirty:
            state = "dirty"
        elif f is None:
            state = "missing"
        elif f.checksum != r.checksum:
            state = "drift"
        else:
            state = "applied"
        items.append(
            MigrationItem(
                version=version,
                name=r.name,
                kind=r.kind,
                state=state,  # type: ignore[arg-type]
                file=f.label if f else None,
                applied_at=r.applied_at,
                applied_by=r.applied_by,
                duration_ms=r.duration_ms,
                batch=r.batch,
                statements_done=r.statements_done if r.kind == "notx" else None,
                error=r.error,
            )
        )
    return items


def _migration_finding(m: MigrationItem) -> StatusFinding | None:
    label = f"version {m.version} ({m.name})"
    if m.state == "dirty":
        stopped = m.error or f"it stopped after {m.statements_done or 0} statement(s)"
        return StatusFinding(
            kind="dirty",
            subject=str(m.version),
            message=f"{label} is dirty: {stopped}",
            fix=f"finish or undo it by hand, then `trenova-db repair --version {m.version} "
            "--applied` (or `--rolled-back`)",
        )
    if m.state == "drift":
        return StatusFinding(
            kind="drift",
            subject=str(m.version),
            message=f"{m.file or label} changed since it was applied",
            fix="restore the applied file (git checkout), or `trenova-db repair` to record "
            "its new checksum",
        )
    if m.state == "missing":
        return StatusFinding(
            kind="missing",
            subject=str(m.version),
            message=f"{label} was applied but its file is gone",
            fix="restore the file, or `trenova-db repair --forget-missing`",
        )
    if m.state == "out-of-order":
        return StatusFinding(
            kind="out-of-order",
            subject=str(m.version),
            message=f"{m.file or label} is pending below the newest applied version",
            fix="renumber it above the newest applied version, or "
            "`trenova-db migrate --allow-out-of-order`",
        )
    return None


_APPLIED_STATES = frozenset({"applied", "drift", "dirty", "missing"})
_PENDING_STATES = frozenset({"pending", "out-of-order"})
_FINDING_STATES = frozenset({"dirty", "drift", "missing", "out-of-order"})


def summarise_status(report: StatusReport, *, seed_problems: Sequence[str] = ()) -> StatusReport:
    """Fill the counts, the pending lists and one finding (with its fix) per problem.

    ``seed_problems``: the seed folder's own problems (a stale registry, a
    dependency cycle or unknown name), which belong to no single seed row.
    """
    migrations = report.migrations
    applied = [m.version for m in migrations if m.state in _APPLIED_STATES]
    report.pending = [m.version for m in migrations if m.state in _PENDING_STATES]
    report.current_version = max(applied, default=None)
    report.applied_count = len(applied)
    report.pending_count = len(report.pending)
    report.pending_seeds = [s.name for s in report.seeds if s.state == "pending"]
    # Only the rows in a state that has a finding are looked at twice (1000
    # applied rows would each format a label for nothing).
    findings = [
        f
        for f in map(_migration_finding, [m for m in migrations if m.state in _FINDING_STATES])
        if f is not None
    ]
    for s in report.seeds:
        if s.state == "modified":
            findings.append(
                StatusFinding(
                    kind="seed-modified",
                    subject=s.name,
                    message=f"seed {s.name} {s.version} changed since it was applied",
                    fix=f"raise {s.name}'s version to run it again, or `trenova-db seed --force`",
                )
            )
        elif s.state == "failed":
            findings.append(
                StatusFinding(
                    kind="seed-failed",
                    subject=s.name,
                    message=f"seed {s.name} {s.version} failed: {s.error or 'no error recorded'}",
                    fix="fix the seed, then `trenova-db seed`",
                )
            )
        elif s.state == "orphaned" and s.note != "marked Orphaned":
            findings.append(
                StatusFinding(
                    kind="seed-orphaned",
                    subject=s.name,
                    message=f"seed {s.name} {s.version} is in seed_history but its file is gone",
                    fix="restore the file, or `trenova-db seed-clean` to mark it Orphaned",
                )
            )
    for problem in seed_problems:
        fix = (
            "`trenova-db seed-sync`, then commit seeds/registry.json"
            if "registry" in problem
            else "correct depends_on in the seed files, then `trenova-db seed-sync`"
        )
        findings.append(StatusFinding(kind="seeds", subject="seeds", message=problem, fix=fix))
    report.findings = findings
    return report
