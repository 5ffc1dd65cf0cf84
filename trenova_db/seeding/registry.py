"""seeds/registry.json: the manifest of seed files, read, compared and written.

The contents come from :mod:`.scan` (``ast``, never importing a seed file);
this module owns the file: deterministic output (sorted, fixed key order) so a
diff shows only real changes, written atomically, and at run time compared
with the files: a stale registry stops the run and says to run ``seed-sync``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

from ..errors import ConfigurationError, StaleRegistry
from .graph import graph_problems
from .model import (
    FOLDERS,
    REGISTRY_FILE,
    REGISTRY_FORMAT,
    Registry,
    RegistryDiff,
    RegistryEntry,
    SyncReport,
    seed_rank,
)
from .scan import scan_seeds, seed_file_checksum

# Names that have always been importable from here, wherever they live now.
__all__ = [
    "FOLDERS",
    "REGISTRY_FILE",
    "Registry",
    "RegistryDiff",
    "RegistryEntry",
    "SyncReport",
    "check_registry",
    "diff_registries",
    "encode_registry",
    "load_registry",
    "registry_problems",
    "require_seeds_dir",
    "scan_seeds",
    "seed_file_checksum",
    "sync_registry",
    "write_registry",
]


def __getattr__(name: str) -> Any:
    # create_seed_file lived here; it is loaded when asked for: status and seed
    # read the registry on every run and never write a seed file.
    if name == "create_seed_file":
        from .scaffold import create_seed_file

        return create_seed_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _hint(seeds_dir: Path) -> str:
    return (
        "run `trenova-db seed-sync` (or scripts/scan_seeds.py) and commit "
        f"{seeds_dir / REGISTRY_FILE}"
    )


class _FormatOnly(msgspec.Struct):
    format: int = 1  # the first registries had the field too; kept as the fallback


_format_decoder = msgspec.json.Decoder(_FormatOnly)
_encoder = msgspec.json.Encoder(order="deterministic")
_decoder = msgspec.json.Decoder(Registry)


def encode_registry(registry: Registry) -> bytes:
    ordered = Registry(format=registry.format, seeds=tuple(sorted(registry.seeds, key=seed_rank)))
    return msgspec.json.format(_encoder.encode(ordered), indent=2) + b"\n"


def load_registry(seeds_dir: Path) -> Registry | None:
    """registry.json, or None when there is none. A fleet reads it once
    (trenova_db.snapshot)."""
    from ..snapshot import once

    return once("registry", seeds_dir, lambda: _load_registry(seeds_dir))


def _load_registry(seeds_dir: Path) -> Registry | None:
    path = seeds_dir / REGISTRY_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StaleRegistry(f"cannot read {path}: {exc}", hint=_hint(seeds_dir)) from exc
    # The format first, leniently: a registry written by another version must
    # say so, not fail on the first field that changed.
    try:
        found = _format_decoder.decode(raw).format
    except msgspec.DecodeError:
        found = REGISTRY_FORMAT  # not even that: the full decode below says why
    if found != REGISTRY_FORMAT:
        raise StaleRegistry(
            f"{path} has format {found}; this trenova-db reads and writes format {REGISTRY_FORMAT}",
            hint=_hint(seeds_dir),
        )
    try:
        return _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise StaleRegistry(
            f"{path} is not a valid seed registry: {exc}", hint=_hint(seeds_dir)
        ) from exc


def diff_registries(old: Registry | None, new: Registry) -> RegistryDiff:
    before = {e.name: e for e in (old.seeds if old else ())}
    after = {e.name: e for e in new.seeds}
    return RegistryDiff(
        added=tuple(sorted(set(after) - set(before))),
        removed=tuple(sorted(set(before) - set(after))),
        changed=tuple(sorted(n for n in set(before) & set(after) if before[n] != after[n])),
    )


def require_seeds_dir(seeds_dir: Path) -> None:
    """A mistyped --seeds-dir must not look like "no seeds" (or grow a registry)."""
    if not seeds_dir.is_dir():
        what = "is not a directory" if seeds_dir.exists() else "does not exist"
        raise ConfigurationError(
            f"seeds directory {seeds_dir} {what}",
            hint="pass --seeds-dir, or create a seed with `trenova-db create-seed NAME`",
        )


def _missing(seeds_dir: Path, scanned: Registry) -> str:
    return f"{seeds_dir / REGISTRY_FILE} is missing but {len(scanned.seeds)} seed file(s) exist"


def registry_problems(seeds_dir: Path, scanned: Registry) -> list[str]:
    """Why registry.json does not describe ``scanned`` (the files); [] when it does.

    Raises StaleRegistry when the file cannot be read or decoded at all.
    """
    stored = load_registry(seeds_dir)
    if stored is None:
        if not scanned.seeds:
            return []
        return [_missing(seeds_dir, scanned)]
    diff = diff_registries(stored, scanned)
    problems = [
        *(f"{n}: new seed file, not in the registry" for n in diff.added),
        *(f"{n}: in the registry, but its file is gone" for n in diff.removed),
        *(f"{n}: file changed since the registry was written" for n in diff.changed),
    ]
    if not problems and tuple(sorted(stored.seeds, key=seed_rank)) != scanned.seeds:
        counts: dict[str, int] = {}
        for e in stored.seeds:
            counts[e.name] = counts.get(e.name, 0) + 1
        doubled = sorted(n for n, c in counts.items() if c > 1)
        problems.append(
            f"duplicate registry entries: {', '.join(doubled)}"
            if doubled
            else "entries differ from what seed-sync writes"
        )
    return problems


def check_registry(seeds_dir: Path) -> Registry:
    """The scanned registry, if registry.json matches it; otherwise StaleRegistry."""
    require_seeds_dir(seeds_dir)
    scanned = scan_seeds(seeds_dir)
    problems = registry_problems(seeds_dir, scanned)
    if problems == [_missing(seeds_dir, scanned)]:
        raise StaleRegistry(problems[0], hint=_hint(seeds_dir))
    if problems:
        raise StaleRegistry(
            f"{seeds_dir / REGISTRY_FILE} is stale", problems=problems, hint=_hint(seeds_dir)
        )
    return scanned


def write_registry(seeds_dir: Path, registry: Registry) -> bool:
    """Write atomically (temp file + fsync + rename); False when nothing changed."""
    path = seeds_dir / REGISTRY_FILE
    data = encode_registry(registry)
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    seeds_dir.mkdir(parents=True, exist_ok=True)
    import tempfile  # only writers need it; status and seed merely read (~3 ms)

    fd, tmp = tempfile.mkstemp(prefix=".registry-", suffix=".tmp", dir=seeds_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def sync_registry(seeds_dir: Path, *, dry_run: bool = False) -> SyncReport:
    """Write registry.json from the files; ``dry_run``: say whether it would change."""
    require_seeds_dir(seeds_dir)
    scanned = scan_seeds(seeds_dir)
    try:
        old = load_registry(seeds_dir)
    except StaleRegistry:
        old = None
    if dry_run:
        try:
            changed = (seeds_dir / REGISTRY_FILE).read_bytes() != encode_registry(scanned)
        except FileNotFoundError:
            changed = True
    else:
        changed = write_registry(seeds_dir, scanned)
    # The registry is written anyway: it describes the files as they are. A
    # broken dependency graph is reported now rather than at the next `seed`.
    return SyncReport(
        dry_run=dry_run,
        path=str(seeds_dir / REGISTRY_FILE),
        changed=changed,
        diff=diff_registries(old, scanned),
        seeds=len(scanned.seeds),
        problems=tuple(graph_problems(scanned)),
    )
