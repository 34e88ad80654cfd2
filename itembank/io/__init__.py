"""Files in and out: item files, responses files, blueprint tables and scoring file mode.

``tables`` is the one reader and writer of every file here: CSV (UTF-8 with or without BOM,
or UTF-16 with BOM; comma or semicolon) and XLSX in, one atomic writer out, one file policy (a
file is named by its name), declared columns (:class:`~itembank.io.tables.Column`).
``numbers`` is the one rule for numbers a user types (decimal comma or point, no thousands
separator) and holds their plausible ranges (:data:`~itembank.io.numbers.LIMITS`).

``item_files`` (item versions as CSV/XLSX), ``response_files`` (a sitting's responses, in the
wide, long, positions and string layouts), ``blueprint_files`` (a blueprint as a constraint
table), ``scoring_files`` (file mode of the scoring core: FORM, RESPONSES, DECISIONS,
RESULTS), ``ratings_files`` (the judges' Angoff/Nedelsky ratings for standard setting) and
``qti`` (IMS QTI 3.0 / 2.1 content packages out and in; XML, not tables).

Every reader checks the whole file first and reports every problem with file, row and
column (:class:`itembank.errors.InputFileError`); nothing is written when any row is wrong.

May import: :mod:`itembank.errors`, the pure cores, and services for imports that store what
they read. Never the CLI or the dashboard.
"""
