"""``trenova-db adopt``: run the core's run_adopt and render its report."""

from __future__ import annotations

from ..reports import AdoptReport
from .common import CommonOptions, output_for, run_async, settings_for, with_database
from .output import Output

__all__ = ["adopt_command", "render_adopt"]


def render_adopt(out: Output, r: AdoptReport) -> None:
    if r.nothing_to_do:
        what = f"{r.tool}'s history" if r.tool else "no other tool's history"
        out.line(
            f"adopt: nothing to do; trenova-db already manages this database "
            f"({what} is recorded, schema {r.schema})"
        )
        return
    rows = [
        [
            str(m.version),
            m.state,
            m.file or "-",
            m.source,
            "" if m.batch is None else str(m.batch),
            m.applied_at.strftime("%Y-%m-%d %H:%M:%S") if m.applied_at else "",
        ]
        for m in r.migrations
    ]
    source = r.tool or "the Go seeder"
    title = f"adopt from {source}" + (" — dry run, nothing written" if r.dry_run else "")
    out.table(title, ["version", "state", "file", "from", "batch", "applied at"], rows)
    for a in r.actions:
        out.line(f"  {'would ' if r.dry_run else ''}{a}")
    recorded = sum(1 for m in r.migrations if m.state in ("recorded", "would-record"))
    forgotten = sum(1 for m in r.migrations if m.state == "forgotten")
    verb = "would record" if r.dry_run else "recorded"
    summary = f"adopt: {verb} {recorded} migration(s) from {source}"
    if forgotten:
        summary += f", left out {forgotten} without a file"
    if r.seeds_kept:
        summary += f", kept {r.seeds_kept} Go seed history row(s)"
    out.line(summary)


def adopt_command(
    common: CommonOptions | None,
    *,
    tool: str,
    forget_missing: bool,
    force: bool,
    dry_run: bool,
) -> int:
    from ..takeover import run_adopt

    out = output_for(common)
    settings = with_database(settings_for(common), out)
    report = run_async(
        lambda: run_adopt(
            settings, tool=tool, forget_missing=forget_missing, force=force, dry_run=dry_run
        )
    )
    if out.json:
        out.emit(report)
    else:
        render_adopt(out, report)
    return 0
