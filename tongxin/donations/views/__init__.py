"""Pages of donations, one module per part."""
