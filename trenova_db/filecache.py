"""Values computed from files, kept between runs while the files stay unchanged.

A no-op ``migrate`` over 1000 migrations spent more of its time reading and
hashing up files than on anything else, and ``status`` parsed every seed
file with ``ast``; neither result can change unless the file does. So the
results are kept in a per-user cache and computed again only for files that
changed: a ``stat`` per file instead of a read, a hash or a parse.

"Unchanged" is git's index rule: same device, inode, size, mtime and ctime.
ctime cannot be set from user space (any write, rename, chmod or
``touch -d`` moves it to the current time), so a file restored with an old
mtime (tar, rsync -t, cp -p) is still seen as changed. Timestamps are coarse
(two writes in one clock tick may leave them equal), so a value is stored
only for a file whose mtime and ctime are at least ``RACY_SECONDS`` older
than the moment its content was read: a later change to such a file always
moves ctime past what was stored (git's "racy" rule). A folder's own entry
(its listing) follows the same rule: adding, removing or renaming a file in
it moves the folder's mtime and ctime.

Where: ``$TRENOVA_DB_CACHE_DIR``, else ``$XDG_CACHE_HOME/trenova-db``, else
``~/.cache/trenova-db``; one file per folder and purpose, in ``marshal``'s
format (built in: nothing to import). ``TRENOVA_DB_CACHE=off`` turns it off.
A cache that cannot be read, written or trusted (not the user's own, or
writable by others, or another Python's format) is ignored, never an error:
values are then computed as if it were empty. Values must be what
``marshal`` can write (str, int, bytes, tuples, lists, dicts of those).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["RACY_SECONDS", "FileCache", "cache_dir"]

RACY_SECONDS = 2.0
_FORMAT = 1
_OFF = ("0", "off", "false", "no")


def cache_dir() -> str | None:
    """The cache's directory (not created), or None when caching is off or has no home."""
    if os.environ.get("TRENOVA_DB_CACHE", "").strip().lower() in _OFF:
        return None
    explicit = os.environ.get("TRENOVA_DB_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if home == "~" or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "trenova-db")


def _signature(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class FileCache:
    """The cached values of one folder's files for one purpose ("migrations", "seeds").

    Not thread-safe: one thread uses an instance (discovery runs in its own).
    """

    def __init__(self, purpose: str, folder: str) -> None:
        self.folder = os.path.realpath(folder)
        base = cache_dir()
        digest = hashlib.sha256(f"{purpose}\0{self.folder}".encode()).hexdigest()[:24]
        self.path = os.path.join(base, f"{purpose}-{digest}.marshal") if base else None
        self._entries: dict[str, tuple[Any, ...]] = {}
        self._derived: dict[str, tuple[Any, Any]] = {}
        self._seen: set[str] = set()
        self._changed = False
        if self.path is not None:
            self._entries, self._derived = self._load(self.path, self.folder)

    @staticmethod
    def _load(path: str, folder: str) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return {}, {}
        try:
            st = os.fstat(fd)
            # Someone else's file, or one others may write, could claim a
            # changed migration is unchanged: not trusted.
            if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return {}, {}
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = marshal.loads(b"".join(chunks))
        except (OSError, EOFError, ValueError, TypeError):
            return {}, {}
        finally:
            os.close(fd)
        if (
            not isinstance(data, tuple)
            or len(data) != 4
            or data[0] != _FORMAT
            or data[1] != folder
            or not isinstance(data[2], dict)
            or not isinstance(data[3], dict)
        ):
            return {}, {}
        return data[2], data[3]

    def get(self, name: str, st: os.stat_result) -> Any | None:
        """The value stored for ``name`` if the file is unchanged since, else None."""
        self._seen.add(name)
        entry = self._entries.get(name)
        if entry is None or entry[0] != (
            st.st_dev,
            st.st_ino,
            st.st_size,
            st.st_mtime_ns,
            st.st_ctime_ns,
        ):
            return None
        return entry[1]

    def get_all(
        self, dir_fd: int, names: Sequence[str]
    ) -> list[tuple[os.stat_result | OSError, Any | None]]:
        """``get`` for many files of the folder open as ``dir_fd``: for each name,
        its stat (or the OSError that stat raised) and the stored value (None
        unless unchanged). One loop here instead of a call per file: a no-op
        run over 1000 migrations checks 1000 files."""
        self._seen.update(names)
        entries = self._entries
        stat = os.stat
        found: list[tuple[os.stat_result | OSError, Any | None]] = []
        for name in names:
            try:
                st = stat(name, dir_fd=dir_fd)
            except OSError as exc:
                found.append((exc, None))
                continue
            entry = entries.get(name)
            if entry is not None and entry[0] == (
                st.st_dev,
                st.st_ino,
                st.st_size,
                st.st_mtime_ns,
                st.st_ctime_ns,
            ):
                found.append((st, entry[1]))
            else:
                found.append((st, None))
        return found

    def put(self, name: str, st: os.stat_result, value: Any, read_at: float) -> None:
        """Keep ``value``, computed from the content read at ``read_at`` (time.time()),
        for the file whose stat (taken before the read) is ``st``."""
        self._seen.add(name)
        newest = max(st.st_mtime_ns, st.st_ctime_ns) / 1e9
        if newest > read_at - RACY_SECONDS:
            return  # too fresh to tell a later change from this content
        self._entries[name] = (_signature(st), value)
        self._changed = True

    def derived(self, key: str, inputs: Any) -> Any | None:
        """A value kept with ``derive`` from exactly these ``inputs`` (compared
        whole: e.g. a folder's sorted file names), else None."""
        entry = self._derived.get(key)
        return entry[1] if entry is not None and entry[0] == inputs else None

    def derive(self, key: str, inputs: Any, value: Any) -> None:
        """Keep ``value``, a pure function of ``inputs`` (no file content)."""
        self._derived[key] = (inputs, value)
        self._changed = True

    def save(self) -> None:
        """Write the cache back if anything changed (values of files no longer seen
        are dropped); failures are ignored: the cache is an optimisation."""
        if self.path is None:
            return
        stale = self._entries.keys() - self._seen
        if not self._changed and not stale:
            return
        for name in stale:
            del self._entries[name]
        directory = os.path.dirname(self.path)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            try:
                view = memoryview(
                    marshal.dumps((_FORMAT, self.folder, self._entries, self._derived))
                )
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, self.path)  # readers see the old file or the new, never half
        except (OSError, ValueError):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def now() -> float:
    """The clock ``put`` compares timestamps with (file times are wall-clock times)."""
    return time.time()
