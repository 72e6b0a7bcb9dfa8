"""Reads of the stock part."""
