"""The fixed sets of values a command-line argument may take, as typer choices.

A typo (``blueprint status ... aproved``) then gets click's usage error listing the valid
values, exit code 2, before anything is opened. The values are defined elsewhere; they are
written out here because the defining modules are heavy (``ReviewStatus`` lives with the
SQLAlchemy models, ``OBJECTIVES`` in the assembly package that loads pandas and SciPy) and
``itembank --help`` must start without them. ``tests/itembank/test_cli_errors.py`` checks
that every list here equals its source.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["ReviewStatusChoice", "TableFormat", "ResultsFormat", "ObjectiveChoice", "ResponseLayout", "QtiVersion",
           "IrtModelChoice", "IrtEngineChoice", "IrtSeChoice", "LinkingChoice"]


class ReviewStatusChoice(str, Enum):
    """= :class:`itembank.storage.models.ReviewStatus`."""

    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    retired = "retired"


class TableFormat(str, Enum):
    """Output of the commands that print a table: ``itembank analyze``, ``itembank dif``."""

    table = "table"
    csv = "csv"
    json = "json"


class ResultsFormat(str, Enum):
    """Output of ``itembank results``."""

    csv = "csv"
    json = "json"


class ObjectiveChoice(str, Enum):
    """= :data:`itembank.assembly.pool.OBJECTIVES` (the assembly objectives)."""

    max_information = "max_information"
    target_information = "target_information"
    match_reference = "match_reference"
    spread_exposure = "spread_exposure"
    feasible = "feasible"


class ResponseLayout(str, Enum):
    """= :data:`itembank.io.response_files.LAYOUTS` (layouts of a responses file)."""

    wide = "wide"
    long = "long"
    positions = "positions"
    string = "string"


class QtiVersion(str, Enum):
    """= :data:`itembank.io.qti.VERSIONS` (QTI versions ``itembank qti export`` writes)."""

    v3_0 = "3.0"
    v2_1 = "2.1"


class IrtModelChoice(str, Enum):
    """= :data:`analysis.irt.MODELS` (``itembank calibrate --model``)."""

    rasch = "rasch"
    onepl = "1pl"
    twopl = "2pl"
    threepl = "3pl"
    grm = "grm"
    pcm = "pcm"


class IrtEngineChoice(str, Enum):
    """= :data:`itembank.services.calibrations.ENGINES`."""

    em = "em"
    girth = "girth"


class IrtSeChoice(str, Enum):
    """= :data:`itembank.services.calibrations.SE_METHODS` (``analysis.irt.fit(se=...)``)."""

    observed = "observed"
    crossprod = "crossprod"
    none = "none"


class LinkingChoice(str, Enum):
    """= :data:`itembank.services.calibrations.LINKING_METHODS` (``decide cut --linking``)."""

    stocking_lord = "stocking_lord"
    mean_sigma = "mean_sigma"
    mean_mean = "mean_mean"
