"""trenova-db: numbered raw-SQL migrations and environment-aware seeds for PostgreSQL.

Library use (a service on boot)::

    import trenova_db
    report = await trenova_db.migrate(dsn, migrations_dir="sql")
"""

from .api import (
    create,
    create_seed,
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
)
from .config import Environment, Settings
from .errors import (
    ConfigurationError,
    DatabaseUnavailable,
    DiscoveryError,
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
from .reports import (
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
)

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "DatabaseUnavailable",
    "DiscoveryError",
    "Environment",
    "HistoryMismatch",
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
    "TrenovaDBError",
    "ValidationError",
    "__version__",
    "create",
    "create_seed",
    "make_settings",
    "migrate",
    "repair",
    "reset",
    "rollback",
    "seed",
    "seed_check",
    "seed_clean",
    "seed_rollback",
    "seed_sync",
    "setup",
    "status",
]
