"""Identifiers and times in Trenova's own formats.

Trenova's models key rows by PULIDs: a short table prefix, an underscore and a
ULID (``usr_01J...``), stored in ``varchar(100)``; times are ``bigint`` epoch
seconds. Seeds that write Trenova's tables make both here, so a row created by
a Python seed is indistinguishable from one the Go service created.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["epoch_now", "pulid", "ulid"]

# Crockford's base32, as ULIDs use it.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_lock = threading.Lock()
_last_ms = -1
_last_random = 0


def ulid(ms: int | None = None) -> str:
    """A 26-character ULID, monotonic within a millisecond (like oklog's Monotonic)."""
    global _last_ms, _last_random
    now = int(time.time() * 1000) if ms is None else ms
    with _lock:
        if now == _last_ms:
            # Same millisecond: increment the random part so ids still sort in
            # creation order (the spec's monotonic mode).
            _last_random = (_last_random + 1) & ((1 << 80) - 1)
        else:
            _last_ms = now
            _last_random = int.from_bytes(os.urandom(10), "big")
        value = (now << 80) | _last_random
    return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


def pulid(prefix: str) -> str:
    """``<prefix>_<ULID>``: Trenova's primary-key format.

    Trenova's ``pulid.MustNew(prefix)`` concatenates, and its models pass the
    underscore in the prefix (``pulid.MustNew("usr_")``). Here ``"usr"`` and
    ``"usr_"`` both give ``usr_01J...``: exactly one underscore either way.
    """
    if not prefix or not prefix.rstrip("_"):
        raise ValueError(f"a PULID needs a table prefix such as 'usr' (got {prefix!r})")
    return f"{prefix.rstrip('_')}_{ulid()}"


def epoch_now() -> int:
    """Now as epoch seconds, the type of Trenova's ``created_at``/``updated_at``."""
    return int(time.time())
