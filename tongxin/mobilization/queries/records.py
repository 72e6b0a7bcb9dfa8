"""Mobilization: the reads of the records part."""
