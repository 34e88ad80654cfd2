"""The committee's reports: the administration report (toetsrapport) and the evaluation of a
specification over a period, as HTML and PDF from one set of Jinja2 templates.

* :func:`administration_report` — one sitting: ``itembank report ADMIN --out report.html|.pdf``;
* :func:`evaluation_report` — the sittings of a specification over a period:
  ``itembank report evaluation SPEC --from DATE --to DATE --out …``.

The numbers come from the services the dashboard and the command line use; this package only
arranges them (see :mod:`itembank.reports.administration`). Importing it is cheap: the heavy
modules load when a report is made.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from itembank.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["FORMATS", "administration_report", "check_output", "evaluation_report"]

#: The output formats, by file suffix.
FORMATS = (".html", ".pdf")


def check_output(out: str | Path) -> Path:
    """``out`` as a report target: a .html or .pdf file in a folder that exists."""
    target = Path(out)
    if target.suffix.lower() not in FORMATS:
        raise UserError(f"{target.name}: a report is written as .html or .pdf, got '{target.suffix or 'no suffix'}'")
    if not target.parent.is_dir():
        raise UserError(f"{target}: the folder {target.parent} does not exist")
    if target.is_dir():
        raise UserError(f"{target}: is a folder; name the report file")
    return target


def administration_report(session: Session, administration: str, out: str | Path) -> Path:
    """Write the administration report of ``administration`` to ``out`` (.html or .pdf)."""
    from itembank.reports.administration import build_administration_report
    from itembank.reports.render import write_report

    target = check_output(out)
    return write_report("administration.html", build_administration_report(session, administration), target)


def evaluation_report(session: Session, specification: str, start: date, end: date, out: str | Path) -> Path:
    """Write the evaluation of ``specification`` over the sittings from ``start`` to ``end``
    (inclusive) to ``out`` (.html or .pdf)."""
    from itembank.reports.evaluation import build_evaluation_report
    from itembank.reports.render import write_report

    target = check_output(out)
    return write_report("evaluation.html", build_evaluation_report(session, specification, start, end), target)
