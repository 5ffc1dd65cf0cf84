"""The program's entry point: Ctrl-C is handled before anything heavy loads.

Python turns SIGINT into KeyboardInterrupt wherever the program is. In the
first tenth of a second that is inside an import, and the console script's
own ``from ... import`` sits outside any handler of ours: a traceback. So
this module imports nothing heavy (not even ``signal``, whose enums cost
~20 ms; its C core ``_signal`` has the same functions); until main() is ready
to handle KeyboardInterrupt, and again once it has returned, Ctrl-C ends the
program at once with exit 130 and one line.
"""

from __future__ import annotations

import os
import sys

try:
    import _signal as signal
except ImportError:  # not CPython
    import signal

TYPE_CHECKING = False  # typing itself costs ~10 ms; type checkers take this as true
if TYPE_CHECKING:
    from types import FrameType

__all__ = ["interrupted_outside_main", "run"]


def interrupted_outside_main(signum: int, frame: FrameType | None) -> None:
    """SIGINT before main() handles it, or after: nothing is running."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    if "--json" in sys.argv:
        # stdout stays one JSON document, as for every other error
        doc = b'{"error":"TrenovaDBError","message":"interrupted","hint":null,"exit_code":130}\n'
        try:
            os.write(1, doc)
        except OSError:
            pass
    try:
        os.write(2, b"error: interrupted\n")
    except OSError:
        pass
    os._exit(130)


def run() -> None:
    """The ``trenova-db`` console script and ``python -m trenova_db``."""
    signal.signal(signal.SIGINT, interrupted_outside_main)
    try:
        from .main import main  # the heavy imports: asyncpg, msgspec, ...

        code = main()
    except KeyboardInterrupt:  # a second Ctrl-C while main() reported the first
        code = 130
    signal.signal(signal.SIGINT, interrupted_outside_main)
    sys.exit(code)
