"""Reads of the overview part."""
