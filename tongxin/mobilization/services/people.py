"""Mobilization: the writes of the people part (see services/__init__.py)."""
