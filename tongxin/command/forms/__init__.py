"""Forms of the command pages, one module per part."""
