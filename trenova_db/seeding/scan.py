"""Reading seed files with ``ast``: the registry's contents, never by importing them.

Importing a seed runs arbitrary code and needs the app's dependencies; the
scanner reads the seed class's attributes as literals instead.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from pathlib import Path

import msgspec

from ..config import Environment
from ..errors import ConfigurationError, DiscoveryError
from ..filecache import FileCache, now
from .model import FOLDERS, Registry, RegistryEntry, seed_rank

__all__ = ["SEED_FILE", "scan_seeds", "seed_file_checksum"]

# The file cache's purpose: a new number when what a scan yields changes.
SCAN_CACHE = "seeds.1"

# NN_name.py: the numeric prefix orders seeds of a folder.
SEED_FILE = re.compile(r"^(\d+)_([0-9a-z_]+)\.py$")


def seed_file_checksum(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return "sha256:" + hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


def _literal(node: ast.expr, attr: str, rel: str, problems: list[str]) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        problems.append(f"{rel}: {attr} must be a literal (line {node.lineno})")
        return None


def _environments(node: ast.expr, rel: str, problems: list[str]) -> tuple[str, ...] | None:
    if not isinstance(node, ast.Tuple | ast.List):
        problems.append(f"{rel}: environments must be a tuple (line {node.lineno})")
        return None
    found: set[Environment] = set()
    for elt in node.elts:
        raw: str | None = None
        if isinstance(elt, ast.Attribute):
            raw = elt.attr
        elif isinstance(elt, ast.Constant) and isinstance(elt.value, str):
            raw = elt.value
        if raw is None:
            problems.append(
                f"{rel}: environments must list Environment.X names (line {elt.lineno})"
            )
            return None
        try:
            found.add(Environment.parse(raw))
        except ConfigurationError:
            problems.append(f"{rel}: unknown environment {raw!r} (line {elt.lineno})")
            return None
    return tuple(e.value for e in Environment if e in found)


def _is_seed_class(node: ast.ClassDef) -> bool:
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id == "BaseSeed":
            return True
        if isinstance(base, ast.Attribute) and base.attr == "BaseSeed":
            return True
    return False


def _scan_file(
    path: Path, folder: str, order: int, rel: str, problems: list[str]
) -> RegistryEntry | None:
    try:
        source = path.read_bytes().decode("utf-8")
        tree = ast.parse(source, filename=rel)
    except SyntaxError as exc:
        problems.append(f"{rel}: syntax error at line {exc.lineno}: {exc.msg}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{rel}: cannot read ({exc})")
        return None
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and _is_seed_class(n)]
    if not classes:
        problems.append(f"{rel}: no class subclassing BaseSeed")
        return None
    if len(classes) > 1:
        names = ", ".join(c.name for c in classes)
        problems.append(f"{rel}: more than one BaseSeed subclass ({names}); one per file")
        return None
    cls = classes[0]
    attrs: dict[str, ast.expr] = {}
    methods: dict[str, ast.AST] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                attrs[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            attrs[stmt.target.id] = stmt.value
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            methods[stmt.name] = stmt
    before = len(problems)
    values: dict[str, object] = {
        "version": "1.0.0",
        "description": "",
        "environments": tuple(e.value for e in Environment),
        "depends_on": (),
    }
    for key in ("name", "version", "description", "depends_on"):
        if key in attrs:
            values[key] = _literal(attrs[key], key, rel, problems)
    if "environments" in attrs:
        values["environments"] = _environments(attrs["environments"], rel, problems)
    if "name" not in attrs:
        problems.append(f"{rel}: {cls.name} has no name attribute")
    for key in ("name", "version", "description"):
        if key in attrs and values[key] is not None and not isinstance(values[key], str):
            problems.append(f"{rel}: {key} must be a string")
    deps = values["depends_on"]
    if deps is not None and not (
        isinstance(deps, tuple | list) and all(isinstance(d, str) for d in deps)
    ):
        problems.append(f"{rel}: depends_on must be a tuple of seed names")
    run = methods.get("run")
    if not isinstance(run, ast.AsyncFunctionDef):
        problems.append(f"{rel}: {cls.name} needs an `async def run(self, ctx)`")
    if len(problems) > before:
        return None
    assert isinstance(deps, tuple | list)
    return RegistryEntry(
        name=str(values["name"]),
        class_name=cls.name,
        path=rel,
        folder=folder,
        order=order,
        version=str(values["version"]),
        description=str(values["description"]),
        environments=tuple(values["environments"]),  # type: ignore[arg-type]
        depends_on=tuple(str(d) for d in deps),
        has_rollback=isinstance(methods.get("rollback"), ast.AsyncFunctionDef),
        checksum=seed_file_checksum(path),
    )


def _stray_seed_folders(seeds_dir: Path) -> list[str]:
    """Numbered seed files in a folder no environment reads (``developement/``).

    They would never run, silently. Folders of helper modules (files not named
    like seeds) are left alone.
    """
    problems = []
    try:
        folders = sorted(p for p in seeds_dir.iterdir() if p.is_dir())
    except OSError:
        return []
    for directory in folders:
        if directory.name in FOLDERS or directory.name.startswith(("_", ".")):
            continue
        seeds = sorted(p.name for p in directory.glob("*.py") if SEED_FILE.match(p.name))
        if seeds:
            problems.append(
                f"{directory.name}/: {', '.join(seeds)} would never run: seed folders are "
                f"{', '.join(FOLDERS)}; move the file(s) into one of them"
            )
    return problems


def scan_seeds(seeds_dir: Path) -> Registry:
    """Read every seed file (with ast); raise DiscoveryError listing all problems.
    Inside a fleet, the folder is read once (``trenova_db.snapshot``)."""
    from ..snapshot import once

    return once("seeds", seeds_dir, lambda: _scan(seeds_dir))


def _scan_cached(
    cache: FileCache, path: Path, folder: str, order: int, rel: str, problems: list[str]
) -> RegistryEntry | None:
    """``_scan_file``, or its entry from the file cache while the file is unchanged
    (``status`` on every CI step: parsing each seed with ast cost more than the rest)."""
    try:
        st = os.stat(path)
    except OSError:
        return _scan_file(path, folder, order, rel, problems)  # reports the error
    hit = cache.get(rel, st)
    if isinstance(hit, dict):
        try:
            return RegistryEntry(**hit)
        except TypeError:  # written by a version with other fields: scan again
            pass
    read_at = now()
    entry = _scan_file(path, folder, order, rel, problems)
    if entry is not None:
        cache.put(rel, st, msgspec.structs.asdict(entry), read_at)
    return entry


def _scan(seeds_dir: Path) -> Registry:
    problems: list[str] = []
    entries: list[RegistryEntry] = []
    cache = FileCache(SCAN_CACHE, str(seeds_dir))
    for folder in FOLDERS:
        directory = seeds_dir / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix != ".py" or path.name.startswith(("_", ".")) or not path.is_file():
                continue
            rel = f"{folder}/{path.name}"
            match = SEED_FILE.match(path.name)
            if match is None:
                problems.append(
                    f"{rel}: file name must be NN_name.py (a number, '_', then lowercase "
                    "letters, digits or '_')"
                )
                continue
            entry = _scan_cached(cache, path, folder, int(match.group(1)), rel, problems)
            if entry is not None:
                entries.append(entry)
    cache.save()
    problems.extend(_stray_seed_folders(seeds_dir))
    by_name: dict[str, str] = {}
    for e in entries:
        if e.name in by_name:
            problems.append(f"duplicate seed name {e.name!r}: {by_name[e.name]} and {e.path}")
        by_name.setdefault(e.name, e.path)
    if problems:
        raise DiscoveryError(
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in seeds directory "
            f"{seeds_dir}",
            problems=problems,
            hint="fix the seed files listed; the registry was not written",
        )
    return Registry(seeds=tuple(sorted(entries, key=seed_rank)))
