"""itembank: a versioned item bank, the scoring core and the exam committee workflow."""

__version__ = "0.1.0"
