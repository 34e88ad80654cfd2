"""Pure psychometric computations on pandas/numpy data: no database, no UI."""
