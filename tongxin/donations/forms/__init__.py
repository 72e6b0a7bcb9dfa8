"""Forms of donations, one module per part."""
