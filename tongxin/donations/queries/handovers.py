"""Reads of the handovers part."""
