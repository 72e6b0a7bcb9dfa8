"""Reads of command and dispatch, one module per part (responses, directives, duty, meetings)."""
