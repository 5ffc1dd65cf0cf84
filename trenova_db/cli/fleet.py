"""The fleet options of migrate, rollback, seed, setup and status, and their output.

Parsing and rendering only: the engine is :mod:`trenova_db.fleet`. Without
``--databases``/``--targets`` (or ``targets`` in ``[tool.trenova-db]``) a
command runs on one database exactly as before (``fleet_call`` returns None).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from ..config import Environment, Settings, mask_dsn, mask_secrets, read_pyproject
from ..errors import ConfigurationError
from ..fleet import (
    EXIT_INTERRUPTED,
    FleetReport,
    Operation,
    TargetReport,
    list_databases,
    parse_targets,
    read_targets_file,
    run_operation,
    target_settings,
)
from ..reports import MigrateReport, RollbackReport, SeedReport, SetupReport, StatusReport
from .fleet_options import FleetOptions
from .output import Output

__all__ = ["FleetOptions", "fleet_call"]


def _pyproject_targets(settings: Settings, common_url: str | None) -> list[str] | None:
    """``targets = [...]`` from pyproject.toml, unless a URL came from a flag or
    the environment (a higher precedence: one database, as before)."""
    if common_url or os.environ.get("TRENOVA_DATABASE_URL") or os.environ.get("DATABASE_URL"):
        return None
    section = read_pyproject(settings.project_root)
    if "targets" not in section:
        return None
    where = f"targets in [tool.trenova-db] ({settings.project_root / 'pyproject.toml'})"
    values = section["targets"]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigurationError(
            f"{where} must be a list of database URLs",
            hint='targets = ["postgresql://app@db1/app", "postgresql://app@db2/app"]',
        )
    if "database_url" in section:
        raise ConfigurationError(
            f"{where}: set either targets or database-url in [tool.trenova-db], not both",
            hint="keep database-url for one database, targets for a fleet",
        )
    return parse_targets(values, where=where)


def fleet_call(
    common_url: str | None,
    settings: Settings,
    fleet: FleetOptions | None,
    operation: Operation,
    out: Output,
    *,
    with_database: Callable[[Settings, Output], Settings],
    exit_code: bool = False,
    **options: Any,
) -> int | None:
    """Run ``operation`` over the fleet and render it; None when there is no fleet."""
    f = fleet or FleetOptions()
    if f.databases is not None and f.targets is not None:
        raise ConfigurationError("pass either --databases or --targets, not both")
    urls: list[str] | None = None
    pattern = f.databases
    if f.targets is not None:
        urls = read_targets_file(f.targets)
        source = str(f.targets)
    elif pattern is None:
        urls = _pyproject_targets(settings, common_url)
        source = "targets in [tool.trenova-db]"
    if urls is None and pattern is None:
        given = [
            name
            for name, value in (
                ("--concurrency", f.concurrency),
                ("--canary", f.canary),
                ("--continue-on-error", f.continue_on_error or None),
            )
            if value is not None
        ]
        if given:
            raise ConfigurationError(
                f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to a fleet",
                hint="add --databases PATTERN or --targets FILE",
            )
        return None
    if pattern is not None:
        settings = with_database(settings, out)
        source = f"{mask_dsn(settings.database_url or '')} (LIKE {pattern!r})"
    if operation == "rollback":
        options["confirmed"] = production_rollback_confirmed(
            out,
            settings,
            force=options.get("force", False),
            dry_run=options.get("dry_run", False),
            count=options.get("target", 1),
        )
    concurrency = 4 if f.concurrency is None else f.concurrency
    canary = f.canary or 0
    continue_on_error = f.continue_on_error or operation == "status"

    async def main() -> FleetReport | None:
        if pattern is not None:
            targets = target_settings(settings, await list_databases(settings, pattern))
        else:
            targets = target_settings(settings, urls or [])
        if not targets:
            return None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def interrupted() -> None:
            out.note("interrupted: no new target starts; stopping the running ones")
            stop.set()
            # A second Ctrl-C is Python's own KeyboardInterrupt again.
            loop.remove_signal_handler(signal.SIGINT)

        try:
            loop.add_signal_handler(signal.SIGINT, interrupted)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            pass
        try:
            with _progress(out, operation, len(targets)) as (on_start, on_finish):
                return await run_operation(
                    operation,
                    targets,
                    concurrency=concurrency,
                    canary=canary,
                    continue_on_error=continue_on_error,
                    stop=stop,
                    on_start=on_start,
                    on_finish=on_finish,
                    **options,
                )
        finally:
            try:
                loop.remove_signal_handler(signal.SIGINT)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    from .common import _stdout_to_stderr, run_async

    with _stdout_to_stderr() if out.json else nullcontext():
        report = run_async(main)
    if report is None:
        empty = FleetReport(operation=operation, concurrency=concurrency, canary=canary)
        if out.json:
            out.emit(empty)
        else:
            out.line(f"{operation}: no target in {source}; nothing to do")
        return 0
    if operation == "status" and exit_code:
        for item in report.targets:
            if isinstance(item.report, StatusReport) and item.report.needs_attention:
                item.exit_code = 1
        if report.exit_code == 0 and any(t.exit_code for t in report.targets):
            report.exit_code = 1
    render(out, report)
    return report.exit_code


# -- output --------------------------------------------------------------------


def describe(item: TargetReport) -> str:
    """What one finished target did, in a few words."""
    if item.state != "succeeded":
        return item.message or item.state
    r = item.report
    if isinstance(r, MigrateReport):
        if r.dry_run:
            return f"would apply {len(r.applied)} ({r.already_applied} applied)"
        return (
            f"applied {len(r.applied)} in batch {r.batch}"
            if r.applied
            else f"nothing to do ({r.already_applied} applied)"
        )
    if isinstance(r, RollbackReport):
        verb = "would roll back" if r.dry_run else "rolled back"
        return f"{verb} {len(r.rolled_back)}" if r.rolled_back else "nothing is applied"
    if isinstance(r, SeedReport):
        return f"seeds: {r.count('applied')} applied, {r.count('skipped')} skipped"
    if isinstance(r, SetupReport):
        m, s = r.migrate, r.seed
        return f"applied {len(m.applied)} migration(s), {s.count('applied')} seed(s)"
    if isinstance(r, StatusReport):
        return f"version {r.current_version or '-'}, {r.pending_count} pending"
    return "done"


def target_line(item: TargetReport) -> str:
    mark = {"succeeded": "ok", "failed": "FAILED", "interrupted": "INTERRUPTED"}.get(
        item.state, item.state
    )
    took = f" ({item.duration_ms:.0f} ms)" if item.duration_ms is not None else ""
    code = "" if item.exit_code in (0, None) else f" [exit {item.exit_code}]"
    return f"{mark} {item.target}: {describe(item)}{took}{code}"


@contextmanager
def _progress(
    out: Output, operation: str, total: int
) -> Iterator[tuple[Callable[[int, str], None], Callable[[int, TargetReport], None]]]:
    """A bar over the targets and a line per finished one on a terminal;
    a plain line per finished target otherwise; nothing with --json."""
    lines = operation != "status"  # status prints one table at the end

    def no_start(i: int, target: str) -> None:
        pass

    if out.json:
        yield no_start, lambda i, item: None
        return
    if not out.tty:

        def plain(i: int, item: TargetReport) -> None:
            if lines or item.state != "succeeded":
                out.line(target_line(item))

        yield no_start, plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn(f"{operation}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[label]}"),
        transient=True,
    ) as bar:
        task = bar.add_task(operation, total=total, label="")
        active: dict[int, str] = {}

        def started(i: int, target: str) -> None:
            active[i] = target
            bar.update(task, label=f"{len(active)} running")

        def finished(i: int, item: TargetReport) -> None:
            active.pop(i, None)
            if lines or item.state != "succeeded":
                style = {"succeeded": "green", "failed": "bold red"}.get(item.state, "yellow")
                text = mask_secrets(target_line(item), out.secret)
                bar.console.print(text, style=style, markup=False, highlight=False)
            bar.update(task, advance=1, label=f"{len(active)} running")

        yield started, finished


def _status_table(out: Output, report: FleetReport) -> None:
    rows = []
    for t in report.targets:
        r = t.report if isinstance(t.report, StatusReport) else None
        problems = ""
        if r is not None:
            kinds: dict[str, int] = {}
            for finding in r.findings:
                if finding.kind in ("dirty", "drift", "missing", "out-of-order"):
                    kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
            problems = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "-"
        last = ""
        if t.last_run is not None:
            when = t.last_run.finished_at or t.last_run.started_at
            stamp = when.strftime("%Y-%m-%d %H:%M") if when else ""
            last = f"{t.last_run.operation} {t.last_run.outcome} {stamp}".strip()
        rows.append(
            [
                t.target,
                "" if r is None else str(r.current_version or "-"),
                "" if r is None else str(r.pending_count),
                "" if r is None else str(len(r.pending_seeds)),
                problems if r is not None else (t.message or t.state),
                last,
                "" if t.exit_code is None else str(t.exit_code),
            ]
        )
    out.table(
        f"status of {len(report.targets)} database(s)",
        [
            "target",
            "version",
            "pending",
            "pending seeds",
            "dirty/drift/missing",
            "last run",
            "exit",
        ],
        rows,
    )


def render(out: Output, report: FleetReport) -> None:
    if out.json:
        out.emit(report)
        return
    if report.operation == "status":
        _status_table(out, report)
    s = report.summary
    text = (
        f"{report.operation}: {s.targets} target(s): {s.succeeded} succeeded, {s.failed} failed"
        + (f", {s.interrupted} interrupted" if s.interrupted else "")
        + (f", {s.not_started} not started" if s.not_started else "")
        + f" ({report.duration_ms / 1000:.1f} s)"
    )
    out.line(text)
    if report.stopped:
        out.line(f"  stopped: {report.stopped}")
    if report.exit_code == EXIT_INTERRUPTED:
        out.note(
            "interrupted: a .tx group in flight was rolled back by the server; "
            "check `trenova-db status` for a dirty non-transactional migration"
        )


def production_rollback_confirmed(
    out: Output, settings: Settings, *, force: bool, dry_run: bool, count: int
) -> bool:
    """One question for the whole fleet (the single command asks per database)."""
    if settings.environment is not Environment.PRODUCTION or force or dry_run:
        return False
    confirmed = out.confirm(
        f"Roll back {count} migration(s) on every target in PRODUCTION?", force=False
    )
    if not confirmed and sys.stdin.isatty():
        raise out.refuse_unconfirmed("rollback")
    return confirmed
