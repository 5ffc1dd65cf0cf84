"""The public API is exactly what __all__ says (httpx's test, adapted)."""

from __future__ import annotations

import trenova_db
import trenova_db.seeding


def test_all_names_exist_and_public_names_are_listed() -> None:
    for module in (trenova_db, trenova_db.seeding):
        exported = set(module.__all__)
        for name in exported:
            assert hasattr(module, name), f"{module.__name__}.__all__ lists missing {name}"
        public = {
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", "").startswith("trenova_db")
        }
        assert public <= exported | {"__version__"}, public - exported


def test_library_entry_points_are_coroutines() -> None:
    import inspect

    names = ("migrate", "rollback", "status", "repair", "seed", "setup", "reset", "dump", "lint")
    for name in (*names, "wait", "adopt"):
        assert inspect.iscoroutinefunction(getattr(trenova_db, name)), name
