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
    sys.exit(code)
