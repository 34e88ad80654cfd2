"""The Dash dashboard for item writers, committee members and secretaries."""
