"""Benchmarks: figures printed, never asserted. `make bench` runs them all.

Each figure is measured on the same server in one run:

1. 1000 generated migrations (CREATE TABLE, 5 columns, an index, 10 rows each)
   applied by trenova-db vs `psql -1 -f` on the same SQL concatenated;
2. a no-op `migrate`: round trips in the library (counted by a TCP proxy that
   sees every burst the client sends);
3. a no-op `migrate` and `status` over 1000 applied migrations (with their
   1000 down files), each as a whole CLI process, against the floor any
   asyncpg tool starts from, ``python -c "import asyncio, asyncpg"``: wall
   and CPU time of each process (os.wait4), the three run in turn, medians;
4. 100,000 rows through SeedContext.copy_rows vs psql's `\\copy`;
5. four independent seeds, sequential vs `--parallel 4`;
6. a non-.tx file of 20,000 INSERTs, statement by statement, vs `psql -f`;
7. 20 replicas calling ``migrate()`` at once (lock_timeout 3 s) on 1.6 s of work;
8. a fleet: 100 databases x 50 generated migrations by one
   `trenova-db migrate --databases ... --concurrency 8`, vs a shell loop of 100
   `trenova-db migrate` processes, vs a shell loop of 100 `psql -1 -f` runs of
   the same SQL; `status --databases` over the 100; the fleet process's peak memory.

The server is TRENOVA_BENCH_DATABASE_URL (an admin URL) if set, otherwise an
embedded server in a temporary directory (on /dev/shm when it exists, so disk
speed does not dominate; pass --disk to use /tmp).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from trenova_db.testing import create_database, database_url, drop_database  # noqa: E402

MIGRATIONS = 1000


def generate_migrations(folder: Path, count: int) -> str:
    """Write ``count`` .tx migrations; return the same SQL concatenated for psql."""
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    for i in range(1, count + 1):
        rows = ", ".join(f"({j}, 'name {j}', {j * 1.5}, now(), {j % 2 == 0})" for j in range(10))
        sql = (
            f"CREATE TABLE bench_{i} (id integer PRIMARY KEY, name text NOT NULL, "
            f"amount numeric, created_at timestamptz, active boolean);\n"
            f"CREATE INDEX bench_{i}_name_idx ON bench_{i} (name);\n"
            f"INSERT INTO bench_{i} VALUES {rows};\n"
        )
        (folder / f"{i:06d}_bench_{i}.tx.up.sql").write_text(sql)
        parts.append(sql)
    return "".join(parts)


def psql_binary() -> str:
    try:
        from trenova_db import embedded

        candidate = embedded.bin_dir() / "psql"
        if candidate.exists():
            return str(candidate)
    except Exception:
        pass
    found = shutil.which("psql")
    if not found:
        raise SystemExit("psql not found: install the embedded extra or PostgreSQL client")
    return found


def psql_env() -> dict[str, str]:
    return {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "trenova-db"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "trenova_db"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, check=False)


class BurstCounter:
    """A TCP proxy counting client->server bursts (each one a round trip)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.bursts = 0
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        last = {"dir": "server"}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, name: str) -> None:
            while data := await src.read(65536):
                if name == "client" and last["dir"] != "client":
                    self.bursts += 1
                last["dir"] = name
                dst.write(data)
                await dst.drain()
            dst.close()

        await asyncio.gather(
            pipe(reader, up_writer, "client"),
            pipe(up_reader, writer, "server"),
            return_exceptions=True,
        )


async def count_round_trips(url: str, migrations: Path) -> tuple[int, int]:
    """(round trips of connect+close alone, round trips of a no-op migrate)."""
    from urllib.parse import urlsplit, urlunsplit

    from trenova_db import migrate

    parts = urlsplit(url)
    proxy = BurstCounter(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0] + "@" if len(netloc) == 2 else ""
    proxied = urlunsplit(
        (parts.scheme, f"{user}127.0.0.1:{proxy.port}", parts.path, "sslmode=disable", "")
    )
    conn = await asyncpg.connect(proxied)
    await conn.close()
    await asyncio.sleep(0.05)
    baseline = proxy.bursts
    proxy.bursts = 0
    await migrate(proxied, migrations_dir=migrations)
    await asyncio.sleep(0.05)
    return baseline, proxy.bursts


