"""The seed scanner, registry.json and the dependency graph, without a database."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from trenova_db.config import Environment
from trenova_db.errors import ConfigurationError, DiscoveryError, SeedGraphError, StaleRegistry
from trenova_db.seeding.graph import graph_problems, order_seeds, select_seeds
from trenova_db.seeding.model import (
    FOLDER_ENVIRONMENTS,
    REGISTRY_FORMAT,
    Registry,
    RegistryDiff,
    RegistryEntry,
    SyncReport,
    seed_rank,
)
from trenova_db.seeding.registry import (
    check_registry,
    diff_registries,
    encode_registry,
    load_registry,
    registry_problems,
    require_seeds_dir,
    sync_registry,
    write_registry,
)
from trenova_db.seeding.scan import scan_seeds, seed_file_checksum

SEED = """from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext


class {cls}(BaseSeed):
{body}
    async def run(self, ctx: SeedContext) -> None:
        pass
"""


def seed(cls: str, body: str = "") -> str:
    return SEED.format(cls=cls, body=body or f'    name = "{cls}"\n')


def write(seeds: Path, rel: str, text: str | bytes) -> Path:
    path = seeds / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry(
    name: str,
    folder: str = "base",
    order: int = 0,
    *,
    deps: tuple[str, ...] = (),
    envs: tuple[str, ...] = ("production", "staging", "development", "test"),
) -> RegistryEntry:
    return RegistryEntry(
        name=name,
        class_name=name + "Seed",
        path=f"{folder}/{order:02d}_{name.lower()}.py",
        folder=folder,
        order=order,
        version="1.0.0",
        description="",
        environments=envs,
        depends_on=deps,
        has_rollback=False,
        checksum="sha256:0",
    )


def problems_of(seeds: Path) -> list[str]:
    with pytest.raises(DiscoveryError) as info:
        scan_seeds(seeds)
    return info.value.problems


# -- the scanner ---------------------------------------------------------------------


def test_every_registry_field_is_read_from_the_seed_file(tmp_path: Path) -> None:
    body = (
        '    name = "Users"\n'
        '    version: str = "2.1.0"\n'
        '    description = "the users"\n'
        '    environments = (Environment.TEST, "dev", "Production")\n'
        '    depends_on = ["Orgs"]\n'
        "    other, pair = 1, 2\n"
        "    async def rollback(self, ctx: SeedContext) -> None:\n"
        "        pass\n"
    )
    text = seed("UsersSeed", body).replace("(BaseSeed)", "(seeding.BaseSeed)")
    path = write(tmp_path, "development/0042_users.py", text)
    write(tmp_path, "base/00_orgs.py", seed("Orgs"))
    registry = scan_seeds(tmp_path)
    assert registry.format == REGISTRY_FORMAT == 2
    orgs, users = registry.seeds
    assert users == RegistryEntry(
        name="Users",
        class_name="UsersSeed",
        path="development/0042_users.py",
        folder="development",
        order=42,
        version="2.1.0",
        description="the users",
        environments=("production", "development", "test"),  # Environment's order
        depends_on=("Orgs",),
        has_rollback=True,
        checksum=sha(path.read_bytes()),
    )
    assert orgs == RegistryEntry(
        name="Orgs",
        class_name="Orgs",
        path="base/00_orgs.py",
        folder="base",
        order=0,
        version="1.0.0",
        description="",
        environments=("production", "staging", "development", "test"),
        depends_on=(),
        has_rollback=False,
        checksum=sha((tmp_path / "base/00_orgs.py").read_bytes()),
    )


def test_a_sync_rollback_or_a_rollback_attribute_is_not_a_rollback(tmp_path: Path) -> None:
    body = '    name = "A"\n    def rollback(self, ctx: SeedContext) -> None:\n        pass\n'
    write(tmp_path, "base/00_a.py", seed("A", body))
    write(tmp_path, "base/01_b.py", seed("B", '    name = "B"\n    rollback = None\n'))
    assert [e.has_rollback for e in scan_seeds(tmp_path).seeds] == [False, False]


def test_the_seed_checksum_ignores_a_bom_and_crlf(tmp_path: Path) -> None:
    plain = write(tmp_path, "a.py", b"x = 1\ny = 2\n")
    other = write(tmp_path, "b.py", b"\xef\xbb\xbfx = 1\r\ny = 2\r\n")
    assert seed_file_checksum(plain) == seed_file_checksum(other) == sha(b"x = 1\ny = 2\n")
    assert seed_file_checksum(write(tmp_path, "c.py", b"x = 1\ry = 2\r")) != sha(b"x = 1\ny = 2\n")
    assert seed_file_checksum(write(tmp_path, "d.py", b"z\xef\xbb\xbf")) == sha(b"z\xef\xbb\xbf")


def test_files_that_are_not_seeds_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    write(tmp_path, "base/_helpers.py", "raise SystemExit")
    write(tmp_path, "base/.01_hidden.py", "raise SystemExit")
    write(tmp_path, "base/02_notes.txt", "x")
    (tmp_path / "base" / "03_dir.py").mkdir()
    write(tmp_path, "other/00_x.txt", "x")  # a folder of no seeds is left alone
    write(tmp_path, "_lib/00_util.py", "x = 1")
    write(tmp_path, ".git/00_x.py", "x = 1")
    write(tmp_path, "README.md", "x")
    assert [e.name for e in scan_seeds(tmp_path).seeds] == ["A"]


def test_a_missing_folder_means_no_seeds(tmp_path: Path) -> None:
    assert scan_seeds(tmp_path / "none") == Registry()
    assert scan_seeds(tmp_path) == Registry(format=2, seeds=())


def test_one_problem_is_one_problem_and_names_the_folder(tmp_path: Path) -> None:
    write(tmp_path, "test/00_x.py", "class X:\n    pass\n")
    with pytest.raises(DiscoveryError) as info:
        scan_seeds(tmp_path)
    assert info.value.summary == f"1 problem in seeds directory {tmp_path}"
    assert info.value.problems == ["test/00_x.py: no class subclassing BaseSeed"]
    assert info.value.hint == "fix the seed files listed; the registry was not written"


def test_each_malformed_attribute_is_named(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A", "    version = 1\n    description = b'x'\n"))
    write(tmp_path, "base/01_b.py", seed("B", '    name = 3\n    depends_on = "A"\n'))
    write(tmp_path, "base/02_c.py", seed("C", '    name = "C"\n    depends_on = (1,)\n'))
    write(tmp_path, "base/03_d.py", seed("D", '    name = "D"\n    environments = "test"\n'))
    write(tmp_path, "base/04_e.py", seed("E", '    name = "E"\n    environments = (1,)\n'))
    write(tmp_path, "base/05_f.py", seed("F", '    name = "F"\n    depends_on = deps()\n'))
    write(tmp_path, "base/06_g.py", seed("G", '    name = "G"\n    environments = [f(x)]\n'))
    write(tmp_path, "base/07_h.py", seed("H").replace("async def run", "async def go"))
    write(
        tmp_path,
        "base/08_i.py",
        seed("I", '    name = "I"\n    run = 1\n').replace(
            "    async def run(self, ctx: SeedContext) -> None:\n        pass\n", ""
        ),
    )
    assert problems_of(tmp_path) == [
        "base/00_a.py: A has no name attribute",
        "base/00_a.py: version must be a string",
        "base/00_a.py: description must be a string",
        "base/01_b.py: name must be a string",
        "base/01_b.py: depends_on must be a tuple of seed names",
        "base/02_c.py: depends_on must be a tuple of seed names",
        "base/03_d.py: environments must be a tuple (line 7)",
        "base/04_e.py: environments must list Environment.X names (line 7)",
        "base/05_f.py: depends_on must be a literal (line 7)",
        "base/06_g.py: environments must list Environment.X names (line 7)",
        "base/07_h.py: H needs an `async def run(self, ctx)`",
        "base/08_i.py: I needs an `async def run(self, ctx)`",
    ]


def test_unreadable_and_broken_files_are_named(tmp_path: Path) -> None:
    write(tmp_path, "base/00_latin.py", "x = 'caf\xe9'".encode("latin-1"))
    write(tmp_path, "base/01_syntax.py", "def (:\n")
    (tmp_path / "base" / "02_link.py").symlink_to(tmp_path / "nowhere")
    write(tmp_path, "base/03-bad.py", seed("Bad"))
    found = problems_of(tmp_path)
    assert found[0].startswith("base/00_latin.py: cannot read ('utf-8' codec can't decode")
    assert found[1] == "base/01_syntax.py: syntax error at line 1: invalid syntax"
    assert found[2:] == [
        "base/03-bad.py: file name must be NN_name.py (a number, '_', then lowercase letters, "
        "digits or '_')"
    ]


def test_seed_files_in_a_folder_no_environment_reads_are_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "developement/01_b.py", seed("B"))
    write(tmp_path, "developement/00_a.py", seed("A"))
    write(tmp_path, "developement/helpers.py", "x = 1")
    write(tmp_path, "extras/util.py", "x = 1")
    assert problems_of(tmp_path) == [
        "developement/: 00_a.py, 01_b.py would never run: seed folders are base, development, "
        "test; move the file(s) into one of them"
    ]


def test_a_seeds_path_that_is_a_file_has_no_stray_folders(tmp_path: Path) -> None:
    write(tmp_path, "seeds", "not a folder")
    assert scan_seeds(tmp_path / "seeds") == Registry()


def test_duplicate_names_across_folders_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    write(tmp_path, "test/00_a.py", seed("A"))
    write(tmp_path, "development/00_a.py", seed("A"))
    assert problems_of(tmp_path) == [
        "duplicate seed name 'A': base/00_a.py and development/00_a.py",
        "duplicate seed name 'A': base/00_a.py and test/00_a.py",
    ]


def test_seeds_are_ordered_by_folder_then_number_then_name(tmp_path: Path) -> None:
    write(tmp_path, "test/00_t.py", seed("T"))
    write(tmp_path, "development/00_d.py", seed("D"))
    write(tmp_path, "base/10_z.py", seed("Z"))
    write(tmp_path, "base/9_y.py", seed("Y"))
    write(tmp_path, "base/09_b.py", seed("B"))
    names = [e.name for e in scan_seeds(tmp_path).seeds]
    assert names == ["B", "Y", "Z", "D", "T"]


def test_the_scan_does_not_depend_on_the_order_the_folder_lists_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i, name in enumerate("ABCDE"):
        write(tmp_path, f"base/{i:02d}_{name.lower()}.py", seed(name))
    write(tmp_path, "test/00_t.py", seed("T"))
    forward = encode_registry(scan_seeds(tmp_path))
    listing = Path.iterdir

    def backwards(self: Path) -> Iterator[Path]:
        return iter(sorted(listing(self), reverse=True))

    monkeypatch.setattr(Path, "iterdir", backwards)
    assert encode_registry(scan_seeds(tmp_path)) == forward


# -- registry.json -------------------------------------------------------------------


def test_encoding_is_the_same_bytes_whatever_the_order_of_the_entries() -> None:
    entries = [entry("C", "test"), entry("B", "base", 1), entry("A", "base", 1), entry("D", "base")]
    outputs = {encode_registry(Registry(seeds=tuple(p))) for p in itertools.permutations(entries)}
    assert len(outputs) == 1
    decoded = msgspec.json.decode(outputs.pop())
    assert [s["name"] for s in decoded["seeds"]] == ["D", "A", "B", "C"]


def test_the_registry_file_is_indented_json_with_the_class_under_class() -> None:
    text = encode_registry(Registry(seeds=(entry("A", deps=("B",), envs=("test",)),)))
    assert text == (
        b"{\n"
        b'  "format": 2,\n'
        b'  "seeds": [\n'
        b"    {\n"
        b'      "name": "A",\n'
        b'      "class": "ASeed",\n'
        b'      "path": "base/00_a.py",\n'
        b'      "folder": "base",\n'
        b'      "order": 0,\n'
        b'      "version": "1.0.0",\n'
        b'      "description": "",\n'
        b'      "environments": [\n'
        b'        "test"\n'
        b"      ],\n"
        b'      "depends_on": [\n'
        b'        "B"\n'
        b"      ],\n"
        b'      "has_rollback": false,\n'
        b'      "checksum": "sha256:0"\n'
        b"    }\n"
        b"  ]\n"
        b"}\n"
    )


def test_sync_writes_the_file_and_says_what_changed(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    write(tmp_path, "base/01_b.py", seed("B"))
    report = sync_registry(tmp_path)
    path = tmp_path / "registry.json"
    assert report == SyncReport(
        path=str(path),
        changed=True,
        diff=RegistryDiff(added=("A", "B")),
        seeds=2,
    )
    assert path.read_bytes() == encode_registry(scan_seeds(tmp_path))
    assert load_registry(tmp_path) == scan_seeds(tmp_path)
    (tmp_path / "base/01_b.py").unlink()
    write(tmp_path, "base/00_a.py", seed("A", '    name = "A"\n    version = "2"\n'))
    write(tmp_path, "test/00_c.py", seed("C", '    name = "C"\n    depends_on = ("Gone",)\n'))
    again = sync_registry(tmp_path)
    assert again.diff == RegistryDiff(added=("C",), removed=("B",), changed=("A",))
    assert (again.changed, again.seeds, again.operation) == (True, 2, "seed-sync")
    assert again.problems == ("C (test/00_c.py) depends on unknown seed 'Gone'",)
    assert not sync_registry(tmp_path).changed


def test_sync_over_an_unreadable_registry_counts_every_seed_as_added(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    write(tmp_path, "registry.json", "{not json")
    assert sync_registry(tmp_path).diff == RegistryDiff(added=("A",))
    assert check_registry(tmp_path) == scan_seeds(tmp_path)


def test_the_registry_is_replaced_whole_never_rewritten_in_place(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    sync_registry(tmp_path)
    path = tmp_path / "registry.json"
    old = path.read_bytes()
    os.link(path, tmp_path / "old-link")  # still the old inode after a rename over it
    write(tmp_path, "base/01_b.py", seed("B"))
    assert sync_registry(tmp_path).changed
    assert (tmp_path / "old-link").read_bytes() == old
    assert path.read_bytes() == encode_registry(scan_seeds(tmp_path))
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "old-link", "registry.json"]


def test_an_unchanged_registry_is_not_written_at_all(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    registry = scan_seeds(tmp_path)
    assert write_registry(tmp_path, registry)
    before = (tmp_path / "registry.json").stat().st_ino
    assert not write_registry(tmp_path, registry)
    assert (tmp_path / "registry.json").stat().st_ino == before


def test_the_data_is_on_disk_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(f"fsync {os.fstat(fd).st_size}")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        name = Path(src).name
        assert name.startswith(".registry-") and name.endswith(".tmp")
        assert Path(src).parent == tmp_path / "new"
        events.append(f"replace -> {Path(dst).name}")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    registry = Registry(seeds=(entry("A"),))
    assert write_registry(tmp_path / "new", registry)  # the folder is made if need be
    size = len(encode_registry(registry))
    assert events == [f"fsync {size}", "replace -> registry.json"]


def test_a_failed_write_leaves_the_old_registry_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    sync_registry(tmp_path)
    old = (tmp_path / "registry.json").read_bytes()
    write(tmp_path, "base/01_b.py", seed("B"))

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left on device"):
        sync_registry(tmp_path)
    assert (tmp_path / "registry.json").read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "registry.json"]


HINT = "run `trenova-db seed-sync` (or scripts/scan_seeds.py) and commit {}"


def test_a_registry_that_cannot_be_read_is_stale_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "registry.json").mkdir()
    with pytest.raises(StaleRegistry) as info:
        load_registry(tmp_path)
    path = tmp_path / "registry.json"
    assert str(info.value) == f"cannot read {path}: [Errno 21] Is a directory: '{path}'"
    assert info.value.hint == HINT.format(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"format": 1, "seeds": []}',
            "{path} has format 1; this trenova-db reads and writes format 2",
        ),
        ('{"seeds": []}', "{path} has format 1; this trenova-db reads and writes format 2"),
        ('{"format": 3}', "{path} has format 3; this trenova-db reads and writes format 2"),
        ("{not json", "{path} is not a valid seed registry: JSON is malformed: "),
        (
            '{"format": "2"}',
            "{path} is not a valid seed registry: Expected `int`, got `str` - at `$.format`",
        ),
        (
            '{"format": 2, "seeds": [{"name": "A"}]}',
            "{path} is not a valid seed registry: Object missing required field `class` - at "
            "`$.seeds[0]`",
        ),
        (
            '{"format": 2, "extra": 1}',
            "{path} is not a valid seed registry: Object contains unknown field `extra`",
        ),
    ],
)
def test_a_registry_of_another_format_or_shape_is_stale_and_says_which(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "registry.json"
    path.write_text(content)
    with pytest.raises(StaleRegistry) as info:
        load_registry(tmp_path)
    expected = message.format(path=path)
    if expected.endswith(": "):
        assert str(info.value).startswith(expected)
    else:
        assert str(info.value) == expected
    assert info.value.hint == HINT.format(path)


def test_no_registry_and_no_seeds_is_fine_but_seeds_without_one_are_stale(tmp_path: Path) -> None:
    assert load_registry(tmp_path) is None
    assert registry_problems(tmp_path, Registry()) == []
    assert check_registry(tmp_path) == Registry()
    write(tmp_path, "base/00_a.py", seed("A"))
    write(tmp_path, "base/01_b.py", seed("B"))
    with pytest.raises(StaleRegistry) as info:
        check_registry(tmp_path)
    path = tmp_path / "registry.json"
    assert str(info.value) == f"{path} is missing but 2 seed file(s) exist"
    assert info.value.problems == []
    assert info.value.hint == HINT.format(path)


def test_a_stale_registry_lists_each_difference_under_one_message(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    write(tmp_path, "base/01_b.py", seed("B"))
    sync_registry(tmp_path)
    write(tmp_path, "base/00_a.py", seed("A", '    name = "A"\n    version = "2"\n'))
    (tmp_path / "base/01_b.py").unlink()
    write(tmp_path, "base/02_c.py", seed("C"))
    write(tmp_path, "base/03_d.py", seed("D"))
    with pytest.raises(StaleRegistry) as info:
        check_registry(tmp_path)
    path = tmp_path / "registry.json"
    assert info.value.summary == f"{path} is stale"
    assert info.value.problems == [
        "C: new seed file, not in the registry",
        "D: new seed file, not in the registry",
        "B: in the registry, but its file is gone",
        "A: file changed since the registry was written",
    ]
    assert info.value.hint == HINT.format(path)


def test_a_hand_edited_registry_with_a_doubled_or_reordered_entry_is_stale(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    write(tmp_path, "base/01_b.py", seed("B"))
    scanned = scan_seeds(tmp_path)
    a, b = scanned.seeds
    path = tmp_path / "registry.json"
    path.write_bytes(msgspec.json.encode(Registry(seeds=(b, a))))
    assert registry_problems(tmp_path, scanned) == []  # the order in the file is not content
    path.write_bytes(msgspec.json.encode(Registry(seeds=(a, b, b, a))))
    assert registry_problems(tmp_path, scanned) == ["duplicate registry entries: A, B"]
    path.write_bytes(msgspec.json.encode(Registry(seeds=(a, b, b))))
    with pytest.raises(StaleRegistry) as info:
        check_registry(tmp_path)
    assert info.value.problems == ["duplicate registry entries: B"]
    path.write_bytes(msgspec.json.encode(Registry(seeds=(a, b))))  # not indented: still fine
    assert registry_problems(tmp_path, scanned) == []


def test_a_seeds_folder_that_is_missing_or_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    hint = "pass --seeds-dir, or create a seed with `trenova-db create-seed NAME`"
    with pytest.raises(ConfigurationError) as missing:
        require_seeds_dir(tmp_path / "nope")
    assert str(missing.value) == f"seeds directory {tmp_path / 'nope'} does not exist"
    assert missing.value.hint == hint
    write(tmp_path, "file", "x")
    for check in (require_seeds_dir, check_registry, sync_registry):
        with pytest.raises(ConfigurationError) as info:
            check(tmp_path / "file")
        assert str(info.value) == f"seeds directory {tmp_path / 'file'} is not a directory"
        assert info.value.hint == hint
    require_seeds_dir(tmp_path)


def test_registries_differ_by_name_added_removed_or_changed() -> None:
    a, b, c = entry("A"), entry("B"), entry("C")
    b2 = entry("B", order=1)
    assert diff_registries(None, Registry(seeds=(b, a))) == RegistryDiff(added=("A", "B"))
    assert diff_registries(Registry(seeds=(a, b, c)), Registry(seeds=(b2,))) == RegistryDiff(
        removed=("A", "C"), changed=("B",)
    )
    same = diff_registries(Registry(seeds=(a,)), Registry(seeds=(a,)))
    assert same == RegistryDiff() and same.is_empty
    assert not RegistryDiff(added=("A",)).is_empty
    assert not RegistryDiff(removed=("A",)).is_empty
    assert not RegistryDiff(changed=("A",)).is_empty


# -- which seeds run, and in what order ------------------------------------------------


def test_the_folder_decides_the_environments_a_seed_may_run_in() -> None:
    assert FOLDER_ENVIRONMENTS == {
        "base": (
            Environment.PRODUCTION,
            Environment.STAGING,
            Environment.DEVELOPMENT,
            Environment.TEST,
        ),
        "development": (Environment.DEVELOPMENT, Environment.TEST),
        "test": (Environment.TEST,),
    }
    registry = Registry(
        seeds=(
            entry("Base"),
            entry("ProdOnly", envs=("production",)),
            entry("Dev", "development"),
            entry("DevListsProd", "development", envs=("production",)),
            entry("Test", "test"),
        )
    )
    chosen = {e: [s.name for s in select_seeds(registry, e)] for e in Environment}
    assert chosen == {
        Environment.PRODUCTION: ["Base", "ProdOnly"],
        Environment.STAGING: ["Base"],
        Environment.DEVELOPMENT: ["Base", "Dev"],
        Environment.TEST: ["Base", "Dev", "Test"],
    }


def test_the_rank_is_folder_then_number_then_name() -> None:
    assert seed_rank(entry("B", "development", 3)) == (1, 3, "B")
    assert seed_rank(entry("A", "test")) == (2, 0, "A")
    assert seed_rank(entry("Z", "base", 9)) == (0, 9, "Z")


def test_dependencies_come_first_then_the_rank() -> None:
    seeds = (
        entry("Z", "base", 0, deps=("Y",)),
        entry("Y", "development", 5),
        entry("A", "base", 1),
        entry("B", "base", 1),
        entry("T", "test", 0, deps=("Z", "A")),
        entry("C", "base", 2),
    )
    registry = Registry(seeds=seeds)
    ordered = order_seeds(list(seeds), registry)
    assert [e.name for e in ordered] == ["A", "B", "C", "Y", "Z", "T"]


def test_a_dependency_unknown_or_not_running_here_stops_the_order_naming_each() -> None:
    dev = entry("Dev", "development")
    seeds = (entry("A", deps=("Dev", "Nope")), dev, entry("B", deps=("Nope",)))
    registry = Registry(seeds=seeds)
    selected = select_seeds(registry, Environment.PRODUCTION)
    with pytest.raises(SeedGraphError) as info:
        order_seeds(selected, registry)
    assert info.value.summary == "seed dependencies cannot be satisfied"
    assert info.value.problems == [
        "A (base/00_a.py) depends on 'Dev', which does not run in this environment",
        "A (base/00_a.py) depends on unknown seed 'Nope'",
        "B (base/00_b.py) depends on unknown seed 'Nope'",
    ]
    assert info.value.hint == (
        "fix the depends_on names, or list the environment in the dependency's environments "
        "(and folder), then run `trenova-db seed-sync`"
    )


def test_a_cycle_names_its_seeds_in_order_and_what_each_waits_for() -> None:
    seeds = (
        entry("Free"),
        entry("A", deps=("C",)),
        entry("B", deps=("A",)),
        entry("C", deps=("B", "Free")),
        entry("D", deps=("C",)),
        entry("E", deps=("B", "A")),
    )
    with pytest.raises(SeedGraphError) as info:
        order_seeds(list(seeds), Registry(seeds=seeds))
    assert info.value.summary == "seed dependencies form a cycle: A -> C -> B -> A"
    assert info.value.problems == [
        "A waits for C",
        "B waits for A",
        "C waits for B",
        "D waits for C",
        "E waits for A, B",
    ]
    assert info.value.hint == "remove one of the depends_on entries to break the cycle"


def test_a_cycle_reached_from_outside_it_starts_where_it_closes() -> None:
    seeds = (entry("A", deps=("B",)), entry("B", deps=("C",)), entry("C", deps=("B",)))
    with pytest.raises(SeedGraphError) as info:
        order_seeds(list(seeds), Registry(seeds=seeds))
    assert info.value.summary == "seed dependencies form a cycle: B -> C -> B"
    selfish = (entry("S", deps=("S",)),)
    with pytest.raises(SeedGraphError) as own:
        order_seeds(list(selfish), Registry(seeds=selfish))
    assert own.value.summary == "seed dependencies form a cycle: S -> S"


def test_graph_problems_are_reported_once_naming_the_environment() -> None:
    seeds = (
        entry("A", deps=("B",)),
        entry("B", deps=("A",)),
        entry("Dev", "development"),
        entry("P", deps=("Dev", "Nope")),
    )
    # an unsatisfiable dependency is found before the cycle is looked for
    assert graph_problems(Registry(seeds=seeds)) == [
        "P (base/00_p.py) depends on 'Dev', which does not run in production",
        "P (base/00_p.py) depends on unknown seed 'Nope'",
        "P (base/00_p.py) depends on 'Dev', which does not run in staging",
    ]
    assert graph_problems(Registry(seeds=seeds[:2])) == [
        "seed dependencies form a cycle: A -> B -> A"
    ]
    assert graph_problems(Registry(seeds=(entry("A"), entry("B", deps=("A",))))) == []


def test_only_a_base_named_base_seed_makes_a_seed_class(tmp_path: Path) -> None:
    write(tmp_path, "base/00_a.py", seed("A").replace("(BaseSeed)", "(models.Other)"))
    write(tmp_path, "base/01_b.py", seed("B").replace("(BaseSeed)", "(Other, seeding.BaseSeed)"))
    with pytest.raises(DiscoveryError) as info:
        scan_seeds(tmp_path)
    assert info.value.problems == ["base/00_a.py: no class subclassing BaseSeed"]


def test_every_badly_named_file_and_stray_folder_is_listed_with_a_plural_count(
    tmp_path: Path,
) -> None:
    write(tmp_path, "base/00-first.py", seed("A"))
    write(tmp_path, "base/01_ok.py", seed("Ok"))
    write(tmp_path, "base/02-second.py", seed("B"))
    write(tmp_path, "zzz/00_c.py", seed("C"))
    write(tmp_path, "test/00_t.py", seed("T"))
    rule = ": file name must be NN_name.py (a number, '_', then lowercase letters, digits or '_')"
    with pytest.raises(DiscoveryError) as info:
        scan_seeds(tmp_path)
    assert info.value.problems == [
        "base/00-first.py" + rule,
        "base/02-second.py" + rule,
        "zzz/: 00_c.py would never run: seed folders are base, development, test; move the "
        "file(s) into one of them",
    ]
    assert info.value.summary == f"3 problems in seeds directory {tmp_path}"
    (tmp_path / "base" / "00-first.py").unlink()
    with pytest.raises(DiscoveryError) as two:
        scan_seeds(tmp_path)
    assert two.value.summary == f"2 problems in seeds directory {tmp_path}"


def test_the_registry_format_is_written_as_the_registry_has_it() -> None:
    assert encode_registry(Registry(format=1)) == b'{\n  "format": 1,\n  "seeds": []\n}\n'


def test_the_registry_folder_is_made_with_its_parents(tmp_path: Path) -> None:
    assert write_registry(tmp_path / "a" / "b", Registry())
    assert (tmp_path / "a" / "b" / "registry.json").read_bytes() == encode_registry(Registry())


def test_a_dry_run_sync_says_whether_the_registry_would_change_and_writes_nothing(
    tmp_path: Path,
) -> None:
    write(tmp_path, "base/00_a.py", seed("A"))
    path = tmp_path / "registry.json"
    first = sync_registry(tmp_path, dry_run=True)
    assert first == SyncReport(
        dry_run=True, path=str(path), changed=True, diff=RegistryDiff(added=("A",)), seeds=1
    )
    assert not path.exists()
    sync_registry(tmp_path)
    assert sync_registry(tmp_path, dry_run=True).changed is False
    write(tmp_path, "base/01_b.py", seed("B"))
    before = path.read_bytes()
    again = sync_registry(tmp_path, dry_run=True)
    assert (again.changed, again.diff, again.dry_run) == (True, RegistryDiff(added=("B",)), True)
    assert path.read_bytes() == before
    assert sync_registry(tmp_path).dry_run is False


def test_each_seeds_folder_gets_its_own_package(tmp_path: Path) -> None:
    import sys

    from trenova_db.seeding.runner import seed_module_name

    one, other = tmp_path / "one", tmp_path / "other"
    for root in (one, other):
        (root / "base").mkdir(parents=True)
    (tmp_path / "link").symlink_to(one)
    name = seed_module_name(one, "base", "00_items")
    assert re.fullmatch(r"trenova_seeds\.s[0-9a-f]{12}\.base\.00_items", name), name
    assert seed_module_name(tmp_path / "link", "base", "00_items") == name  # the real folder
    assert seed_module_name(other, "base", "00_items") != name
    project, folder = name.rsplit(".", 2)[0], name.rsplit(".", 1)[0]
    assert sys.modules[project].__path__ == [str(one)]
    assert sys.modules[folder].__path__ == [str(one / "base")]
    assert sys.modules["trenova_seeds"].__path__ == []
