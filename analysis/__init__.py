"""Pure psychometric statistics on pandas/numpy data: no database, no UI, no files.

What lives here (one module per concept, each with ``__all__``):

* :mod:`analysis.ctt` -- classical item statistics (p, Rit, Rir, alpha if deleted) and the
  score distribution; re-exports ``reliability`` and ``distractors``;
* :mod:`analysis.reliability` -- Cronbach's alpha (KR-20), Guttman's lambda-2, odd-even
  split half, SEM;
* :mod:`analysis.distractors` -- the option table per item (score groups, Rar);
* :mod:`analysis.flags` -- the committee's warnings, their thresholds and their sentences;
* :mod:`analysis.decimals` -- how a number is written for a reader (decimals per statistic,
  half-up rounding, a value against its limit), for the flag sentences and
  :mod:`itembank.display`;
* :mod:`analysis.irt` (engine in ``_irt_em``) -- Rasch/1PL/2PL/3PL/GRM/PCM calibration;
* :mod:`analysis.dif` -- Mantel-Haenszel and logistic-regression DIF;
* :mod:`analysis.standard_setting` -- cut-score methods; :mod:`analysis.equating`;
* ``_matrix`` -- private helpers shared by ctt, distractors and reliability (checking the
  scored matrix, totals, covariances, per-item numbers such as weights).

Functions take the scored matrix (candidates x items, ``NaN`` = not presented) or other
plain DataFrames/Series and return DataFrames or frozen dataclasses; options are
keyword-only; bad input raises ``ValueError`` naming the item, candidate or column.

What it may import: numpy, pandas, scipy, girth, and the pure scoring core
:mod:`itembank.scoring` (``standard_setting`` uses it for the chance score, so the cut the
committee sees and the cut the scoring core applies come from one function). Never
``itembank.storage``, ``itembank.services``, ``itembank.io``, ``itembank.cli`` or
``dashboard``: those call analysis, not the other way round.
"""
