"""trenova-db: numbered raw-SQL migrations and environment-aware seeds for PostgreSQL.

Library use (a service on boot)::

    import trenova_db
    report = await trenova_db.migrate(dsn, migrations_dir="sql")
"""

import logging as _logging

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

# A library adds no handler of its own (the application decides where records
# go); the null handler keeps Python's last-resort handler from printing our
# warnings on stderr when the application configured none.
_logging.getLogger("trenova_db").addHandler(_logging.NullHandler())

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
