"""Rendering reports: one JSON document, rich tables on a terminal, plain lines otherwise.

rich is imported only when a terminal is attached, so CI logs and the no-op
``migrate`` a service runs on boot do not pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec

from ..config import mask_secrets
from ..errors import LostLock, Refused, TrenovaDBError
from ..reports import (
    DumpReport,
    LintReport,
    MigrateReport,
    MigrationItem,
    Progress,
    ProgressCallback,
    RepairReport,
    ResetReport,
    RollbackReport,
    SeedItem,
    SeedReport,
    SetupReport,
    StatusReport,
    WaitReport,
)

__all__ = ["Output"]

_json = msgspec.json.Encoder()


# Terminal colours for states: what needs a human in red, what waits in yellow.
_STATE_STYLE = {
    "applied": "green",
    "rolled-back": "green",
    "skipped": "dim",
    "pending": "yellow",
    "would-apply": "yellow",
    "would-roll-back": "yellow",
    "modified": "yellow",
    "dirty": "bold red",
    "drift": "bold red",
    "missing": "bold red",
    "failed": "bold red",
    "orphaned": "magenta",
}


class Output:
    def __init__(
        self,
        *,
        json: bool = False,
        verbose: bool = False,
        secret: str | None = None,
        interactive: bool = False,
    ):
        self.json = json
        self.verbose = verbose
        self.secret = secret
        self.interactive = interactive
        self.tty = sys.stdout.isatty() and not json

    # -- low level ------------------------------------------------------------

    def line(self, text: str = "") -> None:
        if not self.json:
            print(mask_secrets(text, self.secret), flush=True)

    def note(self, text: str) -> None:
        """Side information: stderr, so stdout stays a single JSON document."""
        print(mask_secrets(text, self.secret), file=sys.stderr, flush=True)

    def error(self, exc: TrenovaDBError) -> int:
        text = mask_secrets(exc.render(), self.secret)
        if self.json:
            doc: dict[str, object] = {
                "error": type(exc).__name__,
                # problems are listed once, under "problems", not in the message too
                "message": mask_secrets(getattr(exc, "summary", exc.message), self.secret),
                "hint": mask_secrets(exc.hint, self.secret) if exc.hint else None,
                "exit_code": exc.exit_code,
            }
            if isinstance(exc, LostLock) and exc.unknown:  # what could not be verified
                doc["unknown"] = exc.unknown
            if exc.done:
                doc["done"] = exc.done
            problems = getattr(exc, "problems", None)
            if problems:
                doc["problems"] = [mask_secrets(p, self.secret) for p in problems]
            sys.stdout.buffer.write(_json.encode(doc) + b"\n")
            sys.stdout.flush()
        print(f"error: {text}", file=sys.stderr, flush=True)
        return exc.exit_code

    def emit(self, report: Any) -> None:
        # First, and on stderr only: a JSON document on stdout ends up in CI logs.
        self._show_secrets(report)
        if self.json:
            raw = _json.encode(report).decode()
            sys.stdout.write(mask_secrets(raw, self.secret) + "\n")
            sys.stdout.flush()
            return
        render = _RENDERERS.get(type(report))
        if render is None:
            self.line(msgspec.json.format(_json.encode(report)).decode())
        else:
            render(self, report)

    def _show_secrets(self, report: Any) -> None:
        """Secrets a seed generated: shown once, on stderr, then dropped from the
        report (never in stdout's JSON, a log or a table)."""
        seed = report if isinstance(report, SeedReport) else getattr(report, "seed", None)
        for item in getattr(seed, "seeds", None) or []:
            for label, value in (item.secrets or {}).items():
                print(f"{item.name}: {label}: {value}", file=sys.stderr, flush=True)
            item.secrets = None

    def table(self, title: str, columns: list[str], rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            return
        if self.tty:
            from rich.console import Console
            from rich.table import Table
            from rich.text import Text

            table = Table(title=title, title_justify="left", header_style="bold")
            for c in columns:
                # Fold, never cut with "...": migration names that share a long
                # prefix must stay tell-apart-able at 80 columns.
                table.add_column(c, overflow="fold")
            state = columns.index("state") if "state" in columns else -1
            for r in rows:
                cells: list[Text | str] = [mask_secrets(x, self.secret) for x in r]
                if state >= 0:
                    cells[state] = Text(r[state], style=_STATE_STYLE.get(r[state], ""))
                table.add_row(*cells)
            Console().print(table)
            return
        widths = [max(map(len, column)) for column in zip(columns, *rows, strict=True)]
        # One %-format for every row (str.format parses its specs per call):
        # status prints 1000 rows on a big project.
        row_format = "  " + "  ".join(f"%-{w}s" for w in widths)
        lines = [title, (row_format % tuple(columns)).rstrip()]
        lines.extend([(row_format % (r if type(r) is tuple else tuple(r))).rstrip() for r in rows])
        self.line("\n".join(lines))  # masked and written once, not per row

    @contextmanager
    def progress(self) -> Iterator[ProgressCallback | None]:
        """A progress bar on a terminal; plain lines per step only with --verbose."""
        if self.json:
            yield None
            return
        if not self.tty or self.interactive:  # a live bar would tear the prompts apart
            if not self.verbose:
                yield None
                return

            def plain(p: Progress) -> None:
                if p.label:
                    self.line(f"  {p.phase} {p.done + 1}/{p.total}: {p.label}")

            yield plain
            return
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
        from rich.progress import Progress as Bar

        with Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[label]}"),
            transient=True,
        ) as bar:
            tasks: dict[str, Any] = {}

            def update(p: Progress) -> None:
                if p.phase not in tasks:
                    tasks[p.phase] = bar.add_task(p.phase, total=p.total, label="")
                bar.update(tasks[p.phase], completed=p.done, total=p.total, label=p.label)

            yield update

    def confirm(self, question: str, *, force: bool) -> bool:
        """True when --force, or the user says yes on a terminal; never reads a pipe."""
        if force:
            return True
        if not sys.stdin.isatty():
            return False
        from rich.console import Console
        from rich.prompt import Confirm

        try:  # on stderr: with --json, stdout carries one document and nothing else
            return Confirm.ask(
                mask_secrets(question, self.secret), default=False, console=Console(stderr=True)
            )
        except EOFError:  # Ctrl-D: no answer is no
            return False

    def ask(self, question: str) -> bool:
        """-i: a yes/no prompt on the terminal (stderr, so --json's stdout stays one doc)."""
        if not sys.stdin.isatty():
            return False
        from rich.console import Console
        from rich.prompt import Confirm

        try:
            return Confirm.ask(
                mask_secrets(question, self.secret), default=False, console=Console(stderr=True)
            )
        except EOFError:
            return False

    async def ask_async(self, question: str) -> bool:
        """:meth:`ask` in a worker thread: the event loop (a lock's lease) keeps running."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.ask, question)

    def refuse_unconfirmed(self, what: str) -> Refused:
        return Refused(f"{what} not confirmed", hint="answer yes at the prompt, or pass --force")


def _ms(value: float | int | None) -> str:
    return (
        ""
        if value is None
        else f"{value:.0f} ms"
        if value >= 1 or value == 0
        else f"{value:.2f} ms"
    )


def _when(item: MigrationItem | SeedItem) -> str:
    when = item.applied_at
    if when is None:
        return ""
    # A batch's rows share a few seconds: each second formatted once (a
    # 1000-row status spent more on formatting dates than on the rest of a row).
    # Its fields, not timestamp(): an aware datetime's timestamp() is a subtraction.
    key = (when.year, when.month, when.day, when.hour, when.minute, when.second, when.tzinfo)
    text = _SECONDS.get(key)
    if text is None:
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        text = _SECONDS[key] = when.isoformat(" ", "seconds")[:19]
    return text


_SECONDS: dict[tuple[object, ...], str] = {}


def _migrate(out: Output, r: MigrateReport) -> None:
    if r.ignored_files:
        out.line(f"ignored (not migrations): {', '.join(r.ignored_files)}")
    for a in r.abandoned:
        out.line(f"  ! {a}")
    if r.dry_run:
        if not r.applied:
            out.line(f"dry run: nothing to apply ({r.already_applied} applied)")
            return
        out.line(
            f"dry run: would apply {len(r.applied)} migration(s); nothing written, no lock taken"
        )
        for m in r.applied:
            out.line(f"  {m.version}  {m.file}  [{m.kind}]")
            if m.sql is not None:
                out.line("    " + m.sql.rstrip().replace("\n", "\n    "))
        return
    if not r.applied:
        out.line(f"migrate: nothing to do ({r.already_applied} applied, {r.duration_ms:.0f} ms)")
        return
    if out.verbose or out.tty:
        out.table(
            f"applied in batch {r.batch}",
            ["version", "file", "kind", "took"],
            [[str(m.version), m.file or m.name, m.kind, _ms(m.duration_ms)] for m in r.applied],
        )
    out.line(
        f"migrate: applied {len(r.applied)} migration(s) in batch {r.batch} "
        f"({r.duration_ms:.0f} ms, lock wait {r.lock_wait_ms or 0:.0f} ms)"
    )


def _rollback(out: Output, r: RollbackReport) -> None:
    if not r.rolled_back:
        out.line("rollback: nothing is applied")
        return
    if r.dry_run:  # as migrate --dry-run says it
        out.line(
            f"dry run: would roll back {len(r.rolled_back)} migration(s); "
            "nothing written, no lock taken"
        )
        for m in r.rolled_back:
            out.line(f"  {m.version}  {m.file}  [{m.kind}]")
            if m.sql is not None:
                out.line("    " + m.sql.rstrip().replace("\n", "\n    "))
        return
    for m in r.rolled_back:
        out.line(f"  rolled back {m.version}  {m.file}  {_ms(m.duration_ms)}")
        if m.sql is not None:
            out.line("    " + m.sql.rstrip().replace("\n", "\n    "))
    out.line(f"rollback: rolled back {len(r.rolled_back)} migration(s)")


def _repair(out: Output, r: RepairReport) -> None:
    for a in r.actions:
        out.line(f"  {'would do: ' if r.dry_run else ''}{a}")
    for a in r.remaining:
        out.line(f"  ! {a}")
    if r.dry_run:
        out.line(f"repair (dry run): {len(r.actions)} action(s) it would take; nothing written")
    elif r.actions:
        out.line(f"repair: {len(r.actions)} action(s)")
    else:
        out.line("repair: nothing to repair")


def _seed_rows(items: list[SeedItem]) -> list[list[str]]:
    rows = []
    for s in items:
        rows_written = sum((s.rows or {}).values())
        detail = s.error or s.note or (f"{rows_written} rows" if s.rows is not None else "")
        rows.append([s.name, s.version, s.state, _when(s) or _ms(s.duration_ms), detail])
    return rows


def _seed(out: Output, r: SeedReport) -> None:
    title = f"seeds ({r.environment})" + (" — dry run" if r.dry_run else "")
    out.table(title, ["seed", "version", "state", "when / took", "detail"], _seed_rows(r.seeds))
    for p in r.problems:
        out.line(f"  ! {p}")
    for n in r.notes:
        out.line(f"  {n}")
    if r.operation == "seed":
        out.line(
            f"seed: {r.count('applied')} applied, {r.count('skipped')} skipped, "
            f"{r.count('would-apply')} would apply, {r.count('failed')} failed "
            f"({r.duration_ms:.0f} ms)"
        )
    elif r.operation == "seed-check":
        out.line(f"seed-check: {len(r.seeds)} orphan(s), {len(r.problems)} problem(s)")
    elif r.operation == "seed-clean" and r.dry_run:
        out.line(f"seed-clean (dry run): {len(r.seeds)} would be marked orphaned; nothing written")
    elif r.operation == "seed-clean":
        out.line(f"seed-clean: {len(r.seeds)} marked orphaned")
    elif r.operation == "seed-rollback" and r.dry_run:
        out.line("seed-rollback (dry run): it would run rollback(); nothing written")
    else:
        out.line(f"{r.operation}: done")


# Up to this many migrations, status lists them all. Beyond, it lists what may
# need a look (every migration not plainly applied) and the newest applied
# ones: a long history's 1000th line is not what an operator came for, and the
# pending and dirty rows would scroll away above the fold. --verbose and
# --json give every one.
LISTED_IN_FULL = 30
NEWEST_APPLIED_LISTED = 10


def listed_migrations(
    migrations: Sequence[MigrationItem], *, verbose: bool
) -> tuple[Sequence[MigrationItem], int]:
    """The migrations the status table lists, in order, and how many it leaves out
    (the oldest plainly applied ones)."""
    if verbose or len(migrations) <= LISTED_IN_FULL:
        return migrations, 0
    applied = [i for i, m in enumerate(migrations) if m.state == "applied"]
    oldest = set(applied[: max(len(applied) - NEWEST_APPLIED_LISTED, 0)])
    listed = [m for i, m in enumerate(migrations) if i not in oldest]
    return listed, len(oldest)


def _status(out: Output, r: StatusReport) -> None:
    out.line(f"database {r.database} (schema {r.schema}, environment {r.environment})")
    listed, hidden = listed_migrations(r.migrations, verbose=out.verbose)
    rows = [(str(m.version), m.name, m.kind, m.state, _when(m), str(m.batch or "")) for m in listed]
    title = "migrations"
    if hidden:
        title += (
            f" (the {hidden} oldest applied are not listed; `status --verbose` lists every one)"
        )
    out.table(title, ["version", "name", "kind", "state", "applied at", "batch"], rows)
    states: dict[str, int] = {}  # one pass, not one per state
    for m in r.migrations:
        states[m.state] = states.get(m.state, 0) + 1
    out.line(
        f"migrations: {states.get('applied', 0)} applied, {states.get('pending', 0)} pending"
        + "".join(
            f", {states[s]} {s}"
            for s in ("dirty", "drift", "missing", "out-of-order")
            if s in states
        )
    )
    if r.seeds:
        out.table("seeds", ["seed", "version", "state", "when", "detail"], _seed_rows(r.seeds))
        counts: dict[str, int] = {}
        for s in r.seeds:
            counts[s.state] = counts.get(s.state, 0) + 1
        out.line("seeds: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if r.ignored_files:
        out.line(f"ignored (not migrations): {', '.join(r.ignored_files)}")
    if r.connection and r.connection != "direct connection (detected)":
        out.line(f"connection: {r.connection}")
    out.line(f"lock: {r.lock or 'free'}")
    for f in r.findings:
        out.line(f"  ! {f.message}")
        out.line(f"    fix: {f.fix}")
    for a in r.abandoned:
        out.line(f"  ! {a}")


def _setup(out: Output, r: SetupReport) -> None:
    _migrate(out, r.migrate)
    _seed(out, r.seed)


def _reset(out: Output, r: ResetReport) -> None:
    dropped = ", ".join(r.schemas_dropped) or "none"
    if r.dry_run:
        out.line(f"reset (dry run): would drop schema(s) {dropped} and recreate public")
    else:
        out.line(f"reset: dropped schema(s) {dropped} and recreated public")
    if r.schemas_kept:
        out.line(f"  kept (another role's or an extension's): {', '.join(r.schemas_kept)}")
    if r.migrate:
        _migrate(out, r.migrate)
    if r.seed:
        _seed(out, r.seed)


def _lint(out: Output, r: LintReport) -> None:
    for f in r.findings:
        out.line(f"{f.file}:{f.line}:{f.column}: {f.severity}: {f.rule}: {f.message}")
        if f.help and out.verbose:
            out.line(f"    {f.help}")
    files = f"{len(r.files)} file{'' if len(r.files) == 1 else 's'}"
    if not r.files:
        out.line("lint: no pending migrations to check")
    elif not r.findings:
        out.line(f"lint: {files} checked, no findings")
    else:
        out.line(f"lint: {files} checked, {r.errors} error(s), {r.warnings} warning(s)")


def _dump(out: Output, r: DumpReport) -> None:
    out.line(
        f"schema of {r.database} written to {r.path} ({r.bytes} bytes, "
        f"pg_dump {r.pg_dump_major} for PostgreSQL {r.server_major})"
    )


def _wait(out: Output, r: WaitReport) -> None:
    out.line(
        f"{r.database} accepts connections (PostgreSQL {r.server_version}, {r.waited_ms:g} ms)"
    )


_RENDERERS: dict[type, Any] = {
    LintReport: _lint,
    DumpReport: _dump,
    WaitReport: _wait,
    MigrateReport: _migrate,
    RollbackReport: _rollback,
    RepairReport: _repair,
    SeedReport: _seed,
    StatusReport: _status,
    SetupReport: _setup,
    ResetReport: _reset,
}
