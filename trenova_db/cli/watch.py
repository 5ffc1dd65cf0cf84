"""``seed-watch``: keep seeds/registry.json in step with the files while you edit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import TrenovaDBError
from .output import Output

__all__ = ["watch_seeds"]

# How long the watcher waits for a change before yielding nothing (the first such
# yield is the sign it is running).
_READY_MS = 200


def _is_seed_file(seeds_dir: Path, changed: str) -> bool:
    path = Path(changed)
    try:
        rel = path.resolve().relative_to(seeds_dir.resolve())
    except ValueError:
        return False
    return (
        path.suffix == ".py"
        and len(rel.parts) == 2
        and rel.parts[0] in ("base", "development", "test")
        and not path.name.startswith((".", "_"))
    )


def watch_seeds(
    seeds_dir: Path,
    out: Output,
    *,
    debounce_ms: int = 300,
    dry_run: bool = False,
    ask: Callable[[str], bool] | None = None,
) -> int:
    """Regenerate the registry after each burst of changes; Ctrl-C exits with 130.

    With ``--json`` each sync is one JSON document on its own stdout line (JSON
    Lines: the command runs until stopped, so there is no single document).

    ``dry_run``: say what would change, write nothing (the folders must exist).
    ``ask`` (-i): asked before each write of the registry.
    """
    from watchfiles import watch

    from ..seeding.registry import require_seeds_dir, sync_registry

    if dry_run:
        require_seeds_dir(seeds_dir)
    else:
        seeds_dir.mkdir(parents=True, exist_ok=True)
        for folder in ("base", "development", "test"):
            (seeds_dir / folder).mkdir(exist_ok=True)

    def sync(reason: str) -> None:
        try:
            report = sync_registry(seeds_dir, dry_run=True)
            if report.changed and not dry_run:
                if ask is not None and not ask(f"Write {report.path}?"):
                    out.note(f"seed-watch: {reason}: registry NOT updated (answered no)")
                    return
                report = sync_registry(seeds_dir)
        except TrenovaDBError as exc:
            out.note(f"seed-watch: {reason}: registry NOT updated: {exc}")
            return
        if out.json:
            out.emit(report)
        d = report.diff
        state = "updated" if report.changed else "unchanged"
        if dry_run:
            state = "would be updated (dry run)" if report.changed else "unchanged"
        out.note(
            f"seed-watch: {reason}: registry {state} ({report.seeds} seeds; "
            f"+{len(d.added)} -{len(d.removed)} ~{len(d.changed)})"
        )

    # The watcher only sees changes once it is running, so the first sync and the
    # "watching" line wait for its first yield (a timeout with no change, or a
    # change): a file saved before that line is printed is in the registry, and
    # one saved after it is seen by the watcher.
    running = False
    try:
        for changes in watch(
            seeds_dir,
            debounce=debounce_ms,
            watch_filter=lambda _change, path: _is_seed_file(seeds_dir, path),
            raise_interrupt=True,
            yield_on_timeout=True,
            rust_timeout=_READY_MS,
        ):
            if not running:
                running = True
                sync("start")  # covers any change already in this first batch
                out.note(f"seed-watch: watching {seeds_dir} (Ctrl-C to stop)")
                continue
            if not changes:  # a timeout: nothing changed
                continue
            names = sorted({Path(p).name for _, p in changes})
            sync(f"{len(changes)} change(s) in {', '.join(names)}")
    except KeyboardInterrupt:
        out.note("seed-watch: stopped")
        return 130  # like every command stopped by Ctrl-C (128 + SIGINT)
    return 0
