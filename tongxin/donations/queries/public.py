"""Reads of the public part."""
