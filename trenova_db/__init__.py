"""trenova-db: numbered raw-SQL migrations and environment-aware seeds for PostgreSQL.

Library use (a service on boot)::

    import trenova_db
    report = await trenova_db.migrate(dsn, migrations_dir="sql")
"""

# Names load on first use (PEP 562): the CLI's Ctrl-C handling is in place
# before anything heavy is imported (see cli/launch.py), and
# `import trenova_db` alone stays cheap (not even `typing`: type checkers
# take any TYPE_CHECKING as true and see the imports below). A name added
# here goes in three places: the imports, __all__ and _EXPORTS. (The package
# logger's NullHandler is set in logs.py, which every module that logs
# imports: `logging` alone costs more than the rest of this file.)
from __future__ import annotations

import os as _os
import sys as _sys

try:
    import _signal  # signal's C core: built in, so no file to look up, and no enums
except ImportError:  # not CPython
    import signal as _signal


def _interrupted_outside_main(signum: int, frame: object) -> None:
    """The CLI's SIGINT handler before main() handles Ctrl-C, and after: exit 130."""
    try:
        _sys.stdout.flush()
    except (OSError, ValueError):
        pass
    if "--json" in _sys.argv:
        # stdout stays one JSON document, as for every other error
        doc = b'{"error":"TrenovaDBError","message":"interrupted","hint":null,"exit_code":130}\n'
        try:
            _os.write(1, doc)
        except OSError:
            pass
    try:
        _os.write(2, b"error: interrupted\n")
    except OSError:
        pass
    _os._exit(130)


def _hold_ctrl_c() -> None:
    _signal.signal(_signal.SIGINT, _interrupted_outside_main)


def _loaded() -> None:
    """The program has loaded what it runs on: collect garbage again from here.

    While the CLI imports asyncio, asyncpg and its own modules, the cyclic
    garbage collector finds nothing to free but runs dozens of times (every
    700 new objects): a fifth of a no-op command's time. So the program turns
    it off first thing (below) and on again here, once loading is over and
    before any work: what was loaded is frozen (never scanned again), and
    the work itself, however long, runs with the collector as usual. Only
    when the collector was off because the program turned it off: a library
    user's process, or a test calling main(), is left as it is.
    """
    import gc

    global _gc_held
    if _gc_held:
        _gc_held = False
        gc.freeze()
        gc.enable()


_gc_held = False


def _the_program_is_starting() -> bool:
    """Is this process the trenova-db program, still importing its way in?

    Its console script (argv[0] names it) or ``python -m trenova_db`` (argv[0]
    is "-m" while runpy imports the package): a library user's process, even
    one run with -m, is left alone.
    """
    argv = getattr(_sys, "argv", None) or [""]
    if argv[0] == "-m":
        orig = getattr(_sys, "orig_argv", [])
        return "-m" in orig and orig[orig.index("-m") + 1 :][:1] == ["trenova_db"]
    return argv[0].replace("\\", "/").rsplit("/", 1)[-1] in ("trenova-db", "trenova-db.exe")


if _the_program_is_starting():
    # Ctrl-C held off before anything else loads, even the module that holds
    # the CLI's entry point (finding a file takes milliseconds on a busy
    # machine); cli/launch.py and main() take it from here.
    _hold_ctrl_c()
    import gc as _gc  # built in

    _gc.disable()  # until _loaded(): see there
    _gc_held = True

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .api import (
        adopt,
        create,
        create_seed,
        dump,
        lint,
        make_settings,
        migrate,
        repair,
        reset,
        rollback,
        seed,
        seed_check,
        seed_clean,
        seed_rollback,
        seed_sync,
        setup,
        status,
        wait,
    )
    from .config import Environment, Settings
    from .errors import (
        ConfigurationError,
        DatabaseUnavailable,
        DiscoveryError,
        ForeignHistory,
        HistoryMismatch,
        LockTimeout,
        MigrationFailed,
        QueryFailed,
        Refused,
        SeedFailed,
        SeedGraphError,
        StaleRegistry,
        TrenovaDBError,
        ValidationError,
    )
    from .fleet import (
        FleetReport,
        FleetSummary,
        LastRun,
        TargetReport,
        migrate_many,
        rollback_many,
        seed_many,
        setup_many,
        status_many,
    )
    from .reports import (
        AdoptItem,
        AdoptReport,
        DumpReport,
        LintFinding,
        LintReport,
        MigrateReport,
        MigrationItem,
        Progress,
        RepairReport,
        ResetReport,
        RollbackReport,
        SeedItem,
        SeedReport,
        SetupReport,
        StatusReport,
        WaitReport,
    )

