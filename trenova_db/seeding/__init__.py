"""What seed authors import: the base class and the context their ``run`` receives.

Both load on first use (PEP 562): ``status`` reads the seed folder through
this package's other modules and never needs the context, its helpers or
bcrypt.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .base import BaseSeed
    from .context import SeedContext

__all__ = ["BaseSeed", "SeedContext"]


def __getattr__(name: str) -> object:
    if name == "BaseSeed":
        from .base import BaseSeed

        return BaseSeed
    if name == "SeedContext":
        from .context import SeedContext

        return SeedContext
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
