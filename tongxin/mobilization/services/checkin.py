"""Mobilization: the writes of the checkin part (see services/__init__.py)."""