__version__ = "0.1.0"

__all__ = [
    "AdoptItem",
    "AdoptReport",
    "ConfigurationError",
    "DatabaseUnavailable",
    "DiscoveryError",
    "DumpReport",
    "Environment",
    "FleetReport",
    "FleetSummary",
    "ForeignHistory",
    "HistoryMismatch",
    "LastRun",
    "LintFinding",
    "LintReport",
    "LockTimeout",
    "MigrateReport",
    "MigrationFailed",
    "MigrationItem",
    "Progress",
    "QueryFailed",
    "Refused",
    "RepairReport",
    "ResetReport",
    "RollbackReport",
    "SeedFailed",
    "SeedGraphError",
    "SeedItem",
    "SeedReport",
    "Settings",
    "SetupReport",
    "StaleRegistry",
    "StatusReport",
    "TargetReport",
    "TrenovaDBError",
    "ValidationError",
    "WaitReport",
    "__version__",
    "adopt",
    "create",
    "create_seed",
    "dump",
    "lint",
    "make_settings",
    "migrate",
    "migrate_many",
    "repair",
    "reset",
    "rollback",
    "rollback_many",
    "seed",
    "seed_check",
    "seed_clean",
    "seed_many",
    "seed_rollback",
    "seed_sync",
    "setup",
    "setup_many",
    "status",
    "status_many",
    "wait",
]

_EXPORTS = {
    "adopt": "api",
    "create": "api",
    "create_seed": "api",
    "dump": "api",
    "lint": "api",
    "make_settings": "api",
    "migrate": "api",
    "repair": "api",
    "reset": "api",
    "rollback": "api",
    "seed": "api",
    "seed_check": "api",
    "seed_clean": "api",
    "seed_rollback": "api",
    "seed_sync": "api",
    "setup": "api",
    "status": "api",
    "wait": "api",
    "Environment": "config",
    "Settings": "config",
    "ConfigurationError": "errors",
    "DatabaseUnavailable": "errors",
    "DiscoveryError": "errors",
    "ForeignHistory": "errors",
    "HistoryMismatch": "errors",
    "LockTimeout": "errors",
    "MigrationFailed": "errors",
    "QueryFailed": "errors",
    "Refused": "errors",
    "SeedFailed": "errors",
    "SeedGraphError": "errors",
    "StaleRegistry": "errors",
    "TrenovaDBError": "errors",
    "ValidationError": "errors",
    "FleetReport": "fleet",
    "FleetSummary": "fleet",
    "LastRun": "fleet",
    "TargetReport": "fleet",
    "migrate_many": "fleet",
    "rollback_many": "fleet",
    "seed_many": "fleet",
    "setup_many": "fleet",
    "status_many": "fleet",
    "AdoptItem": "reports",
    "AdoptReport": "reports",
    "DumpReport": "reports",
    "LintFinding": "reports",
    "LintReport": "reports",
    "MigrateReport": "reports",
    "MigrationItem": "reports",
    "Progress": "reports",
    "RepairReport": "reports",
    "ResetReport": "reports",
    "RollbackReport": "reports",
    "SeedItem": "reports",
    "SeedReport": "reports",
    "SetupReport": "reports",
    "StatusReport": "reports",
    "WaitReport": "reports",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
