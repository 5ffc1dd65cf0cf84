"""The seeding data types: registry entries, the registry, and what seed-sync reports.

The bottom layer of :mod:`trenova_db.seeding`: the scanner (:mod:`.scan`),
the registry file (:mod:`.registry`) and the dependency graph (:mod:`.graph`)
all build on these and import nothing from each other's level or above.
"""

from __future__ import annotations

import msgspec

from ..config import Environment

__all__ = [
    "FOLDERS",
    "FOLDER_ENVIRONMENTS",
    "REGISTRY_FILE",
    "REGISTRY_FORMAT",
    "Registry",
    "RegistryDiff",
    "RegistryEntry",
    "SyncReport",
    "seed_rank",
]

REGISTRY_FILE = "registry.json"
REGISTRY_FORMAT = 2  # 2: the class under "class" (was "class_name")

FOLDERS = ("base", "development", "test")
# base everywhere, development in development and test, test in test only.
FOLDER_ENVIRONMENTS: dict[str, tuple[Environment, ...]] = {
    "base": tuple(Environment),
    "development": (Environment.DEVELOPMENT, Environment.TEST),
    "test": (Environment.TEST,),
}


class RegistryEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    class_name: str = msgspec.field(name="class")  # "class" in the JSON, as DESIGN names it
    path: str
    folder: str
    order: int
    version: str
    description: str
    environments: tuple[str, ...]
    depends_on: tuple[str, ...]
    has_rollback: bool
    checksum: str


class Registry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    format: int = REGISTRY_FORMAT
    seeds: tuple[RegistryEntry, ...] = ()


class RegistryDiff(msgspec.Struct, frozen=True, kw_only=True):
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


class SyncReport(msgspec.Struct, frozen=True, kw_only=True):
    """What seed-sync wrote; ``problems`` are dependency problems it found."""

    operation: str = "seed-sync"
    dry_run: bool = False  # changed: it would change; nothing was written
    path: str
    changed: bool
    diff: RegistryDiff
    seeds: int
    problems: tuple[str, ...] = ()


def seed_rank(e: RegistryEntry) -> tuple[int, int, str]:
    """Folder (base < development < test), numeric prefix, name: the order without deps."""
    return (FOLDERS.index(e.folder), e.order, e.name)
