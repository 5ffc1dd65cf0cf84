"""Entry point: run the cyclopts app, map every error to its documented exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ..config import dsn_password
from ..errors import ConfigurationError, TrenovaDBError
from .common import parse_fast
from .output import Output

EXIT_USAGE = 2
_DEBUG_VARS = ("TRENOVA_DB_DEBUG", "BUNDEBUG")
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer


def _secret(args: list[str]) -> str | None:
    """The password of whichever URL is in play, so no output can show it."""
    for i, arg in enumerate(args):
        if arg == "--database-url" and i + 1 < len(args):
            return dsn_password(args[i + 1])
        if arg.startswith("--database-url="):
            return dsn_password(arg.split("=", 1)[1])
    for var in ("TRENOVA_DATABASE_URL", "DATABASE_URL"):
        if os.environ.get(var):
            return dsn_password(os.environ[var])
    return None


def _show_sql_on_stderr() -> None:
    """``TRENOVA_DB_DEBUG``/``BUNDEBUG``: the library logs each statement at DEBUG on
    ``trenova_db.sql``; the command line shows those records on stderr."""
    import logging

    sql = logging.getLogger("trenova_db.sql")
    if any(getattr(h, "trenova_cli", False) for h in sql.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[trenova-db] %(message)s"))
    handler.trenova_cli = True  # type: ignore[attr-defined]
    sql.addHandler(handler)
    sql.setLevel(logging.DEBUG)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``trenova-db`` with ``argv``; returns the exit code (tests call this in-process)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(os.environ.get(v, "") not in ("", "0", "false", "no") for v in _DEBUG_VARS):
        _show_sql_on_stderr()
    try:
        fast = parse_fast(args)
        if fast is not None:
            command, options = fast
            return command(options)
        return _full(args)
    except TrenovaDBError as exc:
        return Output(json="--json" in args, secret=_secret(args)).error(exc)
    except BrokenPipeError:
        # The reader went away (`trenova-db status | head`): stop quietly, as
        # git does, and keep Python from complaining while it flushes stdout.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        interrupted = TrenovaDBError(
            "interrupted",
            hint="whether the work in flight committed was not verified: "
            "`trenova-db status` shows what is applied (and any dirty non-.tx migration)",
        )
        interrupted.exit_code = 130
        return Output(json="--json" in args, secret=_secret(args)).error(interrupted)


def _full(args: list[str]) -> int:
    """Everything but the plain ``migrate``: the cyclopts app."""
    from cyclopts import CycloptsError

    from .app import app

    json_mode = "--json" in args
    try:
        result = app(
            args, exit_on_error=False, print_error=not json_mode, result_action="return_value"
        )
    except SystemExit as exc:
        if exc.code == 130:  # cyclopts turns Ctrl-C into exit 130, silently
            raise KeyboardInterrupt from None
        raise
    except CycloptsError as exc:
        if json_mode:
            usage = ConfigurationError(str(exc).strip(), hint="see `trenova-db --help`")
            return Output(json=True).error(usage)
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
