"""Reads of the donations part."""
