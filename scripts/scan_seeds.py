"""Regenerate seeds/registry.json from the seed files (same code as `trenova-db seed-sync`).

Usage: python scripts/scan_seeds.py [SEEDS_DIR]

Without SEEDS_DIR: the seeds folder the CLI would use (--seeds-dir's
TRENOVA_SEEDS_DIR, then [tool.trenova-db] seeds-dir, then seeds/).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trenova_db.config import resolve_settings  # noqa: E402
from trenova_db.errors import TrenovaDBError  # noqa: E402
from trenova_db.seeding.registry import sync_registry  # noqa: E402


def main(argv: list[str]) -> int:
    try:
        seeds_dir = Path(argv[1]) if len(argv) > 1 else resolve_settings({}, cwd=ROOT).seeds_dir
        report = sync_registry(seeds_dir)
    except TrenovaDBError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    d = report.diff
    if report.changed:
        print(
            f"{report.path}: updated (+{len(d.added)} -{len(d.removed)} ~{len(d.changed)}; "
            f"{report.seeds} seeds)"
        )
    else:
        print(f"{report.path}: unchanged ({report.seeds} seeds)")
    for problem in report.problems:
        print(f"seed dependency problem: {problem}", file=sys.stderr)
    return 4 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
