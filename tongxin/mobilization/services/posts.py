"""Mobilization: the writes of the posts part (see services/__init__.py)."""
