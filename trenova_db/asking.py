"""``-i/--interactive`` in the core: a question before each change, answered by the caller.

The core never prompts; the CLI passes an :data:`~trenova_db.reports.Ask`
that does (on a terminal). A "no" stops the run before that change, as a
:class:`~trenova_db.errors.Refused` listing what was done before it.
"""

from __future__ import annotations

from .errors import Refused
from .reports import Ask

__all__ = ["ask_or_stop"]


async def ask_or_stop(ask: Ask | None, question: str) -> None:
    """Nothing when there is no one to ask or the answer is yes; Refused on no."""
    if ask is not None and not await ask(question):
        raise Refused(
            f"stopped at the prompt: answered no to {question!r}",
            hint="what came before it was done and stays done; run the command again to go on",
        )
