"""The program's entry point: Ctrl-C is handled before anything heavy loads.

Python turns SIGINT into KeyboardInterrupt wherever the program is. In the
first tenth of a second that is inside an import, and the console script's
own ``from ... import`` sits outside any handler of ours: a traceback. So
the package's __init__ installs the handler first thing when the process is
the program (built-in modules only: ``_signal``, signal's C core without its
enums); until main() is ready to handle KeyboardInterrupt, and again once it
has returned, Ctrl-C ends the program at once with exit 130 and one line.
"""

from __future__ import annotations

import os
import sys

# Defined in the package's __init__, which installs it when the process is the
# program before anything else loads (this module included).
from .. import _hold_ctrl_c as hold_ctrl_c
from .. import _interrupted_outside_main as interrupted_outside_main

__all__ = ["hold_ctrl_c", "interrupted_outside_main", "run"]


def run() -> None:
    """The ``trenova-db`` console script and ``python -m trenova_db``."""
    hold_ctrl_c()
    try:
        from .main import main  # the heavy imports: asyncpg, msgspec, ...

        code = main()
    except KeyboardInterrupt:  # a second Ctrl-C while main() reported the first
        code = 130
    hold_ctrl_c()
    if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT_COMMANDS:
        quick_exit(code)
    sys.exit(code)


# Commands that run no code of the user's (no seed module is imported), so
# nothing of theirs can be waiting for the interpreter's teardown.
QUICK_EXIT_COMMANDS = frozenset({"migrate", "status"})


def quick_exit(code: int) -> None:
    """Exit without the interpreter's teardown, once what it does that matters is done.

    Python's exit frees every object of every loaded module, one by one:
    15-25 ms after a no-op ``migrate`` whose own work takes less, paid by
    every service boot and CI step. What that teardown does that anyone can
    observe is done here first, in the same order: other (non-daemon)
    threads finished (else the usual exit, which waits for them), the atexit
    functions run (logging's flush among them), stdout and stderr flushed.
    What is skipped is freeing memory the kernel takes back anyway.
    """
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    import atexit

    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_functions is None:  # not CPython: the usual exit
        sys.exit(code)
    run_exit_functions()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            code = code or 141  # the reader went away: as main() reports it
        except (OSError, ValueError):
            pass
    os._exit(code)
