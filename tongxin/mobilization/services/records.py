"""Mobilization: the writes of the records part (see services/__init__.py)."""
