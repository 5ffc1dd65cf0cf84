"""The fleet options as a command declares them: no engine here, so that every
single-database run (a service's no-op migrate) can take them without loading
the fleet machinery (:mod:`trenova_db.cli.fleet`, :mod:`trenova_db.fleet`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FleetOptions", "asks_for_a_fleet"]


@dataclass(repr=False, eq=False)  # see CommonOptions: nothing compares or prints them
class FleetOptions:
    """Run on many databases at once (migrate, rollback, seed, setup, status).

    Attributes
    ----------
    databases
        Every database of the --database-url server whose name is LIKE this, e.g. 'tenant_%'.
    targets
        A file of database URLs, one a line ('#' comments); default: targets in [tool.trenova-db].
    concurrency
        At most N connections per server, N targets at once (default 4).
    canary
        Run the first K targets one at a time first; stop if any of them fails.
    continue_on_error
        Keep starting targets after one failed.
    """

    databases: str | None = None
    targets: Path | None = None
    concurrency: int | None = None
    canary: int | None = None
    continue_on_error: bool = False


def asks_for_a_fleet(fleet: FleetOptions | None) -> bool:
    """Any fleet option given on the command line (a pyproject ``targets`` list
    is the other way to ask; see ``cli.fleet.fleet_call``)."""
    return fleet is not None and (
        fleet.databases is not None
        or fleet.targets is not None
        or fleet.concurrency is not None
        or fleet.canary is not None
        or fleet.continue_on_error
    )
