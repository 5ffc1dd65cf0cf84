"""The file cache (trenova_db.filecache) and its users: discovery, pyproject, seeds.

Pure: no database, no process. File times cannot be set into the past for
ctime, so an "old" file is simulated by moving the cache's clock forward
(``read_at`` given to ``put``, or the ``now`` each user module imported).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import time
import types
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.conftest import write_migrations
from trenova_db import filecache
from trenova_db.config import resolve_settings
from trenova_db.discovery import MigrationSet, checksum_bytes, discover_migrations
from trenova_db.errors import DiscoveryError
from trenova_db.filecache import RACY_SECONDS, FileCache, cache_dir
from trenova_db.seeding.scan import SCAN_CACHE, scan_seeds
from trenova_db.snapshot import files_read_once

# Long enough for the kernel's coarse clock to give a rewrite a new mtime/ctime.
TICK = 0.05
LATER = 10.0  # seconds the cache's clock is moved on: every file looks old


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own (not created), caching on."""
    home = tmp_path / "cache"
    monkeypatch.setenv("TRENOVA_DB_CACHE_DIR", str(home))
    monkeypatch.delenv("TRENOVA_DB_CACHE", raising=False)
    return home


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "files"
    path.mkdir()
    return path


def old(st: os.stat_result) -> float:
    """A read time at which the file of ``st`` is past the racy window."""
    return max(st.st_mtime_ns, st.st_ctime_ns) / 1e9 + RACY_SECONDS + 1


def cache_files(home: Path, prefix: str) -> list[str]:
    """The cache's files of one purpose ([] when nothing was ever kept)."""
    if not home.exists():
        return []
    return sorted(name for name in os.listdir(home) if name.startswith(prefix))


def rewrite(path: Path, text: str) -> None:
    """Give ``path`` new content of the same size, at a later tick."""
    assert len(text.encode()) == path.stat().st_size
    time.sleep(TICK)
    path.write_text(text, encoding="utf-8")


# --- FileCache itself -----------------------------------------------------------


def test_the_cache_lives_where_the_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("TRENOVA_DB_CACHE", "TRENOVA_DB_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == str(tmp_path / "home" / ".cache" / "trenova-db")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert cache_dir() == str(tmp_path / "home" / ".cache" / "trenova-db")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == str(tmp_path / "xdg" / "trenova-db")
    monkeypatch.setenv("TRENOVA_DB_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache_dir() == str(tmp_path / "explicit")
    for off in ("off", "0", "false", "no", " OFF "):
        monkeypatch.setenv("TRENOVA_DB_CACHE", off)
        assert cache_dir() is None, off


def test_an_unchanged_old_file_is_a_hit_in_the_next_run(cache_home: Path, folder: Path) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    first = FileCache("test", str(folder))
    assert first.get("a.sql", st) is None
    first.put("a.sql", st, "value of a", old(st))
    first.save()
    assert first.path is not None and first.path.startswith(str(cache_home) + os.sep)
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cache_home).st_mode) == 0o700
    assert os.listdir(cache_home) == [os.path.basename(first.path)]  # no temporary left
    second = FileCache("test", str(folder))
    assert second.get("a.sql", path.stat()) == "value of a"
    # Another purpose, or another folder, has a cache of its own.
    assert FileCache("other", str(folder)).get("a.sql", path.stat()) is None
    (folder / "sub").mkdir()
    assert FileCache("test", str(folder / "sub")).get("a.sql", path.stat()) is None


def test_a_same_size_change_of_an_old_file_is_a_miss(cache_home: Path, folder: Path) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, "value of SELECT 1", old(st))
    cache.save()
    rewrite(path, "SELECT 2;\n")
    assert FileCache("test", str(folder)).get("a.sql", path.stat()) is None


def test_a_file_replaced_by_another_of_the_same_size_is_a_miss(
    cache_home: Path, folder: Path
) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, "value of SELECT 1", old(st))
    cache.save()
    time.sleep(TICK)
    (folder / "a.sql.new").write_text("SELECT 2;\n", encoding="utf-8")
    os.replace(folder / "a.sql.new", path)  # an editor's atomic save
    assert FileCache("test", str(folder)).get("a.sql", path.stat()) is None


