"""The no-op migrate's one-row history summary, against a real PostgreSQL.

What the client sends is counted on the wire: a proxy between trenova-db and
the server reads every frontend message (a TLS request, the startup packet,
then each typed message), so "one statement" and "no TLS" are what the
server was sent, not what the library says it did.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.conftest import query, run
from trenova_db import HistoryMismatch, migrate, status
from trenova_db.bookkeeping import CURRENT_VERSION, read_summary
from trenova_db.config import configure
from trenova_db.discovery import checksum_bytes, discover_migrations, history_digest
from trenova_db.errors import DiscoveryError
from trenova_db.migrator import run_migrate

Make = Callable[[Mapping[str, str | bytes]], Path]

FILES = {
    "000001_a.tx.up.sql": "CREATE TABLE a (id int);\n",
    "000001_a.tx.down.sql": "DROP TABLE a;\n",
    "000002_b.up.sql": "CREATE TABLE b (id int);\n",
    "000002_b.down.sql": "DROP TABLE b;\n",
    "000010_c.tx.up.sql": "CREATE TABLE c (id int);\n",
}

SSL_REQUEST = 80877103
LATER = 10.0


@pytest.fixture(autouse=True)
def warm_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file looks old: discovery keeps checksums, as on a real project."""
    monkeypatch.setenv("TRENOVA_DB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TRENOVA_DB_CACHE", raising=False)
    monkeypatch.delenv("PGSSLMODE", raising=False)
    monkeypatch.setattr("trenova_db.discovery.now", lambda: time.time() + LATER)


