"""Exam assembly: blueprint-exact forms from the bank with a 0/1 linear programme (HiGHS).

What lives here: the pure assembly model. Pure computation on plain data: the pool is a
DataFrame (one row per approved item version, index ``item_version_id``), the blueprint a
list of :class:`BlueprintConstraint` rows (see :mod:`itembank.io.blueprint_files` for the
spreadsheet form), enemies a list of pairs of item codes and :class:`AssemblyOptions` the
rest. :func:`assemble` solves with ``scipy.optimize.milp`` and returns only forms that passed
:func:`verify`, an independent re-check of every constraint. The model follows van der Linden
(2005), *Linear Models for Optimal Test Design* (Springer); :mod:`~itembank.assembly.solve`
states its variables, constraints and objectives. Modules:

* :mod:`~itembank.assembly.blueprint` — constraint rows and the condition language;
* :mod:`~itembank.assembly.pool` — options, pool checks, eligibility, item information;
* :mod:`~itembank.assembly.solve` — the model and :func:`assemble`;
* :mod:`~itembank.assembly.verify` — the independent check;
* :mod:`~itembank.assembly.reports` — coverage, expected statistics, gap report,
  infeasibility explanation;
* :mod:`~itembank.assembly.errors` — :class:`AssemblyError` and its subclasses.

What it may import: numpy, pandas and scipy, and :mod:`itembank.errors` (the shared error
types and problem listing). Nothing from :mod:`itembank.storage`, :mod:`itembank.services`,
:mod:`itembank.io` or :mod:`itembank.cli`: no database, no files, no sessions. The services
(:mod:`itembank.services.forms`) load the pool from the bank, call :func:`assemble` and
freeze the forms; options are keyword-only (``assemble(pool, blueprint, enemies,
options=...)``).
"""

from itembank.assembly.blueprint import (
    CONSTRAINT_TYPES,
    BlueprintConstraint,
    Clause,
    Condition,
    blueprint_from_cells,
    parse_condition,
)
from itembank.assembly.errors import AssemblyError, AssemblyInputError, InfeasibleAssemblyError, VerificationError
from itembank.assembly.pool import DEVIATION_FLOOR, OBJECTIVES, POOL_COLUMNS, AssemblyOptions, item_information
from itembank.assembly.reports import (
    coverage_report,
    expected_alpha,
    expected_statistics,
    explain_infeasibility,
    gap_report,
    information_curve,
    items_needed,
)
from itembank.assembly.solve import AssemblyResult, assemble, order_form
from itembank.assembly.verify import verify

__all__ = [
    "CONSTRAINT_TYPES",
    "DEVIATION_FLOOR",
    "OBJECTIVES",
    "POOL_COLUMNS",
    "AssemblyError",
    "AssemblyInputError",
    "AssemblyOptions",
    "AssemblyResult",
    "BlueprintConstraint",
    "Clause",
    "Condition",
    "InfeasibleAssemblyError",
    "VerificationError",
    "assemble",
    "blueprint_from_cells",
    "coverage_report",
    "expected_alpha",
    "expected_statistics",
    "explain_infeasibility",
    "gap_report",
    "information_curve",
    "item_information",
    "items_needed",
    "order_form",
    "parse_condition",
    "verify",
]
