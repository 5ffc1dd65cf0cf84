"""The score of each module after `make mutation` (mutmut 3's results in mutants/).

`-v` lists the mutants not killed (`mutmut show NAME` shows one).

score = killed / (mutants - equivalent): a mutant listed in
tests/unit/equivalent_mutants.toml, with the reason no test can tell it from the
original, does not count; a mutant no unit test reaches ("no test") counts as
survived. Exit 1 when a module is under 90% or was not fully run, or when a
listed mutant no longer exists (mutmut numbers mutants per function: after a
change to one, look at its entries again), or a test kills it.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tests" / "unit" / "equivalent_mutants.toml"
THRESHOLD = 0.90

# mutmut's exit codes (mutmut.stats.status_by_exit_code): a timeout or a crash is a kill
KILLED = {1, 3, 36, 37, 24, -24, 152, 255, -11, -9}
NO_TEST = {5, 33}


class Meta(msgspec.Struct):
    exit_code_by_key: dict[str, int | None]


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    equivalent: dict[str, str] = {}
    if EQUIVALENT.exists():
        equivalent = tomllib.loads(EQUIVALENT.read_text("utf-8")).get("equivalent", {})
    verbose = "-v" in sys.argv[1:]
    failed = False
    seen: set[str] = set()
    killed_listed: list[str] = []
    print(
        f"{'module':<22} {'killed':>9} {'survived':>8} {'no test':>7} {'unrun':>5} "
        f"{'equiv':>5} {'score':>6}"
    )
    for path in config["only_mutate"]:
        meta_path = ROOT / "mutants" / f"{path}.meta"
        if not meta_path.exists():
            print(f"{path.removeprefix('trenova_db/'):<22} not run")
            failed = True
            continue
        results = msgspec.json.decode(meta_path.read_bytes(), type=Meta).exit_code_by_key
        seen.update(k for k in results if k in equivalent)
        killed_listed.extend(k for k, c in results.items() if k in equivalent and c in KILLED)
        counted = {k: c for k, c in results.items() if k not in equivalent}
        killed = sum(1 for c in counted.values() if c in KILLED)
        unrun = [k for k, c in counted.items() if c is None]
        no_test = [k for k, c in counted.items() if c in NO_TEST]
        survived = [k for k, c in counted.items() if k not in unrun + no_test and c not in KILLED]
        equiv = len(results) - len(counted)
        score = killed / len(counted) if counted else 1.0
        failed |= score < THRESHOLD or bool(unrun)
        print(
            f"{path.removeprefix('trenova_db/'):<22} {killed:>4}/{len(counted):<4} "
            f"{len(survived):>8} {len(no_test):>7} {len(unrun):>5} {equiv:>5} {score:>6.1%}"
        )
        for name in (survived + no_test) if verbose else []:
            print(f"    {name}")
    stale = sorted(set(equivalent) - seen) + killed_listed
    for name in sorted(set(equivalent) - seen):
        print(f"listed as equivalent but no longer a mutant: {name}")
    for name in killed_listed:
        print(f"listed as equivalent but a test kills it (take it off the list): {name}")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
