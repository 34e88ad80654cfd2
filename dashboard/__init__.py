"""The Dash dashboard: it calls :mod:`itembank` and :mod:`analysis` and holds no statistics
or scoring logic of its own (see :mod:`dashboard.app`).

``app`` wires layout and callbacks, ``views`` builds rows and figures from an analysis,
``text`` holds every word shown. May import: Dash, Plotly, :mod:`analysis` constants, the
services of :mod:`itembank.services`, :mod:`itembank.storage.db` (to open the bank) and
:mod:`itembank.display`; never the models or the scoring core's internals.
"""

from dashboard.app import create_app, serve

__all__ = ["create_app", "serve"]
