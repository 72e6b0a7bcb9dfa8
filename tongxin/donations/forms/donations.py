"""Forms of the donations part."""
