"""Files in and out: item files, responses files, blueprint tables and scoring file mode.

``item_files`` (item versions as CSV/XLSX), ``response_files`` (a sitting's responses),
``blueprint_files`` (a blueprint as a constraint table) and ``scoring_files`` (file mode of
the scoring core: FORM, RESPONSES, DECISIONS, RESULTS).

Every reader checks the whole file first and reports every problem with file, row and
column (:class:`itembank.errors.InputFileError`); nothing is written when any row is wrong.

May import: :mod:`itembank.errors`, the pure cores, and services for imports that store what
they read. Never the CLI or the dashboard.
"""