def test_a_fresh_file_is_never_stored(cache_home: Path, folder: Path) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    # Read now: a same-tick rewrite would keep size and times, so not kept.
    cache.put("a.sql", st, "value", time.time())
    # On the edge of the window: still too fresh.
    newest = max(st.st_mtime_ns, st.st_ctime_ns) / 1e9
    cache.put("a.sql", st, "value", newest + RACY_SECONDS - 0.01)
    cache.save()
    assert cache.path is not None and not os.path.exists(cache.path)
    assert FileCache("test", str(folder)).get("a.sql", st) is None


def test_an_old_mtime_does_not_make_a_freshly_written_file_old(
    cache_home: Path, folder: Path
) -> None:
    """``cp -p``, ``tar x``, ``touch -d``: the mtime is in the past but the ctime is now."""
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    os.utime(path, (time.time() - 3600, time.time() - 3600))
    st = path.stat()
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, "value", time.time())
    cache.save()
    assert FileCache("test", str(folder)).get("a.sql", st) is None


def test_a_cache_file_others_may_write_is_ignored(cache_home: Path, folder: Path) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, "value", old(st))
    cache.save()
    assert cache.path is not None
    assert FileCache("test", str(folder)).get("a.sql", st) == "value"
    for mode in (0o666, 0o620, 0o602):
        os.chmod(cache.path, mode)
        assert FileCache("test", str(folder)).get("a.sql", st) is None, oct(mode)
    os.chmod(cache.path, 0o644)  # readable by others is fine
    assert FileCache("test", str(folder)).get("a.sql", st) == "value"


def test_a_cache_file_owned_by_someone_else_is_ignored(cache_home: Path, folder: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("giving a file to another user needs root")
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, "value", old(st))
    cache.save()
    assert cache.path is not None
    assert FileCache("test", str(folder)).get("a.sql", st) == "value"
    os.chown(cache.path, 65534, os.getgid())
    assert FileCache("test", str(folder)).get("a.sql", st) is None


def test_a_symlinked_cache_file_is_ignored(cache_home: Path, folder: Path) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, "value", old(st))
    cache.save()
    assert cache.path is not None
    os.rename(cache.path, cache.path + ".real")
    os.symlink(cache.path + ".real", cache.path)
    assert FileCache("test", str(folder)).get("a.sql", st) is None


