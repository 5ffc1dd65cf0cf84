"""seeds/registry.json: the manifest of seed files, built by reading them with ``ast``.

Seed files are never imported to build it (importing runs arbitrary code and
needs the app's dependencies); the scanner reads class attributes as literals.
The output is deterministic (sorted, fixed key order) so a diff shows only real
changes, and written atomically. At run time the registry is compared with the
files: a stale registry stops the run and says to run ``seed-sync``.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from pathlib import Path
from string import Template

import msgspec

from ..config import Environment
from ..errors import ConfigurationError, DiscoveryError, StaleRegistry
from .graph import FOLDER_ENVIRONMENTS, FOLDERS, graph_problems, seed_rank

__all__ = [
    "FOLDERS",
    "REGISTRY_FILE",
    "Registry",
    "RegistryDiff",
    "RegistryEntry",
    "SyncReport",
    "check_registry",
    "create_seed_file",
    "diff_registries",
    "encode_registry",
    "load_registry",
    "require_seeds_dir",
    "scan_seeds",
    "seed_file_checksum",
    "sync_registry",
    "write_registry",
]

REGISTRY_FILE = "registry.json"
REGISTRY_FORMAT = 2  # 2: the class under "class" (was "class_name")
_FILE = re.compile(r"^(\d+)_([0-9a-z_]+)\.py$")
_NAME = re.compile(r"^[0-9a-z_-]{1,100}$")


def _hint(seeds_dir: Path) -> str:
    return (
        "run `trenova-db seed-sync` (or scripts/scan_seeds.py) and commit "
        f"{seeds_dir / REGISTRY_FILE}"
    )


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


class _FormatOnly(msgspec.Struct):
    format: int = 1  # the first registries had the field too; kept as the fallback


_format_decoder = msgspec.json.Decoder(_FormatOnly)


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
    path: str
    changed: bool
    diff: RegistryDiff
    seeds: int
    problems: tuple[str, ...] = ()


_encoder = msgspec.json.Encoder(order="deterministic")
_decoder = msgspec.json.Decoder(Registry)


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
        seeds = sorted(p.name for p in directory.glob("*.py") if _FILE.match(p.name))
        if seeds:
            problems.append(
                f"{directory.name}/: {', '.join(seeds)} would never run: seed folders are "
                f"{', '.join(FOLDERS)}; move the file(s) into one of them"
            )
    return problems


def scan_seeds(seeds_dir: Path) -> Registry:
    """Read every seed file (with ast); raise DiscoveryError listing all problems."""
    problems: list[str] = []
    entries: list[RegistryEntry] = []
    for folder in FOLDERS:
        directory = seeds_dir / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix != ".py" or path.name.startswith(("_", ".")) or not path.is_file():
                continue
            rel = f"{folder}/{path.name}"
            match = _FILE.match(path.name)
            if match is None:
                problems.append(
                    f"{rel}: file name must be NN_name.py (a number, '_', then lowercase "
                    "letters, digits or '_')"
                )
                continue
            entry = _scan_file(path, folder, int(match.group(1)), rel, problems)
            if entry is not None:
                entries.append(entry)
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


def encode_registry(registry: Registry) -> bytes:
    ordered = Registry(format=registry.format, seeds=tuple(sorted(registry.seeds, key=seed_rank)))
    return msgspec.json.format(_encoder.encode(ordered), indent=2) + b"\n"


def load_registry(seeds_dir: Path) -> Registry | None:
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


def sync_registry(seeds_dir: Path) -> SyncReport:
    require_seeds_dir(seeds_dir)
    scanned = scan_seeds(seeds_dir)
    try:
        old = load_registry(seeds_dir)
    except StaleRegistry:
        old = None
    changed = write_registry(seeds_dir, scanned)
    # The registry is written anyway: it describes the files as they are. A
    # broken dependency graph is reported now rather than at the next `seed`.
    return SyncReport(
        path=str(seeds_dir / REGISTRY_FILE),
        changed=changed,
        diff=diff_registries(old, scanned),
        seeds=len(scanned.seeds),
        problems=tuple(graph_problems(scanned)),
    )


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_-]+", name) if part)


def create_seed_file(seeds_dir: Path, name: str, folder: str = "base") -> Path:
    """Write the next numbered seed file from the template; never overwrite."""
    if folder not in FOLDERS:
        raise ConfigurationError(f"unknown seed folder {folder!r}; use one of {', '.join(FOLDERS)}")
    if not _NAME.match(name) or not name[0].isalpha():
        raise ConfigurationError(
            f"invalid seed name {name!r}: start with a letter, then use lowercase letters, "
            "digits, '_' or '-'",
            hint="e.g. `trenova-db create-seed load_customers --dev`",
        )
    stem = name.replace("-", "_")
    directory = seeds_dir / folder
    directory.mkdir(parents=True, exist_ok=True)
    newest, width = -1, 2
    for path in directory.iterdir():
        match = _FILE.match(path.name)
        if match is None:
            continue
        if match.group(2) == stem:
            raise ConfigurationError(f"a seed named {stem!r} already exists: {folder}/{path.name}")
        if int(match.group(1)) > newest:
            newest, width = int(match.group(1)), len(match.group(1))
    number = newest + 1
    target = directory / f"{number:0{width}d}_{stem}.py"
    import importlib.resources  # create-seed only

    # One per line with a trailing comma: what `ruff format` writes, and short
    # enough for any line-length limit, so a new seed passes the project's lint.
    names = [f"Environment.{e.name}" for e in FOLDER_ENVIRONMENTS[folder]]
    if len(names) == 1:
        envs = f"{names[0]},"
    else:
        envs = "".join(f"\n        {n}," for n in names) + "\n    "
    template = Template(
        importlib.resources.files("trenova_db.seeding")
        .joinpath("templates/seed.py.tmpl")
        .read_text()
    )
    text = template.substitute(
        class_name=_camel(stem) + "Seed",
        seed_name=_camel(stem),
        description=f"{stem.replace('_', ' ').capitalize()} ({folder} seed)",
        environments=envs,
    )
    try:
        with target.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError as exc:
        raise ConfigurationError(f"{target} already exists; not overwriting") from exc
    return target