class Wire:
    """A TCP proxy to the server that records what clients send."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None, url
        self.target = (parts.hostname, parts.port)
        self.url = url
        self.ssl_requests = 0
        self.messages: list[str] = []  # frontend message types after startup
        self.server: asyncio.Server | None = None
        self.tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Wire:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for task in self.tasks:
            task.cancel()

    def proxied(self, url: str | None = None) -> str:
        """``url`` (the server's by default) pointing at the proxy."""
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        parts = urlsplit(url or self.url)
        netloc = parts.netloc.rpartition("@")[0]
        netloc = f"{netloc}@127.0.0.1:{port}" if netloc else f"127.0.0.1:{port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    @property
    def statements(self) -> list[str]:
        """Simple queries (Q), parses (P) and function calls (F) sent."""
        return [t for t in self.messages if t in "QPF"]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def down() -> None:
            try:
                while data := await up_reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            finally:
                writer.close()

        self.tasks.append(asyncio.ensure_future(down()))
        try:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            up_writer.write(head + await reader.readexactly(length - 8))
            await up_writer.drain()
            if code == SSL_REQUEST:
                # The rest may be TLS, which cannot be read: forwarded as it is.
                self.ssl_requests += 1
                while data := await reader.read(65536):
                    up_writer.write(data)
                    await up_writer.drain()
                return
            while True:  # after the startup packet: typed messages
                kind = await reader.readexactly(1)
                (length,) = struct.unpack("!i", await reader.readexactly(4))
                body = await reader.readexactly(length - 4)
                self.messages.append(kind.decode("latin-1"))
                up_writer.write(kind + struct.pack("!i", length) + body)
                await up_writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            up_writer.close()


async def _through_wire(url: str, work: Callable[[str], Any]) -> Wire:
    async with Wire(url) as wire:
        await work(wire.proxied())
        await asyncio.sleep(0.05)  # the Terminate message reaches the proxy
    return wire


def on_the_wire(url: str, work: Callable[[str], Any]) -> Wire:
    return run(lambda: _through_wire(url, work))


def outcomes(url: str) -> list[tuple[str, str]]:
    rows = query(url, "SELECT operation, outcome FROM trenova_db_audit ORDER BY id")
    return [tuple(r) for r in rows]


async def _summary(url: str) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await read_summary(conn, "public")
    finally:
        await conn.close()


# --- the digest --------------------------------------------------------------------


def test_the_files_digest_is_the_one_the_server_computes_from_the_history(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(
        {
            **FILES,
            "20210505110026_go_style.tx.up.sql": "CREATE TABLE go (id int);\n",
            "000009_nine.tx.up.sql": b"\xef\xbb\xbfCREATE TABLE nine (id int);\r\n",
        }
    )
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    files = discover_migrations(folder)
    summary = run(lambda: _summary(trenova_database))
    assert summary.internal_version == CURRENT_VERSION
    assert (summary.applied, summary.dirty) == (5, False)
    assert summary.digest == history_digest(files.migrations)
    # and that digest is of the files' checksums, as recorded
    recorded = query(trenova_database, "SELECT version, checksum FROM schema_migrations")
    assert sorted(tuple(r) for r in recorded) == sorted(
        (m.version, m.checksum) for m in files.migrations
    )
    assert files.by_version()[9].checksum == checksum_bytes(b"CREATE TABLE nine (id int);\n")


def test_an_empty_history_has_the_digest_of_no_files(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations({"000001_a.tx.up.sql": "CREATE TABLE a (id int);\n"})
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    query(trenova_database, "DELETE FROM schema_migrations")
    summary = run(lambda: _summary(trenova_database))
    assert (summary.applied, summary.dirty) == (0, False)
    assert summary.digest == history_digest([])


def test_without_bookkeeping_tables_the_summary_says_so(trenova_database: str) -> None:
    summary = run(lambda: _summary(trenova_database))
    assert (summary.internal_version, summary.applied, summary.digest) == (0, 0, None)


def test_a_dirty_row_shows_in_the_summary(trenova_database: str, migrations: Make) -> None:
    folder = migrations(FILES)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    query(trenova_database, "UPDATE schema_migrations SET dirty = true WHERE version = 2")
    summary = run(lambda: _summary(trenova_database))
    assert (summary.applied, summary.dirty) == (3, True)


def test_the_no_op_audit_row_skips_the_wal_flush_for_its_own_transaction_only(
    trenova_database: str, migrations: Make
) -> None:
    """The summary that inserts the no-op's audit row turns synchronous_commit
    off for that statement's transaction: the session keeps it on for every
    later commit (a run that finds work must still commit durably)."""
    from trenova_db.audit import audit_values

    folder = migrations(FILES)
    run(lambda: migrate(trenova_database, migrations_dir=folder))

    async def summary_then_setting() -> tuple[Any, str]:
        conn = await asyncpg.connect(trenova_database)
        try:
            summary = await read_summary(
                conn, "public", audit_values=audit_values("migrate", "test", "noop", {})
            )
            return summary, await conn.fetchval("SHOW synchronous_commit")
        finally:
            await conn.close()

    summary, setting = run(summary_then_setting)
    assert summary.audit_id is not None
    assert setting == "on"
    assert outcomes(trenova_database)[-1] == ("migrate", "noop")


# --- the no-op migrate on the wire -----------------------------------------------


def test_a_no_op_migrate_sends_one_statement_without_tls(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(FILES)
    first = on_the_wire(trenova_database, lambda url: migrate(url, migrations_dir=folder))
    assert len(first.statements) > 1  # the real work: the proxy sees it
    reports: list[Any] = []

    async def again(url: str) -> None:
        reports.append(await migrate(url, migrations_dir=folder))

    noop = on_the_wire(trenova_database, again)
    assert noop.statements == ["Q"]
    assert noop.ssl_requests == 0  # loopback: no TLS asked
    assert (reports[0].applied, reports[0].already_applied) == ([], 3)
    assert outcomes(trenova_database) == [("migrate", "success"), ("migrate", "noop")]


def test_tables_newer_than_this_version_still_make_a_one_statement_no_op(
    trenova_database: str, migrations: Make
) -> None:
    """A rolling deploy: a newer replica upgraded the bookkeeping tables; the
    older ones still boot on one statement, not through the lock."""
    folder = migrations(FILES)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    query(
        trenova_database,
        f"INSERT INTO trenova_db_versions (version) VALUES ({CURRENT_VERSION + 1})",
    )
    noop = on_the_wire(trenova_database, lambda url: migrate(url, migrations_dir=folder))
    assert noop.statements == ["Q"]
    assert outcomes(trenova_database)[-1] == ("migrate", "noop")


def test_a_url_asking_for_tls_preference_still_asks_the_server(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(FILES)
    run(lambda: migrate(trenova_database, migrations_dir=folder))

    async def work(url: str) -> None:
        sep = "&" if "?" in url else "?"
        await migrate(url + sep + "sslmode=prefer", migrations_dir=folder)

    wire = on_the_wire(trenova_database, work)
    assert wire.ssl_requests == 1


def test_pgsslmode_still_asks_the_server(
    trenova_database: str, migrations: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = migrations(FILES)
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    monkeypatch.setenv("PGSSLMODE", "prefer")
    wire = on_the_wire(trenova_database, lambda url: migrate(url, migrations_dir=folder))
    assert wire.ssl_requests == 1


# --- anything but a no-op reads the whole history, as before ------------------------


def applied_then(trenova_database: str, folder: Path) -> None:
    run(lambda: migrate(trenova_database, migrations_dir=folder))
    run(lambda: migrate(trenova_database, migrations_dir=folder))  # the cache is warm


def rewrite(path: Path, text: str) -> None:
    assert len(text.encode()) == path.stat().st_size
    time.sleep(0.05)
    path.write_text(text, encoding="utf-8")


def test_a_drifted_file_is_drift_with_a_warm_cache(trenova_database: str, migrations: Make) -> None:
    folder = migrations(FILES)
    applied_then(trenova_database, folder)
    before = discover_migrations(folder).by_version()[1].checksum
    rewrite(folder / "000001_a.tx.up.sql", "CREATE TABLE a (ix int);\n")
    after = checksum_bytes(b"CREATE TABLE a (ix int);\n")
    with pytest.raises(HistoryMismatch) as drift:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert drift.value.problems == [
        f"000001_a.tx.up.sql (version 1) changed since it was applied "
        f"(recorded {before[:19]}..., file {after[:19]}...)"
    ]
    report = run(lambda: status(trenova_database, migrations_dir=folder))
    assert [(m.version, m.state) for m in report.migrations] == [
        (1, "drift"),
        (2, "applied"),
        (10, "applied"),
    ]


def test_a_dirty_row_is_refused_with_a_warm_cache(trenova_database: str, migrations: Make) -> None:
    folder = migrations(FILES)
    applied_then(trenova_database, folder)
    query(
        trenova_database,
        "UPDATE schema_migrations SET dirty = true, statements_done = 0 WHERE version = 2",
    )
    with pytest.raises(HistoryMismatch) as dirty:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert dirty.value.problems == ["version 2 (b) is dirty: it stopped after 0 statements"]


def test_a_missing_file_is_refused_with_a_warm_cache(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(FILES)
    applied_then(trenova_database, folder)
    (folder / "000002_b.up.sql").unlink()
    (folder / "000002_b.down.sql").unlink()
    with pytest.raises(HistoryMismatch) as missing:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert missing.value.problems == ["version 2 (b) was applied but its file is gone"]


def test_a_missing_file_and_a_new_one_keep_the_count_but_are_refused(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(FILES)
    applied_then(trenova_database, folder)
    (folder / "000002_b.up.sql").unlink()
    (folder / "000002_b.down.sql").unlink()
    (folder / "000011_d.tx.up.sql").write_text("CREATE TABLE d (id int);\n")
    with pytest.raises(HistoryMismatch) as missing:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert missing.value.problems == ["version 2 (b) was applied but its file is gone"]
    assert query(trenova_database, "SELECT to_regclass('d')") == [(None,)]


def test_an_out_of_order_file_is_refused_with_a_warm_cache(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(FILES)
    applied_then(trenova_database, folder)
    (folder / "000003_late.tx.up.sql").write_text("CREATE TABLE late (id int);\n")
    with pytest.raises(HistoryMismatch) as late:
        run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert late.value.problems == [
        "000003_late.tx.up.sql (version 3) is pending but version 10 is already applied"
    ]


def test_a_pending_file_seen_before_is_applied_from_its_sql_read_late(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(FILES)
    applied_then(trenova_database, folder)
    (folder / "000011_d.tx.up.sql").write_text("CREATE TABLE d (id int);\n")
    run(lambda: migrate(trenova_database, migrations_dir=folder, dry_run=True))
    (d,) = [m for m in discover_migrations(folder).migrations if m.version == 11]
    assert "up_sql" not in d.__dict__  # its checksum is cached: the SQL is read when it runs
    report = run(lambda: migrate(trenova_database, migrations_dir=folder))
    assert [m.version for m in report.applied] == [11]
    assert query(trenova_database, "SELECT to_regclass('d')::text") == [("d",)]
    assert outcomes(trenova_database) == [
        ("migrate", "success"),
        ("migrate", "noop"),
        ("migrate", "success"),
    ]
    noop = on_the_wire(trenova_database, lambda url: migrate(url, migrations_dir=folder))
    assert noop.statements == ["Q"]


def test_a_pending_file_changed_after_discovery_is_refused_before_anything_runs(
    trenova_database: str, migrations: Make
) -> None:
    folder = migrations(FILES)
    applied_then(trenova_database, folder)
    path = folder / "000011_d.tx.up.sql"
    path.write_text("CREATE TABLE d (id int);\n")
    run(lambda: migrate(trenova_database, migrations_dir=folder, dry_run=True))  # cached
    files = discover_migrations(folder)
    rewrite(path, "CREATE TABLE e (id int);\n")
    settings = configure(trenova_database, migrations_dir=folder)
    with pytest.raises(DiscoveryError) as changed:
        run(lambda: run_migrate(settings, files=files))
    assert changed.value.problems == [
        "000011_d.tx.up.sql: changed since this run read it; run the command again"
    ]
    assert query(trenova_database, "SELECT to_regclass('e'), to_regclass('d')") == [(None, None)]
