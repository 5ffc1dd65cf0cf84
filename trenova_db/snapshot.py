"""Files read once per fleet: every target sees the same migrations and seeds.

Inside ``files_read_once()`` (the fleet engine enters it), ``discover_migrations``,
``scan_seeds``, ``load_registry`` and ``load_seed`` read a folder (or import a
seed file) the first time it is asked for and hand out that result afterwards;
outside it they read on every call, as a single run always has. One snapshot
per fleet also means a folder edited while the fleet runs cannot give two
targets different migrations or seeds.

The snapshot lives in a ContextVar: two fleets in one process keep their own.
A thread sees it when it runs in a copy of the context that started it
(``contextvars.copy_context().run``, as the discovery thread of
``session_with_files`` does; ``asyncio.to_thread`` does the same), and reads
are locked, so targets reading in threads at once still read each folder once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["active", "files_read_once", "once"]

T = TypeVar("T")


class _Snapshot:
    def __init__(self) -> None:
        self.results: dict[tuple[str, Path], Any] = {}
        # Re-entrant: a read may ask for another (the registry check scans the folder).
        self.lock = threading.RLock()


_SNAPSHOT: ContextVar[_Snapshot | None] = ContextVar("trenova_db_snapshot", default=None)


def active() -> bool:
    """Is a snapshot in force (a fleet is running)? Reads are then shared."""
    return _SNAPSHOT.get() is not None


def once(kind: str, path: Path, read: Callable[[], T]) -> T:
    """``read()``, or what it returned for this folder (or file) earlier in the
    snapshot. A failure is not kept: every target reports it."""
    snapshot = _SNAPSHOT.get()
    if snapshot is None:
        return read()
    key = (kind, path.resolve())
    with snapshot.lock:  # another thread of the fleet may be reading it right now
        if key not in snapshot.results:
            snapshot.results[key] = read()
        result: T = snapshot.results[key]
    return result


@contextmanager
def files_read_once() -> Iterator[None]:
    token = _SNAPSHOT.set(_Snapshot())
    try:
        yield
    finally:
        _SNAPSHOT.reset(token)
