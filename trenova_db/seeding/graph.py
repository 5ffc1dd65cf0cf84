"""The dependency graph: which seeds run where, and in what order (pure functions).

Kept apart from the runner so that ``seed-sync`` and ``seed-check`` can report
an unsatisfiable dependency graph (a cycle, an unknown name, a dependency that
does not run in an environment where its dependent does) long before anyone
runs ``seed`` against a database.
"""

from __future__ import annotations

import heapq

from ..config import Environment
from ..errors import SeedGraphError
from .model import FOLDER_ENVIRONMENTS, FOLDERS, Registry, RegistryEntry, seed_rank

# FOLDERS, FOLDER_ENVIRONMENTS and seed_rank live in .model; still importable here.
__all__ = [
    "FOLDERS",
    "FOLDER_ENVIRONMENTS",
    "graph_problems",
    "order_seeds",
    "seed_rank",
    "select_seeds",
]


def select_seeds(registry: Registry, environment: Environment) -> list[RegistryEntry]:
    """The seeds of ``environment``: by folder, and only where the seed lists it."""
    return [
        e
        for e in registry.seeds
        if environment in FOLDER_ENVIRONMENTS[e.folder] and environment.value in e.environments
    ]


def order_seeds(selected: list[RegistryEntry], registry: Registry) -> list[RegistryEntry]:
    """Dependencies first, then folder rank, numeric prefix, name (Kahn + heap).

    Raises SeedGraphError naming every unknown or unavailable dependency, or
    the seeds of a cycle.
    """
    by_name = {e.name: e for e in selected}
    known = {e.name for e in registry.seeds}
    problems: list[str] = []
    for e in selected:
        for dep in e.depends_on:
            if dep not in known:
                problems.append(f"{e.name} ({e.path}) depends on unknown seed {dep!r}")
            elif dep not in by_name:
                problems.append(
                    f"{e.name} ({e.path}) depends on {dep!r}, which does not run in this "
                    "environment"
                )
    if problems:
        raise SeedGraphError(
            "seed dependencies cannot be satisfied",
            problems=problems,
            hint="fix the depends_on names, or list the environment in the dependency's "
            "environments (and folder), then run `trenova-db seed-sync`",
        )
    waiting = {e.name: set(e.depends_on) for e in selected}
    dependents: dict[str, list[str]] = {}
    for e in selected:
        for dep in e.depends_on:
            dependents.setdefault(dep, []).append(e.name)
    ready = [(seed_rank(by_name[n]), n) for n, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    ordered: list[RegistryEntry] = []
    while ready:
        _, name = heapq.heappop(ready)
        ordered.append(by_name[name])
        for child in dependents.get(name, []):
            waiting[child].discard(name)
            if not waiting[child]:
                heapq.heappush(ready, (seed_rank(by_name[child]), child))
    if len(ordered) != len(selected):
        stuck = sorted(n for n, deps in waiting.items() if deps)
        raise SeedGraphError(
            "seed dependencies form a cycle: " + " -> ".join(_cycle(stuck, waiting)),
            problems=[f"{n} waits for {', '.join(sorted(waiting[n]))}" for n in stuck],
            hint="remove one of the depends_on entries to break the cycle",
        )
    return ordered


def _cycle(stuck: list[str], waiting: dict[str, set[str]]) -> list[str]:
    path = [stuck[0]]
    while True:
        nxt = sorted(waiting[path[-1]])[0]
        if nxt in path:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)


def graph_problems(registry: Registry) -> list[str]:
    """Every dependency problem in any environment, each reported once."""
    found: list[str] = []
    for environment in Environment:
        try:
            order_seeds(select_seeds(registry, environment), registry)
        except SeedGraphError as exc:
            # A cycle is one line naming its seeds; unsatisfied dependencies are
            # one line each, and "this environment" has to say which one.
            lines = [exc.summary] if "cycle" in exc.summary else list(exc.problems)
            for line in lines:
                line = line.replace("this environment", environment.value)
                if line not in found:
                    found.append(line)
    return found
