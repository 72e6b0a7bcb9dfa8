"""Forms of the handovers part."""
