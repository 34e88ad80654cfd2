"""Services: the bank's operations on a database ``Session``, one module per noun.

``bank`` (items, versions, item content, review, tags, history, diff, search, exposure,
enemies, sets), ``blueprints`` (blueprint documents and their review), ``forms`` (the pool,
assembly, frozen forms, gap reports), ``administrations`` (sittings, candidates, responses),
``committee`` (rule sets, decisions, cut scores and their fixing), ``cut_scores``
(standard setting on a sitting), ``results`` (scoring an administration,
releases, objections, annulments), ``item_analysis`` (the committee's analysis of a
sitting), ``item_statistics`` (that analysis stored per item version, and its drift) and
``calibrations`` (IRT fits stored, and each item version's current parameters).

Every function takes a ``Session`` first and leaves the commit to the caller (the CLI
command, dashboard page or test that opened the session).

May import: :mod:`itembank.storage`, the pure cores :mod:`itembank.scoring` and
:mod:`itembank.assembly`, :mod:`itembank.io` (for file-based imports), :mod:`analysis`.
Never the CLI or the dashboard.
"""
