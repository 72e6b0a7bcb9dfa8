"""Reads of the appeals part."""
