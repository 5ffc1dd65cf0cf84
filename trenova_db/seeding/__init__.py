"""What seed authors import: the base class and the context their ``run`` receives."""

from .base import BaseSeed
from .context import SeedContext

__all__ = ["BaseSeed", "SeedContext"]