def bench_migrations(server: str, work: Path) -> None:
    folder = work / "sql"
    concatenated = generate_migrations(folder, MIGRATIONS)
    combined = work / "all.sql"
    combined.write_text(concatenated)
    psql = psql_binary()

    psql_db = create_database(server, prefix="bench_psql")
    ours_db = create_database(server, prefix="bench_ours")
    try:
        psql_url = database_url(server, psql_db)
        t_psql = timed(
            lambda: subprocess.run(
                [
                    psql,
                    "-X",
                    "-q",
                    "-1",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    psql_url,
                    "-f",
                    str(combined),
                ],
                check=True,
                env=psql_env(),
                stdout=subprocess.DEVNULL,
            )
        )
        ours_url = database_url(server, ours_db)
        result: list[subprocess.CompletedProcess[str]] = []
        t_ours = timed(
            lambda: result.append(
                cli("migrate", "--database-url", ours_url, "--migrations-dir", str(folder))
            )
        )
        if result[0].returncode != 0:
            raise SystemExit(f"migrate failed: {result[0].stderr}")
        print(
            f"apply {MIGRATIONS} migrations   psql -1 -f: {t_psql:6.2f} s   "
            f"trenova-db migrate: {t_ours:6.2f} s   ratio {t_ours / t_psql:4.2f}x"
        )

        baseline, noop = asyncio.run(count_round_trips(ours_url, folder))
        print(
            f"no-op migrate (library)     round trips beyond connect/close: {noop - baseline}"
            f"   (connect+close alone: {baseline})"
        )

        bench_start_up(ours_url, folder)
    finally:
        drop_database(server, psql_db)
        drop_database(server, ours_db)


START_UP_ROUNDS = 40


