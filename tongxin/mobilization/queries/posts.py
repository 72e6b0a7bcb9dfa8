"""Mobilization: the reads of the posts part."""
