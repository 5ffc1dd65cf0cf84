"""Loopback without TLS, and TLS again when the server demands it (README: "A
server that refuses a plain connection is asked again with TLS";
``trenova_db.connection.connect``).

Each test runs trenova-db as a real process against a throwaway cluster with
ssl=on (a self-signed certificate) whose pg_hba decides what is accepted on
127.0.0.1, and reads what the server saw: every connection is logged
(log_connections), a refused one as a FATAL pg_hba line, an accepted one with
its application_name and, when it used TLS, "SSL enabled". A migration records
its own session's pg_stat_ssl.ssl.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from tests.conftest import ROOT, query, write_migrations
from tests.support.cluster import throwaway_cluster

TLS_ONLY = "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n"
EITHER = "host all all 127.0.0.1/32 trust\n"

# The server's words for a plain connection that a hostnossl reject line turns away.
REFUSED_PLAIN = (
    'pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", '
    'database "postgres", no encryption'
)
# A session of trenova-db's, as log_connections reports it once authorized.
OURS = "connection authorized: user=postgres database=postgres application_name=trenova-db "

MIGRATION = {
    "000001_tls_seen.tx.up.sql": (
        "CREATE TABLE tls_seen AS\nSELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n"
    )
}


class Cluster(msgspec.Struct):
    url: str
    log: Path

    def mark(self) -> int:
        """Where the server log ends now: ``seen`` reads what comes after."""
        return self.log.stat().st_size

    def seen(self, since: int) -> tuple[int, list[str]]:
        """Plain connections refused, and trenova-db's sessions, since ``since``."""
        with self.log.open(encoding="utf-8", errors="replace") as f:
            f.seek(since)
            lines = f.read().splitlines()
        refused = sum(REFUSED_PLAIN in line for line in lines)
        return refused, [line.partition(OURS)[2] for line in lines if OURS in line]


def _cluster(hba: str) -> Iterator[Cluster]:
    """A throwaway cluster with ssl=on (a self-signed certificate) and this pg_hba."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make the throwaway cluster's certificate")

    def certificate_and_hba(root: Path, data: Path, as_postgres: bool) -> None:
        crt, key = data / "server.crt", data / "server.key"  # relative to the data folder
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-keyout",
                str(key),
                "-out",
                str(crt),
            ],
            check=True,
            capture_output=True,
        )
        key.chmod(0o600)  # the server refuses a key others can read
        if as_postgres:
            shutil.chown(key, "postgres")
            shutil.chown(crt, "postgres")
        (data / "pg_hba.conf").write_text(hba)

    with throwaway_cluster(
        "trenova-tls-",
        initdb=("-N",),
        options="-c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key "
        "-c log_connections=on",
        prepare=certificate_and_hba,
    ) as cluster:
        yield Cluster(cluster.url, cluster.log)


@pytest.fixture(scope="module")
def tls_only() -> Iterator[Cluster]:
    """Accepts TLS connections on 127.0.0.1 and refuses plain ones."""
    yield from _cluster(TLS_ONLY)


@pytest.fixture(scope="module")
def either() -> Iterator[Cluster]:
    """Accepts plain and TLS connections on 127.0.0.1 (and offers TLS)."""
    yield from _cluster(EITHER)


def trenova_db(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """trenova-db as a real process, with nothing of libpq's or ours in its
    environment that could choose TLS or a database for it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PG")
        and k not in ("DATABASE_URL", "TRENOVA_DATABASE_URL", "TRENOVA_ENV", "APP_ENV")
    }
    return subprocess.run(
        [sys.executable, "-m", "trenova_db", *args, "--database-url", url],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )


def test_a_server_refusing_plain_loopback_connections_is_asked_again_with_tls(
    tls_only: Cluster, tmp_path: Path
) -> None:
    sql = write_migrations(tmp_path / "sql", MIGRATION)

    since = tls_only.mark()
    migrate = trenova_db("migrate", "--migrations-dir", str(sql), url=tls_only.url, cwd=tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    assert query(tls_only.url, "SELECT ssl FROM tls_seen") == [(True,)]
    refused, sessions = tls_only.seen(since)
    assert [s.split(" pid=")[0] for s in sessions] == ["migrate"], sessions
    # Every session was asked plainly first, refused once, then made with TLS.
    assert all(" SSL enabled (protocol=TLS" in s for s in sessions), sessions
    assert refused == len(sessions)

    since = tls_only.mark()
    status = trenova_db(
        "status", "--json", "--migrations-dir", str(sql), url=tls_only.url, cwd=tmp_path
    )
    assert status.returncode == 0, status.stderr
    report = msgspec.json.decode(status.stdout)
    assert (report["applied_count"], report["pending_count"]) == (1, 0)
    refused, sessions = tls_only.seen(since)
    assert [s.split(" pid=")[0] for s in sessions] == ["status"], sessions
    assert all(" SSL enabled (protocol=TLS" in s for s in sessions), sessions
    assert refused == len(sessions)


def test_a_server_accepting_plain_loopback_connections_gets_no_tls(
    either: Cluster, tmp_path: Path
) -> None:
    # The server does offer TLS: a client left to libpq's default gets it.
    assert query(either.url, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [
        (True,)
    ]
    sql = write_migrations(tmp_path / "sql", MIGRATION)

    since = either.mark()
    migrate = trenova_db("migrate", "--migrations-dir", str(sql), url=either.url, cwd=tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    assert query(either.url, "SELECT ssl FROM tls_seen") == [(False,)]
    refused, sessions = either.seen(since)
    assert refused == 0
    assert [s.split(" pid=")[0] for s in sessions] == ["migrate"], sessions
    assert not any("SSL enabled" in s for s in sessions), sessions


def test_sslmode_disable_is_honoured_and_a_tls_only_server_refusal_is_a_clear_error(
    tls_only: Cluster, tmp_path: Path
) -> None:
    sql = write_migrations(tmp_path / "sql", MIGRATION)
    url = f"{tls_only.url}?sslmode=disable"

    since = tls_only.mark()
    result = trenova_db("migrate", "--migrations-dir", str(sql), url=url, cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # DatabaseUnavailable
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        f"error: cannot connect to {url}: the server accepts only TLS connections from here ("
    ), result.stderr
    assert lines[0].endswith(f"({REFUSED_PLAIN})"), result.stderr
    assert lines[1].strip() == (
        "hint: remove sslmode=disable from the URL (or PGSSLMODE), or allow plain "
        "connections from this host in pg_hba.conf"
    ), result.stderr
    # Asked once, as the URL says: no TLS behind its back, no retries.
    assert tls_only.seen(since) == (1, [])
