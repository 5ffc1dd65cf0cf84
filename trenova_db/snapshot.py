"""Files read once per fleet: every target sees the same migrations and seeds.

Inside ``files_read_once()`` (the fleet engine enters it), ``discover_migrations``
and ``scan_seeds`` read a folder the first time it is asked for and hand out
that result afterwards; outside it they read the folder on every call, as a
single run always has. One snapshot per fleet also means a folder edited
while the fleet runs cannot give two targets different migrations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["active", "files_read_once", "once"]

T = TypeVar("T")

_SNAPSHOT: ContextVar[dict[tuple[str, Path], Any] | None] = ContextVar(
    "trenova_db_snapshot", default=None
)


def active() -> bool:
    """Is a snapshot in force (a fleet is running)? Reads are then shared."""
    return _SNAPSHOT.get() is not None


def once(kind: str, directory: Path, read: Callable[[], T]) -> T:
    """``read()``, or what it returned for this folder earlier in the snapshot.
    A failure is not kept: every target reports it."""
    snapshot = _SNAPSHOT.get()
    if snapshot is None:
        return read()
    key = (kind, directory.resolve())
    if key not in snapshot:
        snapshot[key] = read()
    result: T = snapshot[key]
    return result


@contextmanager
def files_read_once() -> Iterator[None]:
    token = _SNAPSHOT.set({})
    try:
        yield
    finally:
        _SNAPSHOT.reset(token)
