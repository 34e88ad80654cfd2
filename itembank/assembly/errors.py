"""Errors raised by exam assembly; all are :class:`~itembank.errors.UserError` subclasses.

The CLI prints their message (never a traceback), so each message names the constraint,
item or option it is about in the words a committee uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from itembank.errors import UserError, list_problems

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "AssemblyError",
    "AssemblyInputError",
    "InfeasibleAssemblyError",
    "VerificationError",
]


class AssemblyError(UserError):
    """Assembly could not produce a verified form (base class of all assembly errors)."""


class AssemblyInputError(AssemblyError):
    """The pool, blueprint or options are malformed; the message names item, column or row."""


class InfeasibleAssemblyError(AssemblyError):
    """No set of forms satisfies the blueprint and options.

    ``reasons`` holds the explanation in committee words, one sentence per finding;
    ``gap`` is the gap report (see :func:`itembank.assembly.gap_report`).
    """

    def __init__(self, reasons: list[str], gap: "pd.DataFrame | None" = None):
        self.reasons = list(reasons)
        self.gap = gap
        text = "No form can meet the blueprint with these options:\n" + "\n".join(
            f"- {r}" for r in self.reasons
        )
        super().__init__(text)


class VerificationError(AssemblyError):
    """The solver's answer failed the independent re-check; no form may be frozen from it.

    ``report`` is the full verification table (one row per check, column ``passed``); the
    message lists the failures as :func:`itembank.errors.list_problems` does.
    """

    def __init__(self, failures: list[str], report: "pd.DataFrame | None" = None):
        self.failures = list(failures)
        self.report = report
        # the product's one listing rule: the first MAX_LISTED failures, then "... and N more"
        text = "The assembled forms failed the independent check (nothing was frozen):\n" + "\n".join(
            f"- {line}" for line in list_problems(self.failures)
        )
        super().__init__(text)