def _process(argv: list[str]) -> tuple[float, float, float]:
    """(wall, user CPU, system CPU) of one child process, in seconds."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {err.decode(errors='replace')}")
    return wall, usage.ru_utime, usage.ru_stime


def bench_start_up(url: str, folder: Path) -> None:
    """No-op migrate and status (its table, every row, JSON), whole processes, vs
    importing asyncio and asyncpg.

    The commands run in turn, round after round, so a busy machine
    slows them alike; medians of wall and user CPU time, and their ratios to
    the floor. The migrations folder holds 1000 up files (all applied) and
    1000 down files.
    """
    for i in range(1, MIGRATIONS + 1):
        (folder / f"{i:06d}_bench_{i}.tx.down.sql").write_text(f"DROP TABLE bench_{i};\n")
    exe = Path(sys.executable).parent / "trenova-db"
    tool = [str(exe)] if exe.exists() else [sys.executable, "-m", "trenova_db"]
    common = ["--database-url", url, "--migrations-dir", str(folder)]
    commands = {
        'python -c "import asyncio, asyncpg"': [sys.executable, "-c", "import asyncio, asyncpg"],
        "trenova-db migrate (no-op)": [*tool, "migrate", *common],
        "trenova-db status": [*tool, "status", *common],
        # every row rendered (status lists the newest applied only past 30)
        "trenova-db status --verbose": [*tool, "status", "--verbose", *common],
        "trenova-db status --json": [*tool, "status", "--json", *common],
    }
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the page cache and the bytecode
        _process(argv)
    for _ in range(START_UP_ROUNDS):
        for name, argv in commands.items():
            figures[name].append(_process(argv))
    floor_wall = statistics.median(w for w, _, _ in figures[next(iter(commands))])
    floor_user = statistics.median(u for _, u, _ in figures[next(iter(commands))])
    print(f"start-up, {MIGRATIONS} applied, medians of {START_UP_ROUNDS} rounds:")
    for name, runs in figures.items():
        wall = statistics.median(w for w, _, _ in runs)
        user = statistics.median(u for _, u, _ in runs)
        system = statistics.median(s for _, _, s in runs)
        print(
            f"  {name:36s} wall {wall * 1000:6.1f} ms ({wall / floor_wall:4.2f}x)   "
            f"user {user * 1000:6.1f} ms ({user / floor_user:4.2f}x)   sys {system * 1000:5.1f} ms"
        )
    _instructions(commands)


def _instructions(commands: dict[str, list[str]]) -> None:
    """Instructions each command executes (valgrind's callgrind), one run each.

    Wall and CPU times on a shared machine move with its load; the count of
    instructions does not (hash seed fixed), so it compares the three even on
    a busy CI machine. It leaves out time spent in the kernel and waiting for
    the server: the wall figures above have those.
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("  (instruction counts: valgrind not installed)")
        return
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, argv in commands.items():
            out = Path(tmp, "callgrind.out")
            done = subprocess.run(
                [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            found = re.search(r"Collected : (\d+)", done.stderr)
            if done.returncode != 0 or found is None:
                print(f"  (instruction counts: {name} failed under valgrind)")
                return
            counts[name] = int(found.group(1))
    floor = counts[next(iter(commands))]
    print("  instructions (callgrind, one run each, PYTHONHASHSEED=0):")
    for name, count in counts.items():
        print(f"    {name:36s} {count / 1e6:7.1f} M ({count / floor:4.2f}x)")


def bench_start_up_only(server: str, work: Path) -> None:
    """``--only start-up``: the 1000 migrations applied, then bench_start_up alone."""
    folder = work / "sql"
    generate_migrations(folder, MIGRATIONS)
    db = create_database(server, prefix="bench_start_up")
    try:
        url = database_url(server, db)
        done = cli("migrate", "--database-url", url, "--migrations-dir", str(folder))
        if done.returncode != 0:
            raise SystemExit(f"migrate failed: {done.stderr}")
        bench_start_up(url, folder)
    finally:
        drop_database(server, db)


NOTX_STATEMENTS = 20_000


def bench_notx(server: str, work: Path) -> None:
    """A non-.tx file of 20,000 INSERTs: psql -f (autocommit) vs trenova-db."""
    folder = work / "notx"
    folder.mkdir()
    body = "\n".join(f"INSERT INTO notx VALUES ({i}, 'name {i}');" for i in range(NOTX_STATEMENTS))
    sql = f"CREATE TABLE notx (id int, name text);\n{body}\n"
    path = folder / "000001_notx.up.sql"
    path.write_text(sql)
    psql_db = create_database(server, prefix="bench_notx_psql")
    ours_db = create_database(server, prefix="bench_notx_ours")
    try:
        t_psql = timed(
            lambda: subprocess.run(
                [
                    psql_binary(),
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    database_url(server, psql_db),
                    "-f",
                    str(path),
                ],
                check=True,
                env=psql_env(),
                stdout=subprocess.DEVNULL,
            )
        )
        result: list[subprocess.CompletedProcess[str]] = []
        t_ours = timed(
            lambda: result.append(
                cli(
                    "migrate",
                    "--database-url",
                    database_url(server, ours_db),
                    "--migrations-dir",
                    str(folder),
                )
            )
        )
        if result[0].returncode != 0:
            raise SystemExit(f"migrate failed: {result[0].stderr}")
        print(
            f"non-tx file, {NOTX_STATEMENTS} statements  psql -f: {t_psql:6.2f} s   "
            f"trenova-db migrate: {t_ours:6.2f} s   ratio {t_ours / t_psql:4.2f}x"
        )
    finally:
        drop_database(server, psql_db)
        drop_database(server, ours_db)


REPLICAS = 20


async def _replicas(url: str, folder: Path) -> tuple[float, int, int]:
    import trenova_db

    started = time.perf_counter()
    results = await asyncio.gather(
        *(trenova_db.migrate(url, migrations_dir=folder, lock_timeout=3) for _ in range(REPLICAS)),
        return_exceptions=True,
    )
    took = time.perf_counter() - started
    failed = sum(isinstance(r, BaseException) for r in results)
    appliers = sum(1 for r in results if not isinstance(r, BaseException) and r.applied)
    return took, failed, appliers


def bench_replicas(server: str, work: Path) -> None:
    """20 services booting at once on 9 migrations (1.6 s of work), lock_timeout 3 s."""
    folder = work / "replicas"
    folder.mkdir()
    for i in range(1, 10):
        sleep = "SELECT pg_sleep(0.2);\n" if i > 1 else ""
        (folder / f"{i:06d}_r{i}.tx.up.sql").write_text(f"CREATE TABLE r{i} (id int);\n{sleep}")
    db = create_database(server, prefix="bench_replicas")
    try:
        took, failed, appliers = asyncio.run(_replicas(database_url(server, db), folder))
        print(
            f"{REPLICAS} replicas migrate at once   {took:5.2f} s for 1.6 s of migrations, "
            f"{failed} failed, {appliers} applied the work"
        )
    finally:
        drop_database(server, db)


async def _copy_rows(url: str, rows: list[tuple[int, str, float]]) -> float:
    from trenova_db import Environment
    from trenova_db.seeding import SeedContext

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE copy_bench (id int, name text, amount float8)")
        started = time.perf_counter()
        async with conn.transaction():
            ctx = SeedContext(conn, Environment.TEST, seed_name="bench")
            await ctx.copy_rows("copy_bench", ["id", "name", "amount"], rows)
        return time.perf_counter() - started
    finally:
        await conn.close()


def bench_copy(server: str, work: Path) -> None:
    rows = [(i, f"row number {i}", i * 0.25) for i in range(100_000)]
    data = work / "rows.tsv"
    data.write_text("".join(f"{a}\t{b}\t{c}\n" for a, b, c in rows))
    db = create_database(server, prefix="bench_copy")
    try:
        url = database_url(server, db)
        psql = psql_binary()
        subprocess.run(
            [
                psql,
                "-X",
                "-q",
                "-d",
                url,
                "-c",
                "CREATE TABLE psql_copy (id int, name text, amount float8)",
            ],
            check=True,
            env=psql_env(),
        )
        t_psql = timed(
            lambda: subprocess.run(
                [psql, "-X", "-q", "-d", url, "-c", f"\\copy psql_copy FROM '{data}'"],
                check=True,
                env=psql_env(),
            )
        )
        t_ours = asyncio.run(_copy_rows(url, rows))
        print(
            f"copy 100,000 rows           psql \\copy: {t_psql:6.3f} s   "
            f"copy_rows: {t_ours:6.3f} s   ratio {t_ours / t_psql:4.2f}x"
        )
    finally:
        drop_database(server, db)


SEED = """from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext


class Sleep{n}Seed(BaseSeed):
    name = "Sleep{n}"
    version = "1.0.0"
    description = "sleeps {secs} s on the server"
    environments = (Environment.DEVELOPMENT, Environment.TEST)
    depends_on = ()

    async def run(self, ctx: SeedContext) -> None:
        await ctx.conn.execute("SELECT pg_sleep({secs})")
"""


def bench_parallel_seeds(server: str, work: Path) -> None:
    seeds = work / "seeds"
    (seeds / "base").mkdir(parents=True)
    durations = [0.4, 0.5, 0.6, 0.8]
    for n, secs in enumerate(durations):
        (seeds / "base" / f"{n:02d}_sleep_{n}.py").write_text(SEED.format(n=n, secs=secs))
    sync = cli("seed-sync", "--seeds-dir", str(seeds))
    if sync.returncode != 0:
        raise SystemExit(f"seed-sync failed: {sync.stderr}")
    figures = {}
    for parallel in (1, 4):
        db = create_database(server, prefix="bench_seed")
        try:
            url = database_url(server, db)
            args = [
                "--database-url",
                url,
                "--seeds-dir",
                str(seeds),
                "--migrations-dir",
                str(work / "empty"),
            ]
            (work / "empty").mkdir(exist_ok=True)
            started = time.perf_counter()
            done = cli("seed", "--parallel", str(parallel), *args)
            figures[parallel] = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"seed failed: {done.stderr}")
        finally:
            drop_database(server, db)
    print(
        f"4 seeds ({'+'.join(map(str, durations))} s)  sequential: {figures[1]:.2f} s   "
        f"--parallel 4: {figures[4]:.2f} s   (slowest alone {max(durations)} s, "
        f"sum {sum(durations):.1f} s)"
    )


FLEET_DATABASES = 100
FLEET_MIGRATIONS = 50


async def _make_databases(server: str, names: list[str], template: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{template}"')
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()


async def _drop_databases(server: str, names: list[str]) -> None:
    limit = asyncio.Semaphore(20)

    async def drop(name: str) -> None:
        async with limit:
            conn = await asyncpg.connect(server)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

    await asyncio.gather(*(drop(n) for n in names))


def _run_measured(cmd: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MiB, stderr) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=psql_env()
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {err[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024, err


def bench_fleet(server: str, work: Path) -> None:
    import uuid

    folder = work / "fleet_sql"
    combined = work / "fleet_all.sql"
    combined.write_text(generate_migrations(folder, FLEET_MIGRATIONS))
    tag = uuid.uuid4().hex[:6]
    groups = {
        kind: [f"bfl{tag}_{kind}_{i:03d}" for i in range(FLEET_DATABASES)]
        for kind in ("fleet", "loop", "psql")
    }
    template = f"bfl{tag}_template"
    everything = [n for names in groups.values() for n in names] + [template]
    exe = Path(sys.executable).parent / "trenova-db"
    ours = [str(exe)] if exe.exists() else [sys.executable, "-m", "trenova_db"]
    psql = psql_binary()
    try:
        asyncio.run(_make_databases(server, [n for g in groups.values() for n in g], template))
        pattern = f"bfl{tag}\\_fleet\\_%"
        t_fleet, rss, _ = _run_measured(
            [
                *ours,
                "migrate",
                "--database-url",
                server,
                "--databases",
                pattern,
                "--concurrency",
                "8",
                "--migrations-dir",
                str(folder),
            ]
        )
        urls = work / "loop_urls.txt"
        urls.write_text("".join(database_url(server, n) + "\n" for n in groups["loop"]))
        loop = (
            f'set -e; while read -r u; do {shlex.join(ours)} migrate --database-url "$u" '
            f"--migrations-dir {shlex.quote(str(folder))} > /dev/null; "
            f"done < {shlex.quote(str(urls))}"
        )
        t_loop, _, _ = _run_measured(["bash", "-c", loop])
        psql_urls = work / "psql_urls.txt"
        psql_urls.write_text("".join(database_url(server, n) + "\n" for n in groups["psql"]))
        loop = (
            f"set -e; while read -r u; do {shlex.quote(psql)} -X -q -1 -v ON_ERROR_STOP=1 "
            f'-d "$u" -f {shlex.quote(str(combined))} > /dev/null; '
            f"done < {shlex.quote(str(psql_urls))}"
        )
        t_psql, _, _ = _run_measured(["bash", "-c", loop])
        print(
            f"fleet: {FLEET_DATABASES} databases x {FLEET_MIGRATIONS} migrations   "
            f"trenova-db migrate --databases --concurrency 8: {t_fleet:6.2f} s   "
            f"loop of {FLEET_DATABASES} trenova-db migrate: {t_loop:6.2f} s "
            f"({t_fleet / t_loop:4.2f}x)   loop of {FLEET_DATABASES} psql -1 -f: {t_psql:6.2f} s "
            f"({t_fleet / t_psql:4.2f}x)"
        )
        print(f"fleet: peak memory of the fleet process (migrate): {rss} MiB")
        status_cmd = [
            *ours,
            "status",
            "--database-url",
            server,
            "--databases",
            pattern,
            "--concurrency",
            "8",
            "--migrations-dir",
            str(folder),
        ]
        runs = [_run_measured(status_cmd) for _ in range(5)]
        times = [r[0] for r in runs]
        print(
            f"fleet: status over {FLEET_DATABASES} databases ({FLEET_MIGRATIONS} applied each, "
            f"CLI process) median {statistics.median(times):.3f} s  min {min(times):.3f} s  "
            f"peak memory {max(r[1] for r in runs)} MiB"
        )
    finally:
        asyncio.run(_drop_databases(server, everything))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--disk", action="store_true", help="embedded data dir on /tmp, not /dev/shm"
    )
    parser.add_argument(
        "--only", choices=["migrations", "start-up", "copy", "seeds", "fleet"], default=None
    )
    args = parser.parse_args()
    # Time the CLI as an installed tool runs: with bytecode cached. Under
    # PYTHONDONTWRITEBYTECODE (set on some CI machines) every call would
    # otherwise recompile the package, ~25 ms of every CLI figure.
    compileall.compile_dir(str(ROOT / "trenova_db"), quiet=1)

    root: Path | None = None
    server = os.environ.get("TRENOVA_BENCH_DATABASE_URL")
    if server:
        server = database_url(server, "postgres")
        print(f"server: {server.split('@')[-1]} (TRENOVA_BENCH_DATABASE_URL)")
    else:
        from trenova_db import embedded

        base = "/tmp" if args.disk or not Path("/dev/shm").is_dir() else "/dev/shm"
        root = Path(tempfile.mkdtemp(prefix="trenova-bench-", dir=base))
        root.chmod(0o755)
        status = embedded.ensure_running(root, database="postgres")
        assert status.dsn is not None
        server = status.dsn
        print(f"server: embedded PostgreSQL {status.server_version} with data on {base}")
    work = Path(tempfile.mkdtemp(prefix="trenova-bench-work-"))
    work.chmod(0o755)
    try:
        if args.only in (None, "migrations"):
            bench_migrations(server, work)
            bench_notx(server, work)
            bench_replicas(server, work)
        if args.only == "start-up":
            bench_start_up_only(server, work)
        if args.only in (None, "copy"):
            bench_copy(server, work)
        if args.only in (None, "seeds"):
            bench_parallel_seeds(server, work)
        if args.only in (None, "fleet"):
            bench_fleet(server, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if root is not None:
            from trenova_db import embedded

            embedded.stop(root)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
