"""Mobilization: the reads of the checkin part."""
