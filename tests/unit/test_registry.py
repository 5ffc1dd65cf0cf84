"""seeds/registry.json: scanning with ast, determinism, staleness. Pure, no database."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from trenova_db.errors import ConfigurationError, DiscoveryError, SeedFailed, StaleRegistry
from trenova_db.seeding.base import BaseSeed
from trenova_db.seeding.graph import graph_problems
from trenova_db.seeding.registry import check_registry, encode_registry, sync_registry
from trenova_db.seeding.scaffold import create_seed_file
from trenova_db.seeding.scan import scan_seeds

pytestmark = pytest.mark.unit  # no database: part of `make mutation`

GOOD = """from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext


class {cls}(BaseSeed):
    name = "{name}"
    version = "2.0.0"
    description = "does things"
    environments = (Environment.DEVELOPMENT, "prod")
    depends_on = {deps}

    async def run(self, ctx: SeedContext) -> None:
        raise SystemExit("seed files must never be imported by the scanner")
"""


def write(seeds: Path, rel: str, text: str) -> Path:
    path = seeds / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def good(name: str, deps: str = "()") -> str:
    return GOOD.format(cls=name + "Seed", name=name, deps=deps)


def booby_trapped(name: str, marker: Path, deps: str = "()") -> str:
    """A valid seed file whose import writes ``marker`` and then exits the interpreter."""
    trap = (
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('imported')\n"
        "raise SystemExit('seed files must never be imported by the scanner')\n"
    )
    return trap + good(name, deps)


def test_scanning_reads_literals_without_importing(tmp_path: Path) -> None:
    marker = tmp_path / "imported.marker"
    write(tmp_path, "development/05_b.py", booby_trapped("B", marker, '("A",)'))
    write(tmp_path, "base/10_a.py", booby_trapped("A", marker))
    write(tmp_path, "base/__init__.py", "raise SystemExit")
    write(tmp_path, "base/notes.txt", "ignored")
    registry = scan_seeds(tmp_path)
    assert not marker.exists(), "scan_seeds imported a seed file"
    assert [(e.name, e.folder, e.order) for e in registry.seeds] == [
        ("A", "base", 10),
        ("B", "development", 5),
    ]
    b = registry.seeds[1]
    assert b.environments == ("production", "development")
    assert b.depends_on == ("A",)
    assert b.class_name == "BSeed"
    assert b.has_rollback is False
    assert b.checksum.startswith("sha256:")
    assert b.path == "development/05_b.py"
    sync_registry(tmp_path)
    check_registry(tmp_path)
    graph_problems(registry)
    assert not marker.exists(), "seed-sync or seed-check imported a seed file"


def test_a_seed_file_is_imported_only_when_the_seeder_loads_it_to_run(tmp_path: Path) -> None:
    """The control for the test above: the trap does go off when a seed is really imported."""
    from trenova_db.seeding.runner import load_seed

    marker = tmp_path / "imported.marker"
    write(tmp_path, "base/00_a.py", booby_trapped("A", marker))
    sync_registry(tmp_path)
    (entry,) = check_registry(tmp_path).seeds
    assert not marker.exists()
    # sys.exit() at import time is a broken seed file, not our exit code
    with pytest.raises(SeedFailed, match="SystemExit: seed files must never be imported"):
        load_seed(tmp_path, entry)
    assert marker.read_text() == "imported"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "base/00_syntax.py", "class X(:\n")
    write(tmp_path, "base/01_none.py", "class X:\n    pass\n")
    write(tmp_path, "base/02_two.py", good("T1") + "\n" + good("T2").split("\n\n\n")[1])
    write(tmp_path, "base/03_nolit.py", good("N").replace('version = "2.0.0"', "version = V"))
    write(tmp_path, "base/04_env.py", good("E").replace('"prod"', '"qa"'))
    write(tmp_path, "base/05_sync.py", good("S").replace("async def run", "def run"))
    write(tmp_path, "base/06_dup.py", good("A"))
    write(tmp_path, "base/07_dup.py", good("A"))
    write(tmp_path, "base/Bad-Name.py", good("Z"))
    with pytest.raises(DiscoveryError) as info:
        scan_seeds(tmp_path)
    assert info.value.problems == [
        "base/00_syntax.py: syntax error at line 1: invalid syntax",
        "base/01_none.py: no class subclassing BaseSeed",
        "base/02_two.py: more than one BaseSeed subclass (T1Seed, T2Seed); one per file",
        "base/03_nolit.py: version must be a literal (line 7)",
        "base/04_env.py: unknown environment 'qa' (line 9)",
        "base/05_sync.py: SSeed needs an `async def run(self, ctx)`",
        "base/Bad-Name.py: file name must be NN_name.py (a number, '_', then lowercase letters, "
        "digits or '_')",
        "duplicate seed name 'A': base/06_dup.py and base/07_dup.py",
    ]
    assert info.value.exit_code == 4


def test_output_is_deterministic_whatever_the_creation_order(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    write(one, "base/00_a.py", good("A"))
    write(one, "test/00_c.py", good("C"))
    write(two, "test/00_c.py", good("C"))
    write(two, "base/00_a.py", good("A"))
    first = encode_registry(scan_seeds(one))
    assert first == encode_registry(scan_seeds(two))
    assert first == encode_registry(scan_seeds(one))
    assert first.endswith(b"}\n")


def test_sync_writes_atomically_and_reports_unchanged(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", good("A"))
    report = sync_registry(tmp_path)
    assert report.changed
    assert report.diff.added == ("A",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "registry.json"]
    again = sync_registry(tmp_path)
    assert not again.changed
    assert again.diff.is_empty


def test_a_stale_registry_names_each_difference(tmp_path: Path) -> None:
    a = write(tmp_path, "base/00_a.py", good("A"))
    write(tmp_path, "base/01_b.py", good("B"))
    sync_registry(tmp_path)
    assert [e.name for e in check_registry(tmp_path).seeds] == ["A", "B"]
    a.write_text(good("A").replace("does things", "does more"))
    (tmp_path / "base/01_b.py").unlink()
    write(tmp_path, "base/02_c.py", good("C"))
    with pytest.raises(StaleRegistry) as info:
        check_registry(tmp_path)
    assert info.value.problems == [
        "C: new seed file, not in the registry",
        "B: in the registry, but its file is gone",
        "A: file changed since the registry was written",
    ]
    assert "seed-sync" in (info.value.hint or "")


def test_missing_or_invalid_registry_is_stale(tmp_path: Path) -> None:
    assert check_registry(tmp_path).seeds == ()
    write(tmp_path, "base/00_a.py", good("A"))
    with pytest.raises(StaleRegistry, match="is missing but 1 seed file"):
        check_registry(tmp_path)
    (tmp_path / "registry.json").write_text("{not json")
    with pytest.raises(StaleRegistry, match="is not a valid seed registry"):
        check_registry(tmp_path)


def test_create_seed_numbers_keeps_width_and_never_overwrites(tmp_path: Path) -> None:
    first = create_seed_file(tmp_path, "load-customers")
    assert first.name == "00_load_customers.py"
    write(tmp_path, "base/007_legacy.py", good("Legacy"))
    assert create_seed_file(tmp_path, "next").name == "008_next.py"
    assert create_seed_file(tmp_path, "only_tests", "test").name == "00_only_tests.py"
    with pytest.raises(ConfigurationError, match="already exists"):
        create_seed_file(tmp_path, "next")
    for bad in ("../x", "a/b", "UPPER", "", "-"):
        with pytest.raises(ConfigurationError, match="invalid seed name"):
            create_seed_file(tmp_path, bad)


def test_the_template_scans_cleanly_and_imports_as_a_base_seed(tmp_path: Path) -> None:
    path = create_seed_file(tmp_path, "fresh", "development")
    (entry,) = scan_seeds(tmp_path).seeds
    assert (entry.name, entry.class_name, entry.environments) == (
        "Fresh",
        "FreshSeed",
        ("development", "test"),
    )
    spec = importlib.util.spec_from_file_location("fresh_seed_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fresh_seed_under_test"] = module
    try:
        spec.loader.exec_module(module)
        assert issubclass(module.FreshSeed, BaseSeed)
    finally:
        del sys.modules["fresh_seed_under_test"]


def test_the_shipped_registry_is_fresh() -> None:
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    names = [e.name for e in check_registry(seeds).seeds]
    assert names == [
        "USStates",
        "PermissionsAndPolicies",
        "AdminAccount",
        "HazmatExpiration",
        "TestOrganizations",
        "TestUsers",
        "DocumentTypes",
        "EquipmentTypes",
        "Workers",
        "LocationCategory",
        "VariablesAndFormats",
    ]


def test_sync_writes_the_registry_but_reports_a_dependency_cycle(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write(seeds, "base/00_a.py", good("A", '("B",)'))
    write(seeds, "base/01_b.py", good("B", '("A",)'))
    report = sync_registry(seeds)
    assert report.changed
    assert report.operation == "seed-sync"
    # One line, however many environments the cycle shows up in.
    assert report.problems == ("seed dependencies form a cycle: A -> B -> A",)
    assert [e.name for e in check_registry(seeds).seeds] == ["A", "B"]


def test_graph_problems_name_unknown_and_unavailable_dependencies_per_environment(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    write(seeds, "base/00_a.py", good("A", '("Nope",)'))
    dev_only = good("DevOnly").replace('(Environment.DEVELOPMENT, "prod")', '("dev",)')
    write(seeds, "base/01_dev_only.py", dev_only)
    write(seeds, "base/02_b.py", good("B", '("DevOnly",)'))
    assert graph_problems(scan_seeds(seeds)) == [
        "A (base/00_a.py) depends on unknown seed 'Nope'",
        "B (base/02_b.py) depends on 'DevOnly', which does not run in production",
    ]


def test_a_seed_from_the_template_passes_the_projects_lint(tmp_path: Path) -> None:
    import subprocess
    import sys

    for folder in ("base", "development", "test"):
        path = create_seed_file(tmp_path, f"a_rather_long_seed_name_for_{folder}", folder)
        for check in (["check"], ["format", "--check"]):
            done = subprocess.run(
                [sys.executable, "-m", "ruff", *check, "--no-cache", str(path)],
                cwd=Path(__file__).resolve().parents[2],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, (folder, check, done.stdout, path.read_text())


def test_inside_a_fleet_s_snapshot_the_registry_is_read_once(tmp_path: Path) -> None:
    from trenova_db.seeding.registry import load_registry
    from trenova_db.snapshot import files_read_once

    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    create_seed_file(seeds, "load-customers")
    sync_registry(seeds)
    with files_read_once():
        first = load_registry(seeds)
        (seeds / "registry.json").write_text('{"format": 2, "seeds": []}\n')
        assert load_registry(seeds / ".." / "seeds") is first
    again = load_registry(seeds)  # no snapshot: read again
    assert again is not None and again.seeds == ()


def test_the_registry_module_names_what_it_does_not_have() -> None:
    from trenova_db.seeding import registry

    assert registry.create_seed_file is create_seed_file  # loaded when asked for
    with pytest.raises(AttributeError) as missing:
        registry.no_such_name  # noqa: B018
    assert str(missing.value) == (
        "module 'trenova_db.seeding.registry' has no attribute 'no_such_name'"
    )
