"""The Dash dashboard: it calls :mod:`itembank` and :mod:`analysis` and holds no statistics
or scoring logic of its own (see :mod:`dashboard.app`)."""

from dashboard.app import create_app, serve

__all__ = ["create_app", "serve"]
