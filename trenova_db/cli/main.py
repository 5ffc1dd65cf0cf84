"""Entry point: run the cyclopts app, map every error to its documented exit code."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence

from ..config import dsn_password
from ..errors import ConfigurationError, TrenovaDBError
from .common import parse_fast
from .launch import interrupted_outside_main
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


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time of the record, so a command
    run in-process (tests, a REPL) never writes to a stream that has since closed."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def _sql_on_stderr(enabled: bool) -> Iterator[None]:
    """``TRENOVA_DB_DEBUG``/``BUNDEBUG``: the library logs each statement at DEBUG on
    ``trenova_db.sql``; for the length of one command, the CLI shows them on stderr."""
    if not enabled:
        yield
        return
    sql = logging.getLogger("trenova_db.sql")
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("[trenova-db] %(message)s"))
    level = sql.level
    sql.addHandler(handler)
    sql.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        sql.removeHandler(handler)
        sql.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``trenova-db`` with ``argv``; returns the exit code (tests call this in-process)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = any(os.environ.get(v, "") not in ("", "0", "false", "no") for v in _DEBUG_VARS)
    with _sql_on_stderr(debug):
        return _main(args)


def _main(args: list[str]) -> int:
    try:
        if signal.getsignal(signal.SIGINT) is interrupted_outside_main:
            # launch.run() held Ctrl-C off during start-up: from here on it
            # is a KeyboardInterrupt, which the work below cleans up after.
            signal.signal(signal.SIGINT, signal.default_int_handler)
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
    """Kept for callers of the old entry point; see launch.run()."""
    from .launch import run as launch

    launch()
