"""The class every seed subclasses.

A seed file ``seeds/<base|development|test>/NN_name.py`` holds exactly one
subclass. The registry scanner reads these class attributes with ``ast`` (it
never imports seed files), so they must be literals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..config import Environment

if TYPE_CHECKING:
    from .context import SeedContext

__all__ = ["BaseSeed"]


class BaseSeed:
    """Subclass, set the class attributes, implement ``run``.

    ``run`` gets a :class:`SeedContext` whose ``conn`` is inside the seed's own
    transaction: the data and the ``seed_history`` row commit together or not
    at all. Seeds must be idempotent (upserts), so ``--force`` is always safe.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1.0.0"
    description: ClassVar[str] = ""
    environments: ClassVar[tuple[Environment, ...]] = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    depends_on: ClassVar[tuple[str, ...]] = ()

    async def run(self, ctx: SeedContext) -> None:
        raise NotImplementedError(f"seed {self.name or type(self).__name__} does not define run()")

    async def rollback(self, ctx: SeedContext) -> None:
        """Undo what ``run`` did. Optional: seeds without it cannot be rolled back."""
        raise NotImplementedError

    @classmethod
    def has_rollback(cls) -> bool:
        return cls.rollback is not BaseSeed.rollback
