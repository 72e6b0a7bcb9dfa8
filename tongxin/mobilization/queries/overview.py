"""Mobilization: the bureaus' overview, read from the daily roll-up."""