def test_caching_off_writes_nothing(
    cache_home: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRENOVA_DB_CACHE", "off")
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    assert cache.path is None
    cache.put("a.sql", st, "value", old(st))
    assert cache.get("a.sql", st) == "value"  # within the run only
    cache.save()
    monkeypatch.setattr("trenova_db.discovery.now", lambda: time.time() + LATER)
    write_migrations(folder, {"000001_a.tx.up.sql": "SELECT 1;\n"})
    discover_migrations(folder)
    assert not cache_home.exists()


@pytest.mark.parametrize("content", ["empty", "garbage", "cut short", "another folder's"])
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_replaced(
    cache_home: Path, folder: Path, tmp_path: Path, content: str
) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    good = FileCache("test", str(folder))
    good.put("a.sql", st, "value", old(st))
    good.save()
    assert good.path is not None
    real = Path(good.path).read_bytes()
    if content == "another folder's":
        # the same file names (a.sql) in another folder: its cache file copied over
        other = tmp_path / "other"
        other.mkdir()
        (other / "a.sql").write_text("SELECT 9;\n", encoding="utf-8")
        theirs = FileCache("test", str(other))
        theirs.put("a.sql", st, "their value", old(st))  # as if stat were the same
        theirs.save()
        assert theirs.path is not None
        real = Path(theirs.path).read_bytes()
    data = {"empty": b"", "garbage": b"not marshal at all", "cut short": real[:-3]}.get(
        content, real
    )
    Path(good.path).write_bytes(data)
    reread = FileCache("test", str(folder))
    assert reread.get("a.sql", st) is None
    reread.put("a.sql", st, "value", old(st))
    reread.save()
    assert FileCache("test", str(folder)).get("a.sql", st) == "value"


def test_names_not_seen_in_a_run_are_dropped_on_save(cache_home: Path, folder: Path) -> None:
    for name in ("a.sql", "b.sql"):
        (folder / name).write_text(name, encoding="utf-8")
    st = {name: (folder / name).stat() for name in ("a.sql", "b.sql")}
    first = FileCache("test", str(folder))
    for name in ("a.sql", "b.sql"):
        first.put(name, st[name], f"value of {name}", old(st[name]))
    first.save()
    kept = FileCache("test", str(folder))
    assert kept.get("b.sql", st["b.sql"]) == "value of b.sql"
    assert kept.get("a.sql", st["a.sql"]) == "value of a.sql"
    (folder / "b.sql").unlink()
    second = FileCache("test", str(folder))
    assert second.get("a.sql", st["a.sql"]) == "value of a.sql"
    second.save()  # nothing new, but b.sql was not seen: rewritten without it
    third = FileCache("test", str(folder))
    assert third.get("b.sql", st["b.sql"]) is None
    assert third.get("a.sql", st["a.sql"]) == "value of a.sql"


def test_a_relative_home_gives_no_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache beside wherever the command happens to run is no per-user cache."""
    for var in ("TRENOVA_DB_CACHE", "TRENOVA_DB_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", "relative/home")
    assert cache_dir() is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/xdg")
    assert cache_dir() is None
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == str(tmp_path / ".cache" / "trenova-db")


def test_each_folder_and_purpose_has_a_cache_file_named_by_their_digest(
    cache_home: Path, tmp_path: Path
) -> None:
    folders = [tmp_path / "one", tmp_path / "two"]
    for index, path in enumerate(folders):
        path.mkdir()
        (path / "a.sql").write_text(f"SELECT {index};\n", encoding="utf-8")
    caches = [FileCache("test", str(path)) for path in folders]
    for index, (path, cache) in enumerate(zip(folders, caches, strict=True)):
        digest = hashlib.sha256(f"test\0{os.path.realpath(path)}".encode()).hexdigest()
        assert cache.path == str(cache_home / f"test-{digest[:24]}.marshal")
        st = (path / "a.sql").stat()
        cache.put("a.sql", st, f"value {index}", old(st))
        cache.save()
    assert len(os.listdir(cache_home)) == 2
    # The second folder's save left the first's cache alone.
    for index, path in enumerate(folders):
        reread = FileCache("test", str(path))
        assert reread.get("a.sql", (path / "a.sql").stat()) == f"value {index}"


def test_a_cache_file_longer_than_one_read_comes_back_whole(cache_home: Path, folder: Path) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    value = "x" * (3 << 20)  # the file is read 1 MiB at a time
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, value, old(st))
    cache.save()
    assert cache.path is not None and os.path.getsize(cache.path) > 3 << 20
    assert FileCache("test", str(folder)).get("a.sql", st) == value


SHAPES = ["as written", "a list", "an int", "five items", "format 2", "entries", "derived"]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_cache_file_of_another_shape_is_ignored(
    cache_home: Path, folder: Path, shape: str
) -> None:
    """Written by another version, or by something else: nothing in it is used."""
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    real = os.path.realpath(folder)
    signature = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    entries = {"a.sql": (signature, "value")}
    derived = {"layout": (["a.sql"], "layout of a.sql")}
    shapes: dict[str, Any] = {
        "as written": (1, real, entries, derived),
        "a list": [1, real, entries, derived],
        "an int": 1,
        "five items": (1, real, entries, derived, None),
        "format 2": (2, real, entries, derived),
        "entries": (1, real, list(entries.items()), derived),
        "derived": (1, real, entries, list(derived.items())),
    }
    cache = FileCache("test", str(folder))
    assert cache.path is not None
    cache_home.mkdir(mode=0o700)
    fd = os.open(cache.path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(marshal.dumps(shapes[shape]))
    reread = FileCache("test", str(folder))
    found = (reread.get("a.sql", st), reread.derived("layout", ["a.sql"]))
    if shape == "as written":
        assert found == ("value", "layout of a.sql")
    else:
        assert found == (None, None)


def test_a_file_exactly_the_racy_window_old_when_read_is_stored(
    cache_home: Path, folder: Path
) -> None:
    """ "At least RACY_SECONDS older than the read": the edge itself is old enough."""
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    newest = max(st.st_mtime_ns, st.st_ctime_ns) / 1e9
    read_at = newest + RACY_SECONDS
    assert read_at - RACY_SECONDS == newest  # exact in floating point
    cache = FileCache("test", str(folder))
    cache.put("a.sql", st, "value", read_at)
    cache.save()
    assert FileCache("test", str(folder)).get("a.sql", st) == "value"


def test_a_derived_value_is_kept_for_exactly_its_inputs(cache_home: Path, folder: Path) -> None:
    cache = FileCache("test", str(folder))
    assert cache.derived("layout", ["a.sql", "b.sql"]) is None
    cache.derive("layout", ["a.sql", "b.sql"], ("pairs", 2))
    assert cache.derived("layout", ["a.sql", "b.sql"]) == ("pairs", 2)
    cache.save()
    reread = FileCache("test", str(folder))
    assert reread.derived("layout", ["a.sql", "b.sql"]) == ("pairs", 2)
    assert reread.derived("layout", ["a.sql"]) is None
    assert reread.derived("other", ["a.sql", "b.sql"]) is None


def test_a_symlink_at_the_temporary_name_is_not_written_through(
    cache_home: Path, folder: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("not the cache's\n", encoding="utf-8")
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    cache = FileCache("test", str(folder))
    assert cache.path is not None
    cache_home.mkdir(mode=0o700)
    tmp = f"{cache.path}.{os.getpid()}.tmp"
    os.symlink(victim, tmp)
    cache.put("a.sql", st, "value", old(st))
    cache.save()  # gives up, silently: the cache is an optimisation
    assert victim.read_text(encoding="utf-8") == "not the cache's\n"
    assert os.listdir(cache_home) == []  # the planted link removed, nothing written
    assert FileCache("test", str(folder)).get("a.sql", st) is None


def test_a_value_marshal_cannot_write_leaves_the_last_cache_as_it_was(
    cache_home: Path, folder: Path
) -> None:
    path = folder / "a.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    first = FileCache("test", str(folder))
    first.put("a.sql", st, "value", old(st))
    first.save()
    assert first.path is not None
    second = FileCache("test", str(folder))
    second.put("a.sql", st, object(), old(st))
    second.save()  # ValueError from marshal: ignored, the temporary removed
    assert os.listdir(cache_home) == [os.path.basename(first.path)]
    assert FileCache("test", str(folder)).get("a.sql", st) == "value"


# --- discovery -------------------------------------------------------------------


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file discovery reads looks old enough to be kept."""
    monkeypatch.setattr("trenova_db.discovery.now", lambda: time.time() + LATER)


def sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_an_unchanged_file_s_checksum_comes_from_the_cache_without_reading_it(
    cache_home: Path, folder: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_migrations(folder, {"000001_a.tx.up.sql": "CREATE TABLE a ();\n"})
    cold = discover_migrations(folder)
    assert [m.checksum for m in cold.migrations] == [sha("CREATE TABLE a ();\n")]

    def no_read(directory: str, filename: str, problems: list[str]) -> None:
        raise AssertionError(f"{filename} was read")

    monkeypatch.setattr("trenova_db.discovery._read", no_read)
    warm = discover_migrations(folder)
    assert [m.checksum for m in warm.migrations] == [sha("CREATE TABLE a ();\n")]


def test_a_drifted_file_is_found_even_with_a_warm_cache(
    cache_home: Path, folder: Path, later: None
) -> None:
    write_migrations(
        folder,
        {"000001_a.tx.up.sql": "CREATE TABLE a (id i2);\n", "000002_b.up.sql": "SELECT 2;\n"},
    )
    discover_migrations(folder)
    warm = discover_migrations(folder)  # from the cache
    assert warm.migrations[0].checksum == sha("CREATE TABLE a (id i2);\n")
    rewrite(folder / "000001_a.tx.up.sql", "CREATE TABLE a (id i4);\n")
    again = discover_migrations(folder)
    assert [m.checksum for m in again.migrations] == [
        sha("CREATE TABLE a (id i4);\n"),
        sha("SELECT 2;\n"),
    ]
    assert again.migrations[0].up_sql == "CREATE TABLE a (id i4);\n"


def test_a_rewrite_in_the_same_tick_as_the_first_read_is_seen(
    cache_home: Path, folder: Path
) -> None:
    """Real clock: the file is fresh when read, so its checksum is not kept."""
    path = folder / "000001_a.tx.up.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    st = path.stat()
    first = discover_migrations(folder)
    # Nothing kept (a same-signature rewrite cannot be staged on a kernel with
    # fine-grained timestamps: the rule itself is checked).
    for name in cache_files(cache_home, "migrations"):
        assert FileCache(name.rsplit("-", 1)[0], str(folder)).get(path.name, st) is None
    path.write_text("SELECT 2;\n", encoding="utf-8")  # no sleep: maybe the same mtime
    second = discover_migrations(folder)
    assert (first.migrations[0].checksum, second.migrations[0].checksum) == (
        sha("SELECT 1;\n"),
        sha("SELECT 2;\n"),
    )


def test_up_sql_of_a_file_changed_after_discovery_is_refused(
    cache_home: Path, folder: Path, later: None
) -> None:
    write_migrations(folder, {"000001_a.tx.up.sql": "CREATE TABLE a (id i2);\n"})
    discover_migrations(folder)
    (m,) = discover_migrations(folder).migrations  # checksum from the cache, SQL not read
    rewrite(folder / "000001_a.tx.up.sql", "CREATE TABLE a (id i4);\n")
    with pytest.raises(DiscoveryError) as refused:
        m.up_sql  # noqa: B018
    assert refused.value.problems == [
        "000001_a.tx.up.sql: changed since this run read it; run the command again"
    ]
    assert refused.value.summary == f"1 problem in migrations directory {folder}"
    assert str(refused.value) == (
        f"1 problem in migrations directory {folder}: "
        "000001_a.tx.up.sql: changed since this run read it; run the command again"
    )
    assert refused.value.hint == "fix the file listed; nothing more was run"


def test_up_sql_of_an_unchanged_cached_file_is_read_on_first_use(
    cache_home: Path, folder: Path, later: None
) -> None:
    write_migrations(folder, {"000001_a.tx.up.sql": b"\xef\xbb\xbfSELECT 1;\r\n"})
    discover_migrations(folder)
    (m,) = discover_migrations(folder).migrations
    assert "up_sql" not in m.__dict__  # not read by discovery
    assert m.up_sql == "SELECT 1;\n"
    assert m.checksum == checksum_bytes(b"SELECT 1;\n")


def test_up_sql_read_by_discovery_is_what_runs_even_if_the_file_changes_later(
    cache_home: Path, folder: Path
) -> None:
    write_migrations(folder, {"000001_a.tx.up.sql": "SELECT 1;\n"})
    (m,) = discover_migrations(folder).migrations  # cold: read and hashed
    rewrite(folder / "000001_a.tx.up.sql", "SELECT 2;\n")
    assert m.up_sql == "SELECT 1;\n"
    assert m.checksum == sha("SELECT 1;\n")


def test_up_sql_of_a_file_deleted_after_discovery_is_refused(
    cache_home: Path, folder: Path, later: None
) -> None:
    write_migrations(folder, {"000001_a.tx.up.sql": "SELECT 1;\n"})
    discover_migrations(folder)
    (m,) = discover_migrations(folder).migrations
    (folder / "000001_a.tx.up.sql").unlink()
    with pytest.raises(DiscoveryError) as refused:
        m.up_sql  # noqa: B018
    assert refused.value.problems == [
        "000001_a.tx.up.sql: cannot read file (No such file or directory)"
    ]


def test_files_gone_from_the_folder_leave_the_cache(
    cache_home: Path, folder: Path, later: None
) -> None:
    write_migrations(
        folder, {"000001_a.tx.up.sql": "SELECT 1;\n", "000002_b.up.sql": "SELECT 2;\n"}
    )
    st = {name: (folder / name).stat() for name in ("000001_a.tx.up.sql", "000002_b.up.sql")}
    discover_migrations(folder)
    (name,) = cache_files(cache_home, "migrations")
    purpose = name.rsplit("-", 1)[0]  # the cache's name says what it is for
    warm = FileCache(purpose, str(folder))
    assert warm.get("000001_a.tx.up.sql", st["000001_a.tx.up.sql"]) == sha("SELECT 1;\n")
    assert warm.get("000002_b.up.sql", st["000002_b.up.sql"]) == sha("SELECT 2;\n")
    (folder / "000002_b.up.sql").unlink()
    discover_migrations(folder)
    after = FileCache(purpose, str(folder))
    assert after.get("000002_b.up.sql", st["000002_b.up.sql"]) is None
    assert after.get("000001_a.tx.up.sql", st["000001_a.tx.up.sql"]) == sha("SELECT 1;\n")


def layout_of(found: MigrationSet) -> list[tuple[object, ...]]:
    return [
        (m.version, m.name, m.kind, m.up_file, m.down_file, m.down_kind) for m in found.migrations
    ]


def test_an_unchanged_folder_s_layout_comes_from_the_cache_and_a_new_name_lays_it_out_again(
    cache_home: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_migrations(
        folder,
        {
            "000001_a.tx.up.sql": "SELECT 1;\n",
            "000001_a.tx.down.sql": "SELECT -1;\n",
            "000002_b.up.sql": "SELECT 2;\n",
            "notes.txt": "not a migration\n",
        },
    )
    expected = [
        (1, "a", "tx", "000001_a.tx.up.sql", "000001_a.tx.down.sql", "tx"),
        (2, "b", "notx", "000002_b.up.sql", None, None),
    ]
    cold = discover_migrations(folder)
    assert (layout_of(cold), cold.ignored) == (expected, ("notes.txt",))
    with monkeypatch.context() as patch:
        patch.setattr(
            "trenova_db.discovery._layout",
            lambda names, problems: pytest.fail("the same names laid out again"),
        )
        warm = discover_migrations(folder)
    assert (layout_of(warm), warm.ignored) == (expected, ("notes.txt",))
    write_migrations(folder, {"000003_c.tx.up.sql": "SELECT 3;\n"})
    grown = discover_migrations(folder)
    assert layout_of(grown) == [
        *expected,
        (3, "c", "tx", "000003_c.tx.up.sql", None, None),
    ]


def test_a_file_emptied_after_its_folder_s_layout_was_kept_is_a_problem(
    cache_home: Path, folder: Path
) -> None:
    write_migrations(folder, {"000001_a.tx.up.sql": "SELECT 1;\n"})
    discover_migrations(folder)
    (folder / "000001_a.tx.up.sql").write_text("", encoding="utf-8")  # the same names
    with pytest.raises(DiscoveryError) as refused:
        discover_migrations(folder)
    assert refused.value.problems == [
        "000001_a.tx.up.sql: file is empty; write the SQL or delete the file"
    ]


def test_inside_a_fleet_s_snapshot_the_migrations_folder_is_read_once(
    cache_home: Path, folder: Path
) -> None:
    write_migrations(folder, {"000001_a.tx.up.sql": "SELECT 1;\n"})
    with files_read_once():
        first = discover_migrations(folder)
        write_migrations(folder, {"000002_b.up.sql": "SELECT 2;\n"})
        assert discover_migrations(folder / ".." / folder.name) is first
    after = discover_migrations(folder)  # no snapshot: read again
    assert [m.up_file for m in after.migrations] == ["000001_a.tx.up.sql", "000002_b.up.sql"]


# --- pyproject.toml ----------------------------------------------------------------


def pyproject(root: Path, schema: str) -> None:
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.trenova-db]\nschema = "{schema}"\n', encoding="utf-8"
    )


def test_an_edit_to_pyproject_is_seen_right_after_a_cached_read(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filecache, "now", lambda: time.time() + LATER)
    for var in ("TRENOVA_SCHEMA",):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "project"
    root.mkdir()
    pyproject(root, "a")
    assert resolve_settings(cwd=root).schema == "a"
    assert list(FileCache("pyproject", str(root))._entries) == ["pyproject.toml"]  # kept
    assert resolve_settings(cwd=root).schema == "a"  # from the cache
    rewrite(root / "pyproject.toml", (root / "pyproject.toml").read_text().replace('"a"', '"b"'))
    assert resolve_settings(cwd=root).schema == "b"


def test_an_unchanged_old_pyproject_is_not_read_again(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filecache, "now", lambda: time.time() + LATER)
    monkeypatch.delenv("TRENOVA_SCHEMA", raising=False)
    pyproject(tmp_path, "a")
    assert resolve_settings(cwd=tmp_path).schema == "a"
    with monkeypatch.context() as patch:
        patch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read again"))
        assert resolve_settings(cwd=tmp_path).schema == "a"


def test_a_pyproject_written_in_the_same_tick_as_it_was_read_is_read_again(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRENOVA_SCHEMA", raising=False)
    pyproject(tmp_path, "a")
    st = (tmp_path / "pyproject.toml").stat()
    assert resolve_settings(cwd=tmp_path).schema == "a"
    assert FileCache("pyproject", str(tmp_path)).get("pyproject.toml", st) is None  # too fresh
    pyproject(tmp_path, "x")  # no sleep
    assert resolve_settings(cwd=tmp_path).schema == "x"


# --- seed scan ---------------------------------------------------------------------

SEED = (
    "from trenova_db.seeding import BaseSeed\n\n\n"
    "class Users(BaseSeed):\n"
    '    name = "{name}"\n'
    '    description = "{description}"\n\n'
    "    async def run(self, ctx):\n"
    "        pass\n"
)


def test_an_edited_seed_is_scanned_again_with_a_warm_cache(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("trenova_db.seeding.scan.now", lambda: time.time() + LATER)
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    path = seeds / "base" / "01_users.py"
    path.write_text(SEED.format(name="users", description="one"), encoding="utf-8")
    first = scan_seeds(seeds)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "trenova_db.seeding.scan._scan_file",
            lambda *args: pytest.fail("scanned again although unchanged"),
        )
        assert scan_seeds(seeds) == first  # from the cache
    rewrite(path, SEED.format(name="users", description="two"))
    (entry,) = scan_seeds(seeds).seeds
    assert (entry.name, entry.description, entry.checksum) == (
        "users",
        "two",
        sha(SEED.format(name="users", description="two")),
    )


def test_each_seed_s_entry_is_kept_in_the_scan_cache_of_its_folder(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("trenova_db.seeding.scan.now", lambda: time.time() + LATER)
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    path = seeds / "base" / "01_users.py"
    path.write_text(SEED.format(name="users", description="one"), encoding="utf-8")
    (entry,) = scan_seeds(seeds).seeds
    cache = FileCache(SCAN_CACHE, str(seeds))
    assert cache.path is not None and os.listdir(cache_home) == [os.path.basename(cache.path)]
    assert cache.get("base/01_users.py", path.stat()) == msgspec.structs.asdict(entry)


def test_inside_a_fleet_s_snapshot_the_seeds_folder_is_scanned_once(
    cache_home: Path, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    (seeds / "base" / "01_users.py").write_text(
        SEED.format(name="users", description="one"), encoding="utf-8"
    )
    with files_read_once():
        first = scan_seeds(seeds)
        (seeds / "base" / "02_roles.py").write_text(
            SEED.format(name="roles", description="two"), encoding="utf-8"
        )
        assert scan_seeds(seeds / ".." / "seeds") is first
    after = scan_seeds(seeds)  # no snapshot: scanned again
    assert [e.name for e in after.seeds] == ["users", "roles"]


def failing_stat(removes: bool) -> types.SimpleNamespace:
    """The scan module's ``os``, its stat failing as if the file had just been
    removed (``removes``: it is; else only the stat fails)."""

    def stat(path: Path) -> os.stat_result:
        if removes:
            path.unlink()
        raise FileNotFoundError(2, "No such file or directory", str(path))

    return types.SimpleNamespace(stat=stat)


def test_a_seed_file_removed_while_the_folder_is_scanned_is_reported(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    path = seeds / "base" / "01_users.py"
    path.write_text(SEED.format(name="users", description="one"), encoding="utf-8")
    monkeypatch.setattr("trenova_db.seeding.scan.os", failing_stat(removes=True))
    with pytest.raises(DiscoveryError) as refused:
        scan_seeds(seeds)
    assert refused.value.problems == [
        f"base/01_users.py: cannot read ([Errno 2] No such file or directory: '{path}')"
    ]


def test_a_seed_file_whose_stat_fails_is_scanned_without_the_cache(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "base").mkdir(parents=True)
    path = seeds / "base" / "01_users.py"
    path.write_text(SEED.format(name="users", description="one"), encoding="utf-8")
    expected = scan_seeds(seeds)
    monkeypatch.setattr("trenova_db.seeding.scan.os", failing_stat(removes=False))
    found = scan_seeds(seeds)
    assert found == expected
    (entry,) = found.seeds
    assert (entry.path, entry.folder, entry.order) == ("base/01_users.py", "base", 1)


# --- the folder's own listing -----------------------------------------------------


def forbid_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_scandir(path: object) -> None:
        raise AssertionError("the folder was listed")

    monkeypatch.setattr("trenova_db.discovery.os.scandir", no_scandir)


def test_an_unchanged_folder_is_not_listed_again(
    cache_home: Path, folder: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_migrations(
        folder,
        {
            "000001_a.tx.up.sql": "SELECT 1;\n",
            "000001_a.tx.down.sql": "SELECT -1;\n",
            "000002_b.up.sql": "SELECT 2;\n",
            "notes.txt": "not a migration\n",
        },
    )
    cold = discover_migrations(folder)
    with monkeypatch.context() as patched:
        forbid_listing(patched)
        warm = discover_migrations(folder)
    assert warm == cold
    assert [
        (m.version, m.name, m.kind, m.up_file, m.down_file, m.down_kind) for m in warm.migrations
    ] == [
        (1, "a", "tx", "000001_a.tx.up.sql", "000001_a.tx.down.sql", "tx"),
        (2, "b", "notx", "000002_b.up.sql", None, None),
    ]
    assert warm.ignored == ("notes.txt",)


@pytest.mark.parametrize("change", ["added", "removed", "renamed"])
def test_a_file_added_removed_or_renamed_is_seen_with_a_warm_cache(
    cache_home: Path, folder: Path, later: None, change: str
) -> None:
    write_migrations(
        folder, {"000001_a.tx.up.sql": "SELECT 1;\n", "000002_b.up.sql": "SELECT 2;\n"}
    )
    discover_migrations(folder)
    assert [m.version for m in discover_migrations(folder).migrations] == [1, 2]
    if change == "added":
        (folder / "000003_c.up.sql").write_text("SELECT 3;\n", encoding="utf-8")
        expected = [(1, "a"), (2, "b"), (3, "c")]
    elif change == "removed":
        (folder / "000002_b.up.sql").unlink()
        expected = [(1, "a")]
    else:
        (folder / "000002_b.up.sql").rename(folder / "000007_b.up.sql")
        expected = [(1, "a"), (7, "b")]
    assert [(m.version, m.name) for m in discover_migrations(folder).migrations] == expected


def test_a_folder_listed_in_its_racy_window_is_listed_again(
    cache_home: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real clock: the folder was just written, so its listing is not kept."""
    write_migrations(folder, {"000001_a.tx.up.sql": "SELECT 1;\n"})
    discover_migrations(folder)
    listed: list[object] = []
    real = os.scandir

    def counting(path: int) -> object:
        listed.append(path)
        return real(path)

    monkeypatch.setattr("trenova_db.discovery.os.scandir", counting)
    assert [m.version for m in discover_migrations(folder).migrations] == [1]
    assert len(listed) == 1


def test_get_all_reports_each_file_s_stat_error_and_unchanged_value(
    cache_home: Path, folder: Path
) -> None:
    for name in ("a.sql", "b.sql", "c.sql"):
        (folder / name).write_text(name, encoding="utf-8")
    st = {name: (folder / name).stat() for name in ("a.sql", "b.sql", "c.sql")}
    first = FileCache("test", str(folder))
    first.put("a.sql", st["a.sql"], "value of a", old(st["a.sql"]))
    first.put("c.sql", st["c.sql"], "value of c", old(st["c.sql"]))
    first.save()
    rewrite(folder / "c.sql", "C.sql")
    cache = FileCache("test", str(folder))
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        found = cache.get_all(fd, ["a.sql", "gone.sql", "b.sql", "c.sql"])
    finally:
        os.close(fd)
    assert [type(s).__name__ for s, _ in found] == [
        "stat_result",
        "FileNotFoundError",  # and the files after it are still looked at
        "stat_result",
        "stat_result",
    ]
    assert [value for _, value in found] == ["value of a", None, None, None]
    assert found[0][0].st_ino == st["a.sql"].st_ino  # type: ignore[union-attr]
    cache.save()  # every name asked for counts as seen: a.sql's value is kept
    assert FileCache("test", str(folder)).get("a.sql", st["a.sql"]) == "value of a"


def test_every_unreadable_up_file_is_reported_at_once(
    cache_home: Path, folder: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_migrations(
        folder,
        {"000001_a.up.sql": "SELECT 1;\n", "000002_b.up.sql": "\n", "000003_c.up.sql": "\n"},
    )
    with pytest.raises(DiscoveryError) as emptied:
        discover_migrations(folder)
    assert emptied.value.problems == [
        "000002_b.up.sql: file is empty; write the SQL or delete the file",
        "000003_c.up.sql: file is empty; write the SQL or delete the file",
    ]
    write_migrations(folder, {"000002_b.up.sql": "SELECT 2;\n", "000003_c.up.sql": "SELECT 3;\n"})
    discover_migrations(folder)  # every file kept; then two vanish between listing and stat
    real_stat = os.stat

    def vanishing(name: object, *args: Any, **kwargs: Any) -> os.stat_result:
        if name in ("000001_a.up.sql", "000002_b.up.sql"):
            raise FileNotFoundError(2, "No such file or directory")
        return real_stat(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("trenova_db.filecache.os.stat", vanishing)
    with pytest.raises(DiscoveryError) as vanished:
        discover_migrations(folder)
    assert vanished.value.problems == [
        "000001_a.up.sql: cannot read file (No such file or directory)",
        "000002_b.up.sql: cannot read file (No such file or directory)",
    ]
