"""Forms of the stock part."""
