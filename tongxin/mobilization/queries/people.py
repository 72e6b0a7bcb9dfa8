"""Mobilization: the reads of the people part."""
