"""The score of each module after `make mutation` (mutmut 3's results in mutants/).

`-v` lists the mutants not killed (`mutmut show NAME` shows one).

killed / (mutants - equivalent): a mutant listed in tests/unit/equivalent_mutants.toml,
with the reason no test can tell it from the original, does not count. Exit 1 when a
module is under 90%, or when the listed mutant no longer exists (mutmut numbers
mutants per function: after a change to it, look at the list again).
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
SURVIVED = {0}


class Meta(msgspec.Struct):
    exit_code_by_key: dict[str, int | None]


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    equivalent: dict[str, str] = {}
    if EQUIVALENT.exists():
        equivalent = tomllib.loads(EQUIVALENT.read_text("utf-8"))["equivalent"]
    failed = False
    seen: set[str] = set()
    verbose = "-v" in sys.argv[1:]
    print(f"{'module':<28} {'killed':>7} {'survived':>8} {'no test':>7} {'equiv':>5} {'score':>6}")
    for path in config["only_mutate"]:
        meta_path = ROOT / "mutants" / f"{path}.meta"
        if not meta_path.exists():
            print(f"{path:<28} not run")
            continue
        results = msgspec.json.decode(meta_path.read_bytes(), type=Meta).exit_code_by_key
        killed = sum(1 for c in results.values() if c in KILLED)
        equiv = [k for k, c in results.items() if k in equivalent and c not in KILLED]
        seen.update(k for k in results if k in equivalent)
        survivors = [k for k, c in results.items() if c in SURVIVED and k not in equivalent]
        other = [
            k for k, c in results.items() if c not in KILLED | SURVIVED and k not in equivalent
        ]
        counted = len(results) - len(equiv)
        score = killed / counted if counted else 1.0
        failed |= score < THRESHOLD
        print(
            f"{path.removeprefix('trenova_db/'):<28} {killed:>3}/{counted:<3} {len(survivors):>8}"
            f" {len(other):>7} {len(equiv):>5} {score:>6.1%}"
        )
        for name in (survivors + other) if verbose else []:
            print(f"    {name}")
    stale = sorted(set(equivalent) - seen)
    for name in stale:
        print(f"listed as equivalent but no longer a mutant: {name}")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
